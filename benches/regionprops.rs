//! Region properties on the peer workloads' 3-D blobs (256^3 labels and intensity).
//!
//! Times the in-memory pass (no file reading) with 2 threads for the issue's one-pass set
//! (`label,area,bbox,centroid,intensity_mean,intensity_max`) and for every one-pass 3-D
//! property; `benches/peers/regionprops.py` times scikit-image on the same files:
//!
//!     TESSERAE_BENCH_WORK=/work/bench-work cargo bench --bench regionprops -- --warm-up-time 1 --measurement-time 3
//!
//! `TESSERAE_BENCH_WORK` names the folder of workloads (default `target/bench-work`).

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput};
use ndarray::ArrayD;
use tesserae::ndmeasure::{Property, RegionProps};
use tesserae::{ArraySource, Executor, Region, Source, io};

fn read<T: tesserae::Element>(path: &Path) -> Option<ArrayD<T>> {
    let source = io::open::<T>(path).ok()?;
    source.read(&Region::full(source.shape())).ok()
}

fn main() {
    let work = std::env::var_os("TESSERAE_BENCH_WORK")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/bench-work"));
    let mut criterion = Criterion::default().configure_from_args();
    let exec = Executor::new().threads(2).expect("two threads");
    let workload = "blobs3d_256";
    let labels = read::<u32>(&work.join(format!("{workload}_labels.tif")));
    let intensity = read::<f32>(&work.join(format!("{workload}_intensity.tif")));
    let (Some(labels), Some(intensity)) = (labels, intensity) else {
        eprintln!("{workload}: no workload files in {}", work.display());
        return;
    };
    let voxels = labels.len() as u64;
    let chunks = [32, 256, 256];
    let labels = ArraySource::new(labels)
        .with_chunks(&chunks)
        .expect("chunks");
    let intensity = ArraySource::new(intensity);
    let issue_set = RegionProps::new()
        .properties(&[
            "label",
            "area",
            "bbox",
            "centroid",
            "intensity_mean",
            "intensity_max",
        ])
        .expect("known properties");
    let one_pass: Vec<Property> = Property::ALL
        .iter()
        .copied()
        .filter(|p| !p.needs_object_image() && !p.only_2d())
        .collect();
    let every = RegionProps::new().with(&one_pass);
    let mut group = criterion.benchmark_group(workload);
    group.throughput(Throughput::Elements(voxels));
    group.bench_function(
        "regionprops label,area,bbox,centroid,intensity_mean,intensity_max",
        |b| {
            b.iter(|| {
                issue_set
                    .run(&exec, &labels, Some(&intensity))
                    .expect("runs")
            })
        },
    );
    group.bench_function("regionprops every one-pass property", |b| {
        b.iter(|| every.run(&exec, &labels, Some(&intensity)).expect("runs"))
    });
    group.finish();
    criterion.final_summary();
}

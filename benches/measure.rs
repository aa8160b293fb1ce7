//! find_objects and per-label statistics on the peer workloads' label images.
//!
//! `benches/peers/compare.py` writes the workloads (scipy's labels of the
//! shared blobs and noise volumes, and an intensity image) into
//! `target/bench-work` and times scipy, cc3d and dask-image on them; this bench
//! times the in-memory kernels on the same files with 2 threads:
//!
//!     .venv-peers/bin/python benches/peers/compare.py
//!     cargo bench --bench measure -- --warm-up-time 1 --measurement-time 3
//!
//! `TESSERAE_BENCH_WORK` names another folder of workloads.

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput};
use ndarray::ArrayD;
use tesserae::ndmeasure::{Measure, find_objects};
use tesserae::{Executor, Region, Source, io};

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
    for workload in ["blobs3d_256", "noise3d_256"] {
        let labels = read::<u32>(&work.join(format!("{workload}_scipy_labels.tif")));
        let intensity = read::<f32>(&work.join(format!("{workload}_intensity.tif")));
        let (Some(labels), Some(intensity)) = (labels, intensity) else {
            eprintln!(
                "{workload}: no workload files in {} (run benches/peers/compare.py)",
                work.display()
            );
            continue;
        };
        let mut group = criterion.benchmark_group(workload);
        group.throughput(Throughput::Elements(labels.len() as u64));
        group.bench_function("find_objects", |b| {
            b.iter(|| exec.install(|| find_objects(&labels.view())))
        });
        group.bench_function("mean+variance+minimum+maximum", |b| {
            b.iter(|| {
                exec.install(|| {
                    Measure::new()
                        .extrema(true)
                        .run_in_memory(&intensity.view(), Some(&labels.view()))
                })
            })
        });
        group.finish();
    }
    criterion.final_summary();
}

//! Labeling throughput on the peer workloads (raw u8 volumes written by
//! `benches/label_peers.py`, which also times cc3d and scipy on the same data).
//!
//!     .venv-peers/bin/python benches/label_peers.py
//!     cargo bench --bench label -- --warm-up-time 1 --measurement-time 3
//!
//! For every workload and connectivity: `Label::apply` on a pool of 1 and of 2
//! threads (2: slabs labeled in parallel and merged), and `Label::run` on 2
//! threads over one chunk and over 128^3 / 1024^2 chunks, into a sink that
//! discards the labels (the labeling alone) and into an in-memory
//! `ArraySink` (plus the engine's copy into one locked array).
//!
//! `TESSERAE_LABEL_MEDIANS=N` skips criterion and prints the median Mvox/s of
//! N runs of every configuration, one line each, for side-by-side tables with
//! the peers; `TESSERAE_LABEL_ONLY=name,...` picks workloads, and
//! `TESSERAE_LABEL_CONFIGS=part,...` the configurations whose name contains
//! one of the parts, and `TESSERAE_LABEL_BENCH` the folder of the volumes (default
//! /tmp/tesserae-label-bench).

use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, Throughput};
use ndarray::{ArrayD, ArrayViewD};
use tesserae::ndmeasure::{Connectivity, Label};
use tesserae::{ArraySink, ArraySource, Executor, Region, Sink};

/// A sink that only checks what it is given.
struct NullSink(Vec<usize>);

impl Sink for NullSink {
    type Elem = u32;
    fn shape(&self) -> &[usize] {
        &self.0
    }
    fn chunk_shape(&self) -> &[usize] {
        &self.0
    }
    fn write(&self, region: &Region, data: ArrayViewD<'_, u32>) -> tesserae::Result<()> {
        assert_eq!(region.shape(), data.shape());
        Ok(())
    }
    fn commit(&mut self) -> tesserae::Result<()> {
        Ok(())
    }
}

/// Name, shape and chunk shape of every workload.
fn workloads() -> Vec<(&'static str, Vec<usize>, Vec<usize>)> {
    vec![
        ("blobs3d_256", vec![256; 3], vec![128; 3]),
        ("blobs3d_512", vec![512; 3], vec![128; 3]),
        ("noise3d_256", vec![256; 3], vec![128; 3]),
        ("noise3d_256_p02", vec![256; 3], vec![128; 3]),
        ("blobs2d_4096", vec![4096; 2], vec![1024; 2]),
        ("blobs2d_8192", vec![8192; 2], vec![1024; 2]),
    ]
}

/// One labeling configuration: a name and a run returning the object count.
type Config<'a> = (String, Box<dyn Fn() -> usize + 'a>);

fn configs<'a>(
    image: &'a ArrayD<u8>,
    chunks: &[usize],
    one: &'a Executor,
    two: &'a Executor,
) -> Vec<Config<'a>> {
    let shape = image.shape().to_vec();
    let mut out: Vec<Config<'a>> = Vec::new();
    for (kind, conn) in [("face", Connectivity::Face), ("full", Connectivity::Full)] {
        let label = Label::new(conn);
        for (tag, exec) in [("1thread", one), ("2threads", two)] {
            let label = label.clone();
            out.push((
                format!("{kind}/in-memory-{tag}"),
                Box::new(move || exec.install(|| label.apply(&image.view()).expect("labels").1)),
            ));
        }
        for (tag, chunking) in [("one-chunk", shape.clone()), ("chunked", chunks.to_vec())] {
            let source = ArraySource::new(image.clone())
                .with_chunks(&chunking)
                .expect("chunks");
            let (label, shape, source) = (label.clone(), shape.clone(), source.clone());
            out.push((
                format!("{kind}/{tag}-2threads-nullsink"),
                Box::new(move || {
                    let mut sink = NullSink(shape.clone());
                    label.run(two, &source, &mut sink).expect("labels")
                }),
            ));
        }
        let source = ArraySource::new(image.clone())
            .with_chunks(chunks)
            .expect("chunks");
        let (label, shape) = (label.clone(), shape.clone());
        out.push((
            format!("{kind}/chunked-2threads-arraysink"),
            Box::new(move || {
                let mut sink = ArraySink::<u32>::new(&shape);
                label.run(two, &source, &mut sink).expect("labels")
            }),
        ));
    }
    out
}

fn main() {
    let folder = PathBuf::from(
        std::env::var("TESSERAE_LABEL_BENCH")
            .unwrap_or_else(|_| "/tmp/tesserae-label-bench".into()),
    );
    let only: Option<Vec<String>> = std::env::var("TESSERAE_LABEL_ONLY")
        .ok()
        .map(|s| s.split(',').map(String::from).collect());
    let configs_only: Option<Vec<String>> = std::env::var("TESSERAE_LABEL_CONFIGS")
        .ok()
        .map(|s| s.split(',').map(String::from).collect());
    let medians: Option<usize> = std::env::var("TESSERAE_LABEL_MEDIANS")
        .ok()
        .and_then(|s| s.parse().ok());
    let one = Executor::new().threads(1).expect("a pool of 1 thread");
    let two = Executor::new().threads(2).expect("a pool of 2 threads");
    let mut criterion = Criterion::default().configure_from_args();
    for (name, shape, chunks) in workloads() {
        if only.as_ref().is_some_and(|o| !o.iter().any(|n| n == name)) {
            continue;
        }
        let path = folder.join(format!("{name}.bin"));
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!(
                "{}: missing, run benches/label_peers.py first",
                path.display()
            );
            continue;
        };
        let image = ArrayD::from_shape_vec(shape.clone(), bytes)
            .expect("a raw volume of the workload's shape");
        let nvox = image.len() as f64;
        let configs = configs(&image, &chunks, &one, &two);
        if let Some(n) = medians {
            for (config, run) in &configs {
                if configs_only
                    .as_ref()
                    .is_some_and(|o| !o.iter().any(|c| config.contains(c.as_str())))
                {
                    continue;
                }
                let mut rates: Vec<f64> = (0..n.max(1))
                    .map(|_| {
                        let start = Instant::now();
                        std::hint::black_box(run());
                        nvox / start.elapsed().as_secs_f64() / 1e6
                    })
                    .collect();
                rates.sort_by(f64::total_cmp);
                println!(
                    "{name:18} {config:36} {:8.1} Mvox/s",
                    rates[rates.len() / 2]
                );
            }
            continue;
        }
        let mut group = criterion.benchmark_group(name);
        group
            .throughput(Throughput::Elements(nvox as u64))
            .sample_size(10);
        for (config, run) in &configs {
            group.bench_function(config.as_str(), |b| b.iter(run));
        }
        group.finish();
    }
    criterion.final_summary();
}

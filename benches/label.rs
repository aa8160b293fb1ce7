//! Labeling throughput on the peer workloads (raw u8 volumes written by
//! `benches/label_peers.py`, which also times cc3d and scipy on the same data).
//!
//!     /work/venv/bin/python benches/label_peers.py /tmp/tesserae-label-bench
//!     TESSERAE_LABEL_BENCH=/tmp/tesserae-label-bench cargo bench --bench label
//!
//! For every workload and connectivity: the in-memory kernel on one piece,
//! and chunked runs (one chunk, and 128^3 / 1024^2 chunks) on 2 threads, into
//! an in-memory `ArraySink` and into a sink that discards the labels (the
//! labeling alone, without the copy into one locked array).

use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ndarray::ArrayD;
use ndarray::ArrayViewD;
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

fn workloads() -> Vec<(&'static str, Vec<usize>, Vec<usize>)> {
    vec![
        ("blobs3d_256", vec![256; 3], vec![128; 3]),
        ("noise3d_256", vec![256; 3], vec![128; 3]),
        ("noise3d_256_p02", vec![256; 3], vec![128; 3]),
        ("blobs2d_4096", vec![4096; 2], vec![1024; 2]),
    ]
}

fn bench(c: &mut Criterion) {
    let folder = PathBuf::from(
        std::env::var("TESSERAE_LABEL_BENCH")
            .unwrap_or_else(|_| "/tmp/tesserae-label-bench".into()),
    );
    let exec = Executor::new().threads(2).expect("a pool of 2 threads");
    for (name, shape, chunks) in workloads() {
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
        let nvox = image.len() as u64;
        let mut group = c.benchmark_group(name);
        group
            .throughput(Throughput::Elements(nvox))
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        for (kind, conn) in [("face", Connectivity::Face), ("full", Connectivity::Full)] {
            let label = Label::new(conn);
            group.bench_function(format!("{kind}/in-memory"), |b| {
                b.iter(|| label.apply(&image.view()).expect("labels"))
            });
            for (tag, chunking) in [("one-chunk", shape.clone()), ("chunked", chunks.clone())] {
                let source = ArraySource::new(image.clone())
                    .with_chunks(&chunking)
                    .expect("chunks");
                let label = label.clone();
                group.bench_function(format!("{kind}/{tag}-2threads"), |b| {
                    b.iter(|| {
                        let mut sink = ArraySink::<u32>::new(&shape);
                        label.run(&exec, &source, &mut sink).expect("labels")
                    })
                });
                group.bench_function(format!("{kind}/{tag}-2threads-nullsink"), |b| {
                    b.iter(|| {
                        let mut sink = NullSink(shape.clone());
                        label.run(&exec, &source, &mut sink).expect("labels")
                    })
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Rank filters on 256³ u16 and f32 noise with 2 threads: median 3×3×3 and
//! minimum 5×5×5 in memory (`apply`), and chunked in 128³ chunks (`lazy` +
//! `store`) for the halo overhead. Compare with benches/peers/rank.py (scipy),
//! which writes the shared workloads to /work/bench-work; without them the
//! bench makes its own noise.

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::ArrayD;
use tesserae::engine::store;
use tesserae::ndfilters::{RankFilter, RankKind};
use tesserae::{ArraySink, ArraySource, Element, Executor};

const N: usize = 256;

/// The peers' workload when present, else deterministic noise.
fn workload<T: Element>(name: &str, from_le: fn(&[u8]) -> T, noise: fn(u64) -> T) -> ArrayD<T> {
    let path = format!("/work/bench-work/rank_noise_{N}_{name}.bin");
    let values: Vec<T> = match std::fs::read(&path) {
        Ok(bytes) if bytes.len() == N * N * N * std::mem::size_of::<T>() => bytes
            .chunks_exact(std::mem::size_of::<T>())
            .map(from_le)
            .collect(),
        _ => (0..(N * N * N) as u64)
            .map(|i| noise(i.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29)))
            .collect(),
    };
    ArrayD::from_shape_vec(vec![N; 3], values).expect("N³ values")
}

fn run<T: Element>(c: &mut Criterion, name: &str, image: ArrayD<T>) {
    let exec = Executor::new().threads(2).expect("two threads start");
    let mut group = c.benchmark_group(format!("rank_256_{name}"));
    group.sample_size(10);
    let median = RankFilter::new(RankKind::Median).size(&[3]);
    let minimum = RankFilter::new(RankKind::Minimum).size(&[5]);
    for (label, filter) in [("median3", &median), ("minimum5", &minimum)] {
        group.bench_function(label, |b| {
            b.iter(|| exec.install(|| filter.apply(&image.view()).expect("filter runs")))
        });
        let source = ArraySource::new(image.clone())
            .with_chunks(&[128; 3])
            .expect("valid chunks");
        group.bench_function(format!("{label}_chunks128"), |b| {
            b.iter(|| {
                let lazy = filter.lazy(&source).expect("valid filter");
                let mut sink = ArraySink::new(&[N; 3])
                    .with_chunks(&[128; 3])
                    .expect("valid chunks");
                store(&exec, &lazy, &mut sink).expect("in-memory store succeeds");
                sink.into_array()
            })
        });
    }
    group.finish();
}

fn bench(c: &mut Criterion) {
    let u16s = workload(
        "u16",
        |b| u16::from_le_bytes([b[0], b[1]]),
        |h| (h % 4096) as u16,
    );
    run(c, "u16", u16s);
    let f32s = workload(
        "f32",
        |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        |h| (h % 100_000) as f32 / 1000.0,
    );
    run(c, "f32", f32s);
}

criterion_group!(benches, bench);
criterion_main!(benches);

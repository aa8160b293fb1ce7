//! `map_overlap` with a no-op kernel (halo 2, trimmed centre) on 512³ u8 in 64³
//! chunks stored into an `ArraySink` (on all threads and on one), against a
//! plain in-memory copy (`array.to_owned()`).

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::ArrayD;
use tesserae::engine::{BoundaryMode, copy_block, map_overlap, store};
use tesserae::{ArraySink, ArraySource, Executor};

const N: usize = 512;
const CHUNK: usize = 64;

fn bench(c: &mut Criterion) {
    let array = ArrayD::from_shape_fn(vec![N; 3], |i| (i[0] ^ i[1] ^ i[2]) as u8);
    let exec = Executor::new();
    let mut group = c.benchmark_group("map_overlap_512");
    group.sample_size(10);
    group.bench_function("copy", |b| b.iter(|| array.to_owned()));
    let source = ArraySource::new(array.clone())
        .with_chunks(&[CHUNK; 3])
        .expect("valid chunks");
    let single = Executor::new().threads(1).expect("one thread starts");
    for (name, exec) in [
        ("noop_halo2_store", &exec),
        ("noop_halo2_store_1_thread", &single),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let op = map_overlap(&source, &[2; 3])
                    .mode(BoundaryMode::Reflect)
                    .build(|padded, block| Ok(copy_block(block.centre(padded))))
                    .expect("valid options");
                let mut sink = ArraySink::new(&[N; 3])
                    .with_chunks(&[CHUNK; 3])
                    .expect("valid chunks");
                store(exec, &op, &mut sink).expect("in-memory store succeeds");
                sink.into_array()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

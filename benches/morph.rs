//! Binary erosion (3 iterations, 6-connectivity) on 256³ blobs in 128³ chunks
//! and as a single chunk, Otsu on 256³ u16, and the distance transform on a
//! 128³ mask; compare with bench/peers or scipy timings.

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::ArrayD;
use tesserae::engine::store;
use tesserae::ndfilters::{Threshold, ThresholdMethod};
use tesserae::ndmorph::{BinaryMorphology, BinaryOp, DistanceTransform};
use tesserae::{ArraySink, ArraySource, Executor};

const N: usize = 256;

fn blobs(n: usize) -> ArrayD<u8> {
    ArrayD::from_shape_fn(vec![n; 3], |i| {
        let v =
            (i[0] as f64 * 0.21).sin() + (i[1] as f64 * 0.17).cos() + (i[2] as f64 * 0.13).sin();
        u8::from(v > 0.3)
    })
}

fn bench(c: &mut Criterion) {
    let exec = Executor::new();
    let image = blobs(N);
    let mut group = c.benchmark_group("morph_256");
    group.sample_size(10);
    let erosion = BinaryMorphology::new(BinaryOp::Erosion).iterations(3);
    for (name, chunks) in [("erosion_it3_chunks128", 128), ("erosion_it3_single", N)] {
        let source = ArraySource::new(image.clone())
            .with_chunks(&[chunks; 3])
            .expect("valid chunks");
        group.bench_function(name, |b| {
            b.iter(|| {
                let lazy = erosion.lazy(&source).expect("valid options");
                let mut sink = ArraySink::new(&[N; 3])
                    .with_chunks(&[chunks; 3])
                    .expect("valid chunks");
                store(&exec, &lazy, &mut sink).expect("in-memory store succeeds");
                sink.into_array()
            })
        });
    }
    let grey = ArraySource::new(image.mapv(|v| u16::from(v) * 1000 + 7))
        .with_chunks(&[64; 3])
        .expect("valid chunks");
    group.bench_function("otsu_u16", |b| {
        b.iter(|| {
            Threshold::new(ThresholdMethod::Otsu)
                .compute(&exec, &grey)
                .expect("threshold")
        })
    });
    let small = blobs(128);
    group.bench_function("edt_128", |b| {
        b.iter(|| DistanceTransform::new().apply(&small.view()).expect("edt"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Linear filters on the 256³ smooth intensity workload (u16, and as f32) on 2
//! threads: `gaussian_filter` sigma 2 (the anchor against
//! scipy.ndimage, timed by benches/peers/filters.py) and `uniform_filter`
//! size 5; plus the chunked form (128³ chunks) to measure the halo overhead.
//!
//! The workload is read from `$TESSERAE_BENCH_WORK/intensity3d_256.tif`
//! (default /work/bench-work, written by ../shared/bench/workloads.py); without
//! it a synthetic smooth volume of the same shape is used.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::ArrayD;
use tesserae::ndfilters::{GaussianFilter, UniformFilter};
use tesserae::{ArraySink, ArraySource, Executor, Region, Source, io, store};

const N: usize = 256;

fn workload() -> ArrayD<u16> {
    let dir = std::env::var("TESSERAE_BENCH_WORK").unwrap_or_else(|_| "/work/bench-work".into());
    let path = PathBuf::from(dir).join("intensity3d_256.tif");
    if let Ok(source) = io::open::<u16>(&path)
        && let Ok(a) = source.read(&Region::full(source.shape()))
    {
        return a;
    }
    ArrayD::from_shape_fn(vec![N; 3], |i| {
        let f = |v: usize| ((v as f64) / 20.0).sin();
        (30000.0 + 10000.0 * (f(i[0]) + f(i[1]) * f(i[2]))) as u16
    })
}

fn bench(c: &mut Criterion) {
    let u16s = workload();
    let f32s = u16s.mapv(f32::from);
    let exec = Executor::new().threads(2).expect("two threads start");
    let mut group = c.benchmark_group("filters_256");
    group.sample_size(10);
    let gaussian = GaussianFilter::new(2.0);
    let uniform = UniformFilter::new(5);
    group.bench_function("gaussian_sigma2_f32", |b| {
        b.iter(|| exec.install(|| gaussian.apply::<f32, f32>(&f32s.view()).expect("filters")))
    });
    group.bench_function("gaussian_sigma2_u16", |b| {
        b.iter(|| exec.install(|| gaussian.apply::<u16, u16>(&u16s.view()).expect("filters")))
    });
    group.bench_function("uniform_size5_f32", |b| {
        b.iter(|| exec.install(|| uniform.apply::<f32, f32>(&f32s.view()).expect("filters")))
    });
    group.bench_function("uniform_size5_u16", |b| {
        b.iter(|| exec.install(|| uniform.apply::<u16, u16>(&u16s.view()).expect("filters")))
    });
    // The in-memory layout: slabs along axis 0 (the default), or blocks
    // split along axis 1 too (smaller slices, more halo).
    for chunks in [[128, 128, 256], [64, 128, 256]] {
        let g = GaussianFilter::new(2.0).chunks(&chunks);
        let u = UniformFilter::new(5).chunks(&chunks);
        let tag = format!("{}x{}x{}", chunks[0], chunks[1], chunks[2]);
        group.bench_function(format!("gaussian_sigma2_u16_apply_{tag}"), |b| {
            b.iter(|| exec.install(|| g.apply::<u16, u16>(&u16s.view()).expect("filters")))
        });
        group.bench_function(format!("uniform_size5_u16_apply_{tag}"), |b| {
            b.iter(|| exec.install(|| u.apply::<u16, u16>(&u16s.view()).expect("filters")))
        });
    }
    let source = ArraySource::new(f32s.clone())
        .with_chunks(&[128; 3])
        .expect("valid chunks");
    group.bench_function("gaussian_sigma2_f32_chunks128_store", |b| {
        b.iter(|| {
            let lazy = gaussian.lazy::<_, f32>(&source).expect("valid filter");
            let mut sink = ArraySink::new(&[N; 3])
                .with_chunks(&[128; 3])
                .expect("chunks");
            store(&exec, &lazy, &mut sink).expect("in-memory store succeeds");
            sink.into_array()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! File throughput on a 128 × 512 × 512 uint16 stack (64 MiB) of smooth ramps
//! with 5 bits of noise, roughly like a microscope image: writing it as TIFF
//! (uncompressed, deflate) and as Zarr (zstd, uncompressed), and reading each
//! back whole through the executor, in the file's native chunks and in
//! 8-plane slabs. Throughput is bytes of pixels per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::{ArrayD, IxDyn};
use tesserae::io::{self, Compression, WriteOptions};
use tesserae::{ArraySink, ArraySource, Executor, Source, store};

const SHAPE: [usize; 3] = [128, 512, 512];

/// The benchmark image.
fn image() -> ArrayD<u16> {
    ArrayD::from_shape_fn(IxDyn(&SHAPE), |i| {
        let (z, y, x) = (i[0], i[1], i[2]);
        let mut h = ((z * SHAPE[1] + y) * SHAPE[2] + x) as u64;
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        let noise = ((h ^ (h >> 31)) % 32) as usize;
        (200 + (x + 2 * y + 3 * z) % 512 + noise) as u16
    })
}

/// Writes `image` to `path` in chunks of `chunks`.
fn write(
    exec: &Executor,
    image: &ArraySource<u16>,
    path: &std::path::Path,
    compression: Compression,
) {
    let options = WriteOptions {
        overwrite: true,
        compression: Some(compression),
        ..WriteOptions::default()
    };
    let mut sink = io::create::<u16>(path, &SHAPE, &[16, 256, 256], &options).expect("creatable");
    store(exec, image, &mut sink).expect("writable");
}

/// Reads the file at `path` whole, in chunks of `chunks` (its native ones by default).
fn read(exec: &Executor, path: &std::path::Path, chunks: Option<&[usize]>) -> ArrayD<u16> {
    let source = io::open::<u16>(path).expect("readable");
    let source = match chunks {
        Some(c) => tesserae::rechunk(source, c).expect("valid chunks"),
        None => {
            let native = source.chunk_shape().to_vec();
            tesserae::rechunk(source, &native).expect("valid chunks")
        }
    };
    let mut sink = ArraySink::new(&SHAPE);
    store(exec, &source, &mut sink).expect("in-memory store succeeds");
    sink.into_array()
}

fn bench(c: &mut Criterion) {
    let exec = Executor::new();
    let dir = tempfile::tempdir().expect("temporary folder");
    let image = ArraySource::new(image())
        .with_chunks(&[16, 512, 512])
        .expect("valid chunks");
    let bytes = (SHAPE.iter().product::<usize>() * 2) as u64;
    let mut group = c.benchmark_group("io_128x512x512_u16");
    group.sample_size(10).throughput(Throughput::Bytes(bytes));
    let files = [
        ("tiff", "stack.tif", Compression::None),
        ("tiff_deflate", "stack_deflate.tif", Compression::Deflate),
        ("zarr_zstd", "stack.zarr", Compression::Zstd),
        ("zarr", "stack_raw.zarr", Compression::None),
    ];
    for (name, file, compression) in files {
        let path = dir.path().join(file);
        group.bench_function(format!("write_{name}"), |b| {
            b.iter(|| write(&exec, &image, &path, compression))
        });
        group.bench_function(format!("read_{name}"), |b| {
            b.iter(|| read(&exec, &path, None))
        });
        group.bench_function(format!("read_{name}_8_planes"), |b| {
            b.iter(|| read(&exec, &path, Some(&[8, 512, 512])))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

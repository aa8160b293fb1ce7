//! TIFF → engine → Zarr → engine → TIFF is bit-exact for every element type,
//! in 2-D and 3-D, at several chunkings.

use ndarray::ArrayD;
use tesserae::engine::store;
use tesserae::io::{
    WriteOptions, tiff::TiffSink, tiff::TiffSource, zarr::ZarrSink, zarr::ZarrSource,
};
use tesserae::{ArraySource, DataType, Element, Executor, Region, Source, with_dtype};

/// Values spread over the whole range of the type (the bytes of every sample
/// vary), with negatives for signed types and fractions for floats.
fn pattern<T: Element>(shape: &[usize]) -> ArrayD<T> {
    ArrayD::from_shape_fn(shape.to_vec(), |i| {
        let k = (0..shape.len()).fold(0u64, |a, ax| a * 31 + i[ax] as u64 + 7);
        let v = (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as f64;
        let v = match T::DTYPE {
            DataType::F32 | DataType::F64 => v / 7.0 - 1e5,
            d if d.is_signed_integer() => v - 8e6,
            _ => v,
        };
        num_traits::cast::<f64, T>(v)
            .or_else(|| num_traits::cast::<f64, T>(v.rem_euclid(100.0)))
            .unwrap_or_else(T::zero)
    })
}

fn round_trip<T: Element>(shape: &[usize], chunks: &[usize], exec: &Executor) {
    let dir = tempfile::tempdir().unwrap();
    let original = pattern::<T>(shape);
    let first = dir.path().join("first.tif");
    let zarr = dir.path().join("middle.zarr");
    let last = dir.path().join("last.tif");
    let options = WriteOptions::default();

    let mut sink = TiffSink::<T>::create(&first, shape, &options).unwrap();
    store(
        exec,
        &ArraySource::new(original.clone())
            .with_chunks(chunks)
            .unwrap(),
        &mut sink,
    )
    .unwrap();
    let tiff = TiffSource::<T>::open(&first).unwrap();
    let mut sink = ZarrSink::<T>::create(&zarr, shape, chunks, &options).unwrap();
    store(exec, &tiff, &mut sink).unwrap();
    let zarr = ZarrSource::<T>::open(&zarr).unwrap();
    let mut sink = TiffSink::<T>::create(&last, shape, &options).unwrap();
    store(exec, &zarr, &mut sink).unwrap();

    let back = TiffSource::<T>::open(&last).unwrap();
    let data = back.read(&Region::full(shape)).unwrap();
    let bits = |a: &ArrayD<T>| format!("{:?}", a.iter().map(|v| v.to_string()).collect::<Vec<_>>());
    assert_eq!(
        bits(&data),
        bits(&original),
        "{} {shape:?} chunks {chunks:?}",
        T::DTYPE
    );
}

#[test]
fn tiff_zarr_tiff_is_exact_for_every_dtype() {
    let exec = Executor::new().threads(2).unwrap();
    for dtype in DataType::ALL {
        for (shape, chunks) in [
            (vec![9, 13], vec![4, 5]),
            (vec![9, 13], vec![9, 13]),
            (vec![5, 9, 13], vec![2, 4, 5]),
            (vec![5, 9, 13], vec![1, 9, 13]),
        ] {
            with_dtype!(dtype, T => round_trip::<T>(&shape, &chunks, &exec));
        }
    }
}

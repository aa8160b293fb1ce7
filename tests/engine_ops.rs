//! Block reductions, `store`, `rechunk` and `default_chunks`.

use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use tesserae::engine::{
    UNIT_BUDGET, default_chunks, map_blocks, max, min, min_max, rechunk, store, sum, unit_shape,
};
use tesserae::{ArraySink, ArraySource, Error, Executor, Region, Sink, Source};

fn array_and_chunks() -> impl Strategy<Value = (ArrayD<i32>, Vec<usize>, Vec<usize>)> {
    prop::collection::vec(1usize..=9, 1..=4).prop_flat_map(|shape| {
        let len: usize = shape.iter().product();
        let a: Vec<_> = shape.iter().map(|&n| 1..=n).collect();
        let b: Vec<_> = shape.iter().map(|&n| 1..=n + 2).collect();
        (
            prop::collection::vec(-1000i32..1000, len)
                .prop_map(move |v| ArrayD::from_shape_vec(shape.clone(), v).unwrap()),
            a,
            b,
        )
    })
}

/// A sink that records whether it was committed.
struct Recording {
    inner: ArraySink<i32>,
    committed: bool,
}

impl Sink for Recording {
    type Elem = i32;
    fn shape(&self) -> &[usize] {
        self.inner.shape()
    }
    fn chunk_shape(&self) -> &[usize] {
        self.inner.chunk_shape()
    }
    fn write(&self, region: &Region, data: ndarray::ArrayViewD<'_, i32>) -> tesserae::Result<()> {
        self.inner.write(region, data)
    }
    fn commit(&mut self) -> tesserae::Result<()> {
        self.committed = true;
        self.inner.commit()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn reductions_equal_whole_array((a, native, chunks) in array_and_chunks(), threads in 1usize..=3) {
        let exec = Executor::new().threads(threads).unwrap();
        let source = ArraySource::new(a.clone()).with_chunks(&native).unwrap();
        let whole_sum: i64 = a.iter().map(|&v| i64::from(v)).sum();
        let whole_min = *a.iter().min().unwrap();
        let whole_max = *a.iter().max().unwrap();
        for c in [None, Some(chunks.as_slice())] {
            prop_assert_eq!(sum(&exec, &source, c).unwrap(), whole_sum as f64);
            prop_assert_eq!(min(&exec, &source, c).unwrap(), Some(whole_min));
            prop_assert_eq!(max(&exec, &source, c).unwrap(), Some(whole_max));
            let range = min_max(&exec, &source, c).unwrap().unwrap();
            prop_assert_eq!((range.min, range.max), (whole_min, whole_max));
        }
    }

    #[test]
    fn store_copies_exactly((a, native, chunks) in array_and_chunks(), threads in 1usize..=3) {
        let exec = Executor::new().threads(threads).unwrap();
        let source = ArraySource::new(a.clone()).with_chunks(&native).unwrap();
        let mut sink = ArraySink::new(a.shape()).with_chunks(&chunks).unwrap();
        store(&exec, &source, &mut sink).unwrap();
        prop_assert_eq!(sink.into_array(), a.clone());

        // Rechunk round trip: native → chunks → native.
        let there = rechunk(source, &chunks).unwrap();
        let middle_chunks = there.chunk_shape().to_vec();
        let mut middle = ArraySink::new(a.shape()).with_chunks(&middle_chunks).unwrap();
        store(&exec, &there, &mut middle).unwrap();
        let back = rechunk(ArraySource::new(middle.into_array()).with_chunks(&chunks).unwrap(), &native).unwrap();
        let native_clipped = ArraySource::new(a.clone()).with_chunks(&native).unwrap().chunk_shape().to_vec();
        prop_assert_eq!(back.chunk_shape(), native_clipped.as_slice());
        let mut end = ArraySink::new(a.shape()).with_chunks(&native).unwrap();
        store(&exec, &back, &mut end).unwrap();
        prop_assert_eq!(end.into_array(), a);
    }
}

#[test]
fn float_nan_propagates_and_empty_arrays_have_no_range() {
    let exec = Executor::new();
    let a = ArrayD::from_shape_vec(vec![4], vec![1.0f32, f32::NAN, -3.0, 2.0]).unwrap();
    let source = ArraySource::new(a).with_chunks(&[1]).unwrap();
    assert!(min(&exec, &source, None).unwrap().unwrap().is_nan());
    assert!(max(&exec, &source, Some(&[3])).unwrap().unwrap().is_nan());
    let empty = ArraySource::new(ArrayD::<u8>::zeros(IxDyn(&[3, 0])));
    assert_eq!(min_max(&exec, &empty, None).unwrap(), None);
    assert_eq!(sum(&exec, &empty, None).unwrap(), 0.0);
}

#[test]
fn failing_kernel_fails_store_without_commit() {
    let a = ArrayD::from_shape_fn(IxDyn(&[16, 16]), |i| (i[0] * 16 + i[1]) as i32);
    let source = ArraySource::new(a).with_chunks(&[4, 4]).unwrap();
    let failing = map_blocks(source, None, |block, region| {
        if region.start() == [8, 4] {
            Err(Error::Failed("kernel failed on purpose".into()))
        } else {
            Ok(block.to_owned())
        }
    })
    .unwrap();
    let mut sink = Recording {
        inner: ArraySink::new(&[16, 16]).with_chunks(&[4, 4]).unwrap(),
        committed: false,
    };
    let err = store(&Executor::new().threads(2).unwrap(), &failing, &mut sink).unwrap_err();
    assert_eq!(err.to_string(), "kernel failed on purpose");
    assert!(!sink.committed);
}

#[test]
fn store_rejects_other_shapes() {
    let source = ArraySource::new(ArrayD::<i32>::zeros(IxDyn(&[4, 4])));
    let mut sink = ArraySink::<i32>::new(&[4, 5]);
    let err = store(&Executor::new(), &source, &mut sink).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }));
}

#[test]
fn store_units_group_sink_chunks_by_source_chunks() {
    // Whole TIFF pages in, 64³ chunks out: 64-plane slabs of whole pages.
    assert_eq!(
        unit_shape(&[64, 64, 64], &[1, 1024, 1024], 1, UNIT_BUDGET),
        [64, 1024, 1024]
    );
    // Source chunks smaller than or equal to sink chunks: one sink chunk per unit.
    assert_eq!(
        unit_shape(&[64, 64, 64], &[64, 64, 64], 4, UNIT_BUDGET),
        [64, 64, 64]
    );
    // Unaligned: 100-wide source chunks over 64-wide sink chunks take two sink chunks.
    assert_eq!(unit_shape(&[64, 64], &[100, 10], 1, UNIT_BUDGET), [128, 64]);
    // Over budget (u32: 256 MiB): the outermost grown axis halves until within 64 MiB.
    assert_eq!(
        unit_shape(&[64, 64, 64], &[1, 1024, 1024], 4, UNIT_BUDGET),
        [64, 256, 1024]
    );
    // A single sink chunk over budget stays a single sink chunk.
    assert_eq!(
        unit_shape(&[512, 512, 512], &[1, 1, 1], 1, UNIT_BUDGET),
        [512, 512, 512]
    );
}

#[test]
fn default_chunks_hand_checked() {
    const MIB: usize = 1 << 20;
    // 1024² u16 pages (2 MiB): 8 pages = 16 MiB.
    assert_eq!(
        default_chunks(&[500, 1024, 1024], &[1, 1024, 1024], 2),
        [8, 1024, 1024]
    );
    // 64³ u16 (512 KiB) grows by one native extent at a time along the shortest axis,
    // axis 0 first on ties: … 192³ (13.5 MiB); 256·192·192 would be 18 MiB.
    assert_eq!(
        default_chunks(&[1000, 1000, 1000], &[64, 64, 64], 2),
        [192, 192, 192]
    );
    // 32·64·64 u8 native chunks: axis 0 grows first while it is the shortest.
    assert_eq!(
        default_chunks(&[4096, 4096, 4096], &[32, 64, 64], 1),
        [256, 256, 256]
    );
    // A stack of 20 pages: the chunk stops at the array.
    assert_eq!(
        default_chunks(&[20, 512, 512], &[1, 512, 512], 1),
        [20, 512, 512]
    );
    // Native chunks between 16 and 32 MiB are kept.
    assert_eq!(
        default_chunks(&[100, 5000, 5000], &[1, 5000, 5000], 1),
        [1, 5000, 5000]
    );
    // A 40 MiB native chunk (f32 plane of 2560·4096) splits by divisors of the native extents:
    // 4096 → 2048 (20 MiB), then 2560 → 1280, its largest proper divisor (10 MiB).
    let split = default_chunks(&[3, 2560, 4096], &[1, 2560, 4096], 4);
    assert_eq!(split, [1, 1280, 2048]);
    assert!(split.iter().product::<usize>() * 4 <= 16 * MIB);
    // A 2-D u8 image in one 64 MiB chunk: split to 16 MiB.
    assert_eq!(
        default_chunks(&[8192, 8192], &[8192, 8192], 1),
        [4096, 4096]
    );
    // Empty axes count as 1; extents never exceed the array.
    assert_eq!(default_chunks(&[0, 10], &[4, 4], 1), [1, 10]);
}

#[test]
fn rechunk_keeps_data_and_voxel_size() {
    let a = ArrayD::from_shape_fn(IxDyn(&[6, 6]), |i| (i[0] * 6 + i[1]) as u8);
    let voxel = tesserae::VoxelSize::new(vec![1.0, 2.0], None);
    let source = ArraySource::new(a.clone()).with_voxel_size(voxel.clone());
    let r = rechunk(source, &[4, 5]).unwrap();
    assert_eq!(r.chunk_shape(), &[4, 5]);
    assert_eq!(r.voxel_size(), Some(voxel));
    assert_eq!(r.read(&Region::full(&[6, 6])).unwrap(), a);
    assert!(rechunk(ArraySource::new(a), &[0, 1]).is_err());
}

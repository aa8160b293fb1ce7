//! Chunked label operations equal the in-memory ones (which
//! tests/labels_vs_skimage.rs checks against scikit-image) for random label
//! images, masks, chunk shapes (1-voxel chunks included) and parameters.

use ndarray::ArrayD;
use proptest::prelude::*;
use tesserae::labels::{ClearBorder, RelabelSequential, RemoveObjects};
use tesserae::labels::{clear_border, object_sizes, object_sizes_chunked, relabel_sequential};
use tesserae::ndmeasure::{Connectivity, Label};
use tesserae::{ArraySink, ArraySource, Executor};

/// A random label image of rank 1–3 with few distinct values (so objects
/// touch and split) including a huge one, and a chunk shape.
fn case() -> impl Strategy<Value = (ArrayD<u64>, Vec<usize>)> {
    (1usize..=3)
        .prop_flat_map(|ndim| proptest::collection::vec(1usize..=7, ndim))
        .prop_flat_map(|shape| {
            let n: usize = shape.iter().product();
            let chunks = shape.iter().map(|&s| 1..=s).collect::<Vec<_>>();
            (
                Just(shape),
                proptest::collection::vec(
                    prop_oneof![3 => Just(0u64), 1 => Just(2), 1 => Just(5), 1 => Just(1 << 40)],
                    n,
                ),
                chunks,
            )
        })
        .prop_map(|(shape, labels, chunks)| {
            (ArrayD::from_shape_vec(shape, labels).unwrap(), chunks)
        })
}

fn run<T: tesserae::ndmeasure::LabelValue>(
    input: &ArrayD<T>,
    chunks: &[usize],
    f: impl Fn(&Executor, &ArraySource<T>, &mut ArraySink<T>),
) -> ArrayD<T> {
    let source = ArraySource::new(input.clone()).with_chunks(chunks).unwrap();
    let mut sink = ArraySink::<T>::new(input.shape());
    f(&Executor::new().threads(2).unwrap(), &source, &mut sink);
    sink.into_array()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn sizes_and_relabel((labels, chunks) in case(), offset in 1u64..4) {
        let source = ArraySource::new(labels.clone()).with_chunks(&chunks).unwrap();
        let exec = Executor::new().threads(2).unwrap();
        prop_assert_eq!(object_sizes_chunked(&exec, &source, None).unwrap(), object_sizes(&labels.view()));
        let whole = relabel_sequential(&labels.view(), offset).unwrap();
        let out = run(&labels, &chunks, |e, s, k| {
            let (forward, inverse) = RelabelSequential::new().offset(offset).run(e, s, k).unwrap();
            assert_eq!(forward, whole.forward);
            assert_eq!(inverse, whole.inverse);
        });
        prop_assert_eq!(out, whole.labels);
    }

    #[test]
    fn remove_by_size((labels, chunks) in case(), size in 0u64..6, k in 0usize..4) {
        for remove in [RemoveObjects::small(size), RemoveObjects::large(size), RemoveObjects::keep_largest(k)] {
            let whole = remove.apply_labels(&labels.view()).unwrap();
            let out = run(&labels, &chunks, |e, s, sink| { remove.run_labels(e, s, sink).unwrap(); });
            prop_assert_eq!(out, whole);
        }
    }

    #[test]
    fn remove_from_mask((labels, chunks) in case(), size in 0u64..6, full in any::<bool>()) {
        let mask = labels.mapv(|v| u8::from(v != 0));
        let connectivity = if full { Connectivity::Full } else { Connectivity::Face };
        let remove = RemoveObjects::small(size).connectivity(connectivity);
        let whole = remove.apply_mask(&mask.view()).unwrap();
        let out = run(&mask, &chunks, |e, s, sink| { remove.run_mask(e, s, sink).unwrap(); });
        prop_assert_eq!(out, whole);
    }

    #[test]
    fn labels_of_kept_objects((labels, chunks) in case(), size in 0u64..6, full in any::<bool>(), k in 0usize..4) {
        // One labeling gives label(remove(mask)) and the cleaned mask, for every rule.
        let mask = labels.mapv(|v| u8::from(v != 0));
        let connectivity = if full { Connectivity::Full } else { Connectivity::Face };
        for remove in [RemoveObjects::small(size), RemoveObjects::large(size), RemoveObjects::keep_largest(k)] {
            let remove = remove.connectivity(connectivity).chunks(&chunks);
            let cleaned = remove.apply_mask(&mask.view()).unwrap();
            let (whole, count) = Label::new(connectivity).apply(&cleaned.view()).unwrap();
            let source = ArraySource::new(mask.clone());
            let exec = Executor::new().threads(2).unwrap();
            let kept = remove.prepare_mask(&exec, &source).unwrap();
            prop_assert_eq!(kept.count(), count);
            let mut out = ArraySink::<u8>::new(mask.shape());
            kept.write_mask(&exec, &mut out).unwrap();
            prop_assert_eq!(out.into_array(), cleaned);
            let mut out = ArraySink::<u32>::new(mask.shape());
            prop_assert_eq!(kept.write_labels(&exec, &mut out).unwrap(), count);
            prop_assert_eq!(out.into_array(), whole);
        }
    }

    #[test]
    fn clear_border_chunked((labels, chunks) in case(), buffer in 0usize..3, bgval in 0u64..2) {
        let Ok(whole) = clear_border(&labels.view(), buffer, bgval) else {
            // The buffer reaches an axis: the chunked form refuses it too.
            let source = ArraySource::new(labels.clone()).with_chunks(&chunks).unwrap();
            let mut sink = ArraySink::<u64>::new(labels.shape());
            let clear = ClearBorder::new().buffer_size(buffer);
            prop_assert!(clear.run(&Executor::new(), &source, &mut sink).is_err());
            return Ok(());
        };
        let clear = ClearBorder::new().buffer_size(buffer).bgval(bgval);
        let out = run(&labels, &chunks, |e, s, sink| { clear.run(e, s, sink).unwrap(); });
        prop_assert_eq!(out, whole);
    }
}

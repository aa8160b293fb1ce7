//! Chunked `expand_labels` and per-label hole filling equal the in-memory
//! ones (which tests/expand_vs_skimage.rs checks against scikit-image and
//! scipy) for random label images, chunk shapes (smaller than the halo
//! included), distances and spacings.

use ndarray::ArrayD;
use proptest::prelude::*;
use tesserae::labels::{ExpandLabels, FillLabelHoles};
use tesserae::{ArraySink, ArraySource, Executor};

/// A random label image of rank 1–3 with few distinct values, mostly
/// background, and a chunk shape.
fn case(background: u32) -> impl Strategy<Value = (ArrayD<u16>, Vec<usize>)> {
    (1usize..=3)
        .prop_flat_map(|ndim| proptest::collection::vec(1usize..=9, ndim))
        .prop_flat_map(move |shape| {
            let n: usize = shape.iter().product();
            let chunks = shape.iter().map(|&s| 1..=s).collect::<Vec<_>>();
            (
                Just(shape),
                proptest::collection::vec(
                    prop_oneof![background => Just(0u16), 1 => Just(2), 1 => Just(5), 1 => Just(9)],
                    n,
                ),
                chunks,
            )
        })
        .prop_map(|(shape, labels, chunks)| {
            (ArrayD::from_shape_vec(shape, labels).unwrap(), chunks)
        })
}

fn run(
    input: &ArrayD<u16>,
    chunks: &[usize],
    f: impl Fn(&Executor, &ArraySource<u16>, &mut ArraySink<u16>),
) -> ArrayD<u16> {
    let source = ArraySource::new(input.clone()).with_chunks(chunks).unwrap();
    let mut sink = ArraySink::<u16>::new(input.shape());
    f(&Executor::new().threads(2).unwrap(), &source, &mut sink);
    sink.into_array()
}

/// Spacings whose products are exact, so ties stay ties.
fn spacing(ndim: usize) -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(
        prop_oneof![Just(1.0), Just(0.5), Just(2.0), Just(1.5)],
        ndim,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn expand_is_chunk_invariant(
        (labels, chunks) in case(12),
        distance in prop_oneof![Just(0.0), Just(1.0), Just(1.5), Just(2.0), 0.0f64..6.0],
        spacing in spacing(3),
    ) {
        let spacing = &spacing[..labels.ndim()];
        let expand = ExpandLabels::new(distance).spacing(spacing);
        let whole = expand.apply(&labels.view()).unwrap();
        let out = run(&labels, &chunks, |e, s, k| expand.clone().chunks(&chunks).run(e, s, k).unwrap());
        prop_assert_eq!(out, whole);
    }

    #[test]
    fn fill_holes_is_chunk_invariant((labels, chunks) in case(2), overwrite in any::<bool>()) {
        let fill = FillLabelHoles::new().overwrite(overwrite);
        let whole = fill.apply(&labels.view()).unwrap();
        let out = run(&labels, &chunks, |e, s, k| fill.clone().chunks(&chunks).run(e, s, k).unwrap());
        prop_assert_eq!(out, whole);
    }
}

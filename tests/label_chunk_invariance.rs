//! Properties: chunked labels equal single-piece labels for random images,
//! chunk shapes and centrally symmetric structures (1D–4D), and both equal an
//! independent breadth-first flood fill (binary and multilabel).

use ndarray::ArrayD;
use proptest::prelude::*;

use crate::common;
use common::{flood_fill, structure};
use tesserae::ndmeasure::{Label, Structure};
use tesserae::{ArraySink, ArraySource, Executor};

/// (image, chunk shape, structure) with values in 0..levels, foreground density about `density`.
fn case(levels: u8) -> impl Strategy<Value = (ArrayD<u8>, Vec<usize>, Structure)> {
    (1usize..=4)
        .prop_flat_map(|ndim| {
            let max = [40, 12, 7, 5][ndim - 1];
            proptest::collection::vec(1usize..=max, ndim)
        })
        .prop_flat_map(move |shape| {
            let len: usize = shape.iter().product();
            let ndim = shape.len();
            let chunks = shape.iter().map(|&n| 1usize..=n).collect::<Vec<_>>();
            (
                Just(shape),
                0.05f64..0.95,
                proptest::collection::vec(0.0f64..1.0, len),
                proptest::collection::vec(0..levels.max(1), len),
                chunks,
                structure(ndim),
            )
        })
        .prop_map(|(shape, density, coins, values, chunks, structure)| {
            let data = coins
                .iter()
                .zip(&values)
                .map(|(&c, &v)| if c < density { v.max(1) } else { 0 })
                .collect();
            (
                ArrayD::from_shape_vec(shape, data).unwrap(),
                chunks,
                structure,
            )
        })
}

/// Chunked labels, checking that keeping the provisional runs between the
/// passes and labeling every chunk again (cache 0) agree.
fn chunked(label: &Label, image: &ArrayD<u8>, chunks: &[usize]) -> (ArrayD<u32>, usize) {
    let source = ArraySource::new(image.clone()).with_chunks(chunks).unwrap();
    let exec = Executor::new().threads(2).unwrap();
    let run = |label: &Label| {
        let mut sink = ArraySink::<u32>::new(image.shape());
        let count = label.run(&exec, &source, &mut sink).unwrap();
        (sink.into_array(), count)
    };
    let kept = run(label);
    assert_eq!(
        run(&label.clone().cache(0)),
        kept,
        "relabeling differs from kept runs"
    );
    kept
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn chunked_equals_single_piece_and_flood_fill((image, chunks, structure) in case(2)) {
        let label = Label::with_structure(structure.clone());
        let whole = label.apply(&image.view()).unwrap();
        prop_assert_eq!(&whole, &flood_fill(&image, &structure, false));
        prop_assert_eq!(chunked(&label, &image, &chunks), whole);
    }

    #[test]
    fn multilabel_equals_flood_fill((image, chunks, structure) in case(4)) {
        let label = Label::with_structure(structure.clone()).multilabel(true);
        let whole = label.apply(&image.view()).unwrap();
        prop_assert_eq!(&whole, &flood_fill(&image, &structure, true));
        prop_assert_eq!(chunked(&label, &image, &chunks), whole);
    }

    #[test]
    fn threshold_equals_labeling_the_mask((image, chunks, structure) in case(6)) {
        let label = Label::with_structure(structure.clone());
        let mask = image.mapv(|v| u8::from(v > 3));
        let expected = label.apply(&mask.view()).unwrap();
        let label = label.threshold(3.0);
        prop_assert_eq!(&label.apply(&image.view()).unwrap(), &expected);
        prop_assert_eq!(chunked(&label, &image, &chunks), expected);
    }
}

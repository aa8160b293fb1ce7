//! Binary morphology and hole filling: chunked equals in memory for random
//! images, structures, origins, iterations, border values and masks, with
//! chunks smaller than the halo and 1-voxel chunks.

use ndarray::ArrayD;
use proptest::prelude::*;
use tesserae::ndfilters::Footprint;
use tesserae::ndmeasure::Structure;
use tesserae::ndmorph::{BinaryMorphology, BinaryOp, FillHoles};
use tesserae::{ArraySink, ArraySource, Executor, Region, Source};

/// A random non-empty footprint of shape up to 4 × 4 with a valid origin.
fn footprint() -> impl Strategy<Value = Footprint> {
    (1usize..5, 1usize..5)
        .prop_flat_map(|(a, b)| {
            (
                proptest::collection::vec(any::<bool>(), a * b),
                Just((a, b)),
                -(a as isize / 2)..=((a as isize - 1) / 2),
                -(b as isize / 2)..=((b as isize - 1) / 2),
            )
        })
        .prop_map(|(mut flags, (a, b), oa, ob)| {
            flags[0] = true;
            Footprint::new(ArrayD::from_shape_vec(vec![a, b], flags).unwrap().view())
                .unwrap()
                .with_origin(&[oa, ob])
                .unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn chunked_equals_whole(
        bits in proptest::collection::vec(proptest::bool::weighted(0.55), 9 * 11),
        mask in proptest::option::of(proptest::collection::vec(proptest::bool::weighted(0.7), 9 * 11)),
        footprint in footprint(),
        op in 0usize..4,
        iterations in 1usize..4,
        border in any::<bool>(),
        c0 in 1usize..10,
        c1 in 1usize..12,
    ) {
        let image = ArrayD::from_shape_vec(vec![9, 11], bits.iter().map(|&b| u8::from(b)).collect()).unwrap();
        let morph = BinaryMorphology::new(BinaryOp::ALL[op])
            .structure(footprint)
            .iterations(iterations)
            .border_value(border);
        let lazy = morph.clone().chunks(&[c0, c1]);
        let full = Region::full(&[9, 11]);
        let (whole, chunked) = match mask {
            Some(m) => {
                let m = ArrayD::from_shape_vec(vec![9, 11], m.iter().map(|&b| u8::from(b)).collect()).unwrap();
                let whole = morph.apply_masked(&image.view(), &m.view()).unwrap();
                let lazy = lazy.lazy_masked(ArraySource::new(image), ArraySource::new(m)).unwrap();
                (whole, lazy.read(&full).unwrap())
            }
            None => {
                let whole = morph.apply(&image.view()).unwrap();
                (whole, lazy.lazy(ArraySource::new(image)).unwrap().read(&full).unwrap())
            }
        };
        prop_assert_eq!(chunked, whole);
    }

    #[test]
    fn fill_holes_chunked_equals_whole(
        bits in proptest::collection::vec(proptest::bool::weighted(0.6), 6 * 7 * 5),
        connectivity in 1usize..4,
        c in (1usize..7, 1usize..8, 1usize..6),
    ) {
        let image = ArrayD::from_shape_vec(vec![6, 7, 5], bits.iter().map(|&b| u8::from(b)).collect()).unwrap();
        let fill = FillHoles::new().structure(Structure::connectivity(3, connectivity).unwrap());
        let whole = fill.apply(&image.view()).unwrap();
        let source = ArraySource::new(image).with_chunks(&[c.0, c.1, c.2]).unwrap();
        let mut sink = ArraySink::<u8>::new(&[6, 7, 5]);
        fill.chunks(&[c.0, c.1, c.2]).run(&Executor::new(), &source, &mut sink).unwrap();
        prop_assert_eq!(sink.into_array(), whole);
    }
}

#[test]
fn bad_arguments() {
    let image = ArrayD::from_elem(vec![4, 4], 1u8);
    let wrong_rank =
        BinaryMorphology::new(BinaryOp::Erosion).structure(Footprint::size(&[3]).unwrap());
    assert!(wrong_rank.apply(&image.view()).is_err());
    assert!(wrong_rank.lazy(ArraySource::new(image.clone())).is_err());
    let until = BinaryMorphology::new(BinaryOp::Dilation).iterations(0);
    assert!(until.lazy(ArraySource::new(image.clone())).is_err());
    let mask = ArrayD::from_elem(vec![4, 5], 1u8);
    assert!(
        BinaryMorphology::new(BinaryOp::Erosion)
            .apply_masked(&image.view(), &mask.view())
            .is_err()
    );
    let mut sink = ArraySink::<u8>::new(&[4, 5]);
    assert!(
        FillHoles::new()
            .run(&Executor::new(), &ArraySource::new(image), &mut sink)
            .is_err()
    );
}

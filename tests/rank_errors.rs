//! Bad options are typed errors, never panics; empty and one-voxel images work.

use ndarray::{ArrayD, IxDyn};
use tesserae::engine::BoundaryMode;
use tesserae::ndfilters::{Footprint, RankFilter, RankKind};
use tesserae::ndmorph::{GreyMorphology, GreyOp};

#[test]
fn bad_options_are_errors() {
    let image = ArrayD::<u8>::zeros(IxDyn(&[4, 4]));
    let view = image.view();
    let median = || RankFilter::new(RankKind::Median);
    assert!(median().apply(&view).is_err(), "no size or footprint");
    assert!(
        median().size(&[3, 3, 3]).apply(&view).is_err(),
        "size of another rank"
    );
    assert!(median().size(&[3, 0]).apply(&view).is_err(), "empty size");
    assert!(
        median().size(&[3]).origin(&[2]).apply(&view).is_err(),
        "origin out of range"
    );
    assert!(
        RankFilter::new(RankKind::Rank(9))
            .size(&[3])
            .apply(&view)
            .is_err()
    );
    assert!(
        RankFilter::new(RankKind::Percentile(101.0))
            .size(&[3])
            .apply(&view)
            .is_err()
    );
    let cval = median().size(&[3]).mode(BoundaryMode::Constant(-1.0));
    assert!(cval.apply(&view).is_err(), "constant outside u8");
    let footprint = Footprint::size(&[3]).unwrap();
    assert!(
        median().footprint(footprint).apply(&view).is_err(),
        "1-d footprint on 2-d image"
    );
    let structure = ArrayD::<f64>::zeros(IxDyn(&[3, 3]));
    let mismatched = GreyMorphology::new(GreyOp::Opening)
        .size(&[2])
        .structure(structure.view());
    assert!(
        mismatched.apply(&view).is_err(),
        "structure and footprint shapes differ"
    );
    assert!(GreyMorphology::new(GreyOp::Erosion).apply(&view).is_err());
}

#[test]
fn empty_and_single_voxel_images() {
    let empty = ArrayD::<f32>::zeros(IxDyn(&[0, 5]));
    let out = RankFilter::new(RankKind::Median)
        .size(&[3])
        .apply(&empty.view())
        .unwrap();
    assert_eq!(out.shape(), &[0, 5]);
    let one = ArrayD::from_elem(IxDyn(&[1, 1, 1]), 7u16);
    for mode in [
        BoundaryMode::Mirror,
        BoundaryMode::Wrap,
        BoundaryMode::Reflect,
    ] {
        let out = GreyMorphology::new(GreyOp::Closing)
            .size(&[3])
            .mode(mode)
            .apply(&one.view())
            .unwrap();
        assert_eq!(out, one);
    }
}

#[test]
fn nan_is_not_a_panic() {
    let image = ArrayD::from_shape_fn(IxDyn(&[5, 6]), |i| {
        if (i[0] + i[1]) % 3 == 0 {
            f64::NAN
        } else {
            i[0] as f64
        }
    });
    for kind in [
        RankKind::Minimum,
        RankKind::Median,
        RankKind::Percentile(80.0),
    ] {
        let out = RankFilter::new(kind)
            .size(&[3])
            .apply(&image.view())
            .unwrap();
        assert_eq!(out.shape(), image.shape());
    }
}

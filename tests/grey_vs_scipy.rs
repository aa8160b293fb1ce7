//! Grey morphology equals scipy.ndimage's grey_erosion, grey_dilation,
//! grey_opening, grey_closing, white_tophat, black_tophat,
//! morphological_gradient and morphological_laplace exactly, for u8, u16, f32
//! and f64 in 2-D and 3-D, with size, footprint, structure (non-flat) and
//! footprint + structure, even sizes, origins and every boundary mode; in
//! memory and chunked with chunks smaller than the halo.
//! Fixtures: fixtures/rank/make_fixtures.py.

use crate::rank_support;

use serde_json::Value;
use tesserae::ndmorph::{GreyMorphology, GreyOp};
use tesserae::{ArraySource, Region, Source};

use rank_support::{FromLe, array, cases, data, footprint, mode, one_or_many};

fn operation(case: &Value) -> GreyMorphology {
    let op = GreyOp::parse(case["op"].as_str().unwrap()).unwrap();
    let mut morphology = GreyMorphology::new(op).mode(mode(case));
    if let Some(size) = case.get("size") {
        morphology = morphology.size(&one_or_many::<usize>(size));
    }
    if let Some(f) = footprint(case) {
        morphology = morphology.footprint(f);
    }
    if let Some(s) = case.get("structure") {
        morphology = morphology.structure(array(s).view());
    }
    if let Some(origin) = case.get("origin") {
        morphology = morphology.origin(&one_or_many::<isize>(origin));
    }
    morphology
}

fn check<T: FromLe>(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let (input, expected) = data::<T>(case);
    let op = operation(case);
    let out = op.apply(&input.view()).unwrap();
    assert_eq!(out, expected, "{name} in memory");
    for chunks in [vec![2, 3, 1], vec![1, 1, 1]] {
        let chunks = &chunks[..input.ndim()];
        let source = ArraySource::new(input.clone()).with_chunks(chunks).unwrap();
        let chunked = op
            .lazy(source)
            .unwrap()
            .read(&Region::full(input.shape()))
            .unwrap();
        assert_eq!(chunked, expected, "{name} in chunks {chunks:?}");
    }
}

#[test]
fn grey_morphology_equals_scipy() {
    let cases = cases("grey");
    assert!(cases.len() > 100);
    for case in &cases {
        match case["dtype"].as_str().unwrap() {
            "uint8" => check::<u8>(case),
            "uint16" => check::<u16>(case),
            "float32" => check::<f32>(case),
            "float64" => check::<f64>(case),
            other => panic!("unexpected dtype {other}"),
        }
    }
}

#[test]
fn grey_op_names_round_trip() {
    for op in GreyOp::ALL {
        assert_eq!(GreyOp::parse(op.name()), Some(op));
    }
}

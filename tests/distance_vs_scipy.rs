//! The Euclidean distance transform against scipy.ndimage (fixtures/morph,
//! made by its committed script): in memory to 1e-9, and chunked as
//! `min(edt, max_distance)` at any chunking.

use std::path::Path;

use ndarray::ArrayD;
use proptest::prelude::*;
use serde_json::Value;
use tesserae::ndmorph::DistanceTransform;
use tesserae::{ArraySource, Region, Source};

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/morph"))
}

fn close(a: &ArrayD<f64>, b: &ArrayD<f64>) -> bool {
    a.shape() == b.shape()
        && a.iter()
            .zip(b)
            .all(|(&x, &y)| x == y || (x - y).abs() <= 1e-9 * y.abs().max(1.0))
}

#[test]
fn edt_equals_scipy() {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("manifest.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    for case in manifest
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["op"] == "edt")
    {
        let name = case["name"].as_str().unwrap();
        let shape: Vec<usize> = case["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let bytes = std::fs::read(dir().join(case["input"].as_str().unwrap())).unwrap();
        let image = ArrayD::from_shape_vec(shape.clone(), bytes).unwrap();
        let bytes = std::fs::read(dir().join(case["expected"].as_str().unwrap())).unwrap();
        let expected = ArrayD::from_shape_vec(
            shape.clone(),
            bytemuck::pod_collect_to_vec::<u8, f64>(&bytes),
        )
        .unwrap();
        let mut edt = DistanceTransform::new();
        if let Some(s) = case["sampling"].as_array() {
            edt = edt.sampling(&s.iter().map(|v| v.as_f64().unwrap()).collect::<Vec<_>>());
        }
        let whole = edt.apply(&image.view()).unwrap();
        assert!(close(&whole, &expected), "{name}");
        for (chunks, max) in [
            (vec![5; shape.len()], 2.5),
            (vec![3; shape.len()], 6.0),
            (vec![7; shape.len()], 30.0),
        ] {
            let lazy = edt
                .clone()
                .chunks(&chunks)
                .lazy(ArraySource::new(image.clone()), max)
                .unwrap();
            let out = lazy.read(&Region::full(&shape)).unwrap();
            assert!(
                close(&out, &expected.mapv(|d| d.min(max))),
                "{name} chunks {chunks:?} max {max}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn edt_edge_cases() {
    let ones = ArrayD::from_elem(vec![3, 4], 1u8);
    assert!(
        DistanceTransform::new()
            .apply(&ones.view())
            .unwrap()
            .iter()
            .all(|d| d.is_infinite())
    );
    let lazy = DistanceTransform::new()
        .chunks(&[2, 2])
        .lazy(ArraySource::new(ones), 1.5)
        .unwrap();
    assert!(
        lazy.read(&Region::full(&[3, 4]))
            .unwrap()
            .iter()
            .all(|&d| d == 1.5)
    );
    let image = ArrayD::from_elem(vec![2, 2], 0u8);
    assert!(
        DistanceTransform::new()
            .sampling(&[1.0])
            .apply(&image.view())
            .is_err()
    );
    assert!(
        DistanceTransform::new()
            .sampling(&[1.0, -1.0])
            .apply(&image.view())
            .is_err()
    );
    assert!(
        DistanceTransform::new()
            .lazy(ArraySource::new(image), 0.0)
            .is_err()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Chunked equals `min(in memory, max)` for any chunking, 1-voxel chunks included.
    #[test]
    fn chunked_is_clamped_whole(
        bits in proptest::collection::vec(proptest::bool::weighted(0.85), 7 * 9),
        c0 in 1usize..8,
        c1 in 1usize..10,
        max in 0.5f64..6.0,
        sy in 0.3f64..2.5,
    ) {
        let image = ArrayD::from_shape_vec(vec![7, 9], bits.iter().map(|&b| u8::from(b)).collect()).unwrap();
        let edt = DistanceTransform::new().sampling(&[sy, 1.0]);
        let whole = edt.apply(&image.view()).unwrap().mapv(|d| d.min(max));
        let lazy = edt.chunks(&[c0, c1]).lazy(ArraySource::new(image), max).unwrap();
        prop_assert_eq!(lazy.read(&Region::full(&[7, 9])).unwrap(), whole);
    }
}

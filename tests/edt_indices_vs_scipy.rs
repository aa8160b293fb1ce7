//! The feature transform (`distance_transform_edt(..., return_indices=True)`)
//! against scipy's own output (fixtures/expand/make_fixtures.py), in memory
//! and chunked up to a maximum distance.

use ndarray::{ArrayD, Dimension};
use serde_json::Value;
use tesserae::ndmorph::DistanceTransform;
use tesserae::{ArraySource, Region, Source};

fn load(name: &str) -> Value {
    let path = format!("{}/fixtures/expand/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn values(case: &Value, key: &str) -> Vec<i64> {
    case[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key}"))
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

const CASES: [&str; 7] = [
    "edt1d",
    "edt2d_sparse",
    "edt2d_lattice",
    "edt2d_lattice_sampling",
    "edt2d_odd_sampling",
    "edt3d_lattice",
    "edt3d_sparse_sampling",
];

/// The input and scipy's indices, shape `(ndim, *shape)`.
fn case(name: &str) -> (ArrayD<u8>, Vec<f64>, ArrayD<usize>) {
    let case = load(name);
    let shape: Vec<usize> = serde_json::from_value(case["shape"].clone()).unwrap();
    let image = values(&case, "input")
        .into_iter()
        .map(|v| v as u8)
        .collect();
    let image = ArrayD::from_shape_vec(shape.clone(), image).unwrap();
    let mut full = vec![shape.len()];
    full.extend(&shape);
    let indices = values(&case, "indices")
        .into_iter()
        .map(|v| v as usize)
        .collect();
    let indices = ArrayD::from_shape_vec(full, indices).unwrap();
    let sampling = serde_json::from_value(case["sampling"].clone()).unwrap();
    (image, sampling, indices)
}

#[test]
fn indices_equal_scipy() {
    for name in CASES {
        let (image, sampling, expected) = case(name);
        let found = DistanceTransform::new()
            .sampling(&sampling)
            .indices(&image.view())
            .unwrap();
        assert_eq!(found, expected, "{name}");
    }
}

#[test]
fn chunked_indices_equal_scipy_within_the_maximum_distance() {
    for name in CASES {
        let (image, sampling, expected) = case(name);
        // Odd samplings decide near-ties by rounded sums: in memory only.
        if name.contains("odd") {
            continue;
        }
        let shape = image.shape().to_vec();
        let ndim = shape.len();
        for max_distance in [1.0, 2.5, 4.0] {
            let mut want = ArrayD::<u64>::from_elem(shape.clone(), u64::MAX);
            for (p, w) in want.indexed_iter_mut() {
                let mut d2 = 0.0;
                let mut linear = 0u64;
                for k in 0..ndim {
                    let mut at = vec![k];
                    at.extend(p.slice());
                    let f = expected[at.as_slice()];
                    let t = (f as f64 - p[k] as f64) * sampling[k];
                    d2 += t * t;
                    linear = linear * shape[k] as u64 + f as u64;
                }
                if d2.sqrt() <= max_distance {
                    *w = linear;
                }
            }
            for chunks in [vec![1; ndim], vec![3; ndim], shape.clone()] {
                let lazy = DistanceTransform::new()
                    .sampling(&sampling)
                    .chunks(&chunks)
                    .lazy_indices(ArraySource::new(image.clone()), max_distance)
                    .unwrap();
                let found = lazy.read(&Region::full(&shape)).unwrap();
                assert_eq!(found, want, "{name} chunks {chunks:?} max {max_distance}");
            }
        }
    }
}

#[test]
fn errors_are_typed() {
    let ones = ArrayD::<u8>::from_elem(vec![3, 3], 1);
    assert!(DistanceTransform::new().indices(&ones.view()).is_err());
    assert!(
        DistanceTransform::new()
            .sampling(&[1.0])
            .indices(&ones.view())
            .is_err()
    );
    assert!(
        DistanceTransform::new()
            .lazy_indices(ArraySource::new(ones.clone()), 0.0)
            .is_err()
    );
    // An image without zero voxel has no nearest background within any distance.
    let lazy = DistanceTransform::new()
        .lazy_indices(ArraySource::new(ones), 2.0)
        .unwrap();
    let found = lazy.read(&Region::full(&[3, 3])).unwrap();
    assert!(found.iter().all(|&v| v == u64::MAX));
}

//! The object-image region properties against scikit-image 0.26's own output
//! (fixtures/regionprops_image/make_fixtures.py): every kernel on every object
//! of 2-D and 3-D label images (convex, concave, with holes, one voxel,
//! touching the border, thin diagonals, coplanar 3-D objects), with isotropic
//! and anisotropic spacing, through the chunked driver.

use ndarray::ArrayD;
use serde_json::Value;
use tesserae::ndmeasure::find_objects;
use tesserae::ndmeasure::{
    ObjectImage, area_convex, area_filled, euler_number, feret_diameter_max, image_convex,
    image_filled, intensity_median, map_objects, perimeter, perimeter_crofton, solidity,
};
use tesserae::{ArraySource, Executor, Region, Result};

fn cases() -> Vec<Value> {
    let path = format!(
        "{}/fixtures/regionprops_image/cases.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn array<T: num_traits::NumCast>(case: &Value, key: &str) -> ArrayD<T> {
    let shape: Vec<usize> = serde_json::from_value(case["shape"].clone()).unwrap();
    let data: Vec<T> = case[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| T::from(v.as_f64().unwrap()).unwrap())
        .collect();
    ArrayD::from_shape_vec(shape, data).unwrap()
}

/// Every value of one object, computed by the kernels.
#[derive(Debug)]
struct Values {
    label: u64,
    bbox: Region,
    scalars: Vec<(&'static str, Result<f64>)>,
    convex: Result<ArrayD<bool>>,
    filled: ArrayD<bool>,
}

fn compute(object: &ObjectImage<'_, f64>, spacing: &[f64]) -> Result<Values> {
    let mask = object.mask.view();
    let intensity = object.intensity.clone().expect("intensity");
    let scalars = vec![
        ("perimeter", perimeter(mask.view(), spacing)),
        ("perimeter_crofton", perimeter_crofton(mask.view(), spacing)),
        ("euler_number", euler_number(mask.view()).map(|e| e as f64)),
        ("area_convex", area_convex(mask.view(), spacing)),
        ("solidity", solidity(mask.view(), spacing)),
        (
            "feret_diameter_max",
            feret_diameter_max(mask.view(), spacing),
        ),
        ("area_filled", area_filled(mask.view(), spacing)),
        ("intensity_median", intensity_median(mask.view(), intensity)),
    ];
    Ok(Values {
        label: object.label,
        bbox: object.bbox.clone(),
        scalars,
        convex: image_convex(mask.view()),
        filled: image_filled(mask.view()),
    })
}

fn check(case: &Value, values: &[Values]) {
    let name = case["name"].as_str().unwrap();
    let expected = case["objects"].as_array().unwrap();
    assert_eq!(values.len(), expected.len(), "{name}: object count");
    for (v, e) in values.iter().zip(expected) {
        let what = format!("{name} label {}", v.label);
        assert_eq!(v.label, e["label"].as_u64().unwrap(), "{what}");
        let ndim = v.bbox.ndim();
        let bbox: Vec<usize> = serde_json::from_value(e["bbox"].clone()).unwrap();
        assert_eq!(v.bbox.start(), &bbox[..ndim], "{what}: bbox");
        assert_eq!(v.bbox.end(), &bbox[ndim..], "{what}: bbox");
        for (prop, found) in &v.scalars {
            let want = &e[*prop];
            match (want.as_str(), found) {
                (Some("error"), Err(_)) => {}
                (Some("error"), Ok(f)) => panic!("{what} {prop}: expected an error, found {f}"),
                (_, Err(err)) => panic!("{what} {prop}: expected {want}, found error {err}"),
                (Some("inf"), Ok(f)) => assert!(f.is_infinite() && *f > 0.0, "{what} {prop}: {f}"),
                (Some("nan"), Ok(f)) => assert!(f.is_nan(), "{what} {prop}: {f}"),
                (_, Ok(f)) => {
                    let w = want.as_f64().unwrap();
                    assert!(
                        (f - w).abs() <= 1e-6 * w.abs().max(1e-12),
                        "{what} {prop}: expected {w}, found {f}"
                    );
                }
            }
        }
        let flat = |a: &ArrayD<bool>| a.iter().map(|&b| u64::from(b)).collect::<Vec<_>>();
        let want_convex: Vec<u64> = serde_json::from_value(e["image_convex"].clone()).unwrap();
        let convex = v.convex.as_ref().expect("image_convex");
        assert_eq!(flat(convex), want_convex, "{what}: image_convex");
        let want_filled: Vec<u64> = serde_json::from_value(e["image_filled"].clone()).unwrap();
        assert_eq!(flat(&v.filled), want_filled, "{what}: image_filled");
    }
}

fn run(case: &Value, chunks: Option<&[usize]>, budget: usize) -> Vec<Values> {
    let labels: ArrayD<i32> = array(case, "labels");
    let intensity: ArrayD<f64> = array(case, "intensity");
    let spacing: Vec<f64> = serde_json::from_value(case["spacing"].clone()).unwrap();
    let objects = find_objects(&labels.view());
    let mut labels = ArraySource::new(labels);
    let mut intensity = ArraySource::new(intensity);
    if let Some(chunks) = chunks {
        labels = labels.with_chunks(chunks).unwrap();
        intensity = intensity.with_chunks(chunks).unwrap();
    }
    let exec = Executor::new().threads(2).unwrap();
    map_objects(&exec, &labels, Some(&intensity), &objects, budget, |o| {
        compute(o, &spacing)
    })
    .unwrap()
}

#[test]
fn every_property_matches_scikit_image() {
    for case in cases() {
        check(&case, &run(&case, None, 1 << 30));
    }
}

#[test]
fn chunked_sources_and_tiny_budgets_give_scikit_image_values() {
    for case in cases() {
        let ndim = case["shape"].as_array().unwrap().len();
        for chunk in [1usize, 3, 7] {
            check(&case, &run(&case, Some(&vec![chunk; ndim]), 1));
        }
    }
}

//! Global thresholds against scikit-image 0.26 (fixtures/threshold, made by
//! its committed script), in memory and chunked at several chunk shapes.

use std::path::Path;

use ndarray::ArrayD;
use serde_json::Value;
use tesserae::ndfilters::{Threshold, ThresholdMethod};
use tesserae::{ArraySource, Element, Executor};

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/threshold"))
}

fn load<T: Element + bytemuck::Pod>(name: &str, shape: &[usize]) -> ArrayD<T> {
    let bytes = std::fs::read(dir().join(format!("{name}.bin"))).unwrap();
    let values: Vec<T> = bytemuck::pod_collect_to_vec(&bytes);
    ArrayD::from_shape_vec(shape.to_vec(), values).unwrap()
}

/// Checks every method on one image: `exact` for the methods that must equal
/// scikit-image bit for bit on this dtype, a 1e-5 relative tolerance otherwise.
fn check<T: Element + bytemuck::Pod>(case: &Value) -> usize {
    let name = case["name"].as_str().unwrap();
    let shape: Vec<usize> = case["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let image = load::<T>(name, &shape);
    let float = T::DTYPE.is_float();
    let exec = Executor::new();
    let mut checked = 0;
    for method in ThresholdMethod::ALL {
        let expected = &case["expected"][method.name()];
        let threshold = Threshold::new(method);
        let whole = threshold.apply(&image.view());
        let chunkings: Vec<Vec<usize>> = vec![
            shape.iter().map(|&n| n.div_ceil(2)).collect(),
            shape.iter().map(|&n| n.min(5)).collect(),
            shape.iter().map(|_| 3).collect(),
        ];
        let Some(expected) = expected.as_f64() else {
            assert!(
                whole.is_err(),
                "{name} {}: scikit-image raises",
                method.name()
            );
            continue;
        };
        let whole = whole.unwrap();
        let exact = !float || !matches!(method, ThresholdMethod::Li | ThresholdMethod::Mean);
        let close = |v: f64| {
            if exact {
                v == expected
            } else {
                (v - expected).abs() <= 1e-5 * expected.abs().max(1e-3)
            }
        };
        assert!(
            close(whole),
            "{name} {}: {whole} != {expected}",
            method.name()
        );
        for chunks in &chunkings {
            let source = ArraySource::new(image.clone()).with_chunks(chunks).unwrap();
            let chunked = threshold.compute(&exec, &source).unwrap();
            assert!(
                close(chunked),
                "{name} {} chunks {chunks:?}: {chunked} != {expected}",
                method.name()
            );
            if exact {
                assert_eq!(chunked, whole);
            }
        }
        checked += 1;
    }
    checked
}

#[test]
fn thresholds_equal_scikit_image() {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("manifest.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    for case in manifest.as_array().unwrap() {
        checked += match case["dtype"].as_str().unwrap() {
            "uint8" => check::<u8>(case),
            "uint16" => check::<u16>(case),
            "int16" => check::<i16>(case),
            "float32" => check::<f32>(case),
            "float64" => check::<f64>(case),
            other => panic!("unexpected dtype {other}"),
        };
    }
    assert_eq!(checked, 76);
}

#[test]
fn special_images() {
    let constant = ArrayD::from_elem(vec![4, 4], 7u8);
    for method in ThresholdMethod::ALL {
        let t = Threshold::new(method).apply(&constant.view());
        if method == ThresholdMethod::Minimum {
            // scikit-image: "Unable to find two maxima in histogram".
            assert!(t.is_err());
        } else {
            assert_eq!(t.unwrap(), 7.0);
        }
    }
    let with_nan = ndarray::array![0.1f32, f32::NAN, 0.9, 0.5].into_dyn();
    assert!(
        Threshold::new(ThresholdMethod::Otsu)
            .apply(&with_nan.view())
            .is_err()
    );
    // Li ignores NaN, as scikit-image does.
    let li = Threshold::new(ThresholdMethod::Li)
        .apply(&with_nan.view())
        .unwrap();
    assert!(li > 0.1 && li < 0.9);
    // Two humps: found; too few smoothing iterations: an error, as scikit-image.
    let humps = ArrayD::from_shape_fn(vec![30, 30], |i| {
        (if i[0] < 15 { 30 } else { 180 }) + ((i[0] * 7 + i[1] * 11) % 23) as u8
    });
    let minimum = Threshold::new(ThresholdMethod::Minimum);
    let t = minimum.apply(&humps.view()).unwrap();
    assert!(t > 52.0 && t < 180.0);
    assert!(
        minimum
            .clone()
            .max_num_iter(1)
            .apply(&humps.view())
            .is_err()
    );
    assert!(minimum.max_num_iter(0).apply(&humps.view()).is_err());
    let empty = ArrayD::<u16>::zeros(vec![0, 3]);
    assert!(
        Threshold::new(ThresholdMethod::Mean)
            .apply(&empty.view())
            .is_err()
    );
    assert!(
        Threshold::new(ThresholdMethod::Otsu)
            .nbins(0)
            .apply(&with_nan.view())
            .is_err()
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Every method gives the same threshold at any chunking, 1-voxel chunks included.
    #[test]
    fn chunked_equals_whole(
        values in proptest::collection::vec(0u8..40, 60),
        c0 in 1usize..7,
        c1 in 1usize..11,
    ) {
        let image = ArrayD::from_shape_vec(vec![6, 10], values.iter().map(|&v| u16::from(v) * 3).collect()).unwrap();
        let source = ArraySource::new(image.clone()).with_chunks(&[c0, c1]).unwrap();
        let floats = ArraySource::new(image.mapv(|v| f32::from(v) / 7.0)).with_chunks(&[c0, c1]).unwrap();
        let exec = Executor::new();
        for method in ThresholdMethod::ALL {
            let t = Threshold::new(method);
            let whole = t.apply(&image.view()).ok();
            proptest::prop_assert_eq!(t.compute(&exec, &source).ok(), whole);
            if method != ThresholdMethod::Li && method != ThresholdMethod::Mean {
                let whole = t.apply(&floats.array().view()).ok();
                proptest::prop_assert_eq!(t.compute(&exec, &floats).ok(), whole);
            }
        }
    }
}

//! scipy.ndimage measurement functions and find_objects against scipy's own
//! output (fixtures/measure/make_fixtures.py), in memory and at several chunkings.

use ndarray::ArrayD;
use serde_json::Value;
use tesserae::ndmeasure::{
    Bins, LabelValue, Measure, Measurements, find_objects, find_objects_chunked,
};
use tesserae::{ArraySource, Element, Executor};

fn load(name: &str) -> Value {
    let path = format!(
        "{}/fixtures/measure/{name}.json",
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

/// Relative comparison, with `null` in the fixture meaning NaN.
///
/// scipy pools float32 inputs (index `None`) with float32 sums, so its results
/// there hold only float32 precision; everything else is compared to 1e-9.
fn close(found: f64, expected: &Value, what: &str) {
    let relative = if what.starts_with("f32") { 1e-6 } else { 1e-9 };
    match expected.as_f64() {
        None => assert!(found.is_nan(), "{what}: expected NaN, found {found}"),
        Some(e) => {
            let tol = relative * e.abs().max(1.0);
            assert!(
                (found - e).abs() <= tol,
                "{what}: expected {e}, found {found}"
            );
        }
    }
}

fn floats(found: &[f64], expected: &Value, what: &str) {
    let expected = expected
        .as_array()
        .map(|a| a.to_vec())
        .unwrap_or_else(|| vec![expected.clone()]);
    assert_eq!(found.len(), expected.len(), "{what}: length");
    for (i, (f, e)) in found.iter().zip(&expected).enumerate() {
        close(*f, e, &format!("{what}[{i}]"));
    }
}

fn positions(found: &[Vec<usize>], expected: &Value, pooled: bool, what: &str) {
    let expected: Vec<Vec<usize>> = if pooled {
        vec![serde_json::from_value(expected.clone()).unwrap()]
    } else {
        serde_json::from_value(expected.clone()).unwrap()
    };
    assert_eq!(found, expected, "{what}");
}

fn check_all<T: Element>(
    m: &Measurements<T>,
    intensity: &ArrayD<T>,
    case: &Value,
    index: Option<&[u64]>,
    key: &str,
) {
    let e = &case[key];
    let pooled = index.is_none();
    let precision = if pooled && T::DTYPE == tesserae::DataType::F32 {
        "f32 "
    } else {
        ""
    };
    let floats = |found: &[f64], expected: &Value, what: &str| {
        floats(found, expected, &format!("{precision}{what}"))
    };
    floats(
        &m.sum_labels(index).unwrap(),
        &e["sum_labels"],
        "sum_labels",
    );
    floats(&m.mean(index).unwrap(), &e["mean"], "mean");
    floats(&m.variance(index).unwrap(), &e["variance"], "variance");
    floats(
        &m.standard_deviation(index).unwrap(),
        &e["standard_deviation"],
        "standard_deviation",
    );
    let to_f64 = |v: Vec<T>| v.into_iter().map(|x| x.as_f64()).collect::<Vec<_>>();
    floats(&to_f64(m.minimum(index).unwrap()), &e["minimum"], "minimum");
    floats(&to_f64(m.maximum(index).unwrap()), &e["maximum"], "maximum");
    let counts: Vec<f64> = m
        .count(index)
        .unwrap()
        .into_iter()
        .map(|c| c as f64)
        .collect();
    floats(&counts, &e["count"], "count");
    // Ties go to the first voxel in raster order (numpy argmin/argmax); scipy's
    // own choice among ties must hold the same value.
    let min_at = m.minimum_position(index).unwrap();
    let max_at = m.maximum_position(index).unwrap();
    positions(
        &min_at,
        &e["minimum_position_first"],
        pooled,
        "minimum_position",
    );
    positions(
        &max_at,
        &e["maximum_position_first"],
        pooled,
        "maximum_position",
    );
    let value_at = |p: &[usize]| intensity[p].as_f64();
    for (found, key) in [(&min_at, "minimum_position"), (&max_at, "maximum_position")] {
        let scipy: Vec<Vec<usize>> = if pooled {
            vec![serde_json::from_value(e[key].clone()).unwrap()]
        } else {
            serde_json::from_value(e[key].clone()).unwrap()
        };
        for (f, s) in found.iter().zip(&scipy) {
            assert_eq!(value_at(f), value_at(s), "{key}: tie values differ");
        }
    }
    let com = m.center_of_mass(index).unwrap();
    let expected_com = if pooled {
        Value::Array(vec![e["center_of_mass"].clone()])
    } else {
        e["center_of_mass"].clone()
    };
    for (i, (c, x)) in com.iter().zip(expected_com.as_array().unwrap()).enumerate() {
        floats(c, x, &format!("center_of_mass[{i}]"));
    }
    let hist = m.histogram(index).unwrap();
    let expected_hist = if pooled {
        Value::Array(vec![e["histogram"].clone()])
    } else {
        e["histogram"].clone()
    };
    let expected_hist: Vec<Option<Vec<u64>>> = serde_json::from_value(expected_hist).unwrap();
    assert_eq!(hist, expected_hist, "histogram");
    let extrema = m.extrema(index).unwrap();
    assert_eq!(extrema.len(), counts.len());
}

fn run_case<T: Element, L: LabelValue + num_traits::NumCast>(name: &str) {
    let case = load(name);
    let intensity: ArrayD<T> = array(&case, "intensity");
    let labels: ArrayD<L> = array(&case, "labels");
    let index: Vec<u64> = serde_json::from_value(case["index"].clone()).unwrap();
    let h = &case["histogram_range"];
    let bins = Bins::new(
        h[0].as_f64().unwrap(),
        h[1].as_f64().unwrap(),
        h[2].as_u64().unwrap() as usize,
    )
    .unwrap();
    let measure = Measure::new()
        .extrema(true)
        .center_of_mass(true)
        .histogram(bins)
        .background(true);

    let in_memory = measure
        .run_in_memory(&intensity.view(), Some(&labels.view()))
        .unwrap();
    check_all(&in_memory, &intensity, &case, Some(&index), "expected");
    check_all(&in_memory, &intensity, &case, None, "pooled");

    let expected_boxes: Vec<Vec<u64>> =
        serde_json::from_value(case["find_objects"].clone()).unwrap();
    let as_rows = |boxes: Vec<(u64, tesserae::Region)>| -> Vec<Vec<u64>> {
        boxes
            .into_iter()
            .map(|(l, r)| {
                let mut row = vec![l];
                row.extend(r.start().iter().map(|&s| s as u64));
                row.extend(r.end().iter().map(|&s| s as u64));
                row
            })
            .collect()
    };
    assert_eq!(as_rows(find_objects(&labels.view())), expected_boxes);

    let exec = Executor::new().threads(2).unwrap();
    let ndim = labels.ndim();
    for chunks in [
        vec![1; ndim],
        vec![2; ndim],
        vec![3, 5, 7][..ndim].to_vec(),
        labels.shape().to_vec(),
    ] {
        let isrc = ArraySource::new(intensity.clone())
            .with_chunks(&chunks)
            .unwrap();
        let lsrc = ArraySource::new(labels.clone())
            .with_chunks(&chunks)
            .unwrap();
        let chunked = measure.run(&exec, &isrc, Some(&lsrc)).unwrap();
        check_all(&chunked, &intensity, &case, Some(&index), "expected");
        check_all(&chunked, &intensity, &case, None, "pooled");
        assert_eq!(
            as_rows(find_objects_chunked(&exec, &lsrc, None).unwrap()),
            expected_boxes,
            "chunks {chunks:?}"
        );
        check_gathered(&intensity, &labels, &case, &index, &chunks);
    }
}

/// The gathering statistics (median, labeled_comprehension) against scipy, with
/// a memory budget from "everything at once" down to "one voxel", which forces
/// batching and, for the median, histogram refinement.
fn check_gathered<T: Element, L: LabelValue>(
    intensity: &ArrayD<T>,
    labels: &ArrayD<L>,
    case: &Value,
    index: &[u64],
    chunks: &[usize],
) {
    let exec = Executor::new().threads(2).unwrap();
    let isrc = ArraySource::new(intensity.clone())
        .with_chunks(chunks)
        .unwrap();
    let lsrc = ArraySource::new(labels.clone())
        .with_chunks(chunks)
        .unwrap();
    let present: Vec<bool> = serde_json::from_value(case["expected"]["present"].clone()).unwrap();
    for budget in [1 << 28, 4096, 1] {
        let measure = Measure::new().memory_budget(budget);
        let medians = measure
            .median(&exec, &isrc, Some(&lsrc), Some(index))
            .unwrap();
        for (i, (m, e)) in medians
            .iter()
            .zip(case["expected"]["median"].as_array().unwrap())
            .enumerate()
        {
            if present[i] {
                close(*m, e, &format!("median[{i}] budget {budget}"));
            } else {
                assert!(m.is_nan(), "median of an absent label is NaN");
            }
        }
        let pooled = measure.median(&exec, &isrc, Some(&lsrc), None).unwrap();
        close(pooled[0], &case["pooled"]["median"], "pooled median");
    }
    let weigh = |voxels: &[(u64, T)]| {
        voxels
            .iter()
            .map(|(p, v)| v.as_f64() * (p % 7) as f64)
            .sum::<f64>()
    };
    let comprehension = Measure::new()
        .labeled_comprehension(&exec, &isrc, Some(&lsrc), Some(index), weigh, -1.0)
        .unwrap();
    floats(
        &comprehension,
        &case["expected"]["comprehension"],
        "comprehension",
    );
    let pooled = Measure::new()
        .labeled_comprehension(&exec, &isrc, Some(&lsrc), None, weigh, -1.0)
        .unwrap();
    floats(
        &pooled,
        &case["pooled"]["comprehension"],
        "pooled comprehension",
    );
}

#[test]
fn labels2d_u16_matches_scipy() {
    run_case::<u16, u32>("labels2d_u16");
}

#[test]
fn labels3d_f64_matches_scipy() {
    run_case::<f64, i32>("labels3d_f64");
}

#[test]
fn ties3d_f32_matches_scipy() {
    run_case::<f32, u8>("ties3d_f32");
}

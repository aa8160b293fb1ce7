//! `tesserae regionprops --properties` with object-image properties, against
//! scikit-image's table of a 2-D fixture (fixtures/regionprops).

use std::path::Path;

use assert_cmd::Command;
use ndarray::ArrayD;
use serde_json::Value;
use tesserae::io::{self, WriteOptions};
use tesserae::{ArraySource, Executor, Source};

#[test]
fn perimeter_euler_number_and_solidity_as_scikit_image() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/regionprops/shapes2d_no_intensity.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let shape: Vec<usize> = serde_json::from_value(case["shape"].clone()).unwrap();
    let data: Vec<u16> = serde_json::from_value(case["labels"].clone()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let labels = dir.path().join("labels.tif");
    let source = ArraySource::new(ArrayD::from_shape_vec(shape.clone(), data).unwrap());
    let mut sink = io::create::<u16>(&labels, &shape, &shape, &WriteOptions::default()).unwrap();
    tesserae::store(&Executor::new(), &source, &mut sink).unwrap();
    assert_eq!(source.shape(), &shape[..]);

    let output = Command::cargo_bin("tesserae")
        .unwrap()
        .arg("--quiet")
        .arg("regionprops")
        .arg(&labels)
        .args(["--properties", "label,area,perimeter,euler_number,solidity"])
        .args(["--spacing", "2,2", "--chunks", "7,5"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header,
        ["label", "area", "perimeter", "euler_number", "solidity"]
    );
    let columns: Vec<String> = serde_json::from_value(case["columns"].clone()).unwrap();
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    for (i, name) in header.iter().enumerate() {
        let c = columns.iter().position(|n| n == name).unwrap();
        let expected = case["values"][c].as_array().unwrap();
        assert_eq!(rows.len(), expected.len());
        for (row, e) in rows.iter().zip(expected) {
            let e = e.as_f64().unwrap();
            assert!(
                (row[i] - e).abs() <= 1e-6 * e.abs(),
                "{name}: {} vs scikit-image {e}",
                row[i]
            );
        }
    }
}

//! Shared by the pipeline regression tests: the fixtures of
//! fixtures/pipeline/make_fixtures.py (scipy + scikit-image 0.26) and how to compare with them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use ndarray::ArrayD;
use tesserae::{Element, Region, Source, io};

/// The pipeline fixture folder.
pub fn fixture(name: &str) -> PathBuf {
    Path::new("fixtures/pipeline").join(name)
}

/// A bundled input image.
pub fn input(case: &str) -> PathBuf {
    Path::new("fixtures/nuclei").join(format!("{case}.tif"))
}

/// A whole TIFF or Zarr image, in memory.
pub fn read<T: Element>(path: &Path) -> ArrayD<T> {
    let source = io::open::<T>(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    source.read(&Region::full(source.shape())).expect("reads")
}

/// The summary the script wrote for a case (threshold, voxel counts, sums).
pub fn summary(case: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(fixture(&format!("{case}.json"))).expect("summary");
    serde_json::from_str(&text).expect("json")
}

/// Asserts two regionprops CSV tables are equal: same header and labels,
/// every number within 1e-6 relative.
pub fn assert_tables_match(actual: &str, expected: &str) {
    let parse = |text: &str| -> Vec<Vec<String>> {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.split(',').map(|f| f.trim().to_string()).collect())
            .collect()
    };
    let (a, e) = (parse(actual), parse(expected));
    assert_eq!(a.first(), e.first(), "header");
    assert_eq!(a.len(), e.len(), "rows");
    for (row, (ra, re)) in a.iter().zip(&e).enumerate().skip(1) {
        assert_eq!(ra.len(), re.len(), "row {row}");
        for (col, (va, ve)) in ra.iter().zip(re).enumerate() {
            let (x, y): (f64, f64) = (va.parse().expect("number"), ve.parse().expect("number"));
            assert!(
                (x - y).abs() <= 1e-6 * y.abs().max(1e-12),
                "row {row} column {}: {x} vs {y}",
                e[0][col]
            );
        }
    }
}

/// The cases: (name, clear_border, spacing).
pub const CASES: [(&str, bool, &[f64]); 4] = [
    ("nuclei2d", true, &[1.0, 1.0]),
    ("nuclei2d_u16", false, &[1.0, 1.0]),
    ("nuclei3d_u8", false, &[1.5, 0.5, 0.5]),
    ("nuclei3d", false, &[2.0, 0.5, 0.5]),
];

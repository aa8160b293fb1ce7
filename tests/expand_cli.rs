//! `tesserae expand-labels` and `tesserae fill-holes` write what the library
//! computes in memory (checked against scikit-image and scipy in
//! tests/expand_vs_skimage.rs), in TIFF and Zarr, and refuse bad input with
//! one line.

use std::path::Path;

use assert_cmd::Command;
use ndarray::ArrayD;
use predicates::prelude::*;
use tesserae::io::{self, WriteOptions};
use tesserae::labels::{ExpandLabels, fill_label_holes};
use tesserae::{Element, Region, Sink, Source};

fn tesserae() -> Command {
    let mut cmd = Command::cargo_bin("tesserae").expect("binary builds");
    cmd.arg("--quiet");
    cmd
}

/// A 3-D label image: hollow boxes (one holding another label), seeds.
fn labels() -> ArrayD<u16> {
    ArrayD::from_shape_fn(vec![6, 20, 24], |i| {
        let (z, y, x) = (i[0], i[1], i[2]);
        let inside = |lo: [usize; 3], hi: [usize; 3]| {
            (lo[0]..hi[0]).contains(&z)
                && (lo[1]..hi[1]).contains(&y)
                && (lo[2]..hi[2]).contains(&x)
        };
        if inside([2, 4, 4], [3, 5, 5]) {
            9
        } else if inside([2, 3, 3], [4, 6, 6]) {
            0
        } else if inside([1, 2, 2], [5, 8, 8]) {
            40
        } else if inside([1, 12, 12], [5, 16, 20]) && !inside([2, 13, 13], [4, 15, 19]) {
            7
        } else if (y * 3 + x) % 17 == 0 && z == 4 {
            123
        } else {
            0
        }
    })
}

fn write<T: Element>(path: &Path, array: &ArrayD<T>) {
    let mut sink =
        io::create::<T>(path, array.shape(), &[3, 10, 12], &WriteOptions::default()).unwrap();
    sink.write(&Region::full(array.shape()), array.view())
        .unwrap();
    sink.commit().unwrap();
}

fn read<T: Element>(path: &Path) -> ArrayD<T> {
    let source = io::open::<T>(path).unwrap();
    source.read(&Region::full(source.shape())).unwrap()
}

#[test]
fn expand_labels_writes_what_the_library_computes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("labels.tif");
    let labels = labels();
    write(&input, &labels);
    for (out, spacing) in [("grown.tif", None), ("grown.zarr", Some("2,1,0.5"))] {
        let out = dir.path().join(out);
        let mut cmd = tesserae();
        cmd.args([
            "expand-labels",
            input.to_str().unwrap(),
            out.to_str().unwrap(),
        ])
        .args(["--distance", "2.5", "--chunks", "2,7,5"]);
        let mut expand = ExpandLabels::new(2.5);
        if let Some(spacing) = spacing {
            cmd.args(["--spacing", spacing]);
            expand = expand.spacing(&[2.0, 1.0, 0.5]);
        }
        cmd.assert().success();
        assert_eq!(read::<u16>(&out), expand.apply(&labels.view()).unwrap());
    }
}

#[test]
fn fill_holes_writes_what_the_library_computes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("labels.zarr");
    let labels = labels();
    write(&input, &labels);
    for (out, overwrite) in [("filled.tif", false), ("filled_all.zarr", true)] {
        let out = dir.path().join(out);
        let mut cmd = tesserae();
        cmd.args(["fill-holes", input.to_str().unwrap(), out.to_str().unwrap()])
            .args(["--chunks", "4,4,4"]);
        if overwrite {
            cmd.arg("--overwrite-labels");
        }
        cmd.assert().success();
        let expected = fill_label_holes(&labels.view(), overwrite).unwrap();
        assert_eq!(read::<u16>(&out), expected);
    }
    // The two modes differ here: label 9 sits in the hole of label 40.
    assert_ne!(
        fill_label_holes(&labels.view(), false).unwrap(),
        fill_label_holes(&labels.view(), true).unwrap()
    );
}

#[test]
fn bad_input_is_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("labels.tif");
    write(&input, &labels());
    let floats = dir.path().join("floats.tif");
    write(&floats, &ArrayD::<f32>::zeros(vec![4, 4]));
    let out = dir.path().join("out.tif");
    for args in [
        vec![
            "expand-labels",
            input.to_str().unwrap(),
            out.to_str().unwrap(),
            "--distance",
            "-1",
        ],
        vec![
            "expand-labels",
            input.to_str().unwrap(),
            out.to_str().unwrap(),
            "--distance",
            "1",
            "--spacing",
            "1,1",
        ],
        vec![
            "expand-labels",
            floats.to_str().unwrap(),
            out.to_str().unwrap(),
            "--distance",
            "1",
        ],
        vec![
            "fill-holes",
            floats.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
        vec!["fill-holes", "missing.tif", out.to_str().unwrap()],
    ] {
        tesserae()
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::function(|s: &str| s.lines().count() == 1));
        assert!(!out.exists(), "{args:?} left an output");
    }
}

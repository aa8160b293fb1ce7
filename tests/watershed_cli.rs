//! `tesserae watershed` writes scikit-image's labels (the fixtures of
//! tests/watershed_vs_skimage.rs) from TIFF and Zarr inputs, keeps the
//! markers' type, and refuses bad input with one line, exit 2 and no output.

use ndarray::ArrayD;
use predicates::prelude::*;

use crate::fixture_support::{Raw, fixtures, read_array, read_raw, tesserae, write_array};

fn fixture<T: Raw>(name: &str, shape: &[usize]) -> ArrayD<T> {
    read_raw(&fixtures("watershed").join(format!("{name}.bin")), shape)
}

#[test]
fn watershed_writes_scikit_images_labels() {
    let dir = tempfile::tempdir().unwrap();
    let shape = [64, 64];
    let image: ArrayD<f64> = fixture("edt2_f64", &shape);
    let markers: ArrayD<u32> = fixture("seeds2_u32", &shape);
    let mask: ArrayD<u8> = fixture("mask2", &shape);
    for (ext, case, extra) in [
        ("tif", "nuclei2_f64_c2", vec!["--connectivity", "2"]),
        ("zarr", "nuclei2_line_c1", vec!["--watershed-line"]),
        (
            "tif",
            "nuclei2_compact_small",
            vec!["--compactness", "0.01"],
        ),
    ] {
        let path = |name: &str| dir.path().join(format!("{name}.{ext}"));
        if !path("image").exists() {
            write_array(&path("image"), &image);
            write_array(&path("markers"), &markers);
            write_array(&path("mask"), &mask);
        }
        tesserae()
            .arg("watershed")
            .args([path("image"), path("markers"), path(case)])
            .arg("--mask")
            .arg(path("mask"))
            .args(&extra)
            .assert()
            .success();
        assert_eq!(
            read_array::<u32>(&path(case)),
            fixture::<u32>(case, &shape),
            "{case}"
        );
    }
}

#[test]
fn watershed_without_markers_floods_from_the_local_minima() {
    let dir = tempfile::tempdir().unwrap();
    let shape = [64, 64];
    let image: ArrayD<u8> = fixture("edt2_u8", &shape);
    let mask: ArrayD<u8> = fixture("mask2", &shape);
    let path = |name: &str| dir.path().join(format!("{name}.zarr"));
    write_array(&path("image"), &image);
    write_array(&path("mask"), &mask);
    tesserae()
        .arg("watershed")
        .args([path("image"), path("labels")])
        .arg("--mask")
        .arg(path("mask"))
        .assert()
        .success();
    let expected = fixture::<i32>("minima_edt2_mask", &shape).mapv(|v| v as u32);
    assert_eq!(read_array::<u32>(&path("labels")), expected);
}

#[test]
fn bad_input_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(format!("{name}.tif"));
    let mut image = ArrayD::from_elem(vec![5, 6], 1.0f32);
    write_array(&path("image"), &image);
    write_array(&path("markers"), &ArrayD::from_elem(vec![5, 6], 1u16));
    write_array(&path("small"), &ArrayD::from_elem(vec![5, 5], 1u16));
    write_array(&path("negative"), &ArrayD::from_elem(vec![5, 6], -1i16));
    write_array(&path("float"), &ArrayD::from_elem(vec![5, 6], 1.0f32));
    image[[2, 2]] = f32::NAN;
    write_array(&path("nan"), &image);
    for (args, message) in [
        (["image", "small", "out"], "shape"),
        (["image", "negative", "out"], "negative"),
        (["image", "float", "out"], "integers"),
        (["nan", "markers", "out"], "NaN"),
    ] {
        tesserae()
            .arg("watershed")
            .args(args.map(path))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
        assert!(!path("out").exists(), "{args:?}");
    }
    tesserae()
        .arg("watershed")
        .args(["image", "markers", "out"].map(path))
        .args(["--connectivity", "3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--connectivity"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        6,
        "no temporary files are left behind"
    );
}

//! `tesserae reconstruct` and `tesserae seeds` (h-maxima, h-minima,
//! local-maxima, local-minima, peak-local-max) write
//! scikit-image's results (the fixtures of tests/reconstruct_vs_skimage.rs)
//! from TIFF and Zarr, and refuse bad input with exit 2 and no output.

use ndarray::ArrayD;
use predicates::prelude::*;
use serde_json::Value;
use tesserae::io;

use crate::fixture_support::{
    Raw, fixtures, input, manifest, read_array, read_raw, tesserae, write_array,
};

fn case<'a>(manifest: &'a Value, name: &str) -> &'a Value {
    manifest["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
}

fn expected<T: Raw>(name: &str, shape: &[usize]) -> ArrayD<T> {
    read_raw(&fixtures("reconstruct").join(format!("{name}.bin")), shape)
}

#[test]
fn reconstruct_writes_scikit_images_result() {
    let manifest = manifest("reconstruct");
    let dir = tempfile::tempdir().unwrap();
    for (name, ext, extra) in [
        ("dil2_u8", "tif", vec![]),
        (
            "ero3_u16_cross",
            "zarr",
            vec!["--method", "erosion", "--connectivity", "1"],
        ),
        ("dil2_f32", "tif", vec![]),
    ] {
        let c = case(&manifest, name);
        let path = |what: &str| dir.path().join(format!("{name}-{what}.{ext}"));
        let (seed, mask) = (c["seed"].as_str().unwrap(), c["mask"].as_str().unwrap());
        match manifest["inputs"][mask]["dtype"].as_str().unwrap() {
            "uint8" => {
                write_array::<u8>(&path("seed"), &input("reconstruct", &manifest, seed));
                write_array::<u8>(&path("mask"), &input("reconstruct", &manifest, mask));
            }
            "uint16" => {
                write_array::<u16>(&path("seed"), &input("reconstruct", &manifest, seed));
                write_array::<u16>(&path("mask"), &input("reconstruct", &manifest, mask));
            }
            _ => {
                write_array::<f32>(&path("seed"), &input("reconstruct", &manifest, seed));
                write_array::<f32>(&path("mask"), &input("reconstruct", &manifest, mask));
            }
        }
        tesserae()
            .arg("reconstruct")
            .args([path("seed"), path("mask"), path("out")])
            .args(&extra)
            .assert()
            .success();
        let shape = io::probe(&path("mask")).unwrap().shape;
        if name == "dil2_f32" {
            assert_eq!(
                read_array::<f32>(&path("out")),
                expected::<f32>(name, &shape)
            );
        } else {
            assert_eq!(
                read_array::<f64>(&path("out")),
                expected::<f64>(name, &shape),
                "{name}"
            );
        }
    }
}

#[test]
fn seeds_write_scikit_images_extrema() {
    let manifest = manifest("reconstruct");
    let dir = tempfile::tempdir().unwrap();
    let image: ArrayD<f32> = input("reconstruct", &manifest, "img2_f32");
    write_array(&dir.path().join("f32.tif"), &image);
    let image: ArrayD<u16> = input("reconstruct", &manifest, "img3_u16");
    write_array(&dir.path().join("u16.zarr"), &image);
    let image: ArrayD<f64> = input("reconstruct", &manifest, "img2_f64");
    write_array(&dir.path().join("f64.zarr"), &image);
    for (name, kind, file, extra) in [
        ("hmax2_f32", "h-maxima", "f32.tif", vec!["--h", "0.5"]),
        (
            "hmin3_u16_cross",
            "h-minima",
            "u16.zarr",
            vec!["--h", "200", "--connectivity", "1"],
        ),
        (
            "max3_u16_fp",
            "local-maxima",
            "u16.zarr",
            vec!["--connectivity", "1"],
        ),
        (
            "min2_f64_inner",
            "local-minima",
            "f64.zarr",
            vec!["--allow-borders", "false"],
        ),
    ] {
        let out = dir.path().join(format!("{name}.tif"));
        tesserae()
            .args(["seeds", kind])
            .arg(dir.path().join(file))
            .arg(&out)
            .args(&extra)
            .assert()
            .success();
        let found = read_array::<u8>(&out);
        assert_eq!(found, expected::<u8>(name, found.shape()), "{name}");
    }
}

#[test]
fn bad_input_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(format!("{name}.tif"));
    write_array(&path("low"), &ArrayD::from_elem(vec![4, 5], 1u8));
    write_array(&path("high"), &ArrayD::from_elem(vec![4, 5], 9u8));
    write_array(&path("small"), &ArrayD::from_elem(vec![4, 4], 9u8));
    for args in [["high", "low", "out"], ["low", "small", "out"]] {
        tesserae()
            .arg("reconstruct")
            .args(args.map(path))
            .assert()
            .code(2)
            .stderr(predicate::str::is_empty().not());
        assert!(!path("out").exists());
    }
    tesserae()
        .args(["seeds", "h-maxima"])
        .args([path("low"), path("out")])
        .args(["--h", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("h = 0"));
    tesserae()
        .args(["seeds", "h-minima"])
        .args([path("low"), path("out")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--h"));
    assert!(!path("out").exists());
}

#[test]
fn seeds_peak_local_max_writes_scikit_images_peaks() {
    let manifest = manifest("peaks");
    let dir = tempfile::tempdir().unwrap();
    let image: ArrayD<f64> = input("peaks", &manifest, "edt2_f64");
    let labels: ArrayD<u16> = input("peaks", &manifest, "labels2_u16");
    write_array(&dir.path().join("edt.tif"), &image);
    write_array(&dir.path().join("labels.zarr"), &labels);
    let expected: ndarray::Array2<i64> =
        read_raw::<i64>(&fixtures("peaks").join("edt2_f64_labels_md5.bin"), &[6, 2])
            .into_dimensionality()
            .unwrap();
    let peaks = |out: &str| {
        tesserae()
            .args(["seeds", "peak-local-max"])
            .arg(dir.path().join("edt.tif"))
            .arg(dir.path().join(out))
            .arg("--labels")
            .arg(dir.path().join("labels.zarr"))
            .args(["--min-distance", "5", "--chunks", "20,13"])
            .assert()
    };
    peaks("peaks.csv")
        .success()
        .stdout(predicate::str::contains("6 peaks"));
    let csv = std::fs::read_to_string(dir.path().join("peaks.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("coord-0,coord-1"));
    let rows: Vec<String> = expected
        .rows()
        .into_iter()
        .map(|r| format!("{},{}", r[0], r[1]))
        .collect();
    assert_eq!(lines.collect::<Vec<_>>(), rows);
    peaks("markers.tif").success();
    let markers = read_array::<u32>(&dir.path().join("markers.tif"));
    // Isolated peaks: numbered in raster order, as scipy's label numbers them.
    let mut raster: Vec<(usize, usize)> = expected
        .rows()
        .into_iter()
        .map(|r| (r[0] as usize, r[1] as usize))
        .collect();
    raster.sort_unstable();
    let mut want = ArrayD::<u32>::zeros(image.shape());
    for (k, &(y, x)) in raster.iter().enumerate() {
        want[[y, x]] = k as u32 + 1;
    }
    assert_eq!(markers, want);
    tesserae()
        .args(["seeds", "peak-local-max"])
        .arg(dir.path().join("edt.tif"))
        .arg(dir.path().join("bad.tif"))
        .args(["--min-distance", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--min-distance"));
    assert!(!dir.path().join("bad.tif").exists());
}

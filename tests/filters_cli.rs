//! `tesserae filter`: results equal scipy's (fixtures/filters/make_fixtures.py)
//! and the library's at any chunking, TIFF and Zarr outputs, and bad usage.

use std::path::Path;

use assert_cmd::Command;
use ndarray::ArrayD;
use predicates::prelude::*;
use tesserae::ndfilters::{GaussianLaplace, UniformFilter};
use tesserae::{BoundaryMode, Element, Region, Source, io};

const NUCLEI2D: &str = "fixtures/nuclei/nuclei2d.tif";
const NUCLEI3D: &str = "fixtures/nuclei/nuclei3d.tif";

fn tesserae() -> Command {
    let mut cmd = Command::cargo_bin("tesserae").expect("binary builds");
    cmd.arg("--quiet");
    cmd
}

fn read_all<T: Element>(path: &Path) -> ArrayD<T> {
    let source = io::open::<T>(path).expect("opens");
    source.read(&Region::full(source.shape())).expect("reads")
}

fn scipy_u8(name: &str) -> Vec<u8> {
    std::fs::read(Path::new("fixtures/filters").join(format!("nuclei2d_{name}.bin"))).unwrap()
}

#[test]
fn gaussian_and_sobel_equal_scipy_in_small_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g.tif");
    tesserae()
        .args(["filter", "gaussian", NUCLEI2D])
        .arg(&out)
        .args(["--sigma", "2", "--chunks", "7,5"])
        .assert()
        .success();
    let found = read_all::<u8>(&out);
    assert_eq!(
        found.as_slice().unwrap(),
        scipy_u8("gaussian_sigma2").as_slice()
    );
    let out = dir.path().join("s.zarr");
    tesserae()
        .args(["filter", "sobel", NUCLEI2D])
        .arg(&out)
        .args(["--axis", "0", "--mode", "nearest", "--chunks", "64,100"])
        .assert()
        .success();
    let found = read_all::<u8>(&out);
    assert_eq!(
        found.as_slice().unwrap(),
        scipy_u8("sobel_axis0_nearest").as_slice()
    );
}

#[test]
fn float_output_3d_equals_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let input: ArrayD<u16> = read_all(Path::new(NUCLEI3D));
    let out = dir.path().join("log.zarr");
    tesserae()
        .args(["filter", "gaussian-laplace", NUCLEI3D])
        .arg(&out)
        .args([
            "--sigma", "1,2,2", "--dtype", "f32", "--mode", "constant", "--cval", "-3",
        ])
        .args(["--chunks", "5,32,48"])
        .assert()
        .success()
        .stderr(predicate::str::contains("float32"));
    let expected: ArrayD<f32> = GaussianLaplace::sigmas(&[1.0, 2.0, 2.0])
        .mode(BoundaryMode::Constant(-3.0))
        .apply(&input.view())
        .unwrap();
    assert_eq!(read_all::<f32>(&out), expected);
    let out = dir.path().join("u.tif");
    tesserae()
        .args(["filter", "uniform", NUCLEI3D])
        .arg(&out)
        .args(["--size", "3,5,5", "--mode", "wrap", "--chunks", "2,16,16"])
        .assert()
        .success();
    let expected: ArrayD<u16> = UniformFilter::sizes(&[3, 5, 5])
        .mode(BoundaryMode::Wrap)
        .apply(&input.view())
        .unwrap();
    assert_eq!(read_all::<u16>(&out), expected);
    // The voxel size is kept.
    let voxel = io::probe(&out)
        .unwrap()
        .voxel_size
        .expect("voxel size kept");
    assert_eq!(voxel.size(), &[2.0, 0.5, 0.5]);
}

#[test]
fn every_filter_name_runs() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "gaussian",
        "gaussian-gradient-magnitude",
        "gaussian-laplace",
        "uniform",
        "sobel",
        "prewitt",
        "laplace",
    ] {
        let out = dir.path().join(format!("{name}.tif"));
        tesserae()
            .args(["filter", name, NUCLEI2D])
            .arg(&out)
            .args(["--sigma", "1", "--size", "3", "--dtype", "float64"])
            .assert()
            .success();
        assert_eq!(read_all::<f64>(&out).shape(), &[256, 256]);
    }
}

#[test]
fn bad_usage_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.tif");
    let cases: [&[&str]; 7] = [
        &["gaussian"],
        &["uniform"],
        &["gaussian", "--sigma", "-1"],
        &["gaussian", "--sigma", "1,1,1"],
        &["sobel", "--axis", "2"],
        &["gaussian", "--sigma", "1", "--dtype", "u16"],
        &["median"],
    ];
    for args in cases {
        tesserae()
            .args(["filter", args[0], NUCLEI2D])
            .arg(&out)
            .args(&args[1..])
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with("tesserae: "));
        assert!(
            std::fs::read_dir(dir.path()).unwrap().next().is_none(),
            "{args:?}"
        );
    }
    tesserae()
        .args(["filter", "gaussian", "missing.tif"])
        .arg(&out)
        .args(["--sigma", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.tif"));
}

//! `tesserae threshold`: prints scikit-image's threshold (fixtures/threshold)
//! and writes the mask `image > threshold`.

use std::path::Path;

use assert_cmd::Command;
use ndarray::ArrayD;
use predicates::prelude::*;
use tesserae::io::{self, WriteOptions};
use tesserae::{ArraySource, Element, Executor, Region, Source};

fn tesserae() -> Command {
    let mut cmd = Command::cargo_bin("tesserae").expect("binary builds");
    cmd.arg("--quiet");
    cmd
}

fn write<T: Element>(path: &Path, image: ArrayD<T>) {
    let shape = image.shape().to_vec();
    let mut sink = io::create::<T>(path, &shape, &shape, &WriteOptions::default()).unwrap();
    tesserae::store(&Executor::new(), &ArraySource::new(image), &mut sink).unwrap();
}

fn read_u8(path: &Path) -> ArrayD<u8> {
    let source = io::open::<u8>(path).unwrap();
    source.read(&Region::full(source.shape())).unwrap()
}

fn fixture_u16() -> ArrayD<u16> {
    let bytes = std::fs::read("fixtures/threshold/u16_2d.bin").unwrap();
    ArrayD::from_shape_vec(vec![48, 52], bytemuck::pod_collect_to_vec(&bytes)).unwrap()
}

#[test]
fn threshold_prints_scikit_image_value_and_writes_mask() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.tif");
    let image = fixture_u16();
    write(&input, image.clone());
    // Values from fixtures/threshold/manifest.json (scikit-image 0.26).
    for (method, t) in [("otsu", 1964.0), ("yen", 1260.0), ("triangle", 1032.0)] {
        let output = dir.path().join(format!("{method}.zarr"));
        tesserae()
            .args(["threshold", method])
            .arg(&input)
            .arg(&output)
            .args(["--chunks", "7,9"])
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("{method} threshold: {t}")));
        assert_eq!(read_u8(&output), image.mapv(|v| u8::from(f64::from(v) > t)));
    }
}

#[test]
fn threshold_rejects_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.tif");
    write(&input, fixture_u16());
    tesserae()
        .args(["threshold", "magic"])
        .arg(&input)
        .arg(dir.path().join("out.tif"))
        .assert()
        .code(2);
    tesserae()
        .args(["threshold", "otsu", "missing.tif"])
        .arg(dir.path().join("out.tif"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.tif"));
    tesserae()
        .args(["threshold", "otsu"])
        .arg(&input)
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
}

#[test]
fn threshold_minimum_prints_scikit_image_value() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.tif");
    let image = fixture_u16();
    write(&input, image.clone());
    // fixtures/threshold/manifest.json: threshold_minimum of u16_2d.
    let output = dir.path().join("minimum.tif");
    tesserae()
        .args(["threshold", "minimum"])
        .arg(&input)
        .arg(&output)
        .assert()
        .success()
        .stdout(predicate::str::contains("minimum threshold: 2053"));
    assert_eq!(
        read_u8(&output),
        image.mapv(|v| u8::from(f64::from(v) > 2053.0))
    );
}

#[test]
fn threshold_local_writes_scikit_image_mask() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.zarr");
    let bytes = std::fs::read("fixtures/threshold/local_u8_2d.bin").unwrap();
    let image = ArrayD::from_shape_vec(vec![30, 34], bytes).unwrap();
    write(&input, image.clone());
    // fixtures/threshold/local.json case 1: block_size 5, mean, offset 3.5.
    let bytes = std::fs::read("fixtures/threshold/local_1.bin").unwrap();
    let threshold: Vec<f64> = bytemuck::pod_collect_to_vec(&bytes);
    let expected = ArrayD::from_shape_vec(
        vec![30, 34],
        image
            .iter()
            .zip(&threshold)
            .map(|(&v, &t)| u8::from(f64::from(v) > t))
            .collect(),
    )
    .unwrap();
    let output = dir.path().join("mask.tif");
    tesserae()
        .args(["threshold", "local"])
        .arg(&input)
        .arg(&output)
        .args(["--block-size", "5", "--method", "mean", "--offset", "3.5"])
        .args(["--chunks", "4,7"])
        .assert()
        .success();
    assert_eq!(read_u8(&output), expected);
    // Without --block-size, or with an even one: bad usage.
    for extra in [&[][..], &["--block-size", "4"][..]] {
        tesserae()
            .args(["threshold", "local"])
            .arg(&input)
            .arg(dir.path().join("bad.tif"))
            .args(extra)
            .assert()
            .code(2);
    }
}

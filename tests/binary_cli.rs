//! `tesserae morph` (propagation included) and `tesserae distance` against the scipy fixtures
//! (fixtures/morph), chunked through TIFF and Zarr.

use std::path::Path;

use assert_cmd::Command;
use ndarray::ArrayD;
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

fn read<T: Element>(path: &Path) -> ArrayD<T> {
    let source = io::open::<T>(path).unwrap();
    source.read(&Region::full(source.shape())).unwrap()
}

fn fixture(name: &str, shape: &[usize]) -> ArrayD<u8> {
    let bytes = std::fs::read(format!("fixtures/morph/{name}.bin")).unwrap();
    ArrayD::from_shape_vec(shape.to_vec(), bytes).unwrap()
}

const SHAPE3: [usize; 3] = [14, 16, 18];

#[test]
fn morph_operations_equal_scipy() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("blobs.tif");
    write(&input, fixture("blobs3d", &SHAPE3));
    for (name, case) in [
        ("erosion", "erosion_blobs3d_c1_it2"),
        ("dilation", "dilation_blobs3d_c1_it2"),
        ("opening", "opening_blobs3d_c1_it2"),
        ("closing", "closing_blobs3d_c1_it2"),
    ] {
        let output = dir.path().join(format!("{name}.zarr"));
        tesserae()
            .args(["morph", name])
            .arg(&input)
            .arg(&output)
            .args(["--iterations", "2", "--chunks", "3,5,4"])
            .assert()
            .success();
        assert_eq!(read::<u8>(&output), fixture(case, &SHAPE3), "{name}");
    }
    let output = dir.path().join("edge.tif");
    tesserae()
        .args(["morph", "erosion"])
        .arg(&input)
        .arg(&output)
        .args(["-c", "2", "--border-value", "1", "--chunks", "4,4,4"])
        .assert()
        .success();
    assert_eq!(
        read::<u8>(&output),
        fixture("erosion_blobs3d_edge_b1", &SHAPE3)
    );
}

#[test]
fn fill_holes_equals_scipy() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("shell.tif");
    let shape = [12, 14, 16];
    write(&input, fixture("shell3d", &shape));
    for (c, case) in [("1", "fill_shell3d_c1"), ("3", "fill_shell3d_c3")] {
        let output = dir.path().join(format!("filled{c}.zarr"));
        tesserae()
            .args(["morph", "fill-holes"])
            .arg(&input)
            .arg(&output)
            .args(["--connectivity", c, "--chunks", "5,3,7"])
            .assert()
            .success();
        assert_eq!(read::<u8>(&output), fixture(case, &shape));
    }
}

#[test]
fn propagation_equals_scipy() {
    let dir = tempfile::tempdir().unwrap();
    let shape = [14, 16, 18];
    let (seeds, mask) = (dir.path().join("seeds.tif"), dir.path().join("mask.zarr"));
    write(&seeds, fixture("seeds3d", &shape));
    write(&mask, fixture("mask3d", &shape));
    let output = dir.path().join("propagated.zarr");
    tesserae()
        .args(["morph", "propagation"])
        .arg(&seeds)
        .arg(&output)
        .arg("--mask")
        .arg(&mask)
        .args([
            "--connectivity",
            "2",
            "--border-value",
            "1",
            "--chunks",
            "4,5,3",
        ])
        .assert()
        .success();
    assert_eq!(
        read::<u8>(&output),
        fixture("propagation_seeds3d_edge_b1", &shape)
    );
}

#[test]
fn distance_equals_scipy() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("blobs.tif");
    write(&input, fixture("blobs3d", &SHAPE3));
    let bytes = std::fs::read("fixtures/morph/edt_blobs3d_aniso.bin").unwrap();
    let expected = ArrayD::from_shape_vec(
        SHAPE3.to_vec(),
        bytemuck::pod_collect_to_vec::<u8, f64>(&bytes),
    )
    .unwrap();
    let close = |a: &ArrayD<f64>, b: &ArrayD<f64>| {
        a.iter()
            .zip(b)
            .all(|(&x, &y)| x == y || (x - y).abs() <= 1e-9 * y.abs())
    };
    let whole = dir.path().join("whole.tif");
    tesserae()
        .arg("distance")
        .arg(&input)
        .arg(&whole)
        .args(["--sampling", "3,0.65,0.65"])
        .assert()
        .success();
    assert!(close(&read::<f64>(&whole), &expected));
    let chunked = dir.path().join("chunked.zarr");
    tesserae()
        .arg("distance")
        .arg(&input)
        .arg(&chunked)
        .args([
            "--sampling",
            "3,0.65,0.65",
            "--max-distance",
            "2.5",
            "--chunks",
            "4,5,6",
        ])
        .assert()
        .success();
    assert!(close(
        &read::<f64>(&chunked),
        &expected.mapv(|d| d.min(2.5))
    ));
}

#[test]
fn morph_rejects_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("blobs.tif");
    write(&input, fixture("blobs3d", &SHAPE3));
    for bad in [
        vec!["morph", "thinning"],
        vec!["morph", "erosion", "--connectivity", "4"],
        vec!["morph", "erosion", "--iterations", "0"],
        vec!["morph", "erosion", "--border-value", "2"],
    ] {
        let (cmd, rest) = bad.split_at(2);
        tesserae()
            .args(cmd)
            .arg(&input)
            .arg(dir.path().join("out.tif"))
            .args(rest)
            .assert()
            .code(2);
    }
    tesserae()
        .arg("distance")
        .arg(&input)
        .arg(dir.path().join("d.tif"))
        .args(["--sampling", "1,1"])
        .assert()
        .code(2);
}

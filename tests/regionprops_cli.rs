//! `tesserae regionprops`: default and chosen properties, spacing, stdout and
//! files, and refusals of bad requests.

use std::path::Path;

use assert_cmd::Command;
use ndarray::{ArrayD, IxDyn};
use predicates::prelude::*;
use tesserae::io::{self, WriteOptions};
use tesserae::{ArraySource, Source};

fn tesserae() -> Command {
    let mut cmd = Command::cargo_bin("tesserae").expect("binary builds");
    cmd.arg("--quiet");
    cmd
}

/// Writes `array` to a TIFF file.
fn write<T: tesserae::Element>(path: &Path, array: ArrayD<T>) {
    let source = ArraySource::new(array);
    let shape = source.shape().to_vec();
    let mut sink =
        io::create::<T>(path, &shape, &shape, &WriteOptions::default()).expect("creates");
    tesserae::store(&tesserae::Executor::new(), &source, &mut sink).expect("writes");
}

/// Two objects in a 2 x 4 x 5 volume, and an intensity image 0, 1, 2, ….
fn inputs(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let mut labels = ArrayD::<u16>::zeros(IxDyn(&[2, 4, 5]));
    labels[[0, 0, 0]] = 3;
    labels[[0, 0, 1]] = 3;
    labels[[1, 2, 3]] = 7;
    labels[[1, 3, 3]] = 7;
    labels[[1, 3, 4]] = 7;
    let intensity =
        ArrayD::from_shape_fn(IxDyn(&[2, 4, 5]), |i| (i[0] * 20 + i[1] * 5 + i[2]) as f32);
    let (l, v) = (dir.join("labels.tif"), dir.join("intensity.tif"));
    write(&l, labels);
    write(&v, intensity);
    (l, v)
}

#[test]
fn default_properties_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let (labels, _) = inputs(dir.path());
    // Hand-checked: label 3 covers (0,0,0) and (0,0,1); label 7 covers (1,2,3), (1,3,3), (1,3,4).
    tesserae()
        .arg("regionprops")
        .arg(&labels)
        .assert()
        .success()
        .stdout(
            "label,bbox-0,bbox-1,bbox-2,bbox-3,bbox-4,bbox-5,area,centroid-0,centroid-1,centroid-2\n\
             3,0,0,0,1,1,2,2,0,0,0.5\n\
             7,1,2,3,2,4,5,3,1,2.6666666666666665,3.3333333333333335\n",
        );
}

#[test]
fn intensity_spacing_and_chunks_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let (labels, intensity) = inputs(dir.path());
    let out = dir.path().join("table.csv");
    tesserae()
        .arg("regionprops")
        .arg(&labels)
        .arg("--intensity")
        .arg(&intensity)
        .args(["--spacing", "2,1,0.5", "--chunks", "1,2,2", "-o"])
        .arg(&out)
        .assert()
        .success();
    // Default set plus intensity_mean: label 3 has values 0 and 1; label 7 has 33, 38, 39.
    // Area is voxels times the voxel volume 2 * 1 * 0.5 = 1; centroids are scaled per axis.
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        text,
        "label,bbox-0,bbox-1,bbox-2,bbox-3,bbox-4,bbox-5,area,centroid-0,centroid-1,centroid-2,intensity_mean\n\
         3,0,0,0,1,1,2,2,0,0,0.25,0.5\n\
         7,1,2,3,2,4,5,3,2,2.6666666666666665,1.6666666666666667,36.666666666666664\n"
    );
    tesserae()
        .arg("regionprops")
        .arg(&labels)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
}

#[test]
fn chosen_properties_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let (labels, _) = inputs(dir.path());
    tesserae()
        .arg("regionprops")
        .arg(&labels)
        .args(["--properties", "label,num_pixels,extent"])
        .assert()
        .success()
        .stdout("label,num_pixels,extent\n3,2,1\n7,3,0.75\n");
    tesserae()
        .arg("regionprops")
        .arg(&labels)
        .args(["--properties", "label,volume"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown region property 'volume'"));
    tesserae()
        .arg("regionprops")
        .arg(&labels)
        .args(["--properties", "eccentricity"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("2-D images only"));
    tesserae()
        .arg("regionprops")
        .arg(&labels)
        .args(["--properties", "intensity_max"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs an intensity image"));
    tesserae()
        .arg("regionprops")
        .arg(&labels)
        .args(["--spacing", "1,1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("3 positive numbers"));
}

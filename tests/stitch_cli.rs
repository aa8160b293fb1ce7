//! `tesserae stitch` writes scipy's labels from the stitch fixtures in both
//! modes, in TIFF and Zarr, and refuses bad input with one line, exit code 2
//! and no output.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use ndarray::ArrayD;
use predicates::prelude::*;
use tesserae::io;
use tesserae::{Element, Region, Source};

fn tesserae() -> Command {
    let mut cmd = Command::cargo_bin("tesserae").expect("binary builds");
    cmd.arg("--quiet");
    cmd
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/stitch")
        .join(name)
}

fn read<T: Element>(path: &Path) -> ArrayD<T> {
    let source = io::open::<T>(path).unwrap();
    source.read(&Region::full(source.shape())).unwrap()
}

#[test]
fn touch_mode_writes_the_scipy_labels() {
    let dir = tempfile::tempdir().unwrap();
    let expected = read::<u32>(&fixture("touch3d_c2_expected.tif"));
    for out in ["stitched.tif", "stitched.zarr"] {
        let out = dir.path().join(out);
        tesserae()
            .arg("stitch")
            .arg(fixture("touch3d_c2_tiles.tif"))
            .arg(&out)
            .args([
                "--tiles",
                "4,10,9",
                "--connectivity",
                "2",
                "--chunks",
                "3,7,7",
            ])
            .assert()
            .success()
            .stdout(predicate::str::contains(format!(
                "{} objects",
                expected.iter().max().unwrap()
            )))
            .stderr(predicate::str::contains("wrote"));
        assert_eq!(read::<u32>(&out), expected);
    }
}

#[test]
fn overlap_mode_writes_the_scipy_labels_from_a_manifest_or_tiles() {
    let dir = tempfile::tempdir().unwrap();
    let expected = read::<u32>(&fixture("overlap2d_expected.tif"));
    let out = dir.path().join("from_manifest.tif");
    tesserae()
        .arg("stitch")
        .arg(&out)
        .arg("--manifest")
        .arg(fixture("overlap2d_manifest.csv"))
        .args(["--iou", "0.5"])
        .assert()
        .success();
    assert_eq!(read::<u32>(&out), expected);
    let manifest = std::fs::read_to_string(fixture("overlap2d_manifest.csv")).unwrap();
    let mut cmd = tesserae();
    let out = dir.path().join("from_tiles.zarr");
    cmd.arg("stitch").arg(&out).args(["--chunks", "16,16"]);
    for line in manifest.lines().skip(1) {
        let (path, origin) = line.split_once(',').unwrap();
        cmd.arg("--tile")
            .arg(format!("{}@{origin}", fixture(path).display()));
    }
    cmd.assert().success();
    assert_eq!(read::<u32>(&out), expected);
}

#[test]
fn bad_input_is_one_line_exit_2_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let tiles = fixture("touch2d_c1_tiles.tif");
    let out = dir.path().join("out.tif");
    let manifest = dir.path().join("bad.csv");
    std::fs::write(&manifest, "path,y,x\ntile.tif,0\n").unwrap();
    let cases: Vec<Vec<String>> = vec![
        vec![tiles.display().to_string(), out.display().to_string()],
        vec![
            tiles.display().to_string(),
            out.display().to_string(),
            "--tiles".into(),
            "16,25,3".into(),
        ],
        vec![
            tiles.display().to_string(),
            out.display().to_string(),
            "--tiles".into(),
            "16,25".into(),
            "--connectivity".into(),
            "3".into(),
        ],
        vec![
            "missing.tif".into(),
            out.display().to_string(),
            "--tiles".into(),
            "4,4".into(),
        ],
        vec![
            out.display().to_string(),
            "--tile".into(),
            format!("{}@0", tiles.display()),
        ],
        vec![
            out.display().to_string(),
            "--tile".into(),
            format!("{}", tiles.display()),
        ],
        vec![
            out.display().to_string(),
            "--tile".into(),
            format!("{}@0,0", tiles.display()),
            "--iou".into(),
            "0".into(),
        ],
        vec![
            out.display().to_string(),
            "--manifest".into(),
            manifest.display().to_string(),
        ],
        vec![
            tiles.display().to_string(),
            out.display().to_string(),
            "--tile".into(),
            format!("{}@0,0", tiles.display()),
        ],
    ];
    for args in cases {
        let assert = tesserae()
            .arg("stitch")
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with("tesserae: "));
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        assert!(!out.exists(), "{args:?} left an output");
    }
}

#[test]
fn an_existing_output_is_kept_without_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.tif");
    std::fs::write(&out, b"keep").unwrap();
    tesserae()
        .arg("stitch")
        .arg(fixture("touch2d_c1_tiles.tif"))
        .arg(&out)
        .args(["--tiles", "16,25"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(std::fs::read(&out).unwrap(), b"keep");
    tesserae()
        .arg("stitch")
        .arg(fixture("touch2d_c1_tiles.tif"))
        .arg(&out)
        .args(["--tiles", "16,25", "--overwrite"])
        .assert()
        .success();
    assert_eq!(
        read::<u32>(&out),
        read::<u32>(&fixture("touch2d_c1_expected.tif"))
    );
}

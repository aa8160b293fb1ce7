//! The `tesserae` command line: conversions, info, and every kind of bad input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tesserae::{Region, Source, io};

const NUCLEI3D: &str = "fixtures/nuclei/nuclei3d.tif";

fn tesserae() -> Command {
    let mut cmd = Command::cargo_bin("tesserae").expect("binary builds");
    cmd.arg("--quiet");
    cmd
}

fn read_all_u16(path: &Path) -> ndarray::ArrayD<u16> {
    let source = io::open::<u16>(path).expect("opens");
    source.read(&Region::full(source.shape())).expect("reads")
}

fn no_visible_output(dir: &Path) -> bool {
    std::fs::read_dir(dir).expect("dir").next().is_none()
}

#[test]
fn convert_tiff_to_zarr_and_back_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let zarr = dir.path().join("n.zarr");
    let tif = dir.path().join("back.tif");
    tesserae()
        .args(["convert", NUCLEI3D])
        .arg(&zarr)
        .args(["--chunks", "5,32,48"])
        .assert()
        .success();
    tesserae()
        .arg("convert")
        .arg(&zarr)
        .arg(&tif)
        .assert()
        .success();
    let original = read_all_u16(Path::new(NUCLEI3D));
    assert_eq!(read_all_u16(&zarr), original);
    assert_eq!(read_all_u16(&tif), original);
    let voxel = io::probe(&tif)
        .unwrap()
        .voxel_size
        .expect("voxel size kept");
    assert_eq!(voxel.size(), &[2.0, 0.5, 0.5]);
}

#[test]
fn info_prints_shape_dtype_voxel_size_and_range() {
    // The range 193..2130 was read with tifffile (fixtures/nuclei/make_nuclei.py output).
    tesserae()
        .args(["info", NUCLEI3D])
        .assert()
        .success()
        .stdout(predicate::str::contains("shape:      24 x 128 x 128"))
        .stdout(predicate::str::contains("dtype:      uint16"))
        .stdout(predicate::str::contains("voxel size: 2 x 0.5 x 0.5 micron"))
        .stdout(predicate::str::contains("range:      193 .. 2130"));
}

fn assert_bad_input(cmd: &mut Command, message: &str) {
    cmd.assert()
        .code(2)
        .stderr(predicate::str::contains(message))
        .stderr(predicate::function(|s: &str| {
            s.trim_end().lines().count() == 1
        }));
}

#[test]
fn missing_input_is_bad_input() {
    assert_bad_input(
        tesserae().args(["info", "does/not/exist.tif"]),
        "does/not/exist.tif",
    );
}

#[test]
fn truncated_and_empty_tiffs_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(NUCLEI3D).unwrap();
    for (name, len) in [
        ("truncated.tif", 5000),
        ("header.tif", 12),
        ("empty.tif", 0),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes[..len]).unwrap();
        let out = dir.path().join(format!("{name}.zarr"));
        assert_bad_input(tesserae().arg("convert").arg(&path).arg(&out), name);
        assert!(!out.exists());
    }
}

#[test]
fn garbage_file_named_tif_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.tif");
    std::fs::write(&path, b"\x89PNG\r\n\x1a\nthis is not a tiff at all").unwrap();
    assert_bad_input(tesserae().arg("info").arg(&path), "garbage.tif");
}

#[test]
fn zarr_with_unsupported_codec_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let array = dir.path().join("bogus.zarr");
    std::fs::create_dir(&array).unwrap();
    std::fs::write(
        array.join("zarr.json"),
        r#"{"zarr_format": 3, "node_type": "array", "shape": [4, 4], "data_type": "uint8",
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2, 2]}},
            "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
            "fill_value": 0, "codecs": [{"name": "bytes"}, {"name": "no-such-codec"}]}"#,
    )
    .unwrap();
    assert_bad_input(tesserae().arg("info").arg(&array), "bogus.zarr");
}

#[test]
fn zarr_with_unsupported_dtype_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let array = dir.path().join("complex.zarr");
    std::fs::create_dir(&array).unwrap();
    std::fs::write(
        array.join("zarr.json"),
        r#"{"zarr_format": 3, "node_type": "array", "shape": [4, 4], "data_type": "complex64",
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2, 2]}},
            "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
            "fill_value": [0.0, 0.0], "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}]}"#,
    )
    .unwrap();
    assert_bad_input(tesserae().arg("info").arg(&array), "complex.zarr");
}

#[test]
fn chunk_shapes_with_a_zero_or_wrong_rank_are_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.zarr");
    assert_bad_input(
        tesserae()
            .args(["convert", NUCLEI3D])
            .arg(&out)
            .args(["--chunks", "0,4,4"]),
        "positive",
    );
    assert_bad_input(
        tesserae()
            .args(["convert", NUCLEI3D])
            .arg(&out)
            .args(["--chunks", "4,4"]),
        "axes",
    );
    assert!(no_visible_output(dir.path()));
}

#[test]
fn existing_output_is_refused_unless_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["o.zarr", "o.tif"] {
        let out = dir.path().join(name);
        tesserae()
            .args(["convert", NUCLEI3D])
            .arg(&out)
            .assert()
            .success();
        assert_bad_input(
            tesserae().args(["convert", NUCLEI3D]).arg(&out),
            "already exists",
        );
        tesserae()
            .args(["convert", NUCLEI3D])
            .arg(&out)
            .arg("--overwrite")
            .assert()
            .success();
    }
}

#[test]
fn unknown_extension_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.png.bak");
    assert_bad_input(
        tesserae().args(["convert", NUCLEI3D]).arg(&out),
        "unsupported",
    );
}

/// A full disk, simulated with a file-size limit (writes fail with EFBIG): the
/// command fails with exit code 1 and leaves no output, not even a partial one.
#[test]
fn failed_write_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let bin: PathBuf = assert_cmd::cargo::cargo_bin("tesserae");
    for name in ["o.tif", "o.zarr"] {
        let out = dir.path().join(name);
        let script = format!(
            "trap '' XFSZ; ulimit -f 64; exec '{}' --quiet convert --compression none '{}' '{}'",
            bin.display(),
            NUCLEI3D,
            out.display()
        );
        Command::new("sh")
            .args(["-c", &script])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("too large"));
        assert!(no_visible_output(dir.path()), "{name} left files behind");
    }
}

/// `label` writes what the library computes (itself checked against scipy in
/// label_vs_scipy), at a chunking that does not divide the image, and says how
/// many objects it found; `find-objects` and `measure` read that label image back.
#[test]
fn label_find_objects_and_measure_agree_with_the_library() {
    use tesserae::ndmeasure::{Connectivity, Label, Measure, find_objects};
    let dir = tempfile::tempdir().unwrap();
    let labels_path = dir.path().join("labels.zarr");
    let image = read_all_u16(Path::new(NUCLEI3D));
    let (expected, count) = Label::new(Connectivity::Axes(3))
        .threshold(600.0)
        .apply(&image.view())
        .unwrap();
    tesserae()
        .args(["label", NUCLEI3D])
        .arg(&labels_path)
        .args([
            "--connectivity",
            "3",
            "--threshold",
            "600",
            "--chunks",
            "7,50,33",
        ])
        .assert()
        .success()
        .stdout(format!("{count} objects\n"));
    let source = io::open::<u32>(&labels_path).unwrap();
    assert_eq!(
        source.read(&Region::full(source.shape())).unwrap(),
        expected
    );

    let boxes = dir.path().join("boxes.csv");
    tesserae()
        .args(["find-objects"])
        .arg(&labels_path)
        .arg("-o")
        .arg(&boxes)
        .assert()
        .success();
    let text = std::fs::read_to_string(&boxes).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("label,bbox-0,bbox-1,bbox-2,bbox-3,bbox-4,bbox-5")
    );
    for ((label, region), line) in find_objects(&expected.view()).iter().zip(lines) {
        let mut row = vec![label.to_string()];
        row.extend(
            region
                .start()
                .iter()
                .chain(&region.end())
                .map(|v| v.to_string()),
        );
        assert_eq!(line, row.join(","));
    }

    let table = dir.path().join("table.csv");
    tesserae()
        .args(["measure"])
        .arg(&labels_path)
        .args([
            "--intensity",
            NUCLEI3D,
            "--stat",
            "count,mean,maximum_position",
            "--index",
            "2,0,999",
        ])
        .arg("-o")
        .arg(&table)
        .assert()
        .success();
    let stats = Measure::new()
        .extrema(true)
        .background(true)
        .run_in_memory(&image.view(), Some(&expected.view()))
        .unwrap();
    let index = [2u64, 0, 999];
    let counts = stats.count(Some(&index)).unwrap();
    let means = stats.mean(Some(&index)).unwrap();
    let at = stats.maximum_position(Some(&index)).unwrap();
    let text = std::fs::read_to_string(&table).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("label,count,mean,maximum_position-0,maximum_position-1,maximum_position-2")
    );
    for (i, line) in lines.enumerate() {
        let p = &at[i];
        assert_eq!(
            line,
            format!(
                "{},{},{},{},{},{}",
                index[i], counts[i], means[i], p[0], p[1], p[2]
            )
        );
    }
}

#[test]
fn float_label_images_and_unknown_statistics_are_bad_input() {
    assert_bad_input(
        tesserae().args(["find-objects", "fixtures/tiff/d2_float32.tif"]),
        "integers",
    );
    assert_bad_input(
        tesserae().args([
            "measure",
            NUCLEI3D,
            "--intensity",
            NUCLEI3D,
            "--stat",
            "mode",
        ]),
        "unknown statistic",
    );
}

//! `tesserae pipeline` on the bundled fixtures, at odd chunkings, against
//! every step's output from scipy.ndimage + scikit-image 0.26
//! (fixtures/pipeline/make_fixtures.py), and its refusals of bad requests.

use crate::pipeline_support;

use assert_cmd::Command;
use pipeline_support::{CASES, assert_tables_match, fixture, input, read, summary};
use predicates::prelude::*;

fn tesserae() -> Command {
    let mut cmd = Command::cargo_bin("tesserae").expect("binary builds");
    cmd.arg("--quiet");
    cmd
}

#[test]
fn the_whole_pipeline_matches_every_reference_step() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (case, clear, _)) in CASES.into_iter().enumerate() {
        let out = dir.path().join(case);
        let ndim = summary(case)["shape"].as_array().unwrap().len();
        let chunks = if ndim == 2 { "37,50" } else { "5,23,29" };
        let format = if i % 2 == 0 { "tif" } else { "zarr" };
        let mut cmd = tesserae();
        cmd.arg("pipeline")
            .arg(input(case))
            .args(["--gaussian", "1", "--threshold", "otsu", "--fill-holes"])
            .args(["--remove-small", "30", "--connectivity", "1"])
            .args(["--regionprops", "area,centroid,intensity_mean"])
            .args([
                "--chunks",
                chunks,
                "--labels-format",
                format,
                "--keep-steps",
            ])
            .arg("--out")
            .arg(&out);
        if clear {
            cmd.arg("--clear-border");
        }
        let threshold = summary(case)["threshold"].as_f64().unwrap();
        cmd.assert()
            .success()
            .stdout(predicate::str::contains(format!(
                "otsu threshold {threshold}"
            )))
            .stdout(predicate::str::contains("gaussian"))
            .stdout(predicate::str::contains("regionprops"))
            .stderr(predicate::str::contains("preview.png"));
        let steps = out.join("steps");
        let mut names = vec!["mask", "filled", "cleaned"];
        if clear {
            names.push("cleared");
        }
        for name in names {
            assert_eq!(
                read::<u8>(&steps.join(format!("{name}.zarr"))),
                read::<u8>(&fixture(&format!("{case}_{name}.tif"))),
                "{case}: {name}"
            );
        }
        assert_eq!(
            read::<u32>(&out.join(format!("labels.{format}"))),
            read::<u32>(&fixture(&format!("{case}_labels.tif"))),
            "{case}: labels"
        );
        assert_tables_match(
            &std::fs::read_to_string(out.join("regionprops.csv")).unwrap(),
            &std::fs::read_to_string(fixture(&format!("{case}_regionprops.csv"))).unwrap(),
        );
        let preview = image::open(out.join("preview.png")).unwrap().to_rgb8();
        let shape = summary(case)["shape"].clone();
        let shape: Vec<u64> = shape
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(
            (preview.height() as u64, preview.width() as u64),
            (shape[ndim - 2], shape[ndim - 1])
        );
    }
}

#[test]
fn in_memory_and_streaming_runs_match_the_references() {
    // The default limit runs these small images in memory; a limit of 0
    // streams every step through stores that are removed at the end.
    let dir = tempfile::tempdir().unwrap();
    for (case, clear, _) in CASES {
        let ndim = summary(case)["shape"].as_array().unwrap().len();
        let chunks = if ndim == 2 { "41,19" } else { "7,17,31" };
        for limit in ["64M", "0"] {
            let out = dir.path().join(format!("{case}-{limit}"));
            let mut cmd = tesserae();
            cmd.arg("pipeline")
                .arg(input(case))
                .args(["--chunks", chunks, "--memory-limit", limit])
                .args(["--regionprops", "area,centroid,intensity_mean"])
                .arg("--out")
                .arg(&out);
            if clear {
                cmd.arg("--clear-border");
            }
            cmd.assert().success();
            assert_eq!(
                read::<u32>(&out.join("labels.tif")),
                read::<u32>(&fixture(&format!("{case}_labels.tif"))),
                "{case}, memory limit {limit}: labels"
            );
            assert_tables_match(
                &std::fs::read_to_string(out.join("regionprops.csv")).unwrap(),
                &std::fs::read_to_string(fixture(&format!("{case}_regionprops.csv"))).unwrap(),
            );
            let mut left: Vec<_> = std::fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            left.sort();
            assert_eq!(left, ["labels.tif", "preview.png", "regionprops.csv"]);
        }
    }
}

#[test]
fn measuring_while_labeling_and_after_give_the_same_outputs() {
    // One-pass properties are measured from the label blocks as they are
    // written; an object-image property (euler_number) makes the pipeline
    // read the labels back instead. Labels, shared columns and the preview
    // (its label outlines included) must not depend on which way it went.
    let dir = tempfile::tempdir().unwrap();
    for (case, chunks, columns) in [("nuclei2d_u16", "41,19", 4), ("nuclei3d", "7,17,31", 5)] {
        let mut outputs = Vec::new();
        for (props, limit) in [
            ("area,centroid", "64M"),
            ("area,centroid,euler_number", "64M"),
            ("area,centroid,euler_number", "0"),
        ] {
            let out = dir.path().join(format!("{case}-{props}-{limit}"));
            tesserae()
                .arg("pipeline")
                .arg(input(case))
                .args(["--chunks", chunks, "--regionprops", props])
                .args(["--memory-limit", limit])
                .arg("--out")
                .arg(&out)
                .assert()
                .success();
            let table = std::fs::read_to_string(out.join("regionprops.csv")).unwrap();
            let shared: Vec<String> = table
                .lines()
                .map(|l| l.split(',').take(columns).collect::<Vec<_>>().join(","))
                .collect();
            outputs.push((
                read::<u32>(&out.join("labels.tif")),
                shared,
                std::fs::read(out.join("preview.png")).unwrap(),
            ));
        }
        assert_eq!(
            outputs[0].0,
            read::<u32>(&fixture(&format!("{case}_labels.tif")))
        );
        for other in &outputs[1..] {
            assert!(outputs[0] == *other, "{case}: outputs differ");
        }
    }
}

#[test]
fn a_given_threshold_and_the_default_steps() {
    // Otsu's threshold of the smoothed nuclei2d is 76 (scikit-image): giving it
    // by value reproduces the same labels; with defaults the steps folder is removed.
    let dir = tempfile::tempdir().unwrap();
    tesserae()
        .arg("pipeline")
        .arg(input("nuclei2d"))
        .args(["--threshold", "76", "--clear-border", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("given threshold 76"));
    assert_eq!(
        read::<u32>(&dir.path().join("labels.tif")),
        read::<u32>(&fixture("nuclei2d_labels.tif"))
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut left = left;
    left.sort();
    assert_eq!(left, ["labels.tif", "preview.png", "regionprops.csv"]);
    // A second run refuses to replace them, unless asked.
    tesserae()
        .arg("pipeline")
        .arg(input("nuclei2d"))
        .arg("--out")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("exists"));
    tesserae()
        .arg("pipeline")
        .arg(input("nuclei2d"))
        .args([
            "--no-fill-holes",
            "--remove-small",
            "0",
            "--overwrite",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("fill-holes").not());
}

#[test]
fn bad_requests_are_refused_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--threshold", "median"],
        vec!["--connectivity", "3"],
        vec!["--gaussian", "-1"],
        vec!["--regionprops", "area,volume_of_nonsense"],
        vec!["--spacing", "1,1,1"],
        vec!["--chunks", "0,5"],
        vec!["--memory-limit", "4X"],
        vec!["--memory-limit", "lots"],
    ] {
        tesserae()
            .arg("pipeline")
            .arg(input("nuclei2d"))
            .args(&args)
            .arg("--out")
            .arg(dir.path())
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with("tesserae: "));
    }
    tesserae()
        .arg("pipeline")
        .arg("missing.tif")
        .arg("--out")
        .arg(dir.path())
        .assert()
        .failure();
}

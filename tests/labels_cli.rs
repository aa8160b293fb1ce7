//! `tesserae relabel`, `remove-small`, `remove-large`, `remove-small-holes` and
//! `clear-border` write
//! what the library computes in memory (checked against scikit-image in
//! tests/labels_vs_skimage.rs), in TIFF and Zarr, and refuse bad input.

use std::path::Path;

use assert_cmd::Command;
use ndarray::ArrayD;
use predicates::prelude::*;
use tesserae::io::{self, WriteOptions};
use tesserae::labels::{RemoveObjects, RemoveSmallHoles, clear_border, relabel_sequential};
use tesserae::ndmeasure::Connectivity;
use tesserae::{Element, Region, Sink, Source};

fn tesserae() -> Command {
    let mut cmd = Command::cargo_bin("tesserae").expect("binary builds");
    cmd.arg("--quiet");
    cmd
}

/// A 3-D label image with gaps in its labels, small and large objects, some on the border.
fn labels() -> ArrayD<u16> {
    ArrayD::from_shape_fn(vec![6, 20, 24], |i| {
        let (z, y, x) = (i[0], i[1], i[2]);
        if (2..5).contains(&z) && (3..9).contains(&y) && (4..10).contains(&x) {
            40
        } else if y >= 16 && x < 5 {
            7
        } else if z == 3 && y == 12 && x == 15 {
            900
        } else if (y + x) % 11 == 0 && z == 1 {
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
fn label_operations_write_what_the_library_computes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("labels.tif");
    let labels = labels();
    write(&input, &labels);
    for out in ["relabeled.tif", "relabeled.zarr"] {
        let out = dir.path().join(out);
        let map = dir.path().join(format!("{}.csv", out.display()));
        tesserae()
            .args([
                "relabel",
                input.to_str().unwrap(),
                out.to_str().unwrap(),
                "--map",
                map.to_str().unwrap(),
            ])
            .assert()
            .success()
            .stdout("4 labels\n");
        assert_eq!(
            read::<u16>(&out),
            relabel_sequential(&labels.view(), 1).unwrap().labels
        );
        let table = std::fs::read_to_string(&map).unwrap();
        assert_eq!(table, "old,new\n0,0\n7,1\n40,2\n123,3\n900,4\n");
    }
    let out = dir.path().join("small.tif");
    tesserae()
        .args([
            "remove-small",
            input.to_str().unwrap(),
            out.to_str().unwrap(),
            "--max-size",
            "20",
        ])
        .assert()
        .success()
        .stdout("1 objects removed\n");
    assert_eq!(
        read::<u16>(&out),
        RemoveObjects::small(20)
            .apply_labels(&labels.view())
            .unwrap()
    );
    let out = dir.path().join("large.zarr");
    tesserae()
        .args([
            "remove-large",
            input.to_str().unwrap(),
            out.to_str().unwrap(),
            "--max-size",
            "20",
        ])
        .assert()
        .success();
    assert_eq!(
        read::<u16>(&out),
        RemoveObjects::large(20)
            .apply_labels(&labels.view())
            .unwrap()
    );
    let out = dir.path().join("mask.tif");
    let mask = labels.mapv(|v| u8::from(v != 0));
    let mask_path = dir.path().join("mask_in.tif");
    write(&mask_path, &mask);
    tesserae()
        .args([
            "remove-small",
            mask_path.to_str().unwrap(),
            out.to_str().unwrap(),
            "--mask",
            "-c",
            "3",
            "--max-size",
            "5",
            "--chunks",
            "2,7,5",
        ])
        .assert()
        .success();
    let expected = RemoveObjects::small(5)
        .connectivity(Connectivity::Full)
        .apply_mask(&mask.view())
        .unwrap();
    assert_eq!(read::<u8>(&out), expected);
    // Columns of background (6 voxels each) inside the foreground, and a
    // background slab of 288 voxels at the border.
    let holed = ArrayD::from_shape_fn(vec![6, 20, 24], |i| {
        u8::from(i[1] >= 2 && !(i[1] % 5 == 2 && i[2] % 7 == 3))
    });
    let holed_path = dir.path().join("holed.tif");
    write(&holed_path, &holed);
    let out = dir.path().join("filled.zarr");
    tesserae()
        .args([
            "remove-small-holes",
            holed_path.to_str().unwrap(),
            out.to_str().unwrap(),
            "--max-size",
            "40",
            "--chunks",
            "2,7,5",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("9 holes filled"));
    // The columns at y = 2 open onto the slab: they belong to it and stay.
    let expected = ArrayD::from_shape_fn(vec![6, 20, 24], |i| {
        u8::from(i[1] >= 2 && !(i[1] == 2 && i[2] % 7 == 3))
    });
    assert_eq!(
        RemoveSmallHoles::new(40).apply(&holed.view()).unwrap(),
        expected
    );
    assert_eq!(read::<u8>(&out), expected);
    let out = dir.path().join("cleared.tif");
    tesserae()
        .args([
            "clear-border",
            input.to_str().unwrap(),
            out.to_str().unwrap(),
            "--buffer-size",
            "1",
            "--chunks",
            "4,4,4",
        ])
        .assert()
        .success();
    assert_eq!(
        read::<u16>(&out),
        clear_border(&labels.view(), 1, 0).unwrap()
    );
}

#[test]
fn bad_input_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let floats = dir.path().join("floats.tif");
    write(&floats, &ArrayD::from_elem(vec![4, 4], 1.5f32));
    let labels = dir.path().join("labels.tif");
    write(&labels, &ArrayD::from_elem(vec![4, 4], 1u8));
    let out = dir.path().join("out.tif");
    let cases: [&[&str]; 5] = [
        &["relabel", floats.to_str().unwrap(), out.to_str().unwrap()],
        &[
            "relabel",
            labels.to_str().unwrap(),
            out.to_str().unwrap(),
            "--offset",
            "0",
        ],
        &[
            "remove-small",
            labels.to_str().unwrap(),
            out.to_str().unwrap(),
            "--mask",
            "-c",
            "3",
        ],
        &[
            "clear-border",
            labels.to_str().unwrap(),
            out.to_str().unwrap(),
            "--buffer-size",
            "4",
        ],
        &[
            "clear-border",
            labels.to_str().unwrap(),
            out.to_str().unwrap(),
            "--bgval",
            "300",
        ],
    ];
    for args in cases {
        tesserae()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::function(|s: &str| {
                s.trim_end().lines().count() == 1
            }));
        assert!(!out.exists(), "{args:?} left an output");
    }
}

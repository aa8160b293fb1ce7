//! Every example runs on its bundled fixture and writes what it says, equal to
//! scipy + scikit-image 0.26 (fixtures/pipeline/make_fixtures.py, `example_*`).
//! The examples' sources are compiled into this test, so `cargo test` runs
//! them on a clean clone without building the example binaries first.

use crate::pipeline_support;

#[allow(dead_code)]
#[path = "../examples/nuclei.rs"]
mod nuclei;
#[allow(dead_code)]
#[path = "../examples/nuclei2d.rs"]
mod nuclei2d;
#[allow(dead_code)]
#[path = "../examples/zstack.rs"]
mod zstack;

use pipeline_support::{assert_tables_match, fixture, read};
use std::path::Path;

#[test]
fn nuclei2d_thresholds_labels_measures_and_previews() {
    let dir = tempfile::tempdir().unwrap();
    let done = nuclei2d::run(Path::new("fixtures/nuclei/nuclei2d.tif"), dir.path()).unwrap();
    let expected = read::<u32>(&fixture("example_nuclei2d_labels.tif"));
    assert_eq!(read::<u32>(&done.labels), expected);
    assert_eq!(done.nuclei as u32, expected.iter().copied().max().unwrap());
    assert_tables_match(
        &std::fs::read_to_string(&done.table).unwrap(),
        &std::fs::read_to_string(fixture("example_nuclei2d.csv")).unwrap(),
    );
    let png = image::open(&done.preview).unwrap().to_rgb8();
    assert_eq!((png.width(), png.height()), (256, 256));
}

#[test]
fn zstack_goes_through_zarr_to_chunked_labels_and_physical_regionprops() {
    let dir = tempfile::tempdir().unwrap();
    let done = zstack::run(Path::new("fixtures/nuclei/nuclei3d.tif"), dir.path()).unwrap();
    assert_eq!(done.voxel_size, vec![2.0, 0.5, 0.5]);
    let info = tesserae::io::probe(&done.stack).unwrap();
    assert_eq!(info.chunk_shape, zstack::CHUNKS.to_vec());
    assert_eq!(
        read::<u16>(&done.stack),
        read::<u16>(Path::new("fixtures/nuclei/nuclei3d.tif"))
    );
    let expected = read::<u32>(&fixture("example_zstack_labels.tif"));
    assert_eq!(read::<u32>(&done.labels), expected);
    assert_tables_match(
        &std::fs::read_to_string(&done.table).unwrap(),
        &std::fs::read_to_string(fixture("example_zstack.csv")).unwrap(),
    );
    assert!(done.preview.exists());
}

#[test]
fn nuclei_labels_the_stack_above_800() {
    let dir = tempfile::tempdir().unwrap();
    let done = nuclei::run(Path::new("fixtures/nuclei/nuclei3d.tif"), dir.path(), 800.0).unwrap();
    let expected = read::<u32>(&fixture("example_nuclei_labels.tif"));
    assert_eq!(read::<u32>(&done.labels), expected);
    let rows = std::fs::read_to_string(&done.table)
        .unwrap()
        .lines()
        .count();
    assert_eq!(rows - 1, done.nuclei);
    assert!(done.preview.exists());
}

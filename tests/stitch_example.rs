//! examples/stitch_tiles.rs runs on the bundled nuclei stack: touch stitching
//! gives back the whole-image labeling exactly (the example checks it) and
//! overlap stitching never puts a voxel in the wrong nucleus (a nucleus whose
//! pieces two tiles labeled differently in their overlap may stay split).

#[allow(dead_code)]
#[path = "../examples/stitch_tiles.rs"]
mod example;

use std::path::Path;

#[test]
fn the_stitching_example_runs_on_the_nuclei_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/nuclei/nuclei3d.tif");
    let report = example::run(&input, dir.path()).unwrap();
    assert!(report.whole > 5);
    assert_eq!(report.touch.1, report.whole);
    assert!(
        report.touch.0 > report.whole,
        "some nuclei are cut by tile faces"
    );
    assert!(report.overlap.0 >= report.whole);
    assert!(report.overlap.0 <= report.whole + 2);
    assert_eq!(report.overlap.1, 0);
    for name in ["tiles.tif", "stitched_touch.tif", "stitched_overlap.tif"] {
        assert!(dir.path().join(name).exists(), "{name}");
    }
}

//! Overlap stitching on small hand-checked cases: the IoU threshold, chains of
//! matches, abutting tiles, ties between tiles, and bad input.

use ndarray::{ArrayD, array};
use tesserae::labels::{Stitch, Tile};
use tesserae::{ArraySource, Executor};

fn stitch(iou: f64, tiles: &[(usize, ArrayD<u8>)]) -> (ArrayD<u32>, usize) {
    let tiles: Vec<(Vec<usize>, _)> = tiles.iter().map(|(o, a)| (vec![*o], a.view())).collect();
    Stitch::overlapping().iou(iou).apply(&tiles).unwrap()
}

#[test]
fn objects_below_the_threshold_stay_separate() {
    // Zone = columns 2 and 3: 1 covers both, 5 one of them: IoU 1/2.
    let tiles = [
        (0, array![1u8, 1, 1, 1].into_dyn()),
        (2, array![0u8, 5, 5, 5].into_dyn()),
    ];
    // Column 2 lies deeper in the first tile (2 from its cut edge at 3, 1 from
    // the second tile's edge at 2), column 3 deeper in the second.
    assert_eq!(
        stitch(0.6, &tiles),
        (array![1u32, 1, 1, 2, 2, 2].into_dyn(), 2)
    );
    assert_eq!(
        stitch(0.5, &tiles),
        (array![1u32, 1, 1, 1, 1, 1].into_dyn(), 1)
    );
}

#[test]
fn matches_chain_across_tiles_and_abutting_tiles_never_merge() {
    let chain = [
        (0, array![1u8, 1, 1].into_dyn()),
        (2, array![2u8, 2, 2].into_dyn()),
        (4, array![3u8, 3, 3].into_dyn()),
    ];
    assert_eq!(stitch(1.0, &chain), (ArrayD::from_elem(vec![7], 1u32), 1));
    let abutting = [
        (0, array![1u8, 1].into_dyn()),
        (2, array![1u8, 1].into_dyn()),
    ];
    assert_eq!(
        stitch(0.5, &abutting),
        (array![1u32, 1, 2, 2].into_dyn(), 2)
    );
}

#[test]
fn ties_go_to_the_first_tile_and_objects_can_vanish() {
    // Same region: 1 and 2 each have IoU 2/4 with 7.
    let first = array![1u8, 1, 2, 2].into_dyn();
    let second = array![7u8, 7, 7, 7].into_dyn();
    let tiles = [(0, first.clone()), (0, second.clone())];
    // At 0.5 both match 7, so all three are one object.
    assert_eq!(stitch(0.5, &tiles), (array![1u32, 1, 1, 1].into_dyn(), 1));
    // Above, nothing matches; every voxel comes from the first tile, 7 vanishes.
    assert_eq!(stitch(0.51, &tiles), (array![1u32, 1, 2, 2].into_dyn(), 2));
    let tiles = [(0, second), (0, first)];
    assert_eq!(stitch(0.51, &tiles), (array![1u32, 1, 1, 1].into_dyn(), 1));
}

#[test]
fn bad_input_is_an_error() {
    let exec = Executor::new();
    let none: Vec<Tile<ArraySource<u8>>> = Vec::new();
    assert!(Stitch::overlapping().prepare(&exec, &none).is_err());
    let one = vec![Tile::new(
        vec![0, 0],
        ArraySource::new(array![[1u8]].into_dyn()),
    )];
    for iou in [0.0, -1.0, 1.5, f64::NAN] {
        assert!(Stitch::overlapping().iou(iou).prepare(&exec, &one).is_err());
    }
    assert!(
        Stitch::overlapping()
            .shape(&[1])
            .prepare(&exec, &one)
            .is_err()
    );
    let outside = vec![Tile::new(
        vec![0, 3],
        ArraySource::new(array![[1u8]].into_dyn()),
    )];
    assert!(
        Stitch::overlapping()
            .shape(&[1, 3])
            .prepare(&exec, &outside)
            .is_err()
    );
    let ranks = vec![
        Tile::new(vec![0, 0], ArraySource::new(array![[1u8]].into_dyn())),
        Tile::new(vec![0], ArraySource::new(array![1u8].into_dyn())),
    ];
    assert!(Stitch::overlapping().prepare(&exec, &ranks).is_err());
    let labels = array![[1u8, 2]].into_dyn();
    assert!(Stitch::touching(&[1, 0]).apply(&labels.view()).is_err());
    assert!(Stitch::touching(&[1]).apply(&labels.view()).is_err());
    assert!(
        Stitch::touching(&[1, 1])
            .connectivity(3)
            .apply(&labels.view())
            .is_err()
    );
    assert!(
        Stitch::touching(&[1, 1])
            .connectivity(0)
            .apply(&labels.view())
            .is_err()
    );
}

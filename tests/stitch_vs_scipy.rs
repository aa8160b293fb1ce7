//! Stitching label images made tile by tile gives back scipy.ndimage.label's
//! result on the whole image, exactly (fixtures/stitch/make_stitch.py).

use std::path::{Path, PathBuf};

use ndarray::ArrayD;
use tesserae::io;
use tesserae::labels::{Stitch, Tile};
use tesserae::{ArraySink, ArraySource, Executor, Region, Source};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/stitch")
        .join(name)
}

fn read<T: tesserae::Element>(path: &Path) -> ArrayD<T> {
    let source = io::open::<T>(path).unwrap();
    source.read(&Region::full(source.shape())).unwrap()
}

#[test]
fn touching_tiles_stitch_to_the_scipy_labels() {
    let cases: [(&str, &[usize], usize); 5] = [
        ("touch2d", &[16, 25], 1),
        ("touch2d", &[16, 25], 2),
        ("touch3d", &[4, 10, 9], 1),
        ("touch3d", &[4, 10, 9], 2),
        ("touch3d", &[4, 10, 9], 3),
    ];
    for (name, tiles, c) in cases {
        let input = read::<u16>(&fixture(&format!("{name}_c{c}_tiles.tif")));
        let expected = read::<u32>(&fixture(&format!("{name}_c{c}_expected.tif")));
        let count = *expected.iter().max().unwrap() as usize;
        // In memory, and chunked with chunks that cut the tiles and threads.
        let (labels, n) = Stitch::touching(tiles)
            .connectivity(c)
            .apply(&input.view())
            .unwrap();
        assert_eq!((n, &labels), (count, &expected), "{name} c{c} in memory");
        let chunks: Vec<usize> = input.shape().iter().map(|&s| s.div_ceil(3)).collect();
        let source = ArraySource::new(input.clone())
            .with_chunks(&chunks)
            .unwrap();
        let mut sink = ArraySink::<u32>::new(input.shape())
            .with_chunks(&chunks)
            .unwrap();
        let exec = Executor::new().threads(2).unwrap();
        let stitch = Stitch::touching(tiles).connectivity(c).chunks(&chunks);
        assert_eq!(stitch.run(&exec, &source, &mut sink).unwrap(), count);
        assert_eq!(sink.into_array(), expected, "{name} c{c} chunked");
    }
}

#[test]
fn the_wrong_connectivity_is_not_the_scipy_result() {
    // Tiles labeled with full connectivity, stitched with faces only: objects
    // touching diagonally across a tile corner stay apart, so the count grows.
    let input = read::<u16>(&fixture("touch3d_c3_tiles.tif"));
    let expected = read::<u32>(&fixture("touch3d_c3_expected.tif"));
    let (_, faces) = Stitch::touching(&[4, 10, 9]).apply(&input.view()).unwrap();
    assert!(faces > *expected.iter().max().unwrap() as usize);
}

#[test]
fn overlapping_tiles_stitch_to_the_scipy_labels() {
    let manifest = std::fs::read_to_string(fixture("overlap2d_manifest.csv")).unwrap();
    let tiles: Vec<Tile<ArraySource<u16>>> = manifest
        .lines()
        .skip(1)
        .map(|line| {
            let parts: Vec<&str> = line.split(',').collect();
            let origin = parts[1..].iter().map(|p| p.parse().unwrap()).collect();
            Tile::new(origin, ArraySource::new(read::<u16>(&fixture(parts[0]))))
        })
        .collect();
    let expected = read::<u32>(&fixture("overlap2d_expected.tif"));
    let count = *expected.iter().max().unwrap() as usize;
    for (iou, chunks) in [(0.5, vec![7, 11]), (1.0, vec![48, 60]), (0.01, vec![1, 60])] {
        let stitched = Stitch::overlapping()
            .iou(iou)
            .chunks(&chunks)
            .prepare(&Executor::new().threads(2).unwrap(), &tiles)
            .unwrap();
        assert_eq!(stitched.shape(), expected.shape());
        assert_eq!(stitched.count(), count);
        let mut sink = ArraySink::<u32>::new(expected.shape());
        stitched.write(&Executor::new(), &mut sink).unwrap();
        assert_eq!(sink.into_array(), expected, "iou {iou}, chunks {chunks:?}");
    }
}

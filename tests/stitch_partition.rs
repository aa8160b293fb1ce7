//! Tiles cut from a known label image and relabeled independently stitch back
//! to the original, for random masks (rank 1–3), tile shapes (1-voxel and
//! non-dividing tiles included), connectivities, overlaps and chunkings. The
//! original is the reference flood fill of tests/common (numbered as scipy).

#[allow(dead_code)]
use crate::common;

use std::collections::HashMap;

use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use tesserae::labels::{Stitch, Tile};
use tesserae::ndmeasure::Structure;
use tesserae::{ArraySink, ArraySource, ChunkGrid, Executor, Region};

/// A random mask of rank 1–3 (extents up to 7), a tile shape, a connectivity
/// and a chunk shape.
fn case() -> impl Strategy<Value = (ArrayD<u8>, Vec<usize>, usize, Vec<usize>, u64)> {
    (1usize..=3)
        .prop_flat_map(|ndim| (proptest::collection::vec(1usize..=7, ndim), 1..=ndim))
        .prop_flat_map(|(shape, c)| {
            let n: usize = shape.iter().product();
            let tiles: Vec<_> = shape.iter().map(|&s| 1..=s).collect();
            let chunks: Vec<_> = shape.iter().map(|&s| 1..=s).collect();
            (
                proptest::collection::vec(prop_oneof![2 => Just(0u8), 3 => Just(1)], n),
                Just(shape),
                tiles,
                Just(c),
                chunks,
                any::<u64>(),
            )
        })
        .prop_map(|(mask, shape, tiles, c, chunks, seed)| {
            (
                ArrayD::from_shape_vec(shape, mask).unwrap(),
                tiles,
                c,
                chunks,
                seed,
            )
        })
}

/// A value from a seed and a key, different for different keys (a bijection
/// of u64 followed by a shift into 1..).
fn scramble(seed: u64, key: u64) -> u64 {
    let x = (key ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x ^ (x >> 29)) % (u64::MAX / 2) + 1
}

/// Every tile labeled on its own (reference flood fill), values repeating
/// across tiles and shifted per tile so they are not in raster order.
fn labeled_per_tile(mask: &ArrayD<u8>, tiles: &[usize], structure: &Structure) -> ArrayD<u64> {
    let grid = ChunkGrid::new(mask.shape(), tiles).unwrap();
    let mut out = ArrayD::<u64>::zeros(IxDyn(mask.shape()));
    for index in grid.indices() {
        let region = grid.chunk_region(&index);
        let (local, _) = common::flood_fill(&region.view(mask).to_owned(), structure, false);
        let shift = grid.linear_index(&index) as u64 % 3;
        region.view_mut(&mut out).zip_mut_with(&local, |o, &l| {
            *o = if l == 0 { 0 } else { l as u64 * 2 + shift }
        });
    }
    out
}

/// The original labels inside `region`, each renumbered by a per-tile scramble.
fn cut(original: &ArrayD<u32>, region: &Region, seed: u64) -> ArrayD<u64> {
    region
        .view(original)
        .mapv(|l| if l == 0 { 0 } else { scramble(seed, l as u64) })
}

/// Whether `a` and `b` split the voxels into the same objects (and background).
fn same_partition(a: &ArrayD<u32>, b: &ArrayD<u32>) -> bool {
    let mut ab = HashMap::new();
    let mut ba = HashMap::new();
    a.iter().zip(b).all(|(&x, &y)| {
        (x == 0) == (y == 0) && *ab.entry(x).or_insert(y) == y && *ba.entry(y).or_insert(x) == x
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn touching_tiles_stitch_back((mask, tiles, c, chunks, seed) in case()) {
        let structure = Structure::connectivity(mask.ndim(), c).unwrap();
        let (original, count) = common::flood_fill(&mask, &structure, false);
        let exec = Executor::new().threads(2).unwrap();
        // Tiles labeled independently: exactly the original numbering.
        let input = labeled_per_tile(&mask, &tiles, &structure);
        let source = ArraySource::new(input.clone()).with_chunks(&chunks).unwrap();
        let mut sink = ArraySink::<u32>::new(mask.shape()).with_chunks(&chunks).unwrap();
        let n = Stitch::touching(&tiles).connectivity(c).run(&exec, &source, &mut sink).unwrap();
        prop_assert_eq!(n, count);
        prop_assert_eq!(sink.into_array(), original.clone());
        // Tiles cut from the original and renumbered per tile (a tile's object
        // may be disconnected inside the tile): exactly the original again.
        let grid = ChunkGrid::new(mask.shape(), &tiles).unwrap();
        let mut input = ArrayD::<u64>::zeros(IxDyn(mask.shape()));
        for index in grid.indices() {
            let region = grid.chunk_region(&index);
            let part = cut(&original, &region, seed ^ grid.linear_index(&index) as u64);
            region.view_mut(&mut input).assign(&part);
        }
        let (stitched, n) = Stitch::touching(&tiles).connectivity(c).apply(&input.view()).unwrap();
        prop_assert_eq!(n, count);
        prop_assert!(same_partition(&stitched, &original));
        prop_assert_eq!(stitched, original);
    }

    #[test]
    fn overlapping_tiles_stitch_back(
        (mask, tiles, _c, chunks, seed) in case(),
        overlap in proptest::collection::vec(1usize..=3, 3),
        iou in 0.05f64..=1.0,
    ) {
        let ndim = mask.ndim();
        let structure = Structure::connectivity(ndim, ndim).unwrap();
        let (original, count) = common::flood_fill(&mask, &structure, false);
        // A grid of tiles of `tiles + overlap` voxels every `tiles` voxels,
        // clipped to the image: neighbouring tiles overlap by `overlap`.
        let shape = mask.shape();
        let grid = ChunkGrid::new(shape, &tiles).unwrap();
        let placed: Vec<Tile<ArraySource<u64>>> = grid
            .indices()
            .map(|index| {
                let region = grid.chunk_region(&index);
                let end: Vec<usize> = (0..ndim)
                    .map(|k| (region.start()[k] + tiles[k] + overlap[k]).min(shape[k]))
                    .collect();
                let region = Region::from_bounds(region.start().to_vec(), &end);
                let part = cut(&original, &region, seed ^ grid.linear_index(&index) as u64);
                Tile::new(region.start().to_vec(), ArraySource::new(part))
            })
            .collect();
        let exec = Executor::new().threads(2).unwrap();
        let stitched = Stitch::overlapping().iou(iou).chunks(&chunks).prepare(&exec, &placed).unwrap();
        prop_assert_eq!(stitched.count(), count);
        let mut sink = ArraySink::<u32>::new(shape).with_chunks(&chunks).unwrap();
        stitched.write(&exec, &mut sink).unwrap();
        prop_assert_eq!(sink.into_array(), original);
    }
}

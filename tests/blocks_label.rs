//! Properties of the block-level labeling steps (`ndmeasure::label::block`):
//! summarising every block on its own, merging the summaries and relabeling
//! every block gives the single-piece labels (scipy's numbering) for random
//! images, chunk shapes and structures (1D–4D), whatever order the blocks
//! were summarised in (and equal a breadth-first flood fill); local labels
//! kept between the passes, through bytes, give the same summaries and final
//! labels; bad summaries and bad bytes are refused with typed errors.

use ndarray::{ArrayD, Slice};
use proptest::prelude::*;

use crate::common;
use common::{flood_fill, structure};
use tesserae::ndmeasure::label::block::{
    BlockSummary, LocalLabels, merge_blocks, relabel_block, summarize_block,
};
use tesserae::ndmeasure::{Structure, label};
use tesserae::{ChunkGrid, Error, Region};

fn case() -> impl Strategy<Value = (ArrayD<u8>, Vec<usize>, Structure)> {
    (1usize..=4)
        .prop_flat_map(|ndim| {
            let max = [40, 12, 7, 5][ndim - 1];
            proptest::collection::vec(1usize..=max, ndim)
        })
        .prop_flat_map(|shape| {
            let len: usize = shape.iter().product();
            let ndim = shape.len();
            let chunks = shape.iter().map(|&n| 1usize..=n).collect::<Vec<_>>();
            (
                Just(shape),
                0.05f64..0.95,
                proptest::collection::vec(0.0f64..1.0, len),
                chunks,
                structure(ndim),
            )
        })
        .prop_map(|(shape, density, coins, chunks, structure)| {
            let data = coins.iter().map(|&c| u8::from(c < density)).collect();
            (
                ArrayD::from_shape_vec(shape, data).unwrap(),
                chunks,
                structure,
            )
        })
}

fn block<T: Clone>(image: &ArrayD<T>, region: &Region) -> ArrayD<T> {
    image
        .slice_each_axis(|ax| {
            let k = ax.axis.index();
            Slice::from(region.start()[k]..region.end()[k])
        })
        .to_owned()
}

fn regions(grid: &ChunkGrid) -> Vec<Region> {
    (0..grid.num_chunks())
        .map(|c| grid.chunk_region(&grid.chunk_index(c)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn blocks_equal_single_piece((image, chunks, structure) in case()) {
        let grid = ChunkGrid::new(image.shape(), &chunks).unwrap();
        let regions = regions(&grid);
        // Summarise in reverse order, as independent workers might.
        let mut summaries: Vec<(usize, BlockSummary)> = regions
            .iter()
            .enumerate()
            .rev()
            .map(|(c, r)| {
                let s = summarize_block(&block(&image, r).view(), &structure, r.start(), image.shape());
                (c, s.unwrap())
            })
            .collect();
        summaries.sort_by_key(|(c, _)| *c);
        let summaries: Vec<BlockSummary> = summaries.into_iter().map(|(_, s)| s).collect();
        let merged = merge_blocks(&grid, summaries, &structure).unwrap();
        let (whole, count) = label(&image.view(), &structure).unwrap();
        prop_assert_eq!(merged.count(), count);
        prop_assert_eq!((whole.clone(), count), flood_fill(&image, &structure, false));
        for (c, r) in regions.iter().enumerate() {
            let out = relabel_block(&block(&image, r).view(), &structure, merged.lookup(c)).unwrap();
            prop_assert_eq!(out, block(&whole.mapv(u64::from), r));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn kept_local_labels_equal_labeling_again((image, chunks, structure) in case()) {
        let grid = ChunkGrid::new(image.shape(), &chunks).unwrap();
        let regions = regions(&grid);
        let mut kept = Vec::new();
        let mut summaries = Vec::new();
        for r in &regions {
            let b = block(&image, r);
            let local = LocalLabels::new(&b.view(), &structure).unwrap();
            let local = LocalLabels::from_bytes(&local.to_bytes()).unwrap();
            let summary = local.summary(r.start(), image.shape()).unwrap();
            prop_assert_eq!(&summary, &summarize_block(&b.view(), &structure, r.start(), image.shape()).unwrap());
            summaries.push(summary);
            kept.push((b, local));
        }
        let merged = merge_blocks(&grid, summaries, &structure).unwrap();
        for (c, (b, local)) in kept.iter().enumerate() {
            let again = relabel_block(&b.view(), &structure, merged.lookup(c)).unwrap();
            prop_assert_eq!(local.relabel(merged.lookup(c)).unwrap(), again);
        }
    }

    #[test]
    fn damaged_bytes_are_refused_or_read_without_panic(
        (image, _, structure) in case(),
        at in any::<prop::sample::Index>(),
        value in any::<u8>(),
        cut in any::<bool>(),
    ) {
        let local = LocalLabels::new(&image.view(), &structure).unwrap();
        let mut bytes = local.to_bytes();
        let i = at.index(bytes.len());
        if cut {
            bytes.truncate(i);
        } else {
            bytes[i] = value;
        }
        match LocalLabels::from_bytes(&bytes) {
            Ok(read) => {
                // Bytes that still read are labels a labeling could make (of
                // a block that may have grown along its last axis).
                prop_assert!(read.shape().iter().product::<usize>() < u32::MAX as usize);
                if read.shape().iter().product::<usize>() <= 1 << 20 {
                    let lookup: Vec<u32> = (1..=read.count() as u32).collect();
                    let out = read.relabel(&lookup).unwrap();
                    prop_assert_eq!(out.shape(), read.shape());
                }
            }
            Err(e) => prop_assert!(matches!(e, Error::InvalidArgument(_))),
        }
    }
}

fn invalid<T>(r: Result<T, Error>) -> bool {
    matches!(r, Err(Error::InvalidArgument(_)))
}

#[test]
fn bad_blocks_and_summaries_are_refused() {
    let s2 = Structure::connectivity(2, 1).unwrap();
    let block = ArrayD::from_elem(vec![2, 2], 1u8);
    // The block does not fit the array, or its rank differs from the structure's.
    assert!(invalid(summarize_block(
        &block.view(),
        &s2,
        &[3, 0],
        &[4, 4]
    )));
    assert!(invalid(summarize_block(
        &block.view(),
        &Structure::connectivity(3, 1).unwrap(),
        &[0, 0, 0],
        &[4, 4, 4]
    )));
    let grid = ChunkGrid::new(&[2, 4], &[2, 2]).unwrap();
    let left = summarize_block(&block.view(), &s2, &[0, 0], &[2, 4]).unwrap();
    let right = summarize_block(&block.view(), &s2, &[0, 2], &[2, 4]).unwrap();
    // Only the planes between the two blocks are kept.
    assert_eq!(left.faces[3], vec![1, 1]);
    assert_eq!(right.faces[2], vec![1, 1]);
    assert!([0, 1, 2].iter().all(|&i| left.faces[i].is_empty()));
    assert!(merge_blocks(&grid, vec![left.clone(), right.clone()], &s2).is_ok());
    // Too few summaries, a missing plane, a border plane, labels beyond the block's.
    assert!(invalid(merge_blocks(&grid, vec![left.clone()], &s2)));
    let mut short = right.clone();
    short.faces[2].pop();
    assert!(invalid(merge_blocks(&grid, vec![left.clone(), short], &s2)));
    let mut border = right.clone();
    border.faces[0] = vec![1, 1];
    assert!(invalid(merge_blocks(
        &grid,
        vec![left.clone(), border],
        &s2
    )));
    let mut wild = right.clone();
    wild.faces[2][0] = 9;
    assert!(invalid(merge_blocks(&grid, vec![left, wild], &s2)));
    // A table shorter than the block's labels.
    assert!(invalid(relabel_block::<_, u64>(&block.view(), &s2, &[])));
}

//! Reference implementations shared by the labeling tests.

use std::collections::VecDeque;

use ndarray::{ArrayD, Dimension, IxDyn};
use proptest::prelude::*;
use tesserae::ndmeasure::Structure;

/// Reference labeling: flood fill from every unlabeled foreground voxel in
/// raster order, so labels are numbered by first voxel as scipy does.
pub fn flood_fill(
    image: &ArrayD<u8>,
    structure: &Structure,
    multilabel: bool,
) -> (ArrayD<u32>, usize) {
    let shape = image.shape().to_vec();
    let offsets = structure.offsets();
    let mut labels = ArrayD::<u32>::zeros(IxDyn(&shape));
    let mut count = 0u32;
    for (start, &v) in image.indexed_iter() {
        if v == 0 || labels[&start] != 0 {
            continue;
        }
        count += 1;
        labels[&start] = count;
        let mut queue = VecDeque::from([start.slice().to_vec()]);
        while let Some(p) = queue.pop_front() {
            for d in &offsets {
                let Some(q) = neighbour(&p, d, &shape) else {
                    continue;
                };
                let w = image[q.as_slice()];
                if w == 0 || labels[q.as_slice()] != 0 || (multilabel && w != v) {
                    continue;
                }
                labels[q.as_slice()] = count;
                queue.push_back(q);
            }
        }
    }
    (labels, count as usize)
}

/// The voxel at offset `d` from `p`, when it lies inside `shape`.
pub fn neighbour(p: &[usize], d: &[isize], shape: &[usize]) -> Option<Vec<usize>> {
    p.iter()
        .zip(d)
        .zip(shape)
        .map(|((&c, &d), &n)| {
            let j = c as isize + d;
            (j >= 0 && (j as usize) < n).then_some(j as usize)
        })
        .collect()
}

/// A random centrally symmetric 3^ndim mask (the centre flag random too).
pub fn structure(ndim: usize) -> impl Strategy<Value = Structure> {
    let n = 3usize.pow(ndim as u32);
    proptest::collection::vec(any::<bool>(), n / 2 + 1).prop_map(move |half| {
        let mut flags = vec![false; n];
        for (i, &f) in half.iter().enumerate() {
            flags[i] = f;
            flags[n - 1 - i] = f;
        }
        Structure::new(ArrayD::from_shape_vec(vec![3; ndim], flags).unwrap().view()).unwrap()
    })
}

/// A random 2-D shape of up to `side2 - 1` voxels per axis or 3-D shape of
/// up to `side3 - 1`, and a chunk shape for it (1-voxel chunks and chunks
/// that do not divide the shape included).
pub fn shape_and_chunks(
    side2: usize,
    side3: usize,
) -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    prop_oneof![
        proptest::collection::vec(1..side2, 2),
        proptest::collection::vec(1..side3, 3)
    ]
    .prop_flat_map(|shape| {
        let chunks: Vec<_> = shape.iter().map(|&n| 1..=n).collect();
        (Just(shape), chunks)
    })
}

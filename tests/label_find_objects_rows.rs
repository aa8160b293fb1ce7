//! find_objects on rows where labels alternate voxel by voxel, against boxes
//! computed voxel by voxel (a plain reference), in memory and chunked.

use std::collections::BTreeMap;

use ndarray::{ArrayD, Dimension};
use proptest::prelude::*;
use tesserae::ndmeasure::{find_objects, find_objects_chunked};
use tesserae::{ArraySource, Executor, Region};

fn reference(labels: &ArrayD<i16>) -> Vec<(u64, Region)> {
    let mut boxes: BTreeMap<u64, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (index, &v) in labels.indexed_iter() {
        if v <= 0 {
            continue;
        }
        let p = index.as_array_view().to_vec();
        let entry = boxes
            .entry(v as u64)
            .or_insert_with(|| (p.clone(), p.clone()));
        for (k, &c) in p.iter().enumerate() {
            entry.0[k] = entry.0[k].min(c);
            entry.1[k] = entry.1[k].max(c);
        }
    }
    boxes
        .into_iter()
        .map(|(l, (lo, hi))| {
            let end: Vec<usize> = hi.iter().map(|h| h + 1).collect();
            (l, Region::from_bounds(lo, &end))
        })
        .collect()
}

#[test]
fn alternating_labels_in_one_row() {
    let row = vec![1i16, 0, 2, 1, 0, 2, 2, -3, 1, 3, 0, 2];
    let labels = ArrayD::from_shape_vec(vec![1, 12], row).unwrap();
    let boxes = find_objects(&labels.view());
    assert_eq!(
        boxes,
        vec![
            (1, Region::new(vec![0, 0], vec![1, 9])),
            (2, Region::new(vec![0, 2], vec![1, 10])),
            (3, Region::new(vec![0, 9], vec![1, 1])),
        ]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn fragmented_labels_match_voxel_by_voxel_boxes(
        shape in prop::collection::vec(1usize..9, 1..4),
        seed in any::<u64>(),
        chunk in 1usize..5,
    ) {
        let mut state = seed | 1;
        let labels = ArrayD::from_shape_simple_fn(shape.clone(), || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 6) as i16 - 1
        });
        let expected = reference(&labels);
        prop_assert_eq!(&find_objects(&labels.view()), &expected);
        let chunks = vec![chunk; shape.len()];
        let source = ArraySource::new(labels.clone()).with_chunks(&chunks).unwrap();
        prop_assert_eq!(&find_objects_chunked(&Executor::new(), &source, None).unwrap(), &expected);
    }
}

//! `peak_local_max` from chunked sources equals the single-chunk result, for
//! random images of a few levels (ties and plateaus everywhere), labels,
//! distances, borders and limits, at random chunk shapes (1-voxel chunks and
//! chunks that do not divide the shape included); and the greedy spacing
//! equals a naive quadratic greedy.

use ndarray::{Array2, ArrayD, Dimension, IxDyn};
use proptest::prelude::*;
use tesserae::ndfilters::Footprint;
use tesserae::segmentation::{ExcludeBorder, PeakLocalMax};
use tesserae::{ArraySource, Executor, Source};

use crate::common::shape_and_chunks;

fn border() -> impl Strategy<Value = ExcludeBorder> {
    prop_oneof![
        any::<bool>().prop_map(ExcludeBorder::from),
        (0i64..3).prop_map(ExcludeBorder::from),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn chunked_equals_whole(
        (shape, chunks) in shape_and_chunks(13, 8),
        values in proptest::collection::vec(0u8..4, 512),
        objects in proptest::collection::vec(0u16..4, 512),
        labelled in any::<bool>(),
        min_distance in 1usize..5,
        exclude in border(),
        num_peaks in proptest::option::of(0usize..8),
        per_label in proptest::option::of(1usize..3),
        p_norm in prop_oneof![Just(f64::INFINITY), Just(1.0), Just(2.0), Just(3.0)],
        float in any::<bool>(),
    ) {
        let n: usize = shape.iter().product();
        let image = ArrayD::from_shape_vec(IxDyn(&shape), values[..n].to_vec()).unwrap();
        // Scattered objects whose bounding boxes overlap: each box holds
        // voxels of other labels and of the background.
        let labels = ArrayD::from_shape_vec(IxDyn(&shape), objects[..n].to_vec()).unwrap();
        let mut op = PeakLocalMax::new()
            .min_distance(min_distance)
            .exclude_border(exclude)
            .p_norm(p_norm);
        if let Some(k) = num_peaks {
            op = op.num_peaks(k);
        }
        if let Some(k) = per_label {
            op = op.num_peaks_per_label(k);
        }
        let exec = Executor::new();
        let labels_source = ArraySource::new(labels.clone()).with_chunks(&chunks).unwrap();
        let labels_dyn = labelled.then_some(&labels_source as &dyn Source<Elem = u16>);
        let labels_view = labels.view();
        let labels_whole = labelled.then_some(&labels_view);
        if float {
            let image = image.mapv(|v| f32::from(v) * 0.5 - 0.5);
            let whole = op.clone().chunks(&shape).apply(&image.view(), labels_whole).unwrap();
            let source = ArraySource::new(image).with_chunks(&chunks).unwrap();
            prop_assert_eq!(op.run(&exec, &source, labels_dyn).unwrap(), whole);
        } else {
            let whole = op.clone().chunks(&shape).apply(&image.view(), labels_whole).unwrap();
            let source = ArraySource::new(image).with_chunks(&chunks).unwrap();
            prop_assert_eq!(op.run(&exec, &source, labels_dyn).unwrap(), whole);
        }
    }

    #[test]
    fn spacing_equals_naive_greedy(
        (shape, chunks) in shape_and_chunks(24, 10),
        values in proptest::collection::vec(0u8..6, 1000),
        min_distance in 2usize..6,
        num_peaks in proptest::option::of(0usize..20),
        p_norm in prop_oneof![Just(f64::INFINITY), Just(1.0), Just(2.0), Just(3.0), Just(1.5)],
    ) {
        let n: usize = shape.iter().product();
        let image = ArrayD::from_shape_vec(IxDyn(&shape), values[..n].to_vec()).unwrap();
        // A one-voxel footprint: every voxel above the minimum is a candidate,
        // so the result is the spacing of all of them.
        let single = Footprint::size(&vec![1; shape.len()]).unwrap();
        let mut op = PeakLocalMax::new()
            .min_distance(min_distance)
            .footprint(single)
            .exclude_border(false)
            .p_norm(p_norm)
            .chunks(&chunks);
        if let Some(k) = num_peaks {
            op = op.num_peaks(k);
        }
        let found = op.apply::<u8, u8>(&image.view(), None).unwrap();
        let expected = naive(&image, min_distance, p_norm, num_peaks);
        prop_assert_eq!(found, expected);
    }
}

/// Candidates above the minimum sorted by value, highest first (ties in C
/// order), each kept unless a kept one is closer than `m`: every pair checked.
fn naive(image: &ArrayD<u8>, m: usize, p: f64, max_out: Option<usize>) -> Array2<usize> {
    let min = image.iter().copied().min().unwrap();
    let mut candidates: Vec<(Vec<usize>, u8)> = image
        .indexed_iter()
        .filter(|&(_, &v)| v > min)
        .map(|(i, &v)| (i.slice().to_vec(), v))
        .collect();
    candidates.sort_by_key(|(_, v)| std::cmp::Reverse(*v));
    let closer = |a: &[usize], b: &[usize]| {
        let d: Vec<f64> = a
            .iter()
            .zip(b)
            .map(|(x, y)| x.abs_diff(*y) as f64)
            .collect();
        let m = m as f64;
        if p.is_infinite() {
            d.iter().all(|&v| v < m)
        } else {
            let s: f64 = d.iter().map(|v| v.powf(p)).sum();
            // scipy's cKDTree finds the pair (s <= m^p), cdist measures it.
            s <= m.powf(p) && s.powf(1.0 / p) < m
        }
    };
    let mut kept: Vec<Vec<usize>> = Vec::new();
    for (point, _) in candidates {
        if max_out.is_some_and(|k| kept.len() >= k) {
            break;
        }
        if kept.iter().all(|q| !closer(&point, q)) {
            kept.push(point);
        }
    }
    let ndim = image.ndim();
    Array2::from_shape_vec((kept.len(), ndim), kept.concat()).unwrap()
}

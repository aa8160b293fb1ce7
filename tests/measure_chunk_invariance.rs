//! Chunked measurements equal the single-chunk (in-memory) result for random
//! images, label images and chunkings, and huge sparse labels cost nothing.

use ndarray::ArrayD;
use proptest::prelude::*;
use tesserae::ndmeasure::{Bins, Measure, find_objects, find_objects_chunked};
use tesserae::{ArraySource, Executor, Region};

/// A random image of rank 1–3 with labels drawn from a small set with gaps and
/// one huge value, intensities from a small range (so ties happen), and a chunk shape.
fn case() -> impl Strategy<Value = (ArrayD<u64>, ArrayD<f32>, Vec<usize>)> {
    (1usize..=3)
        .prop_flat_map(|ndim| proptest::collection::vec(1usize..=7, ndim))
        .prop_flat_map(|shape| {
            let n: usize = shape.iter().product();
            let chunks = shape.iter().map(|&s| 1..=s).collect::<Vec<_>>();
            (
                Just(shape),
                proptest::collection::vec(
                    prop_oneof![Just(0u64), Just(1), Just(3), Just(4), Just(1 << 40)],
                    n,
                ),
                proptest::collection::vec(-3i8..=3, n),
                chunks,
            )
        })
        .prop_map(|(shape, labels, values, chunks)| {
            let labels = ArrayD::from_shape_vec(shape.clone(), labels).unwrap();
            let values =
                ArrayD::from_shape_vec(shape, values.into_iter().map(|v| v as f32 * 0.5).collect())
                    .unwrap();
            (labels, values, chunks)
        })
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn chunked_equals_single_chunk((labels, values, chunks) in case()) {
        let exec = Executor::new().threads(2).unwrap();
        let bins = Bins::new(-1.0, 1.0, 3).unwrap();
        let measure = Measure::new().extrema(true).center_of_mass(true).histogram(bins).background(true);
        let whole = measure.run_in_memory(&values.view(), Some(&labels.view())).unwrap();
        let isrc = ArraySource::new(values.clone()).with_chunks(&chunks).unwrap();
        let lsrc = ArraySource::new(labels.clone()).with_chunks(&chunks).unwrap();
        let chunked = measure.run(&exec, &isrc, Some(&lsrc)).unwrap();
        let index = [0u64, 1, 2, 3, 4, 1 << 40, 1];
        for index in [Some(&index[..]), None] {
            prop_assert_eq!(whole.count(index).unwrap(), chunked.count(index).unwrap());
            prop_assert_eq!(whole.minimum(index).unwrap(), chunked.minimum(index).unwrap());
            prop_assert_eq!(whole.maximum(index).unwrap(), chunked.maximum(index).unwrap());
            prop_assert_eq!(whole.minimum_position(index).unwrap(), chunked.minimum_position(index).unwrap());
            prop_assert_eq!(whole.maximum_position(index).unwrap(), chunked.maximum_position(index).unwrap());
            prop_assert_eq!(whole.histogram(index).unwrap(), chunked.histogram(index).unwrap());
            for (a, b) in [
                (whole.sum_labels(index).unwrap(), chunked.sum_labels(index).unwrap()),
                (whole.mean(index).unwrap(), chunked.mean(index).unwrap()),
                (whole.variance(index).unwrap(), chunked.variance(index).unwrap()),
            ] {
                prop_assert!(a.iter().zip(&b).all(|(x, y)| close(*x, *y)), "{:?} vs {:?}", a, b);
            }
            let (a, b) = (whole.center_of_mass(index).unwrap(), chunked.center_of_mass(index).unwrap());
            prop_assert!(a.iter().flatten().zip(b.iter().flatten()).all(|(x, y)| close(*x, *y)));
            let whole_src = ArraySource::new(values.clone());
            let whole_lab = ArraySource::new(labels.clone());
            let m_whole = Measure::new().median(&exec, &whole_src, Some(&whole_lab), index).unwrap();
            let m_chunked = Measure::new().memory_budget(16).median(&exec, &isrc, Some(&lsrc), index).unwrap();
            prop_assert!(m_whole.iter().zip(&m_chunked).all(|(x, y)| close(*x, *y)), "{:?} vs {:?}", m_whole, m_chunked);
        }
        prop_assert_eq!(find_objects(&labels.view()), find_objects_chunked(&exec, &lsrc, None).unwrap());
    }
}

/// Labels near 2^40 on a 64^3 volume: find_objects returns just the present
/// labels with their boxes (a dense, scipy-style table would need 2^40 entries).
#[test]
fn huge_labels_are_cheap() {
    let mut labels = ArrayD::<u64>::zeros(vec![64, 64, 64]);
    let base = 1u64 << 40;
    labels[[1, 2, 3]] = base + 7;
    labels[[60, 61, 62]] = base + 7;
    labels[[30, 0, 0]] = base;
    labels[[10, 20, 30]] = u64::MAX;
    let source = ArraySource::new(labels).with_chunks(&[16, 16, 16]).unwrap();
    let boxes = find_objects_chunked(&Executor::new(), &source, None).unwrap();
    assert_eq!(
        boxes,
        vec![
            (base, Region::new(vec![30, 0, 0], vec![1, 1, 1])),
            (base + 7, Region::new(vec![1, 2, 3], vec![60, 60, 60])),
            (u64::MAX, Region::new(vec![10, 20, 30], vec![1, 1, 1])),
        ]
    );
}

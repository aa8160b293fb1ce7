//! The chunked feature transform equals the in-memory one (which
//! tests/edt_indices_vs_scipy.rs checks against scipy) within the maximum
//! distance, for random images, chunk shapes (smaller than the halo
//! included), maximum distances and exact samplings.

use ndarray::{ArrayD, Dimension};
use proptest::prelude::*;
use tesserae::ndmorph::DistanceTransform;
use tesserae::{ArraySource, Region, Source};

fn case() -> impl Strategy<Value = (ArrayD<u8>, Vec<usize>, Vec<f64>)> {
    (1usize..=3)
        .prop_flat_map(|ndim| proptest::collection::vec(1usize..=10, ndim))
        .prop_flat_map(|shape| {
            let n: usize = shape.iter().product();
            let ndim = shape.len();
            (
                Just(shape.clone()),
                proptest::collection::vec(prop_oneof![1 => Just(0u8), 8 => Just(1)], n),
                shape.iter().map(|&s| 1..=s).collect::<Vec<_>>(),
                proptest::collection::vec(prop_oneof![Just(1.0), Just(0.5), Just(2.0)], ndim),
            )
        })
        .prop_map(|(shape, image, chunks, sampling)| {
            (
                ArrayD::from_shape_vec(shape, image).unwrap(),
                chunks,
                sampling,
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn chunked_indices_equal_in_memory((image, chunks, sampling) in case(), max_distance in 0.5f64..5.0) {
        let shape = image.shape().to_vec();
        let edt = DistanceTransform::new().sampling(&sampling);
        let lazy = edt.clone().chunks(&chunks).lazy_indices(ArraySource::new(image.clone()), max_distance).unwrap();
        let found = lazy.read(&Region::full(&shape)).unwrap();
        let Ok(indices) = edt.indices(&image.view()) else {
            prop_assert!(found.iter().all(|&v| v == u64::MAX));
            return Ok(());
        };
        for (p, &f) in found.indexed_iter() {
            let mut d2 = 0.0;
            let mut linear = 0u64;
            for k in 0..shape.len() {
                let mut at = vec![k];
                at.extend(p.slice());
                let c = indices[at.as_slice()];
                let t = (c as f64 - p[k] as f64) * sampling[k];
                d2 += t * t;
                linear = linear * shape[k] as u64 + c as u64;
            }
            let want = if d2.sqrt() <= max_distance { linear } else { u64::MAX };
            prop_assert_eq!(f, want, "at {:?}", p);
        }
    }
}

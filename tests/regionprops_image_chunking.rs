//! The object-image driver gives the same results whatever the chunking of the
//! sources (down to one-voxel chunks) and whatever the memory budget (down to
//! one object per batch), for random 2-D and 3-D label images; and it fails
//! cleanly on bad input.

use ndarray::{Array2, ArrayD};
use proptest::prelude::*;
use tesserae::ndmeasure::find_objects;
use tesserae::ndmeasure::{
    ObjectImage, area_convex, area_filled, coords, euler_number, feret_diameter_max,
    image_intensity, intensity_median, map_objects, perimeter, perimeter_crofton, solidity,
};
use tesserae::{ArraySource, Error, Executor, Region};

/// A random label image of rank 2 or 3 (labels 0–4, so objects are often
/// disconnected, concave or holed), intensities with ties, and a chunk shape.
fn case() -> impl Strategy<Value = (ArrayD<u16>, ArrayD<i16>, Vec<usize>)> {
    (2usize..=3)
        .prop_flat_map(|ndim| proptest::collection::vec(1usize..=7, ndim))
        .prop_flat_map(|shape| {
            let n: usize = shape.iter().product();
            let chunks = shape.iter().map(|&s| 1..=s).collect::<Vec<_>>();
            (
                Just(shape),
                proptest::collection::vec(0u16..=4, n),
                proptest::collection::vec(-5i16..=5, n),
                chunks,
            )
        })
        .prop_map(|(shape, labels, values, chunks)| {
            (
                ArrayD::from_shape_vec(shape.clone(), labels).unwrap(),
                ArrayD::from_shape_vec(shape, values).unwrap(),
                chunks,
            )
        })
}

/// Every property of one object, errors as their messages (so results compare).
#[derive(Debug, PartialEq)]
struct All {
    label: u64,
    bbox: Region,
    scalars: Vec<Result<f64, String>>,
    euler: Result<i64, String>,
    coords: Array2<usize>,
    masked: ArrayD<i16>,
}

fn all(o: &ObjectImage<'_, i16>) -> tesserae::Result<All> {
    let spacing = vec![1.0; o.mask.ndim()];
    let m = || o.mask.view();
    let intensity = o
        .intensity
        .clone()
        .ok_or(Error::Failed("no intensity".into()))?;
    let text = |r: tesserae::Result<f64>| r.map_err(|e| e.to_string());
    Ok(All {
        label: o.label,
        bbox: o.bbox.clone(),
        scalars: vec![
            text(perimeter(m(), &spacing)),
            text(perimeter_crofton(m(), &spacing)),
            text(area_convex(m(), &spacing)),
            text(solidity(m(), &spacing)),
            text(feret_diameter_max(m(), &spacing)),
            text(area_filled(m(), &spacing)),
            text(intensity_median(m(), intensity.view())),
        ],
        euler: euler_number(m()).map_err(|e| e.to_string()),
        coords: coords(m(), &o.bbox)?,
        masked: image_intensity(m(), intensity)?,
    })
}

fn run(
    labels: &ArrayD<u16>,
    values: &ArrayD<i16>,
    chunks: Option<&[usize]>,
    budget: usize,
) -> Vec<All> {
    let objects = find_objects(&labels.view());
    let mut l = ArraySource::new(labels.clone());
    let mut v = ArraySource::new(values.clone());
    if let Some(chunks) = chunks {
        l = l.with_chunks(chunks).unwrap();
        v = v.with_chunks(chunks).unwrap();
    }
    let exec = Executor::new().threads(2).unwrap();
    map_objects(&exec, &l, Some(&v), &objects, budget, all).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn chunking_and_budget_do_not_change_results((labels, values, chunks) in case()) {
        let whole = run(&labels, &values, None, usize::MAX);
        prop_assert_eq!(&run(&labels, &values, Some(&chunks), usize::MAX), &whole);
        prop_assert_eq!(&run(&labels, &values, Some(&chunks), 1), &whole);
        let ones = vec![1; labels.ndim()];
        prop_assert_eq!(&run(&labels, &values, Some(&ones), 64), &whole);
        // The coordinates are the object's voxels in the full array.
        for object in &whole {
            let expected: Vec<usize> = labels
                .indexed_iter()
                .filter(|&(_, &v)| u64::from(v) == object.label)
                .flat_map(|(i, _)| (0..labels.ndim()).map(move |k| i[k]))
                .collect();
            prop_assert_eq!(object.coords.as_slice().unwrap(), &expected[..]);
        }
    }
}

#[test]
fn results_follow_the_order_of_objects_and_errors_stop_the_work() {
    let labels = ndarray::array![[1u8, 0, 2], [1, 0, 2], [0, 3, 3]].into_dyn();
    let mut objects = find_objects(&labels.view());
    objects.reverse();
    let source = ArraySource::new(labels).with_chunks(&[1, 1]).unwrap();
    let exec = Executor::new();
    let none = None::<&ArraySource<u8>>;
    let labels_seen = map_objects(&exec, &source, none, &objects, 0, |o| Ok(o.label)).unwrap();
    assert_eq!(labels_seen, vec![3, 2, 1]);
    let failed = map_objects(&exec, &source, none, &objects, 0, |o| {
        if o.label == 2 {
            Err(Error::Failed("object 2".into()))
        } else {
            Ok(o.label)
        }
    });
    assert_eq!(failed.unwrap_err().to_string(), "object 2");
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let labels = ArrayD::from_elem(vec![3, 3], 1u8);
    let source = ArraySource::new(labels);
    let exec = Executor::new();
    let wrong_shape = ArraySource::new(ArrayD::from_elem(vec![3, 4], 0.5f32));
    let objects = vec![(1, Region::new(vec![0, 0], vec![3, 3]))];
    let r = map_objects(&exec, &source, Some(&wrong_shape), &objects, 0, |_| Ok(()));
    assert!(matches!(r, Err(Error::ShapeMismatch { .. })));
    let outside = vec![(1, Region::new(vec![2, 2], vec![3, 3]))];
    let none = None::<&ArraySource<u8>>;
    assert!(map_objects(&exec, &source, none, &outside, 0, |_| Ok(())).is_err());

    let line = ArrayD::from_elem(vec![5], true);
    assert!(euler_number(line.view()).is_err());
    assert!(area_convex(line.view(), &[1.0]).is_err());
    assert!(perimeter(line.view(), &[1.0]).is_err());
    let square = ArrayD::from_elem(vec![2, 2], true);
    assert!(area_filled(square.view(), &[1.0]).is_err());
    assert!(perimeter_crofton(square.view(), &[1.0, 2.0]).is_err());
    let plate = ArrayD::from_elem(vec![1, 4, 4], true);
    assert!(feret_diameter_max(plate.view(), &[1.0; 3]).is_err());
    assert!(intensity_median(square.view(), ArrayD::from_elem(vec![2, 3], 1u8).view()).is_err());
    let empty = ArrayD::from_elem(vec![0, 3], false);
    assert_eq!(euler_number(empty.view()).unwrap(), 0);
    assert_eq!(area_convex(empty.view(), &[1.0, 1.0]).unwrap(), 0.0);
    assert!(
        intensity_median(empty.view(), ArrayD::from_elem(vec![0, 3], 1u8).view())
            .unwrap()
            .is_nan()
    );
}

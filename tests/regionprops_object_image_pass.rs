//! The object-image properties through `RegionProps::run`: the same table at
//! any chunking and any memory budget (proptest), hand-checked small cases,
//! and the requests scikit-image refuses refused with typed errors.

use ndarray::{ArrayD, array};
use proptest::prelude::*;
use tesserae::ndmeasure::{Column, Property, RegionProps, RegionTable};
use tesserae::{ArraySource, Error, Executor};

/// The object-image properties with columns that apply to `ndim` axes.
fn image_properties(ndim: usize) -> Vec<Property> {
    let mut out = vec![Property::Label, Property::Area];
    out.extend(
        Property::ALL
            .iter()
            .copied()
            .filter(|p| p.needs_object_image() && !p.is_object() && (ndim == 2 || !p.only_2d())),
    );
    out
}

fn assert_same(a: &RegionTable, b: &RegionTable) {
    assert_eq!(a.names(), b.names());
    for (name, (x, y)) in a.names().iter().zip(a.columns().iter().zip(b.columns())) {
        match (x, y) {
            (Column::Float(x), Column::Float(y)) => {
                for (row, (u, v)) in x.iter().zip(y).enumerate() {
                    let same = (u.is_nan() && v.is_nan())
                        || u == v
                        || (u - v).abs() <= 1e-12 * u.abs().max(v.abs());
                    assert!(same, "{name} row {row}: {u} vs {v}");
                }
            }
            _ => assert_eq!(x, y, "{name}"),
        }
    }
}

/// A label image (labels 0–3: objects often disconnected, concave, holed or
/// coplanar), a 1- or 2-channel intensity image with ties, a chunk shape and
/// a memory budget.
fn case(
    ndim: usize,
) -> impl Strategy<Value = (ArrayD<u8>, ArrayD<u16>, Option<usize>, Vec<usize>, usize)> {
    (
        prop::collection::vec(1usize..8, ndim),
        prop::option::of(1usize..3),
        0usize..4000,
    )
        .prop_flat_map(|(shape, channels, budget)| {
            let n: usize = shape.iter().product();
            let c = channels.unwrap_or(1);
            let chunks = shape.iter().map(|&s| 1..=s).collect::<Vec<_>>();
            (
                Just(shape),
                prop::collection::vec(0u8..4, n),
                prop::collection::vec(0u16..6, n * c),
                Just(channels),
                chunks,
                Just(budget),
            )
        })
        .prop_map(|(shape, labels, values, channels, chunks, budget)| {
            let mut ishape = shape.clone();
            ishape.extend(channels);
            (
                ArrayD::from_shape_vec(shape, labels).unwrap(),
                ArrayD::from_shape_vec(ishape, values).unwrap(),
                channels,
                chunks,
                budget,
            )
        })
}

fn check(
    labels: ArrayD<u8>,
    intensity: ArrayD<u16>,
    chunks: &[usize],
    budget: usize,
    spacing: &[f64],
) {
    let exec = Executor::new();
    let props = RegionProps::new()
        .with(&image_properties(labels.ndim()))
        .spacing(spacing);
    let intensity = ArraySource::new(intensity);
    let whole = props.run(&exec, &ArraySource::new(labels.clone()), Some(&intensity));
    let source = ArraySource::new(labels).with_chunks(chunks).unwrap();
    let chunked =
        props
            .clone()
            .chunks(chunks)
            .memory_budget(budget)
            .run(&exec, &source, Some(&intensity));
    match (whole, chunked) {
        (Ok(a), Ok(b)) => assert_same(&a, &b),
        // Coplanar 3-D objects have no Feret diameter, at any chunking.
        (Err(a), Err(b)) => {
            assert!(a.is_bad_input(), "{a}");
            assert_eq!(a.to_string(), b.to_string());
        }
        (a, b) => panic!("single chunk {:?} vs chunked {:?}", a.err(), b.err()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn chunked_equals_single_chunk_2d((labels, intensity, _, chunks, budget) in case(2)) {
        check(labels, intensity, &chunks, budget, &[0.5, 0.5]);
    }

    #[test]
    fn chunked_equals_single_chunk_3d((labels, intensity, _, chunks, budget) in case(3)) {
        check(labels, intensity, &chunks, budget, &[2.0, 0.5, 0.75]);
    }
}

#[test]
fn hand_checked_ring_and_median_per_channel() {
    // Label 1: a 3 × 3 ring (a hole, 8 pixels); label 2: one pixel.
    let labels = array![[1u8, 1, 1, 0], [1, 0, 1, 0], [1, 1, 1, 2],].into_dyn();
    let mut intensity = ArrayD::<u16>::zeros(vec![3, 4, 2]);
    for (k, v) in intensity.iter_mut().enumerate() {
        *v = k as u16;
    }
    let table = RegionProps::new()
        .properties(&[
            "label",
            "euler_number",
            "area_filled",
            "area_convex",
            "solidity",
            "intensity_median",
        ])
        .unwrap()
        .chunks(&[2, 1])
        .run(
            &Executor::new(),
            &ArraySource::new(labels).with_chunks(&[2, 1]).unwrap(),
            Some(&ArraySource::new(intensity)),
        )
        .unwrap();
    assert_eq!(
        table.names(),
        [
            "label",
            "euler_number",
            "area_filled",
            "area_convex",
            "solidity",
            "intensity_median-0",
            "intensity_median-1",
        ]
    );
    assert_eq!(table.column("euler_number"), Some(&Column::Int(vec![0, 1])));
    assert_eq!(table.float("area_filled"), Some(&[9.0, 1.0][..]));
    assert_eq!(table.float("area_convex"), Some(&[9.0, 1.0][..]));
    assert_eq!(table.float("solidity"), Some(&[8.0 / 9.0, 1.0][..]));
    // Channel 0 of the ring: 2 × (0, 1, 2, 4, 6, 8, 9, 10), median 2 × 5.
    assert_eq!(table.float("intensity_median-0"), Some(&[10.0, 22.0][..]));
    assert_eq!(table.float("intensity_median-1"), Some(&[11.0, 23.0][..]));
}

fn refusal(props: &[&str], shape: Vec<usize>, spacing: &[f64]) -> Error {
    let labels = ArraySource::new(ArrayD::from_elem(shape, 1u8));
    RegionProps::new()
        .properties(props)
        .unwrap()
        .spacing(spacing)
        .run::<_, ArraySource<u8>>(&Executor::new(), &labels, None)
        .unwrap_err()
}

#[test]
fn what_scikit_image_refuses_is_refused() {
    let err = refusal(&["perimeter"], vec![2, 3, 4], &[1.0; 3]);
    assert!(err.to_string().contains("2-D images only"), "{err}");
    let err = refusal(&["perimeter_crofton"], vec![3, 4], &[1.0, 2.0]);
    assert!(err.to_string().contains("isotropic spacing only"), "{err}");
    let err = refusal(&["feret_diameter_max"], vec![1, 3, 4], &[1.0; 3]);
    assert!(err.to_string().contains("coplanar"), "{err}");
    let err = refusal(&["intensity_median"], vec![3, 4], &[1.0; 2]);
    assert!(
        err.to_string().contains("needs an intensity image"),
        "{err}"
    );
    for object in ["image", "image_intensity", "coords"] {
        let err = refusal(&[object], vec![3, 4], &[1.0; 2]);
        assert!(
            matches!(err, Error::InvalidArgument(_)) && err.to_string().contains("map_objects"),
            "{err}"
        );
    }
}

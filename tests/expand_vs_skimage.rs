//! `expand_labels` against scikit-image and per-label hole filling against
//! scipy's `binary_fill_holes` per label and stardist's `fill_label_holes`
//! (fixtures/expand/make_fixtures.py), in memory and at several chunkings.

use ndarray::ArrayD;
use serde_json::Value;
use tesserae::labels::{ExpandLabels, FillLabelHoles, expand_labels, fill_label_holes};
use tesserae::ndmeasure::LabelValue;
use tesserae::{ArraySink, ArraySource, Executor};

fn load(name: &str) -> Value {
    let path = format!("{}/fixtures/expand/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn array<T: num_traits::NumCast>(case: &Value, key: &str) -> ArrayD<T> {
    let shape: Vec<usize> = serde_json::from_value(case["shape"].clone()).unwrap();
    let data: Vec<T> = case[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key}"))
        .iter()
        .map(|v| T::from(v.as_i64().unwrap()).unwrap())
        .collect();
    ArrayD::from_shape_vec(shape, data).unwrap()
}

/// Chunk shapes tried for every case: 1-voxel, small uneven, half, one chunk.
fn chunkings(shape: &[usize]) -> Vec<Vec<usize>> {
    vec![
        vec![1; shape.len()],
        shape.iter().enumerate().map(|(i, _)| 2 + i).collect(),
        shape.iter().map(|&n| n.div_ceil(2) + 1).collect(),
        shape.to_vec(),
    ]
}

fn chunked<L: LabelValue>(
    input: &ArrayD<L>,
    chunks: &[usize],
    run: impl Fn(&Executor, &ArraySource<L>, &mut ArraySink<L>),
) -> ArrayD<L> {
    let source = ArraySource::new(input.clone()).with_chunks(chunks).unwrap();
    let mut sink = ArraySink::<L>::new(input.shape());
    run(&Executor::new().threads(2).unwrap(), &source, &mut sink);
    sink.into_array()
}

fn expand_case<L: LabelValue + num_traits::NumCast>(name: &str) {
    let case = load(name);
    let labels = array::<L>(&case, "input");
    let expected = array::<L>(&case, "expected");
    let distance = case["distance"].as_f64().unwrap();
    let spacing: Vec<f64> = serde_json::from_value(case["spacing"].clone()).unwrap();
    let expand = ExpandLabels::new(distance).spacing(&spacing);
    assert_eq!(expand.apply(&labels.view()).unwrap(), expected, "{name}");
    if spacing.iter().all(|&s| s == 1.0) {
        assert_eq!(
            expand_labels(&labels.view(), distance).unwrap(),
            expected,
            "{name}"
        );
    }
    // Odd spacings decide near-ties by rounded sums: in memory only.
    if name.contains("odd") {
        return;
    }
    for chunks in chunkings(labels.shape()) {
        let out = chunked(&labels, &chunks, |e, s, k| {
            expand.clone().chunks(&chunks).run(e, s, k).unwrap()
        });
        assert_eq!(out, expected, "{name} chunks {chunks:?}");
    }
}

#[test]
fn expand_labels_equals_skimage() {
    expand_case::<u16>("expand2d_seeds");
    expand_case::<i32>("expand2d_lattice");
    expand_case::<u8>("expand2d_spacing");
    expand_case::<u32>("expand2d_far");
    expand_case::<u32>("expand3d_seeds");
    expand_case::<u16>("expand3d_lattice_spacing");
    expand_case::<u16>("expand3d_odd_spacing");
}

fn fill_case<L: LabelValue + num_traits::NumCast>(name: &str) {
    let case = load(name);
    let labels = array::<L>(&case, "input");
    for (overwrite, key) in [(false, "fill"), (true, "overwrite")] {
        let expected = array::<L>(&case, key);
        assert_eq!(
            fill_label_holes(&labels.view(), overwrite).unwrap(),
            expected,
            "{name} {key}"
        );
        for chunks in chunkings(labels.shape()) {
            let out = chunked(&labels, &chunks, |e, s, k| {
                FillLabelHoles::new()
                    .overwrite(overwrite)
                    .chunks(&chunks)
                    .run(e, s, k)
                    .unwrap()
            });
            assert_eq!(out, expected, "{name} {key} chunks {chunks:?}");
        }
    }
}

#[test]
fn fill_label_holes_equals_scipy_per_label() {
    fill_case::<u16>("fill2d_rings");
    fill_case::<i32>("fill2d_nested");
    fill_case::<u32>("fill3d_rings");
}

#[test]
fn bad_parameters_are_typed_errors() {
    let labels = ArrayD::<u8>::zeros(vec![4, 4]);
    for distance in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(ExpandLabels::new(distance).apply(&labels.view()).is_err());
    }
    assert!(
        ExpandLabels::new(1.0)
            .spacing(&[1.0])
            .apply(&labels.view())
            .is_err()
    );
    assert!(
        ExpandLabels::new(1.0)
            .spacing(&[1.0, 0.0])
            .apply(&labels.view())
            .is_err()
    );
    let source = ArraySource::new(labels.clone());
    let mut sink = ArraySink::<u8>::new(&[4, 5]);
    let exec = Executor::new();
    assert!(
        ExpandLabels::new(1.0)
            .run(&exec, &source, &mut sink)
            .is_err()
    );
    assert!(
        FillLabelHoles::new()
            .run(&exec, &source, &mut sink)
            .is_err()
    );
    // Nothing to expand or fill: all background stays background.
    assert_eq!(
        ExpandLabels::new(3.0).apply(&labels.view()).unwrap(),
        labels
    );
    assert_eq!(fill_label_holes(&labels.view(), true).unwrap(), labels);
}

//! Label operations against scikit-image's own output
//! (fixtures/labels/make_fixtures.py), in memory and at several chunkings.

use ndarray::ArrayD;
use serde_json::Value;
use tesserae::labels::{
    ClearBorder, RelabelSequential, RemoveObjects, RemoveSmallHoles, clear_border,
    relabel_sequential,
};
use tesserae::ndmeasure::{Connectivity, LabelValue};
use tesserae::{ArraySink, ArraySource, Executor};

fn load(name: &str) -> Value {
    let path = format!("{}/fixtures/labels/{name}.json", env!("CARGO_MANIFEST_DIR"));
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

fn pairs(case: &Value, key: &str) -> Vec<(u64, u64)> {
    serde_json::from_value(case[key].clone()).unwrap()
}

/// Chunk shapes tried for every case: 1-voxel, small uneven, and one chunk.
fn chunkings(shape: &[usize]) -> Vec<Vec<usize>> {
    vec![
        vec![1; shape.len()],
        shape.iter().enumerate().map(|(i, _)| 2 + i).collect(),
        shape.iter().map(|&n| n.div_ceil(2) + 1).collect(),
        shape.to_vec(),
    ]
}

fn chunked<T: LabelValue>(
    input: &ArrayD<T>,
    chunks: &[usize],
    run: impl Fn(&Executor, &ArraySource<T>, &mut ArraySink<T>),
) -> ArrayD<T> {
    let source = ArraySource::new(input.clone()).with_chunks(chunks).unwrap();
    let mut sink = ArraySink::<T>::new(input.shape());
    run(&Executor::new().threads(2).unwrap(), &source, &mut sink);
    sink.into_array()
}

fn check_labels<T: LabelValue + num_traits::NumCast>(name: &str) {
    let case = load(name);
    let input: ArrayD<T> = array(&case, "input");
    for offset in [1u64, 5] {
        let expected: ArrayD<T> = array(&case, &format!("relabel_{offset}"));
        let forward = pairs(&case, &format!("relabel_{offset}_forward"));
        let inverse = pairs(&case, &format!("relabel_{offset}_inverse"));
        let found = relabel_sequential(&input.view(), offset).unwrap();
        assert_eq!(found.labels, expected, "{name} relabel {offset}");
        assert_eq!(
            found.forward.iter().collect::<Vec<_>>(),
            forward,
            "{name} forward"
        );
        assert_eq!(
            found.inverse.iter().collect::<Vec<_>>(),
            inverse,
            "{name} inverse"
        );
        for chunks in chunkings(input.shape()) {
            let relabel = RelabelSequential::new().offset(offset).chunks(&chunks);
            let out = chunked(&input, &chunks, |e, s, k| {
                let (f, _) = relabel.run(e, s, k).unwrap();
                assert_eq!(f.iter().collect::<Vec<_>>(), forward);
            });
            assert_eq!(out, expected, "{name} relabel {offset} chunks {chunks:?}");
        }
    }
    for max_size in [0u64, 3, 10, 40] {
        let expected: ArrayD<T> = array(&case, &format!("small_{max_size}"));
        let remove = RemoveObjects::small(max_size);
        assert_eq!(
            remove.apply_labels(&input.view()).unwrap(),
            expected,
            "{name} small {max_size}"
        );
        // Removing the large objects keeps exactly what removing the small ones drops.
        let large = RemoveObjects::large(max_size)
            .apply_labels(&input.view())
            .unwrap();
        assert_eq!(&large + &expected, input, "{name} large {max_size}");
        for chunks in chunkings(input.shape()) {
            let remove = remove.clone().chunks(&chunks);
            let out = chunked(&input, &chunks, |e, s, k| {
                remove.run_labels(e, s, k).unwrap();
            });
            assert_eq!(out, expected, "{name} small {max_size} chunks {chunks:?}");
        }
    }
    for k in [1usize, 3] {
        let expected: ArrayD<T> = array(&case, &format!("largest_{k}"));
        let keep = RemoveObjects::keep_largest(k);
        assert_eq!(
            keep.apply_labels(&input.view()).unwrap(),
            expected,
            "{name} largest {k}"
        );
        let out = chunked(&input, &[2; 3][..input.ndim()], |e, s, k| {
            keep.run_labels(e, s, k).unwrap();
        });
        assert_eq!(out, expected, "{name} largest {k} chunked");
    }
    for (buffer, bgval) in [(0usize, 0i64), (1, 0), (2, 7)] {
        let expected: ArrayD<T> = array(&case, &format!("border_{buffer}_{bgval}"));
        let bg = T::from(bgval).unwrap();
        let found = clear_border(&input.view(), buffer, bg).unwrap();
        assert_eq!(found, expected, "{name} border {buffer} {bgval}");
        for chunks in chunkings(input.shape()) {
            let clear = ClearBorder::new()
                .buffer_size(buffer)
                .bgval(bg)
                .chunks(&chunks);
            let out = chunked(&input, &chunks, |e, s, k| {
                clear.run(e, s, k).unwrap();
            });
            assert_eq!(out, expected, "{name} border {buffer} chunks {chunks:?}");
        }
    }
}

fn check_mask(name: &str) {
    let case = load(name);
    let input: ArrayD<u8> = array(&case, "input");
    for connectivity in 1..=input.ndim() {
        for max_size in [1u64, 4, 12] {
            let expected: ArrayD<u8> = array(&case, &format!("small_c{connectivity}_{max_size}"));
            let remove =
                RemoveObjects::small(max_size).connectivity(Connectivity::Axes(connectivity));
            let found = remove.apply_mask(&input.view()).unwrap();
            assert_eq!(found, expected, "{name} c{connectivity} small {max_size}");
            for chunks in chunkings(input.shape()) {
                let remove = remove.clone().chunks(&chunks);
                let out = chunked(&input, &chunks, |e, s, k| {
                    remove.run_mask(e, s, k).unwrap();
                });
                assert_eq!(
                    out, expected,
                    "{name} c{connectivity} {max_size} chunks {chunks:?}"
                );
            }
            let expected: ArrayD<u8> = array(&case, &format!("holes_c{connectivity}_{max_size}"));
            let fill =
                RemoveSmallHoles::new(max_size).connectivity(Connectivity::Axes(connectivity));
            assert_eq!(
                fill.apply(&input.view()).unwrap(),
                expected,
                "{name} c{connectivity} holes {max_size}"
            );
            for chunks in chunkings(input.shape()) {
                let fill = fill.clone().chunks(&chunks);
                let out = chunked(&input, &chunks, |e, s, k| {
                    fill.run(e, s, k).unwrap();
                });
                assert_eq!(
                    out, expected,
                    "{name} c{connectivity} holes {max_size} chunks {chunks:?}"
                );
            }
        }
    }
    for buffer in [0usize, 1] {
        let expected: ArrayD<u8> = array(&case, &format!("border_{buffer}_0"));
        assert_eq!(
            clear_border(&input.view(), buffer, 0).unwrap(),
            expected,
            "{name} border {buffer}"
        );
        for chunks in chunkings(input.shape()) {
            let clear = ClearBorder::new().buffer_size(buffer).chunks(&chunks);
            let out = chunked(&input, &chunks, |e, s, k| {
                clear.run(e, s, k).unwrap();
            });
            assert_eq!(out, expected, "{name} border {buffer} chunks {chunks:?}");
        }
    }
}

#[test]
fn labels2d_u16_match_skimage() {
    check_labels::<u16>("labels2d_u16");
}

#[test]
fn labels3d_u32_match_skimage() {
    check_labels::<u32>("labels3d_u32");
}

#[test]
fn labels2d_i32_match_skimage() {
    check_labels::<i32>("labels2d_i32");
}

#[test]
fn mask2d_matches_skimage() {
    check_mask("mask2d");
}

#[test]
fn mask3d_matches_skimage() {
    check_mask("mask3d");
}

#[test]
fn bad_input_is_refused() {
    let labels = ndarray::array![[1i16, -1], [0, 2]].into_dyn();
    assert!(
        relabel_sequential(&labels.view(), 1).is_err(),
        "negative labels"
    );
    let labels = ndarray::array![[1u8, 2], [0, 2]].into_dyn();
    assert!(relabel_sequential(&labels.view(), 0).is_err(), "offset 0");
    assert!(
        relabel_sequential(&labels.view(), 255).is_err(),
        "256 does not fit u8"
    );
    assert!(
        clear_border(&labels.view(), 2, 0).is_err(),
        "buffer as large as the image"
    );
    let source = ArraySource::new(labels.clone());
    let mut sink = ArraySink::<u8>::new(&[3, 2]);
    let exec = Executor::new();
    assert!(
        RemoveObjects::small(1)
            .run_labels(&exec, &source, &mut sink)
            .is_err()
    );
    assert!(ClearBorder::new().run(&exec, &source, &mut sink).is_err());
}

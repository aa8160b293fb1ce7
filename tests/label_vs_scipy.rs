//! Labels equal scipy.ndimage.label's (and skimage.measure.label's in multilabel
//! mode), numbering included, in memory and for several chunkings.
//! Fixtures: fixtures/label/make_fixtures.py.

use std::path::{Path, PathBuf};

use ndarray::ArrayD;
use serde_json::Value;
use tesserae::ndmeasure::{Label, Structure, label};
use tesserae::{ArraySink, ArraySource, Element, Executor};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/label")
}

fn read_raw<T: Element>(path: &Path, shape: &[usize], from_le: fn(&[u8]) -> T) -> ArrayD<T> {
    let bytes = std::fs::read(path).unwrap();
    let size = std::mem::size_of::<T>();
    let values: Vec<T> = bytes.chunks_exact(size).map(from_le).collect();
    ArrayD::from_shape_vec(shape.to_vec(), values).unwrap()
}

struct Case {
    name: String,
    shape: Vec<usize>,
    label: Label,
    structure: Structure,
    expected: ArrayD<u32>,
    count: usize,
}

fn cases() -> Vec<(Case, Value)> {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("manifest.json")).unwrap())
            .unwrap();
    manifest
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let shape: Vec<usize> = c["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            let flags: Vec<bool> = c["structure"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64() == Some(1))
                .collect();
            let mask = ArrayD::from_shape_vec(vec![3; shape.len()], flags).unwrap();
            let structure = Structure::new(mask.view()).unwrap();
            let mut label = Label::with_structure(structure.clone())
                .multilabel(c["multilabel"].as_bool().unwrap());
            if let Some(t) = c["threshold"].as_f64() {
                label = label.threshold(t);
            }
            let expected = read_raw(
                &fixtures().join(c["expected"].as_str().unwrap()),
                &shape,
                |b| u16::from_le_bytes([b[0], b[1]]),
            )
            .mapv(u32::from);
            let case = Case {
                name: c["name"].as_str().unwrap().to_string(),
                shape,
                label,
                structure,
                expected,
                count: c["count"].as_u64().unwrap() as usize,
            };
            (case, c.clone())
        })
        .collect()
}

fn chunkings(shape: &[usize]) -> Vec<Vec<usize>> {
    let n = shape.len();
    let mut out = vec![
        vec![1; n],
        vec![2; n],
        vec![5; n],
        shape.iter().map(|&s| s.div_ceil(2) + 1).collect(),
    ];
    // Uneven per axis: 3, 4, 7, 2 ...
    out.push((0..n).map(|k| [3, 4, 7, 2][k % 4]).collect());
    out
}

fn check<T: Element>(case: &Case, image: ArrayD<T>) {
    let (labels, count) = case.label.apply(&image.view()).unwrap();
    assert_eq!(count, case.count, "{}: count in memory", case.name);
    assert_eq!(labels, case.expected, "{}: labels in memory", case.name);
    let exec = Executor::new().threads(2).unwrap();
    for chunks in chunkings(&case.shape) {
        let source = ArraySource::new(image.clone())
            .with_chunks(&chunks)
            .unwrap();
        let mut sink = ArraySink::<u32>::new(&case.shape);
        let count = case.label.run(&exec, &source, &mut sink).unwrap();
        assert_eq!(
            count, case.count,
            "{}: count with chunks {chunks:?}",
            case.name
        );
        assert_eq!(
            sink.into_array(),
            case.expected,
            "{}: labels with chunks {chunks:?}",
            case.name
        );
    }
}

#[test]
fn every_fixture_matches_at_every_chunking() {
    let cases = cases();
    assert_eq!(cases.len(), 50);
    for (case, raw) in &cases {
        let path = fixtures().join(raw["input"].as_str().unwrap());
        match raw["dtype"].as_str().unwrap() {
            "uint8" => check(case, read_raw(&path, &case.shape, |b| b[0])),
            "uint16" => check(
                case,
                read_raw(&path, &case.shape, |b| u16::from_le_bytes([b[0], b[1]])),
            ),
            "int16" => check(
                case,
                read_raw(&path, &case.shape, |b| i16::from_le_bytes([b[0], b[1]])),
            ),
            "float32" => check(
                case,
                read_raw(&path, &case.shape, |b| {
                    f32::from_le_bytes([b[0], b[1], b[2], b[3]])
                }),
            ),
            other => panic!("{}: unexpected dtype {other}", case.name),
        }
    }
}

#[test]
fn plain_function_matches_binary_fixtures() {
    for (case, raw) in cases() {
        if raw["dtype"] != "uint8" || raw["multilabel"].as_bool().unwrap() {
            continue;
        }
        let image = read_raw(
            &fixtures().join(raw["input"].as_str().unwrap()),
            &case.shape,
            |b| b[0],
        );
        let (labels, count) = label(&image.view(), &case.structure).unwrap();
        assert_eq!(
            (count, &labels),
            (case.count, &case.expected),
            "{}",
            case.name
        );
    }
}

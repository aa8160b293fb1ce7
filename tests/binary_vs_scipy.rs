//! Binary morphology, propagation and hole filling against scipy.ndimage (fixtures/morph,
//! made by its committed script), in memory and chunked, 1-voxel chunks and
//! chunks smaller than the halo included.

use std::path::Path;

use ndarray::ArrayD;
use serde_json::Value;
use tesserae::ndfilters::Footprint;
use tesserae::ndmeasure::Structure;
use tesserae::ndmorph::{BinaryMorphology, BinaryOp, BinaryPropagation, FillHoles};
use tesserae::{ArraySink, ArraySource, Executor, Region, Source};

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/morph"))
}

fn load(file: &str, shape: &[usize]) -> ArrayD<u8> {
    let bytes = std::fs::read(dir().join(file)).unwrap();
    ArrayD::from_shape_vec(shape.to_vec(), bytes).unwrap()
}

fn numbers(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

fn cases(op: &str) -> Vec<Value> {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("manifest.json")).unwrap())
            .unwrap();
    manifest
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["op"] == op)
        .cloned()
        .collect()
}

fn shape_of(case: &Value) -> Vec<usize> {
    numbers(&case["shape"])
        .iter()
        .map(|&n| n as usize)
        .collect()
}

fn chunkings(shape: &[usize]) -> Vec<Vec<usize>> {
    vec![
        shape.iter().map(|&n| n.div_ceil(2)).collect(),
        shape.iter().map(|&n| n.min(5)).collect(),
        shape.iter().map(|_| 2).collect(),
        shape.iter().map(|_| 1).collect(),
    ]
}

/// The case's structure with its origin.
fn footprint(case: &Value) -> Footprint {
    let fshape: Vec<usize> = numbers(&case["structure_shape"])
        .iter()
        .map(|&n| n as usize)
        .collect();
    let flags: Vec<bool> = numbers(&case["structure"])
        .iter()
        .map(|&v| v != 0)
        .collect();
    let origin: Vec<isize> = numbers(&case["origin"])
        .iter()
        .map(|&v| v as isize)
        .collect();
    Footprint::new(ArrayD::from_shape_vec(fshape, flags).unwrap().view())
        .unwrap()
        .with_origin(&origin)
        .unwrap()
}

#[test]
fn propagation_equals_scipy() {
    let cases = cases("propagation");
    assert_eq!(cases.len(), 6);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let shape = shape_of(&case);
        let image = load(case["input"].as_str().unwrap(), &shape);
        let expected = load(case["expected"].as_str().unwrap(), &shape);
        let mask = case["mask"].as_str().map(|m| load(m, &shape));
        let op = BinaryPropagation::new()
            .structure(footprint(&case))
            .border_value(case["border_value"].as_i64().unwrap() != 0);
        assert_eq!(
            op.apply(&image.view(), mask.as_ref().map(|m| m.view()).as_ref())
                .unwrap(),
            expected,
            "{name}"
        );
        for chunks in chunkings(&shape) {
            let source = ArraySource::new(image.clone())
                .with_chunks(&chunks)
                .unwrap();
            let mask = mask.clone().map(ArraySource::new);
            let mut sink = ArraySink::<u8>::new(&shape);
            op.clone()
                .chunks(&chunks)
                .run(
                    &Executor::new(),
                    &source,
                    mask.as_ref().map(|m| m as &dyn Source<Elem = u8>),
                    &mut sink,
                )
                .unwrap();
            assert_eq!(sink.into_array(), expected, "{name} chunks {chunks:?}");
        }
    }
}

#[test]
fn binary_morphology_equals_scipy() {
    let mut checked = 0;
    for op in BinaryOp::ALL {
        for case in cases(op.name()) {
            let name = case["name"].as_str().unwrap();
            let shape = shape_of(&case);
            let image = load(case["input"].as_str().unwrap(), &shape);
            let expected = load(case["expected"].as_str().unwrap(), &shape);
            let footprint = footprint(&case);
            let iterations = case["iterations"].as_i64().unwrap().max(0) as usize;
            let morph = BinaryMorphology::new(op)
                .structure(footprint)
                .iterations(iterations)
                .border_value(case["border_value"].as_i64().unwrap() != 0);
            let mask = case["mask"].as_str().map(|m| load(m, &shape));
            let whole = match &mask {
                Some(m) => morph.apply_masked(&image.view(), &m.view()).unwrap(),
                None => morph.apply(&image.view()).unwrap(),
            };
            assert_eq!(whole, expected, "{name}");
            if iterations == 0 {
                assert!(morph.lazy(ArraySource::new(image.clone())).is_err());
                checked += 1;
                continue;
            }
            for chunks in chunkings(&shape) {
                let source = ArraySource::new(image.clone());
                let m = morph.clone().chunks(&chunks);
                let out = match &mask {
                    Some(mask) => m
                        .lazy_masked(source, ArraySource::new(mask.clone()))
                        .unwrap()
                        .read(&Region::full(&shape)),
                    None => m.lazy(source).unwrap().read(&Region::full(&shape)),
                }
                .unwrap();
                assert_eq!(out, expected, "{name} chunks {chunks:?}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 40);
}

#[test]
fn fill_holes_equals_scipy() {
    let mut checked = 0;
    for case in cases("fill_holes") {
        let name = case["name"].as_str().unwrap();
        let shape = shape_of(&case);
        let image = load(case["input"].as_str().unwrap(), &shape);
        let expected = load(case["expected"].as_str().unwrap(), &shape);
        let flags: Vec<bool> = numbers(&case["structure"])
            .iter()
            .map(|&v| v != 0)
            .collect();
        let structure = Structure::new(
            ArrayD::from_shape_vec(vec![3; shape.len()], flags)
                .unwrap()
                .view(),
        )
        .unwrap();
        let fill = FillHoles::new().structure(structure);
        assert_eq!(fill.apply(&image.view()).unwrap(), expected, "{name}");
        for chunks in chunkings(&shape) {
            let source = ArraySource::new(image.clone())
                .with_chunks(&chunks)
                .unwrap();
            let mut sink = ArraySink::<u8>::new(&shape);
            fill.clone()
                .chunks(&chunks)
                .run(&Executor::new(), &source, &mut sink)
                .unwrap();
            assert_eq!(sink.into_array(), expected, "{name} chunks {chunks:?}");
        }
        checked += 1;
    }
    assert_eq!(checked, 8);
}

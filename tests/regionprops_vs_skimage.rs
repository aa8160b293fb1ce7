//! Region properties against scikit-image 0.26's `regionprops_table`, on the
//! fixtures made by `fixtures/regionprops/make_fixtures.py`, at several
//! chunkings down to tiny ones: the one-pass properties and the object-image
//! ones (perimeters, euler_number, convex area, solidity, Feret diameter,
//! filled area, intensity median), whose boxes span many chunks.

use std::path::Path;

use ndarray::ArrayD;
use serde_json::Value;
use tesserae::ndmeasure::{Column, RegionProps, RegionTable};
use tesserae::{ArraySource, Element, Executor};

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/regionprops")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn array<T: num_traits::NumCast>(case: &Value, values: &str, shape: &str) -> ArrayD<T> {
    let shape: Vec<usize> = serde_json::from_value(case[shape].clone()).unwrap();
    let data: Vec<T> = case[values]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| num_traits::cast(v.as_f64().unwrap()).unwrap())
        .collect();
    ArrayD::from_shape_vec(shape, data).unwrap()
}

/// The relative tolerance of the comparison, and the absolute floor for the
/// entries that cancel to (nearly) zero, relative to the largest entry of
/// the same property in the same row.
const RELATIVE: f64 = 1e-6;
const FLOOR: f64 = 1e-12;

fn property_of(column: &str) -> &str {
    column.split('-').next().unwrap_or(column)
}

fn compare(case: &Value, table: &RegionTable, what: &str) {
    let names: Vec<String> = serde_json::from_value(case["columns"].clone()).unwrap();
    assert_eq!(table.names(), &names[..], "{what}: column names");
    let expected = case["values"].as_array().unwrap();
    let rows = expected[0].as_array().unwrap().len();
    assert_eq!(table.len(), rows, "{what}: rows");
    for row in 0..rows {
        // NaN is null, the infinities "inf" and "-inf".
        let value = |c: usize| match &expected[c][row] {
            Value::String(s) => s.parse().unwrap(),
            v => v.as_f64().unwrap_or(f64::NAN),
        };
        for (c, (name, column)) in names.iter().zip(table.columns()).enumerate() {
            let e = value(c);
            match column {
                Column::UInt(v) => assert_eq!(v[row] as f64, e, "{what}: {name} row {row}"),
                Column::Int(v) => assert_eq!(v[row] as f64, e, "{what}: {name} row {row}"),
                Column::Float(v) => {
                    let f = v[row];
                    if e.is_nan() || f.is_nan() {
                        assert!(
                            e.is_nan() && f.is_nan(),
                            "{what}: {name} row {row}: {f} vs {e}"
                        );
                        continue;
                    }
                    if e.is_infinite() || f.is_infinite() {
                        assert_eq!(f, e, "{what}: {name} row {row}");
                        continue;
                    }
                    let scale = names
                        .iter()
                        .enumerate()
                        .filter(|(_, n)| property_of(n) == property_of(name))
                        .map(|(k, _)| value(k).abs())
                        .filter(|x| x.is_finite())
                        .fold(0.0, f64::max);
                    let tolerance = RELATIVE * e.abs().max(f.abs()) + FLOOR * scale;
                    assert!(
                        (f - e).abs() <= tolerance,
                        "{what}: {name} row {row}: {f} vs scikit-image {e}"
                    );
                }
            }
        }
    }
}

fn run_case<T: Element + num_traits::NumCast>(name: &str, chunkings: &[&[usize]]) {
    let case = load(name);
    let labels = array::<u32>(&case, "labels", "shape");
    let intensity = case["intensity"]
        .is_array()
        .then(|| array::<T>(&case, "intensity", "intensity_shape"));
    let properties: Vec<String> = serde_json::from_value(case["properties"].clone()).unwrap();
    let mut builder = RegionProps::new().properties(&properties).unwrap();
    if let Some(spacing) = case["spacing"].as_array() {
        let spacing: Vec<f64> = spacing.iter().map(|v| v.as_f64().unwrap()).collect();
        builder = builder.spacing(&spacing);
    }
    let exec = Executor::new();
    // Odd chunkings run the object-image pass one object per batch.
    for (i, chunks) in chunkings.iter().enumerate() {
        let source = ArraySource::new(labels.clone())
            .with_chunks(chunks)
            .unwrap();
        let values = intensity.clone().map(ArraySource::new);
        let table = builder
            .clone()
            .chunks(chunks)
            .memory_budget(if i % 2 == 1 { 1 } else { 256 << 20 })
            .run(&exec, &source, values.as_ref())
            .unwrap();
        compare(&case, &table, &format!("{name} chunks {chunks:?}"));
    }
}

const CHUNKS_2D: &[&[usize]] = &[&[40, 48], &[7, 5], &[1, 48], &[16, 3], &[2, 3]];
const CHUNKS_3D: &[&[usize]] = &[&[16, 20, 24], &[5, 6, 7], &[2, 20, 3], &[1, 3, 2]];

#[test]
fn shapes_2d_u16_intensity() {
    run_case::<u16>("shapes2d_u16", CHUNKS_2D);
}

#[test]
fn shapes_2d_f32_intensity_anisotropic_spacing() {
    run_case::<f32>("shapes2d_f32_spacing", CHUNKS_2D);
}

#[test]
fn shapes_2d_multichannel_intensity() {
    run_case::<f32>("shapes2d_multichannel", CHUNKS_2D);
}

#[test]
fn shapes_2d_without_intensity_isotropic_spacing() {
    run_case::<u8>("shapes2d_no_intensity", CHUNKS_2D);
}

#[test]
fn shapes_3d_u16_intensity() {
    run_case::<u16>("shapes3d_u16", CHUNKS_3D);
}

#[test]
fn shapes_3d_f32_intensity_anisotropic_spacing() {
    run_case::<f32>("shapes3d_f32_spacing", CHUNKS_3D);
}

#[test]
fn shapes_3d_multichannel_intensity_anisotropic_spacing() {
    run_case::<u16>("shapes3d_multichannel", CHUNKS_3D);
}

#[test]
fn shapes_3d_feret_diameter_anisotropic_spacing() {
    run_case::<u8>("shapes3d_feret", CHUNKS_3D);
}

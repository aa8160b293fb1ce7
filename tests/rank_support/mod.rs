//! Shared by the rank and grey morphology tests: the scipy fixtures of
//! fixtures/rank (made by fixtures/rank/make_fixtures.py) and their options.

use std::path::{Path, PathBuf};

use ndarray::ArrayD;
use serde_json::Value;
use tesserae::Element;
use tesserae::engine::BoundaryMode;
use tesserae::ndfilters::Footprint;

/// The fixture folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rank")
}

/// Every case of `group` ("rank" or "grey") in the manifest.
pub fn cases(group: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(fixtures().join("manifest.json")).unwrap();
    let manifest: Value = serde_json::from_str(&text).unwrap();
    manifest["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["group"] == group)
        .cloned()
        .collect()
}

/// Element types that can be read from little-endian bytes.
pub trait FromLe: Element {
    /// The value of `bytes` (exactly `size_of::<Self>()` of them).
    fn from_le(bytes: &[u8]) -> Self;
}

macro_rules! from_le {
    ($($t:ty),*) => {$(
        impl FromLe for $t {
            fn from_le(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().unwrap())
            }
        }
    )*};
}
from_le!(u8, u16, f32, f64);

/// `shape` elements of `T` read from `file` at byte `offset`.
pub fn read_raw<T: FromLe>(file: &str, offset: usize, shape: &[usize]) -> ArrayD<T> {
    let bytes = std::fs::read(fixtures().join(file)).unwrap();
    let size = std::mem::size_of::<T>();
    let count: usize = shape.iter().product();
    let values = bytes[offset..offset + count * size]
        .chunks_exact(size)
        .map(T::from_le)
        .collect();
    ArrayD::from_shape_vec(shape.to_vec(), values).unwrap()
}

/// A list of integers.
pub fn ints<T: TryFrom<i64>>(v: &Value) -> Vec<T> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| T::try_from(x.as_i64().unwrap()).ok().unwrap())
        .collect()
}

/// A list of integers, or one integer as a list of one.
pub fn one_or_many<T: TryFrom<i64>>(v: &Value) -> Vec<T> {
    if v.is_array() {
        ints(v)
    } else {
        vec![T::try_from(v.as_i64().unwrap()).ok().unwrap()]
    }
}

/// An array stored as `{"shape": [...], "values": [...]}`.
pub fn array(v: &Value) -> ArrayD<f64> {
    let shape: Vec<usize> = ints(&v["shape"]);
    let values = v["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    ArrayD::from_shape_vec(shape, values).unwrap()
}

/// The case's footprint, when it has one.
pub fn footprint(case: &Value) -> Option<Footprint> {
    case.get("footprint").map(|f| {
        let mask = array(f).mapv(|v| v != 0.0);
        Footprint::new(mask.view()).unwrap()
    })
}

/// The case's boundary mode.
pub fn mode(case: &Value) -> BoundaryMode {
    match case["mode"].as_str().unwrap() {
        "reflect" => BoundaryMode::Reflect,
        "mirror" => BoundaryMode::Mirror,
        "nearest" => BoundaryMode::Nearest,
        "wrap" => BoundaryMode::Wrap,
        "constant" => BoundaryMode::Constant(case["cval"].as_f64().unwrap()),
        other => panic!("unknown mode {other}"),
    }
}

/// The input and scipy's output of a case.
pub fn data<T: FromLe>(case: &Value) -> (ArrayD<T>, ArrayD<T>) {
    let shape: Vec<usize> = ints(&case["shape"]);
    let input = read_raw(case["input"].as_str().unwrap(), 0, &shape);
    let offset = case["offset"].as_u64().unwrap() as usize;
    let expected = read_raw(case["expected"].as_str().unwrap(), offset, &shape);
    (input, expected)
}

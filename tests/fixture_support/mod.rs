//! Fixture files shared by the tests: raw little-endian C-order arrays next to
//! a `manifest.json`, read as the element type their manifest names.

use std::path::{Path, PathBuf};

use ndarray::ArrayD;
use tesserae::Element;

/// The folder `fixtures/<group>`.
pub fn fixtures(group: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(group)
}

/// The `manifest.json` of `fixtures/<group>`.
pub fn manifest(group: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(fixtures(group).join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Element types read from little-endian bytes.
pub trait Raw: Element {
    /// The value of `bytes` (`size_of::<Self>()` of them).
    fn from_le(bytes: &[u8]) -> Self;
}

macro_rules! raw {
    ($($t:ty),*) => {$(
        impl Raw for $t {
            fn from_le(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().unwrap())
            }
        }
    )*};
}
raw!(u8, u16, u32, u64, i8, i16, i32, i64, f32, f64);

/// The array of `shape` in the raw file `path`.
pub fn read_raw<T: Raw>(path: &Path, shape: &[usize]) -> ArrayD<T> {
    let bytes = std::fs::read(path).unwrap();
    let size = std::mem::size_of::<T>();
    assert_eq!(
        bytes.len(),
        size * shape.iter().product::<usize>(),
        "{}",
        path.display()
    );
    let values = bytes.chunks_exact(size).map(T::from_le).collect();
    ArrayD::from_shape_vec(shape.to_vec(), values).unwrap()
}

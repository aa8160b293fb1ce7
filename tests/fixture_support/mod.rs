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

/// The input array `name` of `fixtures/<group>`, of the shape its manifest gives.
pub fn input<T: Raw>(group: &str, manifest: &serde_json::Value, name: &str) -> ArrayD<T> {
    let shape: Vec<usize> =
        serde_json::from_value(manifest["inputs"][name]["shape"].clone()).unwrap();
    read_raw(&fixtures(group).join(format!("{name}.bin")), &shape)
}

/// The footprint a manifest case names (`footprint`: flags in C order,
/// `footprint_shape`, `offset`: scikit-image's centre or null), if any.
pub fn case_footprint(case: &serde_json::Value) -> Option<tesserae::ndfilters::Footprint> {
    let flags = case["footprint"].as_array()?;
    let shape: Vec<usize> = serde_json::from_value(case["footprint_shape"].clone()).unwrap();
    let mask = ArrayD::from_shape_vec(
        shape.clone(),
        flags.iter().map(|f| f.as_u64() == Some(1)).collect(),
    )
    .unwrap();
    let mut fp = tesserae::ndfilters::Footprint::new(mask.view()).unwrap();
    if let Some(offset) = case["offset"].as_array() {
        let origin: Vec<isize> = offset
            .iter()
            .zip(&shape)
            .map(|(o, &n)| o.as_i64().unwrap() as isize - (n / 2) as isize)
            .collect();
        fp = fp.with_origin(&origin).unwrap();
    }
    Some(fp)
}

/// The chunkings a fixture case runs at: one chunk, 1-voxel chunks, chunks
/// that do not divide the shape, and thin slabs.
pub fn chunkings(shape: &[usize]) -> Vec<Vec<usize>> {
    let odd: Vec<usize> = shape
        .iter()
        .enumerate()
        .map(|(k, &n)| (n / 3 + k).max(1))
        .collect();
    let mut slab = shape.to_vec();
    slab[0] = 2.min(shape[0]);
    vec![shape.to_vec(), vec![1; shape.len()], odd, slab]
}

/// The `tesserae` binary, quiet.
pub fn tesserae() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("tesserae").expect("binary builds");
    cmd.arg("--quiet");
    cmd
}

/// Writes `array` to a TIFF or Zarr file, in chunks of about a third of
/// every axis.
pub fn write_array<T: Element>(path: &Path, array: &ArrayD<T>) {
    use tesserae::Sink;
    let chunks: Vec<usize> = array.shape().iter().map(|&n| n.div_ceil(3)).collect();
    let options = tesserae::io::WriteOptions::default();
    let mut sink = tesserae::io::create::<T>(path, array.shape(), &chunks, &options).unwrap();
    sink.write(&tesserae::Region::full(array.shape()), array.view())
        .unwrap();
    sink.commit().unwrap();
}

/// Reads a whole TIFF or Zarr file.
pub fn read_array<T: Element>(path: &Path) -> ArrayD<T> {
    use tesserae::Source;
    let source = tesserae::io::open::<T>(path).unwrap();
    source
        .read(&tesserae::Region::full(source.shape()))
        .unwrap()
}

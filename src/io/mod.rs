//! File formats: TIFF stacks and Zarr arrays as [`Source`](crate::Source)s and
//! [`Sink`](crate::Sink)s, chosen by path.
//!
//! A path ending in `.tif`/`.tiff` is a TIFF file; a path with a component ending
//! in `.zarr` is a Zarr array (`store.zarr/path/to/array` selects an array inside
//! a group).

use std::path::{Path, PathBuf};

use crate::engine::{DataType, Element, Sink, Source, VoxelSize};
use crate::error::{Error, Result};

pub mod metadata;
pub mod png;
pub mod tiff;
pub mod zarr;

/// What a file holds, read from its header without decoding pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageInfo {
    /// The array shape (`[z, y, x]` for a z-stack, `[y, x]` for a plane).
    pub shape: Vec<usize>,
    /// The element type.
    pub dtype: DataType,
    /// The native chunk shape (TIFF: one strip or tile of one page; Zarr: its chunks).
    pub chunk_shape: Vec<usize>,
    /// The physical voxel size, when the file records it.
    pub voxel_size: Option<VoxelSize>,
    /// A one-word description of the storage (`tiff`, `bigtiff`, `zarr v3`, …) and its compression.
    pub format: String,
}

/// Compression for written files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compression {
    /// No compression.
    None,
    /// Zstandard (Zarr) — the Zarr default.
    #[default]
    Zstd,
    /// Deflate (TIFF, Zarr gzip).
    Deflate,
    /// LZW (TIFF only).
    Lzw,
}

/// Options for creating an output file.
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    /// Replace an existing output instead of refusing.
    pub overwrite: bool,
    /// The voxel size to record in the file's metadata.
    pub voxel_size: Option<VoxelSize>,
    /// The compression (TIFF writes uncompressed unless asked; Zarr defaults to zstd).
    pub compression: Option<Compression>,
    /// Zarr only: inner chunk shape, which turns sharding on (outer chunks become shards).
    pub shard_inner_chunks: Option<Vec<usize>>,
}

/// The file formats tesserae reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A TIFF file (classic or BigTIFF), one page per z-plane.
    Tiff,
    /// A Zarr array (v2 read, v3 read and write).
    Zarr,
}

impl Format {
    /// The format a path names by its extension.
    ///
    /// ```
    /// use tesserae::io::Format;
    /// assert_eq!(Format::of("stack.tif".as_ref()).unwrap(), Format::Tiff);
    /// assert_eq!(Format::of("vol.zarr/labels/0".as_ref()).unwrap(), Format::Zarr);
    /// assert!(Format::of("table.csv".as_ref()).is_err());
    /// ```
    pub fn of(path: &Path) -> Result<Format> {
        if path.components().any(|c| {
            c.as_os_str()
                .to_string_lossy()
                .to_lowercase()
                .ends_with(".zarr")
        }) {
            return Ok(Format::Zarr);
        }
        match path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .as_deref()
        {
            Some("tif" | "tiff") => Ok(Format::Tiff),
            _ => Err(Error::unsupported(
                path,
                "file type (expected .tif, .tiff or .zarr)",
            )),
        }
    }
}

/// Reads the header of a TIFF file or Zarr array.
///
/// ```no_run
/// let info = tesserae::io::probe("stack.tif".as_ref())?;
/// println!("{:?} {}", info.shape, info.dtype);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn probe(path: &Path) -> Result<ImageInfo> {
    match Format::of(path)? {
        Format::Tiff => tiff::probe(path),
        Format::Zarr => zarr::probe(path),
    }
}

/// A temporary sibling path for `path`, for writing before an atomic rename.
pub(crate) fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// Opens a TIFF file or Zarr array as a typed [`Source`](crate::Source).
///
/// Fails with [`Error::DataTypeMismatch`] when `T` is not the file's element
/// type; dispatch on [`probe`]'s `dtype` with [`with_dtype!`](crate::with_dtype)
/// to open a file of any type.
///
/// ```no_run
/// use tesserae::{io, with_dtype, Source};
///
/// let path = std::path::Path::new("stack.tif");
/// let info = io::probe(path)?;
/// with_dtype!(info.dtype, T => {
///     let source = io::open::<T>(path)?;
///     println!("{:?}", source.shape());
/// });
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn open<T: Element>(path: &Path) -> Result<Box<dyn Source<Elem = T>>> {
    Ok(match Format::of(path)? {
        Format::Tiff => Box::new(tiff::TiffSource::<T>::open(path)?),
        Format::Zarr => Box::new(zarr::ZarrSource::<T>::open(path)?),
    })
}

/// Creates a TIFF file or Zarr array as a typed [`Sink`](crate::Sink).
///
/// `chunks` is the Zarr chunk shape; a TIFF sink chooses its own slabs of
/// whole planes. Nothing is visible at `path` until [`Sink::commit`](crate::Sink::commit).
///
/// ```no_run
/// use tesserae::{io, Sink};
///
/// let mut sink = io::create::<u16>("out.zarr".as_ref(), &[64, 512, 512], &[32, 256, 256], &Default::default())?;
/// sink.commit()?;
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn create<T: Element>(
    path: &Path,
    shape: &[usize],
    chunks: &[usize],
    options: &WriteOptions,
) -> Result<Box<dyn Sink<Elem = T>>> {
    Ok(match Format::of(path)? {
        Format::Tiff => Box::new(tiff::TiffSink::<T>::create(path, shape, options)?),
        Format::Zarr => Box::new(zarr::ZarrSink::<T>::create(path, shape, chunks, options)?),
    })
}

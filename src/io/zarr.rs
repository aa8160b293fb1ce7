//! Zarr arrays as [`Source`]s ([`ZarrSource`]) and [`Sink`]s ([`ZarrSink`]), on
//! [zarrs](https://docs.rs/zarrs).
//!
//! # Paths
//!
//! A path is split at its first component ending in `.zarr`: that directory is
//! the store root and the rest is the node inside it. `store.zarr` names the
//! node at the root; `store.zarr/labels/0` names the node `/labels/0`. A node is
//! either an array, or an [OME-Zarr](https://ngff.openmicroscopy.org) multiscales
//! group, whose level 0 is opened ([`ZarrSource::open_level`] picks another).
//!
//! # Reading
//!
//! Zarr v2 and v3 arrays are read with any codec zarrs supports (blosc, zstd,
//! gzip, zlib, sharding, transpose, crc32c, …) and the ten element types of
//! [`DataType`]; anything else is [`Error::Unsupported`], naming the data type
//! or codec. A chunk absent from the store reads as the fill value.
//!
//! The native [`Source::chunk_shape`] of a sharded array is its **inner chunk**
//! shape: that is the unit zarrs decodes on its own (a region read inside one
//! inner chunk reads only that chunk's bytes from the shard), and it keeps the
//! memory per task small while shards are often hundreds of MiB. (When codecs
//! follow the sharding codec, a shard decodes only as a whole, and the shard
//! shape is the chunk shape.) A [`ZarrSink`]'s chunk shape is the shard shape:
//! a shard is written whole, or re-encoded whole.
//!
//! # Voxel size
//!
//! - An OME-Zarr multiscales group (v0.4: `multiscales` in the `.zattrs` of a v2
//!   group; v0.5: `ome.multiscales` in the attributes of a v3 group): the `scale`
//!   coordinate transformation of the chosen dataset, multiplied by the
//!   multiscale's global `scale` when there is one. When `axes` are given, only
//!   the axes of type `space` are kept (in array order), with their unit when all
//!   of them agree on it; so a `(c, y, x)` image has a two-entry voxel size.
//! - An array opened directly whose parent group is such a multiscales group and
//!   lists it as a dataset: the same.
//! - An array written by [`ZarrSink`]: the attribute
//!   `"tesserae": {"voxel_size": [..], "unit": ".."}` (unit optional).
//!
//! # Writing
//!
//! [`ZarrSink`] writes a Zarr v3 array (never a group) with fill value 0, zstd
//! level 3 by default ([`Compression::Deflate`] writes gzip level 6,
//! [`Compression::None`] no compression), and sharding when
//! [`WriteOptions::shard_inner_chunks`] is set (the chunk shape then is the shard
//! shape). The array is built in a temporary sibling directory and renamed into
//! place by [`Sink::commit`]; unaligned writes are assembled in memory, chunk by
//! chunk, rather than read back and re-encoded (see [`ZarrSink`]). An array path
//! inside a store (`store.zarr/labels`) writes only the array's own directory:
//! the parent directory must exist, and no group metadata is written for it.
//!
//! # Threads
//!
//! zarrs parallelises codecs (and blosc its own threads) up to a concurrency
//! target. An operation on a single chunk runs with a target of 1, so the
//! engine's per-chunk parallelism is not multiplied by zarrs'; an operation
//! spanning several chunks uses the current rayon pool's thread count, and zarrs
//! runs it on that pool.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::marker::PhantomData;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ndarray::{ArrayD, ArrayViewD};
use rayon::prelude::*;
use serde_json::{Value, json};
use zarrs::array::codec::{GzipCodec, ZstdCodec};
use zarrs::array::data_type::{
    Float32DataType, Float64DataType, Int8DataType, Int16DataType, Int32DataType, Int64DataType,
    UInt8DataType, UInt16DataType, UInt32DataType, UInt64DataType,
};
use zarrs::array::{
    Array, ArrayBuilder, ArrayCreateError, ArrayError, ArrayMetadata, ArrayShardedExt, ArraySubset,
    BytesToBytesCodecTraits, CodecError, CodecOptions, FillValue,
};
use zarrs::filesystem::FilesystemStore;
use zarrs::plugin::PluginCreateError;
use zarrs::storage::StorageError;

use crate::engine::{
    ChunkGrid, DataType, Element, Region, Sink, Source, VoxelSize, check_chunks, check_region,
    check_write,
};
use crate::error::{Error, Result};
use crate::io::{Compression, ImageInfo, WriteOptions, temporary_path};

mod ome;

use ome::{Multiscale, attribute_voxel_size, parent_voxel_size, read_group};

/// The zstd level [`ZarrSink`] writes with by default.
const ZSTD_LEVEL: i32 = 3;
/// The gzip level of [`Compression::Deflate`].
const GZIP_LEVEL: u32 = 6;
/// The attribute key of the voxel size written by [`ZarrSink`].
const ATTRIBUTE_KEY: &str = "tesserae";

/// Reads the header of a Zarr array (or level 0 of an OME-Zarr multiscales group)
/// without decoding any chunk.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// use tesserae::io::{zarr::ZarrSink, WriteOptions};
/// use tesserae::{DataType, Sink};
///
/// let path = dir.path().join("probe.zarr");
/// let mut sink = ZarrSink::<u16>::create(&path, &[4, 6], &[2, 3], &WriteOptions::default())?;
/// sink.commit()?;
/// let info = tesserae::io::zarr::probe(&path)?;
/// assert_eq!((info.shape, info.dtype, info.chunk_shape), (vec![4, 6], DataType::U16, vec![2, 3]));
/// assert_eq!(info.format, "zarr v3 zstd");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn probe(path: &Path) -> Result<ImageInfo> {
    let opened = Opened::open(path, 0)?;
    Ok(ImageInfo {
        shape: opened.shape.clone(),
        dtype: opened.dtype,
        chunk_shape: opened.chunks.clone(),
        voxel_size: opened.voxel_size.clone(),
        format: opened.format(),
    })
}

/// A Zarr array (v2 or v3) read region by region.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// use ndarray::ArrayD;
/// use tesserae::io::{zarr::{ZarrSink, ZarrSource}, WriteOptions};
/// use tesserae::{Region, Sink, Source};
///
/// let path = dir.path().join("image.zarr");
/// let image = ArrayD::from_shape_fn(vec![4, 6], |i| (i[0] * 6 + i[1]) as u8);
/// let mut sink = ZarrSink::<u8>::create(&path, &[4, 6], &[2, 4], &WriteOptions::default())?;
/// sink.write(&Region::full(&[4, 6]), image.view())?;
/// sink.commit()?;
///
/// let source = ZarrSource::<u8>::open(&path)?;
/// assert_eq!(source.chunk_shape(), &[2, 4]);
/// let part = source.read(&Region::new(vec![1, 3], vec![2, 2]))?;
/// assert_eq!(part.iter().copied().collect::<Vec<_>>(), vec![9, 10, 15, 16]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ZarrSource<T> {
    opened: Opened,
    element: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for ZarrSource<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZarrSource")
            .field("path", &self.opened.path)
            .field("shape", &self.opened.shape)
            .field("dtype", &self.opened.dtype)
            .field("chunks", &self.opened.chunks)
            .finish()
    }
}

impl<T: Element> ZarrSource<T> {
    /// Opens the array at `path`, or level 0 of the OME-Zarr multiscales group there.
    ///
    /// Fails with [`Error::DataTypeMismatch`] when the array does not hold `T`.
    ///
    /// ```
    /// use tesserae::io::zarr::ZarrSource;
    /// let missing = ZarrSource::<u8>::open("no/such/image.zarr".as_ref());
    /// assert!(matches!(missing, Err(tesserae::Error::NotFound { .. })));
    /// ```
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_level(path, 0)
    }

    /// Opens resolution level `level` of the OME-Zarr multiscales group at `path`
    /// (`datasets[level]`); for a plain array only level 0 exists.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// use tesserae::io::{zarr::{ZarrSink, ZarrSource}, WriteOptions};
    /// use tesserae::Sink;
    ///
    /// let path = dir.path().join("plain.zarr");
    /// ZarrSink::<f32>::create(&path, &[3, 3], &[3, 3], &WriteOptions::default())?.commit()?;
    /// assert!(ZarrSource::<f32>::open_level(&path, 0).is_ok());
    /// assert!(ZarrSource::<f32>::open_level(&path, 1).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_level(path: &Path, level: usize) -> Result<Self> {
        let opened = Opened::open(path, level)?;
        if opened.dtype != T::DTYPE {
            return Err(Error::DataTypeMismatch {
                expected: T::DTYPE,
                found: opened.dtype,
            });
        }
        Ok(ZarrSource {
            opened,
            element: PhantomData,
        })
    }
}

impl<T: Element> Source for ZarrSource<T> {
    type Elem = T;

    fn shape(&self) -> &[usize] {
        &self.opened.shape
    }

    fn chunk_shape(&self) -> &[usize] {
        &self.opened.chunks
    }

    fn read(&self, region: &Region) -> Result<ArrayD<T>> {
        check_region(&self.opened.shape, region)?;
        if region.is_empty() {
            return ArrayD::from_shape_vec(region.shape().to_vec(), Vec::new())
                .map_err(|e| Error::Failed(e.to_string()));
        }
        let grid = ChunkGrid::new(&self.opened.shape, &self.opened.chunks)?;
        let options = codec_options(grid.chunks_overlapping(region).nth(1).is_none());
        self.opened
            .array
            .retrieve_array_subset_opt::<ArrayD<T>>(&subset(region), &options)
            .map_err(|e| array_error(&self.opened.path, e))
    }

    fn voxel_size(&self) -> Option<VoxelSize> {
        self.opened.voxel_size.clone()
    }
}

/// A Zarr v3 array written region by region, made visible by [`Sink::commit`].
///
/// Writes of whole chunks (the regions of [`Sink::chunk_shape`]) are encoded
/// and stored at once. The parts of a write that cover a chunk only partly are
/// copied into an in-memory buffer for that chunk, which is encoded and stored
/// as soon as writes have covered it, or at commit (the unwritten rest keeps
/// the fill value 0). Chunks are never read back and re-encoded, so writes of
/// disjoint regions from several threads are correct however they are cut; the
/// memory held is the partly written chunks (for row-by-row writes, one row of
/// chunks). Every voxel is written once: a write into a chunk that is already
/// complete is an [`Error::InvalidArgument`]. Dropping the sink without
/// committing removes everything it wrote.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// use ndarray::ArrayD;
/// use tesserae::io::{zarr::{ZarrSink, ZarrSource}, Compression, WriteOptions};
/// use tesserae::{Region, Sink, Source, VoxelSize};
///
/// let path = dir.path().join("out.zarr");
/// let options = WriteOptions {
///     voxel_size: Some(VoxelSize::new(vec![2.0, 0.5], Some("micrometer".into()))),
///     compression: Some(Compression::Deflate),
///     ..WriteOptions::default()
/// };
/// let mut sink = ZarrSink::<i16>::create(&path, &[3, 5], &[2, 2], &options)?;
/// sink.write(&Region::new(vec![1, 1], vec![2, 3]), ArrayD::from_elem(vec![2, 3], -4i16).view())?;
/// assert!(!path.exists());
/// sink.commit()?;
///
/// let source = ZarrSource::<i16>::open(&path)?;
/// let all = source.read(&Region::full(&[3, 5]))?;
/// assert_eq!((all[[0, 1]], all[[1, 1]], all[[2, 3]], all[[2, 4]]), (0, -4, -4, 0));
/// assert_eq!(source.voxel_size(), options.voxel_size);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ZarrSink<T> {
    array: Array<FilesystemStore>,
    path: PathBuf,
    temporary: PathBuf,
    overwrite: bool,
    grid: ChunkGrid,
    zarr_chunks: Vec<usize>,
    /// Chunks assembled from partial writes, by linear chunk index.
    partial: Mutex<HashMap<usize, Partial<T>>>,
    /// One bit per chunk: stored whole, or completed from partial writes.
    stored: Vec<AtomicU64>,
    committed: bool,
    element: PhantomData<fn(T)>,
}

impl<T> std::fmt::Debug for ZarrSink<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZarrSink")
            .field("path", &self.path)
            .field("shape", &self.grid.shape())
            .field("chunks", &self.grid.chunk_shape())
            .field("committed", &self.committed)
            .finish()
    }
}

impl<T: Element> ZarrSink<T> {
    /// Creates a Zarr v3 array of `shape` with chunks `chunks` (clipped to the
    /// array), to appear at `path` on [`Sink::commit`].
    ///
    /// Fails with [`Error::Exists`] when `path` exists and `options.overwrite` is
    /// not set (with it, the old output is replaced only at commit), with
    /// [`Error::InvalidArgument`] for a chunk shape with a zero or of the wrong
    /// rank, an inner (shard) chunk shape that does not divide the chunk shape,
    /// a voxel size of the wrong rank or [`Compression::Lzw`], and with
    /// [`Error::NotFound`] when the parent directory of `path` does not exist.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// use tesserae::io::{zarr::ZarrSink, WriteOptions};
    /// let path = dir.path().join("sharded.zarr");
    /// let options = WriteOptions { shard_inner_chunks: Some(vec![16, 16]), ..Default::default() };
    /// let sink = ZarrSink::<u8>::create(&path, &[100, 100], &[64, 64], &options)?;
    /// assert!(ZarrSink::<u8>::create(&path, &[100, 100], &[0, 64], &options).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create(
        path: &Path,
        shape: &[usize],
        chunks: &[usize],
        options: &WriteOptions,
    ) -> Result<Self> {
        let chunks = check_chunks(shape, chunks)?;
        let grid = ChunkGrid::new(shape, &chunks)?;
        let (zarr_chunks, inner) = match &options.shard_inner_chunks {
            Some(inner) => {
                let (outer, inner) = shard_shapes(shape, &chunks, inner)?;
                (outer, Some(inner))
            }
            None => (chunks.clone(), None),
        };
        let compressors: Vec<Arc<dyn BytesToBytesCodecTraits>> =
            match options.compression.unwrap_or_default() {
                Compression::None => Vec::new(),
                Compression::Zstd => vec![Arc::new(ZstdCodec::new(ZSTD_LEVEL, false))],
                Compression::Deflate => vec![Arc::new(
                    GzipCodec::new(GZIP_LEVEL).map_err(|e| Error::Failed(e.to_string()))?,
                )],
                Compression::Lzw => {
                    return Err(Error::InvalidArgument(
                        "LZW compression is for TIFF only; Zarr writes zstd, deflate or none"
                            .into(),
                    ));
                }
            };
        let mut attributes = serde_json::Map::new();
        if let Some(voxel_size) = &options.voxel_size {
            if voxel_size.size().len() != shape.len() {
                return Err(Error::InvalidArgument(format!(
                    "voxel size {:?} has {} axes but the array has {}",
                    voxel_size.size(),
                    voxel_size.size().len(),
                    shape.len()
                )));
            }
            let mut entry = json!({ "voxel_size": voxel_size.size() });
            if let (Some(unit), Some(map)) = (voxel_size.unit(), entry.as_object_mut()) {
                map.insert("unit".into(), json!(unit));
            }
            attributes.insert(ATTRIBUTE_KEY.into(), entry);
        }

        if path.symlink_metadata().is_ok() && !options.overwrite {
            return Err(Error::Exists { path: path.into() });
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
            && !parent.is_dir()
        {
            return Err(Error::NotFound {
                path: parent.into(),
            });
        }
        let temporary = temporary_path(path);
        remove_path(&temporary)?;
        let store = FilesystemStore::new(&temporary).map_err(|e| Error::format(path, e))?;

        let mut builder = ArrayBuilder::new(
            to_u64(shape),
            to_u64(&zarr_chunks),
            T::DTYPE.name(),
            FillValue::new(vec![0u8; T::DTYPE.size()]),
        );
        builder
            .bytes_to_bytes_codecs(compressors)
            .attributes(attributes);
        if let Some(inner) = inner {
            builder.subchunk_shape(to_u64(&inner));
        }
        let array = builder
            .build(Arc::new(store), "/")
            .map_err(|e| Error::InvalidArgument(format!("{}: {e}", path.display())))?;
        let stored = (0..grid.num_chunks().div_ceil(64))
            .map(|_| AtomicU64::new(0))
            .collect();
        let sink = ZarrSink {
            array,
            path: path.into(),
            temporary,
            overwrite: options.overwrite,
            grid,
            zarr_chunks,
            partial: Mutex::new(HashMap::new()),
            stored,
            committed: false,
            element: PhantomData,
        };
        sink.array
            .store_metadata()
            .map_err(|e| storage_error(&sink.path, e))?;
        Ok(sink)
    }

    /// Writes the part of `data` (which covers `region`) that falls in chunk `index`:
    /// straight to the store when it is the whole chunk, else into the chunk's
    /// buffer, which is stored once complete.
    fn write_chunk(
        &self,
        index: &[usize],
        region: &Region,
        data: &ArrayViewD<'_, T>,
    ) -> Result<()> {
        let chunk = self.grid.chunk_region(index);
        let Some(piece) = chunk.intersect(region) else {
            return Ok(());
        };
        let view = piece.relative_to(region).view(data);
        let linear = self.grid.linear_index(index);
        let twice = || {
            Error::InvalidArgument(format!(
                "{}: region {region} writes into chunk {index:?} again after it was complete \
                 (a Zarr sink takes every voxel once)",
                self.path.display()
            ))
        };
        if piece == chunk {
            if self.lock_partial().contains_key(&linear) {
                return Err(twice());
            }
            self.mark_stored(linear);
            return self.store(index, &chunk, view);
        }
        let complete = {
            let mut partial = self.lock_partial();
            if self.is_stored(linear) {
                return Err(twice());
            }
            let buffer = partial.entry(linear).or_insert_with(|| Partial {
                data: ArrayD::zeros(chunk.shape().to_vec()),
                written: 0,
            });
            piece
                .relative_to(&chunk)
                .view_mut(&mut buffer.data)
                .assign(&view);
            buffer.written += piece.len();
            if buffer.written >= chunk.len() {
                self.mark_stored(linear);
                partial.remove(&linear)
            } else {
                None
            }
        };
        match complete {
            Some(buffer) => self.store(index, &chunk, buffer.data.view()),
            None => Ok(()),
        }
    }

    /// Encodes and stores a whole chunk (`data` covers the chunk's part of the array).
    fn store(&self, index: &[usize], chunk: &Region, data: ArrayViewD<'_, T>) -> Result<()> {
        let zarr_index = to_u64(index);
        let options = codec_options(true);
        let stored = if chunk.shape() == self.zarr_chunks.as_slice() {
            self.array.store_chunk_opt(&zarr_index, &data, &options)
        } else {
            // A chunk at the array's end: pad it to the full chunk shape.
            let mut padded = ArrayD::<T>::zeros(self.zarr_chunks.clone());
            Region::full(chunk.shape())
                .view_mut(&mut padded)
                .assign(&data);
            self.array.store_chunk_opt(&zarr_index, padded, &options)
        };
        stored.map_err(|e| array_error(&self.path, e))
    }

    fn lock_partial(&self) -> std::sync::MutexGuard<'_, HashMap<usize, Partial<T>>> {
        self.partial
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn mark_stored(&self, linear: usize) {
        self.stored[linear / 64].fetch_or(1 << (linear % 64), Ordering::Relaxed);
    }

    fn is_stored(&self, linear: usize) -> bool {
        self.stored[linear / 64].load(Ordering::Relaxed) & (1 << (linear % 64)) != 0
    }
}

/// A chunk being assembled from partial writes.
struct Partial<T> {
    /// The chunk's part of the array, zero (the fill value) where not yet written.
    data: ArrayD<T>,
    /// Number of voxels written so far.
    written: usize,
}

impl<T: Element> Sink for ZarrSink<T> {
    type Elem = T;

    fn shape(&self) -> &[usize] {
        self.grid.shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        self.grid.chunk_shape()
    }

    fn write(&self, region: &Region, data: ArrayViewD<'_, T>) -> Result<()> {
        check_write(self.grid.shape(), region, data.shape())?;
        if self.committed {
            return Err(Error::Failed(format!(
                "{}: write after commit",
                self.path.display()
            )));
        }
        if region.is_empty() {
            return Ok(());
        }
        let chunks: Vec<Vec<usize>> = self.grid.chunks_overlapping(region).collect();
        if chunks.len() == 1 {
            self.write_chunk(&chunks[0], region, &data)
        } else {
            chunks
                .par_iter()
                .try_for_each(|index| self.write_chunk(index, region, &data))
        }
    }

    fn commit(&mut self) -> Result<()> {
        if self.committed {
            return Ok(());
        }
        // Chunks written only in part: the rest keeps the fill value.
        let partial = std::mem::take(&mut *self.lock_partial());
        partial.into_par_iter().try_for_each(|(linear, buffer)| {
            let index = self.grid.chunk_index(linear);
            let chunk = self.grid.chunk_region(&index);
            self.store(&index, &chunk, buffer.data.view())
        })?;
        let exists = self.path.symlink_metadata().is_ok();
        if exists && !self.overwrite {
            return Err(Error::Exists {
                path: self.path.clone(),
            });
        }
        if exists {
            let mut old = self.temporary.clone().into_os_string();
            old.push(".old");
            let old = PathBuf::from(old);
            remove_path(&old)?;
            std::fs::rename(&self.path, &old).map_err(|e| Error::io(&self.path, e))?;
            if let Err(e) = std::fs::rename(&self.temporary, &self.path) {
                // Put the old output back rather than leave nothing.
                let _ = std::fs::rename(&old, &self.path);
                return Err(Error::io(&self.path, e));
            }
            self.committed = true;
            remove_path(&old)?;
        } else {
            std::fs::rename(&self.temporary, &self.path).map_err(|e| Error::io(&self.path, e))?;
        }
        self.committed = true;
        Ok(())
    }
}

impl<T> Drop for ZarrSink<T> {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: a failure to clean up must not turn into a panic.
            let _ = std::fs::remove_dir_all(&self.temporary);
        }
    }
}

/// An opened array with everything tesserae needs to know about it.
struct Opened {
    path: PathBuf,
    array: Array<FilesystemStore>,
    shape: Vec<usize>,
    dtype: DataType,
    chunks: Vec<usize>,
    voxel_size: Option<VoxelSize>,
}

impl Opened {
    /// Opens the array at `path`, or `datasets[level]` of a multiscales group there.
    fn open(path: &Path, level: usize) -> Result<Opened> {
        let (root, node) = split_store_path(path)?;
        let directory = root.join(node.trim_start_matches('/'));
        if !directory.exists() {
            return Err(Error::NotFound { path: path.into() });
        }
        let (node, multiscale_voxel_size) = match read_group(&directory)? {
            Some(attributes) => {
                let multiscale = Multiscale::from_attributes(&attributes).ok_or_else(|| {
                    Error::format(
                        path,
                        "is a Zarr group without OME-Zarr multiscales; name an array inside it \
                         (store.zarr/path/to/array)",
                    )
                })?;
                let multiscale = multiscale.map_err(|message| Error::format(path, message))?;
                let dataset = multiscale.datasets.get(level).ok_or_else(|| {
                    Error::InvalidArgument(format!(
                        "{}: no resolution level {level} (the multiscale has {})",
                        path.display(),
                        multiscale.datasets.len()
                    ))
                })?;
                let node = format!("{}/{}", node.trim_end_matches('/'), dataset.path);
                (node, Some((multiscale, level)))
            }
            None if level > 0 => {
                return Err(Error::InvalidArgument(format!(
                    "{}: no resolution level {level} (a plain array has only level 0)",
                    path.display()
                )));
            }
            None => (node, None),
        };

        let store = FilesystemStore::new(&root).map_err(|e| Error::format(path, e))?;
        let array = Array::open(Arc::new(store), &node).map_err(|e| create_error(path, e))?;
        let dtype = element_type(&array)
            .ok_or_else(|| Error::unsupported(path, format!("data type {}", array.data_type())))?;
        if let ArrayMetadata::V3(metadata) = array.metadata()
            && metadata.chunk_grid.name() != "regular"
        {
            return Err(Error::unsupported(
                path,
                format!("chunk grid {}", metadata.chunk_grid.name()),
            ));
        }
        let shape: Vec<usize> = array.shape().iter().map(|&n| n as usize).collect();
        let origin = vec![0; shape.len()];
        let chunk_shape = match array.effective_subchunk_shape() {
            Some(inner) if array.is_exclusively_sharded() => inner,
            _ => array
                .chunk_shape(&origin)
                .map_err(|e| array_error(path, e))?,
        };
        let chunk_shape: Vec<usize> = chunk_shape.iter().map(|c| c.get() as usize).collect();
        let chunks = check_chunks(&shape, &chunk_shape)?;

        let voxel_size = match multiscale_voxel_size {
            Some((multiscale, level)) => multiscale
                .voxel_size(level, shape.len())
                .map_err(|message| Error::format(path, message))?,
            None => match attribute_voxel_size(array.attributes(), shape.len()) {
                Some(voxel_size) => Some(voxel_size),
                None => parent_voxel_size(&root, &node, shape.len()),
            },
        };
        Ok(Opened {
            path: path.into(),
            array,
            shape,
            dtype,
            chunks,
            voxel_size,
        })
    }

    /// `zarr v3 zstd`, `zarr v2 blosc`, `zarr v3 sharded zstd`, …
    fn format(&self) -> String {
        let metadata = self.array.metadata();
        let (version, codecs) = match serde_json::to_value(metadata) {
            Ok(value) => match metadata {
                ArrayMetadata::V2(_) => ("v2", v2_codec_names(&value)),
                ArrayMetadata::V3(_) => ("v3", v3_codec_names(&value["codecs"])),
            },
            Err(_) => ("?", Vec::new()),
        };
        let codecs = if codecs.is_empty() {
            "uncompressed".to_string()
        } else {
            codecs.join(" ")
        };
        format!("zarr {version} {codecs}")
    }
}

/// The names of the filters and compressor of v2 metadata.
fn v2_codec_names(metadata: &Value) -> Vec<String> {
    let filters = metadata["filters"].as_array().into_iter().flatten();
    filters
        .chain(std::iter::once(&metadata["compressor"]))
        .filter_map(|codec| codec["id"].as_str().map(str::to_string))
        .collect()
}

/// The names of v3 codecs other than `bytes`, with `sharded` for the sharding codec.
fn v3_codec_names(codecs: &Value) -> Vec<String> {
    let mut names = Vec::new();
    for codec in codecs.as_array().into_iter().flatten() {
        match codec["name"].as_str() {
            Some("bytes") | None => {}
            Some("sharding_indexed") => {
                names.push("sharded".to_string());
                names.extend(v3_codec_names(&codec["configuration"]["codecs"]));
            }
            Some(name) => names.push(name.to_string()),
        }
    }
    names
}

/// Splits `path` at its first component ending in `.zarr` into the store root
/// and the node path inside the store (`/` for the root).
fn split_store_path(path: &Path) -> Result<(PathBuf, String)> {
    let components: Vec<Component<'_>> = path.components().collect();
    let split = components.iter().position(|c| {
        c.as_os_str()
            .to_string_lossy()
            .to_lowercase()
            .ends_with(".zarr")
    });
    let Some(split) = split else {
        return Ok((path.into(), "/".into()));
    };
    let root: PathBuf = components[..=split].iter().collect();
    let mut node = String::new();
    for component in &components[split + 1..] {
        let name = component
            .as_os_str()
            .to_str()
            .filter(|_| matches!(component, Component::Normal(_)))
            .ok_or_else(|| {
                Error::unsupported(path, format!("array path component {component:?}"))
            })?;
        node.push('/');
        node.push_str(name);
    }
    if node.is_empty() {
        node.push('/');
    }
    Ok((root, node))
}

/// The tesserae element type of a zarrs array.
fn element_type(array: &Array<FilesystemStore>) -> Option<DataType> {
    let dt = array.data_type();
    let types = [
        (dt.is::<UInt8DataType>(), DataType::U8),
        (dt.is::<UInt16DataType>(), DataType::U16),
        (dt.is::<UInt32DataType>(), DataType::U32),
        (dt.is::<UInt64DataType>(), DataType::U64),
        (dt.is::<Int8DataType>(), DataType::I8),
        (dt.is::<Int16DataType>(), DataType::I16),
        (dt.is::<Int32DataType>(), DataType::I32),
        (dt.is::<Int64DataType>(), DataType::I64),
        (dt.is::<Float32DataType>(), DataType::F32),
        (dt.is::<Float64DataType>(), DataType::F64),
    ];
    types.into_iter().find(|(is, _)| *is).map(|(_, d)| d)
}

/// Inner and outer (shard) chunk shapes of a sharded array with chunks `chunks`
/// (already clipped to `shape`) and requested inner chunks `inner`.
///
/// An inner extent larger than the chunk is clipped to it; a chunk extent that
/// is not a multiple of the inner extent is an error, unless the chunk spans the
/// whole axis, in which case the shard is padded up to a multiple.
fn shard_shapes(
    shape: &[usize],
    chunks: &[usize],
    inner: &[usize],
) -> Result<(Vec<usize>, Vec<usize>)> {
    let inner = check_chunks(chunks, inner)?;
    let mut outer = Vec::with_capacity(chunks.len());
    for ((&c, &i), &n) in chunks.iter().zip(&inner).zip(shape) {
        if c % i == 0 {
            outer.push(c);
        } else if c >= n {
            outer.push(c.div_ceil(i) * i);
        } else {
            return Err(Error::InvalidArgument(format!(
                "shard shape {chunks:?} is not a multiple of the inner chunk shape {inner:?}"
            )));
        }
    }
    Ok((outer, inner))
}

/// The zarrs subset of a region.
fn subset(region: &Region) -> ArraySubset {
    let ranges: Vec<_> = region
        .start()
        .iter()
        .zip(region.end())
        .map(|(&s, e)| s as u64..e as u64)
        .collect();
    ArraySubset::new_with_ranges(&ranges)
}

/// Codec options for an operation on one chunk or on several.
fn codec_options(one_chunk: bool) -> CodecOptions {
    let target = if one_chunk {
        1
    } else {
        rayon::current_num_threads()
    };
    CodecOptions::default().with_concurrent_target(target)
}

fn to_u64(values: &[usize]) -> Vec<u64> {
    values.iter().map(|&v| v as u64).collect()
}

/// Removes a file or directory tree if it exists.
fn remove_path(path: &Path) -> Result<()> {
    let result = match path.symlink_metadata() {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(_) => return Ok(()),
    };
    result.map_err(|e| Error::io(path, e))
}

/// Maps an error opening an array.
fn create_error(path: &Path, error: ArrayCreateError) -> Error {
    match error {
        ArrayCreateError::DataTypeCreateError(e) => plugin_error(path, "data type", e),
        ArrayCreateError::CodecsCreateError(e) => plugin_error(path, "codec", e),
        ArrayCreateError::ChunkGridCreateError(e) => plugin_error(path, "chunk grid", e),
        ArrayCreateError::ChunkKeyEncodingCreateError(e) => {
            plugin_error(path, "chunk key encoding", e)
        }
        ArrayCreateError::StorageTransformersCreateError(e) => {
            plugin_error(path, "storage transformer", e)
        }
        ArrayCreateError::StorageError(e) => storage_error(path, e),
        ArrayCreateError::MissingMetadata => {
            Error::format(path, "no Zarr metadata (zarr.json, .zarray or .zgroup)")
        }
        other => Error::format(path, other),
    }
}

/// Maps an error creating a data type, codec, … from metadata: an unknown one
/// is unsupported, a known one with a broken configuration is a format error.
fn plugin_error(path: &Path, what: &str, error: PluginCreateError) -> Error {
    match error {
        PluginCreateError::Unsupported(e) => Error::unsupported(path, format!("{what}: {e}")),
        other => Error::format(path, format!("invalid {what}: {other}")),
    }
}

/// Maps an error reading or writing array data.
fn array_error(path: &Path, error: ArrayError) -> Error {
    match error {
        ArrayError::StorageError(e) => storage_error(path, e),
        ArrayError::CodecError(CodecError::IOError(e)) => io_error(path, &e),
        ArrayError::CodecError(CodecError::StorageError(e)) => storage_error(path, e),
        ArrayError::CodecError(e) => Error::format(path, format!("invalid chunk data: {e}")),
        other => Error::Failed(format!("{}: {other}", path.display())),
    }
}

/// Maps a store error.
fn storage_error(path: &Path, error: StorageError) -> Error {
    match error {
        StorageError::IOError(e) => io_error(path, &e),
        StorageError::InvalidMetadata(key, message) => {
            Error::format(path, format!("invalid metadata {key}: {message}"))
        }
        other => Error::Failed(format!("{}: {other}", path.display())),
    }
}

/// Maps an I/O error from zarrs: decoders report malformed data, and the store a
/// truncated file, as I/O errors of the kinds that are format errors here.
fn io_error(path: &Path, error: &std::io::Error) -> Error {
    match error.kind() {
        ErrorKind::InvalidData | ErrorKind::InvalidInput | ErrorKind::UnexpectedEof => {
            Error::format(path, format!("invalid chunk data: {error}"))
        }
        kind => Error::io(path, std::io::Error::new(kind, error.to_string())),
    }
}

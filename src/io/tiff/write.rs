//! Writing TIFF stacks page by page: [`TiffSink`].

use std::any::Any;
use std::collections::BTreeMap;
use std::fs::File;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ::tiff::TiffResult;
use ::tiff::encoder::colortype::{
    self, Gray8, Gray16, Gray32, Gray32Float, Gray64, Gray64Float, GrayI8, GrayI16, GrayI32,
    GrayI64,
};
use ::tiff::encoder::{
    Compression as TiffCompression, DeflateLevel, Rational, TiffEncoder, TiffKind, TiffKindBig,
    TiffKindStandard, TiffValue,
};
use ::tiff::tags::{Predictor, Tag};
use ndarray::{ArrayViewD, Axis, Ix2};

use self::direct::{Direct, PageFormat, bytes_of};

use super::tiff_error;
use crate::engine::{
    DataType, Element, Region, Sink, VoxelSize, check_region, check_write, zeroed,
};
use crate::error::{Error, Result};
use crate::io::metadata::{imagej_description, normalise, rational, shaped_description};
use crate::io::{Compression, WriteOptions, temporary_path};

mod direct;

/// Classic TIFF offsets are 32-bit: switch to BigTIFF above this many bytes.
const DEFAULT_BIGTIFF_THRESHOLD: u64 = (1 << 32) - (64 << 20);
/// Target size of the preferred write chunk (a slab of whole planes).
const SLAB_BYTES: usize = 16 << 20;
/// Size of the row buffers of [`Sink::write_rows`] on an uncompressed file.
const ROW_BUFFER_BYTES: usize = 1 << 20;

/// The TIFF encoder in use, chosen at the first page.
enum Output {
    /// Not started yet: the open temporary file.
    Pending(File),
    Classic(TiffEncoder<File, TiffKindStandard>),
    Big(TiffEncoder<File, TiffKindBig>),
    Closed,
}

/// A plane being filled by writes.
struct Plane<T> {
    data: Vec<T>,
    filled: usize,
}

/// The planes being filled, shared by the writing threads.
struct State<T> {
    /// Pages before this one have been handed to the encoder.
    next_page: usize,
    pending: BTreeMap<usize, Plane<T>>,
    failed: Option<String>,
    /// Buffers of planes already encoded, reused for the next planes (every
    /// voxel of a plane is written before it is encoded).
    spare: Vec<Vec<T>>,
}

impl<T> State<T> {
    /// Takes the next page out when it is complete.
    fn take_ready(&mut self, plane_len: usize) -> Option<(usize, Plane<T>)> {
        let page = self.next_page;
        if self.pending.get(&page)?.filled < plane_len {
            return None;
        }
        let plane = self.pending.remove(&page)?;
        self.next_page += 1;
        Some((page, plane))
    }
}

/// Tags written with every page.
struct PageTags {
    description: String,
    resolution: Option<(Rational, Rational)>,
}

/// A TIFF file written one page per plane, as a [`Sink`].
///
/// A 2-D array becomes one page, a `[z, y, x]` stack one page per z-plane,
/// and more leading axes are flattened into pages in C order (with a
/// tifffile JSON shape description to restore them). Regions may arrive in
/// any order from several threads. Uncompressed pages (the default) have a
/// fixed place in the file, so every write goes straight to the file (rows
/// too, see [`Sink::write_rows`]) and the page directories follow the data,
/// as tifffile lays out a contiguous series. Compressed planes are buffered
/// until complete and encoded as soon as every earlier plane is, so memory
/// stays bounded when writes come roughly in C order (the preferred chunk is
/// a slab of whole planes of about 16 MiB). Every voxel must be written
/// exactly once: a plane counts as complete when as many voxels as it holds
/// have been written to it, and a compressed plane already saved cannot be
/// written again.
///
/// The file is written under a temporary name and renamed by
/// [`commit`](Sink::commit); dropping an uncommitted sink removes it. Files
/// larger than 4 GiB become BigTIFF. Stacks of `u8`, `u16` and `f32` carry an
/// ImageJ description (`spacing=`, `unit=`) and resolution tags so that Fiji
/// shows the voxel size; other types and more axes carry a JSON description.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::io::tiff::TiffSink;
/// use tesserae::io::{Compression, WriteOptions};
/// use tesserae::{Region, Sink, VoxelSize};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("out.tif");
/// let options = WriteOptions {
///     compression: Some(Compression::Deflate),
///     voxel_size: Some(VoxelSize::new(vec![2.0, 0.5, 0.5], Some("micron".into()))),
///     ..Default::default()
/// };
/// let mut sink = TiffSink::<u8>::create(&path, &[2, 3, 4], &options)?;
/// let plane = ArrayD::from_elem(vec![1, 3, 4], 9u8);
/// sink.write(&Region::new(vec![1, 0, 0], vec![1, 3, 4]), plane.view())?;
/// sink.write(&Region::new(vec![0, 0, 0], vec![1, 3, 4]), plane.view())?;
/// sink.commit()?;
/// assert_eq!(tesserae::io::probe(&path)?.shape, vec![2, 3, 4]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TiffSink<T> {
    path: PathBuf,
    temp: PathBuf,
    shape: Vec<usize>,
    chunks: Vec<usize>,
    compression: TiffCompression,
    predictor: Predictor,
    tags: PageTags,
    bigtiff_threshold: u64,
    state: Mutex<State<T>>,
    /// The encoder, locked apart from the planes so that threads keep filling
    /// planes while one of them encodes.
    output: Mutex<Output>,
    /// Uncompressed output is written in place instead (planes and encoder unused).
    direct: Option<Direct>,
    /// Reused row buffers of [`Sink::write_rows`] in place.
    row_buffers: Mutex<Vec<Vec<T>>>,
    committed: bool,
    elem: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for TiffSink<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TiffSink")
            .field("path", &self.path)
            .field("shape", &self.shape)
            .finish_non_exhaustive()
    }
}

impl<T: Element> TiffSink<T> {
    /// Creates the output (under a temporary name until [`commit`](Sink::commit)).
    ///
    /// Fails with [`Error::Exists`] when `path` exists and `options.overwrite`
    /// is off, and [`Error::InvalidArgument`] for fewer than 2 axes, an empty
    /// shape, planes beyond TIFF's 32-bit sizes, a voxel size of another rank,
    /// or zstd compression (TIFF writes none, deflate or LZW).
    ///
    /// ```no_run
    /// use tesserae::io::{tiff::TiffSink, WriteOptions};
    /// let sink = TiffSink::<u16>::create("out.tif".as_ref(), &[64, 512, 512], &WriteOptions::default())?;
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn create(path: &Path, shape: &[usize], options: &WriteOptions) -> Result<Self> {
        let n = shape.len();
        if n < 2 || shape.contains(&0) {
            return Err(Error::InvalidArgument(format!(
                "{}: a TIFF holds a non-empty array of at least 2 axes, not shape {shape:?}",
                path.display()
            )));
        }
        let (height, width) = (shape[n - 2], shape[n - 1]);
        if u32::try_from(height).is_err() || u32::try_from(width).is_err() {
            return Err(Error::InvalidArgument(format!(
                "{}: TIFF planes are at most {} pixels wide and high",
                path.display(),
                u32::MAX
            )));
        }
        let voxel_size = match &options.voxel_size {
            Some(v) if v.size().len() != n => {
                return Err(Error::InvalidArgument(format!(
                    "{}: voxel size {:?} does not match the {n} axes of the array",
                    path.display(),
                    v.size()
                )));
            }
            Some(v) => Some(normalise(v.size().to_vec(), v.unit())),
            None => None,
        };
        let compression = match options.compression.unwrap_or(Compression::None) {
            Compression::None => TiffCompression::Uncompressed,
            Compression::Deflate => TiffCompression::Deflate(DeflateLevel::Balanced),
            Compression::Lzw => TiffCompression::Lzw,
            Compression::Zstd => {
                return Err(Error::InvalidArgument(format!(
                    "{}: TIFF output supports no compression, deflate or lzw (not zstd)",
                    path.display()
                )));
            }
        };
        let predictor = if compression != TiffCompression::Uncompressed && !T::DTYPE.is_float() {
            Predictor::Horizontal
        } else {
            Predictor::None
        };
        if !options.overwrite && path.symlink_metadata().is_ok() {
            return Err(Error::Exists {
                path: path.to_path_buf(),
            });
        }
        let temp = temporary_path(path);
        let file = File::create(&temp).map_err(|e| Error::io(path, e))?;
        let (direct, output) =
            if compression == TiffCompression::Uncompressed && direct::supported::<T>() {
                let pages: usize = shape[..n - 2].iter().product();
                let bytes = pages * height * width * T::DTYPE.size();
                (Some(Direct::new(file, pages, bytes as u64)), Output::Closed)
            } else {
                (None, Output::Pending(file))
            };
        let plane_bytes = height * width * T::DTYPE.size();
        let mut chunks = vec![1; n];
        chunks[n - 2] = height;
        chunks[n - 1] = width;
        if n >= 3 {
            chunks[n - 3] = (SLAB_BYTES / plane_bytes).clamp(1, shape[n - 3]);
        }
        Ok(TiffSink {
            path: path.to_path_buf(),
            temp,
            shape: shape.to_vec(),
            chunks,
            compression,
            predictor,
            tags: page_tags::<T>(shape, voxel_size.as_ref()),
            bigtiff_threshold: DEFAULT_BIGTIFF_THRESHOLD,
            state: Mutex::new(State {
                next_page: 0,
                pending: BTreeMap::new(),
                failed: None,
                spare: Vec::new(),
            }),
            output: Mutex::new(output),
            direct,
            row_buffers: Mutex::new(Vec::new()),
            committed: false,
            elem: PhantomData,
        })
    }

    /// Writes BigTIFF when the estimated file size exceeds `bytes` (default:
    /// just under 4 GiB, the limit of classic TIFF's 32-bit offsets). Takes
    /// effect when set before the first page is written; `0` always writes BigTIFF.
    ///
    /// ```no_run
    /// use tesserae::io::{tiff::TiffSink, WriteOptions};
    /// let sink = TiffSink::<u8>::create("big.tif".as_ref(), &[2, 8, 8], &WriteOptions::default())?
    ///     .with_bigtiff_threshold(0);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn with_bigtiff_threshold(mut self, bytes: u64) -> Self {
        self.bigtiff_threshold = bytes;
        self
    }

    fn pages(&self) -> usize {
        self.shape[..self.shape.len() - 2].iter().product()
    }

    fn plane_len(&self) -> usize {
        self.shape[self.shape.len() - 2..].iter().product()
    }

    /// Every plane `region` covers: its index within the region along the
    /// leading axes, and its page in the file.
    fn pages_of(&self, region: &Region) -> Vec<(Vec<usize>, usize)> {
        let n = self.shape.len();
        lead_indices(&region.shape()[..n - 2])
            .into_iter()
            .map(|rel| {
                let page = rel
                    .iter()
                    .zip(&region.start()[..n - 2])
                    .zip(&self.shape[..n - 2])
                    .fold(0, |p, ((&r, &s), &len)| p * len + r + s);
                (rel, page)
            })
            .collect()
    }

    /// An upper estimate of the file size, to choose between TIFF and BigTIFF.
    fn estimated_bytes(&self) -> u64 {
        let raw = (self.pages() * self.plane_len() * T::DTYPE.size()) as u64;
        let data = match self.compression {
            TiffCompression::Uncompressed => raw,
            TiffCompression::Lzw => raw + raw / 2,
            _ => raw + raw / 64,
        };
        let per_page = 4096 + self.tags.description.len() as u64;
        data + self.pages() as u64 * per_page
    }

    fn io_error(&self, e: std::io::Error) -> Error {
        Error::io(&self.path, e)
    }

    /// Writes `data` to `region` of the file in place: one positioned write
    /// per run of rows that are contiguous in the file (one for a slab of
    /// whole planes).
    fn write_direct(
        &self,
        direct: &Direct,
        region: &Region,
        data: ArrayViewD<'_, T>,
    ) -> Result<()> {
        let pages = self.claim_pages(direct, region)?;
        let data = data.as_standard_layout();
        let bytes = data
            .as_slice()
            .and_then(bytes_of)
            .ok_or_else(|| Error::Failed("TIFF data not contiguous".into()))?;
        let size = T::DTYPE.size();
        let row = region.shape()[region.ndim() - 1] * size;
        let (mut run_start, mut run_len, mut done) = (0u64, 0usize, 0usize);
        for_each_row(&self.shape, region, |_, flat| {
            let at = (flat * size) as u64;
            if run_len > 0 && at != run_start + run_len as u64 {
                direct
                    .write_at(&bytes[done..done + run_len], run_start)
                    .map_err(|e| self.io_error(e))?;
                done += run_len;
                run_len = 0;
            }
            if run_len == 0 {
                run_start = at;
            }
            run_len += row;
            Ok(())
        })?;
        direct
            .write_at(&bytes[done..done + run_len], run_start)
            .map_err(|e| self.io_error(e))?;
        self.count_pages(direct, region, &pages);
        Ok(())
    }

    /// The pages `region` writes to; fails when one of them is complete already.
    fn claim_pages(&self, direct: &Direct, region: &Region) -> Result<Vec<usize>> {
        let mut pages = Vec::new();
        for (_, page) in self.pages_of(region) {
            if direct.filled(page) >= self.plane_len() {
                return Err(Error::InvalidArgument(format!(
                    "{}: region {region} writes plane {page} again after it was complete",
                    self.path.display()
                )));
            }
            pages.push(page);
        }
        Ok(pages)
    }

    /// Counts the voxels of `region` as written to its `pages`.
    fn count_pages(&self, direct: &Direct, region: &Region, pages: &[usize]) {
        let n = self.shape.len();
        let per_page = region.shape()[n - 2] * region.shape()[n - 1];
        for &page in pages {
            direct.add_filled(page, per_page);
        }
    }

    /// [`Sink::write_rows`] in place: rows are filled into a reused buffer of
    /// about 1 MiB, written whenever it is full or the next row is not
    /// contiguous in the file with the buffered ones.
    fn write_rows_direct(
        &self,
        direct: &Direct,
        region: &Region,
        fill: &mut dyn FnMut(usize, &mut [T]),
    ) -> Result<()> {
        let pages = self.claim_pages(direct, region)?;
        let size = T::DTYPE.size();
        let width = region.shape()[region.ndim() - 1];
        let capacity = (ROW_BUFFER_BYTES / (width * size)).max(1) * width;
        let mut buffer = lock(&self.row_buffers).pop().unwrap_or_default();
        if buffer.len() < capacity {
            buffer.resize(capacity, T::zero());
        }
        let flush = |rows: &[T], flat: usize| {
            let bytes = bytes_of(rows).ok_or_else(|| Error::Failed("TIFF element type".into()))?;
            direct
                .write_at(bytes, (flat * size) as u64)
                .map_err(|e| self.io_error(e))
        };
        let (mut start, mut used) = (0usize, 0usize);
        for_each_row(&self.shape, region, |r, flat| {
            if used > 0 && (used + width > capacity || flat != start + used) {
                flush(&buffer[..used], start)?;
                used = 0;
            }
            if used == 0 {
                start = flat;
            }
            fill(r, &mut buffer[used..used + width]);
            used += width;
            Ok(())
        })?;
        let written = flush(&buffer[..used], start);
        lock(&self.row_buffers).push(buffer);
        written?;
        self.count_pages(direct, region, &pages);
        Ok(())
    }

    /// Finishes an in-place file: checks that every voxel was written, then
    /// writes the page directories and the header.
    fn commit_direct(&self, direct: &Direct) -> Result<()> {
        let pages = self.pages();
        let complete = (0..pages)
            .filter(|&p| direct.filled(p) == self.plane_len())
            .count();
        if complete != pages {
            return Err(Error::Failed(format!(
                "{}: only {complete} of {pages} planes were completely written",
                self.path.display()
            )));
        }
        let n = self.shape.len();
        let format = PageFormat {
            width: self.shape[n - 1] as u32,
            height: self.shape[n - 2] as u32,
            dtype: T::DTYPE,
            description: &self.tags.description,
            resolution: self.tags.resolution.as_ref(),
        };
        let big = self.estimated_bytes() > self.bigtiff_threshold;
        direct
            .finish(self.pages(), &format, big)
            .map_err(|e| self.io_error(e))
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Encodes every complete page that directly follows the encoded ones.
    ///
    /// Only the thread holding the encoder encodes; others return at once
    /// (unless `wait`), leaving their complete pages to it: it checks for
    /// ready pages again after letting the encoder go, so none is left behind.
    fn drain(&self, wait: bool) -> Result<()> {
        let plane_len = self.plane_len();
        loop {
            let mut output = match self.output.try_lock() {
                Ok(guard) => guard,
                Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) if wait => {
                    self.output.lock().unwrap_or_else(|e| e.into_inner())
                }
                Err(std::sync::TryLockError::WouldBlock) => return Ok(()),
            };
            loop {
                let ready = {
                    let mut state = self.lock_state();
                    if let Some(message) = &state.failed {
                        return Err(Error::Failed(message.clone()));
                    }
                    state.take_ready(plane_len)
                };
                let Some((page, plane)) = ready else { break };
                if let Err(e) = self.encode_page(&mut output, &plane.data, page == 0) {
                    *output = Output::Closed;
                    let mut state = self.lock_state();
                    state.failed = Some(e.to_string());
                    state.pending.clear();
                    return Err(e);
                }
                let mut state = self.lock_state();
                let kept = (state.spare.len() + 1) * plane_len * T::DTYPE.size();
                if kept <= 2 * SLAB_BYTES || state.spare.is_empty() {
                    state.spare.push(plane.data);
                }
            }
            drop(output);
            let more = {
                let state = self.lock_state();
                state
                    .pending
                    .get(&state.next_page)
                    .is_some_and(|p| p.filled >= plane_len)
            };
            if !more {
                return Ok(());
            }
        }
    }

    #[allow(clippy::ptr_arg)] // a `Vec` (sized) is what `Any` can downcast
    fn encode_page(&self, output: &mut Output, data: &Vec<T>, first: bool) -> Result<()> {
        if let Output::Pending(_) = output {
            let Output::Pending(file) = std::mem::replace(output, Output::Closed) else {
                return Err(Error::Failed("TIFF output in an unexpected state".into()));
            };
            let err = |e| tiff_error(&self.path, e);
            *output = if self.estimated_bytes() > self.bigtiff_threshold {
                Output::Big(
                    TiffEncoder::new_big(file)
                        .map_err(err)?
                        .with_compression(self.compression)
                        .with_predictor(self.predictor),
                )
            } else {
                Output::Classic(
                    TiffEncoder::new(file)
                        .map_err(err)?
                        .with_compression(self.compression)
                        .with_predictor(self.predictor),
                )
            };
        }
        let n = self.shape.len();
        let (height, width) = (self.shape[n - 2] as u32, self.shape[n - 1] as u32);
        let tags = &self.tags;
        let result = match output {
            Output::Classic(encoder) => write_page(encoder, width, height, data, tags, first),
            Output::Big(encoder) => write_page(encoder, width, height, data, tags, first),
            Output::Pending(_) | Output::Closed => {
                return Err(Error::Failed(format!(
                    "{}: TIFF output is closed",
                    self.path.display()
                )));
            }
        };
        result.map_err(|e| match e {
            PageError::Tiff(e) => tiff_error(&self.path, e),
            PageError::Type => Error::Failed(format!(
                "{}: element type {} has no TIFF encoding",
                self.path.display(),
                T::DTYPE
            )),
        })
    }
}

/// The description and resolution tags for an array of `shape` with `voxel_size`.
fn page_tags<T: Element>(shape: &[usize], voxel_size: Option<&VoxelSize>) -> PageTags {
    let n = shape.len();
    let imagej_type = matches!(T::DTYPE, DataType::U8 | DataType::U16 | DataType::F32);
    // A single-plane 3-D array keeps its shape only through the JSON description.
    let description = if imagej_type && (n == 2 || (n == 3 && shape[0] > 1)) {
        let images = if n == 3 { shape[0] } else { 1 };
        let spacing = voxel_size.filter(|_| n == 3).map(|v| v.size()[0]);
        imagej_description(images, spacing, voxel_size.and_then(VoxelSize::unit))
    } else {
        shaped_description(shape, voxel_size)
    };
    let resolution = voxel_size.and_then(|v| {
        let (dy, dx) = (v.size()[n - 2], v.size()[n - 1]);
        let (xn, xd) = rational(1.0 / dx)?;
        let (yn, yd) = rational(1.0 / dy)?;
        Some((Rational { n: xn, d: xd }, Rational { n: yn, d: yd }))
    });
    PageTags {
        description,
        resolution,
    }
}

enum PageError {
    Tiff(::tiff::TiffError),
    Type,
}

impl From<::tiff::TiffError> for PageError {
    fn from(e: ::tiff::TiffError) -> Self {
        PageError::Tiff(e)
    }
}

/// Encodes one plane with the colour type of its element type.
#[allow(clippy::ptr_arg)] // a `Vec` (sized) is what `Any` can downcast
fn write_page<T: Element, K: TiffKind>(
    encoder: &mut TiffEncoder<File, K>,
    width: u32,
    height: u32,
    data: &Vec<T>,
    tags: &PageTags,
    first: bool,
) -> Result<(), PageError> {
    fn typed<C, K>(
        encoder: &mut TiffEncoder<File, K>,
        width: u32,
        height: u32,
        data: &dyn Any,
        tags: &PageTags,
        first: bool,
    ) -> Result<(), PageError>
    where
        C: colortype::ColorType,
        C::Inner: 'static,
        [C::Inner]: TiffValue,
        K: TiffKind,
    {
        let data = data
            .downcast_ref::<Vec<C::Inner>>()
            .ok_or(PageError::Type)?;
        encode::<C, K>(encoder, width, height, data, tags, first)?;
        Ok(())
    }
    let data: &dyn Any = data;
    match T::DTYPE {
        DataType::U8 => typed::<Gray8, K>(encoder, width, height, data, tags, first),
        DataType::U16 => typed::<Gray16, K>(encoder, width, height, data, tags, first),
        DataType::U32 => typed::<Gray32, K>(encoder, width, height, data, tags, first),
        DataType::U64 => typed::<Gray64, K>(encoder, width, height, data, tags, first),
        DataType::I8 => typed::<GrayI8, K>(encoder, width, height, data, tags, first),
        DataType::I16 => typed::<GrayI16, K>(encoder, width, height, data, tags, first),
        DataType::I32 => typed::<GrayI32, K>(encoder, width, height, data, tags, first),
        DataType::I64 => typed::<GrayI64, K>(encoder, width, height, data, tags, first),
        DataType::F32 => typed::<Gray32Float, K>(encoder, width, height, data, tags, first),
        DataType::F64 => typed::<Gray64Float, K>(encoder, width, height, data, tags, first),
    }
}

fn encode<C, K>(
    encoder: &mut TiffEncoder<File, K>,
    width: u32,
    height: u32,
    data: &[C::Inner],
    tags: &PageTags,
    first: bool,
) -> TiffResult<()>
where
    C: colortype::ColorType,
    [C::Inner]: TiffValue,
    K: TiffKind,
{
    let mut image = encoder.new_image::<C>(width, height)?;
    if first {
        image
            .encoder()
            .write_tag(Tag::ImageDescription, tags.description.as_str())?;
    }
    if let Some((x, y)) = &tags.resolution {
        image.encoder().write_tag(Tag::XResolution, x.clone())?;
        image.encoder().write_tag(Tag::YResolution, y.clone())?;
    }
    image.write_data(data)
}

impl<T: Element> Sink for TiffSink<T> {
    type Elem = T;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn chunk_shape(&self) -> &[usize] {
        &self.chunks
    }

    fn write(&self, region: &Region, data: ArrayViewD<'_, T>) -> Result<()> {
        check_write(&self.shape, region, data.shape())?;
        if region.is_empty() {
            return Ok(());
        }
        if let Some(direct) = &self.direct {
            return self.write_direct(direct, region, data);
        }
        let n = self.shape.len();
        let (y0, x0) = (region.start()[n - 2], region.start()[n - 1]);
        let width = self.shape[n - 1];
        let plane_len = self.plane_len();
        let mut state = self.lock_state();
        if let Some(message) = &state.failed {
            return Err(Error::Failed(message.clone()));
        }
        for (rel, page) in self.pages_of(region) {
            if page < state.next_page {
                return Err(Error::InvalidArgument(format!(
                    "{}: region {region} writes plane {page} again after it was saved",
                    self.path.display()
                )));
            }
            let mut view = data.view();
            for &i in &rel {
                view = view.index_axis_move(Axis(0), i);
            }
            let view = view
                .into_dimensionality::<Ix2>()
                .map_err(|e| Error::Failed(e.to_string()))?;
            if !state.pending.contains_key(&page) {
                let data = state.spare.pop().unwrap_or_else(|| zeroed(plane_len));
                state.pending.insert(page, Plane { data, filled: 0 });
            }
            let Some(plane) = state.pending.get_mut(&page) else {
                return Err(Error::Failed("TIFF plane buffer missing".into()));
            };
            for (r, row) in view.rows().into_iter().enumerate() {
                let dst = &mut plane.data[(y0 + r) * width + x0..][..row.len()];
                match row.as_slice() {
                    Some(src) => dst.copy_from_slice(src),
                    None => dst.iter_mut().zip(row).for_each(|(d, s)| *d = *s),
                }
            }
            plane.filled += view.len();
        }
        drop(state);
        self.drain(false)
    }

    fn write_rows(
        &self,
        region: &Region,
        fill: &mut dyn FnMut(usize, &mut [T]),
    ) -> Option<Result<()>> {
        let direct = self.direct.as_ref()?;
        if let Err(e) = check_region(&self.shape, region) {
            return Some(Err(e));
        }
        if region.is_empty() {
            return Some(Ok(()));
        }
        Some(self.write_rows_direct(direct, region, fill))
    }

    fn commit(&mut self) -> Result<()> {
        if let Some(direct) = &self.direct {
            self.commit_direct(direct)?;
            std::fs::rename(&self.temp, &self.path).map_err(|e| Error::io(&self.path, e))?;
            self.committed = true;
            return Ok(());
        }
        self.drain(true)?;
        let state = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(message) = &state.failed {
            return Err(Error::Failed(message.clone()));
        }
        let pages = self.shape[..self.shape.len() - 2].iter().product::<usize>();
        if state.next_page != pages {
            return Err(Error::Failed(format!(
                "{}: only {} of {pages} planes were completely written",
                self.path.display(),
                state.next_page
            )));
        }
        *self.output.get_mut().unwrap_or_else(|e| e.into_inner()) = Output::Closed;
        std::fs::rename(&self.temp, &self.path).map_err(|e| Error::io(&self.path, e))?;
        self.committed = true;
        Ok(())
    }
}

impl<T> Drop for TiffSink<T> {
    fn drop(&mut self) {
        if !self.committed {
            *self.output.get_mut().unwrap_or_else(|e| e.into_inner()) = Output::Closed;
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

fn lock<V>(m: &Mutex<V>) -> std::sync::MutexGuard<'_, V> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Calls `f(r, flat)` for every row `r` (C order over all axes but the last)
/// of `region` of an array of `shape`, with `flat` the C-order index of the
/// row's first voxel in the array; stops at the first error.
fn for_each_row(
    shape: &[usize],
    region: &Region,
    mut f: impl FnMut(usize, usize) -> Result<()>,
) -> Result<()> {
    let n = shape.len();
    let mut strides = vec![1usize; n];
    for k in (0..n - 1).rev() {
        strides[k] = strides[k + 1] * shape[k + 1];
    }
    let lead = &region.shape()[..n - 1];
    let base: usize = region
        .start()
        .iter()
        .zip(&strides)
        .map(|(s, t)| s * t)
        .sum();
    let rows: usize = lead.iter().product();
    let mut coords = vec![0usize; n - 1];
    let mut flat = base;
    for r in 0..rows {
        f(r, flat)?;
        for k in (0..n - 1).rev() {
            coords[k] += 1;
            flat += strides[k];
            if coords[k] < lead[k] {
                break;
            }
            flat -= coords[k] * strides[k];
            coords[k] = 0;
        }
    }
    Ok(())
}

/// Every index of a box of `extent` (relative, C order).
fn lead_indices(extent: &[usize]) -> Vec<Vec<usize>> {
    let mut all = vec![Vec::new()];
    for &e in extent {
        all = all
            .into_iter()
            .flat_map(|prefix| {
                (0..e).map(move |i| {
                    let mut next = prefix.clone();
                    next.push(i);
                    next
                })
            })
            .collect();
    }
    all
}

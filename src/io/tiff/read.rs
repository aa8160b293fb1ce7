//! Reading TIFF pages lazily: the page walk at open ([`scan`]) and [`TiffSource`].

use std::any::{Any, TypeId};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::marker::PhantomData;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ::tiff::ColorType;
use ::tiff::decoder::ifd::Value;
use ::tiff::decoder::{ChunkType, Decoder, DecodingResult, Limits};
use ::tiff::tags::Tag;
use ndarray::{ArrayD, ArrayViewD};

use super::tiff_error;
use crate::engine::{
    DataType, Element, Region, Source, VoxelSize, check_chunks, check_region, zeroed,
};
use crate::error::{Error, Result};
use crate::io::ImageInfo;
use crate::io::metadata::{
    ImageJDescription, OmeDimensions, TiffVoxelTags, shaped_description_shape,
};

type FileDecoder = Decoder<BufReader<File>>;

/// Largest decoded strip or tile accepted (a whole 1 GiB plane stored as one strip still reads).
const MAX_CHUNK_BYTES: usize = 1 << 30;
/// Largest read buffer kept for the next read.
const MAX_POOLED_BUFFER_BYTES: usize = 64 << 20;
/// Largest tag value accepted (strip/tile offset tables of very large pages).
const MAX_TAG_BYTES: usize = 256 << 20;

/// What the page walk learned about a file.
#[derive(Clone, Debug)]
pub(super) struct Layout {
    shape: Vec<usize>,
    chunk_shape: Vec<usize>,
    dtype: DataType,
    /// Number of page directories in the file.
    directories: usize,
    height: usize,
    width: usize,
    voxel_size: Option<VoxelSize>,
    format: String,
    /// Set when every plane is stored uncompressed in one run: ImageJ's
    /// large-stack layout (one directory, planes back to back) or pages whose
    /// strips lie back to back. Such planes are read straight from the file.
    contiguous: Option<Contiguous>,
}

/// Where every plane of an uncompressed stack starts, and whether its bytes
/// need swapping to the machine's order.
#[derive(Clone, Debug)]
struct Contiguous {
    /// The file offset of every plane, in page order.
    starts: Vec<u64>,
    swap: bool,
}

impl Layout {
    pub(super) fn info(&self) -> ImageInfo {
        ImageInfo {
            shape: self.shape.clone(),
            dtype: self.dtype,
            chunk_shape: self.chunk_shape.clone(),
            voxel_size: self.voxel_size.clone(),
            format: self.format.clone(),
        }
    }
}

/// One page's header.
#[derive(Clone, Debug, PartialEq)]
struct Page {
    width: usize,
    height: usize,
    dtype: DataType,
    chunk: (usize, usize),
    tiled: bool,
    compression: u16,
    /// The first byte of the pixel data when it is uncompressed and stored in one run.
    contiguous_start: Option<u64>,
}

/// What the first bytes of the file and its length say.
#[derive(Clone, Copy, Debug)]
struct Header {
    bigtiff: bool,
    big_endian: bool,
    len: u64,
}

/// The read buffer of a decoder. The decoder seeks to every directory, and a
/// seek drops the buffer: a small one keeps walking hundreds of pages cheap,
/// while strips larger than it are read straight into the decoder's memory.
const IFD_READ_BYTES: usize = 4 << 10;

fn open_decoder(path: &Path) -> Result<(FileDecoder, Header)> {
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut header = [0u8; 4];
    file.read_exact(&mut header)
        .map_err(|_| Error::format(path, "not a TIFF file (too short)"))?;
    let bigtiff = match &header {
        [b'I', b'I', 42, 0] | [b'M', b'M', 0, 42] => false,
        [b'I', b'I', 43, 0] | [b'M', b'M', 0, 43] => true,
        _ => return Err(Error::format(path, "not a TIFF file (bad signature)")),
    };
    let header = Header {
        bigtiff,
        big_endian: header[0] == b'M',
        len,
    };
    file.seek(SeekFrom::Start(0))
        .map_err(|e| Error::io(path, e))?;
    let mut limits = Limits::default();
    limits.decoding_buffer_size = MAX_CHUNK_BYTES;
    limits.intermediate_buffer_size = MAX_CHUNK_BYTES;
    limits.ifd_value_size = MAX_TAG_BYTES;
    let decoder = Decoder::new(BufReader::with_capacity(IFD_READ_BYTES, file))
        .map_err(|e| tiff_error(path, e))?
        .with_limits(limits);
    Ok((decoder, header))
}

fn page_header(path: &Path, decoder: &mut FileDecoder, file_len: u64) -> Result<Page> {
    let err = |e| tiff_error(path, e);
    let (width, height) = decoder.dimensions().map_err(err)?;
    let bits = match decoder.colortype().map_err(err)? {
        ColorType::Gray(bits) => bits,
        other => {
            return Err(Error::unsupported(
                path,
                format!("TIFF colour type {other:?} (only single-channel images are read)"),
            ));
        }
    };
    let photometric = decoder
        .find_tag_unsigned::<u16>(Tag::PhotometricInterpretation)
        .map_err(err)?;
    if photometric == Some(0) {
        return Err(Error::unsupported(
            path,
            "TIFF with inverted grey (WhiteIsZero)",
        ));
    }
    let sample_format = decoder
        .find_tag_unsigned_vec::<u16>(Tag::SampleFormat)
        .map_err(err)?
        .and_then(|v| v.first().copied())
        .unwrap_or(1);
    let dtype = match (sample_format, bits) {
        (1, 8) => DataType::U8,
        (1, 16) => DataType::U16,
        (1, 32) => DataType::U32,
        (1, 64) => DataType::U64,
        (2, 8) => DataType::I8,
        (2, 16) => DataType::I16,
        (2, 32) => DataType::I32,
        (2, 64) => DataType::I64,
        (3, 32) => DataType::F32,
        (3, 64) => DataType::F64,
        (format, bits) => {
            let kind = match format {
                1 => "unsigned",
                2 => "signed",
                3 => "floating-point",
                5 | 6 => "complex",
                _ => "untyped",
            };
            return Err(Error::unsupported(
                path,
                format!("TIFF sample type: {bits}-bit {kind}"),
            ));
        }
    };
    let tiled = decoder.get_chunk_type() == ChunkType::Tile;
    let (cw, ch) = decoder.chunk_dimensions();
    let (offsets_tag, counts_tag) = if tiled {
        (Tag::TileOffsets, Tag::TileByteCounts)
    } else {
        (Tag::StripOffsets, Tag::StripByteCounts)
    };
    let offsets = decoder.get_tag_u64_vec(offsets_tag).map_err(err)?;
    let counts = decoder.get_tag_u64_vec(counts_tag).map_err(err)?;
    let beyond = offsets
        .iter()
        .zip(&counts)
        .any(|(&o, &c)| o.checked_add(c).is_none_or(|end| end > file_len));
    if beyond {
        return Err(Error::format(
            path,
            "truncated TIFF (pixel data beyond the end of the file)",
        ));
    }
    let compression = decoder
        .find_tag_unsigned::<u16>(Tag::Compression)
        .map_err(err)?
        .unwrap_or(1);
    if !matches!(compression, 1 | 5 | 7 | 8 | 32773 | 32946) {
        return Err(Error::unsupported(
            path,
            format!("TIFF {}", compression_name(compression)),
        ));
    }
    check_plausible_size(path, width, height, dtype, compression, &counts)?;
    let one_run = offsets
        .windows(2)
        .zip(&counts)
        .all(|(o, &c)| o[0].checked_add(c) == Some(o[1]));
    let predictor = decoder
        .find_tag_unsigned::<u16>(Tag::Predictor)
        .map_err(err)?
        .unwrap_or(1);
    let contiguous_start = (compression == 1 && predictor == 1 && !tiled && one_run)
        .then(|| offsets.first().copied())
        .flatten();
    Ok(Page {
        width: width as usize,
        height: height as usize,
        dtype,
        chunk: (
            (ch as usize).clamp(1, height.max(1) as usize),
            (cw as usize).max(1),
        ),
        tiled,
        compression,
        contiguous_start,
    })
}

/// Highest decompression ratio accepted (deflate reaches about 1032:1, LZW with
/// 12-bit codes about 1365:1); a header claiming more is corrupt.
const MAX_COMPRESSION_RATIO: u64 = 4096;

/// Rejects headers whose pixel count the stored bytes cannot hold, so that a
/// corrupt size never leads to a huge allocation.
fn check_plausible_size(
    path: &Path,
    width: u32,
    height: u32,
    dtype: DataType,
    compression: u16,
    counts: &[u64],
) -> Result<()> {
    let stored: u64 = counts.iter().fold(0u64, |a, &c| a.saturating_add(c));
    let needed = u64::from(width)
        .checked_mul(u64::from(height))
        .and_then(|n| n.checked_mul(dtype.size() as u64));
    let plausible = match (needed, compression) {
        (None, _) => false,
        (Some(needed), 1) => stored >= needed,
        (Some(needed), _) => needed <= stored.saturating_mul(MAX_COMPRESSION_RATIO) + (1 << 16),
    };
    if plausible {
        Ok(())
    } else {
        Err(Error::format(
            path,
            format!(
                "corrupt TIFF: a {width}x{height} {dtype} page cannot fit in {stored} stored bytes"
            ),
        ))
    }
}

fn tag_text(decoder: &mut FileDecoder, tag: Tag) -> Option<String> {
    match decoder.find_tag(tag).ok()?? {
        Value::Ascii(s) => Some(s),
        _ => None,
    }
}

fn tag_number(decoder: &mut FileDecoder, tag: Tag) -> Option<f64> {
    match decoder.find_tag(tag).ok()?? {
        Value::Rational(n, d) if d != 0 => Some(f64::from(n) / f64::from(d)),
        Value::Float(f) => Some(f64::from(f)),
        Value::Double(f) => Some(f),
        Value::Short(n) => Some(f64::from(n)),
        Value::Unsigned(n) => Some(f64::from(n)),
        Value::List(v) => v.into_iter().next().and_then(|v| match v {
            Value::Rational(n, d) if d != 0 => Some(f64::from(n) / f64::from(d)),
            _ => None,
        }),
        _ => None,
    }
}

fn compression_name(code: u16) -> String {
    match code {
        1 => "uncompressed".into(),
        5 => "lzw".into(),
        8 | 32946 => "deflate".into(),
        32773 => "packbits".into(),
        7 => "jpeg".into(),
        other => format!("compression {other}"),
    }
}

/// The layout of the file probed last, with its [`FileStamp`]. The command
/// line probes a file for its element type, then opens it, and walking the
/// directories of a stack of many pages is most of the cost of opening it.
/// Taken by the next open of the same, unchanged file.
static PROBED: Mutex<Option<(PathBuf, FileStamp, Layout)>> = Mutex::new(None);

/// A file's length, modification time and (on Unix) inode number: a file
/// replaced by renaming another over it has a new inode.
type FileStamp = (u64, Option<std::time::SystemTime>, u64);

fn stamp(path: &Path) -> Option<FileStamp> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some((meta.len(), meta.modified().ok(), inode))
}

/// Keeps the layout `probe` found for the open that follows.
pub(super) fn remember(path: &Path, layout: &Layout) {
    if let Some(stamp) = stamp(path) {
        *PROBED.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((path.to_path_buf(), stamp, layout.clone()));
    }
}

/// The layout [`remember`]ed for `path`, if the file has not changed since.
fn recall(path: &Path) -> Option<Layout> {
    let (kept, kept_stamp, layout) = PROBED.lock().unwrap_or_else(|e| e.into_inner()).take()?;
    let unchanged = kept == path && stamp(path).is_some_and(|s| s == kept_stamp);
    unchanged.then_some(layout)
}

/// Walks every page directory of a TIFF file; returns the layout and the
/// decoder (positioned on the last page, with every page offset known).
pub(super) fn scan(path: &Path) -> Result<(Layout, FileDecoder)> {
    let (mut decoder, header) = open_decoder(path)?;
    let file_len = header.len;
    let first = page_header(path, &mut decoder, file_len)?;
    let description = tag_text(&mut decoder, Tag::ImageDescription);
    let tags = (
        tag_number(&mut decoder, Tag::XResolution),
        tag_number(&mut decoder, Tag::YResolution),
        decoder
            .find_tag_unsigned::<u16>(Tag::ResolutionUnit)
            .ok()
            .flatten(),
    );
    let mut pages = 1usize;
    let mut starts = vec![first.contiguous_start];
    while decoder.more_images() {
        decoder.next_image().map_err(|e| tiff_error(path, e))?;
        let page = page_header(path, &mut decoder, file_len)?;
        starts.push(page.contiguous_start);
        if (page.width, page.height, page.dtype) != (first.width, first.height, first.dtype) {
            return Err(Error::unsupported(
                path,
                format!(
                    "TIFF whose pages differ (page 0: {}x{} {}, page {pages}: {}x{} {})",
                    first.width, first.height, first.dtype, page.width, page.height, page.dtype
                ),
            ));
        }
        pages += 1;
    }
    let (height, width) = (first.height, first.width);
    let text = description.as_deref().unwrap_or("");
    let directories = pages;
    let contiguous = contiguous_stack(text, &first, pages, header);
    let (shape, z_only) = match &contiguous {
        Some((shape, _)) => (shape.clone(), !imagej_has_more_axes(text)),
        None => page_shape(path, text, pages, height, width)?,
    };
    let imagej_contiguous = contiguous.is_some();
    let contiguous = contiguous
        .map(|(_, c)| c)
        .or_else(|| contiguous_pages(&first, &starts, header));
    let ndim = shape.len();
    let mut chunk_shape = vec![1; ndim];
    chunk_shape[ndim - 2] = first.chunk.0;
    chunk_shape[ndim - 1] = first.chunk.1;
    let chunk_shape = check_chunks(&shape, &chunk_shape)?;
    let tags = TiffVoxelTags {
        description: description.as_deref(),
        x_resolution: tags.0,
        y_resolution: tags.1,
        resolution_unit: tags.2,
    };
    // A voxel size describes z, y, x: not channels or time points.
    let voxel_size = z_only.then(|| tags.voxel_size(ndim)).flatten();
    let format = format!(
        "{} {}{}{}",
        if header.bigtiff { "bigtiff" } else { "tiff" },
        compression_name(first.compression),
        if first.tiled { " tiled" } else { "" },
        if imagej_contiguous {
            " imagej-contiguous"
        } else {
            ""
        }
    );
    let layout = Layout {
        shape,
        chunk_shape,
        dtype: first.dtype,
        directories,
        height,
        width,
        voxel_size,
        format,
        contiguous,
    };
    Ok((layout, decoder))
}

/// ImageJ's layout for stacks beyond 4 GiB: a single directory whose
/// description counts `images` planes, stored uncompressed back to back from
/// the first page's data on. Returns the shape and where the planes start,
/// when the file is such a stack and holds all of its bytes.
fn contiguous_stack(
    description: &str,
    first: &Page,
    pages: usize,
    header: Header,
) -> Option<(Vec<usize>, Contiguous)> {
    let ij = ImageJDescription::parse(description)?;
    let images = ij.images.filter(|&n| pages == 1 && n > 1)?;
    let offset = first.contiguous_start?;
    let shape = ij.shape(images, first.height, first.width)?;
    let bytes = (first.height as u64)
        .checked_mul(first.width as u64)?
        .checked_mul(first.dtype.size() as u64)?
        .checked_mul(images as u64)?;
    if offset.checked_add(bytes)? > header.len {
        return None;
    }
    let plane = bytes / images as u64;
    let starts = (0..images as u64).map(|k| offset + k * plane).collect();
    Some((shape, Contiguous::new(starts, header)))
}

/// Pages that are all uncompressed, each with its strips back to back (`starts`
/// holds every page's first data byte): any rows and columns of them are read
/// straight from the file, without a decoder and without decoding whole strips.
fn contiguous_pages(first: &Page, starts: &[Option<u64>], header: Header) -> Option<Contiguous> {
    let bytes = (first.height as u64)
        .checked_mul(first.width as u64)?
        .checked_mul(first.dtype.size() as u64)?;
    let starts = starts
        .iter()
        .map(|&start| start.filter(|s| s.checked_add(bytes).is_some_and(|end| end <= header.len)))
        .collect::<Option<Vec<u64>>>()?;
    Some(Contiguous::new(starts, header))
}

impl Contiguous {
    fn new(starts: Vec<u64>, header: Header) -> Self {
        let swap = header.big_endian != cfg!(target_endian = "big");
        Contiguous { starts, swap }
    }
}

fn imagej_has_more_axes(description: &str) -> bool {
    ImageJDescription::parse(description).is_some_and(|ij| ij.has_channels_or_frames())
}

/// The array shape of `pages` planes of `height × width` given the first
/// page's description, and whether its leading axes are only z (no channel or
/// time axis).
fn page_shape(
    path: &Path,
    description: &str,
    pages: usize,
    height: usize,
    width: usize,
) -> Result<(Vec<usize>, bool)> {
    if let Some(shape) = shaped_description_shape(description) {
        let n = shape.len();
        if n >= 2
            && shape[n - 2..] == [height, width]
            && shape[..n - 2].iter().product::<usize>() == pages
        {
            return Ok((shape, true));
        }
    }
    if let Some(ome) = OmeDimensions::parse(description)
        && let Some(shape) = ome.shape(pages, height, width)
    {
        return Ok((shape, ome.z_only()));
    }
    if let Some(ij) = ImageJDescription::parse(description) {
        if let Some(shape) = ij.shape(pages, height, width) {
            return Ok((shape, !ij.has_channels_or_frames()));
        }
        if ij.images.is_some_and(|images| images > pages) {
            return Err(Error::unsupported(
                path,
                "ImageJ stack with more images than TIFF pages, not stored uncompressed in one run (or cut short)",
            ));
        }
    }
    let shape = if pages == 1 {
        vec![height, width]
    } else {
        vec![pages, height, width]
    };
    Ok((shape, true))
}

/// A decoder kept between reads, with the page it is positioned on.
struct PooledDecoder {
    decoder: FileDecoder,
    page: usize,
}

/// A TIFF file as a lazy [`Source`]: a read decodes only the pages the region
/// spans and, within a page, only the strips or tiles it overlaps.
///
/// Native chunks are one strip or tile of one page (`[1, rows, x]` for a
/// striped stack). Decoders are kept in a small pool, one per concurrent
/// reader, so parallel reads do not reopen the file.
///
/// ```
/// use tesserae::io::tiff::TiffSource;
/// use tesserae::{Region, Source};
///
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tiff/tiled_u16.tif");
/// let source = TiffSource::<u16>::open(path.as_ref())?;
/// assert_eq!(source.shape(), &[3, 37, 45]);
/// assert_eq!(source.chunk_shape(), &[1, 16, 16]);
/// let block = source.read(&Region::new(vec![1, 10, 10], vec![2, 20, 20]))?;
/// assert_eq!(block.shape(), &[2, 20, 20]);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub struct TiffSource<T> {
    path: PathBuf,
    layout: Layout,
    pool: Mutex<Vec<PooledDecoder>>,
    /// Read buffers of finished reads, reused by the next ones.
    buffers: Mutex<Vec<Vec<T>>>,
    /// The file, for the reads of uncompressed planes.
    file: File,
    /// The file mapped into memory when its pixels are one uncompressed
    /// block in the machine's byte order: contiguous regions are lent
    /// straight from it, without a copy.
    map: Option<Mapped>,
    elem: PhantomData<fn() -> T>,
}

/// A mapping of the file and where its pixel block starts in it.
struct Mapped {
    map: memmap2::Mmap,
    start: usize,
}

impl<T> std::fmt::Debug for TiffSource<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TiffSource")
            .field("path", &self.path)
            .field("layout", &self.layout)
            .finish_non_exhaustive()
    }
}

impl<T: Element> TiffSource<T> {
    /// Opens a TIFF file, reading every page's header (not its pixels).
    ///
    /// Fails with [`Error::DataTypeMismatch`] when `T` is not the file's
    /// element type (dispatch with [`with_dtype!`](crate::with_dtype) on
    /// [`probe`](crate::io::probe)`(path)?.dtype`), [`Error::NotFound`],
    /// [`Error::Format`] for a corrupt or truncated file and
    /// [`Error::Unsupported`] for colour, palette, bilevel or complex images.
    ///
    /// ```
    /// use tesserae::io::tiff::TiffSource;
    /// use tesserae::Error;
    ///
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tiff/d2_float32.tif");
    /// assert!(TiffSource::<f32>::open(path.as_ref()).is_ok());
    /// assert!(matches!(TiffSource::<u8>::open(path.as_ref()), Err(Error::DataTypeMismatch { .. })));
    /// ```
    pub fn open(path: &Path) -> Result<Self> {
        let (layout, decoder, page) = match recall(path) {
            Some(layout) => (layout, open_decoder(path)?.0, 0),
            None => {
                let (layout, decoder) = scan(path)?;
                let last = layout.directories - 1;
                (layout, decoder, last)
            }
        };
        if layout.dtype != T::DTYPE {
            return Err(Error::DataTypeMismatch {
                expected: T::DTYPE,
                found: layout.dtype,
            });
        }
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let map = map_block::<T>(&file, &layout);
        Ok(TiffSource {
            path: path.to_path_buf(),
            layout,
            pool: Mutex::new(vec![PooledDecoder { decoder, page }]),
            buffers: Mutex::new(Vec::new()),
            file,
            map,
            elem: PhantomData,
        })
    }

    /// The file's header summary (as [`probe`](crate::io::probe) returns it).
    ///
    /// ```
    /// use tesserae::io::tiff::TiffSource;
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tiff/lzw_u16.tif");
    /// let source = TiffSource::<u16>::open(path.as_ref())?;
    /// assert_eq!(source.info().format, "tiff lzw");
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn info(&self) -> ImageInfo {
        self.layout.info()
    }

    /// A decoder from the pool (preferably one already on `page`), or a new one.
    fn take_decoder(&self, page: usize) -> Result<PooledDecoder> {
        let pooled = {
            let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
            match pool.iter().position(|d| d.page == page) {
                Some(i) => Some(pool.swap_remove(i)),
                None => pool.pop(),
            }
        };
        match pooled {
            Some(d) => Ok(d),
            None => {
                let (mut decoder, _) = open_decoder(&self.path)?;
                decoder
                    .seek_to_image(page)
                    .map_err(|e| tiff_error(&self.path, e))?;
                Ok(PooledDecoder { decoder, page })
            }
        }
    }

    fn give_back(&self, decoder: PooledDecoder) {
        self.pool
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(decoder);
    }

    /// Decodes rows `rows` × columns `cols` of page `page` into `out` (C order)
    /// from element `page_offset` on.
    fn read_plane(
        &self,
        d: &mut PooledDecoder,
        page: usize,
        rows: Range<usize>,
        cols: Range<usize>,
        out: &mut Vec<T>,
        page_offset: usize,
    ) -> Result<()> {
        let err = |e| tiff_error(&self.path, e);
        if d.page != page {
            d.decoder.seek_to_image(page).map_err(err)?;
            d.page = page;
        }
        let (width, height) = (self.layout.width, self.layout.height);
        let (dims_w, dims_h) = d.decoder.dimensions().map_err(err)?;
        if (dims_w as usize, dims_h as usize) != (width, height) {
            return Err(Error::format(&self.path, "TIFF page changed size"));
        }
        let (cw, ch) = match d.decoder.get_chunk_type() {
            ChunkType::Strip => {
                let (_, rows_per_strip) = d.decoder.chunk_dimensions();
                (width, (rows_per_strip as usize).clamp(1, height))
            }
            ChunkType::Tile => {
                let (tw, th) = d.decoder.chunk_dimensions();
                ((tw as usize).max(1), (th as usize).max(1))
            }
        };
        let across = width.div_ceil(cw);
        let out_width = cols.len();
        for cy in rows.start / ch..rows.end.div_ceil(ch) {
            for cx in cols.start / cw..cols.end.div_ceil(cw) {
                let index = u32::try_from(cy * across + cx)
                    .map_err(|_| Error::format(&self.path, "too many TIFF chunks"))?;
                let (x0, y0) = (cx * cw, cy * ch);
                let data_w = cw.min(width - x0);
                let data_h = ch.min(height - y0);
                let whole_rows = data_w == width && cols.len() == width;
                if whole_rows && rows.start <= y0 && y0 + data_h <= rows.end {
                    // The strip covers whole rows of the region: decode in place.
                    let size = T::DTYPE.size();
                    let start = (page_offset + (y0 - rows.start) * width) * size;
                    let bytes = bytes_mut(out).ok_or_else(|| {
                        Error::Failed(format!(
                            "{}: no byte view of {}",
                            self.path.display(),
                            T::DTYPE
                        ))
                    })?;
                    let target = &mut bytes[start..start + data_h * width * size];
                    d.decoder.read_chunk_bytes(index, target).map_err(err)?;
                    continue;
                }
                let decoded = d.decoder.read_chunk(index).map_err(err)?;
                let samples = samples::<T>(&decoded).ok_or_else(|| {
                    Error::format(&self.path, "TIFF chunk decoded to another sample type")
                })?;
                if samples.len() < data_w * data_h {
                    return Err(Error::format(
                        &self.path,
                        "TIFF chunk shorter than its size",
                    ));
                }
                let ys = rows.start.max(y0)..rows.end.min(y0 + data_h);
                let xs = cols.start.max(x0)..cols.end.min(x0 + data_w);
                for y in ys {
                    let src = &samples[(y - y0) * data_w + (xs.start - x0)..][..xs.len()];
                    let at = page_offset + (y - rows.start) * out_width + (xs.start - cols.start);
                    let dst = &mut out[at..at + xs.len()];
                    dst.copy_from_slice(src);
                }
            }
        }
        Ok(())
    }
}

impl<T: Element> TiffSource<T> {
    /// Reads rows × columns of `pages` of an uncompressed stack into `out`.
    fn read_contiguous(
        &self,
        contiguous: &Contiguous,
        pages: &[usize],
        rows: Range<usize>,
        cols: Range<usize>,
        out: &mut Vec<T>,
    ) -> Result<()> {
        let size = T::DTYPE.size();
        let width = self.layout.width;
        let bytes = bytes_mut(out).ok_or_else(|| {
            Error::Failed(format!(
                "{}: no byte view of {}",
                self.path.display(),
                T::DTYPE
            ))
        })?;
        // Whole rows are read as one run per page, partial rows one run per row.
        let (runs, run_len) = if cols.len() == width {
            (vec![rows.start], rows.len() * width)
        } else {
            (rows.clone().collect(), cols.len())
        };
        let mut target = bytes.chunks_exact_mut(run_len * size);
        for &page in pages {
            let Some(&start) = contiguous.starts.get(page) else {
                return Err(Error::Failed("contiguous read beyond the last page".into()));
            };
            for &y in &runs {
                let at = start + ((y * width + cols.start) * size) as u64;
                let Some(dst) = target.next() else {
                    return Err(Error::Failed("contiguous read overran its buffer".into()));
                };
                read_exact_at(&self.file, dst, at).map_err(|e| match e.kind() {
                    std::io::ErrorKind::UnexpectedEof => {
                        Error::format(&self.path, "truncated TIFF (data ends early)")
                    }
                    _ => Error::io(&self.path, e),
                })?;
            }
        }
        if contiguous.swap && size > 1 {
            bytes.chunks_exact_mut(size).for_each(<[u8]>::reverse);
        }
        Ok(())
    }

    /// Reads `region` into `out`, which holds exactly `region.len()` elements.
    fn fill(&self, region: &Region, out: &mut Vec<T>) -> Result<()> {
        let shape = &self.layout.shape;
        let n = shape.len();
        if region.is_empty() {
            return Ok(());
        }
        let rows = region.start()[n - 2]..region.end()[n - 2];
        let cols = region.start()[n - 1]..region.end()[n - 1];
        let plane_len = rows.len() * cols.len();
        let pages = page_indices(
            &shape[..n - 2],
            &region.start()[..n - 2],
            &region.shape()[..n - 2],
        );
        if let Some(contiguous) = &self.layout.contiguous {
            return self.read_contiguous(contiguous, &pages, rows, cols, out);
        }
        let mut d = self.take_decoder(pages[0])?;
        for (k, &page) in pages.iter().enumerate() {
            self.read_plane(&mut d, page, rows.clone(), cols.clone(), out, k * plane_len)?;
        }
        self.give_back(d);
        Ok(())
    }

    /// `region` straight from the mapped file, when the file is mapped and
    /// the region is one contiguous block of it (whole rows of whole planes).
    fn mapped_view(&self, region: &Region) -> Option<ArrayViewD<'_, T>> {
        let mut view = self.map.as_ref()?.pixels::<T>(&self.layout.shape)?;
        for (axis, (&start, end)) in region.start().iter().zip(region.end()).enumerate() {
            view.slice_axis_inplace(ndarray::Axis(axis), ndarray::Slice::from(start..end));
        }
        view.is_standard_layout().then_some(view)
    }

    /// A buffer of `len` elements, reused from an earlier read when one is free.
    fn take_buffer(&self, len: usize) -> Vec<T> {
        let reused = self.buffers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match reused {
            Some(mut buffer) => {
                buffer.truncate(len);
                buffer.resize(len, T::zero());
                buffer
            }
            None => zeroed(len),
        }
    }

    /// Keeps a buffer for the next read, unless it is large or enough are kept.
    fn give_back_buffer(&self, buffer: Vec<T>) {
        if std::mem::size_of_val(buffer.as_slice()) > MAX_POOLED_BUFFER_BYTES {
            return;
        }
        let mut buffers = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
        if buffers.len() <= rayon::current_num_threads() {
            buffers.push(buffer);
        }
    }
}

/// Maps the file when its planes are one uncompressed block in the
/// machine's byte order, evenly spaced and aligned for `T` (as tifffile and
/// [`TiffSink`](super::TiffSink) write stacks); `None` otherwise or when
/// mapping fails, and reads then copy from the file.
fn map_block<T: Element>(file: &File, layout: &Layout) -> Option<Mapped> {
    let contiguous = layout.contiguous.as_ref().filter(|c| !c.swap)?;
    let n = layout.shape.len();
    let plane = (layout.shape[n - 2] * layout.shape[n - 1] * T::DTYPE.size()) as u64;
    let first = *contiguous.starts.first()?;
    let evenly = contiguous
        .starts
        .iter()
        .enumerate()
        .all(|(k, &s)| s == first + k as u64 * plane);
    let end = first.checked_add(plane.checked_mul(contiguous.starts.len() as u64)?)?;
    if !evenly || end > file.metadata().ok()?.len() {
        return None;
    }
    // Mapped on demand, so readers fault its pages in parallel (populating
    // it up front was a serial pass over the file before any reader started).
    // SAFETY: the file is opened read-only and the mapping is only read,
    // within the length checked above. As with any mapped file, another
    // process truncating the file while it is read would fault; the inputs
    // are read, never written, by tesserae.
    let map = unsafe { memmap2::Mmap::map(file) }.ok()?;
    let start = usize::try_from(first).ok()?;
    let mapped = Mapped { map, start };
    mapped.pixels::<T>(&layout.shape).map(|_| ())?;
    Some(mapped)
}

impl Mapped {
    /// The whole image as a view into the mapping (`None` when the block is
    /// not aligned for `T`).
    fn pixels<T: Element>(&self, shape: &[usize]) -> Option<ArrayViewD<'_, T>> {
        let len: usize = shape.iter().product();
        let bytes = self
            .map
            .get(self.start..self.start + len * std::mem::size_of::<T>())?;
        let values: &[T] = pod_slice(bytes)?;
        ArrayViewD::from_shape(shape, values).ok()
    }

    /// Drops the mapped pages wholly inside the `len` bytes at `at` (a
    /// pointer into the mapping); reading them again faults them back in
    /// from the file.
    #[cfg(target_os = "linux")]
    fn release(&self, at: *const u8, len: usize) {
        // SAFETY: sysconf reads no memory.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(0);
        if page == 0 {
            return;
        }
        let offset = at as usize - self.map.as_ptr() as usize;
        let first = offset.next_multiple_of(page);
        let end = (offset + len) / page * page;
        if end > first {
            // SAFETY: the mapping is a shared, read-only mapping of a file that
            // is only read: dropping its pages changes no byte a view sees, as a
            // later read faults the same file bytes back in. Failure (an
            // unsupported advice) leaves the pages mapped, which is harmless.
            let _ = unsafe {
                self.map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    first,
                    end - first,
                )
            };
        }
    }

    /// Only Linux drops pages early; elsewhere they stay mapped until the
    /// mapping is dropped.
    #[cfg(not(target_os = "linux"))]
    fn release(&self, _at: *const u8, _len: usize) {}
}

/// `bytes` as a slice of `T`, when aligned and `T` is a plain number type.
fn pod_slice<T: Element>(bytes: &[u8]) -> Option<&[T]> {
    macro_rules! cast {
        ($($t:ty),*) => {$(
            if TypeId::of::<T>() == TypeId::of::<$t>() {
                let values: &[$t] = bytemuck::try_cast_slice(bytes).ok()?;
                // SAFETY: `T` is `$t` (the same type id): the slice is
                // reinterpreted as itself.
                return Some(unsafe { &*(values as *const [$t] as *const [T]) });
            }
        )*};
    }
    cast!(u8, u16, u32, u64, i8, i16, i32, i64, f32, f64);
    None
}

/// Reads exactly `buf.len()` bytes at offset `at` without moving a shared cursor.
#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

/// Reads exactly `buf.len()` bytes at offset `at` without moving a shared cursor.
#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, at) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                at += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The bytes of a buffer of `T`s, to decode into it directly.
#[allow(clippy::ptr_arg)] // a `Vec` (sized) is what `Any` can downcast
fn bytes_mut<T: Element>(buffer: &mut Vec<T>) -> Option<&mut [u8]> {
    let any: &mut dyn Any = buffer;
    macro_rules! cast {
        ($($t:ty),*) => {$(
            if any.is::<Vec<$t>>() {
                let v = any.downcast_mut::<Vec<$t>>()?;
                return Some(bytemuck::cast_slice_mut(v.as_mut_slice()));
            }
        )*};
    }
    cast!(u8, u16, u32, u64, i8, i16, i32, i64, f32, f64);
    None
}

/// The decoded samples as `&[T]`, when the decoder produced `T`s.
fn samples<T: Element>(decoded: &DecodingResult) -> Option<&[T]> {
    let any: &dyn Any = match decoded {
        DecodingResult::U8(v) => v,
        DecodingResult::U16(v) => v,
        DecodingResult::U32(v) => v,
        DecodingResult::U64(v) => v,
        DecodingResult::I8(v) => v,
        DecodingResult::I16(v) => v,
        DecodingResult::I32(v) => v,
        DecodingResult::I64(v) => v,
        DecodingResult::F32(v) => v,
        DecodingResult::F64(v) => v,
        DecodingResult::F16(_) => return None,
    };
    any.downcast_ref::<Vec<T>>().map(Vec::as_slice)
}

impl<T: Element> Source for TiffSource<T> {
    type Elem = T;

    fn shape(&self) -> &[usize] {
        &self.layout.shape
    }

    fn chunk_shape(&self) -> &[usize] {
        &self.layout.chunk_shape
    }

    fn read(&self, region: &Region) -> Result<ArrayD<T>> {
        check_region(&self.layout.shape, region)?;
        let mut out = zeroed(region.len());
        self.fill(region, &mut out)?;
        ArrayD::from_shape_vec(region.shape().to_vec(), out)
            .map_err(|e| Error::Failed(format!("{}: {e}", self.path.display())))
    }

    /// Reads into a buffer kept between reads (one per concurrent reader), so
    /// that reading chunk after chunk neither allocates nor faults in fresh pages.
    fn read_view(
        &self,
        region: &Region,
        f: &mut dyn FnMut(ArrayViewD<'_, T>) -> Result<()>,
    ) -> Result<()> {
        check_region(&self.layout.shape, region)?;
        if let Some(view) = self.mapped_view(region) {
            return f(view);
        }
        let mut buffer = self.take_buffer(region.len());
        self.fill(region, &mut buffer)?;
        let result = ArrayViewD::from_shape(region.shape(), &buffer)
            .map_err(|e| Error::Failed(format!("{}: {e}", self.path.display())))
            .and_then(f);
        self.give_back_buffer(buffer);
        result
    }

    fn voxel_size(&self) -> Option<VoxelSize> {
        self.layout.voxel_size.clone()
    }

    fn release(&self, region: &Region) {
        let view = self.mapped_view(region);
        if let (Some(map), Some(values)) = (&self.map, view.as_ref().and_then(|v| v.as_slice())) {
            map.release(values.as_ptr().cast(), std::mem::size_of_val(values));
        }
    }
}

/// Linear page indices (C order over the leading axes `lead_shape`) of the
/// leading-axes box `start`/`extent`, in C order.
fn page_indices(lead_shape: &[usize], start: &[usize], extent: &[usize]) -> Vec<usize> {
    let mut pages = vec![0usize];
    for ((&n, &s), &e) in lead_shape.iter().zip(start).zip(extent) {
        pages = pages
            .iter()
            .flat_map(|&p| (s..s + e).map(move |i| p * n + i))
            .collect();
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::page_indices;

    #[test]
    fn pages_in_c_order() {
        assert_eq!(page_indices(&[], &[], &[]), vec![0]);
        assert_eq!(page_indices(&[5], &[1], &[3]), vec![1, 2, 3]);
        assert_eq!(page_indices(&[2, 3], &[0, 1], &[2, 2]), vec![1, 2, 4, 5]);
    }
}

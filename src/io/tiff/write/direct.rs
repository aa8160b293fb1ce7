//! Uncompressed TIFF written in place: every page's single strip has a fixed
//! place in the file, so regions go straight to the file from any thread and
//! in any order, with no plane buffers and no encoder copy.
//!
//! The layout is the one tifffile writes for a contiguous series, pixel data
//! first: a 16-byte header (a classic header uses the first 8), the pages back
//! to back from byte 16, then one IFD per page, written by [`Direct::finish`].

use std::any::TypeId;
use std::fs::File;
use std::sync::atomic::{AtomicUsize, Ordering};

use ::tiff::encoder::Rational;

use crate::engine::{DataType, Element};

/// Byte offset of the first page's pixel data.
const DATA_START: u64 = 16;

/// TIFF field types.
const ASCII: u16 = 2;
const SHORT: u16 = 3;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;
const LONG8: u16 = 16;

/// Whether a `T` array can be written in place on this host: a primitive
/// element type, a little-endian Unix host (the file is little-endian and
/// written with positioned writes).
pub(super) fn supported<T: Element>() -> bool {
    cfg!(all(unix, target_endian = "little")) && bytes_of::<T>(&[]).is_some()
}

/// The bytes of `data` when `T` is one of the primitive element types.
pub(super) fn bytes_of<T: Element>(data: &[T]) -> Option<&[u8]> {
    let primitives = [
        TypeId::of::<u8>(),
        TypeId::of::<u16>(),
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<i8>(),
        TypeId::of::<i16>(),
        TypeId::of::<i32>(),
        TypeId::of::<i64>(),
        TypeId::of::<f32>(),
        TypeId::of::<f64>(),
    ];
    if !primitives.contains(&TypeId::of::<T>()) {
        return None;
    }
    // SAFETY: `T` is a primitive integer or float: no padding, every byte
    // initialised, and `u8` needs no alignment; the bytes borrow `data`.
    Some(unsafe {
        std::slice::from_raw_parts(data.as_ptr().cast::<u8>(), std::mem::size_of_val(data))
    })
}

/// What every page of the file looks like.
pub(super) struct PageFormat<'a> {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) dtype: DataType,
    /// Written with the first page only.
    pub(super) description: &'a str,
    pub(super) resolution: Option<&'a (Rational, Rational)>,
}

/// An uncompressed TIFF file being written in place.
pub(super) struct Direct {
    file: File,
    /// Voxels written so far to every page.
    filled: Vec<AtomicUsize>,
}

impl Direct {
    /// Writes `pages` pages of `data_bytes` bytes of pixels in all into
    /// `file` (empty, opened for writing).
    ///
    /// The pixel data's blocks are allocated at once where the file system
    /// can: writes into allocated blocks skip the per-block bookkeeping of
    /// delayed allocation (a quarter of the time of writing a file on ext4).
    pub(super) fn new(file: File, pages: usize, data_bytes: u64) -> Self {
        #[cfg(target_os = "linux")]
        preallocate(&file, DATA_START + data_bytes);
        Direct {
            file,
            filled: (0..pages).map(|_| AtomicUsize::new(0)).collect(),
        }
    }

    /// Writes `bytes` at byte `offset` of the pixel data (all pages in C order).
    pub(super) fn write_at(&self, bytes: &[u8], offset: u64) -> std::io::Result<()> {
        write_all_at(&self.file, bytes, DATA_START + offset)
    }

    /// The voxels written so far to `page`.
    pub(super) fn filled(&self, page: usize) -> usize {
        self.filled[page].load(Ordering::Relaxed)
    }

    /// Counts `voxels` more voxels as written to `page`.
    pub(super) fn add_filled(&self, page: usize, voxels: usize) {
        self.filled[page].fetch_add(voxels, Ordering::Relaxed);
    }

    /// Writes the header and the IFDs of `pages` pages of `format` after the
    /// pixel data; BigTIFF when `big` or when classic 32-bit offsets do not
    /// reach the end of the file.
    pub(super) fn finish(
        &self,
        pages: usize,
        format: &PageFormat,
        big: bool,
    ) -> std::io::Result<()> {
        let plane = u64::from(format.width) * u64::from(format.height) * format.dtype.size() as u64;
        let data_end = DATA_START + plane * pages as u64;
        let start = data_end.next_multiple_of(8);
        let mut big = big;
        let mut tail = ifds(pages, plane, start, format, big);
        if !big && start + tail.len() as u64 > u64::from(u32::MAX) {
            big = true;
            tail = ifds(pages, plane, start, format, big);
        }
        let mut bytes = vec![0; (start - data_end) as usize];
        bytes.extend_from_slice(&tail);
        write_all_at(&self.file, &bytes, data_end)?;
        let mut header = Vec::with_capacity(16);
        header.extend_from_slice(b"II");
        if big {
            header.extend_from_slice(&43u16.to_le_bytes());
            header.extend_from_slice(&8u16.to_le_bytes());
            header.extend_from_slice(&0u16.to_le_bytes());
            header.extend_from_slice(&start.to_le_bytes());
        } else {
            header.extend_from_slice(&42u16.to_le_bytes());
            header.extend_from_slice(&(start as u32).to_le_bytes());
            header.extend_from_slice(&[0; 8]);
        }
        write_all_at(&self.file, &header, 0)
    }
}

/// Allocates the first `len` bytes of `file` (and sets its length to `len`).
/// A file system that cannot is left to allocate as the data is written.
#[cfg(target_os = "linux")]
fn preallocate(file: &File, len: u64) {
    use std::os::fd::AsRawFd;
    let Ok(len) = libc::off_t::try_from(len) else {
        return;
    };
    // SAFETY: fallocate reads no memory; it only allocates blocks of the
    // open file descriptor, which `file` keeps alive during the call.
    unsafe {
        libc::fallocate(file.as_raw_fd(), 0, 0, len);
    }
}

#[cfg(unix)]
fn write_all_at(file: &File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(not(unix))]
fn write_all_at(_: &File, _: &[u8], _: u64) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// One IFD entry: tag, field type, count and value bytes (little-endian).
struct Entry {
    tag: u16,
    kind: u16,
    count: u64,
    value: Vec<u8>,
}

fn short(tag: u16, v: u16) -> Entry {
    Entry {
        tag,
        kind: SHORT,
        count: 1,
        value: v.to_le_bytes().to_vec(),
    }
}

fn long(tag: u16, v: u32) -> Entry {
    Entry {
        tag,
        kind: LONG,
        count: 1,
        value: v.to_le_bytes().to_vec(),
    }
}

fn rational(tag: u16, r: &Rational) -> Entry {
    let mut value = r.n.to_le_bytes().to_vec();
    value.extend_from_slice(&r.d.to_le_bytes());
    Entry {
        tag,
        kind: RATIONAL,
        count: 1,
        value,
    }
}

/// The IFDs of `pages` pages of `plane` bytes each, the first at byte `start`.
fn ifds(pages: usize, plane: u64, start: u64, format: &PageFormat, big: bool) -> Vec<u8> {
    let (count_bytes, entry_bytes, word) = if big { (8, 20, 8) } else { (2, 12, 4) };
    let sample_format = match format.dtype {
        DataType::F32 | DataType::F64 => 3,
        DataType::I8 | DataType::I16 | DataType::I32 | DataType::I64 => 2,
        _ => 1,
    };
    let one = Rational { n: 1, d: 1 };
    let (x_res, y_res) = format.resolution.map_or((&one, &one), |(x, y)| (x, y));
    let mut out = Vec::new();
    for page in 0..pages {
        let offset = DATA_START + plane * page as u64;
        let mut entries = vec![
            long(256, format.width),
            long(257, format.height),
            short(258, 8 * format.dtype.size() as u16),
            short(259, 1),
            short(262, 1),
        ];
        if page == 0 {
            let mut text = format.description.as_bytes().to_vec();
            text.push(0);
            entries.push(Entry {
                tag: 270,
                kind: ASCII,
                count: text.len() as u64,
                value: text,
            });
        }
        let strip = |tag, v: u64| match big {
            true => Entry {
                tag,
                kind: LONG8,
                count: 1,
                value: v.to_le_bytes().to_vec(),
            },
            false => long(tag, v as u32),
        };
        entries.extend([
            strip(273, offset),
            short(277, 1),
            long(278, format.height),
            strip(279, plane),
            rational(282, x_res),
            rational(283, y_res),
            short(296, 1),
            short(339, sample_format),
        ]);
        let ifd_start = start + out.len() as u64;
        let ifd_len = count_bytes + entry_bytes * entries.len() + word;
        let mut extra = Vec::new();
        let mut ifd = Vec::with_capacity(ifd_len);
        if big {
            ifd.extend_from_slice(&(entries.len() as u64).to_le_bytes());
        } else {
            ifd.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        }
        for e in &entries {
            ifd.extend_from_slice(&e.tag.to_le_bytes());
            ifd.extend_from_slice(&e.kind.to_le_bytes());
            let mut field = if e.value.len() <= word {
                e.value.clone()
            } else {
                let at = ifd_start + ifd_len as u64 + extra.len() as u64;
                extra.extend_from_slice(&e.value);
                extra.resize(extra.len().next_multiple_of(2), 0);
                at.to_le_bytes()[..word].to_vec()
            };
            field.resize(word, 0);
            if big {
                ifd.extend_from_slice(&e.count.to_le_bytes());
            } else {
                ifd.extend_from_slice(&(e.count as u32).to_le_bytes());
            }
            ifd.extend_from_slice(&field);
        }
        extra.resize(extra.len().next_multiple_of(8), 0);
        let next = if page + 1 < pages {
            ifd_start + (ifd_len + extra.len()) as u64
        } else {
            0
        };
        ifd.extend_from_slice(&next.to_le_bytes()[..word]);
        out.extend_from_slice(&ifd);
        out.extend_from_slice(&extra);
    }
    out
}

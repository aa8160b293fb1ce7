//! TIFF stacks: [`TiffSource`] reads a multi-page TIFF or BigTIFF lazily (one
//! decoded strip or tile at a time), [`TiffSink`] writes one page per plane.
//!
//! A single page is a 2-D array `[y, x]`, a stack of pages is `[z, y, x]`, and a
//! tifffile JSON description (`{"shape": [t, z, y, x]}`), an ImageJ hyperstack
//! description or OME-XML sizes give pages more leading axes. ImageJ's layout
//! for stacks beyond 4 GiB (one directory, planes stored back to back) is read
//! too. Voxel sizes are read from ImageJ descriptions, OME-XML and the
//! resolution tags (see [`metadata`](crate::io::metadata)) for arrays whose
//! leading axis is z, and written the way Fiji reads them.
//!
//! ```
//! use ndarray::ArrayD;
//! use tesserae::io::tiff::{TiffSink, TiffSource};
//! use tesserae::io::WriteOptions;
//! use tesserae::{Region, Sink, Source};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("stack.tif");
//! let stack = ArrayD::from_shape_fn(vec![3, 4, 5], |i| (i[0] * 100 + i[1] * 10 + i[2]) as u16);
//! let mut sink = TiffSink::<u16>::create(&path, &[3, 4, 5], &WriteOptions::default())?;
//! sink.write(&Region::full(&[3, 4, 5]), stack.view())?;
//! sink.commit()?;
//!
//! let source = TiffSource::<u16>::open(&path)?;
//! assert_eq!(source.shape(), &[3, 4, 5]);
//! let plane = source.read(&Region::new(vec![2, 0, 0], vec![1, 4, 5]))?;
//! assert_eq!(plane[[0, 3, 4]], 234);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::Path;

use ::tiff::TiffError;

use crate::error::{Error, Result};
use crate::io::ImageInfo;

mod read;
mod write;

pub use read::TiffSource;
pub use write::TiffSink;

/// Reads the header of a TIFF file (every page's directory, no pixel data).
///
/// ```
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tiff/imagej_zstack_u16.tif");
/// let info = tesserae::io::tiff::probe(path.as_ref())?;
/// assert_eq!(info.shape, vec![6, 20, 24]);
/// assert_eq!(info.dtype, tesserae::DataType::U16);
/// assert_eq!(info.voxel_size.unwrap().size(), &[2.0, 0.5, 0.25]);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn probe(path: &Path) -> Result<ImageInfo> {
    let (layout, _) = read::scan(path)?;
    read::remember(path, &layout);
    Ok(layout.info())
}

/// A tiff-crate error on `path` as a tesserae error.
fn tiff_error(path: &Path, error: TiffError) -> Error {
    match error {
        TiffError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::format(path, "truncated TIFF (data ends early)")
        }
        TiffError::IoError(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            Error::format(path, format!("corrupt TIFF data: {e}"))
        }
        TiffError::IoError(e) => Error::io(path, e),
        TiffError::FormatError(e) => Error::format(path, format!("invalid TIFF: {e}")),
        TiffError::UnsupportedError(e) => Error::unsupported(path, format!("TIFF feature: {e}")),
        TiffError::LimitsExceeded => {
            Error::unsupported(path, "TIFF strip or tile size (too large)")
        }
        TiffError::IntSizeError => Error::format(path, "invalid TIFF: sizes beyond limits"),
        TiffError::UsageError(e) => Error::Failed(format!("{}: TIFF {e}", path.display())),
    }
}

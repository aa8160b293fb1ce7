//! Zarr arrays (placeholder until the Zarr reader and writer land).

use std::path::Path;

use crate::error::{Error, Result};
use crate::io::ImageInfo;

/// Reads the header of a Zarr array.
pub fn probe(path: &Path) -> Result<ImageInfo> {
    Err(Error::unsupported(
        path,
        "format: Zarr support is not built yet",
    ))
}

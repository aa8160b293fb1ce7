//! TIFF stacks (placeholder until the TIFF reader and writer land).

use std::path::Path;

use crate::error::{Error, Result};
use crate::io::ImageInfo;

/// Reads the header of a TIFF file.
pub fn probe(path: &Path) -> Result<ImageInfo> {
    Err(Error::unsupported(
        path,
        "format: TIFF support is not built yet",
    ))
}

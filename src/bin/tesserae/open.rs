//! Opening images of any type as the element type a command computes in.

use std::path::Path;

use tesserae::engine::map_blocks;
use tesserae::{Element, Result, Source, io, with_dtype};

/// Opens an image of any type with its values cast to `V`, chunk by chunk.
pub fn open_as<V: Element>(path: &Path) -> Result<Box<dyn Source<Elem = V>>> {
    let info = io::probe(path)?;
    with_dtype!(info.dtype, T => {
        let source = io::open::<T>(path)?;
        Ok(Box::new(map_blocks(source, None, |block, _| {
            Ok(block.mapv(|v| V::from(v).unwrap_or_else(V::zero)))
        })?) as Box<dyn Source<Elem = V>>)
    })
}

/// Opens an image of any type as a mask: 1 where it is nonzero.
pub fn open_mask(path: &Path) -> Result<Box<dyn Source<Elem = u8>>> {
    let info = io::probe(path)?;
    with_dtype!(info.dtype, T => {
        let source = io::open::<T>(path)?;
        Ok(Box::new(map_blocks(source, None, |block, _| {
            Ok(block.mapv(|v| u8::from(v.as_f64() != 0.0)))
        })?) as Box<dyn Source<Elem = u8>>)
    })
}

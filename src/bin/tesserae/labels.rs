//! Opening label images of any integer type as one type, `u64`.

use std::path::Path;

use tesserae::engine::map_blocks;
use tesserae::ndmeasure::LabelValue;
use tesserae::{io, DataType, Error, Result, Source};

/// A label image of any integer type, read as `u64` labels (negative values
/// become background, as they are never objects).
pub fn open_labels(path: &Path, dtype: DataType) -> Result<Box<dyn Source<Elem = u64>>> {
    match dtype {
        DataType::U8 => widen::<u8>(path),
        DataType::U16 => widen::<u16>(path),
        DataType::U32 => widen::<u32>(path),
        DataType::U64 => Ok(io::open::<u64>(path)?),
        DataType::I8 => widen::<i8>(path),
        DataType::I16 => widen::<i16>(path),
        DataType::I32 => widen::<i32>(path),
        DataType::I64 => widen::<i64>(path),
        DataType::F32 | DataType::F64 => Err(Error::InvalidArgument(format!(
            "{}: a label image must hold integers, not {dtype}",
            path.display()
        ))),
    }
}

fn widen<L: LabelValue>(path: &Path) -> Result<Box<dyn Source<Elem = u64>>> {
    let source = io::open::<L>(path)?;
    Ok(Box::new(map_blocks(source, None, |block, _| {
        Ok(block.mapv(|v| v.to_label().unwrap_or(0)))
    })?))
}

//! Opening label images of any integer type as `u32` or `u64` labels.

use std::path::Path;

use tesserae::engine::map_blocks;
use tesserae::ndmeasure::LabelValue;
use tesserae::{DataType, Error, Result, Source, io};

/// A label image, read as `u32` or, for 64-bit types, `u64` labels.
pub enum Labels {
    /// 8-, 16- and 32-bit label images.
    U32(Box<dyn Source<Elem = u32>>),
    /// 64-bit label images.
    U64(Box<dyn Source<Elem = u64>>),
}

/// Opens a label image of any integer type; narrower and signed types are
/// widened to `u32` or `u64` chunk by chunk (negative values become background,
/// as they are never objects). Float images are refused.
pub fn open_labels(path: &Path, dtype: DataType) -> Result<Labels> {
    Ok(match dtype {
        DataType::U32 => Labels::U32(io::open::<u32>(path)?),
        DataType::U64 => Labels::U64(io::open::<u64>(path)?),
        DataType::U8 => Labels::U32(widen::<u8, u32>(path)?),
        DataType::U16 => Labels::U32(widen::<u16, u32>(path)?),
        DataType::I8 => Labels::U32(widen::<i8, u32>(path)?),
        DataType::I16 => Labels::U32(widen::<i16, u32>(path)?),
        DataType::I32 => Labels::U32(widen::<i32, u32>(path)?),
        DataType::I64 => Labels::U64(widen::<i64, u64>(path)?),
        DataType::F32 | DataType::F64 => {
            return Err(Error::InvalidArgument(format!(
                "{}: a label image must hold integers, not {dtype}",
                path.display()
            )));
        }
    })
}

fn widen<L: LabelValue, W: LabelValue>(path: &Path) -> Result<Box<dyn Source<Elem = W>>> {
    let source = io::open::<L>(path)?;
    Ok(Box::new(map_blocks(source, None, |block, _| {
        Ok(block.mapv(|v| {
            v.to_label()
                .and_then(|l| W::from_count(l as usize))
                .unwrap_or_else(W::zero)
        }))
    })?))
}

/// Runs `$body` with `$labels` bound to the opened label source, whatever its width.
macro_rules! with_labels {
    ($labels:expr, $name:ident => $body:expr) => {
        match $labels {
            $crate::labels::Labels::U32($name) => $body,
            $crate::labels::Labels::U64($name) => $body,
        }
    };
}
pub(crate) use with_labels;

/// Runs `$body` with `$T` bound to the integer type of a label image's
/// `DataType`; float images are refused with a one-line error naming `$path`.
macro_rules! with_label_dtype {
    ($dtype:expr, $path:expr, $T:ident => $body:expr) => {
        match $dtype {
            tesserae::DataType::U8 => {
                type $T = u8;
                $body
            }
            tesserae::DataType::U16 => {
                type $T = u16;
                $body
            }
            tesserae::DataType::U32 => {
                type $T = u32;
                $body
            }
            tesserae::DataType::U64 => {
                type $T = u64;
                $body
            }
            tesserae::DataType::I8 => {
                type $T = i8;
                $body
            }
            tesserae::DataType::I16 => {
                type $T = i16;
                $body
            }
            tesserae::DataType::I32 => {
                type $T = i32;
                $body
            }
            tesserae::DataType::I64 => {
                type $T = i64;
                $body
            }
            dtype @ (tesserae::DataType::F32 | tesserae::DataType::F64) => {
                return Err(tesserae::Error::InvalidArgument(format!(
                    "{}: a label image must hold integers, not {dtype}",
                    $path.display()
                )))
            }
        }
    };
}
pub(crate) use with_label_dtype;

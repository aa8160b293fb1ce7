//! Element types: the [`Element`] trait, the runtime [`DataType`] tag and the
//! [`with_dtype!`](crate::with_dtype) dispatch from one to the other.

use std::fmt;

/// The element type of an array, known at run time (e.g. read from a file header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataType {
    /// `u8`
    U8,
    /// `u16`
    U16,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `i8`
    I8,
    /// `i16`
    I16,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f32`
    F32,
    /// `f64`
    F64,
}

impl DataType {
    /// Every supported data type, unsigned, signed then floating point.
    pub const ALL: [DataType; 10] = [
        DataType::U8,
        DataType::U16,
        DataType::U32,
        DataType::U64,
        DataType::I8,
        DataType::I16,
        DataType::I32,
        DataType::I64,
        DataType::F32,
        DataType::F64,
    ];

    /// Size of one element in bytes.
    ///
    /// ```
    /// assert_eq!(tesserae::DataType::U16.size(), 2);
    /// ```
    pub fn size(self) -> usize {
        match self {
            DataType::U8 | DataType::I8 => 1,
            DataType::U16 | DataType::I16 => 2,
            DataType::U32 | DataType::I32 | DataType::F32 => 4,
            DataType::U64 | DataType::I64 | DataType::F64 => 8,
        }
    }

    /// The numpy-style name (`uint8`, `int16`, `float32`, …).
    ///
    /// ```
    /// assert_eq!(tesserae::DataType::F32.name(), "float32");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            DataType::U8 => "uint8",
            DataType::U16 => "uint16",
            DataType::U32 => "uint32",
            DataType::U64 => "uint64",
            DataType::I8 => "int8",
            DataType::I16 => "int16",
            DataType::I32 => "int32",
            DataType::I64 => "int64",
            DataType::F32 => "float32",
            DataType::F64 => "float64",
        }
    }

    /// Parses a numpy-style name (`uint16`) or a Rust one (`u16`).
    ///
    /// ```
    /// use tesserae::DataType;
    /// assert_eq!(DataType::parse("u16"), Some(DataType::U16));
    /// assert_eq!(DataType::parse("float64"), Some(DataType::F64));
    /// assert_eq!(DataType::parse("complex64"), None);
    /// ```
    pub fn parse(name: &str) -> Option<DataType> {
        DataType::ALL
            .into_iter()
            .find(|d| d.name() == name || d.rust_name() == name)
    }

    /// The Rust name (`u8`, `f32`, …).
    pub fn rust_name(self) -> &'static str {
        match self {
            DataType::U8 => "u8",
            DataType::U16 => "u16",
            DataType::U32 => "u32",
            DataType::U64 => "u64",
            DataType::I8 => "i8",
            DataType::I16 => "i16",
            DataType::I32 => "i32",
            DataType::I64 => "i64",
            DataType::F32 => "f32",
            DataType::F64 => "f64",
        }
    }

    /// True for `f32` and `f64`.
    pub fn is_float(self) -> bool {
        matches!(self, DataType::F32 | DataType::F64)
    }

    /// True for the signed integer types.
    pub fn is_signed_integer(self) -> bool {
        matches!(
            self,
            DataType::I8 | DataType::I16 | DataType::I32 | DataType::I64
        )
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A scalar type tesserae arrays can hold.
///
/// Implemented for `u8`–`u64`, `i8`–`i64`, `f32` and `f64`. Generic code is
/// written once over `T: Element` and monomorphised; [`with_dtype!`](crate::with_dtype)
/// picks the instance for a [`DataType`] known only at run time.
pub trait Element:
    Copy
    + Default
    + PartialOrd
    + Send
    + Sync
    + fmt::Debug
    + fmt::Display
    + num_traits::NumCast
    + num_traits::Zero
    + zarrs::array::ElementOwned
    + 'static
{
    /// The run-time tag of this type.
    const DTYPE: DataType;

    /// The value as `f64` (exact for every type but the 64-bit integers beyond 2^53).
    fn as_f64(self) -> f64;
}

macro_rules! impl_element {
    ($($t:ty => $d:ident),* $(,)?) => {$(
        impl Element for $t {
            const DTYPE: DataType = DataType::$d;
            #[inline]
            fn as_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}

impl_element!(
    u8 => U8, u16 => U16, u32 => U32, u64 => U64,
    i8 => I8, i16 => I16, i32 => I32, i64 => I64,
    f32 => F32, f64 => F64,
);

/// Runs a block of generic code with a type alias bound to the Rust type of a
/// run-time [`DataType`].
///
/// ```
/// use tesserae::{with_dtype, DataType, Element};
///
/// fn zero_as_text<T: Element>() -> String {
///     T::zero().to_string()
/// }
/// let dtype = DataType::F32;
/// let text = with_dtype!(dtype, T => zero_as_text::<T>());
/// assert_eq!(text, "0");
/// ```
#[macro_export]
macro_rules! with_dtype {
    ($dtype:expr, $T:ident => $body:expr) => {
        match $dtype {
            $crate::DataType::U8 => {
                type $T = u8;
                $body
            }
            $crate::DataType::U16 => {
                type $T = u16;
                $body
            }
            $crate::DataType::U32 => {
                type $T = u32;
                $body
            }
            $crate::DataType::U64 => {
                type $T = u64;
                $body
            }
            $crate::DataType::I8 => {
                type $T = i8;
                $body
            }
            $crate::DataType::I16 => {
                type $T = i16;
                $body
            }
            $crate::DataType::I32 => {
                type $T = i32;
                $body
            }
            $crate::DataType::I64 => {
                type $T = i64;
                $body
            }
            $crate::DataType::F32 => {
                type $T = f32;
                $body
            }
            $crate::DataType::F64 => {
                type $T = f64;
                $body
            }
        }
    };
}

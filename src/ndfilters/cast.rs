//! [`FilterOutput`]: the element types a linear filter can write, with
//! scipy.ndimage's casts from its `double` results.

use crate::engine::Element;

/// An element type a linear filter writes, with the arithmetic scipy applies
/// to its outputs.
///
/// scipy.ndimage computes every filter in `double` and stores each result with
/// a C cast: floats are rounded to the output type; integers are truncated
/// toward zero and wrap around (on x86-64, through a 32-bit integer for the
/// types up to 32 bits, a 64-bit one otherwise; values beyond those give the
/// integer minimum's low bits). Sums and squares of outputs (in `laplace`,
/// `gaussian_laplace`, `gaussian_gradient_magnitude`) wrap as numpy's integer
/// arithmetic does.
///
/// ```
/// use tesserae::ndfilters::FilterOutput;
/// assert_eq!(u8::from_f64(0.999), 0);
/// assert_eq!(u8::from_f64(-14.0), 242);
/// assert_eq!(i8::from_f64(-5.7), -5);
/// assert_eq!(f32::from_f64(0.1), 0.1f32);
/// assert_eq!(200u8.wrapping_sum(100), 44);
/// ```
pub trait FilterOutput: Element {
    /// The value scipy stores for the `double` result `v`.
    fn from_f64(v: f64) -> Self;
    /// `self + other` in the output type (wrapping for integers).
    fn wrapping_sum(self, other: Self) -> Self;
    /// `self * self` in the output type (wrapping for integers).
    fn wrapping_square(self) -> Self;
    /// The square root, computed in floating point and stored in the output type.
    fn sqrt_cast(self) -> Self;
}

/// x86-64's `cvttsd2si` to a 32-bit integer: truncation, with `i32::MIN` for
/// values out of range and NaN.
#[inline]
fn truncate_i32(v: f64) -> i32 {
    if v > -2_147_483_649.0 && v < 2_147_483_648.0 {
        // SAFETY: `v` is finite and truncates to a value in range. (Unlike
        // `as`, this cast has no saturation to vectorise around.)
        unsafe { v.to_int_unchecked::<i32>() }
    } else {
        i32::MIN
    }
}

/// x86-64's `cvttsd2si` to a 64-bit integer.
#[inline]
fn truncate_i64(v: f64) -> i64 {
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&v) {
        // SAFETY: `v` is finite and truncates to a value in range.
        unsafe { v.to_int_unchecked::<i64>() }
    } else {
        i64::MIN
    }
}

macro_rules! impl_integer {
    ($($t:ty => $via:ident),* $(,)?) => {$(
        impl FilterOutput for $t {
            #[inline]
            fn from_f64(v: f64) -> Self {
                $via(v) as $t
            }
            #[inline]
            fn wrapping_sum(self, other: Self) -> Self {
                self.wrapping_add(other)
            }
            #[inline]
            fn wrapping_square(self) -> Self {
                self.wrapping_mul(self)
            }
            #[inline]
            fn sqrt_cast(self) -> Self {
                Self::from_f64((self as f64).sqrt())
            }
        }
    )*};
}

impl_integer!(
    u8 => truncate_i32, u16 => truncate_i32, i8 => truncate_i32, i16 => truncate_i32,
    i32 => truncate_i32, u32 => truncate_i64, i64 => truncate_i64,
);

impl FilterOutput for u64 {
    #[inline]
    fn from_f64(v: f64) -> Self {
        const TWO_63: f64 = 9_223_372_036_854_775_808.0;
        if v < TWO_63 {
            truncate_i64(v) as u64
        } else {
            (truncate_i64(v - TWO_63) as u64) ^ (1 << 63)
        }
    }
    #[inline]
    fn wrapping_sum(self, other: Self) -> Self {
        self.wrapping_add(other)
    }
    #[inline]
    fn wrapping_square(self) -> Self {
        self.wrapping_mul(self)
    }
    #[inline]
    fn sqrt_cast(self) -> Self {
        Self::from_f64((self as f64).sqrt())
    }
}

macro_rules! impl_float {
    ($($t:ty),*) => {$(
        impl FilterOutput for $t {
            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn wrapping_sum(self, other: Self) -> Self {
                self + other
            }
            #[inline]
            fn wrapping_square(self) -> Self {
                self * self
            }
            #[inline]
            fn sqrt_cast(self) -> Self {
                self.sqrt()
            }
        }
    )*};
}

impl_float!(f32, f64);

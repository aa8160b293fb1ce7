//! Regional extrema of a given height, scikit-image's `h_maxima` and
//! `h_minima`: the image lowered (raised) by `h` is reconstructed under
//! (above) the image, and the voxels that stand at least `h` above (below)
//! the reconstruction are the extrema. In memory or chunked at any chunking,
//! with scikit-image's arithmetic (integer images saturate, floating-point
//! images subtract a relative resolution), so the results are its own.

use ndarray::{ArrayD, ArrayViewD, Zip};

use crate::engine::{
    ArraySink, DataType, Element, Executor, Sink, Source, ViewSource, map_blocks, min_max, store,
};
use crate::error::{Error, Result};
use crate::ndfilters::Footprint;
use crate::ndmorph::reconstruct::{self, Reconstruction, ReconstructionFloat};

/// `skimage.morphology.h_maxima` and `h_minima`, configured once and run in
/// memory ([`HExtrema::apply`]) or chunk by chunk from a source into a sink
/// ([`HExtrema::run`]). The output is 1 on the extrema, 0 elsewhere.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmorph::HExtrema;
/// use tesserae::{ArraySink, ArraySource, Executor};
///
/// // Two peaks: 5 stands 4 above its surroundings, 2 only 1 above them.
/// let image = array![[1u8, 1, 1, 1, 1], [1, 5, 1, 2, 1], [1, 1, 1, 1, 1]].into_dyn();
/// let peaks = HExtrema::maxima(3.0).apply(&image.view())?;
/// assert_eq!(peaks, array![[0u8, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 0, 0]].into_dyn());
///
/// let source = ArraySource::new(image).with_chunks(&[2, 2])?;
/// let mut sink = ArraySink::<u8>::new(&[3, 5]);
/// HExtrema::maxima(3.0).run(&Executor::new(), &source, &mut sink)?;
/// assert_eq!(sink.into_array(), peaks);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct HExtrema {
    minima: bool,
    h: f64,
    reconstruction: Reconstruction,
}

impl HExtrema {
    /// The maxima of height at least `h` (`h_maxima`).
    pub fn maxima(h: f64) -> Self {
        HExtrema {
            minima: false,
            h,
            reconstruction: Reconstruction::dilation(),
        }
    }

    /// The minima of depth at least `h` (`h_minima`).
    pub fn minima(h: f64) -> Self {
        HExtrema {
            minima: true,
            h,
            reconstruction: Reconstruction::erosion(),
        }
    }

    /// The neighbourhood (scikit-image's `footprint`, default the full
    /// 3 × … × 3 box).
    pub fn footprint(mut self, footprint: Footprint) -> Self {
        self.reconstruction = self.reconstruction.footprint(footprint);
        self
    }

    /// The chunk shape of a chunked run (default: the image's native chunks).
    /// The result does not depend on it.
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.reconstruction = self.reconstruction.chunks(chunks);
        self
    }

    /// The byte budget for blocks kept between the reconstruction's passes and
    /// the output (see [`Fixpoint::cache`](crate::engine::Fixpoint::cache)).
    pub fn cache(mut self, bytes: usize) -> Self {
        self.reconstruction = self.reconstruction.cache(bytes);
        self
    }

    /// The extrema of an in-memory image.
    ///
    /// Fails when `h` is 0 (scikit-image: use `local_maxima`), negative or
    /// not finite, or the footprint has another rank.
    pub fn apply<T: Element>(&self, image: &ArrayViewD<'_, T>) -> Result<ArrayD<u8>> {
        let chunks = image.shape().to_vec();
        let source = ViewSource::new(image.view(), &chunks)?;
        let mut sink = ArraySink::<u8>::new(image.shape());
        self.run(&Executor::new(), &source, &mut sink)?;
        Ok(sink.into_array())
    }

    /// The extrema of `image`, chunk by chunk, written to `sink` and committed.
    pub fn run<S: Source>(
        &self,
        exec: &Executor,
        image: &S,
        sink: &mut dyn Sink<Elem = u8>,
    ) -> Result<()> {
        run_dyn(self, exec, image, sink)
    }
}

/// [`HExtrema::run`] on a source behind a reference.
fn run_dyn<T: Element>(
    op: &HExtrema,
    exec: &Executor,
    image: &dyn Source<Elem = T>,
    sink: &mut dyn Sink<Elem = u8>,
) -> Result<()> {
    let h = op.h;
    let name = if op.minima { "h_minima" } else { "h_maxima" };
    if h == 0.0 {
        let local = if op.minima {
            "local_minima"
        } else {
            "local_maxima"
        };
        return Err(Error::InvalidArgument(format!(
            "{name}: h = 0 is ambiguous, use {local}() instead"
        )));
    }
    if !(h > 0.0 && h.is_finite()) {
        return Err(Error::InvalidArgument(format!(
            "{name}: h must be a positive number, not {h}"
        )));
    }
    let Some(range) = min_max(exec, image, op.reconstruction_chunks())? else {
        return zeros(exec, image, sink);
    };
    let integer = !T::DTYPE.is_float() && h.fract() == 0.0;
    if integer {
        // scikit-image computes np.ptp in the image's type, wrapping around
        // for signed types whose range spans more than the type holds.
        let ptp = wrapping_ptp(range.min.as_f64(), range.max.as_f64(), T::DTYPE);
        if h > ptp {
            return zeros(exec, image, sink);
        }
        let (lo, hi) = type_limits(T::DTYPE);
        let shift = move |x: f64| {
            if op.minima {
                (x + h).min(hi)
            } else {
                (x - h).max(lo)
            }
        };
        extrema::<T, f64>(op, exec, image, sink, h, shift)
    } else if T::DTYPE == DataType::F32 {
        let (lo, hi) = (range.min.as_f64() as f32, range.max.as_f64() as f32);
        if h as f32 > hi - lo {
            return zeros(exec, image, sink);
        }
        extrema::<T, f32>(op, exec, image, sink, h, float_shift(op.minima, h as f32))
    } else {
        if h > range.max.as_f64() - range.min.as_f64() {
            return zeros(exec, image, sink);
        }
        extrema::<T, f64>(op, exec, image, sink, h, float_shift(op.minima, h))
    }
}

impl HExtrema {
    fn reconstruction_chunks(&self) -> Option<&[usize]> {
        self.reconstruction.chunk_shape()
    }
}

/// scikit-image's shift of a floating-point image: by `h` and a resolution
/// relative to the value (`2 * finfo.resolution * |x|`), in the image's type.
fn float_shift<F: ReconstructionFloat>(minima: bool, h: F) -> impl Fn(F) -> F + Copy {
    let resolution = F::from(2.0).unwrap_or_else(F::one) * resolution::<F>();
    move |x: F| {
        if minima {
            x + h + resolution * x.abs()
        } else {
            x - h - resolution * x.abs()
        }
    }
}

/// numpy's `finfo(F).resolution`: 1e-6 for `f32`, 1e-15 for `f64`.
fn resolution<F: ReconstructionFloat>() -> F {
    let digits = if F::DTYPE == DataType::F32 { 6 } else { 15 };
    F::from(10f64.powi(-digits)).unwrap_or_else(F::epsilon)
}

/// `np.ptp` of an integer image of `dtype` with range `min..=max`: the
/// difference wrapped to the type, as numpy computes it.
fn wrapping_ptp(min: f64, max: f64, dtype: DataType) -> f64 {
    let bits = (dtype.size() * 8) as u32;
    let diff = max as i128 - min as i128;
    if !dtype.is_signed_integer() || bits >= 64 {
        return diff as f64;
    }
    let modulus = 1i128 << bits;
    let wrapped = diff.rem_euclid(modulus);
    (if wrapped >= modulus / 2 {
        wrapped - modulus
    } else {
        wrapped
    }) as f64
}

/// The smallest and largest value of an integer type.
fn type_limits(dtype: DataType) -> (f64, f64) {
    match dtype {
        DataType::U8 => (0.0, u8::MAX as f64),
        DataType::U16 => (0.0, u16::MAX as f64),
        DataType::U32 => (0.0, u32::MAX as f64),
        DataType::U64 => (0.0, u64::MAX as f64),
        DataType::I8 => (i8::MIN as f64, i8::MAX as f64),
        DataType::I16 => (i16::MIN as f64, i16::MAX as f64),
        DataType::I32 => (i32::MIN as f64, i32::MAX as f64),
        DataType::I64 => (i64::MIN as f64, i64::MAX as f64),
        DataType::F32 => (f32::MIN as f64, f32::MAX as f64),
        DataType::F64 => (f64::MIN, f64::MAX),
    }
}

/// An all-zero output (no extremum is `h` high).
fn zeros<T: Element>(
    exec: &Executor,
    image: &dyn Source<Elem = T>,
    sink: &mut dyn Sink<Elem = u8>,
) -> Result<()> {
    let none = map_blocks(image, None, |block, _| {
        Ok(ArrayD::<u8>::zeros(block.shape()))
    })?;
    store(exec, &none, sink)
}

/// The extrema computed in `F`: `shift` gives the seed of every value (as
/// `F`), the image is the mask, and a voxel is an extremum when it differs
/// from the reconstruction by at least `h`.
fn extrema<T: Element, F: ReconstructionFloat>(
    op: &HExtrema,
    exec: &Executor,
    image: &dyn Source<Elem = T>,
    sink: &mut dyn Sink<Elem = u8>,
    h: f64,
    shift: impl Fn(F) -> F + Copy + Send + Sync,
) -> Result<()> {
    let to_float = |v: T| F::from(v.as_f64()).unwrap_or_else(F::nan);
    let seed = map_blocks(image, None, move |block, _| {
        Ok(block.mapv(|v| shift(to_float(v))))
    })?;
    let mask = map_blocks(image, None, move |block, _| Ok(block.mapv(to_float)))?;
    let solved = reconstruct::solve::<F, F, F>(&op.reconstruction, exec, &seed, &mask)?;
    let h = F::from(h).unwrap_or_else(F::nan);
    let minima = op.minima;
    let marked = map_blocks(&solved, None, |rec, region| {
        let values = image.read(region)?;
        let mut out = ArrayD::<u8>::zeros(rec.shape());
        Zip::from(&mut out)
            .and(&rec)
            .and(&values)
            .for_each(|o, &r, &v| {
                let x = to_float(v);
                // The reconstruction of the minima is negated (erosion is the
                // dilation of the negated images).
                let residue = if minima { -r - x } else { x - r };
                *o = u8::from(residue >= h);
            });
        Ok(out)
    })?;
    store(exec, &marked, sink)
}

/// `skimage.morphology.h_maxima(image, h)` in memory.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmorph::h_maxima;
/// let image = array![0u8, 3, 0, 1, 0].into_dyn();
/// assert_eq!(h_maxima(&image.view(), 2.0)?, array![0u8, 1, 0, 0, 0].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn h_maxima<T: Element>(image: &ArrayViewD<'_, T>, h: f64) -> Result<ArrayD<u8>> {
    HExtrema::maxima(h).apply(image)
}

/// `skimage.morphology.h_minima(image, h)` in memory.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmorph::h_minima;
/// let image = array![5u8, 2, 5, 4, 5].into_dyn();
/// assert_eq!(h_minima(&image.view(), 2.0)?, array![0u8, 1, 0, 0, 0].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn h_minima<T: Element>(image: &ArrayViewD<'_, T>, h: f64) -> Result<ArrayD<u8>> {
    HExtrema::minima(h).apply(image)
}

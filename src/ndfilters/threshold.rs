//! Global thresholds equal to scikit-image 0.26's `threshold_otsu`,
//! `threshold_li`, `threshold_triangle`, `threshold_yen`, `threshold_isodata`,
//! `threshold_minimum` and `threshold_mean`, computed from chunked reductions, so they work on
//! images of any size.
//!
//! The histogram-based methods reproduce scikit-image's arithmetic step by
//! step: the histogram (one bin per integer value for integer images, 256
//! bins between the minimum and the maximum for floating-point images, bin
//! for bin as `np.histogram`), its counts in `float32`, and the same
//! promotions (`float32` for `float32` images, `float64` otherwise), so the
//! threshold is the same bin centre as scikit-image's.
//!
//! Exactness: integer images give scikit-image's value exactly for every
//! method (as long as sums stay below 2^53). For floating-point images the
//! histogram methods are exact too; `threshold_mean` and `threshold_li`
//! average values in `f64` where numpy sums `float32` values pairwise in
//! `float32`, so they agree to about 1e-6 relative (`float64` images: 1e-12).

use ndarray::ArrayViewD;
use num_traits::Float;

use crate::engine::{Accumulator, ArraySource, DataType, Element, Executor, Source, reduce};
use crate::error::{Error, Result};
use crate::ndfilters::threshold_hist::{
    Histogram, float_histogram, integer_histogram, pairwise_sum,
};

/// A global thresholding method of scikit-image.
///
/// ```
/// use tesserae::ndfilters::ThresholdMethod;
/// assert_eq!(ThresholdMethod::parse("otsu"), Some(ThresholdMethod::Otsu));
/// assert_eq!(ThresholdMethod::Li.name(), "li");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ThresholdMethod {
    /// `threshold_otsu`: maximises the between-class variance of the histogram.
    Otsu,
    /// `threshold_li`: Li's iterative minimum cross entropy.
    Li,
    /// `threshold_triangle`: the triangle (Zack) method on the histogram.
    Triangle,
    /// `threshold_yen`: Yen's maximum correlation criterion.
    Yen,
    /// `threshold_isodata`: the lowest Ridler–Calvard (inter-means) threshold.
    Isodata,
    /// `threshold_mean`: the mean value.
    Mean,
    /// `threshold_minimum`: the histogram smoothed until it has two maxima,
    /// then its lowest point between them.
    Minimum,
}

impl ThresholdMethod {
    /// Every method.
    pub const ALL: [ThresholdMethod; 7] = [
        ThresholdMethod::Otsu,
        ThresholdMethod::Li,
        ThresholdMethod::Triangle,
        ThresholdMethod::Yen,
        ThresholdMethod::Isodata,
        ThresholdMethod::Mean,
        ThresholdMethod::Minimum,
    ];

    /// The method's name, as in scikit-image's function name without `threshold_`.
    pub fn name(self) -> &'static str {
        match self {
            ThresholdMethod::Otsu => "otsu",
            ThresholdMethod::Li => "li",
            ThresholdMethod::Triangle => "triangle",
            ThresholdMethod::Yen => "yen",
            ThresholdMethod::Isodata => "isodata",
            ThresholdMethod::Mean => "mean",
            ThresholdMethod::Minimum => "minimum",
        }
    }

    /// The method of a name (see [`ThresholdMethod::name`]).
    pub fn parse(name: &str) -> Option<Self> {
        ThresholdMethod::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// A global threshold, configured once and computed in memory
/// ([`Threshold::apply`]) or over any [`Source`] chunk by chunk
/// ([`Threshold::compute`]); voxels above it are foreground (`image > t`).
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndfilters::{Threshold, ThresholdMethod};
/// use tesserae::{ArraySource, Executor};
///
/// let image = ArrayD::from_shape_fn(vec![20, 20], |i| if i[1] < 8 { 10u8 } else { 200 });
/// let otsu = Threshold::new(ThresholdMethod::Otsu);
/// assert_eq!(otsu.apply(&image.view())?, 10.0);
/// let source = ArraySource::new(image).with_chunks(&[7, 7])?;
/// assert_eq!(otsu.compute(&Executor::new(), &source)?, 10.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    method: ThresholdMethod,
    nbins: usize,
    tolerance: Option<f64>,
    max_num_iter: usize,
    chunks: Option<Vec<usize>>,
}

impl Threshold {
    /// A threshold by `method`, with scikit-image's defaults (256 bins for
    /// floating-point images, Li's default tolerance).
    pub fn new(method: ThresholdMethod) -> Self {
        Threshold {
            method,
            nbins: 256,
            tolerance: None,
            max_num_iter: 10_000,
            chunks: None,
        }
    }

    /// Number of histogram bins for floating-point images (scikit-image's
    /// `nbins`, default 256; integer images have one bin per value).
    ///
    /// ```
    /// use tesserae::ndfilters::{Threshold, ThresholdMethod};
    /// let t = Threshold::new(ThresholdMethod::Otsu).nbins(1024);
    /// # let _ = t;
    /// ```
    pub fn nbins(mut self, nbins: usize) -> Self {
        self.nbins = nbins;
        self
    }

    /// Li's stopping tolerance (scikit-image's `tolerance`). By default 0.5
    /// for integer images and half the smallest gap between distinct values
    /// for floating-point images; finding that gap keeps the sorted distinct
    /// values in memory, which giving a tolerance avoids.
    ///
    /// ```
    /// use tesserae::ndfilters::{Threshold, ThresholdMethod};
    /// let t = Threshold::new(ThresholdMethod::Li).tolerance(1e-4);
    /// # let _ = t;
    /// ```
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// The most smoothing iterations of the minimum method (scikit-image's
    /// `max_num_iter`, default 10000); reaching it is an error, as there.
    ///
    /// ```
    /// use tesserae::ndfilters::{Threshold, ThresholdMethod};
    /// let t = Threshold::new(ThresholdMethod::Minimum).max_num_iter(500);
    /// # let _ = t;
    /// ```
    pub fn max_num_iter(mut self, max_num_iter: usize) -> Self {
        self.max_num_iter = max_num_iter;
        self
    }

    /// Chunk shape of the reductions (default: the source's native chunks).
    ///
    /// ```
    /// use tesserae::ndfilters::{Threshold, ThresholdMethod};
    /// let t = Threshold::new(ThresholdMethod::Yen).chunks(&[64, 256, 256]);
    /// # let _ = t;
    /// ```
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// The threshold of an in-memory image.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndfilters::{Threshold, ThresholdMethod};
    /// let image = array![1.0f32, 2.0, 3.0, 6.0].into_dyn();
    /// assert_eq!(Threshold::new(ThresholdMethod::Mean).apply(&image.view())?, 3.0);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply<T: Element>(&self, image: &ArrayViewD<'_, T>) -> Result<f64> {
        let source = ArraySource::new(image.to_owned());
        Threshold {
            chunks: None,
            ..self.clone()
        }
        .compute(&Executor::new(), &source)
    }

    /// The threshold of `source`, from reductions over its chunks on `exec`
    /// (one pass for `mean`, two for the histogram methods on floating-point
    /// images, one per iteration for Li on floating-point images).
    ///
    /// Fails on an empty image, on NaN or infinite values for the histogram
    /// methods (as numpy's histogram), when an integer image spans more than
    /// 2^28 values, when `nbins` is 0, or where scikit-image raises (the
    /// triangle method on a histogram whose peak is its first bin, isodata
    /// without a valid threshold, the minimum method when the smoothed
    /// histogram does not come down to two maxima within `max_num_iter`
    /// iterations, which includes every constant image).
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndfilters::{Threshold, ThresholdMethod};
    /// use tesserae::{ArraySource, Executor};
    /// let image = ArrayD::from_shape_fn(vec![16, 16], |i| ((i[0] * 16 + i[1]) % 97) as u16);
    /// let source = ArraySource::new(image.clone()).with_chunks(&[5, 5])?;
    /// let li = Threshold::new(ThresholdMethod::Li);
    /// assert_eq!(li.compute(&Executor::new(), &source)?, li.apply(&image.view())?);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn compute<S: Source>(&self, exec: &Executor, source: &S) -> Result<f64> {
        if source.shape().iter().product::<usize>() == 0 {
            return Err(Error::InvalidArgument(
                "cannot threshold an empty image".into(),
            ));
        }
        if self.nbins == 0 {
            return Err(Error::InvalidArgument(
                "the histogram needs at least one bin".into(),
            ));
        }
        let chunks = self.chunks.as_deref();
        let dtype = <S::Elem as Element>::DTYPE;
        match self.method {
            ThresholdMethod::Mean => mean(exec, source, chunks),
            ThresholdMethod::Li if dtype.is_float() => match dtype {
                DataType::F32 => li_float::<f32, S>(exec, source, chunks, self.tolerance),
                _ => li_float::<f64, S>(exec, source, chunks, self.tolerance),
            },
            ThresholdMethod::Li => li_integer(exec, source, chunks, self.tolerance),
            method if dtype.is_float() => {
                if method != ThresholdMethod::Minimum
                    && let Some(r) = crate::engine::min_max(exec, source, chunks)?
                    && r.min == r.max
                {
                    return Ok(r.min.as_f64());
                }
                match dtype {
                    DataType::F32 => {
                        let h = float_histogram::<f32, S>(exec, source, chunks, self.nbins)?;
                        self.on_histogram(h)
                    }
                    _ => {
                        let h = float_histogram::<f64, S>(exec, source, chunks, self.nbins)?;
                        self.on_histogram(h)
                    }
                }
            }
            // An integer histogram has one bin per value: a single bin is an
            // image of one value.
            method => match integer_histogram(exec, source, chunks)? {
                Some(h) if h.counts.len() == 1 && method != ThresholdMethod::Minimum => {
                    Ok(h.centers[0])
                }
                h => self.on_histogram(h),
            },
        }
    }
}

/// `skimage.filters.threshold_otsu` of an in-memory image.
///
/// ```
/// use ndarray::array;
/// let image = array![[0u8, 0, 10], [10, 200, 210]].into_dyn();
/// assert_eq!(tesserae::ndfilters::threshold_otsu(&image.view())?, 10.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn threshold_otsu<T: Element>(image: &ArrayViewD<'_, T>) -> Result<f64> {
    Threshold::new(ThresholdMethod::Otsu).apply(image)
}

/// `skimage.filters.threshold_li` of an in-memory image.
///
/// ```
/// use ndarray::array;
/// let image = array![[0u8, 0, 10], [10, 200, 210]].into_dyn();
/// let t = tesserae::ndfilters::threshold_li(&image.view())?;
/// assert!(t > 10.0 && t < 200.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn threshold_li<T: Element>(image: &ArrayViewD<'_, T>) -> Result<f64> {
    Threshold::new(ThresholdMethod::Li).apply(image)
}

/// `skimage.filters.threshold_triangle` of an in-memory image.
///
/// ```
/// use ndarray::ArrayD;
/// let image = ArrayD::from_shape_fn(vec![10, 10], |i| if i[0] < 7 { 5u8 } else { 50 + i[1] as u8 });
/// let t = tesserae::ndfilters::threshold_triangle(&image.view())?;
/// assert!(t >= 5.0 && t < 50.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn threshold_triangle<T: Element>(image: &ArrayViewD<'_, T>) -> Result<f64> {
    Threshold::new(ThresholdMethod::Triangle).apply(image)
}

/// `skimage.filters.threshold_yen` of an in-memory image.
///
/// ```
/// use ndarray::array;
/// let image = array![[0u8, 0, 10], [10, 200, 210]].into_dyn();
/// let t = tesserae::ndfilters::threshold_yen(&image.view())?;
/// assert!(t >= 0.0 && t < 210.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn threshold_yen<T: Element>(image: &ArrayViewD<'_, T>) -> Result<f64> {
    Threshold::new(ThresholdMethod::Yen).apply(image)
}

/// `skimage.filters.threshold_isodata` of an in-memory image (the lowest threshold).
///
/// ```
/// use ndarray::array;
/// let image = array![[0u8, 0, 10], [10, 200, 210]].into_dyn();
/// let t = tesserae::ndfilters::threshold_isodata(&image.view())?;
/// assert!(t >= 10.0 && t < 200.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn threshold_isodata<T: Element>(image: &ArrayViewD<'_, T>) -> Result<f64> {
    Threshold::new(ThresholdMethod::Isodata).apply(image)
}

/// `skimage.filters.threshold_mean` of an in-memory image.
///
/// ```
/// use ndarray::array;
/// let image = array![1u16, 2, 4, 5].into_dyn();
/// assert_eq!(tesserae::ndfilters::threshold_mean(&image.view())?, 3.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn threshold_mean<T: Element>(image: &ArrayViewD<'_, T>) -> Result<f64> {
    Threshold::new(ThresholdMethod::Mean).apply(image)
}

/// `skimage.filters.threshold_minimum` of an in-memory image (256 bins for
/// floating-point images, at most 10000 smoothing iterations).
///
/// ```
/// use ndarray::ArrayD;
/// // Two humps of values, 60..=80 and 180..=200 (scikit-image finds 88).
/// let image = ArrayD::from_shape_fn(vec![40, 40], |i| {
///     let base = if i[0] < 20 { 60 } else { 180 };
///     let ripple = (i[1] % 8).min(7 - i[1] % 8) + (i[0] % 6).min(5 - i[0] % 6);
///     (base + 4 * ripple) as u8
/// });
/// let t = tesserae::ndfilters::threshold_minimum(&image.view())?;
/// assert!(t > 80.0 && t < 180.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn threshold_minimum<T: Element>(image: &ArrayViewD<'_, T>) -> Result<f64> {
    Threshold::new(ThresholdMethod::Minimum).apply(image)
}

/// Rounds an `f64` to the image's precision (`f32` images compute in `f32`).
fn round_to<T: Element>(v: f64) -> f64 {
    if T::DTYPE == DataType::F32 {
        f64::from(v as f32)
    } else {
        v
    }
}

/// An exact integer sum (or a floating-point one) with a count.
#[derive(Debug, Default)]
struct Total {
    int: i128,
    float: f64,
    n: u64,
}

impl Accumulator for Total {
    fn merge(&mut self, other: Self) {
        self.int += other.int;
        self.float += other.float;
        self.n += other.n;
    }
}

/// `np.mean(image)`: exact for integers, `f64` sums rounded to the image's precision for floats.
fn mean<S: Source>(exec: &Executor, source: &S, chunks: Option<&[usize]>) -> Result<f64> {
    let float = <S::Elem as Element>::DTYPE.is_float();
    let total = reduce(exec, source, chunks, |block, _| {
        let mut t = Total {
            n: block.len() as u64,
            ..Total::default()
        };
        if float {
            t.float = block.iter().map(|v| v.as_f64()).sum();
        } else {
            for v in block.iter() {
                t.int += num_traits::ToPrimitive::to_i128(v).unwrap_or(0);
            }
        }
        Ok(t)
    })?
    .unwrap_or_default();
    let n = total.n as f64;
    Ok(if float {
        round_to::<S::Elem>(total.float / n)
    } else {
        total.int as f64 / n
    })
}

impl Threshold {
    /// The histogram methods on a histogram computed in precision `P`.
    fn on_histogram<P: Float>(&self, h: Option<Histogram<P>>) -> Result<f64> {
        let h =
            h.ok_or_else(|| Error::InvalidArgument("cannot threshold an empty image".into()))?;
        let value = match self.method {
            ThresholdMethod::Otsu => otsu(&h),
            ThresholdMethod::Yen => yen(&h),
            ThresholdMethod::Isodata => isodata(&h)?,
            ThresholdMethod::Triangle => triangle(&h)?,
            ThresholdMethod::Minimum => minimum(&h, self.max_num_iter)?,
            ThresholdMethod::Li | ThresholdMethod::Mean => {
                return Err(Error::InvalidArgument(format!(
                    "{} is not a histogram method",
                    self.method.name()
                )));
            }
        };
        value
            .to_f64()
            .ok_or_else(|| Error::Failed("threshold is not a number".into()))
    }
}

/// numpy's `argmax`: the first maximum, or the first NaN.
fn argmax<P: Float>(values: &[P]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v.is_nan() {
            return i;
        }
        if v > values[best] {
            best = i;
        }
    }
    best
}

fn cumsum<P: Float>(values: impl Iterator<Item = P>) -> Vec<P> {
    let mut acc = P::zero();
    values
        .map(|v| {
            acc = acc + v;
            acc
        })
        .collect()
}

fn p<P: Float>(v: f32) -> P {
    P::from(v).unwrap_or_else(P::nan)
}

/// Counts as `float32`, as `_validate_image_histogram` casts them.
fn counts_f32<P>(h: &Histogram<P>) -> Vec<f32> {
    h.counts.iter().map(|&c| c as f32).collect()
}

fn otsu<P: Float>(h: &Histogram<P>) -> P {
    let c = counts_f32(h);
    let n = c.len();
    let weight1 = cumsum(c.iter().copied());
    let mut weight2 = cumsum(c.iter().rev().copied());
    weight2.reverse();
    let weighted: Vec<P> = c
        .iter()
        .zip(&h.centers)
        .map(|(&c, &x)| p::<P>(c) * x)
        .collect();
    let mean1: Vec<P> = cumsum(weighted.iter().copied())
        .into_iter()
        .zip(&weight1)
        .map(|(s, &w)| s / p(w))
        .collect();
    let mut mean2 = cumsum(weighted.iter().rev().copied());
    mean2.reverse();
    for (m, &w) in mean2.iter_mut().zip(&weight2) {
        *m = *m / p(w);
    }
    let variance: Vec<P> = (0..n.saturating_sub(1))
        .map(|i| {
            let d = mean1[i] - mean2[i + 1];
            p::<P>(weight1[i] * weight2[i + 1]) * (d * d)
        })
        .collect();
    h.centers[argmax(&variance)]
}

fn yen<P: Float>(h: &Histogram<P>) -> P {
    if h.centers.len() == 1 {
        return h.centers[0];
    }
    let c = counts_f32(h);
    let total = pairwise_sum(&c);
    let pmf: Vec<f32> = c.iter().map(|&v| v / total).collect();
    let p1 = cumsum(pmf.iter().copied());
    let p1_sq = cumsum(pmf.iter().map(|&v| v * v));
    let mut p2_sq = cumsum(pmf.iter().rev().map(|&v| v * v));
    p2_sq.reverse();
    let crit: Vec<f32> = (0..c.len() - 1)
        .map(|i| {
            let a = p1[i] * (1.0 - p1[i]);
            ((1.0 / (p1_sq[i] * p2_sq[i + 1])) * (a * a)).ln()
        })
        .collect();
    h.centers[argmax(&crit)]
}

fn isodata<P: Float>(h: &Histogram<P>) -> Result<P> {
    let n = h.centers.len();
    if n == 1 {
        return Ok(h.centers[0]);
    }
    let c = counts_f32(h);
    let csuml = cumsum(c.iter().copied());
    let total = csuml[n - 1];
    let csum_intensity = cumsum(c.iter().zip(&h.centers).map(|(&c, &x)| p::<P>(c) * x));
    let two = P::one() + P::one();
    let width = h.centers[1] - h.centers[0];
    (0..n - 1)
        .find(|&i| {
            let lower = csum_intensity[i] / p(csuml[i]);
            let higher = (csum_intensity[n - 1] - csum_intensity[i]) / p(total - csuml[i]);
            let distance = (lower + higher) / two - h.centers[i];
            distance >= P::zero() && distance < width
        })
        .map(|i| h.centers[i])
        .ok_or_else(|| Error::InvalidArgument("isodata finds no threshold".into()))
}

fn triangle<P: Float>(h: &Histogram<P>) -> Result<P> {
    let mut hist: Vec<i64> = h.counts.iter().map(|&c| c as i64).collect();
    let nbins = hist.len();
    let mut peak = argmax(&hist.iter().map(|&v| v as f64).collect::<Vec<_>>());
    let peak_height = hist[peak];
    let mut low = hist.iter().position(|&v| v != 0).unwrap_or(0);
    let high = hist.iter().rposition(|&v| v != 0).unwrap_or(0);
    if low == high {
        return Ok(h.centers[low]);
    }
    let flip = (peak as i64 - low as i64) < (high as i64 - peak as i64);
    if flip {
        hist.reverse();
        low = nbins - high - 1;
        peak = nbins - peak - 1;
    }
    let width = peak - low;
    if width == 0 {
        return Err(Error::InvalidArgument(
            "the triangle method needs a histogram peak away from its end".into(),
        ));
    }
    let norm = ((peak_height * peak_height + (width * width) as i64) as f64).sqrt();
    let height = peak_height as f64 / norm;
    let w = width as f64 / norm;
    let length: Vec<f64> = (0..width)
        .map(|x| height * x as f64 - w * hist[x + low] as f64)
        .collect();
    let mut level = argmax(&length) + low;
    if flip {
        level = nbins - level - 1;
    }
    Ok(h.centers[level])
}

/// `scipy.ndimage.uniform_filter1d(h, 3)` of a `float32` histogram: a running
/// sum in `f64` over the line extended by reflection, divided by 3 and
/// stored as `f32`.
fn smooth3(h: &[f32]) -> Vec<f32> {
    let (Some(&first), Some(&last)) = (h.first(), h.last()) else {
        return Vec::new();
    };
    let x: Vec<f64> = std::iter::once(first)
        .chain(h.iter().copied())
        .chain(std::iter::once(last))
        .map(f64::from)
        .collect();
    let mut sum = x[0] + x[1] + x[2];
    let mut out = Vec::with_capacity(h.len());
    out.push((sum / 3.0) as f32);
    for i in 1..h.len() {
        sum += x[i + 2] - x[i - 1];
        out.push((sum / 3.0) as f32);
    }
    out
}

/// The local maxima of a histogram as scikit-image's minimum method finds
/// them: where a rise (or the start) turns into a fall, plateaus included.
fn local_maxima(h: &[f32]) -> Vec<usize> {
    let mut maxima = Vec::new();
    let mut rising = true;
    for (i, w) in h.windows(2).enumerate() {
        if rising && w[1] < w[0] {
            rising = false;
            maxima.push(i);
        } else if !rising && w[1] > w[0] {
            rising = true;
        }
    }
    maxima
}

/// `threshold_minimum`: smooths the `float32` counts until at most two maxima
/// remain, then takes the first lowest bin between the two.
fn minimum<P: Float>(h: &Histogram<P>, max_num_iter: usize) -> Result<P> {
    let mut smooth = counts_f32(h);
    let mut maxima = Vec::new();
    let mut iterations = 0;
    while iterations < max_num_iter {
        iterations += 1;
        smooth = smooth3(&smooth);
        maxima = local_maxima(&smooth);
        if maxima.len() < 3 {
            break;
        }
    }
    let &[first, second] = maxima.as_slice() else {
        return Err(Error::InvalidArgument(
            "the minimum method finds no two maxima in the histogram".into(),
        ));
    };
    if iterations == max_num_iter {
        return Err(Error::InvalidArgument(format!(
            "the minimum method reached its {max_num_iter} smoothing iterations"
        )));
    }
    let between = &smooth[first..=second];
    let mut lowest = 0;
    for (i, &v) in between.iter().enumerate() {
        if v < between[lowest] {
            lowest = i;
        }
    }
    Ok(h.centers[first + lowest])
}

/// Li's iteration on an integer image, from its exact histogram.
fn li_integer<S: Source>(
    exec: &Executor,
    source: &S,
    chunks: Option<&[usize]>,
    tolerance: Option<f64>,
) -> Result<f64> {
    let h = integer_histogram(exec, source, chunks)?
        .ok_or_else(|| Error::InvalidArgument("cannot threshold an empty image".into()))?;
    let lo = h.centers[0];
    if h.centers.len() == 1 {
        return Ok(lo);
    }
    let tolerance = tolerance.filter(|&t| t != 0.0).unwrap_or(0.5);
    let shifted: Vec<f64> = h.centers.iter().map(|&c| c - lo).collect();
    let n: u64 = h.counts.iter().sum();
    let sum: u128 = h
        .counts
        .iter()
        .enumerate()
        .map(|(i, &c)| i as u128 * u128::from(c))
        .sum();
    let weights = counts_f32(&h);
    let mut t_next = sum as f64 / n as f64;
    let mut t_curr = -2.0 * tolerance;
    while (t_next - t_curr).abs() > tolerance {
        t_curr = t_next;
        let (mut fs, mut fw, mut bs, mut bw) = (0.0, 0.0, 0.0, 0.0);
        for (&x, &w) in shifted.iter().zip(&weights) {
            let w = f64::from(w);
            if x > t_curr {
                fs += x * w;
                fw += w;
            } else {
                bs += x * w;
                bw += w;
            }
        }
        let (mean_fore, mean_back) = (fs / fw, bs / bw);
        if mean_back == 0.0 {
            break;
        }
        t_next = (mean_back - mean_fore) / (mean_back.ln() - mean_fore.ln());
    }
    Ok(t_next + lo)
}

/// Sums and counts of the values above and at most a threshold.
#[derive(Debug, Default)]
struct Split {
    fore: (f64, u64),
    back: (f64, u64),
}

impl Accumulator for Split {
    fn merge(&mut self, other: Self) {
        self.fore.0 += other.fore.0;
        self.fore.1 += other.fore.1;
        self.back.0 += other.back.0;
        self.back.1 += other.back.1;
    }
}

/// What Li's method needs to know first about a floating-point image.
#[derive(Debug)]
struct Range {
    /// Smallest and largest non-NaN values.
    all: Option<(f64, f64)>,
    /// Smallest finite value.
    finite_min: Option<f64>,
}

impl Accumulator for Range {
    fn merge(&mut self, other: Self) {
        self.all = match (self.all, other.all) {
            (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
            (a, b) => a.or(b),
        };
        self.finite_min = match (self.finite_min, other.finite_min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
}

/// Sorted distinct values.
#[derive(Debug)]
struct Distinct(Vec<f64>);

impl Accumulator for Distinct {
    fn merge(&mut self, other: Self) {
        let mut merged = Vec::with_capacity(self.0.len() + other.0.len());
        let (mut a, mut b) = (self.0.iter().peekable(), other.0.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(&&x), Some(&&y)) if x < y => a.next(),
                (Some(&&x), Some(&&y)) if y < x => b.next(),
                (Some(_), Some(_)) => {
                    b.next();
                    a.next()
                }
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (None, None) => break,
            };
            if let Some(&v) = next {
                merged.push(v);
            }
        }
        self.0 = merged;
    }
}

/// Li's iteration on a floating-point image in precision `F`: one pass over
/// the chunks per iteration.
fn li_float<F, S>(
    exec: &Executor,
    source: &S,
    chunks: Option<&[usize]>,
    tolerance: Option<f64>,
) -> Result<f64>
where
    F: Float + Send + Sync,
    S: Source,
{
    let to_f = |v: S::Elem| F::from(v.as_f64()).unwrap_or_else(F::nan);
    let back = |v: F| v.to_f64().unwrap_or(f64::NAN);
    let range = reduce(exec, source, chunks, |block, _| {
        let mut r = Range {
            all: None,
            finite_min: None,
        };
        for &v in block.iter() {
            let x = v.as_f64();
            if x.is_nan() {
                continue;
            }
            r.all = Some(r.all.map_or((x, x), |(a, b)| (a.min(x), b.max(x))));
            if x.is_finite() {
                r.finite_min = Some(r.finite_min.map_or(x, |a| a.min(x)));
            }
        }
        Ok(r)
    })?;
    let Some(Range { all, finite_min }) = range else {
        return Ok(f64::NAN);
    };
    let Some((lo, hi)) = all else {
        return Ok(f64::NAN);
    };
    if lo == hi {
        return Ok(lo);
    }
    let Some(min) = finite_min.map(|m| F::from(m).unwrap_or_else(F::nan)) else {
        return Ok(0.0);
    };
    let shifted = |v: S::Elem| {
        let x = to_f(v);
        x.is_finite().then(|| x - min)
    };
    let tolerance = match tolerance.filter(|&t| t != 0.0) {
        Some(t) => F::from(t).unwrap_or_else(F::nan),
        None => {
            let distinct = reduce(exec, source, chunks, |block, _| {
                let mut v: Vec<f64> = block.iter().filter_map(|&v| shifted(v)).map(back).collect();
                v.sort_unstable_by(f64::total_cmp);
                v.dedup();
                Ok(Distinct(v))
            })?
            .map(|d| d.0)
            .unwrap_or_default();
            let gap = distinct
                .windows(2)
                .map(|w| w[1] - w[0])
                .min_by(f64::total_cmp)
                .ok_or_else(|| {
                    Error::InvalidArgument("Li's method needs two distinct finite values".into())
                })?;
            F::from(gap).unwrap_or_else(F::nan) / (F::one() + F::one())
        }
    };
    let split = |t: Option<F>| {
        reduce(exec, source, chunks, |block, _| {
            let mut s = Split::default();
            for &v in block.iter() {
                if let Some(x) = shifted(v) {
                    let side = match t {
                        Some(t) if x > t => &mut s.fore,
                        _ => &mut s.back,
                    };
                    side.0 += back(x);
                    side.1 += 1;
                }
            }
            Ok(s)
        })
        .map(Option::unwrap_or_default)
    };
    let mean = |(sum, n): (f64, u64)| F::from(sum / n as f64).unwrap_or_else(F::nan);
    let mut t_next = mean(split(None)?.back);
    let two = F::one() + F::one();
    let mut t_curr = -two * tolerance;
    let mut iterations = 0;
    while (t_next - t_curr).abs() > tolerance && iterations < MAX_LI_ITERATIONS {
        iterations += 1;
        t_curr = t_next;
        let s = split(Some(t_curr))?;
        let (mean_fore, mean_back) = (mean(s.fore), mean(s.back));
        if mean_back == F::zero() {
            break;
        }
        t_next = (mean_back - mean_fore) / (mean_back.ln() - mean_fore.ln());
    }
    Ok(back(t_next + min))
}

/// Li's iteration stops after this many passes on floating-point images
/// (scikit-image has no limit; it converges in a few dozen).
const MAX_LI_ITERATIONS: usize = 1000;

/// The mask `image > threshold` (1 above, 0 elsewhere, as scikit-image's
/// `image > thresh` written as `uint8`), lazily, chunk by chunk.
///
/// Values are compared as `f64`, as numpy compares an image with a
/// `float64` threshold; NaN is never above.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndfilters::above;
/// use tesserae::{ArraySource, Region, Source};
/// let mask = above(ArraySource::new(array![1u8, 5, 9].into_dyn()), 5.0)?;
/// assert_eq!(mask.read(&Region::full(&[3]))?, array![0u8, 0, 1].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn above<S: Source>(source: S, threshold: f64) -> Result<impl Source<Elem = u8>> {
    crate::engine::map_blocks(source, None, move |block, _| {
        Ok(block.mapv(|v| u8::from(v.as_f64() > threshold)))
    })
}

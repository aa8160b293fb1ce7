//! One-pass per-label statistics: count, sum, mean and variance (Chan's
//! parallel merge), extrema with their first positions, centre of mass and
//! histograms, accumulated chunk by chunk and merged by label.

use std::ops::Range;

use ndarray::ArrayViewD;

use crate::engine::Element;
use crate::ndmeasure::labels::LabelValue;
use crate::ndmeasure::sparse::{Partial, merge_sorted, scan_runs};

/// Equal-width histogram bins over `[min, max]`, as `numpy.histogram` makes them:
/// the last bin includes `max`, values outside the range are not counted.
///
/// ```
/// let bins = tesserae::ndmeasure::Bins::new(0.0, 10.0, 5).unwrap();
/// assert_eq!(bins.bin(10.0), Some(4));
/// assert_eq!(bins.bin(-0.5), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bins {
    min: f64,
    max: f64,
    count: usize,
}

impl Bins {
    /// `count` bins over `[min, max]`; `None` unless `min < max` and `count > 0`.
    pub fn new(min: f64, max: f64, count: usize) -> Option<Self> {
        (min < max && count > 0).then_some(Bins { min, max, count })
    }

    /// The bin of `value`, if it falls in the range.
    #[inline]
    pub fn bin(&self, value: f64) -> Option<usize> {
        if !(value >= self.min && value <= self.max) {
            return None;
        }
        let b = ((value - self.min) / (self.max - self.min) * self.count as f64) as usize;
        Some(b.min(self.count - 1))
    }

    /// Number of bins.
    pub fn count(&self) -> usize {
        self.count
    }
}

/// What one pass accumulates besides counts, sums and moments (always kept).
#[derive(Clone, Debug, Default)]
pub(crate) struct Wanted {
    pub extrema: bool,
    pub center_of_mass: bool,
    pub histogram: Option<Bins>,
}

/// The statistics of one label (or of a pooled set of labels) over an intensity image.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::Measure;
///
/// let image = array![[1.0f32, 2.0], [3.0, 10.0]].into_dyn();
/// let labels = array![[1u8, 1], [1, 2]].into_dyn();
/// let stats = Measure::new().extrema(true).run_in_memory(&image.view(), Some(&labels.view()))?;
/// let one = stats.get(1).unwrap();
/// assert_eq!(one.count(), 3);
/// assert_eq!(one.mean(), 2.0);
/// assert_eq!(one.maximum(), Some(3.0));
/// assert_eq!(one.maximum_position(), Some(vec![1, 0]));
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct LabelStats<T> {
    count: u64,
    sum: f64,
    mean: f64,
    m2: f64,
    min: Option<(T, u64)>,
    max: Option<(T, u64)>,
    weighted_coords: Vec<f64>,
    histogram: Vec<u64>,
    shape: Vec<usize>,
}

impl<T: Element> LabelStats<T> {
    pub(crate) fn empty(shape: &[usize], wanted: &Wanted) -> Self {
        LabelStats {
            count: 0,
            sum: 0.0,
            mean: 0.0,
            m2: 0.0,
            min: None,
            max: None,
            weighted_coords: if wanted.center_of_mass {
                vec![0.0; shape.len()]
            } else {
                Vec::new()
            },
            histogram: wanted.histogram.map_or(Vec::new(), |b| vec![0; b.count]),
            shape: shape.to_vec(),
        }
    }

    /// Number of voxels.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sum of the values (`0` when empty).
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// Mean value, `sum / count` (`NaN` when empty, as scipy).
    pub fn mean(&self) -> f64 {
        self.sum / self.count as f64
    }

    /// Population variance (`ddof = 0`, as scipy; `NaN` when empty).
    pub fn variance(&self) -> f64 {
        if self.count == 0 {
            f64::NAN
        } else {
            self.m2 / self.count as f64
        }
    }

    /// Population standard deviation (`NaN` when empty).
    pub fn standard_deviation(&self) -> f64 {
        self.variance().sqrt()
    }

    /// Smallest value (`None` when empty or not accumulated).
    pub fn minimum(&self) -> Option<T> {
        self.min.map(|(v, _)| v)
    }

    /// Largest value (`None` when empty or not accumulated).
    pub fn maximum(&self) -> Option<T> {
        self.max.map(|(v, _)| v)
    }

    /// Full-array coordinates of the first (in raster order) smallest value.
    pub fn minimum_position(&self) -> Option<Vec<usize>> {
        self.min.map(|(_, p)| self.unravel(p))
    }

    /// Full-array coordinates of the first (in raster order) largest value.
    pub fn maximum_position(&self) -> Option<Vec<usize>> {
        self.max.map(|(_, p)| self.unravel(p))
    }

    /// Intensity-weighted centroid in full-array coordinates (`NaN`s when the
    /// values sum to zero, as scipy).
    pub fn center_of_mass(&self) -> Vec<f64> {
        self.weighted_coords.iter().map(|w| w / self.sum).collect()
    }

    /// Counts per histogram bin.
    pub fn histogram(&self) -> &[u64] {
        &self.histogram
    }

    fn unravel(&self, mut linear: u64) -> Vec<usize> {
        let mut index = vec![0; self.shape.len()];
        for (i, n) in index.iter_mut().zip(&self.shape).rev() {
            *i = (linear % *n as u64) as usize;
            linear /= *n as u64;
        }
        index
    }

    /// Adds the statistics of a disjoint set of voxels.
    pub(crate) fn merge(&mut self, other: LabelStats<T>) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other;
            return;
        }
        let n = (self.count + other.count) as f64;
        let delta = other.mean - self.mean;
        self.mean += delta * other.count as f64 / n;
        self.m2 += other.m2 + delta * delta * self.count as f64 * other.count as f64 / n;
        self.count += other.count;
        self.sum += other.sum;
        self.min = pick(self.min, other.min, |a, b| a < b);
        self.max = pick(self.max, other.max, |a, b| a > b);
        for (a, b) in self.weighted_coords.iter_mut().zip(&other.weighted_coords) {
            *a += b;
        }
        for (a, b) in self.histogram.iter_mut().zip(&other.histogram) {
            *a += b;
        }
    }
}

/// The better of two (value, position) candidates; ties go to the earlier position.
fn pick<T: PartialOrd + Copy>(
    a: Option<(T, u64)>,
    b: Option<(T, u64)>,
    better: impl Fn(T, T) -> bool,
) -> Option<(T, u64)> {
    match (a, b) {
        (Some(x), Some(y)) => {
            if better(y.0, x.0) || (!better(x.0, y.0) && y.1 < x.1) {
                Some(y)
            } else {
                Some(x)
            }
        }
        (x, y) => x.or(y),
    }
}

/// Chunk-local sums before they become (mean, M2): values are shifted by the
/// first value seen so the sum of squares keeps its precision.
struct Running<T> {
    stats: LabelStats<T>,
    shift: f64,
    shifted_sum: f64,
    shifted_sq: f64,
}

/// Accumulates one block: `values` (C-contiguous) and `labels` have the
/// block's shape and start at `origin` in an array of shape `array_shape`.
/// Without labels, the whole block counts as label 1.
pub(crate) fn chunk_stats<T: Element, L: LabelValue>(
    values: &ArrayViewD<'_, T>,
    labels: Option<&ArrayViewD<'_, L>>,
    origin: &[usize],
    array_shape: &[usize],
    wanted: &Wanted,
    with_zero: bool,
) -> Partial<LabelStats<T>> {
    let values = values.as_standard_layout();
    let data = values.as_slice().unwrap_or(&[]);
    match labels {
        Some(labels) => scan(data, labels, origin, array_shape, wanted, with_zero),
        None => {
            let ones = ndarray::ArrayD::from_elem(values.shape(), 1u8);
            scan(data, &ones.view(), origin, array_shape, wanted, false)
        }
    }
}

fn scan<T: Element, L: LabelValue>(
    values: &[T],
    labels: &ArrayViewD<'_, L>,
    origin: &[usize],
    array_shape: &[usize],
    wanted: &Wanted,
    with_zero: bool,
) -> Partial<LabelStats<T>> {
    let row_len = labels.shape().last().copied().unwrap_or(1);
    let partial = scan_runs(
        labels,
        with_zero,
        |_| new_running(array_shape, wanted),
        |acc, row, r, run| {
            visit_run(
                acc,
                values,
                row,
                r * row_len,
                run,
                origin,
                array_shape,
                wanted,
            )
        },
    );
    partial
        .into_iter()
        .map(|(label, r)| {
            let mut stats = r.stats;
            let n = stats.count as f64;
            stats.mean = r.shift + r.shifted_sum / n;
            stats.m2 = (r.shifted_sq - r.shifted_sum * r.shifted_sum / n).max(0.0);
            (label, stats)
        })
        .collect()
}

fn new_running<T: Element>(array_shape: &[usize], wanted: &Wanted) -> Running<T> {
    Running {
        stats: LabelStats::empty(array_shape, wanted),
        shift: f64::NAN,
        shifted_sum: 0.0,
        shifted_sq: 0.0,
    }
}

#[allow(clippy::too_many_arguments)]
#[inline]
fn visit_run<T: Element>(
    acc: &mut Running<T>,
    values: &[T],
    row: &[usize],
    offset: usize,
    run: Range<usize>,
    origin: &[usize],
    array_shape: &[usize],
    wanted: &Wanted,
) {
    let ndim = array_shape.len();
    let run_values = &values[offset + run.start..offset + run.end];
    if acc.shift.is_nan() {
        acc.shift = run_values[0].as_f64();
    }
    let shift = acc.shift;
    let (mut s, mut sq, mut raw) = (0.0, 0.0, 0.0);
    for v in run_values {
        let v = v.as_f64();
        raw += v;
        let d = v - shift;
        s += d;
        sq += d * d;
    }
    let st = &mut acc.stats;
    st.count += run_values.len() as u64;
    st.sum += raw;
    acc.shifted_sum += s;
    acc.shifted_sq += sq;
    if wanted.extrema || wanted.center_of_mass {
        // Global linear index of the run's first voxel.
        let mut linear = 0u64;
        for axis in 0..ndim {
            let coord = origin[axis]
                + if axis + 1 == ndim {
                    run.start
                } else {
                    row[axis]
                };
            linear = linear * array_shape[axis] as u64 + coord as u64;
        }
        if wanted.extrema {
            let (mut lo, mut lo_at, mut hi, mut hi_at) = (run_values[0], 0, run_values[0], 0);
            for (i, &v) in run_values.iter().enumerate().skip(1) {
                if v < lo {
                    lo = v;
                    lo_at = i;
                }
                if v > hi {
                    hi = v;
                    hi_at = i;
                }
            }
            st.min = pick(st.min, Some((lo, linear + lo_at as u64)), |a, b| a < b);
            st.max = pick(st.max, Some((hi, linear + hi_at as u64)), |a, b| a > b);
        }
        if wanted.center_of_mass {
            let last = ndim - 1;
            let x0 = (origin[last] + run.start) as f64;
            let mut weighted_x = 0.0;
            for (i, v) in run_values.iter().enumerate() {
                weighted_x += v.as_f64() * (x0 + i as f64);
            }
            for axis in 0..last {
                st.weighted_coords[axis] += raw * (origin[axis] + row[axis]) as f64;
            }
            st.weighted_coords[last] += weighted_x;
        }
    }
    if let Some(bins) = wanted.histogram {
        for v in run_values {
            if let Some(b) = bins.bin(v.as_f64()) {
                st.histogram[b] += 1;
            }
        }
    }
}

/// Merges two partials of label statistics.
pub(crate) fn merge<T: Element>(
    a: Partial<LabelStats<T>>,
    b: Partial<LabelStats<T>>,
) -> Partial<LabelStats<T>> {
    merge_sorted(a, b, |x, y| x.merge(y))
}

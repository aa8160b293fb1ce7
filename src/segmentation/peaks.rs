//! Peak detection, `skimage.feature.peak_local_max`, peak for peak and in
//! scikit-image's order, in memory or chunked at any chunking; and the marker
//! image scikit-image's documentation builds from the peaks
//! (`ndi.label(mask_with_True_at_peaks)`), as a sparse lazy source.
//!
//! Without labels, a voxel is a candidate where it equals the maximum filter
//! of the image (mode `nearest`) and exceeds the threshold, outside the
//! excluded border; an image equal to its maximum filter everywhere has no
//! peak. The maximum filter runs blockwise with a halo, the candidates are
//! gathered sparse and the "everywhere" test is reduced across chunks, so
//! the chunking never shows. Candidates are sorted as numpy's
//! `argsort(-intensities, kind="stable")` sorts them (integer negation wraps
//! around, NaN last, ties in C order) and thinned greedily: a candidate is
//! kept unless a kept one lies closer than `min_distance` in the Minkowski
//! `p_norm` distance, measured as scipy's `cKDTree` and `cdist` measure it.
//!
//! With labels, every object is searched in its bounding box (outside the
//! excluded border) read from the sources, with the voxels of other labels
//! set to the type's minimum and the maximum filter taken on the box, as
//! scikit-image does; memory holds one object's box per worker.

use std::collections::HashMap;

use ndarray::{Array2, ArrayD, ArrayView2, ArrayViewD, Axis, IxDyn, Slice, Zip};

use crate::engine::{
    Accumulator, BoundaryMode, ChunkGrid, DataType, Element, Executor, MinMax, Region, Source,
    ViewSource, copy_block, default_chunks, map_blocks, min_max,
};
use crate::error::{Error, Result};
use crate::ndfilters::linear::slabs;
use crate::ndfilters::{Footprint, RankFilter, RankKind};
use crate::ndmeasure::{LabelValue, Structure, find_objects_chunked};

/// scikit-image's `exclude_border`: `True` (the default: `min_distance`
/// voxels at both ends of every axis), `False` (none), one width for every
/// axis, or one width per axis. Widths are signed so that a front end can
/// pass its integers through; a negative width is refused when the
/// detection runs.
///
/// ```
/// use tesserae::segmentation::ExcludeBorder;
/// assert_eq!(ExcludeBorder::from(true).widths(2, 3)?, vec![3, 3]);
/// assert_eq!(ExcludeBorder::from(false).widths(2, 3)?, vec![0, 0]);
/// assert_eq!(ExcludeBorder::from(1).widths(3, 5)?, vec![1, 1, 1]);
/// assert_eq!(ExcludeBorder::from(vec![0, 4]).widths(2, 5)?, vec![0, 4]);
/// assert!(ExcludeBorder::from(-1).widths(2, 1).is_err());
/// assert!(ExcludeBorder::from(vec![1, 2, 3]).widths(2, 1).is_err());
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum ExcludeBorder {
    /// `True`: `min_distance` per axis; `False`: no border.
    Bool(bool),
    /// The same width along every axis (scikit-image's int).
    Width(i64),
    /// One width per axis (scikit-image's tuple).
    PerAxis(Vec<i64>),
}

impl ExcludeBorder {
    /// The width excluded at both ends of every axis of an `ndim`-d image.
    ///
    /// Fails for a negative width or a per-axis list of another length, as
    /// scikit-image does.
    pub fn widths(&self, ndim: usize, min_distance: usize) -> Result<Vec<usize>> {
        let checked = |w: i64| {
            usize::try_from(w).map_err(|_| {
                Error::InvalidArgument(format!("exclude_border cannot be negative, found {w}"))
            })
        };
        match self {
            ExcludeBorder::Bool(on) => Ok(vec![if *on { min_distance } else { 0 }; ndim]),
            ExcludeBorder::Width(w) => Ok(vec![checked(*w)?; ndim]),
            ExcludeBorder::PerAxis(widths) if widths.len() != ndim => {
                Err(Error::InvalidArgument(format!(
                    "exclude_border has {} widths but the image has {ndim} axes",
                    widths.len()
                )))
            }
            ExcludeBorder::PerAxis(widths) => widths.iter().map(|&w| checked(w)).collect(),
        }
    }
}

impl From<bool> for ExcludeBorder {
    fn from(on: bool) -> Self {
        ExcludeBorder::Bool(on)
    }
}

impl From<i64> for ExcludeBorder {
    fn from(width: i64) -> Self {
        ExcludeBorder::Width(width)
    }
}

impl From<Vec<i64>> for ExcludeBorder {
    fn from(widths: Vec<i64>) -> Self {
        ExcludeBorder::PerAxis(widths)
    }
}

impl From<&[i64]> for ExcludeBorder {
    fn from(widths: &[i64]) -> Self {
        ExcludeBorder::PerAxis(widths.to_vec())
    }
}

/// `skimage.feature.peak_local_max`, configured once and run in memory
/// ([`PeakLocalMax::apply`]) or chunk by chunk from sources
/// ([`PeakLocalMax::run`]). The result is the peaks' coordinates, one row per
/// peak, in scikit-image's order (highest first), whatever the chunking.
///
/// ```
/// use ndarray::{array, ArrayViewD};
/// use tesserae::segmentation::PeakLocalMax;
/// use tesserae::{ArraySource, Executor};
///
/// let mut image = ndarray::Array2::<f32>::zeros((7, 7));
/// image[[3, 4]] = 1.0;
/// image[[3, 2]] = 1.5;
/// let image = image.into_dyn();
/// let none = None::<&ArrayViewD<'_, u8>>;
/// let peaks = PeakLocalMax::new().apply(&image.view(), none)?;
/// assert_eq!(peaks, array![[3, 2], [3, 4]]);
/// // Two voxels apart: only the higher one is kept at min_distance 2.
/// let spaced = PeakLocalMax::new().min_distance(2).apply(&image.view(), none)?;
/// assert_eq!(spaced, array![[3, 2]]);
///
/// // Chunked: the same peaks at any chunking.
/// let source = ArraySource::new(image).with_chunks(&[2, 3])?;
/// let chunked = PeakLocalMax::new().run::<f32, u8>(&Executor::new(), &source, None)?;
/// assert_eq!(chunked, peaks);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PeakLocalMax {
    min_distance: usize,
    threshold_abs: Option<f64>,
    threshold_rel: Option<f64>,
    exclude_border: ExcludeBorder,
    num_peaks: Option<usize>,
    footprint: Option<Footprint>,
    num_peaks_per_label: Option<usize>,
    p_norm: f64,
    chunks: Option<Vec<usize>>,
}

impl Default for PeakLocalMax {
    fn default() -> Self {
        PeakLocalMax::new()
    }
}

impl PeakLocalMax {
    /// scikit-image's defaults: `min_distance` 1, no thresholds (the image's
    /// minimum), `exclude_border` true, no limit on the number of peaks, a
    /// box footprint of side `2 * min_distance + 1`, the Chebyshev distance.
    pub fn new() -> Self {
        PeakLocalMax {
            min_distance: 1,
            threshold_abs: None,
            threshold_rel: None,
            exclude_border: ExcludeBorder::Bool(true),
            num_peaks: None,
            footprint: None,
            num_peaks_per_label: None,
            p_norm: f64::INFINITY,
            chunks: None,
        }
    }

    /// The smallest distance between peaks, and the half-width of the default
    /// footprint and border. 0 finds every voxel above the threshold (as
    /// scikit-image does, which warns).
    pub fn min_distance(mut self, min_distance: usize) -> Self {
        self.min_distance = min_distance;
        self
    }

    /// Peaks must exceed this value (default: the image's minimum).
    pub fn threshold_abs(mut self, threshold: f64) -> Self {
        self.threshold_abs = Some(threshold);
        self
    }

    /// Peaks must also exceed `threshold_rel * image.max()`.
    ///
    /// ```
    /// use ndarray::{array, ArrayViewD};
    /// use tesserae::segmentation::PeakLocalMax;
    /// let image = array![[0u8, 0, 0, 0, 0], [0, 9, 0, 4, 0], [0, 0, 0, 0, 0]].into_dyn();
    /// let op = PeakLocalMax::new().threshold_rel(0.5);
    /// assert_eq!(op.apply(&image.view(), None::<&ArrayViewD<'_, u8>>)?, array![[1, 1]]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn threshold_rel(mut self, threshold: f64) -> Self {
        self.threshold_rel = Some(threshold);
        self
    }

    /// The border where no peak is reported (see [`ExcludeBorder`]; default
    /// `true`). The maximum filter still sees the border's voxels.
    ///
    /// ```
    /// use ndarray::{array, ArrayViewD};
    /// use tesserae::segmentation::PeakLocalMax;
    /// let image = array![[5u8, 0, 0, 0], [0, 0, 0, 0], [0, 0, 3, 0], [0, 0, 0, 0]].into_dyn();
    /// let none = None::<&ArrayViewD<'_, u8>>;
    /// assert_eq!(PeakLocalMax::new().apply(&image.view(), none)?, array![[2, 2]]);
    /// let all = PeakLocalMax::new().exclude_border(false).apply(&image.view(), none)?;
    /// assert_eq!(all, array![[0, 0], [2, 2]]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn exclude_border(mut self, exclude: impl Into<ExcludeBorder>) -> Self {
        self.exclude_border = exclude.into();
        self
    }

    /// At most this many peaks, the highest (default: no limit).
    pub fn num_peaks(mut self, n: usize) -> Self {
        self.num_peaks = Some(n);
        self
    }

    /// The neighbourhood of the maximum filter (default: a box of side
    /// `2 * min_distance + 1`). Its rank must be the image's.
    pub fn footprint(mut self, footprint: Footprint) -> Self {
        self.footprint = Some(footprint);
        self
    }

    /// With labels: at most this many peaks per object (default: no limit).
    pub fn num_peaks_per_label(mut self, n: usize) -> Self {
        self.num_peaks_per_label = Some(n);
        self
    }

    /// The Minkowski p-norm of the distance between peaks, in `1..=inf`
    /// (default `inf`, the Chebyshev distance; 2 is the Euclidean one).
    pub fn p_norm(mut self, p: f64) -> Self {
        self.p_norm = p;
        self
    }

    /// The chunk shape of the computation (default: the image's native
    /// chunks for [`run`](PeakLocalMax::run), slabs across the threads for
    /// [`apply`](PeakLocalMax::apply)). The result does not depend on it.
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// The peaks of an in-memory image, searched within every object of
    /// `labels` when given (0 is background), read in place.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::segmentation::PeakLocalMax;
    /// // Two objects: one peak each, although 2 is lower than 7.
    /// let image = array![[1u8, 7, 1, 1, 2, 1]].into_dyn();
    /// let labels = array![[1u16, 1, 1, 2, 2, 2]].into_dyn();
    /// let op = PeakLocalMax::new().exclude_border(false);
    /// let peaks = op.apply(&image.view(), Some(&labels.view()))?;
    /// assert_eq!(peaks, array![[0, 1], [0, 4]]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply<T: Element, L: LabelValue>(
        &self,
        image: &ArrayViewD<'_, T>,
        labels: Option<&ArrayViewD<'_, L>>,
    ) -> Result<Array2<usize>> {
        let chunks = match &self.chunks {
            Some(c) => c.clone(),
            None => slabs(image.shape(), rayon::current_num_threads()),
        };
        let op = self.clone().chunks(&chunks);
        let image = ViewSource::new(image.view(), &chunks)?;
        let labels = match labels {
            Some(l) => Some(ViewSource::new(l.view(), &chunks)?),
            None => None,
        };
        let labels = labels.as_ref().map(|l| l as &dyn Source<Elem = L>);
        op.run(&Executor::new(), &image, labels)
    }

    /// The peaks of `image`, chunk by chunk (within every object of `labels`
    /// when given). Memory holds the chunks in flight and the candidates;
    /// with labels, one object's bounding box per worker.
    ///
    /// Fails for an empty or 0-d image, labels of another shape, a footprint
    /// of another rank, a negative or misshapen `exclude_border`, or a
    /// `p_norm` below 1 or NaN.
    ///
    /// Two departures from scikit-image, both where it has no answer of its
    /// own: no peak is an array of shape (0, ndim) (scikit-image returns
    /// (0, 2) with labels, whatever the rank), and `u64` labels are accepted
    /// (scikit-image refuses to cast them to `int`). 64-bit integer images
    /// compare with a floating-point threshold in `f64`, as numpy does.
    pub fn run<T: Element, L: LabelValue>(
        &self,
        exec: &Executor,
        image: &dyn Source<Elem = T>,
        labels: Option<&dyn Source<Elem = L>>,
    ) -> Result<Array2<usize>> {
        let shape = image.shape().to_vec();
        let plan = self.plan(&shape, labels.map(|l| l.shape()))?;
        let chunks = self
            .chunks
            .clone()
            .unwrap_or_else(|| image.chunk_shape().to_vec());
        let Some(range) = min_max(exec, image, Some(&chunks))? else {
            return Err(Error::InvalidArgument(
                "peak_local_max needs an image with at least one voxel".into(),
            ));
        };
        let threshold = Threshold::new(self.threshold_abs, self.threshold_rel, range);
        let peaks = match labels {
            None => plan.whole(exec, image, &chunks, threshold)?,
            Some(labels) => plan.objects(exec, image, labels, &chunks, threshold)?,
        };
        coordinates(&peaks, &shape)
    }

    /// Checks the parameters against an image of `shape` (and labels of
    /// `labels`) and resolves the defaults.
    fn plan(&self, shape: &[usize], labels: Option<&[usize]>) -> Result<Plan> {
        let ndim = shape.len();
        if ndim == 0 {
            return Err(Error::InvalidArgument(
                "peak_local_max needs an image with at least one axis".into(),
            ));
        }
        if let Some(found) = labels.filter(|&l| l != shape) {
            return Err(Error::InvalidArgument(format!(
                "labels of shape {found:?} for an image of shape {shape:?}"
            )));
        }
        let norm = Norm::new(self.p_norm)?;
        let widths = self.exclude_border.widths(ndim, self.min_distance)?;
        let footprint = match &self.footprint {
            Some(f) if f.ndim() != ndim => {
                return Err(Error::InvalidArgument(format!(
                    "a {}-d footprint for a {ndim}-d image",
                    f.ndim()
                )));
            }
            Some(f) => f.clone(),
            None => {
                // Mode nearest repeats the edge values, so a box wider than
                // 2n - 1 finds the same maxima as one of 2n - 1: clip it, so
                // that a huge min_distance does not size a huge mask.
                let sides: Vec<usize> = shape
                    .iter()
                    .map(|&n| {
                        let side = self.min_distance.saturating_mul(2).saturating_add(1);
                        side.min(2 * n.max(1) - 1)
                    })
                    .collect();
                Footprint::size(&sides)?
            }
        };
        Ok(Plan {
            shape: shape.to_vec(),
            single: footprint.mask().len() == 1,
            footprint,
            widths,
            selection: Selection {
                min_distance: self.min_distance,
                norm,
                max_out: self.num_peaks,
            },
            per_label: self.num_peaks_per_label,
        })
    }
}

/// `skimage.feature.peak_local_max(image, min_distance)` in memory, with the
/// other defaults.
///
/// ```
/// use ndarray::array;
/// let image = array![[0.0f64, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]];
/// let peaks = tesserae::segmentation::peak_local_max(&image.into_dyn().view(), 1)?;
/// assert_eq!(peaks, array![[1, 1]]);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn peak_local_max<T: Element>(
    image: &ArrayViewD<'_, T>,
    min_distance: usize,
) -> Result<Array2<usize>> {
    PeakLocalMax::new()
        .min_distance(min_distance)
        .apply::<T, u8>(image, None)
}

/// The threshold a peak must exceed, and the type numpy compares in:
/// the image's own type when the threshold is the image's minimum,
/// `float32` for a `float32` image (a Python float is cast to it), `float64`
/// otherwise.
#[derive(Clone, Copy, Debug)]
enum Threshold<T> {
    Native(T),
    F32(f32),
    F64(f64),
}

impl<T: Element> Threshold<T> {
    /// scikit-image's `_get_threshold`: `threshold_abs`, else the minimum;
    /// then the larger of that and `threshold_rel * max` (Python's `max`
    /// keeps the first unless the second is greater).
    fn new(abs: Option<f64>, rel: Option<f64>, range: MinMax<T>) -> Self {
        if T::DTYPE == DataType::F32 {
            let mut t = abs.map_or(range.min.as_f64() as f32, |a| a as f32);
            if let Some(r) = rel {
                let candidate = (r as f32) * (range.max.as_f64() as f32);
                if candidate > t {
                    t = candidate;
                }
            }
            return Threshold::F32(t);
        }
        let mut t = match abs {
            Some(a) => Threshold::F64(a),
            None => Threshold::Native(range.min),
        };
        if let Some(r) = rel {
            let candidate = r * range.max.as_f64();
            let current = match t {
                Threshold::Native(v) => v.as_f64(),
                Threshold::F32(v) => f64::from(v),
                Threshold::F64(v) => v,
            };
            if candidate > current {
                t = Threshold::F64(candidate);
            }
        }
        t
    }

    /// `v > threshold`, compared as numpy compares.
    #[inline]
    fn exceeded_by(&self, v: T) -> bool {
        match *self {
            Threshold::Native(t) => v > t,
            Threshold::F32(t) => (v.as_f64() as f32) > t,
            Threshold::F64(t) => v.as_f64() > t,
        }
    }
}

/// The distance between peaks.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Norm {
    Chebyshev,
    Manhattan,
    Euclidean,
    Minkowski(f64),
}

impl Norm {
    fn new(p: f64) -> Result<Self> {
        if p.is_nan() || p < 1.0 {
            return Err(Error::InvalidArgument(format!(
                "p_norm must be in 1..=inf, not {p}"
            )));
        }
        Ok(if p == f64::INFINITY {
            Norm::Chebyshev
        } else if p == 1.0 {
            Norm::Manhattan
        } else if p == 2.0 {
            Norm::Euclidean
        } else {
            Norm::Minkowski(p)
        })
    }

    /// Whether `a` and `b` are closer than `m` as scikit-image decides it:
    /// found by `cKDTree.query_ball_point(r=m)` (distance^p ≤ m^p) and
    /// `cdist(...) < m` (the p-th root in `f64`). For p = 1, 2 and inf both
    /// are exact in integers.
    fn closer(self, a: &[usize], b: &[usize], m: usize) -> bool {
        let d = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y) as u128);
        let m128 = m as u128;
        match self {
            Norm::Chebyshev => d.max().unwrap_or(0) < m128,
            Norm::Manhattan => d.sum::<u128>() < m128,
            Norm::Euclidean => d.map(|v| v * v).sum::<u128>() < m128 * m128,
            Norm::Minkowski(p) => {
                let s: f64 = d.map(|v| (v as f64).powf(p)).sum();
                let m = m as f64;
                s <= m.powf(p) && s.powf(1.0 / p) < m
            }
        }
    }
}

/// How candidates become peaks: scikit-image's `_get_high_intensity_peaks`.
#[derive(Clone, Copy, Debug)]
struct Selection {
    min_distance: usize,
    norm: Norm,
    max_out: Option<usize>,
}

impl Selection {
    /// The same selection keeping at most `max_out` peaks.
    fn limit(self, max_out: Option<usize>) -> Self {
        Selection { max_out, ..self }
    }

    /// The peaks among `candidates` (linear index, value; any order, no
    /// duplicate index), highest first: sorted as numpy's stable argsort of
    /// the negated values with ties in C order, spaced by `min_distance`
    /// when it exceeds 1, then truncated.
    fn select<T: Element>(&self, mut candidates: Vec<(usize, T)>, shape: &[usize]) -> Vec<usize> {
        candidates.sort_unstable_by_key(|&(i, v)| (sort_key(v), i));
        let order = candidates.into_iter().map(|(i, _)| i);
        let mut peaks: Vec<usize> = if self.min_distance > 1 {
            self.spaced(order, shape)
        } else {
            order.collect()
        };
        if let Some(n) = self.max_out {
            peaks.truncate(n);
        }
        peaks
    }

    /// scikit-image's `ensure_spacing`: greedily, a point is kept unless a
    /// kept point is closer than `min_distance`; stops after `max_out` kept.
    /// Kept points are hashed into cells of side `min_distance`, so only the
    /// 3^ndim cells around a point are searched.
    fn spaced(&self, order: impl Iterator<Item = usize>, shape: &[usize]) -> Vec<usize> {
        let m = self.min_distance;
        let ndim = shape.len();
        let cells: Vec<usize> = shape.iter().map(|&n| n.div_ceil(m).max(1)).collect();
        let mut grid: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut kept = Vec::new();
        let mut kept_coords: Vec<usize> = Vec::new();
        let mut point = vec![0; ndim];
        let mut cell = vec![0; ndim];
        let mut around = vec![0; ndim];
        for i in order {
            if self.max_out.is_some_and(|n| kept.len() >= n) {
                break;
            }
            unravel(i, shape, &mut point);
            for (c, &p) in cell.iter_mut().zip(&point) {
                *c = p / m;
            }
            let mut clear = true;
            'search: for code in 0..3usize.pow(ndim as u32) {
                let mut rest = code;
                for k in (0..ndim).rev() {
                    let step = rest % 3;
                    rest /= 3;
                    let c = cell[k] + step;
                    if c == 0 || c > cells[k] {
                        continue 'search;
                    }
                    around[k] = c - 1;
                }
                let key = around.iter().zip(&cells).fold(0, |acc, (c, n)| acc * n + c);
                for &j in grid.get(&key).into_iter().flatten() {
                    if self
                        .norm
                        .closer(&point, &kept_coords[j * ndim..(j + 1) * ndim], m)
                    {
                        clear = false;
                        break 'search;
                    }
                }
            }
            if clear {
                let key = cell.iter().zip(&cells).fold(0, |acc, (c, n)| acc * n + c);
                grid.entry(key).or_default().push(kept.len());
                kept_coords.extend_from_slice(&point);
                kept.push(i);
            }
        }
        kept
    }
}

/// The sort key of numpy's `argsort(-values, kind="stable")`: the negated
/// value as numpy negates it (wrapping around for integers: 0 and the most
/// negative value stay put), NaN last, -0.0 equal to 0.0.
fn sort_key<T: Element>(v: T) -> i128 {
    let dtype = T::DTYPE;
    if dtype.is_float() {
        let f = v.as_f64();
        if f.is_nan() {
            return i128::MAX;
        }
        let negated = if f == 0.0 { 0.0 } else { -f };
        let bits = negated.to_bits() as i64;
        return i128::from(bits ^ ((((bits >> 63) as u64) >> 1) as i64));
    }
    let x: i128 = num_traits::cast(v).unwrap_or_default();
    let bits = dtype.size() as u32 * 8;
    if dtype.is_signed_integer() {
        if x == -(1i128 << (bits - 1)) { x } else { -x }
    } else if x == 0 {
        0
    } else {
        (1i128 << bits) - x
    }
}

/// The C-order coordinates of linear index `i` in an array of `shape`.
fn unravel(mut i: usize, shape: &[usize], out: &mut [usize]) {
    for (c, &n) in out.iter_mut().zip(shape).rev() {
        *c = i % n;
        i /= n;
    }
}

/// The peaks as an N × ndim array of coordinates.
fn coordinates(peaks: &[usize], shape: &[usize]) -> Result<Array2<usize>> {
    let ndim = shape.len();
    let mut flat = vec![0; peaks.len() * ndim];
    for (row, &i) in flat.chunks_exact_mut(ndim).zip(peaks) {
        unravel(i, shape, row);
    }
    Array2::from_shape_vec((peaks.len(), ndim), flat)
        .map_err(|e| Error::Failed(format!("peak coordinates: {e}")))
}

/// C-order strides of `shape`, in elements.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        s[k] = s[k + 1] * shape[k + 1];
    }
    s
}

/// The validated parameters of one detection.
#[derive(Debug)]
struct Plan {
    shape: Vec<usize>,
    footprint: Footprint,
    /// A footprint of one element: the peaks are the voxels above the threshold.
    single: bool,
    widths: Vec<usize>,
    selection: Selection,
    per_label: Option<usize>,
}

/// What a chunk contributes: whether every voxel equals its maximum filter,
/// and the candidates (linear index, value).
struct Scan<T> {
    all_maximal: bool,
    candidates: Vec<(usize, T)>,
}

impl<T: Send> Accumulator for Scan<T> {
    fn merge(&mut self, other: Self) {
        self.all_maximal &= other.all_maximal;
        self.candidates.extend(other.candidates);
    }
}

impl Plan {
    /// Whether voxel `p` (coordinates) lies in the excluded border.
    fn in_border(&self, axis: usize, p: usize) -> bool {
        let w = self.widths[axis];
        p < w || p + w >= self.shape[axis]
    }

    /// The peaks of the whole image (no labels), as linear indices.
    fn whole<T: Element>(
        &self,
        exec: &Executor,
        image: &dyn Source<Elem = T>,
        chunks: &[usize],
        threshold: Threshold<T>,
    ) -> Result<Vec<usize>> {
        let single = self.single || self.shape.iter().product::<usize>() == 1;
        let grid = ChunkGrid::new(&self.shape, chunks)?;
        let filtered = RankFilter::new(RankKind::Maximum)
            .footprint(self.footprint.clone())
            .mode(BoundaryMode::Nearest)
            .chunks(chunks)
            .lazy(image)?;
        let scan = exec.map_reduce(
            "peak candidates",
            grid.num_chunks(),
            |c| {
                let region = grid.chunk_region(&grid.chunk_index(c));
                let maxed = if single {
                    None
                } else {
                    Some(filtered.read(&region)?)
                };
                let mut scan = None;
                image.read_view(&region, &mut |block| {
                    scan = Some(self.scan(block, maxed.as_ref(), &region, threshold));
                    Ok(())
                })?;
                scan.ok_or_else(|| Error::Failed(format!("no block read for {region}")))
            },
            |mut a, b| {
                a.merge(b);
                a
            },
        )?;
        let Some(scan) = scan else {
            return Ok(Vec::new());
        };
        if !single && scan.all_maximal {
            return Ok(Vec::new());
        }
        Ok(self.selection.select(scan.candidates, &self.shape))
    }

    /// The candidates of one chunk: voxels equal to their maximum filter
    /// (`maxed`; every voxel when `None`), above the threshold, outside the
    /// border.
    fn scan<T: Element>(
        &self,
        block: ArrayViewD<'_, T>,
        maxed: Option<&ArrayD<T>>,
        region: &Region,
        threshold: Threshold<T>,
    ) -> Scan<T> {
        let ndim = self.shape.len();
        let strides = strides(&self.shape);
        let last = ndim - 1;
        let len = block.shape()[last];
        let (lo, hi) = {
            let w = self.widths[last];
            let n = self.shape[last];
            let start = region.start()[last];
            (
                w.saturating_sub(start).min(len),
                n.saturating_sub(w).saturating_sub(start).min(len),
            )
        };
        let mut scan = Scan {
            all_maximal: true,
            candidates: Vec::new(),
        };
        let mut lead = vec![0usize; ndim - 1];
        let mut values = Vec::new();
        let mut maxima = Vec::new();
        let mut max_rows = maxed.map(|m| m.rows().into_iter());
        for row in block.rows() {
            values.clear();
            values.extend(row.iter().copied());
            let max_row = max_rows.as_mut().and_then(|r| r.next());
            let mut base = region.start()[last];
            let mut border = false;
            for (k, &c) in lead.iter().enumerate() {
                let p = region.start()[k] + c;
                base += p * strides[k];
                border |= self.in_border(k, p);
            }
            match max_row {
                Some(max_row) => {
                    maxima.clear();
                    maxima.extend(max_row.iter().copied());
                    let mut all = true;
                    for (&v, &m) in values.iter().zip(&maxima) {
                        all &= v == m;
                    }
                    scan.all_maximal &= all;
                    if !border && lo < hi {
                        for x in lo..hi {
                            let v = values[x];
                            if v == maxima[x] && threshold.exceeded_by(v) {
                                scan.candidates.push((base + x, v));
                            }
                        }
                    }
                }
                None if !border && lo < hi => {
                    for (x, &v) in values.iter().enumerate().take(hi).skip(lo) {
                        if threshold.exceeded_by(v) {
                            scan.candidates.push((base + x, v));
                        }
                    }
                }
                None => {}
            }
            for (c, &n) in lead.iter_mut().zip(block.shape()).rev() {
                *c += 1;
                if *c < n {
                    break;
                }
                *c = 0;
            }
        }
        scan
    }

    /// The peaks within every object of `labels` (objects in ascending label
    /// order), then re-selected over the whole image when more than
    /// `num_peaks`, as linear indices.
    fn objects<T: Element, L: LabelValue>(
        &self,
        exec: &Executor,
        image: &dyn Source<Elem = T>,
        labels: &dyn Source<Elem = L>,
        chunks: &[usize],
        threshold: Threshold<T>,
    ) -> Result<Vec<usize>> {
        let inner = map_blocks(labels, Some(chunks), |block, region| {
            let mut block = copy_block(block);
            for (k, &w) in self.widths.iter().enumerate() {
                let (start, len) = (region.start()[k], region.shape()[k]);
                let low = w.saturating_sub(start).min(len);
                let high = self.shape[k].saturating_sub(w).saturating_sub(start);
                let high = high.clamp(low, len);
                block
                    .slice_axis_mut(Axis(k), Slice::from(..low))
                    .fill(L::zero());
                block
                    .slice_axis_mut(Axis(k), Slice::from(high..))
                    .fill(L::zero());
            }
            Ok(block)
        })?;
        let boxes = find_objects_chunked(exec, &inner, Some(chunks))?;
        let found = exec.map_reduce(
            "peaks per object",
            boxes.len(),
            |i| {
                let (label, roi) = &boxes[i];
                self.object(image, labels, *label, roi, threshold)
            },
            |mut a, b| {
                a.extend(b);
                a
            },
        )?;
        let mut peaks = found.unwrap_or_default();
        if self.selection.max_out.is_some_and(|n| peaks.len() > n) {
            // scikit-image marks the peaks in a mask and selects again from
            // its nonzero voxels (C order, duplicates merged).
            peaks.sort_unstable_by_key(|&(i, _)| i);
            peaks.dedup_by_key(|&mut (i, _)| i);
            return Ok(self.selection.select(peaks, &self.shape));
        }
        Ok(peaks.into_iter().map(|(i, _)| i).collect())
    }

    /// The peaks of object `label` in its box `roi` (linear index in the
    /// image, image value), in scikit-image's per-label order.
    fn object<T: Element, L: LabelValue>(
        &self,
        image: &dyn Source<Elem = T>,
        labels: &dyn Source<Elem = L>,
        label: u64,
        roi: &Region,
        threshold: Threshold<T>,
    ) -> Result<Vec<(usize, T)>> {
        let values = image.read(roi)?;
        let inside = labels.read(roi)?.mapv(|v| v.to_label() == Some(label));
        let background = type_min::<T>();
        let mut object = values.clone();
        Zip::from(&mut object).and(&inside).for_each(|v, &on| {
            if !on {
                *v = background;
            }
        });
        let peak = if self.single || roi.len() == 1 {
            object.mapv(|v| threshold.exceeded_by(v))
        } else {
            let maxed = RankFilter::new(RankKind::Maximum)
                .footprint(self.footprint.clone())
                .mode(BoundaryMode::Nearest)
                .apply(&object.view())?;
            let mut peak = Zip::from(&object).and(&maxed).map_collect(|a, b| a == b);
            let trivial = Zip::from(&peak)
                .and(&inside)
                .all(|&is_max, &on| is_max || !on);
            if trivial {
                peak = isolated(&inside);
            }
            Zip::from(&mut peak)
                .and(&object)
                .for_each(|p, &v| *p &= threshold.exceeded_by(v));
            peak
        };
        let strides = strides(&self.shape);
        let mut local = vec![0; self.shape.len()];
        let mut candidates: Vec<(usize, T)> = Vec::new();
        for (flat, (&on, &v)) in peak.iter().zip(&object).enumerate() {
            if on {
                unravel(flat, roi.shape(), &mut local);
                let global = (0..local.len())
                    .map(|k| (roi.start()[k] + local[k]) * strides[k])
                    .sum();
                candidates.push((global, v));
            }
        }
        let chosen = self
            .selection
            .limit(self.per_label)
            .select(candidates, &self.shape);
        let mut point = vec![0; self.shape.len()];
        Ok(chosen
            .into_iter()
            .map(|i| {
                unravel(i, &self.shape, &mut point);
                (i, values[IxDyn(&local_in(&point, roi))])
            })
            .collect())
    }
}

/// Coordinates relative to a region's start.
fn local_in(point: &[usize], roi: &Region) -> Vec<usize> {
    point.iter().zip(roi.start()).map(|(p, s)| p - s).collect()
}

/// The smallest value of `T` (numpy's `finfo.min` / `iinfo.min`): the value
/// scikit-image gives the voxels of other labels in an object's box.
fn type_min<T: Element>() -> T {
    let min = match T::DTYPE {
        DataType::U8 | DataType::U16 | DataType::U32 | DataType::U64 => 0.0,
        DataType::I8 => f64::from(i8::MIN),
        DataType::I16 => f64::from(i16::MIN),
        DataType::I32 => f64::from(i32::MIN),
        DataType::I64 => i64::MIN as f64,
        DataType::F32 => f64::from(f32::MIN),
        DataType::F64 => f64::MIN,
    };
    num_traits::cast(min).unwrap_or_else(T::zero)
}

/// `mask ^ binary_opening(mask)` with scipy's default cross and border 0:
/// the voxels of `mask` that no cross inside `mask` covers.
fn isolated(mask: &ArrayD<bool>) -> ArrayD<bool> {
    let shape = mask.shape().to_vec();
    let ndim = shape.len();
    let strides = strides(&shape);
    let flags: Vec<bool> = mask.iter().copied().collect();
    let mut point = vec![0; ndim];
    let neighbours = |i: usize, point: &[usize], f: &dyn Fn(usize) -> bool| -> (bool, bool) {
        // (every face neighbour inside and passing, some face neighbour passing)
        let (mut all, mut any) = (true, false);
        for k in 0..ndim {
            for (ok, j) in [
                (point[k] > 0, i.wrapping_sub(strides[k])),
                (point[k] + 1 < shape[k], i + strides[k]),
            ] {
                let pass = ok && f(j);
                all &= pass;
                any |= pass;
            }
        }
        (all, any)
    };
    let mut eroded = vec![false; flags.len()];
    for (i, e) in eroded.iter_mut().enumerate() {
        unravel(i, &shape, &mut point);
        *e = flags[i] && neighbours(i, &point, &|j| flags[j]).0;
    }
    let out: Vec<bool> = (0..flags.len())
        .map(|i| {
            unravel(i, &shape, &mut point);
            let opened = eroded[i] || neighbours(i, &point, &|j| eroded[j]).1;
            flags[i] && !opened
        })
        .collect();
    ArrayD::from_shape_vec(shape, out)
        .unwrap_or_else(|_| unreachable!("one flag per voxel of the mask"))
}

/// The marker image scikit-image's documentation builds from peaks,
/// `ndi.label(mask_with_True_at_peaks)[0]`, as a lazy [`Source`] of `u32`:
/// peaks that touch through the structure (default: faces, scipy's default)
/// form one marker, numbered in raster order of their first voxel. Sparse:
/// a chunk is built from the peaks inside it, never from a whole-volume buffer.
///
/// ```
/// use ndarray::array;
/// use tesserae::segmentation::PeakMarkers;
/// use tesserae::{store, ArraySink, Executor, Source, Region, Structure};
///
/// let peaks = array![[2, 2], [0, 3], [2, 1], [3, 0]];
/// let markers = PeakMarkers::new(&peaks.view(), &[4, 4])?.with_chunks(&[2, 2])?;
/// assert_eq!(markers.num_labels(), 3);
/// let mut sink = ArraySink::<u32>::new(&[4, 4]);
/// store(&Executor::new(), &markers, &mut sink)?;
/// let expected = array![[0u32, 0, 0, 1], [0, 0, 0, 0], [0, 2, 2, 0], [3, 0, 0, 0]];
/// assert_eq!(sink.into_array(), expected.into_dyn());
///
/// // With the full structure, [3, 0] touches [2, 1].
/// let full = PeakMarkers::with_structure(&peaks.view(), &[4, 4], &Structure::full(2)?)?;
/// assert_eq!(full.num_labels(), 2);
/// assert_eq!(full.read(&Region::new(vec![3, 0], vec![1, 1]))?[[0, 0]], 2);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct PeakMarkers {
    shape: Vec<usize>,
    grid: ChunkGrid,
    /// Per chunk (C-order linear index of `grid`): the peaks inside it, as
    /// (linear index in the image, label).
    by_chunk: HashMap<usize, Vec<(usize, u32)>>,
    /// The peaks with their labels, sorted by linear index.
    peaks: Vec<(usize, u32)>,
    count: usize,
}

impl PeakMarkers {
    /// The markers of `coordinates` (one row per peak, as
    /// [`PeakLocalMax`] returns them) in an image of `shape`, with scipy's
    /// default structure (face neighbours), in default chunks.
    ///
    /// Fails when a row has another length than `shape` or lies outside it,
    /// or when there are more markers than `u32` holds.
    pub fn new(coordinates: &ArrayView2<'_, usize>, shape: &[usize]) -> Result<Self> {
        let structure = Structure::connectivity(shape.len(), 1)?;
        PeakMarkers::with_structure(coordinates, shape, &structure)
    }

    /// The markers of `coordinates` with peaks connected through `structure`.
    pub fn with_structure(
        coordinates: &ArrayView2<'_, usize>,
        shape: &[usize],
        structure: &Structure,
    ) -> Result<Self> {
        let ndim = shape.len();
        if coordinates.ncols() != ndim || structure.ndim() != ndim {
            return Err(Error::InvalidArgument(format!(
                "peak coordinates with {} columns and a {}-d structure for a {ndim}-d image",
                coordinates.ncols(),
                structure.ndim()
            )));
        }
        let strides = strides(shape);
        let mut linear = Vec::with_capacity(coordinates.nrows());
        for row in coordinates.rows() {
            if row.iter().zip(shape).any(|(&c, &n)| c >= n) {
                return Err(Error::InvalidArgument(format!(
                    "peak {row} lies outside the image of shape {shape:?}"
                )));
            }
            linear.push(row.iter().zip(&strides).map(|(c, s)| c * s).sum::<usize>());
        }
        linear.sort_unstable();
        linear.dedup();
        let index: HashMap<usize, usize> =
            linear.iter().enumerate().map(|(k, &i)| (i, k)).collect();
        let mut parent: Vec<usize> = (0..linear.len()).collect();
        let offsets = structure.offsets();
        let mut point = vec![0; ndim];
        for (k, &i) in linear.iter().enumerate() {
            unravel(i, shape, &mut point);
            'offsets: for offset in &offsets {
                let mut j = 0usize;
                for axis in 0..ndim {
                    let q = point[axis] as isize + offset[axis];
                    if q < 0 || q >= shape[axis] as isize {
                        continue 'offsets;
                    }
                    j += q as usize * strides[axis];
                }
                if let Some(&other) = index.get(&j) {
                    let (a, b) = (find(&mut parent, k), find(&mut parent, other));
                    // The root is the component's first voxel in raster order.
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
        let mut labels = vec![0u32; linear.len()];
        let mut count = 0usize;
        for k in 0..linear.len() {
            let root = find(&mut parent, k);
            if root == k {
                count += 1;
                labels[k] = u32::try_from(count).map_err(|_| {
                    Error::InvalidArgument(format!("more than {} markers", u32::MAX))
                })?;
            } else {
                labels[k] = labels[root];
            }
        }
        let peaks: Vec<(usize, u32)> = linear.into_iter().zip(labels).collect();
        let chunks = default_chunks(shape, shape, 4);
        let mut markers = PeakMarkers {
            shape: shape.to_vec(),
            grid: ChunkGrid::new(shape, &chunks)?,
            by_chunk: HashMap::new(),
            peaks,
            count,
        };
        markers.index();
        Ok(markers)
    }

    /// The same markers served in chunks of `chunks`.
    pub fn with_chunks(mut self, chunks: &[usize]) -> Result<Self> {
        self.grid = ChunkGrid::new(&self.shape, chunks)?;
        self.index();
        Ok(self)
    }

    /// The number of markers (the largest label).
    pub fn num_labels(&self) -> usize {
        self.count
    }

    /// Sorts the peaks into the chunks of the grid.
    fn index(&mut self) {
        self.by_chunk.clear();
        let mut point = vec![0; self.shape.len()];
        for &(i, label) in &self.peaks {
            unravel(i, &self.shape, &mut point);
            let chunk = self.grid.linear_index(&self.grid.chunk_of(&point));
            self.by_chunk.entry(chunk).or_default().push((i, label));
        }
    }
}

/// The root of `k` in a union-find forest, halving the path.
fn find(parent: &mut [usize], mut k: usize) -> usize {
    while parent[k] != k {
        parent[k] = parent[parent[k]];
        k = parent[k];
    }
    k
}

impl Source for PeakMarkers {
    type Elem = u32;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn chunk_shape(&self) -> &[usize] {
        self.grid.chunk_shape()
    }

    fn read(&self, region: &Region) -> Result<ArrayD<u32>> {
        crate::engine::check_region(&self.shape, region)?;
        let mut out = ArrayD::<u32>::zeros(IxDyn(region.shape()));
        let mut point = vec![0; self.shape.len()];
        for chunk in self.grid.chunks_overlapping(region) {
            let Some(peaks) = self.by_chunk.get(&self.grid.linear_index(&chunk)) else {
                continue;
            };
            for &(i, label) in peaks {
                unravel(i, &self.shape, &mut point);
                let inside = point
                    .iter()
                    .zip(region.start())
                    .zip(region.shape())
                    .all(|((&p, &s), &n)| p >= s && p < s + n);
                if inside {
                    out[IxDyn(&local_in(&point, region))] = label;
                }
            }
        }
        Ok(out)
    }
}

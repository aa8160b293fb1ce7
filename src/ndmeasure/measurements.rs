//! The scipy.ndimage measurement functions, on in-memory arrays and blockwise on sources.

use ndarray::ArrayViewD;

use crate::engine::{ChunkGrid, Element, Executor, Source};
use crate::error::{Error, Result};
use crate::ndmeasure::labels::LabelValue;
use crate::ndmeasure::sparse::Partial;
use crate::ndmeasure::stats::{chunk_stats, merge, Bins, LabelStats, Wanted};

/// Configures one pass of per-label statistics over an intensity image.
///
/// Counts, sums, means and variances are always accumulated; extrema (with
/// positions), centres of mass and histograms on request. Every statistic
/// requested shares the same single pass over the chunks.
///
/// ```
/// use ndarray::array;
/// use tesserae::{ndmeasure::Measure, ArraySource, Executor};
///
/// let image = array![[1u16, 2, 3], [4, 5, 6]].into_dyn();
/// let labels = array![[1u32, 1, 0], [2, 2, 2]].into_dyn();
/// let stats = Measure::new()
///     .extrema(true)
///     .chunks(&[1, 2])
///     .run(
///         &Executor::new(),
///         &ArraySource::new(image),
///         Some(&ArraySource::new(labels)),
///     )?;
/// assert_eq!(stats.mean(Some(&[1, 2, 7]))?[..2], [1.5, 5.0]);
/// assert!(stats.mean(Some(&[7]))?[0].is_nan());
/// assert_eq!(stats.maximum(None)?, vec![6]);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Measure {
    wanted: Wanted,
    chunks: Option<Vec<usize>>,
    background: bool,
}

impl Measure {
    /// Counts, sums, means and variances only.
    pub fn new() -> Self {
        Measure::default()
    }

    /// Also accumulate minima and maxima with their first positions.
    pub fn extrema(mut self, on: bool) -> Self {
        self.wanted.extrema = on;
        self
    }

    /// Also accumulate intensity-weighted centroids.
    pub fn center_of_mass(mut self, on: bool) -> Self {
        self.wanted.center_of_mass = on;
        self
    }

    /// Also accumulate a histogram per label.
    pub fn histogram(mut self, bins: Bins) -> Self {
        self.wanted.histogram = Some(bins);
        self
    }

    /// Also measure the background (label 0), so that an index may name it.
    pub fn background(mut self, on: bool) -> Self {
        self.background = on;
        self
    }

    /// Chunk shape of the pass (default: the label image's native chunks, or the intensity image's).
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// Measures a source, optionally labelled by a label source of the same shape.
    pub fn run<S, L>(
        &self,
        exec: &Executor,
        intensity: &S,
        labels: Option<&L>,
    ) -> Result<Measurements<S::Elem>>
    where
        S: Source,
        L: Source,
        L::Elem: LabelValue,
    {
        let shape = intensity.shape().to_vec();
        if let Some(labels) = labels {
            check_shapes(&shape, labels.shape())?;
        }
        let native = labels.map_or(intensity.chunk_shape(), |l| l.chunk_shape());
        let grid = ChunkGrid::new(&shape, self.chunks.as_deref().unwrap_or(native))?;
        let per_label = exec.map_reduce(
            "measure",
            grid.num_chunks(),
            |i| {
                let region = grid.chunk_region(&grid.chunk_index(i));
                let values = intensity.read(&region)?;
                let values = values.as_standard_layout();
                let label_block = labels.map(|l| l.read(&region)).transpose()?;
                let label_block = label_block.as_ref().map(|b| b.as_standard_layout());
                Ok(chunk_stats(
                    values.as_slice().unwrap_or(&[]),
                    label_block.as_ref().map(|b| b.as_slice().unwrap_or(&[])),
                    region.shape(),
                    region.start(),
                    &shape,
                    &self.wanted,
                    self.background,
                ))
            },
            merge,
        )?;
        Ok(self.finish(per_label.unwrap_or_default(), shape, labels.is_some()))
    }

    /// Measures an in-memory image, optionally labelled.
    pub fn run_in_memory<T: Element, L: LabelValue>(
        &self,
        intensity: &ArrayViewD<'_, T>,
        labels: Option<&ArrayViewD<'_, L>>,
    ) -> Result<Measurements<T>> {
        let shape = intensity.shape().to_vec();
        if let Some(labels) = labels {
            check_shapes(&shape, labels.shape())?;
        }
        let values = intensity.as_standard_layout();
        let label_block = labels.map(|b| b.as_standard_layout());
        let per_label = chunk_stats(
            values.as_slice().unwrap_or(&[]),
            label_block.as_ref().map(|b| b.as_slice().unwrap_or(&[])),
            &shape,
            &vec![0; shape.len()],
            &shape,
            &self.wanted,
            self.background,
        );
        Ok(self.finish(per_label, shape, labels.is_some()))
    }

    fn finish<T: Element>(
        &self,
        per_label: Partial<LabelStats<T>>,
        shape: Vec<usize>,
        labelled: bool,
    ) -> Measurements<T> {
        Measurements {
            per_label,
            empty: LabelStats::empty(&shape, &self.wanted),
            wanted: self.wanted.clone(),
            ndim: shape.len(),
            labelled,
            background: self.background,
        }
    }
}

fn check_shapes(intensity: &[usize], labels: &[usize]) -> Result<()> {
    if intensity != labels {
        return Err(Error::ShapeMismatch {
            expected: intensity.to_vec(),
            found: labels.to_vec(),
        });
    }
    Ok(())
}

/// The result of a [`Measure`] pass: statistics of every label present, and
/// the scipy.ndimage functions answered from them.
///
/// `index` follows scipy: `None` pools every label > 0 into one region (the
/// whole image when there was no label image); a list gives one result per
/// entry, in order, duplicates and absent labels included (absent labels give
/// scipy's defaults: 0 for sums and extrema, `NaN` for means, variances and
/// centres of mass, zeros for positions, `None` for histograms).
#[derive(Clone, Debug)]
pub struct Measurements<T> {
    per_label: Partial<LabelStats<T>>,
    empty: LabelStats<T>,
    wanted: Wanted,
    ndim: usize,
    labelled: bool,
    background: bool,
}

impl<T: Element> Measurements<T> {
    /// Statistics of one label, if present.
    pub fn get(&self, label: u64) -> Option<&LabelStats<T>> {
        self.per_label
            .binary_search_by_key(&label, |(l, _)| *l)
            .ok()
            .map(|i| &self.per_label[i].1)
    }

    /// Every label present (0 only when the background was measured), ascending,
    /// with its statistics: the "all labels" form, no index needed.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &LabelStats<T>)> {
        self.per_label.iter().map(|(l, s)| (*l, s))
    }

    /// Statistics for every entry of `index` (or the pooled region when `None`).
    pub fn select(&self, index: Option<&[u64]>) -> Result<Vec<LabelStats<T>>> {
        let Some(index) = index.filter(|_| self.labelled) else {
            let mut pooled = self.empty.clone();
            for (_, stats) in self.per_label.iter().filter(|(l, _)| *l > 0) {
                pooled.merge(stats.clone());
            }
            return Ok(vec![pooled]);
        };
        if index.contains(&0) && !self.background {
            return Err(Error::InvalidArgument(
                "index names label 0 but the background was not measured (Measure::background)"
                    .into(),
            ));
        }
        Ok(index
            .iter()
            .map(|&l| self.get(l).cloned().unwrap_or_else(|| self.empty.clone()))
            .collect())
    }

    fn each<R>(&self, index: Option<&[u64]>, f: impl Fn(&LabelStats<T>) -> R) -> Result<Vec<R>> {
        Ok(self.select(index)?.iter().map(f).collect())
    }

    /// Number of voxels (dask-image's `area`).
    pub fn count(&self, index: Option<&[u64]>) -> Result<Vec<u64>> {
        self.each(index, LabelStats::count)
    }

    /// `scipy.ndimage.sum_labels`.
    pub fn sum_labels(&self, index: Option<&[u64]>) -> Result<Vec<f64>> {
        self.each(index, LabelStats::sum)
    }

    /// `scipy.ndimage.mean`.
    pub fn mean(&self, index: Option<&[u64]>) -> Result<Vec<f64>> {
        self.each(index, LabelStats::mean)
    }

    /// `scipy.ndimage.variance` (population variance).
    pub fn variance(&self, index: Option<&[u64]>) -> Result<Vec<f64>> {
        self.each(index, LabelStats::variance)
    }

    /// `scipy.ndimage.standard_deviation`.
    pub fn standard_deviation(&self, index: Option<&[u64]>) -> Result<Vec<f64>> {
        self.each(index, LabelStats::standard_deviation)
    }

    /// `scipy.ndimage.minimum`, in the input type (0 for absent labels).
    pub fn minimum(&self, index: Option<&[u64]>) -> Result<Vec<T>> {
        self.need_extrema()?;
        self.each(index, |s| s.minimum().unwrap_or_else(T::zero))
    }

    /// `scipy.ndimage.maximum`, in the input type (0 for absent labels).
    pub fn maximum(&self, index: Option<&[u64]>) -> Result<Vec<T>> {
        self.need_extrema()?;
        self.each(index, |s| s.maximum().unwrap_or_else(T::zero))
    }

    /// `scipy.ndimage.minimum_position`: full-array coordinates of the first smallest value.
    pub fn minimum_position(&self, index: Option<&[u64]>) -> Result<Vec<Vec<usize>>> {
        self.need_extrema()?;
        let ndim = self.ndim;
        self.each(index, |s| {
            s.minimum_position().unwrap_or_else(|| vec![0; ndim])
        })
    }

    /// `scipy.ndimage.maximum_position`: full-array coordinates of the first largest value.
    pub fn maximum_position(&self, index: Option<&[u64]>) -> Result<Vec<Vec<usize>>> {
        self.need_extrema()?;
        let ndim = self.ndim;
        self.each(index, |s| {
            s.maximum_position().unwrap_or_else(|| vec![0; ndim])
        })
    }

    /// `scipy.ndimage.extrema`: (minimum, maximum, minimum position, maximum position) per entry.
    #[allow(clippy::type_complexity)]
    pub fn extrema(&self, index: Option<&[u64]>) -> Result<Vec<(T, T, Vec<usize>, Vec<usize>)>> {
        let lo = self.minimum(index)?;
        let hi = self.maximum(index)?;
        let lo_at = self.minimum_position(index)?;
        let hi_at = self.maximum_position(index)?;
        Ok(lo
            .into_iter()
            .zip(hi)
            .zip(lo_at.into_iter().zip(hi_at))
            .map(|((a, b), (c, d))| (a, b, c, d))
            .collect())
    }

    /// `scipy.ndimage.center_of_mass`, in full-array coordinates.
    pub fn center_of_mass(&self, index: Option<&[u64]>) -> Result<Vec<Vec<f64>>> {
        if !self.wanted.center_of_mass {
            return Err(not_accumulated("center_of_mass"));
        }
        self.each(index, LabelStats::center_of_mass)
    }

    /// `scipy.ndimage.histogram`: counts per bin, `None` for absent labels.
    pub fn histogram(&self, index: Option<&[u64]>) -> Result<Vec<Option<Vec<u64>>>> {
        if self.wanted.histogram.is_none() {
            return Err(not_accumulated("histogram"));
        }
        self.each(index, |s| (s.count() > 0).then(|| s.histogram().to_vec()))
    }

    fn need_extrema(&self) -> Result<()> {
        if !self.wanted.extrema {
            return Err(not_accumulated("extrema"));
        }
        Ok(())
    }
}

fn not_accumulated(what: &str) -> Error {
    Error::InvalidArgument(format!("{what} was not requested from Measure"))
}

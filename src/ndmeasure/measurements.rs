//! The scipy.ndimage measurement functions, on in-memory arrays and blockwise on sources.

use ndarray::ArrayViewD;

use crate::engine::{ChunkGrid, Element, Executor, Source};
use crate::error::{Error, Result};
use crate::ndmeasure::gather::{Groups, Pass, batches, gather, median_of, rank_by_refinement};
use crate::ndmeasure::labels::LabelValue;
use crate::ndmeasure::sparse::{Partial, par_slabs};
use crate::ndmeasure::stats::{Bins, LabelStats, Wanted, chunk_stats, merge};

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
#[derive(Clone, Debug)]
pub struct Measure {
    wanted: Wanted,
    chunks: Option<Vec<usize>>,
    background: bool,
    budget: usize,
}

impl Default for Measure {
    fn default() -> Self {
        Measure {
            wanted: Wanted::default(),
            chunks: None,
            background: false,
            budget: 256 << 20,
        }
    }
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

    /// Memory, in bytes, that gathering voxel values (for [`Measure::median`] and
    /// [`Measure::labeled_comprehension`]) may hold at once (default 256 MiB).
    pub fn memory_budget(mut self, bytes: usize) -> Self {
        self.budget = bytes;
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
                let label_block = labels.map(|l| l.read(&region)).transpose()?;
                Ok(chunk_stats(
                    &values.view(),
                    label_block.as_ref().map(|b| b.view()).as_ref(),
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
        let per_label = match labels {
            Some(labels) => self.slab_stats(&values.view(), labels),
            None => self.slab_stats(
                &values.view(),
                &ndarray::ArrayD::from_elem(shape.clone(), 1u8).view(),
            ),
        };
        Ok(self.finish(per_label, shape, labels.is_some()))
    }

    /// Statistics of an in-memory image, slabs along the first axis in parallel.
    fn slab_stats<T: Element, L: LabelValue>(
        &self,
        values: &ArrayViewD<'_, T>,
        labels: &ArrayViewD<'_, L>,
    ) -> Partial<LabelStats<T>> {
        let shape = values.shape();
        par_slabs(
            labels,
            |slab, offset| {
                let mut origin = vec![0; shape.len()];
                origin[0] = offset;
                let rows = offset..offset + slab.shape()[0];
                let values = values.slice_axis(ndarray::Axis(0), rows.into());
                chunk_stats(
                    &values,
                    Some(&slab),
                    &origin,
                    shape,
                    &self.wanted,
                    self.background,
                )
            },
            merge,
        )
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

impl Measure {
    /// `scipy.ndimage.median`, exact, per entry of `index` (pooled when `None`).
    ///
    /// Values are gathered label by label in batches that fit the memory
    /// budget, one pass over the chunks per batch; a label larger than the
    /// budget is resolved by histogram refinement, a few counting passes. The
    /// median of an even count is the mean of the two middle values (as numpy).
    /// Absent labels give `NaN` (scipy returns an unspecified value there).
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::{ndmeasure::Measure, ArraySource, Executor};
    ///
    /// let image = ArraySource::new(array![[3.0, 1.0, 1.0], [1.0, 5.0, 5.0]].into_dyn());
    /// let labels = ArraySource::new(array![[1u8, 1, 1], [2, 1, 0]].into_dyn());
    /// let medians = Measure::new().median(&Executor::new(), &image, Some(&labels), Some(&[1, 2, 7]))?;
    /// assert_eq!(medians[..2], [2.0, 1.0]);
    /// assert!(medians[2].is_nan());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn median<S, L>(
        &self,
        exec: &Executor,
        intensity: &S,
        labels: Option<&L>,
        index: Option<&[u64]>,
    ) -> Result<Vec<f64>>
    where
        S: Source,
        L: Source,
        L::Elem: LabelValue,
    {
        let with_zero = labels.is_some() && index.is_some_and(|i| i.contains(&0));
        let stats = self
            .clone()
            .extrema(true)
            .background(with_zero)
            .run(exec, intensity, labels)?;
        self.median_with(&stats, exec, intensity, labels, index)
    }

    /// [`Measure::median`] reusing `stats`, a pass over the same images that
    /// accumulated extrema (and the background when `index` names label 0),
    /// so the counting pass is not made twice.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::{ndmeasure::Measure, ArraySource, Executor};
    ///
    /// let image = ArraySource::new(array![[3.0, 1.0, 1.0], [1.0, 5.0, 5.0]].into_dyn());
    /// let labels = ArraySource::new(array![[1u8, 1, 1], [2, 1, 0]].into_dyn());
    /// let exec = Executor::new();
    /// let measure = Measure::new().extrema(true);
    /// let stats = measure.run(&exec, &image, Some(&labels))?;
    /// let medians = measure.median_with(&stats, &exec, &image, Some(&labels), Some(&[1, 2]))?;
    /// assert_eq!(medians, vec![2.0, 1.0]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn median_with<S, L>(
        &self,
        stats: &Measurements<S::Elem>,
        exec: &Executor,
        intensity: &S,
        labels: Option<&L>,
        index: Option<&[u64]>,
    ) -> Result<Vec<f64>>
    where
        S: Source,
        L: Source,
        L::Elem: LabelValue,
    {
        if !stats.wanted.extrema {
            return Err(not_accumulated("extrema (needed by the median)"));
        }
        let index = index.filter(|_| labels.is_some());
        let pass = self.pass(exec, intensity, labels)?;
        let budget = (self.budget / (8 + std::mem::size_of::<S::Elem>())).max(1) as u64;
        let Some(index) = index else {
            let pooled = stats.select(None)?.remove(0);
            return Ok(vec![self.median_of_group(
                &pass,
                &Groups::Pooled,
                &pooled,
                budget,
            )?]);
        };
        let (batches, large) = batches(&stats.counts_of(index), budget);
        let mut medians = std::collections::HashMap::new();
        for batch in batches {
            let groups = Groups::Labels(batch.clone());
            for (label, mut values) in batch.iter().zip(gather(&pass, &groups, batch.len())?) {
                let mut values: Vec<S::Elem> = values.drain(..).map(|(_, v)| v).collect();
                medians.insert(*label, median_of(&mut values));
            }
        }
        for label in large {
            let stats = stats
                .get(label)
                .cloned()
                .ok_or_else(|| Error::Failed("median lost a label".into()))?;
            let groups = Groups::Labels(vec![label]);
            medians.insert(label, self.median_of_group(&pass, &groups, &stats, budget)?);
        }
        Ok(index
            .iter()
            .map(|l| medians.get(l).copied().unwrap_or(f64::NAN))
            .collect())
    }

    /// `scipy.ndimage.labeled_comprehension`: `func` applied to the values of
    /// every entry of `index` (pooled when `None`), `default` for absent labels.
    ///
    /// `func` receives `(linear position, value)` pairs in raster order, like
    /// scipy's `pass_positions=True`. Values are gathered in batches that fit
    /// the memory budget; a single label larger than the budget is an error (use
    /// [`Measure::labeled_fold`], which needs no gathering).
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::{ndmeasure::Measure, ArraySource, Executor};
    ///
    /// let image = ArraySource::new(array![[3.0, 1.0, 1.0], [1.0, 5.0, 5.0]].into_dyn());
    /// let labels = ArraySource::new(array![[1u8, 1, 1], [2, 1, 0]].into_dyn());
    /// let positions = Measure::new().labeled_comprehension(
    ///     &Executor::new(), &image, Some(&labels), Some(&[1, 7]),
    ///     |voxels| voxels.iter().map(|(p, _)| *p as f64).sum::<f64>(), -1.0)?;
    /// assert_eq!(positions, vec![7.0, -1.0]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn labeled_comprehension<S, L, R, F>(
        &self,
        exec: &Executor,
        intensity: &S,
        labels: Option<&L>,
        index: Option<&[u64]>,
        func: F,
        default: R,
    ) -> Result<Vec<R>>
    where
        S: Source,
        L: Source,
        L::Elem: LabelValue,
        R: Clone,
        F: Fn(&[(u64, S::Elem)]) -> R,
    {
        let index = index.filter(|_| labels.is_some());
        let with_zero = index.is_some_and(|i| i.contains(&0));
        let stats = self
            .clone()
            .background(with_zero)
            .run(exec, intensity, labels)?;
        let pass = self.pass(exec, intensity, labels)?;
        let budget = (self.budget / (8 + std::mem::size_of::<S::Elem>())).max(1) as u64;
        let too_large = |count: u64| {
            Error::InvalidArgument(format!(
                "a label has {count} voxels, more than the memory budget allows gathering; use labeled_fold"
            ))
        };
        let Some(index) = index else {
            let count = stats.select(None)?[0].count();
            if count > budget {
                return Err(too_large(count));
            }
            let values = gather(&pass, &Groups::Pooled, 1)?;
            return Ok(vec![if count == 0 {
                default
            } else {
                func(&values[0])
            }]);
        };
        let (batches, large) = batches(&stats.counts_of(index), budget);
        if let Some(&label) = large.first() {
            return Err(too_large(stats.get(label).map_or(0, |s| s.count())));
        }
        let mut results = std::collections::HashMap::new();
        for batch in batches {
            let groups = Groups::Labels(batch.clone());
            for (label, values) in batch.iter().zip(gather(&pass, &groups, batch.len())?) {
                results.insert(*label, func(&values));
            }
        }
        Ok(index
            .iter()
            .map(|l| results.get(l).cloned().unwrap_or_else(|| default.clone()))
            .collect())
    }

    /// A user fold per entry of `index` (pooled when `None`) in one pass and
    /// bounded memory: `fold(acc, linear position, value)` visits every voxel of
    /// the label in some order, per chunk from `init()`, and `merge` joins the
    /// accumulators of two chunks. `None` for absent labels.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::{ndmeasure::Measure, ArraySource, Executor};
    ///
    /// let image = ArraySource::new(array![[3u8, 1, 1], [1, 5, 5]].into_dyn());
    /// let labels = ArraySource::new(array![[1u8, 1, 1], [2, 1, 0]].into_dyn());
    /// let above_two = Measure::new().labeled_fold(
    ///     &Executor::new(), &image, Some(&labels), Some(&[1, 2, 9]),
    ///     || 0u32, |n: &mut u32, _, v: u8| *n += u32::from(v > 2), |a, b| a + b)?;
    /// assert_eq!(above_two, vec![Some(2), Some(0), None]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn labeled_fold<S, L, A, I, V, M>(
        &self,
        exec: &Executor,
        intensity: &S,
        labels: Option<&L>,
        index: Option<&[u64]>,
        init: I,
        fold: V,
        merge: M,
    ) -> Result<Vec<Option<A>>>
    where
        S: Source,
        L: Source,
        L::Elem: LabelValue,
        A: Send + Clone,
        I: Fn() -> A + Sync,
        V: Fn(&mut A, u64, S::Elem) + Sync,
        M: Fn(A, A) -> A + Sync,
    {
        let pass = self.pass(exec, intensity, labels)?;
        let index = index.filter(|_| labels.is_some());
        let (groups, n) = match index {
            None => (Groups::Pooled, 1),
            Some(index) => {
                let mut wanted = index.to_vec();
                wanted.sort_unstable();
                wanted.dedup();
                let n = wanted.len();
                (Groups::Labels(wanted), n)
            }
        };
        let folded: Vec<Option<A>> = pass.fold(
            &groups,
            || vec![None; n],
            |acc: &mut Vec<Option<A>>, g, p, v| fold(acc[g].get_or_insert_with(&init), p, v),
            |a, b| {
                a.into_iter()
                    .zip(b)
                    .map(|(x, y)| match (x, y) {
                        (Some(x), Some(y)) => Some(merge(x, y)),
                        (x, y) => x.or(y),
                    })
                    .collect()
            },
        )?;
        Ok(match (&groups, index) {
            (Groups::Labels(wanted), Some(index)) => index
                .iter()
                .map(|l| wanted.binary_search(l).ok().and_then(|i| folded[i].clone()))
                .collect(),
            _ => folded,
        })
    }

    fn pass<'a, S, L>(
        &self,
        exec: &'a Executor,
        intensity: &'a S,
        labels: Option<&'a L>,
    ) -> Result<Pass<'a, S::Elem, L::Elem>>
    where
        S: Source,
        L: Source,
        L::Elem: LabelValue,
    {
        if let Some(labels) = labels {
            check_shapes(intensity.shape(), labels.shape())?;
        }
        let native = labels.map_or(intensity.chunk_shape(), |l| l.chunk_shape());
        let grid = ChunkGrid::new(intensity.shape(), self.chunks.as_deref().unwrap_or(native))?;
        Ok(Pass {
            exec,
            intensity,
            labels: labels.map(|l| l as &dyn Source<Elem = L::Elem>),
            grid,
        })
    }

    fn median_of_group<T: Element, L: LabelValue>(
        &self,
        pass: &Pass<'_, T, L>,
        groups: &Groups,
        stats: &LabelStats<T>,
        budget: u64,
    ) -> Result<f64> {
        let n = stats.count();
        if n == 0 {
            return Ok(f64::NAN);
        }
        if n <= budget {
            let mut values: Vec<T> = gather(pass, groups, 1)?
                .remove(0)
                .into_iter()
                .map(|(_, v)| v)
                .collect();
            return Ok(median_of(&mut values));
        }
        let range = (
            stats.minimum().map_or(0.0, |v| v.as_f64()),
            stats.maximum().map_or(0.0, |v| v.as_f64()),
        );
        let upper = rank_by_refinement(pass, groups, n / 2, range, budget)?;
        if n % 2 == 1 {
            return Ok(upper);
        }
        let lower = rank_by_refinement(pass, groups, n / 2 - 1, range, budget)?;
        Ok((lower + upper) / 2.0)
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

    /// The distinct labels of `index` that are present, ascending, with their voxel counts.
    fn counts_of(&self, index: &[u64]) -> Vec<(u64, u64)> {
        let mut wanted = index.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        wanted
            .into_iter()
            .filter_map(|l| self.get(l).map(|s| (l, s.count())))
            .collect()
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

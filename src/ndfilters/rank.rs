//! Rank filters after scipy.ndimage's: `minimum_filter`, `maximum_filter`,
//! `median_filter`, `rank_filter` and `percentile_filter`, in memory
//! ([`RankFilter::apply`]) or lazily over chunks ([`RankFilter::lazy`]), with
//! equal results at any chunking.
//!
//! Boxes (`size`) run as separable running extrema (van Herk/Gil-Werman,
//! O(1) per voxel whatever the size) for the minimum and maximum; any other
//! footprint runs a direct kernel.

mod minmax;
mod network;
mod select;

use ndarray::{ArrayD, ArrayViewD};

use crate::engine::ViewSource;
use crate::engine::{BoundaryMode, Element, Region, Source, map_overlap};
use crate::ndfilters::Footprint;
use crate::ndfilters::linear::slabs;
use crate::{Error, Result};

pub(crate) use minmax::{Max, Min, saturate};

/// Which order statistic a [`RankFilter`] computes.
///
/// ```
/// use tesserae::ndfilters::RankKind;
/// assert_eq!(RankKind::Percentile(50.0).rank(27)?, 13);
/// assert_eq!(RankKind::Rank(-1).rank(9)?, 8);
/// assert!(RankKind::Rank(9).rank(9).is_err());
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RankKind {
    /// The smallest value (scipy `minimum_filter`).
    Minimum,
    /// The largest value (scipy `maximum_filter`).
    Maximum,
    /// The value of rank `n / 2` among the `n` footprint elements (scipy `median_filter`).
    Median,
    /// The value of the given 0-based rank; negative ranks count from the top
    /// (scipy `rank_filter`).
    Rank(isize),
    /// The value at a percentile, in `-100 ..= 100` (negative adds 100), whose
    /// rank is `int(n * percentile / 100)` as scipy `percentile_filter`.
    Percentile(f64),
}

impl RankKind {
    /// The 0-based rank among `n` footprint elements, as scipy computes it.
    ///
    /// Fails for a rank or percentile outside the footprint.
    ///
    /// ```
    /// use tesserae::ndfilters::RankKind;
    /// assert_eq!(RankKind::Median.rank(4)?, 2);
    /// assert_eq!(RankKind::Percentile(100.0).rank(5)?, 4);
    /// assert_eq!(RankKind::Percentile(-75.0).rank(8)?, 2);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn rank(self, n: usize) -> Result<usize> {
        let rank = match self {
            RankKind::Minimum => 0,
            RankKind::Maximum => n as isize - 1,
            RankKind::Median => (n / 2) as isize,
            RankKind::Rank(r) if r < 0 => r + n as isize,
            RankKind::Rank(r) => r,
            RankKind::Percentile(p) => {
                let p = if p < 0.0 { p + 100.0 } else { p };
                if !(0.0..=100.0).contains(&p) {
                    return Err(Error::InvalidArgument(format!(
                        "percentile {p} is outside -100..=100"
                    )));
                }
                if p == 100.0 {
                    n as isize - 1
                } else {
                    (n as f64 * p / 100.0) as isize
                }
            }
        };
        if rank < 0 || rank >= n as isize {
            return Err(Error::InvalidArgument(format!(
                "rank {rank} is outside a footprint of {n} elements"
            )));
        }
        Ok(rank as usize)
    }
}

/// The neighbourhood of a filter, as scipy's `size` or `footprint`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Neighbourhood {
    /// A box, one extent per axis or one for all.
    Size(Vec<usize>),
    /// Any mask.
    Footprint(Footprint),
}

impl Neighbourhood {
    /// The footprint for an `ndim`-d image with scipy's `origin` (one value
    /// per axis or one for all; `None` keeps a footprint's own origin).
    pub(crate) fn resolve(&self, ndim: usize, origin: Option<&[isize]>) -> Result<Footprint> {
        let footprint = match self {
            Neighbourhood::Size(size) => Footprint::size(&broadcast(size, ndim, "size")?)?,
            Neighbourhood::Footprint(f) => f.clone(),
        };
        if footprint.ndim() != ndim {
            return Err(Error::InvalidArgument(format!(
                "a {}-d footprint for a {ndim}-d image",
                footprint.ndim()
            )));
        }
        match origin {
            Some(origin) => footprint.with_origin(&broadcast(origin, ndim, "origin")?),
            None => Ok(footprint),
        }
    }
}

/// `values` for `ndim` axes: as given, or one value repeated.
pub(crate) fn broadcast<V: Copy>(values: &[V], ndim: usize, what: &str) -> Result<Vec<V>> {
    match values {
        [one] => Ok(vec![*one; ndim]),
        _ if values.len() == ndim => Ok(values.to_vec()),
        _ => Err(Error::InvalidArgument(format!(
            "{what} has {} values for a {ndim}-d image",
            values.len()
        ))),
    }
}

/// What a rank kernel computes over its footprint.
#[derive(Clone, Debug)]
pub(crate) enum Kernel {
    /// The minimum, minus the structure values when given (grey erosion).
    Minimum(Option<Vec<f64>>),
    /// The maximum, plus the structure values when given (grey dilation).
    Maximum(Option<Vec<f64>>),
    /// The element of a rank.
    Rank(usize),
}

/// A footprint and a kernel: everything a block computation needs.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub(crate) footprint: Footprint,
    pub(crate) kernel: Kernel,
}

impl Plan {
    /// A rank filter's plan; ranks 0 and n − 1 become the minimum and maximum, as in scipy.
    pub(crate) fn rank(footprint: Footprint, kind: RankKind) -> Result<Self> {
        let n = footprint.mask().iter().filter(|&&on| on).count();
        let rank = kind.rank(n)?;
        let kernel = if rank == 0 {
            Kernel::Minimum(None)
        } else if rank == n - 1 {
            Kernel::Maximum(None)
        } else {
            Kernel::Rank(rank)
        };
        Ok(Plan { footprint, kernel })
    }

    /// The output block of shape `out_shape` from a padded block holding `pad`
    /// extra voxels on both sides of every axis (at least the footprint's depth).
    pub(crate) fn run<T: Element>(
        &self,
        padded: ArrayViewD<'_, T>,
        pad: &[usize],
        out_shape: &[usize],
    ) -> Result<ArrayD<T>> {
        let fp = &self.footprint;
        match &self.kernel {
            Kernel::Minimum(None) if fp.is_box() => {
                minmax::separable::<T, Min>(padded, pad, out_shape, fp)
            }
            Kernel::Maximum(None) if fp.is_box() => {
                minmax::separable::<T, Max>(padded, pad, out_shape, fp)
            }
            Kernel::Minimum(s) => {
                let negated: Option<Vec<f64>> = s.as_ref().map(|s| s.iter().map(|v| -v).collect());
                minmax::direct::<T, Min>(padded, pad, out_shape, fp, negated.as_deref())
            }
            Kernel::Maximum(s) => {
                minmax::direct::<T, Max>(padded, pad, out_shape, fp, s.as_deref())
            }
            Kernel::Rank(rank) => select::rank(padded, pad, out_shape, fp, *rank),
        }
    }
}

/// The layout of a contiguous padded block and of the output block inside it.
pub(crate) struct BlockGeometry {
    /// Strides of the padded block, in elements.
    strides: Vec<usize>,
    /// The padding on each side, per axis.
    pad: Vec<usize>,
    /// The output shape without its last axis.
    rows: Vec<usize>,
}

impl BlockGeometry {
    fn new(padded: &[usize], pad: &[usize], out_shape: &[usize]) -> Self {
        let mut strides = vec![1; padded.len()];
        for k in (0..padded.len().saturating_sub(1)).rev() {
            strides[k] = strides[k + 1] * padded[k + 1];
        }
        BlockGeometry {
            strides,
            pad: pad.to_vec(),
            rows: out_shape[..out_shape.len().saturating_sub(1)].to_vec(),
        }
    }

    /// The padded index, less the padding, of the first voxel of output row
    /// `row` (C order over all axes but the last).
    fn row_base(&self, mut row: usize) -> usize {
        let mut base = 0;
        for (k, &n) in self.rows.iter().enumerate().rev() {
            base += (row % n) * self.strides[k];
            row /= n;
        }
        base
    }
}

/// The footprint's offsets plus the padding as linear offsets in the padded
/// block, in the footprint's C order (never negative: the padding covers the
/// footprint's depth).
pub(crate) fn block_offsets(geometry: &BlockGeometry, footprint: &Footprint) -> Vec<usize> {
    footprint
        .offsets()
        .iter()
        .map(|o| {
            o.iter()
                .zip(&geometry.pad)
                .zip(&geometry.strides)
                .map(|((&d, &p), &s)| (p as isize + d) as usize * s)
                .sum()
        })
        .collect()
}

/// An array of `shape` from its C-order elements.
pub(crate) fn from_vec<T>(shape: &[usize], data: Vec<T>) -> Result<ArrayD<T>> {
    ArrayD::from_shape_vec(shape.to_vec(), data)
        .map_err(|e| Error::Failed(format!("filter output does not fit shape {shape:?}: {e}")))
}

/// A rank filter (scipy's `minimum_filter`, `maximum_filter`, `median_filter`,
/// `rank_filter`, `percentile_filter`), configured by a [`RankKind`], a
/// `size` or `footprint`, an `origin` and a boundary `mode`.
///
/// ```
/// use ndarray::array;
/// use tesserae::engine::BoundaryMode;
/// use tesserae::ndfilters::{RankFilter, RankKind};
///
/// let image = array![[1u8, 9, 2], [8, 3, 7], [4, 6, 5]].into_dyn();
/// let median = RankFilter::new(RankKind::Median).size(&[3]).mode(BoundaryMode::Nearest);
/// assert_eq!(median.apply(&image.view())?[[1, 1]], 5);
/// let max = RankFilter::new(RankKind::Maximum).size(&[1, 2]);
/// assert_eq!(max.apply(&image.view())?, array![[1u8, 9, 9], [8, 8, 7], [4, 6, 6]].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RankFilter {
    kind: RankKind,
    neighbourhood: Option<Neighbourhood>,
    origin: Option<Vec<isize>>,
    mode: BoundaryMode,
    chunks: Option<Vec<usize>>,
}

impl RankFilter {
    /// A filter computing `kind`, with scipy's defaults: mode `Reflect`,
    /// origin 0. A [`size`](RankFilter::size) or
    /// [`footprint`](RankFilter::footprint) must be given before running.
    ///
    /// ```
    /// use tesserae::ndfilters::{RankFilter, RankKind};
    /// let image = ndarray::ArrayD::<f32>::zeros(vec![4, 4]);
    /// assert!(RankFilter::new(RankKind::Median).apply(&image.view()).is_err());
    /// ```
    pub fn new(kind: RankKind) -> Self {
        RankFilter {
            kind,
            neighbourhood: None,
            origin: None,
            mode: BoundaryMode::Reflect,
            chunks: None,
        }
    }

    /// A box neighbourhood: one extent per axis, or one for every axis
    /// (replaces a footprint).
    ///
    /// ```
    /// use tesserae::ndfilters::{RankFilter, RankKind};
    /// let image = ndarray::ArrayD::from_shape_fn(vec![5], |i| i[0] as u16);
    /// let out = RankFilter::new(RankKind::Minimum).size(&[3]).apply(&image.view())?;
    /// assert_eq!(out.as_slice(), Some(&[0, 0, 1, 2, 3][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn size(mut self, size: &[usize]) -> Self {
        self.neighbourhood = Some(Neighbourhood::Size(size.to_vec()));
        self
    }

    /// Any neighbourhood mask, with its own origin unless
    /// [`origin`](RankFilter::origin) is given (replaces a size).
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndfilters::{Footprint, RankFilter, RankKind};
    /// let cross = array![[false, true, false], [true, true, true], [false, true, false]];
    /// let filter = RankFilter::new(RankKind::Maximum).footprint(Footprint::new(cross.view().into_dyn())?);
    /// let image = array![[0u8, 0, 0], [0, 0, 0], [0, 0, 7]].into_dyn();
    /// assert_eq!(filter.apply(&image.view())?[[1, 1]], 0);
    /// assert_eq!(filter.apply(&image.view())?[[1, 2]], 7);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn footprint(mut self, footprint: Footprint) -> Self {
        self.neighbourhood = Some(Neighbourhood::Footprint(footprint));
        self
    }

    /// scipy's `origin`: one shift per axis, or one for every axis.
    ///
    /// ```
    /// use tesserae::ndfilters::{RankFilter, RankKind};
    /// let image = ndarray::ArrayD::from_shape_fn(vec![5], |i| i[0] as i32);
    /// let out = RankFilter::new(RankKind::Maximum).size(&[3]).origin(&[1]).apply(&image.view())?;
    /// assert_eq!(out.as_slice(), Some(&[1, 1, 2, 3, 4][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn origin(mut self, origin: &[isize]) -> Self {
        self.origin = Some(origin.to_vec());
        self
    }

    /// scipy's `mode` (and `cval` with [`BoundaryMode::Constant`]).
    ///
    /// ```
    /// use tesserae::engine::BoundaryMode;
    /// use tesserae::ndfilters::{RankFilter, RankKind};
    /// let image = ndarray::ArrayD::from_elem(vec![3], 5u8);
    /// let out = RankFilter::new(RankKind::Minimum)
    ///     .size(&[3])
    ///     .mode(BoundaryMode::Constant(1.0))
    ///     .apply(&image.view())?;
    /// assert_eq!(out.as_slice(), Some(&[1, 5, 1][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn mode(mut self, mode: BoundaryMode) -> Self {
        self.mode = mode;
        self
    }

    /// The output chunk shape of [`lazy`](RankFilter::lazy) (default: the input's).
    ///
    /// ```
    /// use tesserae::ndfilters::{RankFilter, RankKind};
    /// use tesserae::{ArraySource, Source};
    /// let source = ArraySource::new(ndarray::ArrayD::<u8>::zeros(vec![8, 8]));
    /// let lazy = RankFilter::new(RankKind::Median).size(&[3]).chunks(&[4, 4]).lazy(source)?;
    /// assert_eq!(lazy.chunk_shape(), &[4, 4]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// The footprint this filter uses on an `ndim`-d image, origin included.
    ///
    /// ```
    /// use tesserae::ndfilters::{RankFilter, RankKind};
    /// let filter = RankFilter::new(RankKind::Median).size(&[3, 4]).origin(&[0, 1]);
    /// assert_eq!(filter.resolved_footprint(2)?.depth(), vec![1, 3]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn resolved_footprint(&self, ndim: usize) -> Result<Footprint> {
        self.neighbourhood
            .as_ref()
            .ok_or_else(|| Error::InvalidArgument("a size or a footprint is required".into()))?
            .resolve(ndim, self.origin.as_deref())
    }

    fn plan(&self, ndim: usize) -> Result<Plan> {
        Plan::rank(self.resolved_footprint(ndim)?, self.kind)
    }

    /// Filters an in-memory image (on the current rayon pool).
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndfilters::{RankFilter, RankKind};
    /// let image = array![3.0f32, 1.0, 2.0, 5.0].into_dyn();
    /// let out = RankFilter::new(RankKind::Rank(-1)).size(&[2]).apply(&image.view())?;
    /// assert_eq!(out, array![3.0f32, 3.0, 2.0, 5.0].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply<T: Element>(&self, image: &ArrayViewD<'_, T>) -> Result<ArrayD<T>> {
        let whole = RankFilter {
            chunks: None,
            ..self.clone()
        };
        let chunks = slabs(image.shape(), rayon::current_num_threads());
        let lazy = whole.lazy(ViewSource::new(image.view(), &chunks)?)?;
        lazy.read(&Region::full(image.shape()))
    }

    /// The filter of `source` as a lazy source: each chunk is computed from
    /// the input chunk grown by the footprint's depth, and equals
    /// [`apply`](RankFilter::apply) on the whole image at any chunking.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndfilters::{RankFilter, RankKind};
    /// use tesserae::{ArraySource, Region, Source};
    ///
    /// let image = ArrayD::from_shape_fn(vec![9, 7], |i| ((i[0] * 7 + i[1]) * 37 % 11) as u16);
    /// let filter = RankFilter::new(RankKind::Percentile(25.0)).size(&[3, 2]);
    /// let source = ArraySource::new(image.clone()).with_chunks(&[2, 3])?;
    /// let chunked = filter.lazy(source)?.read(&Region::full(&[9, 7]))?;
    /// assert_eq!(chunked, filter.apply(&image.view())?);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn lazy<S: Source>(&self, source: S) -> Result<impl Source<Elem = S::Elem> + use<S>> {
        let plan = self.plan(source.ndim())?;
        let mut builder = map_overlap(source, &plan.footprint.depth()).mode(self.mode);
        if let Some(chunks) = &self.chunks {
            builder = builder.chunks(chunks);
        }
        builder.build(move |padded, block| plan.run(padded, block.depth(), block.region().shape()))
    }
}

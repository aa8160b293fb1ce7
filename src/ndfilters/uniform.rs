//! [`UniformFilter`]: scipy's `uniform_filter`, a running mean per axis.

use crate::engine::BoundaryMode;
use crate::ndfilters::linear::{Combine, Filter, Kernel1d, Pass, Plan, per_axis, resolve_modes};
use crate::{Error, Result};

/// `scipy.ndimage.uniform_filter`: the mean over a box, as one running-sum
/// pass per axis of size above 1 (scipy's `uniform_filter1d`: the window sum
/// is updated by adding the entering and subtracting the leaving value, then
/// divided by the size; integer outputs truncate).
///
/// One divergence, chosen for chunk invariance: with `constant` mode and a
/// `cval` that is not a whole number, scipy's running sum over integer data
/// carries the rounding of `cval` along the whole line, so an output whose
/// exact mean is an integer can come out one lower, depending on everything
/// before it on the line. tesserae sums each such window anew, so the result
/// is the same at every chunking and may differ from scipy by one there.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndfilters::UniformFilter;
/// let a = ArrayD::from_shape_vec(vec![6], vec![1u8, 1, 0, 0, 2, 2])?;
/// let mean: ArrayD<u8> = UniformFilter::new(3).apply(&a.view())?;
/// assert_eq!(mean.as_slice(), Some(&[1u8, 0, 0, 0, 1, 2][..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct UniformFilter {
    size: Vec<usize>,
    origin: Vec<isize>,
    modes: Vec<BoundaryMode>,
    chunks: Option<Vec<usize>>,
}

impl UniformFilter {
    /// A box of `size` voxels along every axis.
    pub fn new(size: usize) -> Self {
        Self::sizes(&[size])
    }

    /// One box size per axis.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndfilters::UniformFilter;
    /// let a = ArrayD::from_shape_fn(vec![3, 4], |i| (i[0] * 4) as f32);
    /// // Averaging along rows of constant rows changes nothing.
    /// let out: ArrayD<f32> = UniformFilter::sizes(&[1, 3]).apply(&a.view())?;
    /// assert_eq!(out, a);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn sizes(sizes: &[usize]) -> Self {
        UniformFilter {
            size: sizes.to_vec(),
            origin: vec![0],
            modes: vec![BoundaryMode::Reflect],
            chunks: None,
        }
    }

    /// scipy's `origin`: one shift for every axis, or one per axis.
    pub fn origin(mut self, origin: &[isize]) -> Self {
        self.origin = origin.to_vec();
        self
    }

    fn filter(&self, ndim: usize) -> Result<Filter> {
        let sizes = per_axis(&self.size, ndim, "size")?;
        let origins = per_axis(&self.origin, ndim, "origin")?;
        if sizes.contains(&0) {
            return Err(Error::InvalidArgument(format!(
                "filter size {sizes:?} has a zero"
            )));
        }
        let passes = (0..ndim)
            .filter(|&axis| sizes[axis] > 1)
            .map(|axis| Pass::new(axis, Kernel1d::Uniform(sizes[axis]), origins[axis]))
            .collect::<Result<_>>()?;
        Ok(Filter {
            plan: Plan::Separable {
                terms: vec![passes],
                combine: Combine::Sum,
            },
            modes: resolve_modes(&self.modes, ndim)?,
        })
    }
}

linear_filter_api!(UniformFilter);

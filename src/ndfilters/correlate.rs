//! Correlation and convolution with any weights: [`Correlate1d`],
//! [`Convolve1d`] (one axis) and [`Correlate`], [`Convolve`] (N-d).

use ndarray::{ArrayD, ArrayViewD, Axis};

use crate::engine::BoundaryMode;
use crate::ndfilters::linear::{
    Combine, Filter, Kernel1d, Pass, Plan, check_origin, per_axis, resolve_modes,
};
use crate::{Error, Result};

/// Checks that weights are not empty.
fn check_weights(shape: &[usize]) -> Result<()> {
    if shape.is_empty() || shape.contains(&0) {
        return Err(Error::InvalidArgument(format!(
            "weights of shape {shape:?} are empty"
        )));
    }
    Ok(())
}

/// A convolution's weights and origin as the correlation scipy runs instead:
/// the weights reversed, the origin negated (minus one for an even length).
fn convolution_origin(len: usize, origin: isize) -> isize {
    if len.is_multiple_of(2) {
        -origin - 1
    } else {
        -origin
    }
}

/// `scipy.ndimage.correlate1d`: `out[i] = Σ_j w[j] · in[i + j - len/2 - origin]`
/// along one axis (the last by default).
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndfilters::Correlate1d;
/// let a = ArrayD::from_shape_vec(vec![5], vec![0.0f64, 0.0, 1.0, 0.0, 0.0])?;
/// let out: ArrayD<f64> = Correlate1d::new(&[1.0, 2.0, 3.0]).apply(&a.view())?;
/// assert_eq!(out.as_slice(), Some(&[0.0, 3.0, 2.0, 1.0, 0.0][..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Correlate1d {
    weights: Vec<f64>,
    axis: Option<usize>,
    origin: isize,
    convolve: bool,
    modes: Vec<BoundaryMode>,
    chunks: Option<Vec<usize>>,
}

/// `scipy.ndimage.convolve1d`: the correlation with the reversed weights.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndfilters::Convolve1d;
/// let a = ArrayD::from_shape_vec(vec![5], vec![0.0f64, 0.0, 1.0, 0.0, 0.0])?;
/// let out: ArrayD<f64> = Convolve1d::new(&[1.0, 2.0, 3.0]).apply(&a.view())?;
/// assert_eq!(out.as_slice(), Some(&[0.0, 1.0, 2.0, 3.0, 0.0][..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Convolve1d {
    inner: Correlate1d,
    modes: Vec<BoundaryMode>,
    chunks: Option<Vec<usize>>,
}

impl Correlate1d {
    /// Correlation with `weights` along the last axis.
    pub fn new(weights: &[f64]) -> Self {
        Correlate1d {
            weights: weights.to_vec(),
            axis: None,
            origin: 0,
            convolve: false,
            modes: vec![BoundaryMode::Reflect],
            chunks: None,
        }
    }

    /// The axis to correlate along.
    pub fn axis(mut self, axis: usize) -> Self {
        self.axis = Some(axis);
        self
    }

    /// scipy's `origin`: shifts the weights (positive: to the left).
    pub fn origin(mut self, origin: isize) -> Self {
        self.origin = origin;
        self
    }

    fn filter(&self, ndim: usize) -> Result<Filter> {
        check_weights(&[self.weights.len()])?;
        let axis = self.axis.unwrap_or(ndim.saturating_sub(1));
        if axis >= ndim {
            return Err(Error::InvalidArgument(format!(
                "axis {axis} is out of range for an array of {ndim} axes"
            )));
        }
        check_origin(self.weights.len(), self.origin)?;
        let (weights, origin) = if self.convolve {
            let mut w = self.weights.clone();
            w.reverse();
            let origin = convolution_origin(w.len(), self.origin);
            (w, origin)
        } else {
            (self.weights.clone(), self.origin)
        };
        Ok(Filter {
            plan: Plan::Separable {
                terms: vec![vec![Pass::new(axis, Kernel1d::Weights(weights), origin)?]],
                combine: Combine::Sum,
            },
            modes: resolve_modes(&self.modes, ndim)?,
        })
    }
}

linear_filter_api!(Correlate1d);

impl Convolve1d {
    /// Convolution with `weights` along the last axis.
    pub fn new(weights: &[f64]) -> Self {
        let mut inner = Correlate1d::new(weights);
        inner.convolve = true;
        Convolve1d {
            inner,
            modes: vec![BoundaryMode::Reflect],
            chunks: None,
        }
    }

    /// The axis to convolve along.
    pub fn axis(mut self, axis: usize) -> Self {
        self.inner.axis = Some(axis);
        self
    }

    /// scipy's `origin`.
    pub fn origin(mut self, origin: isize) -> Self {
        self.inner.origin = origin;
        self
    }

    fn filter(&self, ndim: usize) -> Result<Filter> {
        let mut filter = self.inner.filter(ndim)?;
        filter.modes = resolve_modes(&self.modes, ndim)?;
        Ok(filter)
    }
}

linear_filter_api!(Convolve1d);

/// `scipy.ndimage.correlate`: every output voxel is the sum of the weights
/// times the input under them, the weights centred on the voxel (shifted by
/// `origin`); weights of magnitude at most `f64::EPSILON` are skipped, as scipy.
///
/// ```
/// use ndarray::{arr2, ArrayD};
/// use tesserae::ndfilters::Correlate;
/// let mut a = ArrayD::<f64>::zeros(vec![3, 3]);
/// a[[1, 1]] = 1.0;
/// let w = arr2(&[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]).into_dyn();
/// let out: ArrayD<f64> = Correlate::new(w.view()).apply(&a.view())?;
/// assert_eq!(out[[0, 0]], 9.0); // correlation flips the weights
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Correlate {
    weights: ArrayD<f64>,
    origin: Vec<isize>,
    convolve: bool,
    modes: Vec<BoundaryMode>,
    chunks: Option<Vec<usize>>,
}

/// `scipy.ndimage.convolve`: the correlation with the weights reversed on
/// every axis.
///
/// ```
/// use ndarray::{arr2, ArrayD};
/// use tesserae::ndfilters::Convolve;
/// let mut a = ArrayD::<f64>::zeros(vec![3, 3]);
/// a[[1, 1]] = 1.0;
/// let w = arr2(&[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]).into_dyn();
/// let out: ArrayD<f64> = Convolve::new(w.view()).apply(&a.view())?;
/// assert_eq!(out[[0, 0]], 1.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Convolve {
    inner: Correlate,
    modes: Vec<BoundaryMode>,
    chunks: Option<Vec<usize>>,
}

impl Correlate {
    /// Correlation with `weights`, which need as many axes as the input.
    pub fn new(weights: ArrayViewD<'_, f64>) -> Self {
        Correlate {
            weights: weights.to_owned(),
            origin: vec![0],
            convolve: false,
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
        check_weights(self.weights.shape())?;
        if self.weights.ndim() != ndim {
            return Err(Error::InvalidArgument(format!(
                "weights of shape {:?} for an array of {ndim} axes",
                self.weights.shape()
            )));
        }
        let mut origin = per_axis(&self.origin, ndim, "origin")?;
        for (k, &o) in origin.iter().enumerate() {
            check_origin(self.weights.shape()[k], o)?;
        }
        let mut weights = self.weights.as_standard_layout().into_owned();
        if self.convolve {
            for (k, o) in origin.iter_mut().enumerate() {
                weights.invert_axis(Axis(k));
                *o = convolution_origin(weights.shape()[k], *o);
            }
            weights = weights.as_standard_layout().into_owned();
        }
        Ok(Filter {
            plan: Plan::Dense { weights, origin },
            modes: resolve_modes(&self.modes, ndim)?,
        })
    }
}

linear_filter_api!(Correlate);

impl Convolve {
    /// Convolution with `weights`, which need as many axes as the input.
    pub fn new(weights: ArrayViewD<'_, f64>) -> Self {
        let mut inner = Correlate::new(weights);
        inner.convolve = true;
        Convolve {
            inner,
            modes: vec![BoundaryMode::Reflect],
            chunks: None,
        }
    }

    /// scipy's `origin`: one shift for every axis, or one per axis.
    pub fn origin(mut self, origin: &[isize]) -> Self {
        self.inner.origin = origin.to_vec();
        self
    }

    fn filter(&self, ndim: usize) -> Result<Filter> {
        let mut filter = self.inner.filter(ndim)?;
        filter.modes = resolve_modes(&self.modes, ndim)?;
        Ok(filter)
    }
}

linear_filter_api!(Convolve);

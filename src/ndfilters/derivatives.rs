//! Finite-difference filters: [`Sobel`], [`Prewitt`] and [`Laplace`], as scipy
//! computes them (successive `correlate1d` passes in the output type).

use crate::engine::BoundaryMode;
use crate::ndfilters::linear::{Combine, Filter, Kernel1d, Pass, Plan, resolve_modes};
use crate::{Error, Result};

/// The axis a derivative is taken along: the last one unless given.
fn derivative_axis(axis: Option<usize>, ndim: usize) -> Result<usize> {
    let axis = axis.unwrap_or(ndim.saturating_sub(1));
    if axis >= ndim {
        return Err(Error::InvalidArgument(format!(
            "axis {axis} is out of range for an array of {ndim} axes"
        )));
    }
    Ok(axis)
}

/// scipy's edge filters: the difference `[-1, 0, 1]` along `axis`, then the
/// smoothing `smooth` along every other axis in order.
fn edge_filter(
    axis: Option<usize>,
    smooth: [f64; 3],
    modes: &[BoundaryMode],
    ndim: usize,
) -> Result<Filter> {
    let axis = derivative_axis(axis, ndim)?;
    let mut passes = vec![Pass::new(axis, Kernel1d::Weights(vec![-1.0, 0.0, 1.0]), 0)?];
    for other in (0..ndim).filter(|&k| k != axis) {
        passes.push(Pass::new(other, Kernel1d::Weights(smooth.to_vec()), 0)?);
    }
    Ok(Filter {
        plan: Plan::Separable {
            terms: vec![passes],
            combine: Combine::Sum,
        },
        modes: resolve_modes(modes, ndim)?,
    })
}

/// `scipy.ndimage.sobel`: the derivative along one axis (the last by
/// default), smoothed by `[1, 2, 1]` along the others. Integer outputs wrap
/// as scipy's do: take a signed or float output for signed edges.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndfilters::Sobel;
/// let ramp = ArrayD::from_shape_fn(vec![4, 5], |i| (2 * i[1]) as i16);
/// let dx: ArrayD<i16> = Sobel::new().apply(&ramp.view())?;
/// assert_eq!(dx[[1, 2]], 16); // (4 - 0) * (1 + 2 + 1)
/// let dy: ArrayD<i16> = Sobel::new().axis(0).apply(&ramp.view())?;
/// assert_eq!(dy[[1, 2]], 0);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Sobel {
    axis: Option<usize>,
    modes: Vec<BoundaryMode>,
    chunks: Option<Vec<usize>>,
}

/// `scipy.ndimage.prewitt`: the derivative along one axis (the last by
/// default), smoothed by `[1, 1, 1]` along the others.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndfilters::Prewitt;
/// let ramp = ArrayD::from_shape_fn(vec![4, 5], |i| (2 * i[1]) as f32);
/// let dx: ArrayD<f32> = Prewitt::new().apply(&ramp.view())?;
/// assert_eq!(dx[[1, 2]], 12.0); // (4 - 0) * (1 + 1 + 1)
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Prewitt {
    axis: Option<usize>,
    modes: Vec<BoundaryMode>,
    chunks: Option<Vec<usize>>,
}

macro_rules! edge {
    ($t:ident, $smooth:expr) => {
        impl $t {
            /// The filter along the last axis.
            pub fn new() -> Self {
                $t {
                    axis: None,
                    modes: vec![BoundaryMode::Reflect],
                    chunks: None,
                }
            }

            /// The axis of the derivative.
            pub fn axis(mut self, axis: usize) -> Self {
                self.axis = Some(axis);
                self
            }

            fn filter(&self, ndim: usize) -> Result<Filter> {
                edge_filter(self.axis, $smooth, &self.modes, ndim)
            }
        }

        impl Default for $t {
            fn default() -> Self {
                Self::new()
            }
        }

        linear_filter_api!($t);
    };
}

edge!(Sobel, [1.0, 2.0, 1.0]);
edge!(Prewitt, [1.0, 1.0, 1.0]);

/// `scipy.ndimage.laplace`: the sum over the axes of the second difference
/// `[1, -2, 1]` (sums in the output type, as scipy).
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndfilters::Laplace;
/// let mut a = ArrayD::<i32>::zeros(vec![5, 5]);
/// a[[2, 2]] = 1;
/// let l: ArrayD<i32> = Laplace::new().apply(&a.view())?;
/// assert_eq!((l[[2, 2]], l[[1, 2]], l[[1, 1]]), (-4, 1, 0));
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Laplace {
    modes: Vec<BoundaryMode>,
    chunks: Option<Vec<usize>>,
}

impl Laplace {
    /// The laplace filter over every axis.
    pub fn new() -> Self {
        Laplace {
            modes: vec![BoundaryMode::Reflect],
            chunks: None,
        }
    }

    fn filter(&self, ndim: usize) -> Result<Filter> {
        let terms = (0..ndim)
            .map(|axis| {
                Ok(vec![Pass::new(
                    axis,
                    Kernel1d::Weights(vec![1.0, -2.0, 1.0]),
                    0,
                )?])
            })
            .collect::<Result<_>>()?;
        Ok(Filter {
            plan: Plan::Separable {
                terms,
                combine: Combine::Sum,
            },
            modes: resolve_modes(&self.modes, ndim)?,
        })
    }
}

impl Default for Laplace {
    fn default() -> Self {
        Self::new()
    }
}

linear_filter_api!(Laplace);

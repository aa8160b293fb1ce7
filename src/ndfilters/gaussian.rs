//! The gaussian family: [`GaussianFilter`], [`GaussianGradientMagnitude`] and
//! [`GaussianLaplace`], with scipy's exact kernel weights.

use crate::engine::BoundaryMode;
use crate::ndfilters::linear::{Combine, Filter, Kernel1d, Pass, Plan, per_axis, resolve_modes};
use crate::{Error, Result};

/// Axes whose sigma is at most this are left alone, as scipy does.
const NEGLIGIBLE_SIGMA: f64 = 1e-15;

/// The gaussian kernel scipy's `gaussian_filter1d` correlates with
/// (`_gaussian_kernel1d(sigma, order, radius)[::-1]`), bit for bit: the
/// normalising sum is numpy's pairwise sum, and the derivative polynomial is
/// evaluated as numpy's `dot` evaluates it with OpenBLAS on x86-64 (a fused
/// multiply-add for order 2). `order` is 0 to 3.
///
/// ```
/// use tesserae::ndfilters::gaussian_kernel;
/// let w = gaussian_kernel(1.0, 0, 4)?;
/// assert_eq!(w.len(), 9);
/// assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-15);
/// let d = gaussian_kernel(1.0, 1, 4)?;
/// assert!(d[0] < 0.0 && d[8] > 0.0); // reversed: correlating with it differentiates
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn gaussian_kernel(sigma: f64, order: usize, radius: usize) -> Result<Vec<f64>> {
    if !(sigma.is_finite() && sigma > 0.0) {
        return Err(Error::InvalidArgument(format!(
            "sigma {sigma} must be positive and finite"
        )));
    }
    if order > 3 {
        return Err(Error::InvalidArgument(format!(
            "derivative order {order} is not supported (0 to 3)"
        )));
    }
    let r = radius as i64;
    let sigma2 = sigma * sigma;
    let a = -0.5 / sigma2;
    let phi: Vec<f64> = (-r..=r).map(|x| (a * (x * x) as f64).exp()).collect();
    let total = pairwise_sum(&phi);
    let phi = phi.iter().map(|p| p / total);
    // The polynomial q with phi^(order) = q * phi, from q' = D q + P q.
    let mut q = vec![0.0; order + 1];
    q[0] = 1.0;
    for _ in 0..order {
        q = (0..=order)
            .map(|i| {
                let up = if i < order {
                    (i + 1) as f64 * q[i + 1]
                } else {
                    0.0
                };
                let down = if i > 0 {
                    (1.0 / -sigma2) * q[i - 1]
                } else {
                    0.0
                };
                up + down
            })
            .collect();
    }
    let poly = |x: i64| -> f64 {
        let xf = x as f64;
        match order {
            0 => 1.0,
            1 => xf * q[1],
            2 => ((x * x) as f64).mul_add(q[2], q[0]),
            _ => xf * q[1] + ((x * x * x) as f64) * q[3],
        }
    };
    let mut weights: Vec<f64> = (-r..=r).zip(phi).map(|(x, p)| poly(x) * p).collect();
    weights.reverse();
    Ok(weights)
}

/// numpy's pairwise summation of a contiguous `float64` array.
fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut sum = 0.0;
        for v in a {
            sum += v;
        }
        sum
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &a[i..] {
            sum += v;
        }
        sum
    } else {
        let half = n / 2;
        let half = half - half % 8;
        pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
    }
}

/// The radius scipy uses: `int(truncate * sigma + 0.5)`.
fn radius(sigma: f64, truncate: f64) -> usize {
    (truncate * sigma + 0.5) as usize
}

/// Sigma, truncate and derivative orders of a gaussian, shared by the family.
#[derive(Clone, Debug, PartialEq)]
struct Gaussian {
    sigma: Vec<f64>,
    truncate: f64,
}

impl Gaussian {
    fn new(sigma: &[f64]) -> Self {
        Gaussian {
            sigma: sigma.to_vec(),
            truncate: 4.0,
        }
    }

    /// Checked sigma per axis.
    fn sigmas(&self, ndim: usize) -> Result<Vec<f64>> {
        let sigmas = per_axis(&self.sigma, ndim, "sigma")?;
        if let Some(bad) = sigmas.iter().find(|s| !(s.is_finite() && **s >= 0.0)) {
            return Err(Error::InvalidArgument(format!(
                "sigma {bad} must be non-negative and finite"
            )));
        }
        if !(self.truncate.is_finite() && self.truncate >= 0.0) {
            return Err(Error::InvalidArgument(format!(
                "truncate {} must be non-negative and finite",
                self.truncate
            )));
        }
        Ok(sigmas)
    }

    /// scipy's `gaussian_filter` passes: axes in order, those with a
    /// negligible sigma skipped.
    fn passes(&self, ndim: usize, orders: &[usize]) -> Result<Vec<Pass>> {
        let sigmas = self.sigmas(ndim)?;
        let mut passes = Vec::new();
        for (axis, (&sigma, &order)) in sigmas.iter().zip(orders).enumerate() {
            if sigma > NEGLIGIBLE_SIGMA {
                let weights = gaussian_kernel(sigma, order, radius(sigma, self.truncate))?;
                passes.push(Pass::new(axis, Kernel1d::Weights(weights), 0)?);
            }
        }
        Ok(passes)
    }
}

/// One boundary mode shared by every axis: the derivative filters of the
/// family run whole gaussian filters with one mode each.
fn single_mode(modes: &[BoundaryMode], ndim: usize) -> Result<Vec<BoundaryMode>> {
    let modes = resolve_modes(modes, ndim)?;
    if modes.windows(2).any(|w| w[0] != w[1]) {
        return Err(Error::InvalidArgument(
            "this filter takes one boundary mode for all axes".into(),
        ));
    }
    Ok(modes)
}

/// `scipy.ndimage.gaussian_filter`: a gaussian blur (or derivative) as one
/// 1-D pass per axis, with a halo of `int(truncate * sigma + 0.5)` voxels.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndfilters::GaussianFilter;
///
/// let mut image = ArrayD::<f32>::zeros(vec![9, 9]);
/// image[[4, 4]] = 1.0;
/// let blurred: ArrayD<f32> = GaussianFilter::new(1.0).apply(&image.view())?;
/// assert!((blurred.sum() - 1.0).abs() < 1e-6);
/// assert!(blurred[[4, 4]] > blurred[[4, 5]]);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianFilter {
    gaussian: Gaussian,
    order: Vec<usize>,
    modes: Vec<BoundaryMode>,
    chunks: Option<Vec<usize>>,
}

impl GaussianFilter {
    /// A gaussian of standard deviation `sigma` on every axis.
    pub fn new(sigma: f64) -> Self {
        Self::sigmas(&[sigma])
    }

    /// One standard deviation per axis (an axis with sigma 0 is left alone).
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndfilters::GaussianFilter;
    /// let image = ArrayD::from_shape_fn(vec![4, 6], |i| (i[1] * 10) as u8);
    /// // Smoothing along rows only leaves a constant-per-column image alone.
    /// let out: ArrayD<u8> = GaussianFilter::sigmas(&[2.0, 0.0]).apply(&image.view())?;
    /// assert_eq!(out, image);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn sigmas(sigmas: &[f64]) -> Self {
        GaussianFilter {
            gaussian: Gaussian::new(sigmas),
            order: vec![0],
            modes: vec![BoundaryMode::Reflect],
            chunks: None,
        }
    }

    /// The derivative order (0 to 3) on every axis, or one per axis.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndfilters::GaussianFilter;
    /// let ramp = ArrayD::from_shape_fn(vec![16], |i| i[0] as f64);
    /// let slope: ArrayD<f64> = GaussianFilter::new(1.5).order(&[1]).apply(&ramp.view())?;
    /// assert!((slope[[8]] - 1.0).abs() < 1e-3); // scipy: 0.99978…
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn order(mut self, order: &[usize]) -> Self {
        self.order = order.to_vec();
        self
    }

    /// The kernel radius in standard deviations (default 4.0).
    pub fn truncate(mut self, truncate: f64) -> Self {
        self.gaussian.truncate = truncate;
        self
    }

    fn filter(&self, ndim: usize) -> Result<Filter> {
        let orders = per_axis(&self.order, ndim, "order")?;
        Ok(Filter {
            plan: Plan::Separable {
                terms: vec![self.gaussian.passes(ndim, &orders)?],
                combine: Combine::Sum,
            },
            modes: resolve_modes(&self.modes, ndim)?,
        })
    }
}

linear_filter_api!(GaussianFilter);

/// `scipy.ndimage.gaussian_gradient_magnitude`: the square root of the sum of
/// the squared first gaussian derivatives along every axis (squares and sums
/// in the output type, as scipy).
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndfilters::GaussianGradientMagnitude;
/// let ramp = ArrayD::from_shape_fn(vec![12, 12], |i| (3 * i[0] + 4 * i[1]) as f64);
/// let g: ArrayD<f64> = GaussianGradientMagnitude::new(1.0).apply(&ramp.view())?;
/// assert!((g[[6, 6]] - 5.0).abs() < 1e-3); // scipy: 4.99964…
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianGradientMagnitude {
    gaussian: Gaussian,
    modes: Vec<BoundaryMode>,
    chunks: Option<Vec<usize>>,
}

/// `scipy.ndimage.gaussian_laplace`: the sum of the second gaussian
/// derivatives along every axis (sums in the output type, as scipy).
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndfilters::GaussianLaplace;
/// let bowl = ArrayD::from_shape_fn(vec![15, 15], |i| {
///     let (y, x) = (i[0] as f64 - 7.0, i[1] as f64 - 7.0);
///     y * y + x * x
/// });
/// let l: ArrayD<f64> = GaussianLaplace::new(1.0).apply(&bowl.view())?;
/// assert!((l[[7, 7]] - 4.0).abs() < 1e-2); // scipy: 3.99628…
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianLaplace {
    gaussian: Gaussian,
    modes: Vec<BoundaryMode>,
    chunks: Option<Vec<usize>>,
}

macro_rules! gaussian_derivative {
    ($t:ident, $order:expr, $combine:expr) => {
        impl $t {
            /// A gaussian of standard deviation `sigma` on every axis.
            pub fn new(sigma: f64) -> Self {
                Self::sigmas(&[sigma])
            }

            /// One standard deviation per axis.
            pub fn sigmas(sigmas: &[f64]) -> Self {
                $t {
                    gaussian: Gaussian::new(sigmas),
                    modes: vec![BoundaryMode::Reflect],
                    chunks: None,
                }
            }

            /// The kernel radius in standard deviations (default 4.0).
            pub fn truncate(mut self, truncate: f64) -> Self {
                self.gaussian.truncate = truncate;
                self
            }

            fn filter(&self, ndim: usize) -> Result<Filter> {
                let terms = (0..ndim)
                    .map(|axis| {
                        let mut orders = vec![0; ndim];
                        orders[axis] = $order;
                        self.gaussian.passes(ndim, &orders)
                    })
                    .collect::<Result<_>>()?;
                Ok(Filter {
                    plan: Plan::Separable {
                        terms,
                        combine: $combine,
                    },
                    modes: single_mode(&self.modes, ndim)?,
                })
            }
        }

        linear_filter_api!($t);
    };
}

gaussian_derivative!(GaussianGradientMagnitude, 1, Combine::Magnitude);
gaussian_derivative!(GaussianLaplace, 2, Combine::Sum);

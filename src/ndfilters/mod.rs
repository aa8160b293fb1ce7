//! Filters after `scipy.ndimage`'s, blockwise with halos: every filter is a
//! pure kernel over array views and a lazy [`Source`](crate::Source) built on
//! [`map_overlap`](crate::map_overlap), equal to scipy at any chunking.
//!
//! The shape a filter reads around each voxel is a [`Footprint`], placed with
//! scipy's `origin` convention. Global thresholds ([`Threshold`]) follow
//! scikit-image's and are computed from chunked reductions.
//!
//! The linear filters ([`GaussianFilter`], [`GaussianGradientMagnitude`],
//! [`GaussianLaplace`], [`UniformFilter`], [`Sobel`], [`Prewitt`],
//! [`Laplace`], [`Correlate1d`], [`Convolve1d`], [`Correlate`],
//! [`Convolve`]) are builders with the same options (`mode`, `modes`,
//! `chunks`) and two forms: `apply` (an in-memory array) and `lazy` (a
//! [`Source`](crate::Source) computed chunk by chunk, which
//! [`store`](crate::store) writes to a sink). Both give scipy's result, bit
//! for bit for integer outputs; the output element type is any
//! [`FilterOutput`] (scipy's default is the input's type).
//!
//! ```
//! use ndarray::ArrayD;
//! use tesserae::ndfilters::GaussianFilter;
//! use tesserae::{store, ArraySink, ArraySource, Executor, Source};
//!
//! let image = ArrayD::from_shape_fn(vec![20, 30], |i| ((i[0] * 7 + i[1] * 3) % 50) as u16);
//! let blur = GaussianFilter::new(2.0);
//! let whole: ArrayD<u16> = blur.apply(&image.view())?;
//! // The same, chunked: 8 x 8 chunks, each read with its halo.
//! let lazy = blur.lazy::<_, u16>(ArraySource::new(image).with_chunks(&[8, 8])?)?;
//! let mut sink = ArraySink::new(&[20, 30]);
//! store(&Executor::new(), &lazy, &mut sink)?;
//! assert_eq!(sink.into_array(), whole);
//! # Ok::<(), tesserae::Error>(())
//! ```

#[macro_use]
pub(crate) mod linear;
mod cast;
mod correlate;
mod derivatives;
mod footprint;
mod gaussian;
pub(crate) mod rank;
mod threshold;
mod threshold_hist;
mod threshold_local;
mod uniform;

pub use cast::FilterOutput;
pub use correlate::{Convolve, Convolve1d, Correlate, Correlate1d};
pub use derivatives::{Laplace, Prewitt, Sobel};
pub use footprint::Footprint;
pub use gaussian::{GaussianFilter, GaussianGradientMagnitude, GaussianLaplace, gaussian_kernel};
pub use rank::{RankFilter, RankKind};
pub use threshold::{
    Threshold, ThresholdMethod, above, threshold_isodata, threshold_li, threshold_mean,
    threshold_minimum, threshold_otsu, threshold_triangle, threshold_yen,
};
pub use threshold_local::{LocalMethod, ThresholdLocal};
pub use uniform::UniformFilter;

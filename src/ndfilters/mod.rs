//! Filters after `scipy.ndimage`'s, blockwise with halos: every filter is a
//! pure kernel over array views and a lazy [`Source`](crate::Source) built on
//! [`map_overlap`](crate::map_overlap), equal to scipy at any chunking.
//!
//! The shape a filter reads around each voxel is a [`Footprint`], placed with
//! scipy's `origin` convention. Global thresholds ([`Threshold`]) follow
//! scikit-image's and are computed from chunked reductions.

mod footprint;
mod threshold;
mod threshold_hist;

pub use footprint::Footprint;
pub use threshold::{
    above, threshold_isodata, threshold_li, threshold_mean, threshold_otsu, threshold_triangle,
    threshold_yen, Threshold, ThresholdMethod,
};

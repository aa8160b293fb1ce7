//! Filters after `scipy.ndimage`'s, blockwise with halos: every filter is a
//! pure kernel over array views and a lazy [`Source`](crate::Source) built on
//! [`map_overlap`](crate::map_overlap), equal to scipy at any chunking.
//!
//! The shape a filter reads around each voxel is a [`Footprint`], placed with
//! scipy's `origin` convention.

mod footprint;
pub(crate) mod rank;

pub use footprint::Footprint;
pub use rank::{RankFilter, RankKind};

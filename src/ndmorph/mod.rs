//! Morphology after `scipy.ndimage`'s: binary and grey erosion, dilation,
//! opening and closing, blockwise with halos and equal to scipy at any chunking.
//! Structuring elements are [`Footprint`](crate::ndfilters::Footprint)s.

mod grey;

pub use grey::{GreyMorphology, GreyOp};

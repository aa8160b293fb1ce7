//! Morphology after `scipy.ndimage`'s: binary and grey erosion, dilation,
//! opening and closing, blockwise with halos and equal to scipy at any chunking;
//! hole filling on images of any size with the chunked labeling; the exact
//! Euclidean distance transform.
//! Structuring elements are [`Footprint`](crate::ndfilters::Footprint)s.

mod binary;
mod distance;
mod feature;
mod fill_holes;
mod grey;

pub use binary::{
    binary_closing, binary_dilation, binary_erosion, binary_opening, BinaryMorphology, BinaryOp,
};
pub(crate) use distance::halo;
pub use distance::{distance_transform_edt, DistanceTransform};
pub(crate) use feature::{feature_transform, NONE};
pub use fill_holes::{binary_fill_holes, FillHoles};
pub use grey::{GreyMorphology, GreyOp};

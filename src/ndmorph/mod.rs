//! Morphology after `scipy.ndimage`'s: binary and grey erosion, dilation,
//! opening and closing, blockwise with halos and equal to scipy at any chunking;
//! hole filling on images of any size with the chunked labeling; the exact
//! Euclidean distance transform.
//! Structuring elements are [`Footprint`](crate::ndfilters::Footprint)s.

mod binary;
mod distance;
mod extrema;
mod feature;
mod fill_holes;
mod grey;
mod local_extrema;
mod propagation;
mod reconstruct;

pub use binary::{
    BinaryMorphology, BinaryOp, binary_closing, binary_dilation, binary_erosion, binary_opening,
};
pub(crate) use distance::halo;
pub use distance::{DistanceTransform, distance_transform_edt};
pub use extrema::{HExtrema, h_maxima, h_minima};
pub(crate) use feature::{NONE, feature_transform};
pub use fill_holes::{FillHoles, binary_fill_holes};
pub use grey::{GreyMorphology, GreyOp};
pub use local_extrema::{LocalExtrema, local_maxima, local_minima};
pub use propagation::{BinaryPropagation, binary_propagation};
pub use reconstruct::{Reconstruction, ReconstructionFloat, ReconstructionMethod, reconstruction};

//! Segmentation after scikit-image's `skimage.segmentation`: the seeded
//! watershed that splits touching objects, voxel for voxel as scikit-image
//! floods.

mod watershed;

pub use watershed::{Watershed, watershed};

//! Segmentation after scikit-image's: the seeded watershed that splits
//! touching objects, voxel for voxel as scikit-image floods
//! (`skimage.segmentation.watershed`), and the peaks that seed it
//! (`skimage.feature.peak_local_max`) with their marker image.

mod peaks;
mod watershed;

pub use peaks::{ExcludeBorder, PeakLocalMax, PeakMarkers, peak_local_max};
pub use watershed::{Watershed, watershed};

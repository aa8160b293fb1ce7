//! Measurements on label images, after `scipy.ndimage`'s `measurements`:
//! connected-component labeling ([`label()`], [`Label`]), `find_objects` and the
//! measurement functions ([`Measure`]), in memory and blockwise.
//!
//! ```
//! use ndarray::array;
//! use tesserae::ndmeasure::{find_objects, label, Structure};
//!
//! let image = array![[0u8, 1, 1], [1, 0, 0]].into_dyn();
//! let (labels, count) = label(&image.view(), &Structure::full(2)?)?;
//! assert_eq!(count, 1);
//! assert_eq!(find_objects(&labels.view()).len(), 1);
//! # Ok::<(), tesserae::Error>(())
//! ```

mod find_objects;
mod gather;
pub mod label;
mod labels;
mod measurements;
mod regionprops;
pub(crate) mod sparse;
mod stats;

pub use find_objects::{dense_objects, find_objects, find_objects_chunked};
pub use label::{Connectivity, Label, LabelSource, Prepared, Structure, label};
pub use labels::LabelValue;
pub use measurements::{Measure, Measurements};
pub use regionprops::{
    Column, Measuring, ObjectImage, Property, RegionAccumulator, RegionProps, RegionTable,
    area_convex, area_filled, coords, euler_number, feret_diameter_max,
    feret_diameter_max_of_convex, image, image_convex, image_filled, image_intensity,
    intensity_median, map_objects, perimeter, perimeter_crofton, solidity,
};
pub use stats::{Bins, LabelStats};

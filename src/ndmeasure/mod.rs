//! Measurements of label images: `find_objects` and the scipy.ndimage
//! measurement functions, in memory and blockwise.

mod find_objects;
mod gather;
mod labels;
mod measurements;
mod sparse;
mod stats;

pub use find_objects::{dense_objects, find_objects, find_objects_chunked};
pub use labels::LabelValue;
pub use measurements::{Measure, Measurements};
pub use stats::{Bins, LabelStats};

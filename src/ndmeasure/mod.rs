//! Measurements on labeled images, after `scipy.ndimage`'s `measurements`:
//! connected-component labeling ([`label()`], [`Label`]), in memory and chunked.
//!
//! ```
//! use ndarray::array;
//! use tesserae::ndmeasure::{label, Structure};
//!
//! let image = array![[0u8, 1, 1], [1, 0, 0]].into_dyn();
//! let (_, count) = label(&image.view(), &Structure::full(2)?)?;
//! assert_eq!(count, 1);
//! # Ok::<(), tesserae::Error>(())
//! ```

pub mod label;

pub use label::{label, Connectivity, Label, LabelValue, Prepared, Structure};

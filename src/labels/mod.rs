//! Operations on label images after scikit-image's: object sizes, label maps,
//! `relabel_sequential`, removing objects by size, keeping the largest,
//! `clear_border`, `expand_labels`, filling the holes of every label. Every operation runs in memory on array views and chunked
//! from a [`Source`](crate::Source) into a [`Sink`](crate::Sink), with the same
//! result at any chunking.
//!
//! ```
//! use ndarray::array;
//! use tesserae::labels::{relabel_sequential, RemoveObjects};
//!
//! let labels = array![[5u16, 5, 0, 9], [0, 0, 0, 9], [7, 0, 0, 9]].into_dyn();
//! let cleaned = RemoveObjects::small(1).apply_labels(&labels.view())?;
//! assert_eq!(cleaned, array![[5u16, 5, 0, 9], [0, 0, 0, 9], [0, 0, 0, 9]].into_dyn());
//! let relabeled = relabel_sequential(&cleaned.view(), 1)?;
//! assert_eq!(relabeled.labels, array![[1u16, 1, 0, 2], [0, 0, 0, 2], [0, 0, 0, 2]].into_dyn());
//! # Ok::<(), tesserae::Error>(())
//! ```

mod border;
mod expand;
mod fill_holes;
mod holes;
mod map;
mod relabel;
mod remove;
mod sizes;
mod stitch;

pub use border::{ClearBorder, clear_border};
pub use expand::{ExpandLabels, expand_labels};
pub use fill_holes::{FillLabelHoles, fill_label_holes};
pub use holes::RemoveSmallHoles;
pub use map::LabelMap;
pub use relabel::{RelabelSequential, Relabeled, relabel_sequential};
pub use remove::{KeptObjects, RemoveObjects};
pub use sizes::{object_sizes, object_sizes_chunked};
pub use stitch::{OverlapStitch, OverlapStitched, Stitch, Tile, TouchStitch, TouchStitched};

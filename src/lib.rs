//! # tesserae
//!
//! Chunked, out-of-core bioimage analysis whose results equal scipy.ndimage and
//! scikit-image at any chunk size.
//!
//! The crate is layered:
//!
//! - [`engine`]: the embedded chunked-array engine — [`Region`], [`ChunkGrid`],
//!   the [`Source`] and [`Sink`] traits, blockwise execution on rayon
//!   ([`Executor`]): lazy [`map_blocks`] and [`map_overlap`] (halos with the
//!   scipy [`BoundaryMode`]s), block [`reduce`]tions, [`rechunk`], and [`store`]
//!   to write any source to a sink with bounded memory. It knows nothing about biology.
//! - [`io`]: TIFF and Zarr sources and sinks, voxel-size metadata.
//! - [`ndmeasure`]: after `scipy.ndimage`'s measurements — connected-component
//!   labeling ([`Label`], [`label()`]) with scipy's exact numbering at any chunking,
//!   `find_objects` and the per-label statistics, in one pass over the chunks.
//! - [`ndfilters`]: after `scipy.ndimage`'s filters, blockwise with halos.
//! - [`labels`]: label-image operations after scikit-image's (`relabel_sequential`,
//!   removing objects by size, `clear_border`), chunked.
//! - [`ndmorph`]: binary and grey morphology, blockwise with halos; morphological
//!   reconstruction and h-extrema, exact at any chunking.
//! - [`segmentation`]: the seeded watershed, voxel for voxel as scikit-image floods,
//!   and the peaks that seed it (`peak_local_max`), exact at any chunking.
//!
//! ```
//! use ndarray::ArrayD;
//! use tesserae::{ArraySource, Region, Source};
//!
//! let image = ArrayD::from_shape_fn(vec![8, 8], |i| (i[0] + i[1]) as u8);
//! let source = ArraySource::new(image).with_chunks(&[4, 4])?;
//! assert_eq!(source.grid().num_chunks(), 4);
//! let corner = source.read(&Region::new(vec![6, 6], vec![2, 2]))?;
//! assert_eq!(corner[[1, 1]], 14);
//! # Ok::<(), tesserae::Error>(())
//! ```

#![warn(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod engine;
mod error;
pub mod io;
pub mod labels;
pub mod ndfilters;
pub mod ndmeasure;
pub mod ndmorph;
pub mod segmentation;

pub use engine::{
    ArraySink, ArraySource, Block, BoundaryMode, ChunkGrid, DataType, Element, Executor, Progress,
    Region, Sink, Source, VoxelSize, map_blocks, map_overlap, rechunk, reduce, store,
};
pub use error::{Error, Result};
pub use ndmeasure::{Connectivity, Label, LabelValue, Structure, label};
pub use ndmeasure::{RegionProps, RegionTable};

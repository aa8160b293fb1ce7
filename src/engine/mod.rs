//! The embedded chunked-array engine: regions, chunk grids, sources and sinks,
//! and blockwise parallel execution. It knows nothing about biology.

mod dtype;
mod exec;
mod grid;
mod region;
mod sink;
mod source;

pub use dtype::{DataType, Element};
pub use exec::{Executor, Progress};
pub use grid::ChunkGrid;
pub use region::Region;
pub(crate) use sink::check_write;
pub use sink::{ArraySink, Sink};
pub(crate) use source::{check_chunks, check_region};
pub use source::{ArraySource, Source, VoxelSize};

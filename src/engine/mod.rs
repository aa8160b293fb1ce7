//! The embedded chunked-array engine: regions, chunk grids, sources and sinks,
//! and blockwise parallel execution. It knows nothing about biology.

mod blocks;
mod chunking;
mod dtype;
mod exec;
mod grid;
mod overlap;
mod reduce;
mod region;
mod sink;
mod source;
mod store;
mod view;

pub(crate) use blocks::read_chunked;
pub use blocks::{copy_block, map_blocks, MapBlocks};
pub use chunking::{default_chunks, split_for_workers, MAX_NATIVE_CHUNK_BYTES, TARGET_CHUNK_BYTES};
pub use dtype::{DataType, Element};
pub use exec::{Executor, Progress};
pub use grid::ChunkGrid;
pub use overlap::{map_overlap, Block, BoundaryMode, MapOverlap, MapOverlapBuilder};
pub use reduce::{max, min, min_max, reduce, sum, Accumulator, MinMax, Sum};
pub use region::Region;
pub(crate) use sink::check_write;
pub(crate) use sink::zeroed;
pub use sink::{ArraySink, Sink};
pub(crate) use source::{check_chunks, check_region};
pub use source::{ArraySource, Source, VoxelSize};
pub use store::{rechunk, store, unit_shape, Rechunked, UNIT_BUDGET};
pub(crate) use view::ViewSource;

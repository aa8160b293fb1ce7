//! The embedded chunked-array engine: regions, chunk grids, sources and sinks,
//! and blockwise parallel execution. It knows nothing about biology.

mod blocks;
mod chunking;
mod dtype;
mod exec;
mod fixpoint;
mod grid;
mod overlap;
mod reduce;
mod region;
mod sink;
mod source;
mod store;
mod view;

pub use blocks::{MapBlocks, copy_block, map_blocks};
pub(crate) use blocks::{assign_block, check_block, read_chunked};
pub use chunking::{MAX_NATIVE_CHUNK_BYTES, TARGET_CHUNK_BYTES, default_chunks, split_for_workers};
pub use dtype::{DataType, Element};
pub use exec::{Executor, Progress};
pub use fixpoint::{Fixpoint, Solved};
pub use grid::ChunkGrid;
pub use overlap::{Block, BoundaryMode, MapOverlap, MapOverlapBuilder, map_overlap};
pub use reduce::{Accumulator, MinMax, Sum, max, min, min_max, reduce, sum};
pub use region::Region;
pub(crate) use sink::check_write;
pub(crate) use sink::zeroed;
pub use sink::{ArraySink, Sink};
pub use source::{ArraySource, Source, VoxelSize};
pub(crate) use source::{check_chunks, check_region};
pub use store::{Rechunked, UNIT_BUDGET, rechunk, store, unit_shape};
pub(crate) use view::ViewSource;

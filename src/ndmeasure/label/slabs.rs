//! In-memory labeling on several threads: the image is cut along its first
//! axis into one slab per thread, each slab labeled in place (rows read from
//! the caller's view, no copy), the slabs merged across their touching planes
//! by the chunked merge (so the numbering is scipy's), and the final labels
//! written straight into each slab's contiguous part of the output (zeroed
//! lazily by the allocator, so its pages are first touched by the thread that
//! fills them).

use ndarray::{ArrayD, ArrayViewD};
use rayon::prelude::*;

use crate::engine::{Element, Executor, ViewSource, zeroed};
use crate::error::{Error, Result};
use crate::ndmeasure::label::Structure;
use crate::ndmeasure::label::chunked::prepare;
use crate::ndmeasure::label::runs::Mode;

/// Below this many voxels an image is labeled on one thread.
const MIN_PARALLEL_VOXELS: usize = 1 << 18;

/// The slab height along axis 0 for `threads` workers, or `None` when the
/// image is better labeled in one piece.
pub(crate) fn slab_height(shape: &[usize], threads: usize) -> Option<usize> {
    let len: usize = shape.iter().product();
    if threads < 2 || shape.len() < 2 || shape[0] < 2 || len < MIN_PARALLEL_VOXELS {
        return None;
    }
    Some(shape[0].div_ceil(threads.min(shape[0])))
}

/// Labels `image` in slabs of `height` planes along axis 0 on the current
/// rayon pool; returns the labels and their count.
pub(crate) fn label_in_slabs<T: Element>(
    image: &ArrayViewD<'_, T>,
    structure: &Structure,
    mode: Mode,
    height: usize,
) -> Result<(ArrayD<u32>, usize)> {
    let mut chunks = image.shape().to_vec();
    chunks[0] = height;
    let source = ViewSource::new(image.view(), &chunks)?;
    let exec = Executor::new();
    let prepared = prepare(&exec, &source, structure, mode, &chunks, usize::MAX)?;
    let count = prepared.count();
    if u32::try_from(count).is_err() {
        return Err(Error::InvalidArgument(format!(
            "{count} objects do not fit u32 labels: label in chunks into a u64 sink"
        )));
    }
    let plane: usize = image.shape()[1..].iter().product();
    let mut out = zeroed::<u32>(image.len());
    exec.install(|| {
        out.par_chunks_mut(height * plane)
            .enumerate()
            .try_for_each(|(c, slab)| prepared.write_chunk_into(c, slab))
    })?;
    let out = ArrayD::from_shape_vec(image.shape().to_vec(), out)
        .map_err(|e| Error::Failed(format!("labels do not fit the image's shape: {e}")))?;
    Ok((out, count))
}

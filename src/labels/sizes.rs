//! The number of voxels of every label.

use ndarray::ArrayViewD;

use crate::engine::{Executor, Source};
use crate::error::Result;
use crate::ndmeasure::LabelValue;
use crate::ndmeasure::sparse::{Partial, merge_sorted, par_slabs, reduce_chunks, scan_runs};

/// The size in voxels of every non-zero label of an in-memory label image, in
/// ascending label order. Negative values are not objects.
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::object_sizes;
/// let labels = array![[3u32, 3, 0], [0, 1 << 30, 3]].into_dyn();
/// assert_eq!(object_sizes(&labels.view()), vec![(3, 3), (1 << 30, 1)]);
/// ```
pub fn object_sizes<L: LabelValue>(labels: &ArrayViewD<'_, L>) -> Vec<(u64, u64)> {
    sizes_in_memory(labels, false)
}

/// [`object_sizes`] of a label image of any size, chunk by chunk in parallel
/// (`chunks` defaults to the source's native chunks); the same at any chunking.
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::{object_sizes, object_sizes_chunked};
/// use tesserae::{ArraySource, Executor};
/// let labels = array![[1u8, 0, 2], [1, 2, 2]].into_dyn();
/// let source = ArraySource::new(labels.clone()).with_chunks(&[1, 1])?;
/// let sizes = object_sizes_chunked(&Executor::new(), &source, None)?;
/// assert_eq!(sizes, object_sizes(&labels.view()));
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn object_sizes_chunked<S>(
    exec: &Executor,
    labels: &S,
    chunks: Option<&[usize]>,
) -> Result<Vec<(u64, u64)>>
where
    S: Source,
    S::Elem: LabelValue,
{
    sizes_chunked(exec, labels, chunks, false)
}

/// Sizes in memory, the background (0) included when `with_zero`.
pub(crate) fn sizes_in_memory<L: LabelValue>(
    labels: &ArrayViewD<'_, L>,
    with_zero: bool,
) -> Vec<(u64, u64)> {
    par_slabs(
        labels,
        |slab, _| count_runs(&slab, with_zero),
        |a, b| merge_sorted(a, b, |x, y| *x += y),
    )
}

/// Sizes chunked, the background (0) included when `with_zero`.
pub(crate) fn sizes_chunked<S>(
    exec: &Executor,
    labels: &S,
    chunks: Option<&[usize]>,
    with_zero: bool,
) -> Result<Vec<(u64, u64)>>
where
    S: Source,
    S::Elem: LabelValue,
{
    reduce_chunks(
        exec,
        "object sizes",
        labels,
        chunks,
        |block, _| count_runs(block, with_zero),
        |x, y| *x += y,
    )
}

fn count_runs<L: LabelValue>(labels: &ArrayViewD<'_, L>, with_zero: bool) -> Partial<u64> {
    scan_runs(
        labels,
        with_zero,
        |_| 0,
        |n, _, _, run| *n += run.len() as u64,
    )
}

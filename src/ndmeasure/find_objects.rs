//! `find_objects`: the bounding box of every label, without knowing the largest label.

use ndarray::ArrayViewD;

use crate::engine::{ChunkGrid, Executor, Region, Source};
use crate::error::Result;
use crate::ndmeasure::labels::{LabelValue, SlotTable};
use crate::ndmeasure::sparse::{Partial, label_range, merge_sorted, par_slabs};

/// Inclusive lower and upper corners of a box, packed `[lo_0, …, lo_n, hi_0, …, hi_n]`.
type Bounds = Vec<usize>;

/// The bounding box of every non-zero label of an in-memory label image, in
/// ascending label order.
///
/// Labels may have gaps and be as large as `u64` allows: the result is sparse,
/// its size set by the number of objects, never by the largest label. Negative
/// values of signed label images are not objects.
///
/// ```
/// use ndarray::array;
/// use tesserae::{ndmeasure::find_objects, Region};
///
/// let labels = array![[0u32, 7, 7], [0, 0, 7], [1 << 30, 0, 0]].into_dyn();
/// let boxes = find_objects(&labels.view());
/// assert_eq!(boxes, vec![
///     (7, Region::new(vec![0, 1], vec![2, 2])),
///     (1 << 30, Region::new(vec![2, 0], vec![1, 1])),
/// ]);
/// ```
pub fn find_objects<L: LabelValue>(labels: &ArrayViewD<'_, L>) -> Vec<(u64, Region)> {
    let partial = par_slabs(
        labels,
        |slab, offset| {
            let mut origin = vec![0; labels.ndim()];
            origin[0] = offset;
            chunk_bounds(&slab, &origin)
        },
        |a, b| merge_sorted(a, b, merge_bounds),
    );
    finish(partial)
}

/// [`find_objects`] over a label image of any size, one chunk at a time in
/// parallel, merging the per-chunk boxes by label in a tree.
///
/// `chunks` defaults to the source's native chunking. The result is the same
/// for every chunking.
///
/// ```
/// use ndarray::array;
/// use tesserae::{ndmeasure::{find_objects, find_objects_chunked}, ArraySource, Executor};
///
/// let labels = array![[1u16, 0, 2], [1, 0, 2], [0, 3, 3]].into_dyn();
/// let source = ArraySource::new(labels.clone()).with_chunks(&[1, 2])?;
/// let chunked = find_objects_chunked(&Executor::new(), &source, None)?;
/// assert_eq!(chunked, find_objects(&labels.view()));
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn find_objects_chunked<S>(
    exec: &Executor,
    labels: &S,
    chunks: Option<&[usize]>,
) -> Result<Vec<(u64, Region)>>
where
    S: Source,
    S::Elem: LabelValue,
{
    let grid = ChunkGrid::new(labels.shape(), chunks.unwrap_or(labels.chunk_shape()))?;
    let merged = exec.map_reduce(
        "find objects",
        grid.num_chunks(),
        |i| {
            let region = grid.chunk_region(&grid.chunk_index(i));
            let block = labels.read(&region)?;
            Ok(chunk_bounds(&block.view(), region.start()))
        },
        |a, b| merge_sorted(a, b, merge_bounds),
    )?;
    Ok(finish(merged.unwrap_or_default()))
}

/// The scipy form of a list of boxes: entry `i` is the box of label `i + 1`,
/// `None` for labels that are absent. Its length is the largest label, so use it
/// only when labels are known to be small.
///
/// ```
/// use tesserae::{ndmeasure::dense_objects, Region};
/// let boxes = vec![(2, Region::new(vec![0], vec![3]))];
/// assert_eq!(dense_objects(&boxes), vec![None, Some(Region::new(vec![0], vec![3]))]);
/// ```
pub fn dense_objects(objects: &[(u64, Region)]) -> Vec<Option<Region>> {
    let len = objects.last().map_or(0, |(label, _)| *label as usize);
    let mut dense = vec![None; len];
    for (label, region) in objects {
        dense[*label as usize - 1] = Some(region.clone());
    }
    dense
}

/// The boxes of the labels of one block whose first voxel sits at `origin`.
///
/// One pass over each row tracks the label being seen and the last voxel
/// holding it, with no branch on background voxels: the box of a label is
/// updated only when the row switches to another non-zero label and at the
/// row's end, so a row costs a compare and a conditional move per voxel plus
/// one update per label change, however fragmented its objects are.
fn chunk_bounds<L: LabelValue>(labels: &ArrayViewD<'_, L>, origin: &[usize]) -> Partial<Bounds> {
    let ndim = labels.ndim();
    if ndim == 0 || labels.is_empty() {
        return Vec::new();
    }
    let Some((min, max)) = label_range(labels) else {
        return Vec::new();
    };
    let mut boxes = Boxes {
        table: SlotTable::new(min, max, labels.len()),
        next: 0,
        found: Vec::new(),
        origin,
    };
    let shape = labels.shape();
    let mut lead = vec![0usize; ndim - 1];
    let zero = L::zero();
    let mut scratch = Vec::new();
    for lane in labels.rows() {
        let data: &[L] = match lane.to_slice() {
            Some(s) => s,
            None => {
                scratch.clear();
                scratch.extend(lane.iter().copied());
                &scratch
            }
        };
        let (mut current, mut lo, mut hi) = (zero, 0usize, 0usize);
        for (x, &v) in data.iter().enumerate() {
            if (v != current) & (v != zero) {
                boxes.add(current, &lead, lo, hi);
                (current, lo) = (v, x);
            }
            hi = if v == current { x } else { hi };
        }
        boxes.add(current, &lead, lo, hi);
        for (c, &n) in lead.iter_mut().zip(shape).rev() {
            *c += 1;
            if *c < n {
                break;
            }
            *c = 0;
        }
    }
    boxes.found.sort_unstable_by_key(|(label, _)| *label);
    boxes.found
}

/// The boxes found so far in a block.
struct Boxes<'a> {
    table: SlotTable,
    next: u32,
    found: Partial<Bounds>,
    origin: &'a [usize],
}

impl Boxes<'_> {
    /// Adds voxels `lo..=hi` of the row at `lead` (coordinates along the
    /// leading axes) to the box of `value`; background and negative values
    /// are not objects.
    #[inline]
    fn add<L: LabelValue>(&mut self, value: L, lead: &[usize], lo: usize, hi: usize) {
        if value == L::zero() {
            return;
        }
        let Some(label) = value.to_label() else {
            return;
        };
        let ndim = lead.len() + 1;
        let (slot, created) = self.table.slot(label, &mut self.next);
        if created {
            let mut b = vec![usize::MAX; ndim];
            b.resize(2 * ndim, 0);
            self.found.push((label, b));
        }
        let b = &mut self.found[slot as usize].1;
        for (axis, &c) in lead.iter().enumerate() {
            let p = self.origin[axis] + c;
            b[axis] = b[axis].min(p);
            b[ndim + axis] = b[ndim + axis].max(p);
        }
        let last = ndim - 1;
        b[last] = b[last].min(self.origin[last] + lo);
        b[ndim + last] = b[ndim + last].max(self.origin[last] + hi);
    }
}

fn merge_bounds(a: &mut Bounds, b: Bounds) {
    let ndim = a.len() / 2;
    for axis in 0..ndim {
        a[axis] = a[axis].min(b[axis]);
        a[ndim + axis] = a[ndim + axis].max(b[ndim + axis]);
    }
}

fn finish(bounds: Partial<Bounds>) -> Vec<(u64, Region)> {
    bounds
        .into_iter()
        .map(|(label, b)| {
            let ndim = b.len() / 2;
            let end: Vec<usize> = b[ndim..].iter().map(|h| h + 1).collect();
            (label, Region::from_bounds(b[..ndim].to_vec(), &end))
        })
        .collect()
}

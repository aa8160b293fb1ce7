//! Chunked labeling with scipy's numbering, in three passes over the chunks.
//!
//! 1. Per chunk, in parallel: label the chunk with the in-memory kernel (read
//!    in place when the source lends a view, see `Source::read_view`) and
//!    keep, for every local label, its first voxel as a global raster index
//!    (C order inside a chunk agrees with the global raster order), plus the
//!    local labels (and, in multilabel mode, the values) on the chunk's `2 ndim`
//!    boundary planes.
//! 2. Per chunk, in parallel: compare its boundary planes with those of every
//!    later neighbouring chunk the structure reaches (across faces, and across
//!    edges and corners when the structure has diagonal offsets) and unite the
//!    touching (chunk, local label) pairs in a global union-find. Each
//!    component's key is the smallest first voxel of its members; ranking the
//!    keys (a radix sort) gives exactly `scipy.ndimage.label`'s numbering, for
//!    any chunking.
//! 3. Per chunk, in parallel: map local to final labels and write (row by
//!    row straight into the sink when it can, see `Sink::write_rows`). The
//!    provisional labels of pass 1 are kept as runs (run-length encoded, a few
//!    bytes per run: tiny for blob-like images) while they fit a byte budget;
//!    chunks beyond it are read and labeled again, which costs one more kernel
//!    run and one more read per chunk but needs no temporary store, so an
//!    out-of-core volume is never held in memory.
//!
//! Memory holds the chunks in flight, the boundary planes, a few words per
//! local label and the kept runs (bounded by the budget); nothing is sized by
//! the voxel count or by the largest label.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::{ArrayViewD, Axis};

use crate::engine::{ChunkGrid, Element, Executor, Region, Sink, Source};
use crate::error::{Error, Result};
use crate::ndmeasure::LabelValue;
use crate::ndmeasure::label::runs::{Mode, Plan, Runs, label_view};
use crate::ndmeasure::label::scratch::Scratch;
use crate::ndmeasure::label::{Forest, Structure};

/// What pass 1 keeps of a chunk.
pub(super) struct Summary<T> {
    /// Global raster index of every local label's first voxel.
    pub(super) first: Scratch<usize>,
    /// Labels on the low and high plane of every axis (index `2 axis + high`).
    pub(super) faces: Vec<Vec<u32>>,
    /// Values on the same planes, in multilabel mode.
    pub(super) values: Vec<Vec<T>>,
    /// The provisional labels, when they fit the budget.
    pub(super) runs: Option<Runs>,
}

fn lock<V>(m: &Mutex<V>) -> std::sync::MutexGuard<'_, V> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Labels chunk `region` of `source`, read in place when the source lends a
/// view; with `values`, also returns the values on its `2 ndim` boundary
/// planes (low and high plane of every axis).
fn label_chunk<T: Element>(
    source: &dyn Source<Elem = T>,
    region: &Region,
    structure: &Structure,
    mode: Mode,
    values: bool,
) -> Result<(Runs, Vec<Vec<T>>)> {
    let mut labeled = None;
    source.read_view(region, &mut |chunk| {
        if chunk.shape() != region.shape() {
            return Err(Error::ShapeMismatch {
                expected: region.shape().to_vec(),
                found: chunk.shape().to_vec(),
            });
        }
        let runs = label_view(chunk.view(), &Plan::new(structure, chunk.shape()), mode)?;
        let mut planes = Vec::new();
        if values {
            for axis in 0..chunk.ndim() {
                for at in [0, chunk.shape()[axis] - 1] {
                    planes.push(chunk.index_axis(Axis(axis), at).iter().copied().collect());
                }
            }
        }
        labeled = Some((runs, planes));
        Ok(())
    })?;
    labeled.ok_or_else(|| Error::Failed(format!("chunk {region} was not read")))
}

/// Global raster indices of the first voxels of the labels of `runs`, the
/// labels of chunk `region`, with `global` the array's strides: the start of
/// every local row is computed once, odometer-style.
pub(super) fn global_first_voxels(
    runs: &Runs,
    region: &Region,
    global: &[usize],
) -> Scratch<usize> {
    let shape = region.shape();
    let ndim = shape.len();
    let lead = &shape[..ndim - 1];
    let rows: usize = lead.iter().product();
    let mut row_start = Vec::with_capacity(rows);
    let mut coords = vec![0usize; ndim - 1];
    let base: usize = (0..ndim).map(|k| region.start()[k] * global[k]).sum();
    for _ in 0..rows {
        row_start.push(base + coords.iter().zip(global).map(|(c, g)| c * g).sum::<usize>());
        for (c, &n) in coords.iter_mut().zip(lead).rev() {
            *c += 1;
            if *c < n {
                break;
            }
            *c = 0;
        }
    }
    runs.first_voxels(&row_start)
}

/// C-order strides of `shape`.
pub(super) fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        s[k] = s[k + 1] * shape[k + 1];
    }
    s
}

/// A source labeled up to its final numbering (passes 1 and 2), ready to be
/// written to a sink of any label type (pass 3).
///
/// Made by [`Label::prepare`](crate::ndmeasure::Label::prepare); knowing
/// [`Prepared::count`] first lets a caller choose `u32` or `u64` output.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndmeasure::{Connectivity, Label};
/// use tesserae::{ArraySink, ArraySource, Executor};
///
/// let image = ArrayD::from_shape_fn(vec![4, 4], |i| ((i[0] + i[1]) % 2) as u8);
/// let source = ArraySource::new(image).with_chunks(&[2, 2])?;
/// let exec = Executor::new();
/// let prepared = Label::new(Connectivity::Face).prepare(&exec, &source)?;
/// assert_eq!(prepared.count(), 8);
/// let mut sink = ArraySink::<u32>::new(&[4, 4]);
/// prepared.write(&exec, &mut sink)?;
/// assert_eq!(sink.into_array()[[3, 2]], 8);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub struct Prepared<'a, T: Element> {
    source: &'a dyn Source<Elem = T>,
    structure: Structure,
    mode: Mode,
    grid: ChunkGrid,
    /// Global ids of chunk `c`'s local labels are `offsets[c]..offsets[c + 1]`.
    offsets: Vec<usize>,
    /// Final label of every global id.
    final_label: Scratch<usize>,
    /// Provisional runs kept from pass 1, per chunk.
    kept: Vec<Mutex<Option<Runs>>>,
    count: usize,
}

impl<T: Element> std::fmt::Debug for Prepared<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("grid", &self.grid)
            .field("count", &self.count)
            .finish()
    }
}

/// Passes 1 and 2 over `source` in chunks of `chunks`.
pub(crate) fn prepare<'a, T: Element>(
    exec: &Executor,
    source: &'a dyn Source<Elem = T>,
    structure: &Structure,
    mode: Mode,
    chunks: &[usize],
    budget: usize,
) -> Result<Prepared<'a, T>> {
    let shape = source.shape().to_vec();
    let grid = ChunkGrid::new(&shape, chunks)?;
    let n = grid.num_chunks();
    let global = strides(&shape);

    // Pass 1: local labels, first voxels, boundary planes.
    let budget = AtomicUsize::new(budget);
    let summaries: Vec<Mutex<Option<Summary<T>>>> = (0..n).map(|_| Mutex::new(None)).collect();
    exec.for_each("label: chunks", n, |c| {
        let region = grid.chunk_region(&grid.chunk_index(c));
        let (runs, values) = label_chunk(source, &region, structure, mode, mode.multilabel)?;
        let first = global_first_voxels(&runs, &region, &global);
        let faces = runs.inner_faces(&region, &shape);
        let size = runs.heap_size();
        let fits = budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(size)
            })
            .is_ok();
        let runs = fits.then_some(runs);
        if fits {
            // Pass 3 writes the kept runs: this chunk is not read again.
            source.release(&region);
        }
        *lock(&summaries[c]) = Some(Summary {
            first,
            faces,
            values,
            runs,
        });
        Ok(())
    })?;
    let mut summaries: Vec<Summary<T>> = summaries
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect::<Option<_>>()
        .ok_or_else(|| Error::Failed("a chunk was not labeled".into()))?;
    let (offsets, final_label, count) =
        merge_summaries(exec, &grid, &summaries, structure, mode.multilabel)?;
    let kept: Vec<Mutex<Option<Runs>>> = summaries
        .iter_mut()
        .map(|s| Mutex::new(s.runs.take()))
        .collect();
    drop(summaries);
    Ok(Prepared {
        source,
        structure: structure.clone(),
        mode,
        grid,
        offsets,
        final_label,
        kept,
        count,
    })
}

/// Pass 2 over the summaries of the chunks of `grid`: unites the local labels
/// that touch across chunk boundaries and numbers the components by their
/// first voxel. Returns the offsets of every chunk's global ids (chunk `c`
/// owns `offsets[c]..offsets[c + 1]`), the final label of every global id
/// and the number of objects.
pub(super) fn merge_summaries<T: Element>(
    exec: &Executor,
    grid: &ChunkGrid,
    summaries: &[Summary<T>],
    structure: &Structure,
    multilabel: bool,
) -> Result<(Vec<usize>, Scratch<usize>, usize)> {
    let n = grid.num_chunks();
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0usize);
    for s in summaries {
        offsets.push(offsets[offsets.len() - 1] + s.first.len());
    }
    let total = offsets[n];

    // Pass 2: equivalences across chunk boundaries.
    let forest = Mutex::new(Forest::new(total));
    let structure_offsets = structure.offsets();
    exec.for_each("label: merge", n, |c| {
        let pairs = boundary_pairs(grid, summaries, &offsets, &structure_offsets, c, multilabel);
        let mut forest = lock(&forest);
        for (a, b) in pairs {
            forest.union(a, b);
        }
        Ok(())
    })?;
    let forest = forest.into_inner().unwrap_or_else(|p| p.into_inner());
    // Whole planes along the first axis (slabs, or one chunk) number their
    // labels in raster order already: the roots are ranked in id order.
    if grid.grid_shape()[1..].iter().all(|&g| g == 1) {
        let (final_label, count) = forest.number_in_order();
        return Ok((offsets, final_label, count));
    }
    let parent = forest.roots();
    let mut key = Scratch::<usize>::with_capacity(total);
    for s in summaries {
        key.extend_from_slice(&s.first);
    }
    for g in 0..total {
        let r = parent[g];
        if key[g] < key[r] {
            key[r] = key[g];
        }
    }
    let roots: Vec<(usize, usize)> = (0..total)
        .filter(|&g| parent[g] == g)
        .map(|g| (key[g], g))
        .collect();
    let roots = sort_by_key(roots);
    for (rank, &(_, g)) in roots.iter().enumerate() {
        key[g] = rank + 1;
    }
    for g in 0..total {
        key[g] = key[parent[g]];
    }
    let count = roots.len();
    Ok((offsets, key, count))
}

/// Sorts `(key, id)` pairs by their distinct keys: a least-significant-digit
/// radix sort, 11 bits a pass, as many passes as the largest key needs (three
/// below 2^33 voxels), linear in the number of objects.
fn sort_by_key(mut items: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    const BITS: u32 = 11;
    const MASK: usize = (1 << BITS) - 1;
    let max = items.iter().map(|&(k, _)| k).max().unwrap_or(0);
    let mut spare = vec![(0, 0); items.len()];
    let mut shift = 0;
    while shift < usize::BITS && max >> shift != 0 {
        let mut start = vec![0usize; 1 << BITS];
        for &(k, _) in &items {
            start[(k >> shift) & MASK] += 1;
        }
        let mut sum = 0;
        for s in &mut start {
            (*s, sum) = (sum, sum + *s);
        }
        for &item in &items {
            let digit = (item.0 >> shift) & MASK;
            spare[start[digit]] = item;
            start[digit] += 1;
        }
        std::mem::swap(&mut items, &mut spare);
        shift += BITS;
    }
    items
}

impl<T: Element> Prepared<'_, T> {
    /// The number of objects.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndmeasure::{Connectivity, Label};
    /// use tesserae::{ArraySource, Executor};
    /// let source = ArraySource::new(ArrayD::from_elem(vec![3, 3], 1u8));
    /// let prepared = Label::new(Connectivity::Face).prepare(&Executor::new(), &source)?;
    /// assert_eq!(prepared.count(), 1);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn count(&self) -> usize {
        self.count
    }

    /// Pass 3: writes the final labels chunk by chunk into `sink` and commits
    /// it; returns the number of objects.
    ///
    /// Fails when the sink's shape differs from the source's, or the objects
    /// outnumber the sink's label type (`u32`: use a `u64` sink then).
    pub fn write<K, L>(self, exec: &Executor, sink: &mut K) -> Result<usize>
    where
        K: Sink<Elem = L>,
        L: LabelValue,
    {
        let count = self.count;
        self.write_mapped(exec, sink, count, |l| {
            L::from_count(l).unwrap_or_else(L::zero)
        })?;
        Ok(count)
    }
}

impl<T: Element> Prepared<'_, T> {
    /// Pass 3 with a relabeling: writes `map(final label)` on every object
    /// and 0 on the background into `sink` chunk by chunk, then commits it.
    /// Fails when the sink's shape differs from the source's, or `count`
    /// labels do not fit `L`.
    pub(crate) fn write_mapped<L: LabelValue>(
        self,
        exec: &Executor,
        sink: &mut dyn Sink<Elem = L>,
        count: usize,
        map: impl Fn(usize) -> L + Sync,
    ) -> Result<()> {
        if sink.shape() != self.grid.shape() {
            return Err(Error::ShapeMismatch {
                expected: self.grid.shape().to_vec(),
                found: sink.shape().to_vec(),
            });
        }
        if L::from_count(count).is_none() {
            return Err(Error::InvalidArgument(format!(
                "{count} objects do not fit {} labels: write to a u64 sink",
                L::DTYPE
            )));
        }
        let Prepared {
            source,
            structure,
            mode,
            grid,
            offsets,
            final_label,
            kept,
            count: _,
        } = self;
        let sink_ref = &*sink;
        let buffers: Mutex<Vec<Vec<L>>> = Mutex::new(Vec::new());
        exec.for_each("label: write", grid.num_chunks(), |c| {
            let region = grid.chunk_region(&grid.chunk_index(c));
            let kept = lock(&kept[c]).take();
            let runs = match kept {
                Some(runs) => runs,
                None => label_chunk(source, &region, &structure, mode, false)?.0,
            };
            let lut = &final_label[offsets[c]..offsets[c + 1]];
            let map = |l: u32| map(lut[l as usize - 1]);
            let in_place = sink_ref.write_rows(&region, &mut |r, row| {
                runs.write_row(r, row, L::zero(), map);
            });
            if let Some(written) = in_place {
                return written;
            }
            let mut buffer = lock(&buffers).pop().unwrap_or_default();
            buffer.resize(region.len(), L::zero());
            runs.write(&mut buffer, L::zero(), map);
            drop(runs);
            let view = ArrayViewD::from_shape(region.shape(), &buffer[..])
                .map_err(|e| Error::Failed(format!("chunk {region}: {e}")))?;
            let written = sink_ref.write(&region, view);
            lock(&buffers).push(buffer);
            written
        })?;
        sink.commit()
    }

    /// The chunking of the labeling.
    pub(crate) fn grid(&self) -> &ChunkGrid {
        &self.grid
    }

    /// The voxel size of the labeled image.
    pub(crate) fn source_voxel_size(&self) -> Option<crate::engine::VoxelSize> {
        self.source.voxel_size()
    }

    /// Writes the final labels of chunk `c` into `out` (C order, the chunk's
    /// shape), relabeling the chunk when its runs were not kept. The caller
    /// checked that the count fits `u32`.
    pub(crate) fn write_chunk_into(&self, c: usize, out: &mut [u32]) -> Result<()> {
        self.write_chunk_with(c, out, 0, |l| l as u32)
    }

    /// Writes chunk `c` into `out` (C order, the chunk's shape) as
    /// `map(final label)` on its objects and `background` elsewhere,
    /// relabeling the chunk when its runs were not kept.
    pub(crate) fn write_chunk_with<L: Copy>(
        &self,
        c: usize,
        out: &mut [L],
        background: L,
        map: impl Fn(usize) -> L,
    ) -> Result<()> {
        let region = self.grid.chunk_region(&self.grid.chunk_index(c));
        let kept = lock(&self.kept[c]).take();
        let runs = match kept {
            Some(runs) => runs,
            None => label_chunk(self.source, &region, &self.structure, self.mode, false)?.0,
        };
        let lut = &self.final_label[self.offsets[c]..self.offsets[c + 1]];
        runs.write(out, background, |l| map(lut[l as usize - 1]));
        Ok(())
    }

    /// The number of voxels of every object, label `l` at index `l` (index 0,
    /// the background, holds 0). Kept runs stay kept; chunks whose runs were
    /// not kept are labeled again.
    pub(crate) fn object_sizes(&self, exec: &Executor) -> Result<Vec<u64>> {
        let sizes = Mutex::new(vec![0u64; self.count + 1]);
        exec.for_each("label: sizes", self.grid.num_chunks(), |c| {
            let kept = lock(&self.kept[c]);
            let local = match kept.as_ref() {
                Some(runs) => runs.sizes(),
                None => {
                    drop(kept);
                    let region = self.grid.chunk_region(&self.grid.chunk_index(c));
                    label_chunk(self.source, &region, &self.structure, self.mode, false)?
                        .0
                        .sizes()
                }
            };
            let lut = &self.final_label[self.offsets[c]..self.offsets[c + 1]];
            let mut sizes = lock(&sizes);
            for (&l, n) in lut.iter().zip(local) {
                sizes[l] += n;
            }
            Ok(())
        })?;
        Ok(sizes.into_inner().unwrap_or_else(|p| p.into_inner()))
    }

    /// The final labels (0 for background) on the first (`high == false`) or
    /// last plane along `axis` of chunk `c`, flat in C order over the other
    /// axes. Kept runs stay kept; otherwise the chunk is labeled again.
    pub(crate) fn face_labels(&self, c: usize, axis: usize, high: bool) -> Result<Vec<usize>> {
        let region = self.grid.chunk_region(&self.grid.chunk_index(c));
        let kept = lock(&self.kept[c]);
        let local = match kept.as_ref() {
            Some(runs) => runs.face(region.shape(), axis, high),
            None => {
                drop(kept);
                label_chunk(self.source, &region, &self.structure, self.mode, false)?
                    .0
                    .face(region.shape(), axis, high)
            }
        };
        let lut = &self.final_label[self.offsets[c]..self.offsets[c + 1]];
        Ok(local
            .into_iter()
            .map(|l| if l == 0 { 0 } else { lut[l as usize - 1] })
            .collect())
    }
}

/// Global label pairs that touch across the boundary between chunk `c` and
/// its later neighbours.
fn boundary_pairs<T: Element>(
    grid: &ChunkGrid,
    summaries: &[Summary<T>],
    offsets: &[usize],
    structure_offsets: &[Vec<isize>],
    c: usize,
    multilabel: bool,
) -> Vec<(usize, usize)> {
    let ndim = grid.ndim();
    let index = grid.chunk_index(c);
    let shape_a = grid.chunk_region(&index).shape().to_vec();
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for code in 0..3usize.pow(ndim as u32) {
        let mut rest = code;
        let mut e = vec![0isize; ndim];
        for d in e.iter_mut().rev() {
            *d = (rest % 3) as isize - 1;
            rest /= 3;
        }
        // Later neighbours only: the first non-zero component is +1.
        let Some(k0) = e.iter().position(|&d| d != 0) else {
            continue;
        };
        if e[k0] != 1 {
            continue;
        }
        let neighbour: Option<Vec<usize>> = index
            .iter()
            .zip(&e)
            .zip(grid.grid_shape())
            .map(|((&i, &d), &g)| {
                let j = i as isize + d;
                (j >= 0 && (j as usize) < g).then_some(j as usize)
            })
            .collect();
        let Some(neighbour) = neighbour else {
            continue;
        };
        let b = grid.linear_index(&neighbour);
        let shape_b = grid.chunk_region(&neighbour).shape().to_vec();
        let (sum_a, sum_b) = (&summaries[c], &summaries[b]);
        let face_a = 2 * k0 + 1;
        let face_b = 2 * k0;
        let strides_a = face_strides(&shape_a, k0);
        let strides_b = face_strides(&shape_b, k0);
        for d in structure_offsets {
            if (0..ndim).any(|k| e[k] != 0 && d[k] != e[k]) {
                continue;
            }
            let mut counts = vec![0usize; ndim];
            let (mut base_a, mut base_b) = (0usize, 0usize);
            for k in 0..ndim {
                let (pa, pb, len) = match e[k] {
                    1 => (shape_a[k] - 1, 0, 1),
                    -1 => (0, shape_b[k] - 1, 1),
                    _ => {
                        let start = usize::from(d[k] < 0);
                        let len = shape_a[k].saturating_sub(d[k].unsigned_abs());
                        (start, (start as isize + d[k]) as usize, len)
                    }
                };
                counts[k] = len;
                base_a += pa * strides_a[k];
                base_b += pb * strides_b[k];
            }
            if counts.contains(&0) {
                continue;
            }
            let labels_a = &sum_a.faces[face_a];
            let labels_b = &sum_b.faces[face_b];
            let values = (&sum_a.values, &sum_b.values);
            let (off_a, off_b) = (offsets[c], offsets[b]);
            let mut last = (usize::MAX, usize::MAX);
            let mut touch = |oa: usize, ob: usize, la: u32, lb: u32| {
                if multilabel && values.0[face_a][oa] != values.1[face_b][ob] {
                    return;
                }
                let pair = (off_a + la as usize - 1, off_b + lb as usize - 1);
                if pair != last {
                    pairs.push(pair);
                    last = pair;
                }
            };
            let step = (strides_a[ndim - 1], strides_b[ndim - 1]);
            for_box(
                &counts,
                &strides_a,
                &strides_b,
                base_a,
                base_b,
                |oa, ob, len| {
                    if step == (1, 1) {
                        // Contiguous rows of both planes: only where the pair
                        // of labels changes can a new pair start (in multilabel
                        // mode too, as a label has one value).
                        let row_a = &labels_a[oa..oa + len];
                        let row_b = &labels_b[ob..ob + len];
                        for_each_new_pair(row_a, row_b, |x, la, lb| touch(oa + x, ob + x, la, lb));
                    } else {
                        for x in 0..len {
                            let (pa, pb) = (oa + x * step.0, ob + x * step.1);
                            let (la, lb) = (labels_a[pa], labels_b[pb]);
                            if la != 0 && lb != 0 {
                                touch(pa, pb, la, lb);
                            }
                        }
                    }
                },
            );
        }
    }
    pairs
}

/// Strides of the boundary plane across `axis` of a chunk of `shape`, over all
/// `ndim` axes (zero along `axis`).
fn face_strides(shape: &[usize], axis: usize) -> Vec<usize> {
    let mut plane = shape.to_vec();
    plane[axis] = 1;
    let mut s = strides(&plane);
    s[axis] = 0;
    s
}

/// Calls `f(x, a[x], b[x])` at every `x` where both labels are non-zero and
/// the pair differs from the one at `x - 1`: every pair of labels that meet
/// along the two rows, with only its repeats in a row left out. Blocks of
/// positions are compared at once into a bit mask, in vector code.
fn for_each_new_pair(a: &[u32], b: &[u32], mut f: impl FnMut(usize, u32, u32)) {
    const BLOCK: usize = 16;
    let n = a.len().min(b.len());
    if n == 0 {
        return;
    }
    if a[0] != 0 && b[0] != 0 {
        f(0, a[0], b[0]);
    }
    let new = |x: usize| (a[x] != 0) & (b[x] != 0) & ((a[x] != a[x - 1]) | (b[x] != b[x - 1]));
    let mut x = 1;
    while x + BLOCK <= n {
        let (now_a, was_a) = (&a[x..x + BLOCK], &a[x - 1..x - 1 + BLOCK]);
        let (now_b, was_b) = (&b[x..x + BLOCK], &b[x - 1..x - 1 + BLOCK]);
        let mut mask = (0..BLOCK).fold(0u32, |mask, i| {
            let hit = (now_a[i] != 0)
                & (now_b[i] != 0)
                & ((now_a[i] != was_a[i]) | (now_b[i] != was_b[i]));
            mask | (u32::from(hit) << i)
        });
        while mask != 0 {
            let i = x + mask.trailing_zeros() as usize;
            f(i, a[i], b[i]);
            mask &= mask - 1;
        }
        x += BLOCK;
    }
    for x in x..n {
        if new(x) {
            f(x, a[x], b[x]);
        }
    }
}

/// Calls `f(offset_a, offset_b, len)` for every line along the last axis of a
/// box of `counts` (`len` points), the offsets advancing by `sa` and `sb` per
/// axis from `base_a` and `base_b`.
fn for_box(
    counts: &[usize],
    sa: &[usize],
    sb: &[usize],
    base_a: usize,
    base_b: usize,
    mut f: impl FnMut(usize, usize, usize),
) {
    let ndim = counts.len();
    let last = ndim - 1;
    let mut coords = vec![0usize; last];
    loop {
        let (mut oa, mut ob) = (base_a, base_b);
        for k in 0..last {
            oa += coords[k] * sa[k];
            ob += coords[k] * sb[k];
        }
        f(oa, ob, counts[last]);
        let mut k = last;
        loop {
            if k == 0 {
                return;
            }
            k -= 1;
            coords[k] += 1;
            if coords[k] < counts[k] {
                break;
            }
            coords[k] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::for_each_new_pair;

    /// The positions reported are exactly those where both labels are
    /// non-zero and the pair differs from the one before, for rows of every
    /// length across and within the blocks compared at once.
    #[test]
    fn new_pairs_match_a_position_by_position_scan() {
        for n in 0..70usize {
            let a: Vec<u32> = (0..n)
                .map(|x| [0, 1, 1, 2, 2, 2, 0][(x * 7 / 5) % 7])
                .collect();
            let b: Vec<u32> = (0..n).map(|x| [3, 3, 0, 4, 4][(x * 3 / 4) % 5]).collect();
            let naive: Vec<(usize, u32, u32)> = (0..n)
                .filter(|&x| {
                    a[x] != 0 && b[x] != 0 && (x == 0 || (a[x], b[x]) != (a[x - 1], b[x - 1]))
                })
                .map(|x| (x, a[x], b[x]))
                .collect();
            let mut got = Vec::new();
            for_each_new_pair(&a, &b, |x, la, lb| got.push((x, la, lb)));
            assert_eq!(got, naive, "n = {n}");
            assert!(n < 20 || got.len() > 2);
        }
    }
}

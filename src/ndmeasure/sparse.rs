//! Sparse per-label accumulation: one scan of a block into a sorted list of
//! (label, accumulator), and the merge of two such lists.

use std::ops::Range;

use ndarray::{ArrayViewD, Axis};
use rayon::prelude::*;

use crate::engine::{ChunkGrid, Executor, Source};
use crate::error::Result;
use crate::ndmeasure::labels::{LabelValue, SlotTable};

/// Per-label accumulators of one block or of several merged blocks, sorted by label.
pub(crate) type Partial<A> = Vec<(u64, A)>;

/// Scans a block of labels run by run, in C order.
///
/// For every maximal run of one label along the last axis, `visit(acc, row,
/// r, run)` is called with the label's accumulator (made by `init` on first
/// sight), the row's index within the block (its last entry is 0), the row's
/// number `r` in C order and the run's range along the last axis. Background
/// (0) is skipped unless `with_zero`; negative labels always are.
pub(crate) fn scan_runs<L, A>(
    labels: &ArrayViewD<'_, L>,
    with_zero: bool,
    init: impl FnMut(u64) -> A,
    visit: impl FnMut(&mut A, &[usize], usize, Range<usize>),
) -> Partial<A>
where
    L: LabelValue,
{
    let mut scan = RunScan::new(labels.len());
    scan.scan(labels, with_zero, init, visit);
    scan.finish()
}

/// A run scan of a block that arrives in consecutive slabs along its first
/// axis: every slab's runs go to the same accumulators, in the order one scan
/// of the whole block would visit them, so the result is that of
/// [`scan_runs`] on the whole block while only a slab is in memory at a time.
pub(crate) struct RunScan<A> {
    /// Voxels of the whole block (sizes the label → slot table).
    voxels: usize,
    table: Option<SlotTable>,
    next: u32,
    accs: Vec<(u64, A)>,
}

impl<A> RunScan<A> {
    /// An empty scan of a block of `voxels` voxels.
    pub(crate) fn new(voxels: usize) -> Self {
        RunScan {
            voxels,
            table: None,
            next: 0,
            accs: Vec::new(),
        }
    }

    /// Scans the next slab, as [`scan_runs`] does a block (`row` and `r`
    /// count within the slab).
    pub(crate) fn scan<L: LabelValue>(
        &mut self,
        labels: &ArrayViewD<'_, L>,
        with_zero: bool,
        mut init: impl FnMut(u64) -> A,
        mut visit: impl FnMut(&mut A, &[usize], usize, Range<usize>),
    ) {
        let ndim = labels.ndim();
        if ndim == 0 || labels.is_empty() {
            return;
        }
        let (table, voxels) = (&mut self.table, self.voxels);
        let accs = &mut self.accs;
        let next = &mut self.next;
        let shape = labels.shape();
        let mut row = vec![0usize; ndim];
        let zero = L::zero();
        let mut scan_row = |r: usize, data: &[L]| {
            let n = data.len();
            let mut x = 0;
            let mut last: Option<(L, u32)> = None;
            while x < n {
                let value = data[x];
                let start = x;
                x = run_end(data, x + 1, value);
                if value == zero && !with_zero {
                    continue;
                }
                let slot = match last {
                    Some((l, s)) if l == value => s,
                    _ => {
                        let Some(label) = value.to_label() else {
                            continue;
                        };
                        let (slot, created) = slot_of(table, voxels, next, label);
                        if created {
                            accs.push((label, init(label)));
                        }
                        last = Some((value, slot));
                        slot
                    }
                };
                visit(&mut accs[slot as usize].1, &row, r, start..x);
            }
            for axis in (0..ndim - 1).rev() {
                row[axis] += 1;
                if row[axis] < shape[axis] {
                    break;
                }
                row[axis] = 0;
            }
        };
        match labels.as_slice() {
            // Rows of a C-contiguous block are consecutive slices.
            Some(all) => {
                for (r, data) in all.chunks_exact(shape[ndim - 1]).enumerate() {
                    scan_row(r, data);
                }
            }
            None => {
                let mut scratch = Vec::new();
                for (r, lane) in labels.rows().into_iter().enumerate() {
                    match lane.to_slice() {
                        Some(data) => scan_row(r, data),
                        None => {
                            scratch.clear();
                            scratch.extend(lane.iter().copied());
                            scan_row(r, &scratch);
                        }
                    }
                }
            }
        }
    }

    /// The accumulators of every label met, sorted by label.
    pub(crate) fn finish(mut self) -> Partial<A> {
        self.accs.sort_unstable_by_key(|(label, _)| *label);
        self.accs
    }
}

/// The first index at or after `from` whose value is not `value` (`data`'s
/// length if none). Whole blocks of equal values are compared at once, in
/// vector code; the block where the run ends is compared into a bit mask
/// whose first set bit is the end, with no value-by-value search, whose
/// exit the processor cannot predict.
#[inline]
fn run_end<L: LabelValue>(data: &[L], from: usize, value: L) -> usize {
    const BLOCK: usize = 16;
    let mut x = from;
    while let Some(block) = data.get(x..x + BLOCK) {
        if !block.iter().fold(true, |same, &v| same & (v == value)) {
            return x + first_other(block, value);
        }
        x += BLOCK;
    }
    x + first_other(&data[x..], value)
}

/// The index of the first value of `block` (at most 32 values) that is not
/// `value`, or its length.
#[inline]
fn first_other<L: LabelValue>(block: &[L], value: L) -> usize {
    let differ = block
        .iter()
        .enumerate()
        .fold(0u32, |mask, (i, &v)| mask | (u32::from(v != value) << i));
    if differ == 0 {
        block.len()
    } else {
        differ.trailing_zeros() as usize
    }
}

/// The slot of `label` in the slot table of a scan of `voxels` voxels (taking
/// the number `next` if the label is new), and whether it was just created.
///
/// The table is made on the first label and a dense table is widened when a
/// label falls outside it, to at least twice its span (a sparse table when
/// that is too wide), so a scan widens it a few times, not once per new
/// label, and no separate pass over the labels is needed to find their range.
#[inline]
fn slot_of(
    table: &mut Option<SlotTable>,
    voxels: usize,
    next: &mut u32,
    label: u64,
) -> (u32, bool) {
    let table = table.get_or_insert_with(|| {
        SlotTable::new(label, label.saturating_add(SLOT_TABLE_START - 1), voxels)
    });
    if let SlotTable::Dense { first, slots } = table {
        let end = *first + slots.len() as u64 - 1;
        if label < *first || label > end {
            let span = slots.len() as u64;
            let (lo, hi) = if label < *first {
                (label.min(first.saturating_sub(span)), end)
            } else {
                (*first, label.max(end.saturating_add(span)))
            };
            widen(table, voxels, *next, lo, hi);
        }
    }
    table.slot(label, next)
}

/// Labels a new slot table spans at first.
const SLOT_TABLE_START: u64 = 1024;

/// Widens the dense `table`, which has handed out slots `0..next`, to hold
/// labels `lo..=hi` (`lo..=hi` covers its labels): a wider dense table, or a
/// sparse one when that range is too wide for the scan's `voxels` voxels.
fn widen(table: &mut SlotTable, voxels: usize, next: u32, lo: u64, hi: u64) {
    if let SlotTable::Dense { first, slots } = table {
        let mut wider = SlotTable::new(lo, hi, voxels);
        let taken = slots.iter().enumerate().filter(|&(_, &s)| s < next);
        match &mut wider {
            SlotTable::Dense {
                first: new_first,
                slots: new_slots,
            } => {
                for (i, &s) in taken {
                    new_slots[(*first + i as u64 - *new_first) as usize] = s;
                }
            }
            SlotTable::Sparse(map) => {
                map.extend(taken.map(|(i, &s)| (*first + i as u64, s)));
            }
        }
        *table = wider;
    }
}

/// The smallest and largest non-negative label of a block, if any.
pub(crate) fn label_range<L: LabelValue>(labels: &ArrayViewD<'_, L>) -> Option<(u64, u64)> {
    let first = *labels.iter().next()?;
    let (lo, hi) = labels.fold((first, first), |(lo, hi), &v| {
        (if v < lo { v } else { lo }, if v > hi { v } else { hi })
    });
    let hi = hi.to_label()?;
    Some((lo.to_label().unwrap_or(0), hi))
}

/// Scans an in-memory block in parallel: slabs along the first axis are
/// scanned by `scan(slab, offset)` and merged with `merge`.
pub(crate) fn par_slabs<L, A, S, M>(labels: &ArrayViewD<'_, L>, scan: S, merge: M) -> Partial<A>
where
    L: LabelValue,
    A: Send,
    S: Fn(ArrayViewD<'_, L>, usize) -> Partial<A> + Sync,
    M: Fn(Partial<A>, Partial<A>) -> Partial<A> + Send + Sync,
{
    if labels.ndim() == 0 || labels.is_empty() {
        return Vec::new();
    }
    let depth = labels.shape()[0];
    let pieces = (rayon::current_num_threads() * 4).clamp(1, depth);
    let step = depth.div_ceil(pieces);
    (0..depth.div_ceil(step))
        .into_par_iter()
        .map(|i| {
            let start = i * step;
            let end = (start + step).min(depth);
            scan(labels.slice_axis(Axis(0), (start..end).into()), start)
        })
        .reduce(Vec::new, merge)
}

/// Merges two sorted partials, combining the accumulators of labels present in both.
pub(crate) fn merge_sorted<A>(
    a: Partial<A>,
    b: Partial<A>,
    mut merge: impl FnMut(&mut A, A),
) -> Partial<A> {
    if a.is_empty() {
        return b;
    }
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let mut a = a.into_iter().peekable();
    let mut b = b.into_iter().peekable();
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some((ka, _)), Some((kb, _))) => {
                if ka == kb {
                    let (k, mut va) = a.next().expect("peeked");
                    let (_, vb) = b.next().expect("peeked");
                    merge(&mut va, vb);
                    out.push((k, va));
                    continue;
                }
                ka < kb
            }
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        out.push(if take_a { a.next() } else { b.next() }.expect("peeked"));
    }
    out
}

/// Scans every chunk of `chunks` (the source's native chunks when `None`) in
/// parallel with `scan(block, block start)` and merges the partials by label
/// in a tree.
pub(crate) fn reduce_chunks<S, A>(
    exec: &Executor,
    stage: &str,
    labels: &S,
    chunks: Option<&[usize]>,
    scan: impl Fn(&ArrayViewD<'_, S::Elem>, &[usize]) -> Partial<A> + Sync,
    merge: impl Fn(&mut A, A) + Sync,
) -> Result<Partial<A>>
where
    S: Source,
    S::Elem: LabelValue,
    A: Send,
{
    let grid = ChunkGrid::new(labels.shape(), chunks.unwrap_or(labels.chunk_shape()))?;
    let merged = exec.map_reduce(
        stage,
        grid.num_chunks(),
        |i| {
            let region = grid.chunk_region(&grid.chunk_index(i));
            let mut partial = Vec::new();
            labels.read_view(&region, &mut |block| {
                partial = scan(&block, region.start());
                Ok(())
            })?;
            Ok(partial)
        },
        |a, b| merge_sorted(a, b, &merge),
    )?;
    Ok(merged.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::run_end;

    /// Runs of every length from 1 to 40, so that they start and end at
    /// every position within and across the blocks compared at once.
    #[test]
    fn run_ends_match_a_value_by_value_search() {
        let mut data = Vec::new();
        for len in 1..=40u32 {
            data.extend(std::iter::repeat_n(len % 3, len as usize));
        }
        for from in 0..data.len() {
            let value = data[from.saturating_sub(1)];
            let naive = (from..data.len())
                .find(|&x| data[x] != value)
                .unwrap_or(data.len());
            assert_eq!(run_end(&data, from, value), naive, "from {from}");
        }
        assert_eq!(run_end(&data, data.len(), 7), data.len());
    }
}

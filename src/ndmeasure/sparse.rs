//! Sparse per-label accumulation: one scan of a chunk into a sorted list of
//! (label, accumulator), and the merge of two such lists.

use std::ops::Range;

use crate::ndmeasure::labels::{label_range, LabelValue, SlotTable};

/// Per-label accumulators of one chunk or of several merged chunks, sorted by label.
pub(crate) type Partial<A> = Vec<(u64, A)>;

/// Scans a C-contiguous chunk of labels of shape `shape` run by run.
///
/// For every maximal run of one label along the last axis, `visit(acc, row,
/// offset, run)` is called with the label's accumulator (made by `init` on
/// first sight), the row's index within the chunk (the last entry is 0), the
/// row's offset in `labels` and the run's range along the last axis.
/// Background (0) is skipped unless `with_zero`; negative labels always are.
pub(crate) fn scan_runs<L, A>(
    labels: &[L],
    shape: &[usize],
    with_zero: bool,
    mut init: impl FnMut(u64) -> A,
    mut visit: impl FnMut(&mut A, &[usize], usize, Range<usize>),
) -> Partial<A>
where
    L: LabelValue,
{
    let Some((min, max)) = label_range(labels) else {
        return Vec::new();
    };
    let ndim = shape.len();
    let row_len = shape.last().copied().unwrap_or(1);
    let mut table = SlotTable::new(min, max, labels.len());
    let mut next = 0u32;
    let mut accs: Vec<(u64, A)> = Vec::new();
    let mut row = vec![0usize; ndim];
    if labels.is_empty() {
        return accs;
    }
    for (r, chunk_row) in labels.chunks(row_len).enumerate() {
        let offset = r * row_len;
        let mut x = 0;
        while x < row_len {
            let value = chunk_row[x];
            let start = x;
            x += 1;
            while x < row_len && chunk_row[x] == value {
                x += 1;
            }
            let Some(label) = value.to_label() else {
                continue;
            };
            if label == 0 && !with_zero {
                continue;
            }
            let (slot, created) = table.slot(label, &mut next);
            if created {
                accs.push((label, init(label)));
            }
            visit(&mut accs[slot as usize].1, &row, offset, start..x);
        }
        // Advance the row index over every axis but the last.
        for axis in (0..ndim.saturating_sub(1)).rev() {
            row[axis] += 1;
            if row[axis] < shape[axis] {
                break;
            }
            row[axis] = 0;
        }
    }
    accs.sort_unstable_by_key(|(label, _)| *label);
    accs
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

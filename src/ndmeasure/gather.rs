//! Per-label gathering of voxel values in bounded memory, for the statistics
//! that cannot be merged from partial sums: the exact median and
//! `labeled_comprehension`.
//!
//! Requested labels are split into batches whose voxels fit a memory budget;
//! each batch takes one pass over the chunks. A single label too large for the
//! budget gets its median by successive histogram refinement instead: each pass
//! narrows the value range holding the wanted rank until what is left fits.

use std::collections::HashMap;

use crate::engine::{ChunkGrid, Element, Executor, Source};
use crate::error::{Error, Result};
use crate::ndmeasure::labels::LabelValue;

/// Which voxels make up the groups being gathered.
#[derive(Clone, Debug)]
pub(crate) enum Groups {
    /// One group per listed label (sorted, distinct).
    Labels(Vec<u64>),
    /// One group: every voxel with a label > 0 (or every voxel, without labels).
    Pooled,
}

/// A pass over the chunks of (intensity, labels) in parallel.
pub(crate) struct Pass<'a, T, L> {
    pub exec: &'a Executor,
    pub intensity: &'a dyn Source<Elem = T>,
    pub labels: Option<&'a dyn Source<Elem = L>>,
    pub grid: ChunkGrid,
}

impl<T: Element, L: LabelValue> Pass<'_, T, L> {
    /// Folds the voxels of every group: `visit(group, linear_position, value)`
    /// on a per-chunk accumulator made by `init`, merged with `merge`.
    pub(crate) fn fold<A, I, V, M>(&self, groups: &Groups, init: I, visit: V, merge: M) -> Result<A>
    where
        A: Send,
        I: Fn() -> A + Sync,
        V: Fn(&mut A, usize, u64, T) + Sync,
        M: Fn(A, A) -> A + Sync,
    {
        let shape = self.grid.shape().to_vec();
        let lookup: HashMap<u64, usize> = match groups {
            Groups::Labels(labels) => labels.iter().enumerate().map(|(i, &l)| (l, i)).collect(),
            Groups::Pooled => HashMap::new(),
        };
        let pooled = matches!(groups, Groups::Pooled);
        let result = self.exec.map_reduce(
            "gather",
            self.grid.num_chunks(),
            |i| {
                let region = self.grid.chunk_region(&self.grid.chunk_index(i));
                let values = self.intensity.read(&region)?;
                let values = values.as_standard_layout();
                let labels = self.labels.map(|l| l.read(&region)).transpose()?;
                let labels = labels.as_ref().map(|l| l.as_standard_layout());
                let values = values.as_slice().unwrap_or(&[]);
                let labels = labels.as_ref().map(|l| l.as_slice().unwrap_or(&[]));
                let mut acc = init();
                let row_len = region.shape().last().copied().unwrap_or(1).max(1);
                let ndim = shape.len();
                let mut row = region.start().to_vec();
                for (r, row_values) in values.chunks(row_len).enumerate() {
                    let mut linear = 0u64;
                    for axis in 0..ndim {
                        linear = linear * shape[axis] as u64 + row[axis] as u64;
                    }
                    for (x, &v) in row_values.iter().enumerate() {
                        let group = match labels {
                            None => Some(0),
                            Some(l) => match l[r * row_len + x].to_label() {
                                Some(label) if pooled => (label > 0).then_some(0),
                                Some(label) => lookup.get(&label).copied(),
                                None => None,
                            },
                        };
                        if let Some(g) = group {
                            visit(&mut acc, g, linear + x as u64, v);
                        }
                    }
                    advance_row(&mut row, region.start(), region.shape());
                }
                Ok(acc)
            },
            merge,
        )?;
        Ok(result.unwrap_or_else(init))
    }
}

/// Moves a row start (all axes but the last) to the next row of a region, in C order.
fn advance_row(row: &mut [usize], start: &[usize], shape: &[usize]) {
    for axis in (0..row.len().saturating_sub(1)).rev() {
        row[axis] += 1;
        if row[axis] < start[axis] + shape[axis] {
            return;
        }
        row[axis] = start[axis];
    }
}

/// The (linear position, value) pairs of one group's voxels.
pub(crate) type Voxels<T> = Vec<(u64, T)>;

/// Gathers (position, value) of every voxel of every group, sorted by position.
pub(crate) fn gather<T: Element, L: LabelValue>(
    pass: &Pass<'_, T, L>,
    groups: &Groups,
    n_groups: usize,
) -> Result<Vec<Voxels<T>>> {
    let mut gathered = pass.fold(
        groups,
        || vec![Vec::new(); n_groups],
        |acc: &mut Vec<Voxels<T>>, g, p, v| acc[g].push((p, v)),
        |mut a, b| {
            for (x, y) in a.iter_mut().zip(b) {
                x.extend(y);
            }
            a
        },
    )?;
    for values in &mut gathered {
        values.sort_unstable_by_key(|(p, _)| *p);
    }
    Ok(gathered)
}

/// Splits labels (with their voxel counts) into batches of at most `budget`
/// voxels; labels larger than the budget alone are returned apart.
pub(crate) fn batches(counts: &[(u64, u64)], budget: u64) -> (Vec<Vec<u64>>, Vec<u64>) {
    let mut out = Vec::new();
    let mut large = Vec::new();
    let mut current = Vec::new();
    let mut size = 0;
    for &(label, count) in counts {
        if count > budget {
            large.push(label);
            continue;
        }
        if size + count > budget && !current.is_empty() {
            out.push(std::mem::take(&mut current));
            size = 0;
        }
        current.push(label);
        size += count;
    }
    if !current.is_empty() {
        out.push(current);
    }
    (out, large)
}

/// The median of gathered values: the middle one, or the mean of the two
/// middle ones for an even count (as numpy); `NaN` when empty.
pub(crate) fn median_of<T: Element>(values: &mut [T]) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let cmp = |a: &T, b: &T| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal);
    let (_, upper, _) = values.select_nth_unstable_by(n / 2, cmp);
    let upper = upper.as_f64();
    if n % 2 == 1 {
        return upper;
    }
    let lower = values[..n / 2]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, |m, v| m.max(v.as_f64()));
    (lower + upper) / 2.0
}

/// The value of rank `rank` (0-based, in ascending order) of group 0, which
/// may be larger than memory, by histogram refinement.
///
/// Every pass counts the values below the current range and the values in each
/// of `BINS` bins over it, with each bin's smallest and largest value; the bin
/// holding the rank becomes the next range (bins are monotone in the value, so
/// `[smallest, largest]` of a bin holds exactly that bin's values). Once a bin
/// holds at most `budget` values they are gathered and the rank selected.
pub(crate) fn rank_by_refinement<T: Element, L: LabelValue>(
    pass: &Pass<'_, T, L>,
    groups: &Groups,
    rank: u64,
    (mut lo, mut hi): (f64, f64),
    budget: u64,
) -> Result<f64> {
    const BINS: usize = 4096;
    let lost = || Error::Failed("median refinement lost its rank".into());
    loop {
        if lo >= hi {
            return Ok(lo);
        }
        let width = (hi - lo) / BINS as f64;
        let bin_of = move |v: f64| (((v - lo) / width) as usize).min(BINS - 1);
        let empty = || Refine {
            below: 0,
            bins: vec![(0, f64::INFINITY, f64::NEG_INFINITY); BINS],
        };
        let counted = pass.fold(
            groups,
            empty,
            |acc: &mut Refine, g, _, v| {
                let v = v.as_f64();
                if g != 0 || v > hi {
                    return;
                }
                if v < lo {
                    acc.below += 1;
                    return;
                }
                let bin = &mut acc.bins[bin_of(v)];
                bin.0 += 1;
                bin.1 = bin.1.min(v);
                bin.2 = bin.2.max(v);
            },
            Refine::merge,
        )?;
        let mut k = rank.checked_sub(counted.below).ok_or_else(lost)?;
        let (count, min, max) = counted
            .bins
            .iter()
            .find(|(count, _, _)| {
                if k < *count {
                    true
                } else {
                    k -= count;
                    false
                }
            })
            .copied()
            .ok_or_else(lost)?;
        if min == max {
            return Ok(min);
        }
        if count <= budget {
            let mut values = pass.fold(
                groups,
                Vec::new,
                |acc: &mut Vec<f64>, g, _, v| {
                    let v = v.as_f64();
                    if g == 0 && v >= min && v <= max {
                        acc.push(v);
                    }
                },
                |mut a, b| {
                    a.extend(b);
                    a
                },
            )?;
            let k = usize::try_from(k).map_err(|_| lost())?;
            if k >= values.len() {
                return Err(lost());
            }
            let (_, v, _) = values.select_nth_unstable_by(k, |a, b| a.total_cmp(b));
            return Ok(*v);
        }
        lo = min;
        hi = max;
    }
}

/// Counts of one refinement pass: values below the range, and per bin the
/// count, smallest and largest value.
struct Refine {
    below: u64,
    bins: Vec<(u64, f64, f64)>,
}

impl Refine {
    fn merge(mut self, other: Refine) -> Refine {
        self.below += other.below;
        for (a, b) in self.bins.iter_mut().zip(other.bins) {
            a.0 += b.0;
            a.1 = a.1.min(b.1);
            a.2 = a.2.max(b.2);
        }
        self
    }
}

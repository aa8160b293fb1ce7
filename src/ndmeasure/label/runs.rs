//! The in-memory labeling kernel: run-based two-pass labeling over a C-order slice.
//!
//! Every row (a line along the last axis) is cut into runs of foreground voxels
//! (branch-free: one store per voxel, the position advancing only at a
//! foreground/background transition). A run is connected to the runs of the
//! earlier neighbouring rows the structure reaches whose extents, shifted by the
//! structure's offsets along the row, overlap it; a two-pointer sweep finds them
//! and a flat union-find over run indices, uniting towards the smaller index,
//! merges them. Runs are created in raster order, so each component's root is
//! its first run and one sweep in run order numbers the components in raster
//! order of their first voxel, which is `scipy.ndimage.label`'s numbering.
//!
//! Any valid structure runs through the same code: the structure only decides
//! which earlier rows are neighbours, which shifts along the row connect, and
//! whether adjacent voxels of a row connect. Work is proportional to the number
//! of voxels (one comparison each) plus the number of runs, which is what makes
//! run-based labeling fast on blob-like images; the hot loops touch only
//! contiguous `&[T]` and `&[u32]` slices.

use crate::engine::Element;
use crate::error::{Error, Result};
use crate::ndmeasure::label::Structure;

/// What counts as an object voxel, and when two neighbours belong together.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Mode {
    /// Foreground is `value > threshold` instead of `value != 0`.
    pub threshold: Option<f64>,
    /// Neighbours connect only when their values are equal.
    pub multilabel: bool,
}

/// An earlier row the structure reaches from the current one.
#[derive(Clone, Debug)]
struct NeighbourRow {
    /// Offset along the leading axes (all axes but the last).
    lead: Vec<isize>,
    /// Offset in rows (C order over the leading axes).
    delta: usize,
    /// Inclusive ranges of shifts along the row that connect, e.g. `(-1, 1)`.
    shifts: Vec<(i64, i64)>,
}

/// How a structure connects the rows of an array of a given shape.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    shape: Vec<usize>,
    row_len: usize,
    rows: usize,
    /// Adjacent voxels of a row connect.
    along_row: bool,
    neighbours: Vec<NeighbourRow>,
}

impl Plan {
    /// The plan of `structure` over arrays of shape `shape` (same rank, checked by the caller).
    pub(crate) fn new(structure: &Structure, shape: &[usize]) -> Plan {
        let ndim = shape.len();
        let row_len = shape[ndim - 1];
        let rows = shape[..ndim - 1].iter().product();
        let mut neighbours: Vec<NeighbourRow> = Vec::new();
        for offset in structure.offsets() {
            let (lead, dx) = offset.split_at(ndim - 1);
            // Earlier rows only: the first non-zero leading component is -1.
            if lead.iter().find(|&&d| d != 0) != Some(&-1) {
                continue;
            }
            let dx = dx[0] as i64;
            match neighbours.iter_mut().find(|n| n.lead == lead) {
                Some(n) => n.shifts.push((dx, dx)),
                None => {
                    let mut delta = 0isize;
                    let mut stride = 1isize;
                    for (k, &d) in lead.iter().enumerate().rev() {
                        delta += d * stride;
                        stride *= shape[k] as isize;
                    }
                    neighbours.push(NeighbourRow {
                        lead: lead.to_vec(),
                        delta: delta.unsigned_abs(),
                        shifts: vec![(dx, dx)],
                    });
                }
            }
        }
        for n in &mut neighbours {
            // Shifts arrive sorted; merge consecutive ones into ranges.
            let mut merged: Vec<(i64, i64)> = Vec::new();
            for &(lo, hi) in &n.shifts {
                match merged.last_mut() {
                    Some(last) if last.1 + 1 == lo => last.1 = hi,
                    _ => merged.push((lo, hi)),
                }
            }
            n.shifts = merged;
        }
        let mut along = vec![0isize; ndim];
        along[ndim - 1] = 1;
        Plan {
            shape: shape.to_vec(),
            row_len,
            rows,
            along_row: structure.contains(&along),
            neighbours,
        }
    }
}

/// The runs of one array and their labels.
#[derive(Clone, Debug, Default)]
pub(crate) struct Runs {
    /// Start and end (exclusive) of every run along its row, two entries per run.
    bounds: Vec<u32>,
    /// Runs of row `r` are `row_ptr[r]..row_ptr[r + 1]`.
    row_ptr: Vec<u32>,
    /// Label (1..=count) of every run.
    labels: Vec<u32>,
    /// Flat C-order index of every label's first voxel.
    first: Vec<usize>,
    row_len: usize,
}

/// Labels `data`, a C-order array of `plan.shape()`.
///
/// Fails when the array has `u32::MAX` voxels or more (label it in chunks).
pub(crate) fn label_runs<T: Element>(data: &[T], plan: &Plan, mode: Mode) -> Result<Runs> {
    if data.len() >= u32::MAX as usize {
        return Err(Error::InvalidArgument(format!(
            "{} voxels are too many to label in one piece: label in chunks",
            data.len()
        )));
    }
    if data.is_empty() {
        return Ok(Runs {
            row_ptr: vec![0; plan.rows + 1],
            row_len: plan.row_len,
            ..Runs::default()
        });
    }
    let zero = T::zero();
    let (bounds, row_ptr) = match (mode.multilabel, mode.threshold) {
        (false, None) => extract_binary(data, plan, |v: T| v != zero),
        (false, Some(t)) => extract_binary(data, plan, |v: T| v.as_f64() > t),
        (true, None) => extract_multi(data, plan, |v: T| v != zero),
        (true, Some(t)) => extract_multi(data, plan, |v: T| v.as_f64() > t),
    };
    let parent = if mode.multilabel {
        unite::<T, true>(data, plan, &bounds, &row_ptr)
    } else {
        unite::<T, false>(data, plan, &bounds, &row_ptr)
    };
    Ok(number(parent, bounds, row_ptr, plan.row_len))
}

/// Runs of a binary image: 64 voxels at a time become a foreground bit mask,
/// whose transitions (`mask ^ (mask << 1)`) are the run bounds.
fn extract_binary<T: Copy>(
    data: &[T],
    plan: &Plan,
    fg: impl Fn(T) -> bool + Copy,
) -> (Vec<u32>, Vec<u32>) {
    let len = plan.row_len;
    let mut bounds = Vec::new();
    let mut row_ptr = Vec::with_capacity(plan.rows + 1);
    row_ptr.push(0u32);
    for row in data.chunks_exact(len) {
        if plan.along_row {
            row_bounds(row, fg, &mut bounds);
        } else {
            for (x, &v) in row.iter().enumerate() {
                if fg(v) {
                    bounds.extend_from_slice(&[x as u32, x as u32 + 1]);
                }
            }
        }
        row_ptr.push((bounds.len() / 2) as u32);
    }
    (bounds, row_ptr)
}

/// Appends the start and end of every foreground run of `row` to `bounds`.
#[inline]
fn row_bounds<T: Copy>(row: &[T], fg: impl Fn(T) -> bool, bounds: &mut Vec<u32>) {
    let mut carry = 0u64;
    let mut base = 0u32;
    let mut emit = |mask: u64, carry: &mut u64, width: u32, base: &mut u32| {
        let mut t = (mask ^ ((mask << 1) | *carry)) & (u64::MAX >> (64 - width));
        *carry = (mask >> (width - 1)) & 1;
        while t != 0 {
            bounds.push(*base + t.trailing_zeros());
            t &= t - 1;
        }
        *base += width;
    };
    let blocks = row.chunks_exact(64);
    let rest = blocks.remainder();
    let mut flags = [0u8; 64];
    for block in blocks {
        for (f, &v) in flags.iter_mut().zip(block) {
            *f = u8::from(fg(v));
        }
        emit(pack(&flags), &mut carry, 64, &mut base);
    }
    if !rest.is_empty() {
        flags = [0u8; 64];
        for (f, &v) in flags.iter_mut().zip(rest) {
            *f = u8::from(fg(v));
        }
        emit(pack(&flags), &mut carry, rest.len() as u32, &mut base);
    }
    if carry != 0 {
        bounds.push(row.len() as u32);
    }
}

/// Packs 64 flags (bytes 0 or 1) into a bit mask, flag `i` at bit `i`: the
/// multiplication gathers the low bit of each byte of a word into its top byte.
#[inline]
fn pack(flags: &[u8; 64]) -> u64 {
    let mut mask = 0u64;
    for (w, word) in flags.chunks_exact(8).enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let bits = u64::from_le_bytes(bytes).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        mask |= bits << (8 * w);
    }
    mask
}

/// Runs of equal foreground values.
fn extract_multi<T: Copy + PartialEq>(
    data: &[T],
    plan: &Plan,
    fg: impl Fn(T) -> bool,
) -> (Vec<u32>, Vec<u32>) {
    let len = plan.row_len;
    let mut bounds = Vec::new();
    let mut row_ptr = Vec::with_capacity(plan.rows + 1);
    row_ptr.push(0u32);
    for row in data.chunks_exact(len) {
        let mut x = 0;
        while x < len {
            let v = row[x];
            x += 1;
            if !fg(v) {
                continue;
            }
            let start = x - 1;
            if plan.along_row {
                while x < len && row[x] == v {
                    x += 1;
                }
            }
            bounds.extend_from_slice(&[start as u32, x as u32]);
        }
        row_ptr.push((bounds.len() / 2) as u32);
    }
    (bounds, row_ptr)
}

#[inline]
fn find(parent: &mut [u32], mut x: u32) -> u32 {
    loop {
        let p = parent[x as usize];
        if p == x {
            return x;
        }
        let gp = parent[p as usize];
        parent[x as usize] = gp;
        x = gp;
    }
}

/// Unites every run with the overlapping runs of its earlier neighbour rows;
/// returns the union-find forest (every parent index smaller than its child's).
fn unite<T: Copy + PartialEq, const MULTI: bool>(
    data: &[T],
    plan: &Plan,
    bounds: &[u32],
    row_ptr: &[u32],
) -> Vec<u32> {
    let nruns = row_ptr[plan.rows];
    let mut parent: Vec<u32> = (0..nruns).collect();
    let lead_shape = &plan.shape[..plan.shape.len() - 1];
    let mut coords = vec![0usize; lead_shape.len()];
    let len = plan.row_len;
    for r in 0..plan.rows {
        let (begin, end) = (row_ptr[r] as usize, row_ptr[r + 1] as usize);
        if begin < end {
            for nb in &plan.neighbours {
                let inside = nb
                    .lead
                    .iter()
                    .zip(&coords)
                    .zip(lead_shape)
                    .all(|((&d, &c), &n)| {
                        let j = c as isize + d;
                        j >= 0 && (j as usize) < n
                    });
                if !inside {
                    continue;
                }
                let nr = r - nb.delta;
                let (nb_begin, nb_end) = (row_ptr[nr] as usize, row_ptr[nr + 1] as usize);
                for &(lo, hi) in &nb.shifts {
                    let mut k = nb_begin;
                    for j in begin..end {
                        let a0 = i64::from(bounds[2 * j]);
                        let a1 = i64::from(bounds[2 * j + 1]);
                        // Usually zero to two runs are skipped: step twice
                        // without branching, then loop for the rest.
                        for _ in 0..2 {
                            if k < nb_end {
                                k += usize::from(i64::from(bounds[2 * k + 1]) <= a0 + lo);
                            }
                        }
                        while k < nb_end && i64::from(bounds[2 * k + 1]) <= a0 + lo {
                            k += 1;
                        }
                        let mut m = k;
                        // The root of run j: run j is the newest run, so every
                        // union hangs one root below the smaller one.
                        let mut root = find(&mut parent, j as u32);
                        while m < nb_end && i64::from(bounds[2 * m]) < a1 + hi {
                            if !MULTI
                                || data[r * len + bounds[2 * j] as usize]
                                    == data[nr * len + bounds[2 * m] as usize]
                            {
                                let other = find(&mut parent, m as u32);
                                let (low, high) = (root.min(other), root.max(other));
                                parent[high as usize] = low;
                                root = low;
                            }
                            m += 1;
                        }
                    }
                }
            }
        }
        for (c, &n) in coords.iter_mut().zip(lead_shape).rev() {
            *c += 1;
            if *c < n {
                break;
            }
            *c = 0;
        }
    }
    parent
}

/// Turns the forest into labels numbered in run (= raster) order of the roots.
fn number(mut parent: Vec<u32>, bounds: Vec<u32>, row_ptr: Vec<u32>, row_len: usize) -> Runs {
    let mut count = 0u32;
    let mut first = Vec::new();
    for r in 0..row_ptr.len() - 1 {
        for j in row_ptr[r] as usize..row_ptr[r + 1] as usize {
            let p = parent[j] as usize;
            if p == j {
                count += 1;
                parent[j] = count;
                first.push(r * row_len + bounds[2 * j] as usize);
            } else {
                // Parents precede their children and already hold their label.
                parent[j] = parent[p];
            }
        }
    }
    Runs {
        bounds,
        row_ptr,
        labels: parent,
        first,
        row_len,
    }
}

impl Runs {
    /// Number of labels.
    pub(crate) fn count(&self) -> usize {
        self.first.len()
    }

    /// Flat C-order index of the first voxel of every label (label `l` at `l - 1`).
    pub(crate) fn first_voxels(&self) -> &[usize] {
        &self.first
    }

    fn rows(&self) -> usize {
        self.row_ptr.len() - 1
    }

    fn runs_of(&self, row: usize) -> std::ops::Range<usize> {
        self.row_ptr[row] as usize..self.row_ptr[row + 1] as usize
    }

    /// Writes `map(label)` on every run and `background` on every other voxel
    /// of `out` (C order, the labeled array's shape).
    pub(crate) fn write<L: Copy>(&self, out: &mut [L], background: L, map: impl Fn(u32) -> L) {
        if self.row_len == 0 {
            return;
        }
        for (r, row) in out.chunks_exact_mut(self.row_len).enumerate() {
            let mut done = 0;
            for j in self.runs_of(r) {
                let (s, e) = (self.bounds[2 * j] as usize, self.bounds[2 * j + 1] as usize);
                row[done..s].fill(background);
                row[s..e].fill(map(self.labels[j]));
                done = e;
            }
            row[done..].fill(background);
        }
    }

    /// Bytes held by the runs.
    pub(crate) fn heap_size(&self) -> usize {
        4 * (self.bounds.len() + self.row_ptr.len() + self.labels.len()) + 8 * self.first.len()
    }

    /// The labels on the first (`high == false`) or last plane along `axis` of
    /// an array of shape `shape`, flat in C order over the remaining axes.
    pub(crate) fn face(&self, shape: &[usize], axis: usize, high: bool) -> Vec<u32> {
        let ndim = shape.len();
        let len = self.row_len;
        if axis == ndim - 1 {
            return (0..self.rows())
                .map(|r| {
                    let runs = self.runs_of(r);
                    if runs.is_empty() {
                        return 0;
                    }
                    let j = if high { runs.end - 1 } else { runs.start };
                    let hit = if high {
                        self.bounds[2 * j + 1] as usize == len
                    } else {
                        self.bounds[2 * j] == 0
                    };
                    if hit {
                        self.labels[j]
                    } else {
                        0
                    }
                })
                .collect();
        }
        let outer: usize = shape[..axis].iter().product();
        let inner: usize = shape[axis + 1..ndim - 1].iter().product();
        let c = if high { shape[axis] - 1 } else { 0 };
        let mut face = vec![0u32; outer * inner * len];
        for o in 0..outer {
            for i in 0..inner {
                let r = (o * shape[axis] + c) * inner + i;
                let row = &mut face[(o * inner + i) * len..(o * inner + i + 1) * len];
                for j in self.runs_of(r) {
                    let (s, e) = (self.bounds[2 * j] as usize, self.bounds[2 * j + 1] as usize);
                    row[s..e].fill(self.labels[j]);
                }
            }
        }
        face
    }
}

//! The one-pass per-label accumulator of the region properties: counts,
//! bounding boxes, raw spatial moments, intensity statistics and weighted
//! moments, accumulated run by run and merged across chunks.
//!
//! Moments are kept about a per-object origin (the first voxel the chunk met)
//! so that sums of high powers stay small; merging moves one side's moments to
//! the other's origin with the binomial theorem.

use std::sync::Arc;

use ndarray::ArrayViewD;

use crate::engine::{DataType, Element};
use crate::ndmeasure::labels::LabelValue;
use crate::ndmeasure::regionprops::compact::Compact;
use crate::ndmeasure::regionprops::extra::RegionAccumulator;
use crate::ndmeasure::regionprops::moments::{power_sums, shift};
use crate::ndmeasure::sparse::{Partial, RunScan, merge_sorted};

/// What one pass accumulates, decided from the requested properties.
#[derive(Clone)]
pub(crate) struct Plan {
    /// Number of axes of the label image (2 or 3).
    pub ndim: usize,
    /// Highest power per axis of the spatial moments (0: none).
    pub order: usize,
    /// Number of intensity channels (0: no intensity image).
    pub channels: usize,
    /// Which intensity statistics are wanted.
    pub stats: Stats,
    /// Highest power per axis of the intensity-weighted moments (0: none).
    pub weighted_order: usize,
    /// User accumulators.
    pub extras: Vec<Arc<dyn RegionAccumulator>>,
}

/// The intensity statistics one pass gathers, besides the value sums (which
/// every pass reading values gathers).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Stats {
    /// The value sums, for the mean.
    pub mean: bool,
    /// The smallest and largest values.
    pub extrema: bool,
    /// The squared deviations, for the standard deviation.
    pub spread: bool,
}

impl Stats {
    /// Whether any statistic is wanted.
    pub(crate) fn any(self) -> bool {
        self.mean || self.extrema || self.spread
    }
}

impl Plan {
    fn moments_len(&self, order: usize) -> usize {
        if order == 0 {
            0
        } else {
            (order + 1).pow(self.ndim as u32)
        }
    }
}

/// Intensity statistics and weighted moments of one channel of one object.
#[derive(Clone, Debug)]
pub(crate) struct Channel {
    pub min: f64,
    pub max: f64,
    pub sum: f64,
    /// Mean and sum of squared deviations (Chan's merge), valid once sealed.
    pub mean: f64,
    pub m2: f64,
    /// While scanning one chunk: the value sums are shifted by `shift`.
    pub shift: f64,
    shifted_sum: f64,
    shifted_sq: f64,
    /// Raw intensity-weighted moments about the object's origin.
    pub weighted: Vec<f64>,
}

/// Everything one pass knows about one object.
#[derive(Clone, Debug)]
pub(crate) struct RegionAcc {
    pub count: u64,
    /// Smallest and largest coordinate along every axis (inclusive).
    pub lo: Vec<usize>,
    pub hi: Vec<usize>,
    /// The point the moments are taken about.
    pub origin: Vec<i64>,
    /// Raw moments about `origin`, C order over per-axis powers `0..=order`.
    pub moments: Vec<f64>,
    pub channels: Vec<Channel>,
    /// The states of the user accumulators, one after the other.
    pub extra: Vec<f64>,
}

impl RegionAcc {
    /// An object not met yet.
    pub(crate) fn new(plan: &Plan) -> Self {
        let weighted = plan.moments_len(plan.weighted_order);
        let channel = Channel {
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum: 0.0,
            mean: 0.0,
            m2: 0.0,
            shift: f64::NAN,
            shifted_sum: 0.0,
            shifted_sq: 0.0,
            weighted: vec![0.0; weighted],
        };
        let mut extra = Vec::new();
        for e in &plan.extras {
            let start = extra.len();
            extra.resize(start + e.state_len(), 0.0);
            e.init(&mut extra[start..]);
        }
        RegionAcc {
            count: 0,
            lo: vec![usize::MAX; plan.ndim],
            hi: vec![0; plan.ndim],
            origin: vec![0; plan.ndim],
            moments: vec![0.0; plan.moments_len(plan.order)],
            channels: vec![
                channel;
                if plan.stats.any() || weighted > 0 {
                    plan.channels
                } else {
                    0
                }
            ],
            extra,
        }
    }

    /// Turns the chunk's shifted value sums into mean and M2.
    fn seal(&mut self) {
        let n = self.count as f64;
        for c in &mut self.channels {
            c.mean = c.shift + c.shifted_sum / n;
            c.m2 = (c.shifted_sq - c.shifted_sum * c.shifted_sum / n).max(0.0);
        }
    }

    /// Adds the accumulator of a disjoint set of voxels of the same object.
    pub(crate) fn merge(&mut self, mut other: RegionAcc, plan: &Plan) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other;
            return;
        }
        let delta: Vec<f64> = other
            .origin
            .iter()
            .zip(&self.origin)
            .map(|(b, a)| (b - a) as f64)
            .collect();
        shift(&mut other.moments, plan.ndim, plan.order, &delta);
        for (a, b) in self.moments.iter_mut().zip(&other.moments) {
            *a += b;
        }
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        for (a, mut b) in self.channels.iter_mut().zip(other.channels) {
            a.min = a.min.min(b.min);
            a.max = a.max.max(b.max);
            a.sum += b.sum;
            let d = b.mean - a.mean;
            a.mean += d * nb / n;
            a.m2 += b.m2 + d * d * na * nb / n;
            shift(&mut b.weighted, plan.ndim, plan.weighted_order, &delta);
            for (x, y) in a.weighted.iter_mut().zip(&b.weighted) {
                *x += y;
            }
        }
        let mut start = 0;
        for e in &plan.extras {
            let len = e.state_len();
            e.merge(
                &mut self.extra[start..start + len],
                &other.extra[start..start + len],
            );
            start += len;
        }
        for d in 0..plan.ndim {
            self.lo[d] = self.lo[d].min(other.lo[d]);
            self.hi[d] = self.hi[d].max(other.hi[d]);
        }
        self.count += other.count;
    }
}

/// Merges two partials of region accumulators.
pub(crate) fn merge(
    a: Partial<RegionAcc>,
    b: Partial<RegionAcc>,
    plan: &Plan,
) -> Partial<RegionAcc> {
    merge_sorted(a, b, |x, y| x.merge(y, plan))
}

/// Accumulates one block of labels, slab after slab along its first axis:
/// the result equals one scan of the whole block.
pub(crate) struct BlockScan<'p> {
    plan: &'p Plan,
    scan: Scan,
}

/// The scan of a block, in compact accumulators when they fit the plan.
enum Scan {
    General {
        runs: RunScan<RegionAcc>,
        coords: Vec<usize>,
        scratch: Vec<f64>,
    },
    Compact(RunScan<Compact>),
}

impl<'p> BlockScan<'p> {
    /// An empty scan of a block of `voxels` voxels.
    pub(crate) fn new(plan: &'p Plan, voxels: usize) -> Self {
        let scan = if Compact::fits(plan) {
            Scan::Compact(RunScan::new(voxels))
        } else {
            Scan::General {
                runs: RunScan::new(voxels),
                coords: vec![0; plan.ndim],
                scratch: Vec::new(),
            }
        };
        BlockScan { plan, scan }
    }

    /// Adds the next slab of labels, starting at `origin`, with its intensity
    /// slab (the labels' shape plus a trailing channel axis of
    /// `plan.channels` entries, C-contiguous) when the plan needs one.
    pub(crate) fn add<L: LabelValue, T: Element>(
        &mut self,
        labels: &ArrayViewD<'_, L>,
        intensity: Option<&[T]>,
        origin: &[usize],
    ) {
        let plan = self.plan;
        let row_len = labels.shape().last().copied().unwrap_or(1);
        let channels = plan.channels.max(1);
        match &mut self.scan {
            Scan::General {
                runs,
                coords,
                scratch,
            } => runs.scan(
                labels,
                false,
                |_| RegionAcc::new(plan),
                |acc, row, r, run| {
                    for d in 0..plan.ndim - 1 {
                        coords[d] = origin[d] + row[d];
                    }
                    let last = plan.ndim - 1;
                    coords[last] = origin[last] + run.start;
                    let values = intensity.map(|v| {
                        let start = (r * row_len + run.start) * channels;
                        &v[start..start + run.len() * channels]
                    });
                    add_run(acc, plan, coords, run.len(), values, scratch);
                },
            ),
            Scan::Compact(runs) => {
                let moments = plan.order > 0;
                // A 2-D block is the plane z = 0.
                let (z_axis, y_axis) = if plan.ndim == 3 {
                    (Some(0), 1)
                } else {
                    (None, 0)
                };
                runs.scan(
                    labels,
                    false,
                    |_| Compact::new(),
                    |acc, row, r, run| {
                        let z = z_axis.map_or(0, |a| origin[a] + row[a]);
                        let y = origin[y_axis] + row[y_axis];
                        let x = origin[y_axis + 1] + run.start;
                        let values = intensity.map(|v| &v[r * row_len + run.start..][..run.len()]);
                        acc.add([z, y, x], run.len(), moments, values);
                    },
                )
            }
        }
    }

    /// The accumulators of the block, sorted by label.
    pub(crate) fn finish(self) -> Partial<RegionAcc> {
        let mut partial = match self.scan {
            Scan::General { runs, .. } => runs.finish(),
            Scan::Compact(runs) => runs
                .finish()
                .into_iter()
                .map(|(label, acc)| (label, acc.into_region(self.plan)))
                .collect(),
        };
        for (_, acc) in &mut partial {
            acc.seal();
        }
        partial
    }
}

/// Adds the run of `len` voxels starting at `coords` along the last axis.
fn add_run<T: Element>(
    acc: &mut RegionAcc,
    plan: &Plan,
    coords: &[usize],
    len: usize,
    values: Option<&[T]>,
    scratch: &mut Vec<f64>,
) {
    let ndim = plan.ndim;
    let last = ndim - 1;
    if acc.count == 0 {
        for (o, &c) in acc.origin.iter_mut().zip(coords) {
            *o = c as i64;
        }
    }
    acc.count += len as u64;
    for (d, &c) in coords[..last].iter().enumerate() {
        acc.lo[d] = acc.lo[d].min(c);
        acc.hi[d] = acc.hi[d].max(c);
    }
    acc.lo[last] = acc.lo[last].min(coords[last]);
    acc.hi[last] = acc.hi[last].max(coords[last] + len - 1);

    // Products of the powers of the other axes' offsets, C order.
    let mut outer = [0.0f64; 16];
    let outer_len = |order: usize| (order + 1).pow(last as u32);
    let fill_outer = |outer: &mut [f64; 16], order: usize| {
        outer[0] = 1.0;
        let mut n = 1;
        for (&c, &o) in coords[..last].iter().zip(&acc.origin) {
            let y = (c as i64 - o) as f64;
            for i in (0..n).rev() {
                let w = outer[i];
                let mut p = w;
                for k in 0..=order {
                    outer[i * (order + 1) + k] = p;
                    p *= y;
                }
            }
            n *= order + 1;
        }
    };
    let x0 = coords[last] as i64 - acc.origin[last];
    if plan.order > 0 {
        fill_outer(&mut outer, plan.order);
        let sums = power_sums(x0, len as i64, plan.order);
        let stride = plan.order + 1;
        for (i, &w) in outer[..outer_len(plan.order)].iter().enumerate() {
            let row = &mut acc.moments[i * stride..(i + 1) * stride];
            for (m, s) in row.iter_mut().zip(&sums) {
                *m += w * s;
            }
        }
    }
    let nch = plan.channels;
    if let Some(values) = values {
        if plan.weighted_order > 0 {
            fill_outer(&mut outer, plan.weighted_order);
        }
        add_values(
            acc,
            plan,
            &outer[..outer_len(plan.weighted_order)],
            x0,
            values,
        );
    }
    if !plan.extras.is_empty() {
        scratch.clear();
        scratch.extend(values.unwrap_or(&[]).iter().map(|v| v.as_f64()));
        let mut start = 0;
        for e in &plan.extras {
            let n = e.state_len();
            e.add_run(&mut acc.extra[start..start + n], coords, len, scratch, nch);
            start += n;
        }
    }
}

/// Adds the intensity values of a run (channels interleaved) whose first
/// voxel is `x0` past the origin along the last axis; `outer` holds the
/// products of the powers of the other axes' offsets.
fn add_values<T: Element>(acc: &mut RegionAcc, plan: &Plan, outer: &[f64], x0: i64, values: &[T]) {
    let nch = plan.channels;
    let exact = plan.weighted_order == 0 && small_integers::<T>() && values.len() <= EXACT_RUN;
    for (c, ch) in acc.channels.iter_mut().enumerate() {
        if ch.shift.is_nan() {
            ch.shift = values[c].as_f64();
        }
        if exact {
            // The shift is one of the values: an integer.
            let shift = ch.shift as i64;
            let sums = if nch == 1 {
                integer_sums(values.iter(), shift)
            } else {
                integer_sums(values.iter().skip(c).step_by(nch), shift)
            };
            ch.add_sums(&sums, plan.stats);
            continue;
        }
        if plan.weighted_order == 0 && nch == 1 {
            ch.add_sums(&float_sums(values, ch.shift, plan.stats), plan.stats);
            continue;
        }
        let (mut lo, mut hi) = (ch.min, ch.max);
        let (mut raw, mut s, mut sq) = (0.0, 0.0, 0.0);
        let mut w = [0.0f64; 4];
        let order = plan.weighted_order;
        for (i, v) in values.iter().skip(c).step_by(nch).enumerate() {
            let v = v.as_f64();
            if plan.stats.extrema {
                lo = lo.min(v);
                hi = hi.max(v);
            }
            if plan.stats.spread {
                let d = v - ch.shift;
                s += d;
                sq += d * d;
            }
            raw += v;
            if order > 0 {
                let t = (x0 + i as i64) as f64;
                let mut p = v;
                for wk in w.iter_mut().take(order + 1) {
                    *wk += p;
                    p *= t;
                }
            }
        }
        ch.min = lo;
        ch.max = hi;
        ch.sum += raw;
        ch.shifted_sum += s;
        ch.shifted_sq += sq;
        if order > 0 {
            let stride = order + 1;
            for (i, &o) in outer.iter().enumerate() {
                for (m, wk) in ch.weighted[i * stride..(i + 1) * stride].iter_mut().zip(&w) {
                    *m += o * wk;
                }
            }
        }
    }
}

impl Channel {
    /// Adds the sums of a run, and its extrema and squared deviations when
    /// `stats` wants them.
    fn add_sums(&mut self, sums: &FloatSums, stats: Stats) {
        if stats.extrema {
            self.min = self.min.min(sums.min);
            self.max = self.max.max(sums.max);
        }
        if stats.spread {
            self.shifted_sum += sums.shifted;
            self.shifted_sq += sums.shifted_sq;
        }
        self.sum += sums.raw;
    }
}

/// The extrema and sums of a run of values, in `f64`.
struct FloatSums {
    min: f64,
    max: f64,
    raw: f64,
    /// Sums of the differences to the shift and of their squares.
    shifted: f64,
    shifted_sq: f64,
}

/// The sums of `values`, and the extrema and squared deviations from `shift`
/// when `stats` wants them (else infinite extrema and zero deviations).
fn float_sums<T: Element>(values: &[T], shift: f64, stats: Stats) -> FloatSums {
    match (stats.extrema, stats.spread) {
        (false, false) => lanes::<T, false, false>(values, shift),
        (true, false) => lanes::<T, true, false>(values, shift),
        (false, true) => lanes::<T, false, true>(values, shift),
        (true, true) => lanes::<T, true, true>(values, shift),
    }
}

/// Independent partial sums that the compiler keeps in vector registers.
const LANES: usize = 8;

/// [`float_sums`] for one choice of statistics: value `i` goes to lane
/// `i % LANES`, and the lanes are added up at the end.
fn lanes<T: Element, const EXTREMA: bool, const SPREAD: bool>(
    values: &[T],
    shift: f64,
) -> FloatSums {
    let mut lo = [f64::INFINITY; LANES];
    let mut hi = [f64::NEG_INFINITY; LANES];
    let mut raw = [0.0f64; LANES];
    let mut s = [0.0f64; LANES];
    let mut sq = [0.0f64; LANES];
    let add = |k: usize, v: f64| {
        raw[k] += v;
        if EXTREMA {
            lo[k] = lo[k].min(v);
            hi[k] = hi[k].max(v);
        }
        if SPREAD {
            let d = v - shift;
            s[k] += d;
            sq[k] += d * d;
        }
    };
    each_in_lanes::<LANES, T>(values, add);
    FloatSums {
        min: lo.into_iter().fold(f64::INFINITY, f64::min),
        max: hi.into_iter().fold(f64::NEG_INFINITY, f64::max),
        raw: raw.iter().sum(),
        shifted: s.iter().sum(),
        shifted_sq: sq.iter().sum(),
    }
}

/// Calls `add(i % N, value i)` for every value, in blocks of `N` that the
/// compiler unrolls, so that `N` independent lanes stay in registers (inlined
/// always: called, the lanes would live in memory).
#[inline(always)]
pub(crate) fn each_in_lanes<const N: usize, T: Element>(
    values: &[T],
    mut add: impl FnMut(usize, f64),
) {
    let blocks = values.chunks_exact(N);
    let rest = blocks.remainder();
    for block in blocks {
        for (k, v) in block.iter().enumerate() {
            add(k, v.as_f64());
        }
    }
    for (k, v) in rest.iter().enumerate() {
        add(k, v.as_f64());
    }
}

/// Runs of 8- or 16-bit integers up to this many values are summed in
/// integers: every partial sum (of values, of differences and of their
/// squares, below 2^52) is exact in `f64` too, so the sums equal the ones
/// [`add_values`] adds up in `f64` value by value, bit for bit.
const EXACT_RUN: usize = 1 << 20;

/// Whether `T` is an 8- or 16-bit integer type.
fn small_integers<T: Element>() -> bool {
    matches!(
        T::DTYPE,
        DataType::U8 | DataType::U16 | DataType::I8 | DataType::I16
    )
}

/// [`FloatSums`] of a run of integer values, summed in integers (exact).
fn integer_sums<'a, T: Element>(values: impl Iterator<Item = &'a T>, shift: i64) -> FloatSums {
    let (mut min, mut max) = (i64::MAX, i64::MIN);
    let (mut raw, mut shifted, mut shifted_sq) = (0i64, 0i64, 0i64);
    for v in values {
        let v = v.to_i64().unwrap_or(0);
        let d = v - shift;
        min = min.min(v);
        max = max.max(v);
        raw += v;
        shifted += d;
        shifted_sq += d * d;
    }
    FloatSums {
        min: min as f64,
        max: max as f64,
        raw: raw as f64,
        shifted: shifted as f64,
        shifted_sq: shifted_sq as f64,
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{ArrayD, Axis, Slice};

    use super::{BlockScan, Compact, Plan, Stats};

    /// Labels that appear slab after slab, below and far above the first
    /// slab's (the slot table widens, then turns into a hash map).
    fn labels() -> ArrayD<u32> {
        ArrayD::from_shape_fn(vec![7, 5, 6], |i| {
            let v = (i[0] * 31 + i[1] * 7 + i[2] * 3) % 11;
            match v {
                0..=2 => 0,
                3 if i[0] >= 3 => 1_000_000,
                4 if i[0] >= 2 => 1,
                v => 100 + v as u32 + 10 * i[0] as u32,
            }
        })
    }

    fn plan(weighted_order: usize) -> Plan {
        Plan {
            ndim: 3,
            order: 3,
            channels: 1,
            stats: super::Stats {
                mean: true,
                extrema: true,
                spread: true,
            },
            weighted_order,
            extras: Vec::new(),
        }
    }

    /// The accumulators of `labels` scanned in slabs of `depth` planes, as text
    /// (every `f64` printed exactly).
    fn scanned<T: crate::Element>(plan: &Plan, values: &ArrayD<T>, depth: usize) -> String {
        let labels = labels();
        let origin = [2, 3, 4];
        let mut scan = BlockScan::new(plan, labels.len());
        for start in (0..labels.shape()[0]).step_by(depth) {
            let slab = Slice::from(start..(start + depth).min(labels.shape()[0]));
            let block = labels.slice_axis(Axis(0), slab);
            let part = values.slice_axis(Axis(0), slab).to_owned();
            let at = [origin[0] + start, origin[1], origin[2]];
            scan.add(&block, part.as_slice(), &at);
        }
        format!("{:?}", scan.finish())
    }

    #[test]
    fn slabs_and_integer_sums_equal_one_scan_bit_for_bit() {
        let u16s = ArrayD::from_shape_fn(vec![7, 5, 6], |i| {
            ((i[0] * 13 + i[1] * 5 + i[2]) % 17) as u16 * 3001
        });
        let f32s = u16s.mapv(f32::from);
        for weighted_order in [0, 1, 3] {
            let plan = plan(weighted_order);
            let whole = scanned(&plan, &f32s, 7);
            assert!(whole.contains("1000000"));
            for depth in [1, 2, 3, 7] {
                assert_eq!(scanned(&plan, &f32s, depth), whole);
                assert_eq!(scanned(&plan, &u16s, depth), whole);
            }
        }
    }

    /// A user accumulator that keeps nothing: a plan with it takes the
    /// general path.
    struct Nothing;

    impl crate::ndmeasure::RegionAccumulator for Nothing {
        fn name(&self) -> &str {
            "nothing"
        }
        fn state_len(&self) -> usize {
            0
        }
        fn init(&self, _: &mut [f64]) {}
        fn add_run(&self, _: &mut [f64], _: &[usize], _: usize, _: &[f64], _: usize) {}
        fn merge(&self, _: &mut [f64], _: &[f64]) {}
        fn finish(&self, _: &[f64]) -> Vec<f64> {
            Vec::new()
        }
    }

    /// The compact accumulators give what the general ones give, 2-D and
    /// 3-D, with and without centroids and values: counts, boxes, origins
    /// and moments exactly, value sums to rounding (lanes add up in another
    /// order), extrema exactly.
    #[test]
    fn compact_accumulators_equal_general_ones() {
        let labels3 = labels();
        let labels2 = labels3.index_axis(Axis(0), 4).to_owned();
        let values3 = ArrayD::from_shape_fn(vec![7, 5, 6], |i| {
            ((i[0] * 13 + i[1] * 5 + i[2]) % 17) as f32 * 0.37 - 2.1
        });
        let values2 = values3.index_axis(Axis(0), 4).to_owned();
        for (labels, values) in [(&labels3, &values3), (&labels2, &values2)] {
            for (order, channels) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let compact = Plan {
                    ndim: labels.ndim(),
                    order,
                    channels,
                    stats: Stats {
                        mean: channels > 0,
                        extrema: channels > 0,
                        spread: false,
                    },
                    weighted_order: 0,
                    extras: Vec::new(),
                };
                let general = Plan {
                    extras: vec![std::sync::Arc::new(Nothing)],
                    ..compact.clone()
                };
                assert!(Compact::fits(&compact) && !Compact::fits(&general));
                let scan = |plan: &Plan| {
                    let mut scan = BlockScan::new(plan, labels.len());
                    let origin = vec![3; labels.ndim()];
                    scan.add(
                        &labels.view(),
                        (channels > 0).then(|| values.as_slice().unwrap()),
                        &origin,
                    );
                    scan.finish()
                };
                let (a, b) = (scan(&compact), scan(&general));
                assert_eq!(a.len(), b.len());
                for ((la, a), (lb, b)) in a.iter().zip(&b) {
                    assert_eq!(la, lb);
                    assert_eq!((a.count, &a.lo, &a.hi), (b.count, &b.lo, &b.hi));
                    assert_eq!((&a.origin, &a.moments), (&b.origin, &b.moments));
                    assert_eq!(a.channels.len(), b.channels.len());
                    for (a, b) in a.channels.iter().zip(&b.channels) {
                        assert_eq!((a.min, a.max), (b.min, b.max));
                        assert!((a.sum - b.sum).abs() <= 1e-12 * b.sum.abs().max(1.0));
                    }
                }
            }
        }
    }

    /// A plan gathering some statistics gives the same values for them as
    /// one gathering all, on values whose sums round (lanes add them up in
    /// another order than one by one).
    #[test]
    fn each_statistic_alone_equals_all_of_them() {
        let labels = labels();
        let values = ArrayD::from_shape_fn(vec![7, 5, 6], |i| {
            ((i[0] * 13 + i[1] * 5 + i[2]) % 17) as f32 * 0.37 - 2.1
        });
        let scan = |stats: Stats| {
            let plan = Plan { stats, ..plan(0) };
            let mut scan = BlockScan::new(&plan, labels.len());
            scan.add(&labels.view(), values.as_slice(), &[0, 0, 0]);
            scan.finish()
        };
        let all = scan(Stats {
            mean: true,
            extrema: true,
            spread: true,
        });
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(1.0);
        for (mean, extrema, spread) in [
            (true, false, false),
            (false, true, false),
            (false, false, true),
        ] {
            let some = scan(Stats {
                mean,
                extrema,
                spread,
            });
            assert_eq!(some.len(), all.len());
            for ((la, a), (lb, b)) in all.iter().zip(&some) {
                assert_eq!(la, lb);
                let (a, b) = (&a.channels[0], &b.channels[0]);
                assert!(close(a.sum, b.sum), "sum {} {}", a.sum, b.sum);
                if extrema {
                    assert_eq!((a.min, a.max), (b.min, b.max));
                }
                if spread {
                    assert!(close(a.m2, b.m2), "m2 {} {}", a.m2, b.m2);
                    assert!(close(a.mean, b.mean));
                }
            }
        }
    }
}

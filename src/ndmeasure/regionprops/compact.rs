//! The one-pass accumulator for the common plans: counts, bounding boxes,
//! centroids and the extrema and mean of one intensity channel, in
//! fixed-size fields that one run updates without loops over axes or
//! channels. Turned into a [`RegionAcc`] when the block's scan ends.

use crate::engine::Element;
use crate::ndmeasure::regionprops::accumulate::{Plan, RegionAcc, each_in_lanes};

/// Independent value sums and extrema kept per object across runs, so that
/// a run adds its values without adding lanes up.
const LANES: usize = 4;

/// What one object has gathered, with coordinates taken as 3-D (a 2-D image
/// is the plane `z = 0`).
#[derive(Clone, Debug)]
pub(crate) struct Compact {
    count: u64,
    lo: [usize; 3],
    hi: [usize; 3],
    /// The object's first voxel, which the moments are taken about.
    origin: [usize; 3],
    /// Raw moments of order at most 1 per axis about `origin`, in the order
    /// of [`RegionAcc::moments`] (`z` power, then `y`, then `x`).
    moments: [f64; 8],
    sum: [f64; LANES],
    min: [f64; LANES],
    max: [f64; LANES],
}

impl Compact {
    /// Whether `plan` is one the compact accumulator gathers: 2-D or 3-D,
    /// spatial moments up to order 1, at most one intensity channel, no
    /// standard deviation, no weighted moments, no user accumulators.
    pub(crate) fn fits(plan: &Plan) -> bool {
        matches!(plan.ndim, 2 | 3)
            && plan.order <= 1
            && plan.weighted_order == 0
            && plan.channels <= 1
            && !plan.stats.spread
            && plan.extras.is_empty()
    }

    /// An object not met yet.
    pub(crate) fn new() -> Self {
        Compact {
            count: 0,
            lo: [usize::MAX; 3],
            hi: [0; 3],
            origin: [0; 3],
            moments: [0.0; 8],
            sum: [0.0; LANES],
            min: [f64::INFINITY; LANES],
            max: [f64::NEG_INFINITY; LANES],
        }
    }

    /// Adds the run of `len` voxels from `(z, y, x)` along `x`, with their
    /// values when the plan reads values; the moments only when `moments`.
    #[inline(always)]
    pub(crate) fn add<T: Element>(
        &mut self,
        [z, y, x]: [usize; 3],
        len: usize,
        moments: bool,
        values: Option<&[T]>,
    ) {
        if self.count == 0 {
            self.origin = [z, y, x];
        }
        self.count += len as u64;
        let end = x + len - 1;
        self.lo = [self.lo[0].min(z), self.lo[1].min(y), self.lo[2].min(x)];
        self.hi = [self.hi[0].max(z), self.hi[1].max(y), self.hi[2].max(end)];
        if moments {
            // The products and sums the general accumulator forms, in the
            // same order: the same floating-point values.
            let dz = (z as i64 - self.origin[0] as i64) as f64;
            let dy = (y as i64 - self.origin[1] as i64) as f64;
            // The sum of the run's x offsets, the integer `power_sums` gives.
            let (x0, n) = (x as i64 - self.origin[2] as i64, len as i64);
            let sums = [n as f64, (n * x0 + n * (n - 1) / 2) as f64];
            for (i, w) in [1.0, dy, dz, dz * dy].into_iter().enumerate() {
                self.moments[2 * i] += w * sums[0];
                self.moments[2 * i + 1] += w * sums[1];
            }
        }
        if let Some(values) = values {
            self.add_values(values);
        }
    }

    /// Adds values to the lanes: value `i` of the run to lane `i % LANES`.
    #[inline]
    fn add_values<T: Element>(&mut self, values: &[T]) {
        let (mut sum, mut min, mut max) = (self.sum, self.min, self.max);
        each_in_lanes::<LANES, T>(values, |k, v| {
            sum[k] += v;
            // NaN is skipped, as `f64::min` and `f64::max` skip it.
            min[k] = if v < min[k] { v } else { min[k] };
            max[k] = if v > max[k] { v } else { max[k] };
        });
        (self.sum, self.min, self.max) = (sum, min, max);
    }

    /// The general accumulator of the same object, before sealing.
    pub(crate) fn into_region(self, plan: &Plan) -> RegionAcc {
        let mut acc = RegionAcc::new(plan);
        let axes = 3 - plan.ndim..3;
        acc.count = self.count;
        acc.lo = self.lo[axes.clone()].to_vec();
        acc.hi = self.hi[axes.clone()].to_vec();
        acc.origin = self.origin[axes].iter().map(|&o| o as i64).collect();
        let n = acc.moments.len();
        acc.moments.copy_from_slice(&self.moments[..n]);
        if let Some(channel) = acc.channels.first_mut() {
            channel.min = self.min.into_iter().fold(f64::INFINITY, f64::min);
            channel.max = self.max.into_iter().fold(f64::NEG_INFINITY, f64::max);
            channel.sum = self.sum.iter().sum();
            channel.shift = 0.0;
        }
        acc
    }
}

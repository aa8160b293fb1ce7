//! Minimum and maximum kernels: separable running extrema (van Herk/Gil-Werman)
//! for boxes, and a direct kernel for any footprint with optional additive
//! structure values (scipy's non-flat grey morphology).

use std::borrow::Cow;

use ndarray::ArrayViewD;
use rayon::prelude::*;

use super::{BlockGeometry, block_offsets, from_vec};
use crate::Result;
use crate::engine::Element;
use crate::ndfilters::Footprint;

/// Which extremum a kernel keeps.
pub(crate) trait Extremum: Send + Sync {
    /// `b` if it beats `a`, else `a` (ties and NaN keep `a`, as scipy's loops).
    fn pick<T: PartialOrd>(a: T, b: T) -> T;
}

/// Keeps the smaller value.
pub(crate) struct Min;
/// Keeps the larger value.
pub(crate) struct Max;

impl Extremum for Min {
    #[inline(always)]
    fn pick<T: PartialOrd>(a: T, b: T) -> T {
        if b < a { b } else { a }
    }
}

impl Extremum for Max {
    #[inline(always)]
    fn pick<T: PartialOrd>(a: T, b: T) -> T {
        if b > a { b } else { a }
    }
}

/// Rows per parallel task of the running passes, so small arrays stay on one thread.
const MIN_TASK_ELEMENTS: usize = 1 << 14;

/// The box extremum of a padded block: one running 1-D pass per axis.
pub(crate) fn separable<T: Element, E: Extremum>(
    padded: ArrayViewD<'_, T>,
    pad: &[usize],
    out_shape: &[usize],
    footprint: &Footprint,
) -> Result<ndarray::ArrayD<T>> {
    let padded = padded.as_standard_layout();
    let mut shape = padded.shape().to_vec();
    let mut data: Cow<'_, [T]> = match padded.as_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(padded.iter().copied().collect()),
    };
    for axis in 0..shape.len() {
        let window = footprint.mask().shape()[axis];
        let low = pad[axis] as isize - (window / 2) as isize - footprint.origin()[axis];
        let pass = Pass {
            outer: shape[..axis].iter().product(),
            len: shape[axis],
            inner: shape[axis + 1..].iter().product(),
            start: low as usize,
            window,
            out_len: out_shape[axis],
        };
        data = Cow::Owned(pass.run::<T, E>(&data));
        shape[axis] = out_shape[axis];
    }
    from_vec(out_shape, data.into_owned())
}

/// One running pass along an axis of a C-order array seen as `outer × len × inner`:
/// output `j` is the extremum of input rows `start + j .. start + j + window`.
struct Pass {
    outer: usize,
    len: usize,
    inner: usize,
    start: usize,
    window: usize,
    out_len: usize,
}

impl Pass {
    fn run<T: Element, E: Extremum>(&self, input: &[T]) -> Vec<T> {
        let mut out = vec![T::zero(); self.outer * self.out_len * self.inner];
        if out.is_empty() {
            return out;
        }
        let span = self.out_len + self.window - 1;
        if self.inner == 1 {
            let lanes_per_task = (MIN_TASK_ELEMENTS / self.len.max(1)).max(1);
            out.par_chunks_mut(self.out_len * lanes_per_task)
                .enumerate()
                .for_each(|(task, lanes)| {
                    let mut g = vec![T::zero(); span];
                    let mut h = vec![T::zero(); span];
                    for (k, lane_out) in lanes.chunks_mut(self.out_len).enumerate() {
                        let o = task * lanes_per_task + k;
                        let lane = &input[o * self.len + self.start..][..span];
                        running_lane::<T, E>(lane, self.window, &mut g, &mut h, lane_out);
                    }
                });
            return out;
        }
        for o in 0..self.outer {
            let rows = &input[(o * self.len + self.start) * self.inner..][..span * self.inner];
            let out_rows = &mut out[o * self.out_len * self.inner..][..self.out_len * self.inner];
            self.running_rows::<T, E>(rows, out_rows);
        }
        out
    }

    /// The running extremum over whole rows of `inner` elements (vectorised
    /// across the row): prefix and suffix extrema within blocks of `window`
    /// rows, then one pick per output element.
    fn running_rows<T: Element, E: Extremum>(&self, rows: &[T], out: &mut [T]) {
        let inner = self.inner;
        let w = self.window;
        if w <= 3 {
            out.par_chunks_mut(inner).enumerate().for_each(|(j, row)| {
                row.copy_from_slice(&rows[j * inner..][..inner]);
                for t in 1..w {
                    pick_into::<T, E>(row, &rows[(j + t) * inner..][..inner]);
                }
            });
            return;
        }
        let mut g = vec![T::zero(); rows.len()];
        let mut h = vec![T::zero(); rows.len()];
        g.par_chunks_mut(w * inner)
            .zip(h.par_chunks_mut(w * inner))
            .zip(rows.par_chunks(w * inner))
            .for_each(|((g, h), block)| {
                let n = block.len() / inner;
                g[..inner].copy_from_slice(&block[..inner]);
                for r in 1..n {
                    let (done, rest) = g.split_at_mut(r * inner);
                    let prev = &done[(r - 1) * inner..];
                    pick_of::<T, E>(&mut rest[..inner], prev, &block[r * inner..][..inner]);
                }
                h[(n - 1) * inner..].copy_from_slice(&block[(n - 1) * inner..]);
                for r in (0..n - 1).rev() {
                    let (head, done) = h.split_at_mut((r + 1) * inner);
                    pick_of::<T, E>(
                        &mut head[r * inner..],
                        &done[..inner],
                        &block[r * inner..][..inner],
                    );
                }
            });
        out.par_chunks_mut(inner).enumerate().for_each(|(j, row)| {
            let hs = &h[j * inner..][..inner];
            let gs = &g[(j + w - 1) * inner..][..inner];
            pick_of::<T, E>(row, hs, gs);
        });
    }
}

/// `row[i] = E::pick(row[i], next[i])`.
fn pick_into<T: Element, E: Extremum>(row: &mut [T], next: &[T]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2.
        return unsafe { avx2::pick_into::<T, E>(row, next) };
    }
    pick_into_any::<T, E>(row, next);
}

/// [`pick_into`] for any CPU.
#[inline(always)]
fn pick_into_any<T: Element, E: Extremum>(row: &mut [T], next: &[T]) {
    for (r, &v) in row.iter_mut().zip(next) {
        *r = E::pick(*r, v);
    }
}

/// `out[i] = E::pick(a[i], b[i])`.
fn pick_of<T: Element, E: Extremum>(out: &mut [T], a: &[T], b: &[T]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2.
        return unsafe { avx2::pick_of::<T, E>(out, a, b) };
    }
    pick_of_any::<T, E>(out, a, b);
}

/// [`pick_of`] for any CPU.
#[inline(always)]
fn pick_of_any<T: Element, E: Extremum>(out: &mut [T], a: &[T], b: &[T]) {
    for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
        *o = E::pick(a, b);
    }
}

/// The running extremum of one contiguous lane (van Herk/Gil-Werman): about
/// three comparisons per element whatever the window.
fn running_lane<T: Element, E: Extremum>(
    lane: &[T],
    w: usize,
    g: &mut [T],
    h: &mut [T],
    out: &mut [T],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2.
        return unsafe { avx2::running_lane::<T, E>(lane, w, g, h, out) };
    }
    running_lane_any::<T, E>(lane, w, g, h, out);
}

/// [`running_lane`] for any CPU.
#[inline(always)]
fn running_lane_any<T: Element, E: Extremum>(
    lane: &[T],
    w: usize,
    g: &mut [T],
    h: &mut [T],
    out: &mut [T],
) {
    if w <= 3 {
        for (j, o) in out.iter_mut().enumerate() {
            let mut v = lane[j];
            for &x in &lane[j + 1..j + w] {
                v = E::pick(v, x);
            }
            *o = v;
        }
        return;
    }
    for (bs, block) in lane.chunks(w).enumerate() {
        let base = bs * w;
        let n = block.len();
        g[base] = block[0];
        for r in 1..n {
            g[base + r] = E::pick(g[base + r - 1], block[r]);
        }
        h[base + n - 1] = block[n - 1];
        for r in (0..n - 1).rev() {
            h[base + r] = E::pick(h[base + r + 1], block[r]);
        }
    }
    for (j, o) in out.iter_mut().enumerate() {
        *o = E::pick(h[j], g[j + w - 1]);
    }
}

/// The loops above compiled for AVX2 (the same comparisons in the same
/// order, on wider vectors: results are identical).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Element, Extremum};

    #[target_feature(enable = "avx2")]
    pub(super) fn pick_into<T: Element, E: Extremum>(row: &mut [T], next: &[T]) {
        super::pick_into_any::<T, E>(row, next);
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn pick_of<T: Element, E: Extremum>(out: &mut [T], a: &[T], b: &[T]) {
        super::pick_of_any::<T, E>(out, a, b);
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn running_lane<T: Element, E: Extremum>(
        lane: &[T],
        w: usize,
        g: &mut [T],
        h: &mut [T],
        out: &mut [T],
    ) {
        super::running_lane_any::<T, E>(lane, w, g, h, out);
    }
}

/// The extremum over any footprint, with optional values added to each
/// element (`structure`, in the footprint's C order, already negated for a
/// minimum), visiting the elements in the footprint's C order as scipy does.
pub(crate) fn direct<T: Element, E: Extremum>(
    padded: ArrayViewD<'_, T>,
    pad: &[usize],
    out_shape: &[usize],
    footprint: &Footprint,
    structure: Option<&[f64]>,
) -> Result<ndarray::ArrayD<T>> {
    let padded = padded.as_standard_layout();
    let geometry = BlockGeometry::new(padded.shape(), pad, out_shape);
    let offsets = block_offsets(&geometry, footprint);
    let data = padded.as_slice().unwrap_or(&[]);
    let mut out = vec![T::zero(); out_shape.iter().product()];
    let nx = *out_shape.last().unwrap_or(&1);
    if !out.is_empty() {
        out.par_chunks_mut(nx)
            .enumerate()
            .for_each(|(row, out_row)| {
                let base = geometry.row_base(row);
                for (x, o) in out_row.iter_mut().enumerate() {
                    let at = base + x;
                    *o = match structure {
                        None => {
                            let mut v = data[at + offsets[0]];
                            for &off in &offsets[1..] {
                                v = E::pick(v, data[at + off]);
                            }
                            v
                        }
                        Some(s) => {
                            let mut v = data[at + offsets[0]].as_f64() + s[0];
                            for (&off, &add) in offsets[1..].iter().zip(&s[1..]) {
                                v = E::pick(v, data[at + off].as_f64() + add);
                            }
                            saturate(v)
                        }
                    };
                }
            });
    }
    from_vec(out_shape, out)
}

/// `v` cast to `T`, clamped to its range (NaN becomes zero for integers).
pub(crate) fn saturate<T: Element>(v: f64) -> T {
    if let Some(t) = num_traits::cast::<f64, T>(v) {
        return t;
    }
    let (low, high) = match T::DTYPE {
        crate::DataType::U8 => (0.0, u8::MAX as f64),
        crate::DataType::U16 => (0.0, u16::MAX as f64),
        crate::DataType::U32 => (0.0, u32::MAX as f64),
        crate::DataType::U64 => (0.0, u64::MAX as f64),
        crate::DataType::I8 => (i8::MIN as f64, i8::MAX as f64),
        crate::DataType::I16 => (i16::MIN as f64, i16::MAX as f64),
        crate::DataType::I32 => (i32::MIN as f64, i32::MAX as f64),
        crate::DataType::I64 => (i64::MIN as f64, i64::MAX as f64),
        crate::DataType::F32 => (f32::MIN as f64, f32::MAX as f64),
        crate::DataType::F64 => (f64::MIN, f64::MAX),
    };
    num_traits::cast::<f64, T>(v.clamp(low, high)).unwrap_or_else(T::zero)
}

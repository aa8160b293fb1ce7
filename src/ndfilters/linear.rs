//! The engine of the linear filters: a filter is a [`Filter`] plan (1-D
//! correlation passes combined into terms, or one dense N-d correlation) run
//! on blocks padded by [`map_overlap`], exactly as scipy.ndimage computes it.
//!
//! scipy runs a separable filter as successive `correlate1d` calls, each
//! storing its result in the output array; so does a block here: the padded
//! block is converted to floating point once, every pass correlates along its
//! axis into a scratch buffer reused from pass to pass (cropping that axis to
//! the chunk, so later passes along other axes still see the halo they need),
//! and its result is rounded through the output type before the next pass, as
//! scipy's intermediate output array rounds it. Passes follow scipy's
//! arithmetic (symmetric kernels fold pairs, in the same order), so integer
//! outputs are bit-exact.
//!
//! A term whose only pass along axis 0 comes first (a gaussian, a uniform
//! filter) runs one output slice along axis 0 at a time instead, with the same
//! arithmetic: the pass along axis 0 reads a ring of input slices, each
//! converted once, and the passes along the other axes run on that slice
//! while it is in cache.
//!
//! Plans run in `f64`, as scipy, except one: a single term of kernels with no
//! negative weight (a gaussian blur, a uniform filter) written as `f32`
//! runs in `f32`, at half the memory traffic. Without cancellation every
//! output then stays within a few `f32` roundings (about 1e-6 relative) of
//! scipy's, which rounds every pass to `f32` too.
//!
//! Where the halo leaves the array, non-constant modes come from
//! [`map_overlap`]'s index mapping (a pass along one axis commutes with an
//! index mapping along another). For `constant` mode scipy extends every line
//! with `cval` as a `double` before every pass: the kernel writes `cval` into
//! the outside part of the axis just before the pass along it.

use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};
use num_traits::Float;

use crate::engine::ViewSource;
use crate::engine::{
    Block, BoundaryMode, DataType, Element, Region, Source, map_overlap, split_for_workers,
};
use crate::ndfilters::FilterOutput;
use crate::{Error, Result};

/// Inner-dimension tile of the passes along non-contiguous axes, in elements:
/// the rows a window reads stay in cache while the window slides.
const TILE: usize = 512;

/// The floating-point type a block is filtered in (`f32` or `f64`).
pub(crate) trait Real: Float + Send + Sync + 'static {
    /// The type as an element type.
    const DTYPE: DataType;
    /// The value nearest `v`.
    fn of(v: f64) -> Self;
    /// The value as `f64` (exact).
    fn wide(self) -> f64;
}

impl Real for f32 {
    const DTYPE: DataType = DataType::F32;
    #[inline]
    fn of(v: f64) -> Self {
        v as f32
    }
    #[inline]
    fn wide(self) -> f64 {
        f64::from(self)
    }
}

impl Real for f64 {
    const DTYPE: DataType = DataType::F64;
    #[inline]
    fn of(v: f64) -> Self {
        v
    }
    #[inline]
    fn wide(self) -> f64 {
        self
    }
}

/// One 1-D kernel.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Kernel1d {
    /// `correlate1d` with these weights.
    Weights(Vec<f64>),
    /// `uniform_filter1d` of this size (a running sum).
    Uniform(usize),
}

impl Kernel1d {
    fn len(&self) -> usize {
        match self {
            Kernel1d::Weights(w) => w.len(),
            Kernel1d::Uniform(size) => *size,
        }
    }
}

/// A 1-D pass along one axis with scipy's `origin`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Pass {
    pub(crate) axis: usize,
    pub(crate) kernel: Kernel1d,
    pub(crate) origin: isize,
}

impl Pass {
    /// A pass; fails when the origin is outside the kernel, as scipy.
    pub(crate) fn new(axis: usize, kernel: Kernel1d, origin: isize) -> Result<Self> {
        check_origin(kernel.len(), origin)?;
        Ok(Pass {
            axis,
            kernel,
            origin,
        })
    }

    /// Input positions before the output position.
    fn left(&self) -> usize {
        ((self.kernel.len() / 2) as isize + self.origin) as usize
    }

    /// Input positions after the output position.
    fn right(&self) -> usize {
        self.kernel.len() - 1 - self.left()
    }
}

/// Checks scipy's condition on an origin: `-(n / 2) <= origin <= (n - 1) / 2`.
pub(crate) fn check_origin(len: usize, origin: isize) -> Result<()> {
    let half = (len / 2) as isize;
    if len == 0 || half + origin < 0 || half + origin >= len as isize {
        return Err(Error::InvalidArgument(format!(
            "origin {origin} is outside a kernel of length {len}"
        )));
    }
    Ok(())
}

/// How the terms of a separable plan combine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Combine {
    /// The sum (scipy's `generic_laplace`); one term is that term.
    Sum,
    /// The square root of the sum of squares (`generic_gradient_magnitude`).
    Magnitude,
}

/// What a linear filter computes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Plan {
    /// Terms of successive passes, each starting from the input.
    Separable {
        terms: Vec<Vec<Pass>>,
        combine: Combine,
    },
    /// One N-d correlation (`scipy.ndimage.correlate`) with C-ordered weights.
    Dense {
        weights: ArrayD<f64>,
        origin: Vec<isize>,
    },
}

/// A plan with its boundary modes, for arrays of `modes.len()` axes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Filter {
    pub(crate) plan: Plan,
    pub(crate) modes: Vec<BoundaryMode>,
}

/// One boundary mode for all axes, or one per axis.
pub(crate) fn resolve_modes(modes: &[BoundaryMode], ndim: usize) -> Result<Vec<BoundaryMode>> {
    match modes {
        [one] => Ok(vec![*one; ndim]),
        _ if modes.len() == ndim => Ok(modes.to_vec()),
        _ => Err(Error::InvalidArgument(format!(
            "{} boundary modes given for an array of {ndim} axes",
            modes.len()
        ))),
    }
}

/// One value for all axes, or one per axis (`what` names it in errors).
pub(crate) fn per_axis<V: Copy>(values: &[V], ndim: usize, what: &str) -> Result<Vec<V>> {
    match values {
        [one] => Ok(vec![*one; ndim]),
        _ if values.len() == ndim => Ok(values.to_vec()),
        _ => Err(Error::InvalidArgument(format!(
            "{} values of {what} given for an array of {ndim} axes",
            values.len()
        ))),
    }
}

impl Filter {
    fn ndim(&self) -> usize {
        self.modes.len()
    }

    /// One term of kernels without negative weights: what may run in `f32`.
    fn positive(&self) -> bool {
        match &self.plan {
            Plan::Separable { terms, .. } => {
                terms.len() == 1
                    && terms.iter().flatten().all(|p| match &p.kernel {
                        Kernel1d::Weights(w) => w.iter().all(|&v| v >= 0.0),
                        Kernel1d::Uniform(_) => true,
                    })
            }
            Plan::Dense { .. } => false,
        }
    }

    /// The halo depth per axis.
    fn depth(&self) -> Vec<usize> {
        let mut depth = vec![0; self.ndim()];
        match &self.plan {
            Plan::Separable { terms, .. } => {
                for pass in terms.iter().flatten() {
                    let d = &mut depth[pass.axis];
                    *d = (*d).max(pass.left()).max(pass.right());
                }
            }
            Plan::Dense { weights, origin } => {
                for (k, d) in depth.iter_mut().enumerate() {
                    let n = weights.shape()[k];
                    let left = ((n / 2) as isize + origin[k]) as usize;
                    *d = left.max(n - 1 - left);
                }
            }
        }
        depth
    }

    /// The filtered block of `block.region()` from its padded input block, in
    /// an array of shape `shape`.
    fn run<T: Element, U: FilterOutput>(
        &self,
        shape: &[usize],
        padded: ArrayViewD<'_, T>,
        block: &Block,
    ) -> Result<ArrayD<U>> {
        if U::DTYPE == DataType::F32 && self.positive() {
            self.run_in::<T, U, f32>(shape, padded, block)
        } else {
            self.run_in::<T, U, f64>(shape, padded, block)
        }
    }

    /// [`Self::run`], computing in `F`.
    fn run_in<T: Element, U: FilterOutput, F: Real>(
        &self,
        shape: &[usize],
        padded: ArrayViewD<'_, T>,
        block: &Block,
    ) -> Result<ArrayD<U>> {
        let region = block.region();
        let depth = block.depth();
        let pshape = padded.shape().to_vec();
        // Per axis, the padded positions inside the array.
        let inside: Vec<(usize, usize)> = (0..shape.len())
            .map(|k| {
                let lo = depth[k].saturating_sub(region.start()[k]);
                let hi = (shape[k] + depth[k])
                    .saturating_sub(region.start()[k])
                    .min(pshape[k]);
                (lo.min(hi), hi)
            })
            .collect();
        let out_shape = region.shape().to_vec();
        let geo = Geometry {
            padded: &pshape,
            depth,
            inside: &inside,
            out: &out_shape,
        };
        let values: Vec<U> = match &self.plan {
            Plan::Separable { terms, combine } => {
                if terms.iter().all(Vec::is_empty) {
                    crop::<F, U>(&to_real::<T, F>(padded), &pshape, depth, &out_shape)
                } else {
                    let mut input: Option<Vec<F>> = None;
                    let mut results = Vec::with_capacity(terms.len());
                    for passes in terms {
                        results.push(if self.by_slices(passes) {
                            self.term_by_slices::<T, U, F>(passes, &padded, &geo)
                        } else {
                            let whole = input.get_or_insert_with(|| to_real(padded.view()));
                            let buf = if terms.len() == 1 {
                                std::mem::take(whole)
                            } else {
                                whole.clone()
                            };
                            self.term_whole::<T, U, F>(passes, buf, &geo)
                        });
                    }
                    let mut results = results.into_iter();
                    let first = results.next().unwrap_or_default();
                    match combine {
                        Combine::Sum => results.fold(first, |mut acc, term| {
                            acc.iter_mut()
                                .zip(term)
                                .for_each(|(a, t)| *a = a.wrapping_sum(t));
                            acc
                        }),
                        Combine::Magnitude => {
                            let mut acc: Vec<U> =
                                first.into_iter().map(U::wrapping_square).collect();
                            for term in results {
                                acc.iter_mut()
                                    .zip(term)
                                    .for_each(|(a, t)| *a = a.wrapping_sum(t.wrapping_square()));
                            }
                            acc.into_iter().map(U::sqrt_cast).collect()
                        }
                    }
                }
            }
            Plan::Dense { weights, origin } => {
                let mut input = to_real::<T, F>(padded);
                for (k, mode) in self.modes.iter().enumerate() {
                    if let BoundaryMode::Constant(cval) = mode {
                        fill_outside(&mut input, &pshape, k, inside[k], F::of(*cval));
                    }
                }
                correlate_dense(&input, &pshape, depth, weights, origin, &out_shape)
                    .into_iter()
                    .map(|v| U::from_f64(v.wide()))
                    .collect()
            }
        };
        ArrayD::from_shape_vec(IxDyn(&out_shape), values)
            .map_err(|e| Error::Failed(format!("filter output block: {e}")))
    }

    /// Whether the pass along `axis` (first or not) of values of `T` (the
    /// input) or `U` (an earlier pass's output) may keep a running sum: see
    /// [`correlate_axis`].
    fn integers<T: Element, U: FilterOutput, F: Real>(&self, axis: usize, first: bool) -> bool {
        // Integer-valued lines: scipy's running sums are exact (in `f64`;
        // `f32` sums every window anew). A fractional `cval` makes them carry
        // its rounding along the whole line, which no block can know: those
        // lines sum every window anew too.
        let whole_cval = match self.modes[axis] {
            BoundaryMode::Constant(cval) => cval.fract() == 0.0,
            _ => true,
        };
        F::DTYPE == DataType::F64
            && whole_cval
            && if first {
                !T::DTYPE.is_float()
            } else {
                !U::DTYPE.is_float()
            }
    }

    /// A term of passes on the whole padded block `buf`, cropped to the
    /// output block.
    fn term_whole<T: Element, U: FilterOutput, F: Real>(
        &self,
        passes: &[Pass],
        mut buf: Vec<F>,
        geo: &Geometry<'_>,
    ) -> Vec<U> {
        let mut scratch = Vec::new();
        let mut bshape = geo.padded.to_vec();
        let mut done = vec![false; bshape.len()];
        for (p, pass) in passes.iter().enumerate() {
            let a = pass.axis;
            if let BoundaryMode::Constant(cval) = self.modes[a] {
                fill_outside(&mut buf, &bshape, a, geo.inside[a], F::of(cval));
            }
            let job = Job {
                pass,
                offset: geo.depth[a] - pass.left(),
                m: geo.out[a],
                integers: self.integers::<T, U, F>(a, p == 0),
                round: U::DTYPE != F::DTYPE,
            };
            correlate_axis::<F, U>(&buf, &bshape, &job, &mut scratch);
            std::mem::swap(&mut buf, &mut scratch);
            bshape[a] = geo.out[a];
            done[a] = true;
        }
        let margins: Vec<usize> = (0..bshape.len())
            .map(|k| if done[k] { 0 } else { geo.depth[k] })
            .collect();
        crop::<F, U>(&buf, &bshape, &margins, geo.out)
    }

    /// Whether a term can run one output slice (along axis 0) at a time: at
    /// most one pass along axis 0, and first.
    fn by_slices(&self, passes: &[Pass]) -> bool {
        let rest = match passes.first() {
            Some(p) if p.axis == 0 => &passes[1..],
            _ => passes,
        };
        self.ndim() >= 2 && rest.iter().all(|p| p.axis != 0)
    }

    /// [`Self::term_whole`] one output slice along axis 0 at a time (see
    /// [`Self::by_slices`]): the pass along axis 0 reads a window of input
    /// slices (converted to `F` once each, in a ring), and the passes along
    /// the other axes run on that slice while it is in cache. Every value is
    /// computed as [`Self::term_whole`] computes it.
    fn term_by_slices<T: Element, U: FilterOutput, F: Real>(
        &self,
        passes: &[Pass],
        padded: &ArrayViewD<'_, T>,
        geo: &Geometry<'_>,
    ) -> Vec<U> {
        let round = U::DTYPE != F::DTYPE;
        let (first, rest) = match passes.split_first() {
            Some((p, rest)) if p.axis == 0 => (Some(p), rest),
            _ => (None, passes),
        };
        // The other passes, on a slice (axis `k` of the slice is axis `k + 1`).
        let rest: Vec<Pass> = rest
            .iter()
            .map(|p| Pass {
                axis: p.axis - 1,
                ..p.clone()
            })
            .collect();
        let sshape = &geo.padded[1..];
        let slen: usize = sshape.iter().product();
        let out_slice = &geo.out[1..];
        let (window, start) = match first {
            Some(p) => (p.kernel.len(), geo.depth[0] - p.left()),
            None => (1, geo.depth[0]),
        };
        let cval0 = match self.modes[0] {
            BoundaryMode::Constant(cval) if first.is_some() => Some(F::of(cval)),
            _ => None,
        };
        // Input slice `r` is in `ring[r % ring.len()]`; one more than the
        // window, for the running sum's outgoing slice.
        let mut ring: Vec<Vec<F>> = vec![Vec::new(); window + 1];
        let mut next = start;
        let taps = first.map(|p| Taps::<F>::new(&p.kernel));
        let integers0 = self.integers::<T, U, F>(0, true);
        let mut sum: Vec<F> = Vec::new();
        let (mut a, mut b) = (Vec::<F>::new(), Vec::<F>::new());
        let mut values = Vec::with_capacity(geo.out.iter().product());
        for i in 0..geo.out[0] {
            while next < start + i + window {
                let slot = &mut ring[next % (window + 1)];
                match cval0 {
                    Some(c) if next < geo.inside[0].0 || next >= geo.inside[0].1 => {
                        slot.clear();
                        slot.resize(slen, c);
                    }
                    _ => to_real_into(padded.index_axis(Axis(0), next), slot),
                }
                next += 1;
            }
            a.clear();
            match &taps {
                Some(taps) => {
                    a.resize(slen, F::zero());
                    if sum.len() != slen {
                        sum.resize(slen, F::zero());
                    }
                    let base = start + i;
                    for t0 in (0..slen).step_by(TILE) {
                        let tl = TILE.min(slen - t0);
                        let row = |r: usize| &ring[r % (window + 1)][t0..t0 + tl];
                        let out = &mut a[t0..t0 + tl];
                        let carry = Carry {
                            sum: &mut sum[t0..t0 + tl],
                            fresh: i == 0,
                        };
                        window_tile(out, base, row, taps, integers0, carry);
                        if round {
                            round_through::<U, F>(out);
                        }
                    }
                }
                None => a.extend_from_slice(&ring[(start + i) % (window + 1)]),
            }
            let mut bshape = sshape.to_vec();
            let mut done = vec![false; bshape.len()];
            for (p, pass) in rest.iter().enumerate() {
                let k = pass.axis;
                if let BoundaryMode::Constant(cval) = self.modes[k + 1] {
                    fill_outside(&mut a, &bshape, k, geo.inside[k + 1], F::of(cval));
                }
                let job = Job {
                    pass,
                    offset: geo.depth[k + 1] - pass.left(),
                    m: geo.out[k + 1],
                    integers: self.integers::<T, U, F>(k + 1, first.is_none() && p == 0),
                    round,
                };
                correlate_axis::<F, U>(&a, &bshape, &job, &mut b);
                std::mem::swap(&mut a, &mut b);
                bshape[k] = geo.out[k + 1];
                done[k] = true;
            }
            let margins: Vec<usize> = (0..bshape.len())
                .map(|k| if done[k] { 0 } else { geo.depth[k + 1] })
                .collect();
            crop_into::<F, U>(&a, &bshape, &margins, out_slice, &mut values);
        }
        values
    }
}

/// Where a block's output lies in its padded input.
struct Geometry<'a> {
    /// The padded block's shape.
    padded: &'a [usize],
    /// The halo per axis.
    depth: &'a [usize],
    /// Per axis, the padded positions inside the array.
    inside: &'a [(usize, usize)],
    /// The output block's shape.
    out: &'a [usize],
}

/// Every value of `out` stored in `U` and read back, as scipy's intermediate
/// output array does.
fn round_through<U: FilterOutput, F: Real>(out: &mut [F]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2.
        return unsafe { avx2::round_through::<U, F>(out) };
    }
    round_through_any::<U, F>(out);
}

/// [`round_through`] for any CPU.
#[inline(always)]
fn round_through_any<U: FilterOutput, F: Real>(out: &mut [F]) {
    for v in out {
        *v = F::of(U::from_f64(v.wide()).as_f64());
    }
}

/// The lazy filtered `source`, computed in chunks of `chunks` (default: the
/// source's native chunks).
pub(crate) fn lazy<S: Source, U: FilterOutput>(
    filter: Filter,
    source: S,
    chunks: Option<&[usize]>,
) -> Result<impl Source<Elem = U> + use<S, U>> {
    let shape = source.shape().to_vec();
    if shape.is_empty() {
        return Err(Error::InvalidArgument(
            "a filter needs an array of at least one axis".into(),
        ));
    }
    if shape.len() != filter.ndim() {
        return Err(Error::InvalidArgument(format!(
            "the filter is for {} axes but the array has {} (shape {shape:?})",
            filter.ndim(),
            shape.len()
        )));
    }
    // Constant axes are filled by the kernel itself (scipy's `cval` is a
    // double, not an input value): any padding will do.
    let modes: Vec<BoundaryMode> = filter
        .modes
        .iter()
        .map(|m| match m {
            BoundaryMode::Constant(_) => BoundaryMode::Nearest,
            other => *other,
        })
        .collect();
    let mut builder = map_overlap(source, &filter.depth()).modes(&modes);
    if let Some(chunks) = chunks {
        builder = builder.chunks(chunks);
    }
    builder.build(move |padded, block| filter.run::<S::Elem, U>(&shape, padded, block))
}

/// The filtered array, in memory, computed in parallel chunks.
pub(crate) fn apply<T: Element, U: FilterOutput>(
    filter: Filter,
    input: &ArrayViewD<'_, T>,
    chunks: Option<&[usize]>,
) -> Result<ArrayD<U>> {
    let shape = input.shape().to_vec();
    let chunks = match chunks {
        Some(c) => c.to_vec(),
        None => slabs(&shape, rayon::current_num_threads()),
    };
    let source = ViewSource::new(input.view(), &chunks)?;
    lazy::<_, U>(filter, source, None)?.read(&Region::full(&shape))
}

/// Chunks splitting `shape` over `workers` threads: slabs along axis 0 (two
/// per worker) when it is long enough, as a filter then computes no halo
/// twice but along axis 0; else [`split_for_workers`].
pub(crate) fn slabs(shape: &[usize], workers: usize) -> Vec<usize> {
    let count = 2 * workers.max(1);
    match shape.first() {
        Some(&n) if shape.len() >= 2 && n >= 4 * count => {
            let mut chunks: Vec<usize> = shape.iter().map(|&n| n.max(1)).collect();
            chunks[0] = n.div_ceil(count);
            chunks
        }
        _ => split_for_workers(shape, shape, &vec![1; shape.len()], workers),
    }
}

/// A block as a C-ordered buffer of `F`, row by row.
fn to_real<T: Element, F: Real>(block: ArrayViewD<'_, T>) -> Vec<F> {
    let mut out = Vec::new();
    to_real_into(block, &mut out);
    out
}

/// [`to_real`] into `out` (cleared first).
fn to_real_into<T: Element, F: Real>(block: ArrayViewD<'_, T>, out: &mut Vec<F>) {
    out.clear();
    let cast = |v: &T| F::of(v.as_f64());
    if let Some(slice) = block.as_slice() {
        out.extend(slice.iter().map(cast));
        return;
    }
    out.reserve(block.len());
    if block.ndim() == 0 {
        out.extend(block.iter().map(cast));
        return;
    }
    for row in block.rows() {
        match row.as_slice() {
            Some(s) => out.extend(s.iter().map(cast)),
            None => out.extend(row.iter().map(cast)),
        }
    }
}

/// `(outer, n, inner)`: a buffer of `shape` seen as `outer` blocks of `n` rows of `inner` values along `axis`.
fn split3(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    let outer = shape[..axis].iter().product();
    let inner = shape[axis + 1..].iter().product();
    (outer, shape[axis], inner)
}

/// Sets the positions of `buf` (of `shape`) outside `inside` along `axis` to `value`.
fn fill_outside<F: Copy>(
    buf: &mut [F],
    shape: &[usize],
    axis: usize,
    inside: (usize, usize),
    value: F,
) {
    let (outer, n, inner) = split3(shape, axis);
    for o in 0..outer {
        let rows = &mut buf[o * n * inner..(o + 1) * n * inner];
        rows[..inside.0 * inner].fill(value);
        rows[inside.1 * inner..].fill(value);
    }
}

/// The part of `buf` (of `shape`) starting `margins` in, of shape `out`, as `U`.
fn crop<F: Real, U: FilterOutput>(
    buf: &[F],
    shape: &[usize],
    margins: &[usize],
    out: &[usize],
) -> Vec<U> {
    let mut result = Vec::with_capacity(out.iter().product());
    crop_into(buf, shape, margins, out, &mut result);
    result
}

/// [`crop`], appended to `result`.
fn crop_into<F: Real, U: FilterOutput>(
    buf: &[F],
    shape: &[usize],
    margins: &[usize],
    out: &[usize],
    result: &mut Vec<U>,
) {
    let cast = |v: &F| U::from_f64(v.wide());
    if shape == out {
        result.extend(buf.iter().map(cast));
        return;
    }
    let strides = c_strides(shape);
    for_each_row(out, |index| {
        let start: usize = (0..index.len())
            .map(|k| (margins[k] + index[k]) * strides[k])
            .sum::<usize>()
            + margins[out.len() - 1];
        result.extend(buf[start..start + out[out.len() - 1]].iter().map(cast));
    });
}

/// The C-order strides of `shape`, in elements.
fn c_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1usize; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        strides[k] = strides[k + 1] * shape[k + 1];
    }
    strides
}

/// Calls `f` with the index (all axes but the last) of every row of an array
/// of `shape` (at least one axis), in C order.
fn for_each_row(shape: &[usize], mut f: impl FnMut(&[usize])) {
    let lead = &shape[..shape.len() - 1];
    let n_rows: usize = lead.iter().product();
    let mut index = vec![0usize; lead.len()];
    for r in 0..n_rows {
        let mut rest = r;
        for k in (0..lead.len()).rev() {
            index[k] = rest % lead[k];
            rest /= lead[k];
        }
        f(&index);
    }
}

/// How a kernel's weights pair up, as scipy's `NI_Correlate1D` tests them.
#[derive(Clone, Copy, PartialEq)]
enum Symmetry {
    Symmetric,
    Antisymmetric,
    None,
}

fn symmetry(w: &[f64]) -> Symmetry {
    let n = w.len();
    if n.is_multiple_of(2) {
        return Symmetry::None;
    }
    let c = n / 2;
    if (1..=c).all(|i| (w[c + i] - w[c - i]).abs() <= f64::EPSILON) {
        Symmetry::Symmetric
    } else if (1..=c).all(|i| (w[c + i] + w[c - i]).abs() <= f64::EPSILON) {
        Symmetry::Antisymmetric
    } else {
        Symmetry::None
    }
}

/// One pass to run on a buffer.
struct Job<'a> {
    pass: &'a Pass,
    /// Output position `i` reads the input from `offset + i`.
    offset: usize,
    /// Outputs per line.
    m: usize,
    /// Integer-valued input lines (see [`correlate_axis`]).
    integers: bool,
    /// Rounds every output through the output type (when it is not `F`).
    round: bool,
}

/// The kernel of a pass in `F`, with its symmetry.
struct Taps<F> {
    w: Vec<F>,
    sym: Symmetry,
    uniform: Option<usize>,
}

impl<F: Real> Taps<F> {
    fn new(kernel: &Kernel1d) -> Self {
        match kernel {
            Kernel1d::Weights(w) => Taps {
                w: w.iter().map(|&v| F::of(v)).collect(),
                sym: symmetry(w),
                uniform: None,
            },
            Kernel1d::Uniform(size) => Taps {
                w: Vec::new(),
                sym: Symmetry::None,
                uniform: Some(*size),
            },
        }
    }
}

/// One pass along `job.pass.axis` of `buf` (of `shape`) into `out` (resized),
/// rounding every output through `U` when `job.round`.
///
/// A uniform pass over `integers` is scipy's running sum, which is exact on
/// integers; over other values, whose running sum would depend on where the
/// line starts, every window is summed anew, so the result is the same at any
/// chunking (and within rounding of scipy's).
fn correlate_axis<F: Real, U: FilterOutput>(
    buf: &[F],
    shape: &[usize],
    job: &Job<'_>,
    out: &mut Vec<F>,
) {
    let (outer, n, inner) = split3(shape, job.pass.axis);
    let m = job.m;
    out.clear();
    out.resize(outer * m * inner, F::zero());
    let taps = Taps::new(&job.pass.kernel);
    let mut sum = Vec::new();
    for o in 0..outer {
        let src = &buf[o * n * inner..(o + 1) * n * inner];
        let dst = &mut out[o * m * inner..(o + 1) * m * inner];
        if inner == 1 {
            line(&src[job.offset..], dst, &taps, job.integers);
            if job.round {
                round_through::<U, F>(dst);
            }
        } else {
            for t0 in (0..inner).step_by(TILE) {
                let tl = TILE.min(inner - t0);
                sum.clear();
                sum.resize(tl, F::zero());
                let row = |r: usize| &src[r * inner + t0..r * inner + t0 + tl];
                for i in 0..m {
                    let out = &mut dst[i * inner + t0..i * inner + t0 + tl];
                    let carry = Carry {
                        sum: &mut sum,
                        fresh: i == 0,
                    };
                    window_tile(out, job.offset + i, row, &taps, job.integers, carry);
                    if job.round {
                        round_through::<U, F>(out);
                    }
                }
            }
        }
    }
}

/// A pass over one contiguous line: `out[i]` from `x[i..i + len]`.
fn line<F: Real>(x: &[F], out: &mut [F], taps: &Taps<F>, integers: bool) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2.
        return unsafe { avx2::line(x, out, taps, integers) };
    }
    line_any(x, out, taps, integers);
}

/// [`line`] for any CPU.
#[inline(always)]
fn line_any<F: Real>(x: &[F], out: &mut [F], taps: &Taps<F>, integers: bool) {
    let m = out.len();
    if let Some(size) = taps.uniform {
        let div = F::of(size as f64);
        if integers {
            let mut sum = F::zero();
            for &v in &x[..size] {
                sum = sum + v;
            }
            out[0] = sum / div;
            for i in 1..m {
                sum = sum + (x[i + size - 1] - x[i - 1]);
                out[i] = sum / div;
            }
        } else {
            out.copy_from_slice(&x[..m]);
            for j in 1..size {
                for (o, &v) in out.iter_mut().zip(&x[j..j + m]) {
                    *o = *o + v;
                }
            }
            for o in out.iter_mut() {
                *o = *o / div;
            }
        }
        return;
    }
    let w = &taps.w;
    let k = w.len();
    let c = k / 2;
    match taps.sym {
        Symmetry::Symmetric | Symmetry::Antisymmetric => {
            for (o, &v) in out.iter_mut().zip(&x[c..c + m]) {
                *o = v * w[c];
            }
            for j in 0..c {
                let (a, b) = (&x[j..j + m], &x[k - 1 - j..k - 1 - j + m]);
                let wj = w[j];
                if taps.sym == Symmetry::Symmetric {
                    for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
                        *o = *o + (a + b) * wj;
                    }
                } else {
                    for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
                        *o = *o + (a - b) * wj;
                    }
                }
            }
        }
        Symmetry::None => {
            for (o, &v) in out.iter_mut().zip(&x[k - 1..k - 1 + m]) {
                *o = v * w[k - 1];
            }
            for (j, &wj) in w[..k - 1].iter().enumerate() {
                for (o, &v) in out.iter_mut().zip(&x[j..j + m]) {
                    *o = *o + v * wj;
                }
            }
        }
    }
}

/// The running sum of a uniform pass over integers, from one output row to
/// the next.
struct Carry<'a, F> {
    /// The window sums of the previous output row.
    sum: &'a mut [F],
    /// No previous output row: the sums start anew.
    fresh: bool,
}

/// One output row of a pass along a non-contiguous axis, on a tile of the
/// rows: from input rows `row(base) ..` (the kernel's window).
fn window_tile<'a, F: Real>(
    out: &mut [F],
    base: usize,
    row: impl Fn(usize) -> &'a [F],
    taps: &Taps<F>,
    integers: bool,
    carry: Carry<'_, F>,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2.
        return unsafe { avx2::window_tile(out, base, row, taps, integers, carry) };
    }
    window_tile_any(out, base, row, taps, integers, carry);
}

/// [`window_tile`] for any CPU.
#[inline(always)]
fn window_tile_any<'a, F: Real>(
    out: &mut [F],
    base: usize,
    row: impl Fn(usize) -> &'a [F],
    taps: &Taps<F>,
    integers: bool,
    carry: Carry<'_, F>,
) {
    match taps.uniform {
        Some(size) if integers => {
            let sum = carry.sum;
            if carry.fresh {
                sum.fill(F::zero());
                for j in 0..size {
                    for (s, &v) in sum.iter_mut().zip(row(base + j)) {
                        *s = *s + v;
                    }
                }
            } else {
                let (new, old) = (row(base + size - 1), row(base - 1));
                for ((s, &n), &o) in sum.iter_mut().zip(new).zip(old) {
                    *s = *s + (n - o);
                }
            }
            let div = F::of(size as f64);
            for (o, &s) in out.iter_mut().zip(sum.iter()) {
                *o = s / div;
            }
        }
        Some(size) => {
            let div = F::of(size as f64);
            out.copy_from_slice(row(base));
            for j in 1..size {
                for (o, &v) in out.iter_mut().zip(row(base + j)) {
                    *o = *o + v;
                }
            }
            for o in out.iter_mut() {
                *o = *o / div;
            }
        }
        None => {
            let w = &taps.w;
            let k = w.len();
            let c = k / 2;
            match taps.sym {
                Symmetry::Symmetric | Symmetry::Antisymmetric => {
                    for (o, &v) in out.iter_mut().zip(row(base + c)) {
                        *o = v * w[c];
                    }
                    for (j, &wj) in w[..c].iter().enumerate() {
                        let (a, b) = (row(base + j), row(base + k - 1 - j));
                        if taps.sym == Symmetry::Symmetric {
                            for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
                                *o = *o + (a + b) * wj;
                            }
                        } else {
                            for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
                                *o = *o + (a - b) * wj;
                            }
                        }
                    }
                }
                Symmetry::None => {
                    for (o, &v) in out.iter_mut().zip(row(base + k - 1)) {
                        *o = v * w[k - 1];
                    }
                    for (j, &wj) in w[..k - 1].iter().enumerate() {
                        for (o, &v) in out.iter_mut().zip(row(base + j)) {
                            *o = *o + v * wj;
                        }
                    }
                }
            }
        }
    }
}

/// The hot loops compiled for AVX2 (the same operations in the same order,
/// on wider vectors: results are identical; no fused multiply-add).
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Carry, FilterOutput, Real, Taps};

    #[target_feature(enable = "avx2")]
    pub(super) fn line<F: Real>(x: &[F], out: &mut [F], taps: &Taps<F>, integers: bool) {
        super::line_any(x, out, taps, integers);
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn window_tile<'a, F: Real>(
        out: &mut [F],
        base: usize,
        row: impl Fn(usize) -> &'a [F],
        taps: &Taps<F>,
        integers: bool,
        carry: Carry<'_, F>,
    ) {
        super::window_tile_any(out, base, row, taps, integers, carry);
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn round_through<U: FilterOutput, F: Real>(out: &mut [F]) {
        super::round_through_any::<U, F>(out);
    }
}

/// scipy's `NI_Correlate` on a padded block: every output voxel is
/// `0 + w0 * x0 + w1 * x1 + …` over the weights whose magnitude exceeds
/// `f64::EPSILON`, in C order.
fn correlate_dense<F: Real>(
    buf: &[F],
    pshape: &[usize],
    depth: &[usize],
    weights: &ArrayD<f64>,
    origin: &[isize],
    out_shape: &[usize],
) -> Vec<F> {
    let ndim = pshape.len();
    let strides = c_strides(pshape);
    // Per weight: its value and the flat padded offset of its first read.
    let taps: Vec<(F, usize)> = weights
        .indexed_iter()
        .filter(|(_, w)| w.abs() > f64::EPSILON)
        .map(|(j, &w)| {
            let offset = (0..ndim)
                .map(|k| {
                    let left = (weights.shape()[k] / 2) as isize + origin[k];
                    (depth[k] as isize - left + j[k] as isize) as usize * strides[k]
                })
                .sum();
            (F::of(w), offset)
        })
        .collect();
    let row_len = out_shape[ndim - 1];
    let mut out = Vec::with_capacity(out_shape.iter().product());
    for_each_row(out_shape, |index| {
        let base: usize = index.iter().zip(&strides).map(|(i, s)| i * s).sum();
        let at = out.len();
        out.resize(at + row_len, F::zero());
        let dst = &mut out[at..];
        for &(w, offset) in &taps {
            let src = &buf[base + offset..base + offset + row_len];
            for (o, &v) in dst.iter_mut().zip(src) {
                *o = *o + w * v;
            }
        }
    });
    out
}

/// The options every linear filter builder shares (boundary modes and chunks)
/// and its `apply` (in memory) and `lazy` (chunked [`Source`]) forms, for a
/// builder with fields `modes: Vec<BoundaryMode>`, `chunks: Option<Vec<usize>>`
/// and a method `filter(&self, ndim) -> Result<Filter>`.
macro_rules! linear_filter_api {
    ($t:ty) => {
        impl $t {
            /// The boundary mode on every axis (default
            /// [`BoundaryMode::Reflect`](crate::BoundaryMode::Reflect), as
            /// scipy); `Constant(cval)` extends lines with `cval`.
            pub fn mode(mut self, mode: $crate::BoundaryMode) -> Self {
                self.modes = vec![mode];
                self
            }

            /// One boundary mode per axis, as scipy's `mode=(…)`.
            pub fn modes(mut self, modes: &[$crate::BoundaryMode]) -> Self {
                self.modes = modes.to_vec();
                self
            }

            /// The chunk shape of the computation (default: the source's
            /// native chunks for [`Self::lazy`], a split of the array over the
            /// threads for [`Self::apply`]). Results do not depend on it.
            pub fn chunks(mut self, chunks: &[usize]) -> Self {
                self.chunks = Some(chunks.to_vec());
                self
            }

            /// The filtered array, in memory, with output element type `U`
            /// (scipy's default output is the input's type).
            pub fn apply<T: $crate::Element, U: $crate::ndfilters::FilterOutput>(
                &self,
                input: &ndarray::ArrayViewD<'_, T>,
            ) -> $crate::Result<ndarray::ArrayD<U>> {
                $crate::ndfilters::linear::apply(
                    self.filter(input.ndim())?,
                    input,
                    self.chunks.as_deref(),
                )
            }

            /// The filtered `source` as a lazy [`Source`](crate::Source):
            /// reading a region computes the chunks it needs, each from its
            /// input chunk and a halo; equal to [`Self::apply`] at any chunking.
            pub fn lazy<S: $crate::Source, U: $crate::ndfilters::FilterOutput>(
                &self,
                source: S,
            ) -> $crate::Result<impl $crate::Source<Elem = U> + use<S, U>> {
                let filter = self.filter(source.ndim())?;
                $crate::ndfilters::linear::lazy(filter, source, self.chunks.as_deref())
            }
        }
    };
}

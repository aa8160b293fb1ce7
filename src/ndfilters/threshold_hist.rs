//! The histograms scikit-image's global thresholds are computed from, as
//! chunked reductions: one bin per integer value over the image's range
//! (`np.bincount`) for integer images, 256 equal bins between the minimum
//! and the maximum (`np.histogram`, bin for bin) for floating-point images.

use std::collections::BTreeMap;

use ndarray::ArrayViewD;
use num_traits::Float;

use crate::engine::{Accumulator, DataType, Element, Executor, Source, reduce};
use crate::error::{Error, Result};

/// The most bins an integer histogram may span (its value range).
pub(crate) const MAX_INTEGER_BINS: i128 = 1 << 28;

/// A histogram: counts and the value at the centre of every bin, in the
/// precision scikit-image's arithmetic runs in (`f32` for `float32` images,
/// `f64` otherwise).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Histogram<P> {
    pub counts: Vec<u64>,
    pub centers: Vec<P>,
}

/// Exact counts of integer values, sorted by value.
#[derive(Debug, Default)]
struct Values(BTreeMap<i128, u64>);

impl Accumulator for Values {
    fn merge(&mut self, other: Self) {
        for (v, c) in other.0 {
            *self.0.entry(v).or_insert(0) += c;
        }
    }
}

/// Calls `f` on every value of `block`, over a plain slice when the block
/// is contiguous (the order does not matter to a histogram).
fn each_value<T: Copy>(block: &ArrayViewD<'_, T>, mut f: impl FnMut(T)) {
    match block.as_slice_memory_order() {
        Some(values) => values.iter().for_each(|&v| f(v)),
        None => block.iter().for_each(|&v| f(v)),
    }
}

/// Counts the integer values of one block: in one pass over a table of
/// every value for 8- and 16-bit images, densely over the block's range when
/// it is narrow, by sorting otherwise.
fn count_integers<T: Element>(block: ArrayViewD<'_, T>) -> Result<Values> {
    if let Some(offset) = narrow_offset(T::DTYPE) {
        return Ok(count_narrow(&block, offset));
    }
    let as_int = |v: T| {
        v.to_i128()
            .ok_or_else(|| Error::InvalidArgument(format!("value {v} is not an integer")))
    };
    let mut range: Option<(i128, i128)> = None;
    for &v in block.iter() {
        let x = as_int(v)?;
        range = Some(range.map_or((x, x), |(lo, hi)| (lo.min(x), hi.max(x))));
    }
    let Some((lo, hi)) = range else {
        return Ok(Values::default());
    };
    let mut out = BTreeMap::new();
    if hi - lo < (1 << 17) {
        let mut dense = vec![0u64; (hi - lo + 1) as usize];
        for &v in block.iter() {
            dense[(as_int(v)? - lo) as usize] += 1;
        }
        for (i, c) in dense.into_iter().enumerate() {
            if c > 0 {
                out.insert(lo + i as i128, c);
            }
        }
    } else {
        let mut values = block
            .iter()
            .map(|&v| as_int(v))
            .collect::<Result<Vec<_>>>()?;
        values.sort_unstable();
        for v in values {
            *out.entry(v).or_insert(0) += 1;
        }
    }
    Ok(Values(out))
}

/// For the 8- and 16-bit integer types, what to add to a value to index a
/// table of 2^16 counts.
fn narrow_offset(dtype: DataType) -> Option<i64> {
    match dtype {
        DataType::U8 | DataType::U16 => Some(0),
        DataType::I8 | DataType::I16 => Some(1 << 15),
        _ => None,
    }
}

/// Counts the values of an 8- or 16-bit block in a table of every value.
fn count_narrow<T: Element>(block: &ArrayViewD<'_, T>, offset: i64) -> Values {
    let mut table = vec![0u64; 1 << 16];
    each_value(block, |v| {
        let i = v.to_i64().map_or(0, |x| x + offset) as usize;
        if let Some(count) = table.get_mut(i) {
            *count += 1;
        }
    });
    Values(
        table
            .into_iter()
            .enumerate()
            .filter(|&(_, c)| c > 0)
            .map(|(i, c)| (i as i128 - i128::from(offset), c))
            .collect(),
    )
}

/// The exact histogram of an integer image over its range, one bin per
/// value (`skimage.exposure.histogram` of an integer image), with the
/// centres as `f64`.
pub(crate) fn integer_histogram<S: Source>(
    exec: &Executor,
    source: &S,
    chunks: Option<&[usize]>,
) -> Result<Option<Histogram<f64>>> {
    let values = reduce(exec, source, chunks, |block, _| count_integers(block))?;
    let Some(values) = values else {
        return Ok(None);
    };
    let (Some((&lo, _)), Some((&hi, _))) = (values.0.first_key_value(), values.0.last_key_value())
    else {
        return Ok(None);
    };
    if hi - lo >= MAX_INTEGER_BINS {
        return Err(Error::InvalidArgument(format!(
            "the values span {lo}..={hi}: more than {MAX_INTEGER_BINS} histogram bins"
        )));
    }
    let n = (hi - lo + 1) as usize;
    let mut counts = vec![0u64; n];
    for (v, c) in values.0 {
        counts[(v - lo) as usize] = c;
    }
    let centers = (0..n).map(|i| (lo + i as i128) as f64).collect();
    Ok(Some(Histogram { counts, centers }))
}

/// Bin edges exactly as `np.linspace(first, last, nbins + 1)` computes them in `F`.
fn bin_edges<F: Float>(first: F, last: F, nbins: usize) -> Vec<F> {
    let step = (last - first) / F::from(nbins).unwrap_or_else(F::one);
    let mut edges: Vec<F> = (0..=nbins)
        .map(|i| F::from(i).unwrap_or_else(F::zero) * step + first)
        .collect();
    edges[nbins] = last;
    edges
}

/// Counts per bin, accumulated over chunks.
#[derive(Debug)]
struct Bins(Vec<u64>);

impl Accumulator for Bins {
    fn merge(&mut self, other: Self) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

/// The histogram of a floating-point image with `nbins` equal bins between
/// its minimum and maximum, computed in `F` (the image's own precision) bin
/// for bin as `np.histogram` does. `None` for an empty image; an error when a
/// value is NaN or infinite (numpy refuses such a range too).
pub(crate) fn float_histogram<F, S>(
    exec: &Executor,
    source: &S,
    chunks: Option<&[usize]>,
    nbins: usize,
) -> Result<Option<Histogram<F>>>
where
    F: Float + Send + Sync,
    S: Source,
{
    let Some(range) = crate::engine::min_max(exec, source, chunks)? else {
        return Ok(None);
    };
    let to_f = |v: S::Elem| F::from(v.as_f64()).unwrap_or_else(F::nan);
    let (mut first, mut last) = (to_f(range.min), to_f(range.max));
    if !first.is_finite() || !last.is_finite() {
        return Err(Error::InvalidArgument(format!(
            "the value range [{}, {}] is not finite",
            range.min, range.max
        )));
    }
    let half = F::from(0.5).unwrap_or_else(F::one);
    if first == last {
        first = first - half;
        last = last + half;
    }
    let edges = bin_edges(first, last, nbins);
    let denom = last - first;
    let numerator = F::from(nbins).unwrap_or_else(F::one);
    let bins = reduce(exec, source, chunks, |block, _| {
        let mut counts = vec![0u64; nbins];
        each_value(&block, |v| {
            let x = to_f(v);
            let mut i = ((x - first) / denom * numerator).to_usize().unwrap_or(0);
            if i >= nbins {
                i = nbins - 1;
            }
            if x < edges[i] {
                i = i.saturating_sub(1);
            }
            if x >= edges[i + 1] && i != nbins - 1 {
                i += 1;
            }
            counts[i] += 1;
        });
        Ok(Bins(counts))
    })?;
    let half = F::from(2.0).unwrap_or_else(F::one);
    let centers = edges.windows(2).map(|w| (w[0] + w[1]) / half).collect();
    Ok(bins.map(|b| Histogram {
        counts: b.0,
        centers,
    }))
}

/// numpy's pairwise summation of `f32` (`np.sum` of a contiguous array).
pub(crate) fn pairwise_sum(a: &[f32]) -> f32 {
    let n = a.len();
    if n < 8 {
        a.iter().fold(0.0f32, |s, &v| s + v)
    } else if n <= 128 {
        let mut r = [0f32; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

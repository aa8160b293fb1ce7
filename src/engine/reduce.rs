//! Block reductions: every chunk yields a mergeable [`Accumulator`], and the
//! accumulators merge pairwise in a tree.

use ndarray::ArrayViewD;

use crate::engine::blocks::no_block;
use crate::engine::{ChunkGrid, Element, Executor, Region, Source};
use crate::error::Result;

/// A partial result that merges with another one of the same kind.
///
/// `merge` must be associative: chunks are merged in a tree whose shape
/// depends on scheduling.
///
/// ```
/// use tesserae::engine::{Accumulator, Sum};
/// let mut a = Sum(1.5);
/// a.merge(Sum(2.0));
/// assert_eq!(a.0, 3.5);
/// ```
pub trait Accumulator: Send {
    /// Folds `other` into `self`.
    fn merge(&mut self, other: Self);
}

/// Maps every chunk of `source` to an accumulator in parallel and merges them.
///
/// Chunks are those of `chunks`, or the source's native chunks when `None`.
/// `map(block, region)` gets every chunk's data and region. Returns `None` for
/// an array without voxels.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::engine::{reduce, Accumulator};
/// use tesserae::{ArraySource, Executor};
///
/// /// Counts the voxels above 2.
/// struct Count(usize);
/// impl Accumulator for Count {
///     fn merge(&mut self, other: Self) {
///         self.0 += other.0;
///     }
/// }
/// let source = ArraySource::new(ArrayD::from_shape_fn(vec![3, 3], |i| (i[0] + i[1]) as u8));
/// let count = reduce(&Executor::new(), &source, Some(&[2, 2]), |block, _| {
///     Ok(Count(block.iter().filter(|&&v| v > 2).count()))
/// })?;
/// assert_eq!(count.map(|c| c.0), Some(3));
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn reduce<T, A, M>(
    exec: &Executor,
    source: &dyn Source<Elem = T>,
    chunks: Option<&[usize]>,
    map: M,
) -> Result<Option<A>>
where
    T: Element,
    A: Accumulator,
    M: Fn(ArrayViewD<'_, T>, &Region) -> Result<A> + Sync,
{
    reduce_dyn(exec, source, chunks, &map)
}

/// [`reduce`] with the map behind a reference: one compiled copy per element
/// and accumulator type.
fn reduce_dyn<T: Element, A: Accumulator>(
    exec: &Executor,
    source: &dyn Source<Elem = T>,
    chunks: Option<&[usize]>,
    map: &(dyn Fn(ArrayViewD<'_, T>, &Region) -> Result<A> + Sync),
) -> Result<Option<A>> {
    let grid = ChunkGrid::new(source.shape(), chunks.unwrap_or(source.chunk_shape()))?;
    exec.map_reduce(
        "reduce",
        grid.num_chunks(),
        |i| {
            let region = grid.chunk_region(&grid.chunk_index(i));
            let mut value = None;
            source.read_view(&region, &mut |block| {
                value = Some(map(block, &region)?);
                Ok(())
            })?;
            value.ok_or_else(|| no_block(&region))
        },
        |mut a, b| {
            a.merge(b);
            a
        },
    )
}

/// A sum in `f64`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sum(pub f64);

impl Accumulator for Sum {
    fn merge(&mut self, other: Self) {
        self.0 += other.0;
    }
}

/// The smallest and largest values; a NaN anywhere makes both NaN (as numpy's `min`/`max`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MinMax<T> {
    /// The smallest value.
    pub min: T,
    /// The largest value.
    pub max: T,
}

impl<T: Element> MinMax<T> {
    /// The range of a block, `None` when it is empty.
    ///
    /// ```
    /// use ndarray::arr1;
    /// use tesserae::engine::MinMax;
    /// let r = MinMax::of(arr1(&[3i16, -2, 7]).into_dyn().view()).unwrap();
    /// assert_eq!((r.min, r.max), (-2, 7));
    /// ```
    pub fn of(block: ArrayViewD<'_, T>) -> Option<Self> {
        let first = *block.first()?;
        let mut range = MinMax {
            min: first,
            max: first,
        };
        let mut add = |v: T| range.merge(MinMax { min: v, max: v });
        match block.as_slice_memory_order() {
            Some(values) => values.iter().for_each(|&v| add(v)),
            None => block.iter().for_each(|&v| add(v)),
        }
        Some(range)
    }
}

/// True for the values that compare to nothing (NaN).
fn is_nan<T: PartialOrd>(v: T) -> bool {
    v.partial_cmp(&v).is_none()
}

impl<T: Element> Accumulator for MinMax<T> {
    fn merge(&mut self, other: Self) {
        if is_nan(self.min) {
            return;
        }
        if is_nan(other.min) {
            *self = other;
            return;
        }
        if other.min < self.min {
            self.min = other.min;
        }
        if other.max > self.max {
            self.max = other.max;
        }
    }
}

/// The sum of all values as `f64`, chunk by chunk (0 for an empty array).
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::{engine::sum, ArraySource, Executor};
/// let source = ArraySource::new(ArrayD::from_elem(vec![10, 10], 2u8)).with_chunks(&[3, 4])?;
/// assert_eq!(sum(&Executor::new(), &source, None)?, 200.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn sum<T: Element>(
    exec: &Executor,
    source: &dyn Source<Elem = T>,
    chunks: Option<&[usize]>,
) -> Result<f64> {
    let total = reduce(exec, source, chunks, |block, _| {
        Ok(Sum(block.iter().map(|v| v.as_f64()).sum()))
    })?;
    Ok(total.unwrap_or_default().0)
}

/// The smallest and largest values, chunk by chunk (`None` for an empty array);
/// NaN propagates as in numpy.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::{engine::min_max, ArraySource, Executor};
/// let a = ArrayD::from_shape_fn(vec![5, 5], |i| i[0] as f32 - i[1] as f32);
/// let range = min_max(&Executor::new(), &ArraySource::new(a).with_chunks(&[2, 2])?, None)?;
/// assert_eq!(range.map(|r| (r.min, r.max)), Some((-4.0, 4.0)));
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn min_max<T: Element>(
    exec: &Executor,
    source: &dyn Source<Elem = T>,
    chunks: Option<&[usize]>,
) -> Result<Option<MinMax<T>>> {
    let range = reduce(exec, source, chunks, |block, _| Ok(MinMax::of(block)))?;
    Ok(range.flatten())
}

impl<A: Accumulator> Accumulator for Option<A> {
    fn merge(&mut self, other: Self) {
        match (self.as_mut(), other) {
            (Some(a), Some(b)) => a.merge(b),
            (None, b) => *self = b,
            (_, None) => {}
        }
    }
}

/// The smallest value (`None` for an empty array); NaN propagates as in numpy.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::{engine::min, ArraySource, Executor};
/// let a = ArrayD::from_shape_fn(vec![4, 4], |i| (i[0] * 4 + i[1]) as u32 + 5);
/// assert_eq!(min(&Executor::new(), &ArraySource::new(a), None)?, Some(5));
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn min<T: Element>(
    exec: &Executor,
    source: &dyn Source<Elem = T>,
    chunks: Option<&[usize]>,
) -> Result<Option<T>> {
    Ok(min_max(exec, source, chunks)?.map(|r| r.min))
}

/// The largest value (`None` for an empty array); NaN propagates as in numpy.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::{engine::max, ArraySource, Executor};
/// let a = ArrayD::from_shape_fn(vec![4, 4], |i| (i[0] * 4 + i[1]) as i8 - 3);
/// assert_eq!(max(&Executor::new(), &ArraySource::new(a), None)?, Some(12));
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn max<T: Element>(
    exec: &Executor,
    source: &dyn Source<Elem = T>,
    chunks: Option<&[usize]>,
) -> Result<Option<T>> {
    Ok(min_max(exec, source, chunks)?.map(|r| r.max))
}

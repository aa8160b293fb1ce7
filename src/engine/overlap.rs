//! [`map_overlap`]: a lazy [`Source`] whose every output chunk is computed from
//! the input chunk grown by a halo, with scipy.ndimage boundary modes at the
//! border of the array.
//!
//! Inside the array the halo is real neighbour data, however wide (it may span
//! several neighbouring chunks). Only where the halo leaves the array is it
//! filled by the [`BoundaryMode`], exactly as scipy.ndimage extends its lines, so
//! a kernel equal to a scipy filter on the padded block gives scipy's result at
//! any chunking.

use std::marker::PhantomData;

use ndarray::{ArrayD, ArrayViewD, Axis, Slice};

use crate::engine::blocks::{assign_block, check_block, no_block, read_chunked};
use crate::engine::{ChunkGrid, Element, Region, Source, VoxelSize};
use crate::error::{Error, Result};

/// How values outside the array are made up, as scipy.ndimage's `mode`.
///
/// With an axis `a b c d`:
///
/// | mode          | padding on both sides          | period      |
/// |---------------|--------------------------------|-------------|
/// | `Reflect`     | `d c b a │ a b c d │ d c b a`  | `2n`        |
/// | `Mirror`      | `d c b │ a b c d │ c b a`      | `2n − 2`    |
/// | `Nearest`     | `a a a │ a b c d │ d d d`      | —           |
/// | `Constant(v)` | `v v v │ a b c d │ v v v`      | —           |
/// | `Wrap`        | `b c d │ a b c d │ a b c`      | `n`         |
///
/// A halo wider than the axis continues the pattern periodically; `Mirror` on
/// an axis of length 1 repeats its only value (scipy does the same).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BoundaryMode {
    /// Reflection about the edge of the last voxel (scipy `reflect`, numpy `symmetric`).
    Reflect,
    /// Reflection about the centre of the last voxel (scipy `mirror`, numpy `reflect`).
    Mirror,
    /// The edge voxel repeated (scipy `nearest`, numpy `edge`).
    Nearest,
    /// A constant, cast to the element type as numpy casts (scipy `constant` with `cval`).
    Constant(f64),
    /// Periodic continuation (scipy `wrap`).
    Wrap,
}

impl BoundaryMode {
    /// The index inside an axis of length `n` that position `i` (possibly
    /// outside `0..n`) reads, or `None` when it reads the constant (or `n == 0`).
    ///
    /// ```
    /// use tesserae::engine::BoundaryMode;
    /// let n = 4;
    /// let at = |m: BoundaryMode, i| m.source_index(i, n);
    /// assert_eq!(at(BoundaryMode::Reflect, -1), Some(0));
    /// assert_eq!(at(BoundaryMode::Mirror, -1), Some(1));
    /// assert_eq!(at(BoundaryMode::Nearest, 9), Some(3));
    /// assert_eq!(at(BoundaryMode::Wrap, -1), Some(3));
    /// assert_eq!(at(BoundaryMode::Constant(0.0), -1), None);
    /// assert_eq!(at(BoundaryMode::Constant(0.0), 2), Some(2));
    /// ```
    pub fn source_index(self, i: isize, n: usize) -> Option<usize> {
        if n == 0 {
            return None;
        }
        let len = n as isize;
        if (0..len).contains(&i) {
            return Some(i as usize);
        }
        let index = match self {
            BoundaryMode::Constant(_) => return None,
            BoundaryMode::Nearest => i.clamp(0, len - 1),
            BoundaryMode::Wrap => i.rem_euclid(len),
            BoundaryMode::Reflect => {
                let m = i.rem_euclid(2 * len);
                if m >= len { 2 * len - 1 - m } else { m }
            }
            BoundaryMode::Mirror if n == 1 => 0,
            BoundaryMode::Mirror => {
                let period = 2 * len - 2;
                let m = i.rem_euclid(period);
                if m >= len { period - m } else { m }
            }
        };
        Some(index as usize)
    }
}

/// What a [`map_overlap`] kernel is computing: the output chunk and the halo depth.
///
/// The padded block handed to the kernel covers [`Block::region`] grown by
/// [`Block::depth`] on both sides of every axis; the kernel returns the block of
/// the region itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    region: Region,
    depth: Vec<usize>,
}

impl Block {
    /// The output chunk, in array coordinates.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// The halo depth on each side, per axis.
    pub fn depth(&self) -> &[usize] {
        &self.depth
    }

    /// The centre of a padded block: the part that lies over [`Block::region`].
    ///
    /// ```
    /// use tesserae::engine::map_overlap;
    /// use tesserae::{ArraySource, Region, Source};
    /// use ndarray::ArrayD;
    ///
    /// let a = ArrayD::from_shape_fn(vec![6], |i| i[0] as u8);
    /// let source = ArraySource::new(a).with_chunks(&[3])?;
    /// let same = map_overlap(source, &[2]).build(|padded, block| Ok(block.centre(padded).to_owned()))?;
    /// assert_eq!(same.read(&Region::full(&[6]))?.as_slice(), Some(&[0u8, 1, 2, 3, 4, 5][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn centre<'a, T>(&self, padded: ArrayViewD<'a, T>) -> ArrayViewD<'a, T> {
        let mut view = padded;
        view.slice_each_axis_inplace(|ax| {
            let k = ax.axis.index();
            let d = self.depth[k] as isize;
            Slice::from(d..d + self.region.shape()[k] as isize)
        });
        view
    }
}

/// Options of a [`MapOverlap`], from [`map_overlap`].
#[derive(Debug)]
pub struct MapOverlapBuilder<S> {
    source: S,
    depth: Vec<usize>,
    modes: Modes,
    chunks: Option<Vec<usize>>,
}

/// One boundary mode for every axis, or one per axis.
#[derive(Clone, Debug, PartialEq)]
enum Modes {
    All(BoundaryMode),
    PerAxis(Vec<BoundaryMode>),
}

/// Starts a lazy overlapping map of `source` with halo `depth` (per axis).
///
/// Options: [`MapOverlapBuilder::mode`] or [`MapOverlapBuilder::modes`] (default
/// [`BoundaryMode::Reflect`], as scipy.ndimage) and [`MapOverlapBuilder::chunks`]
/// (default: the input's native chunks); [`MapOverlapBuilder::build`] takes the
/// kernel.
///
/// The kernel `f(padded, block)` receives the block of the output chunk
/// `block.region()` grown by `depth` on both sides of every axis, and returns
/// the output block of `block.region()` (another shape is an
/// [`Error::ShapeMismatch`]).
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use tesserae::engine::{map_overlap, BoundaryMode};
/// use tesserae::{ArraySource, Region, Source};
///
/// // A 3-wide moving sum with scipy's `mode="wrap"`, in chunks of 2.
/// let a = ArrayD::from_shape_vec(vec![4], vec![1u16, 2, 3, 4]).unwrap();
/// let source = ArraySource::new(a).with_chunks(&[2])?;
/// let sums = map_overlap(source, &[1])
///     .mode(BoundaryMode::Wrap)
///     .build(|padded, block| {
///         let n = block.region().shape()[0];
///         Ok(ArrayD::from_shape_fn(IxDyn(&[n]), |i| {
///             padded[[i[0]]] + padded[[i[0] + 1]] + padded[[i[0] + 2]]
///         }))
///     })?;
/// assert_eq!(sums.read(&Region::full(&[4]))?.as_slice(), Some(&[7u16, 6, 9, 8][..]));
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn map_overlap<S: Source>(source: S, depth: &[usize]) -> MapOverlapBuilder<S> {
    MapOverlapBuilder {
        source,
        depth: depth.to_vec(),
        modes: Modes::All(BoundaryMode::Reflect),
        chunks: None,
    }
}

impl<S: Source> MapOverlapBuilder<S> {
    /// The boundary mode at the border of the array, on every axis.
    pub fn mode(mut self, mode: BoundaryMode) -> Self {
        self.modes = Modes::All(mode);
        self
    }

    /// One boundary mode per axis, as scipy's separable filters accept
    /// (`mode=("reflect", "wrap")`). Where several axes are
    /// [`BoundaryMode::Constant`], they must share the constant; a padded voxel
    /// outside the array along any constant axis holds the constant.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::engine::{copy_block, map_overlap, BoundaryMode};
    /// use tesserae::{ArraySource, Region, Source};
    ///
    /// let a = ArrayD::from_shape_fn(vec![2, 3], |i| (i[0] * 3 + i[1]) as i32);
    /// // Keep the first padded row and column: row reflected, column wrapped.
    /// let corner = map_overlap(ArraySource::new(a), &[1, 1])
    ///     .modes(&[BoundaryMode::Reflect, BoundaryMode::Wrap])
    ///     .build(|padded, block| {
    ///         let shape = block.region().shape().to_vec();
    ///         Ok(copy_block(padded.slice_each_axis(|ax| {
    ///             ndarray::Slice::from(0..shape[ax.axis.index()])
    ///         })))
    ///     })?;
    /// let out = corner.read(&Region::full(&[2, 3]))?;
    /// assert_eq!(out.as_slice(), Some(&[2, 0, 1, 2, 0, 1][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn modes(mut self, modes: &[BoundaryMode]) -> Self {
        self.modes = Modes::PerAxis(modes.to_vec());
        self
    }

    /// The output chunk shape (default: the input's native chunks).
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// The lazy source computing every output chunk with `f`.
    ///
    /// Fails when the depth, mode or chunk rank differs from the source's, a
    /// chunk extent is zero, constants differ between axes, or the constant
    /// does not fit the element type.
    pub fn build<U, F>(self, f: F) -> Result<MapOverlap<S, U, F>>
    where
        U: Element,
        F: Fn(ArrayViewD<'_, S::Elem>, &Block) -> Result<ArrayD<U>> + Send + Sync,
    {
        let halo = Halo::new(self.source.shape(), self.depth, self.modes)?;
        let chunks = self.chunks.as_deref().unwrap_or(self.source.chunk_shape());
        let grid = ChunkGrid::new(self.source.shape(), chunks)?;
        Ok(MapOverlap {
            source: self.source,
            grid,
            halo,
            f,
            out: PhantomData,
        })
    }
}

/// The halo of a [`MapOverlap`]: its depth, and how it is filled outside the array.
#[derive(Debug)]
struct Halo<T> {
    depth: Vec<usize>,
    modes: Vec<BoundaryMode>,
    cval: Option<T>,
}

impl<T: Element> Halo<T> {
    /// Checks the depth and modes against an array of shape `shape`.
    fn new(shape: &[usize], depth: Vec<usize>, modes: Modes) -> Result<Self> {
        if depth.len() != shape.len() {
            return Err(Error::InvalidArgument(format!(
                "halo depth {depth:?} has {} axes but the array has {} (shape {shape:?})",
                depth.len(),
                shape.len()
            )));
        }
        let modes = match modes {
            Modes::All(mode) => vec![mode; shape.len()],
            Modes::PerAxis(modes) if modes.len() == shape.len() => modes,
            Modes::PerAxis(modes) => {
                return Err(Error::InvalidArgument(format!(
                    "{} boundary modes given for an array of {} axes",
                    modes.len(),
                    shape.len()
                )));
            }
        };
        let mut constants = modes.iter().filter_map(|m| match m {
            BoundaryMode::Constant(c) => Some(*c),
            _ => None,
        });
        let cval = match constants.next() {
            Some(c) if constants.all(|other| other.to_bits() == c.to_bits()) => {
                Some(num_traits::cast::<f64, T>(c).ok_or_else(|| {
                    Error::InvalidArgument(format!(
                        "constant {c} does not fit the element type {}",
                        T::DTYPE
                    ))
                })?)
            }
            Some(_) => {
                return Err(Error::InvalidArgument(
                    "constant boundary modes with different constants".into(),
                ));
            }
            None => None,
        };
        Ok(Halo { depth, modes, cval })
    }
}

/// A lazy source computing every chunk from the input chunk grown by a halo.
///
/// Built by [`map_overlap`]. Reading a region computes only the output chunks
/// that overlap it (in parallel on the current rayon pool). A chunk whose halo stays inside the array is read from the
/// input as one region, with no boundary handling; border chunks read only the
/// input runs their padding needs (never a whole axis for `Wrap`).
pub struct MapOverlap<S: Source, U, F> {
    source: S,
    grid: ChunkGrid,
    halo: Halo<S::Elem>,
    f: F,
    out: PhantomData<fn() -> U>,
}

impl<S: Source, U, F> std::fmt::Debug for MapOverlap<S, U, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MapOverlap")
            .field("shape", &self.source.shape())
            .field("chunks", &self.grid.chunk_shape())
            .field("depth", &self.halo.depth)
            .field("modes", &self.halo.modes)
            .finish()
    }
}

/// A [`map_overlap`] kernel behind a reference.
type Kernel<'a, T, U> = dyn Fn(ArrayViewD<'_, T>, &Block) -> Result<ArrayD<U>> + Sync + 'a;

/// Computes the chunk `chunk` of a [`MapOverlap`]: generic in the element
/// types only, the source and the kernel behind references.
fn compute_chunk<T: Element, U: Element>(
    source: &dyn Source<Elem = T>,
    halo: &Halo<T>,
    f: &Kernel<'_, T, U>,
    chunk: &Region,
) -> Result<ArrayD<U>> {
    let block = Block {
        region: chunk.clone(),
        depth: halo.depth.clone(),
    };
    let shape = source.shape();
    let lo: Vec<isize> = (0..shape.len())
        .map(|k| chunk.start()[k] as isize - halo.depth[k] as isize)
        .collect();
    let hi: Vec<isize> = (0..shape.len())
        .map(|k| (chunk.start()[k] + chunk.shape()[k] + halo.depth[k]) as isize)
        .collect();
    let output = if (0..shape.len()).all(|k| lo[k] >= 0 && hi[k] <= shape[k] as isize) {
        // The halo lies inside the array: the kernel sees the input directly.
        let start = lo.iter().map(|&v| v as usize).collect();
        let end: Vec<usize> = hi.iter().map(|&v| v as usize).collect();
        let mut output = None;
        source.read_view(&Region::from_bounds(start, &end), &mut |padded| {
            output = Some(f(padded, &block)?);
            Ok(())
        })?;
        output.ok_or_else(|| no_block(chunk))?
    } else {
        let padded = padded(source, halo, &lo, &hi)?;
        f(padded.view(), &block)?
    };
    check_block(chunk, output.shape())?;
    Ok(output)
}

/// The input block between `lo` and `hi` (exclusive) in array coordinates,
/// which leave the array along some axis, padded at the array border.
fn padded<T: Element>(
    source: &dyn Source<Elem = T>,
    halo: &Halo<T>,
    lo: &[isize],
    hi: &[isize],
) -> Result<ArrayD<T>> {
    let shape = source.shape();
    let constant = |m: &BoundaryMode| matches!(m, BoundaryMode::Constant(_));
    if let (Some(cval), true) = (halo.cval, halo.modes.iter().all(constant)) {
        return padded_constant(source, lo, hi, cval);
    }
    // Per axis: the input index every padded position reads (`None` for
    // the constant), the sorted distinct indices needed, and the runs of
    // consecutive ones.
    let maps: Vec<Vec<Option<usize>>> = (0..shape.len())
        .map(|k| {
            (lo[k]..hi[k])
                .map(|i| halo.modes[k].source_index(i, shape[k]))
                .collect()
        })
        .collect();
    let needed: Vec<Vec<usize>> = maps
        .iter()
        .map(|map| {
            let mut v: Vec<usize> = map.iter().flatten().copied().collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    let runs: Vec<Vec<(usize, usize, usize)>> = needed.iter().map(|n| runs_of(n)).collect();
    let run_counts: Vec<usize> = runs.iter().map(Vec::len).collect();
    let run_region = |pick: &[usize]| {
        let run = |k: usize| runs[k][pick[k]];
        Region::new(
            (0..pick.len()).map(|k| run(k).0).collect(),
            (0..pick.len()).map(|k| run(k).1).collect(),
        )
    };
    // Per axis: the padded block as segments of the compact block (the
    // needed runs side by side) that are runs forward, backward or
    // repeating one index (constant positions read any index, then are
    // overwritten); then one assignment per combination of segments.
    let segments: Vec<Vec<Segment>> = maps
        .iter()
        .zip(&needed)
        .map(|(map, needed)| {
            segments_of(
                map.iter()
                    .map(|i| i.and_then(|i| needed.binary_search(&i).ok()).unwrap_or(0)),
            )
        })
        .collect();
    let segment_counts: Vec<usize> = segments.iter().map(Vec::len).collect();
    let mut padded = ArrayD::<T>::default(maps.iter().map(Vec::len).collect::<Vec<_>>());
    let mut fill = |compact: ArrayViewD<'_, T>| {
        for_each_combination(&segment_counts, |pick| {
            let segment = |k: usize| segments[k][pick[k]];
            let src = compact.slice_each_axis(|ax| segment(ax.axis.index()).source_slice());
            let dst = padded.slice_each_axis_mut(|ax| segment(ax.axis.index()).target_slice());
            assign_block(dst, src);
            Ok(())
        })
    };
    if run_counts.iter().all(|&c| c == 1) {
        // One run per axis: the compact block is a region of the input.
        source.read_view(&run_region(&vec![0; shape.len()]), &mut fill)?;
    } else {
        let mut compact = ArrayD::<T>::default(needed.iter().map(Vec::len).collect::<Vec<_>>());
        for_each_combination(&run_counts, |pick| {
            let data = source.read(&run_region(pick))?;
            let at = Region::new(
                (0..pick.len()).map(|k| runs[k][pick[k]].2).collect(),
                data.shape().to_vec(),
            );
            assign_block(at.view_mut(&mut compact), data.view());
            Ok(())
        })?;
        fill(compact.view())?;
    }
    if let Some(cval) = halo.cval {
        for (k, map) in maps.iter().enumerate() {
            for (p, _) in map.iter().enumerate().filter(|(_, i)| i.is_none()) {
                padded.index_axis_mut(Axis(k), p).fill(cval);
            }
        }
    }
    Ok(padded)
}

/// The padded block when every axis is [`BoundaryMode::Constant`]: the
/// constant, with the part inside the array read from the input.
fn padded_constant<T: Element>(
    source: &dyn Source<Elem = T>,
    lo: &[isize],
    hi: &[isize],
    cval: T,
) -> Result<ArrayD<T>> {
    let shape = source.shape();
    let padded_shape: Vec<usize> = lo.iter().zip(hi).map(|(l, h)| (h - l) as usize).collect();
    let mut out = ArrayD::from_elem(padded_shape, cval);
    let start: Vec<usize> = lo.iter().map(|&l| l.max(0) as usize).collect();
    let end: Vec<usize> = hi
        .iter()
        .zip(shape)
        .map(|(&h, &n)| (h.max(0) as usize).min(n))
        .collect();
    let inner = Region::from_bounds(start, &end);
    let offset: Vec<usize> = inner
        .start()
        .iter()
        .zip(lo)
        .map(|(&s, &l)| (s as isize - l) as usize)
        .collect();
    let at = Region::new(offset, inner.shape().to_vec());
    source.read_view(&inner, &mut |data| {
        assign_block(at.view_mut(&mut out), data);
        Ok(())
    })?;
    Ok(out)
}

/// A stretch of padded positions along one axis that read the compact block
/// at `source`, `source + step`, `source + 2 step`, … (`step` is -1, 0 or 1).
#[derive(Clone, Copy, Debug, Default)]
struct Segment {
    target: usize,
    len: usize,
    source: usize,
    step: isize,
}

impl Segment {
    fn target_slice(&self) -> Slice {
        Slice::from(self.target..self.target + self.len)
    }

    /// The source positions as a slice; a repeated index is one position, which
    /// the assignment broadcasts.
    fn source_slice(&self) -> Slice {
        let first = self.source as isize;
        match self.step {
            0 => Slice::from(first..first + 1),
            1 => Slice::from(first..first + self.len as isize),
            _ => Slice::new(first + 1 - self.len as isize, Some(first + 1), -1),
        }
    }
}

/// Splits the source positions of consecutive padded positions into segments.
fn segments_of(positions: impl Iterator<Item = usize>) -> Vec<Segment> {
    let mut segments: Vec<Segment> = Vec::new();
    for (target, p) in positions.enumerate() {
        if let Some(seg) = segments.last_mut() {
            let last = seg.source as isize + seg.step * (seg.len as isize - 1);
            let delta = p as isize - last;
            if seg.len == 1 && delta.abs() <= 1 {
                seg.step = delta;
                seg.len = 2;
                continue;
            }
            if seg.len > 1 && delta == seg.step {
                seg.len += 1;
                continue;
            }
        }
        segments.push(Segment {
            target,
            len: 1,
            source: p,
            step: 1,
        });
    }
    segments
}

/// Calls `f` with every combination of one index below `counts[k]` per axis, in C order.
fn for_each_combination(counts: &[usize], mut f: impl FnMut(&[usize]) -> Result<()>) -> Result<()> {
    let mut pick = vec![0; counts.len()];
    for combination in 0..counts.iter().product() {
        let mut rest = combination;
        for (p, count) in pick.iter_mut().zip(counts).rev() {
            *p = rest % count;
            rest /= count;
        }
        f(&pick)?;
    }
    Ok(())
}

/// Runs of consecutive values in a sorted list of distinct indices, as
/// `(first index, length, position of the first in the list)`.
fn runs_of(sorted: &[usize]) -> Vec<(usize, usize, usize)> {
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    for (pos, &i) in sorted.iter().enumerate() {
        match runs.last_mut() {
            Some(run) if run.0 + run.1 == i => run.1 += 1,
            _ => runs.push((i, 1, pos)),
        }
    }
    runs
}

impl<S, U, F> Source for MapOverlap<S, U, F>
where
    S: Source,
    U: Element,
    F: Fn(ArrayViewD<'_, S::Elem>, &Block) -> Result<ArrayD<U>> + Send + Sync,
{
    type Elem = U;

    fn shape(&self) -> &[usize] {
        self.source.shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        self.grid.chunk_shape()
    }

    fn read(&self, region: &Region) -> Result<ArrayD<U>> {
        read_chunked(&self.grid, region, &|chunk| {
            compute_chunk(&self.source, &self.halo, &self.f, chunk)
        })
    }

    fn voxel_size(&self) -> Option<VoxelSize> {
        self.source.voxel_size()
    }
}

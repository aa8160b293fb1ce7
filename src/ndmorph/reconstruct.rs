//! Morphological reconstruction, scikit-image's `reconstruction`: the seed
//! dilated (or eroded) again and again under (above) the mask until nothing
//! changes, in memory or chunked at any chunking.
//!
//! Within a block the reconstruction is Vincent's hybrid algorithm (a raster
//! and an anti-raster scan, then a queue of the voxels that can still raise a
//! neighbour). Across blocks it is the engine's [`Fixpoint`]: a block is
//! reconstructed with its neighbours' current values around it held fixed,
//! and solved again while those change. Reconstruction by dilation is
//! monotone and its result unique, so the result is scikit-image's, voxel for
//! voxel, whatever the chunking. Erosion is dilation of the negated images.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;

use ndarray::{ArrayD, ArrayViewD, IxDyn};
use num_traits::Float;

use crate::engine::{
    ArraySink, Element, Executor, Fixpoint, Region, Sink, Solved, Source, ViewSource, assign_block,
    copy_block, map_blocks, store,
};
use crate::error::{Error, Result};
use crate::ndfilters::Footprint;

/// Which way a [`Reconstruction`] spreads the seed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReconstructionMethod {
    /// High values spread, limited from above by the mask (the default).
    #[default]
    Dilation,
    /// Low values spread, limited from below by the mask.
    Erosion,
}

impl fmt::Display for ReconstructionMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReconstructionMethod::Dilation => "dilation",
            ReconstructionMethod::Erosion => "erosion",
        })
    }
}

impl FromStr for ReconstructionMethod {
    type Err = Error;

    /// Parses scikit-image's names, `dilation` and `erosion`.
    ///
    /// ```
    /// use tesserae::ndmorph::ReconstructionMethod;
    /// assert_eq!("erosion".parse::<ReconstructionMethod>()?, ReconstructionMethod::Erosion);
    /// assert!("opening".parse::<ReconstructionMethod>().is_err());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    fn from_str(name: &str) -> Result<Self> {
        match name {
            "dilation" => Ok(ReconstructionMethod::Dilation),
            "erosion" => Ok(ReconstructionMethod::Erosion),
            other => Err(Error::InvalidArgument(format!(
                "reconstruction method can be one of 'erosion' or 'dilation', not '{other}'"
            ))),
        }
    }
}

/// The floating-point types a reconstruction is computed and returned in:
/// scikit-image returns `float32` for a `float32` mask and `float64` otherwise.
pub trait ReconstructionFloat: Element + Float {}

impl ReconstructionFloat for f32 {}
impl ReconstructionFloat for f64 {}

/// `skimage.morphology.reconstruction`, configured once and run in memory
/// ([`Reconstruction::apply`]) or chunk by chunk from sources into a sink
/// ([`Reconstruction::run`]); the result equals scikit-image's at any chunking.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmorph::Reconstruction;
/// use tesserae::{ArraySink, ArraySource, Executor};
///
/// // The middle peak has no seed: it is cut down to its surroundings.
/// let mask = array![1.0, 3.0, 1.0, 4.0, 1.0, 2.0].into_dyn();
/// let seed = array![1.0, 2.0, 1.0, 1.0, 1.0, 2.0].into_dyn();
/// let expected = array![1.0, 2.0, 1.0, 1.0, 1.0, 2.0].into_dyn();
/// let rec: ndarray::ArrayD<f64> = Reconstruction::dilation().apply(&seed.view(), &mask.view())?;
/// assert_eq!(rec, expected);
///
/// let mut sink = ArraySink::<f64>::new(&[6]);
/// let (seed, mask) = (ArraySource::new(seed).with_chunks(&[1])?, ArraySource::new(mask));
/// Reconstruction::dilation().run(&Executor::new(), &seed, &mask, &mut sink)?;
/// assert_eq!(sink.into_array(), expected);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Reconstruction {
    method: ReconstructionMethod,
    footprint: Option<Footprint>,
    chunks: Option<Vec<usize>>,
    cache: usize,
}

impl Reconstruction {
    /// Reconstruction by `method`, with scikit-image's default footprint (the
    /// full 3 × … × 3 box).
    pub fn new(method: ReconstructionMethod) -> Self {
        Reconstruction {
            method,
            footprint: None,
            chunks: None,
            cache: Fixpoint::DEFAULT_CACHE,
        }
    }

    /// Reconstruction by dilation.
    pub fn dilation() -> Self {
        Reconstruction::new(ReconstructionMethod::Dilation)
    }

    /// Reconstruction by erosion.
    pub fn erosion() -> Self {
        Reconstruction::new(ReconstructionMethod::Erosion)
    }

    /// The neighbourhood a value spreads over in one step: a voxel spreads to
    /// every voxel at one of the footprint's offsets. scikit-image's `offset`
    /// (the footprint's centre, default the middle) is the footprint's origin
    /// plus half its size: `Footprint::new(mask)?.with_origin(offset - n / 2)`.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndfilters::Footprint;
    /// use tesserae::ndmorph::Reconstruction;
    ///
    /// // Values spread only to the left.
    /// let left = Footprint::new(array![true, true, false].into_dyn().view())?;
    /// let seed = array![0.0, 0.0, 5.0, 0.0].into_dyn();
    /// let mask = array![9.0, 9.0, 9.0, 9.0].into_dyn();
    /// let rec: ndarray::ArrayD<f64> = Reconstruction::dilation().footprint(left).apply(&seed.view(), &mask.view())?;
    /// assert_eq!(rec.as_slice(), Some(&[5.0, 5.0, 5.0, 0.0][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn footprint(mut self, footprint: Footprint) -> Self {
        self.footprint = Some(footprint);
        self
    }

    /// The chunk shape of a chunked run (default: the seed's native chunks).
    /// The result does not depend on it.
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// The byte budget for blocks kept between the iteration and the output
    /// (see [`Fixpoint::cache`]).
    pub fn cache(mut self, bytes: usize) -> Self {
        self.cache = bytes;
        self
    }

    /// The chunk shape set by [`Reconstruction::chunks`].
    pub(crate) fn chunk_shape(&self) -> Option<&[usize]> {
        self.chunks.as_deref()
    }

    /// The footprint's spread offsets (its centre left out) and halo depth.
    pub(crate) fn spread(&self, ndim: usize) -> Result<(Vec<Vec<isize>>, Vec<usize>)> {
        let footprint = match &self.footprint {
            Some(f) if f.ndim() != ndim => {
                return Err(Error::InvalidArgument(format!(
                    "the footprint has {} axes but the images have {ndim}",
                    f.ndim()
                )));
            }
            Some(f) => f.clone(),
            None => Footprint::size(&vec![3; ndim])?,
        };
        let offsets = footprint
            .offsets()
            .into_iter()
            .filter(|o| o.iter().any(|&v| v != 0))
            .collect();
        Ok((offsets, footprint.depth()))
    }

    /// The reconstruction of in-memory images, computed in `F` (scikit-image:
    /// `f32` for a `float32` mask, `f64` otherwise), in parallel chunks when
    /// [`Reconstruction::chunks`] is set.
    ///
    /// Fails when the shapes differ, the footprint has another rank, or the
    /// seed exceeds the mask somewhere (dilation; erosion: falls below it).
    pub fn apply<T, M, F>(
        &self,
        seed: &ArrayViewD<'_, T>,
        mask: &ArrayViewD<'_, M>,
    ) -> Result<ArrayD<F>>
    where
        T: Element,
        M: Element,
        F: ReconstructionFloat,
    {
        let chunks = self.chunks.clone().unwrap_or_else(|| seed.shape().to_vec());
        let seed = ViewSource::new(seed.view(), &chunks)?;
        let mask = ViewSource::new(mask.view(), &chunks)?;
        let mut sink = ArraySink::<F>::new(seed.shape());
        self.run(&Executor::new(), &seed, &mask, &mut sink)?;
        Ok(sink.into_array())
    }

    /// The reconstruction of `seed` under (erosion: above) `mask`, chunk by
    /// chunk, written to `sink` and committed.
    ///
    /// Memory: the blocks' border slabs, the blocks in flight, and up to
    /// [`Reconstruction::cache`] bytes of solved blocks.
    pub fn run<S, M, F>(
        &self,
        exec: &Executor,
        seed: &S,
        mask: &M,
        sink: &mut dyn Sink<Elem = F>,
    ) -> Result<()>
    where
        S: Source,
        M: Source,
        F: ReconstructionFloat,
    {
        run_dyn(self, exec, seed, mask, sink)
    }
}

/// [`Reconstruction::run`] on sources behind references: compiled once per
/// element types.
fn run_dyn<T: Element, M: Element, F: ReconstructionFloat>(
    op: &Reconstruction,
    exec: &Executor,
    seed: &dyn Source<Elem = T>,
    mask: &dyn Source<Elem = M>,
    sink: &mut dyn Sink<Elem = F>,
) -> Result<()> {
    let solved = solve(op, exec, seed, mask)?;
    match op.method {
        ReconstructionMethod::Dilation => store(exec, &solved, sink),
        ReconstructionMethod::Erosion => {
            let flipped = map_blocks(&solved, None, |block, _| Ok(block.mapv(|v| -v)))?;
            store(exec, &flipped, sink)
        }
    }
}

/// The reconstruction of `seed` under `mask` as a lazy source, negated for
/// erosion (which is the dilation of the negated images).
pub(crate) fn solve<'a, T: Element, M: Element, F: ReconstructionFloat>(
    op: &Reconstruction,
    exec: &Executor,
    seed: &'a dyn Source<Elem = T>,
    mask: &'a dyn Source<Elem = M>,
) -> Result<Solved<'a, F>> {
    let shape = seed.shape().to_vec();
    if mask.shape() != shape.as_slice() {
        return Err(Error::ShapeMismatch {
            expected: shape,
            found: mask.shape().to_vec(),
        });
    }
    let (spread, depth) = op.spread(shape.len())?;
    let chunks = op
        .chunks
        .clone()
        .unwrap_or_else(|| seed.chunk_shape().to_vec());
    let sign = match op.method {
        ReconstructionMethod::Dilation => F::one(),
        ReconstructionMethod::Erosion => -F::one(),
    };
    let cast = move |v: f64| sign * F::from(v).unwrap_or_else(F::nan);
    let initial = move |region: &Region| Ok(seed.read(region)?.mapv(|v| cast(v.as_f64())));
    let kernel = Kernel::new(&spread, &depth);
    let method = op.method;
    let step = move |block: &Region, padded: &Region, values: ArrayViewD<'_, F>| {
        let limit = mask.read(padded)?.mapv(|v| cast(v.as_f64()));
        kernel.solve(block, padded, values, limit.view(), method)
    };
    Fixpoint::new(&shape, &chunks, &depth)?
        .cache(op.cache)
        .solve(exec, initial, step)
}

/// Reconstruction by dilation within one padded block.
struct Kernel {
    /// Spread offsets per axis.
    spread: Vec<Vec<isize>>,
    /// Width of the sentinel frame around the padded block, per axis.
    frame: Vec<usize>,
}

impl Kernel {
    fn new(spread: &[Vec<isize>], depth: &[usize]) -> Self {
        Kernel {
            spread: spread.to_vec(),
            frame: depth.to_vec(),
        }
    }

    /// Reconstructs `block` within `padded`: `values` holds the seed inside
    /// the block and the neighbours' fixed values around it, `limit` the
    /// mask over `padded`. Returns the block's reconstruction.
    fn solve<F: ReconstructionFloat>(
        &self,
        block: &Region,
        padded: &Region,
        values: ArrayViewD<'_, F>,
        limit: ArrayViewD<'_, F>,
        method: ReconstructionMethod,
    ) -> Result<ArrayD<F>> {
        let inner = block.relative_to(padded);
        let seed = inner.view(&values);
        let mask = inner.view(&limit);
        if ndarray::Zip::from(&seed).and(&mask).any(|s, m| s > m) {
            return Err(Error::InvalidArgument(match method {
                ReconstructionMethod::Dilation => {
                    "intensity of seed image must be less than that of \
                    the mask image for reconstruction by dilation"
                        .into()
                }
                ReconstructionMethod::Erosion => {
                    "intensity of seed image must be greater than that \
                    of the mask image for reconstruction by erosion"
                        .into()
                }
            }));
        }
        // The padded block inside a frame of sentinels (-inf: they neither
        // spread nor change), so neighbours need no bounds checks. Around the
        // block the mask equals the values: they spread but stay fixed.
        let framed_shape: Vec<usize> = padded
            .shape()
            .iter()
            .zip(&self.frame)
            .map(|(&n, &f)| n + 2 * f)
            .collect();
        let at = Region::new(self.frame.clone(), padded.shape().to_vec());
        let mut j = ArrayD::from_elem(IxDyn(&framed_shape), F::neg_infinity());
        let mut m = j.clone();
        assign_block(at.view_mut(&mut j), values.view());
        assign_block(at.view_mut(&mut m), values.view());
        let core = inner.offset(&self.frame);
        assign_block(core.view_mut(&mut m), mask.view());
        let strides = c_strides(&framed_shape);
        let spread: Vec<isize> = self
            .spread
            .iter()
            .map(|o| o.iter().zip(&strides).map(|(&d, &s)| d * s as isize).sum())
            .collect();
        let rows = row_starts(&core, &strides);
        let row_len = core.shape().last().copied().unwrap_or(1);
        let (jv, mv) = (
            j.as_slice_mut()
                .ok_or_else(|| Error::Failed("a new array is not contiguous".into()))?,
            m.as_slice()
                .ok_or_else(|| Error::Failed("a new array is not contiguous".into()))?,
        );
        dilate(jv, mv, &rows, row_len, &spread);
        Ok(copy_block(core.view(&j)))
    }
}

/// C-order strides of `shape`.
pub(crate) fn c_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        strides[k] = strides[k + 1] * shape[k + 1];
    }
    strides
}

/// The flat index of the first voxel of every row of `region` (rows along
/// the last axis, in C order), in an array of `strides`.
pub(crate) fn row_starts(region: &Region, strides: &[usize]) -> Vec<usize> {
    let ndim = region.ndim();
    if region.is_empty() {
        return Vec::new();
    }
    let lead = &region.shape()[..ndim - 1];
    let mut rows = Vec::with_capacity(lead.iter().product());
    let mut coords = vec![0usize; ndim - 1];
    loop {
        let flat: usize = (0..ndim)
            .map(|k| (region.start()[k] + if k < ndim - 1 { coords[k] } else { 0 }) * strides[k])
            .sum();
        rows.push(flat);
        let mut k = ndim - 1;
        loop {
            if k == 0 {
                return rows;
            }
            k -= 1;
            coords[k] += 1;
            if coords[k] < lead[k] {
                break;
            }
            coords[k] = 0;
        }
    }
}

/// Reconstruction by dilation of `j` under `m` (flat arrays with a sentinel
/// frame) over the voxels of `rows`: a raster scan taking the values spread
/// from earlier voxels, an anti-raster scan taking those from later ones and
/// queueing every voxel that can still raise a neighbour, then the queue.
fn dilate<F: Float>(j: &mut [F], m: &[F], rows: &[usize], row_len: usize, spread: &[isize]) {
    let forward: Vec<isize> = spread.iter().copied().filter(|&s| s > 0).collect();
    let backward: Vec<isize> = spread.iter().copied().filter(|&s| s < 0).collect();
    let at = |p: usize, s: isize| (p as isize + s) as usize;
    let raise = |j: &mut [F], p: usize, sources: &[isize]| {
        let mut v = j[p];
        for &s in sources {
            let q = j[at(p, -s)];
            if q > v {
                v = q;
            }
        }
        if v > j[p] {
            j[p] = if v < m[p] { v } else { m[p] };
        }
    };
    for &row in rows {
        for p in row..row + row_len {
            raise(j, p, &forward);
        }
    }
    let mut queue = VecDeque::new();
    for &row in rows.iter().rev() {
        for p in (row..row + row_len).rev() {
            raise(j, p, &backward);
            let v = j[p];
            if forward.iter().any(|&s| {
                let r = at(p, s);
                j[r] < v && j[r] < m[r]
            }) {
                queue.push_back(p);
            }
        }
    }
    while let Some(p) = queue.pop_front() {
        let v = j[p];
        for &s in spread {
            let r = at(p, s);
            if j[r] < v && j[r] < m[r] {
                j[r] = if v < m[r] { v } else { m[r] };
                queue.push_back(r);
            }
        }
    }
}

/// `skimage.morphology.reconstruction(seed, mask, method, footprint)` in
/// memory, in `f64`.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmorph::{ReconstructionMethod, reconstruction};
/// let seed = array![[0u8, 0, 0], [0, 7, 0]].into_dyn();
/// let mask = array![[5u8, 9, 1], [5, 9, 9]].into_dyn();
/// let rec = reconstruction(&seed.view(), &mask.view(), ReconstructionMethod::Dilation)?;
/// assert_eq!(rec, array![[5.0, 7.0, 1.0], [5.0, 7.0, 7.0]].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn reconstruction<T: Element, M: Element>(
    seed: &ArrayViewD<'_, T>,
    mask: &ArrayViewD<'_, M>,
    method: ReconstructionMethod,
) -> Result<ArrayD<f64>> {
    Reconstruction::new(method).apply(seed, mask)
}

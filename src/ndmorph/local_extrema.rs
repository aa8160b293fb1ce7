//! Local extrema, scikit-image's `local_maxima` and `local_minima`: the
//! plateaus (connected sets of equal values) that no neighbour rises above
//! (maxima) or falls below (minima), in memory or chunked at any chunking.
//!
//! A plateau spans any number of chunks, so whether a voxel is an extremum is
//! a global question. It is answered as a fixed point of the engine's
//! [`Fixpoint`]: a voxel is *excluded* when a neighbour is higher (maxima),
//! when it touches the image border in the way scikit-image forbids, or when
//! an equal neighbour is excluded. Exclusion only ever spreads, so the
//! iteration is monotone and its result, the extrema being the voxels never
//! excluded, is scikit-image's whatever the chunking.

use std::collections::VecDeque;

use ndarray::{ArrayD, ArrayViewD, IxDyn};

use crate::engine::{
    ArraySink, Element, Executor, Fixpoint, Region, Sink, Source, ViewSource, assign_block,
    map_blocks, min_max, store,
};
use crate::error::{Error, Result};
use crate::ndfilters::Footprint;
use crate::ndmeasure::Structure;
use crate::ndmorph::reconstruct::{c_strides, row_starts};

/// `skimage.morphology.local_maxima` and `local_minima` (with
/// `indices=False`), configured once and run in memory
/// ([`LocalExtrema::apply`]) or chunk by chunk from a source into a sink
/// ([`LocalExtrema::run`]). The output is 1 on the extrema, 0 elsewhere.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmorph::LocalExtrema;
/// use tesserae::{ArraySink, ArraySource, Executor};
///
/// // scikit-image's example: with the full neighbourhood the plateau of 2s
/// // touches the 3 diagonally, so it is no maximum; with connectivity 1 it is.
/// let image = array![
///     [0u8, 0, 0, 0, 0, 0, 0],
///     [0, 1, 1, 0, 2, 2, 0],
///     [0, 1, 1, 0, 2, 2, 0],
///     [1, 0, 0, 0, 0, 0, 3],
/// ]
/// .into_dyn();
/// let full = LocalExtrema::maxima().apply(&image.view())?;
/// let faces = LocalExtrema::maxima().connectivity(1).apply(&image.view())?;
/// let plateaus = array![
///     [0u8, 0, 0, 0, 0, 0, 0],
///     [0, 1, 1, 0, 1, 1, 0],
///     [0, 1, 1, 0, 1, 1, 0],
///     [1, 0, 0, 0, 0, 0, 1],
/// ]
/// .into_dyn();
/// assert_eq!(faces, plateaus);
/// assert_eq!(full.sum(), plateaus.sum() - 4);
///
/// // Chunked, the plateaus cross chunks and the result is the same.
/// let source = ArraySource::new(image).with_chunks(&[1, 2])?;
/// let mut sink = ArraySink::<u8>::new(&[4, 7]);
/// LocalExtrema::maxima().connectivity(1).run(&Executor::new(), &source, &mut sink)?;
/// assert_eq!(sink.into_array(), faces);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LocalExtrema {
    minima: bool,
    connectivity: Option<usize>,
    footprint: Option<Footprint>,
    allow_borders: bool,
    chunks: Option<Vec<usize>>,
    cache: usize,
}

impl LocalExtrema {
    /// The local maxima (`local_maxima`), with scikit-image's defaults: the
    /// full 3 × … × 3 neighbourhood, plateaus at the border allowed.
    pub fn maxima() -> Self {
        LocalExtrema {
            minima: false,
            connectivity: None,
            footprint: None,
            allow_borders: true,
            chunks: None,
            cache: Fixpoint::DEFAULT_CACHE,
        }
    }

    /// The local minima (`local_minima`), with the same defaults.
    pub fn minima() -> Self {
        LocalExtrema {
            minima: true,
            ..LocalExtrema::maxima()
        }
    }

    /// The neighbourhood as `scipy.ndimage.generate_binary_structure(ndim,
    /// connectivity)` (default: `ndim`, the full box).
    pub fn connectivity(mut self, connectivity: usize) -> Self {
        self.connectivity = Some(connectivity);
        self.footprint = None;
        self
    }

    /// Any neighbourhood within the 3 × … × 3 box, instead of
    /// [`LocalExtrema::connectivity`]. It must be symmetric through its
    /// centre (a plateau is then the same seen from any of its voxels).
    pub fn footprint(mut self, footprint: Footprint) -> Self {
        self.footprint = Some(footprint);
        self.connectivity = None;
        self
    }

    /// Whether plateaus touching the image border can be extrema (default
    /// `true`). When `false`, no voxel of the outermost layer is one, nor any
    /// plateau reaching it, and an image thinner than 3 along some axis has
    /// none.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmorph::LocalExtrema;
    /// let image = array![0u8, 3, 1, 2, 1, 5].into_dyn();
    /// let inner = LocalExtrema::maxima().allow_borders(false).apply(&image.view())?;
    /// assert_eq!(inner.as_slice(), Some(&[0u8, 1, 0, 1, 0, 0][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn allow_borders(mut self, allow: bool) -> Self {
        self.allow_borders = allow;
        self
    }

    /// The chunk shape of a chunked run (default: the image's native chunks).
    /// The result does not depend on it.
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// The byte budget for blocks kept between the iteration's passes and
    /// the output (see [`Fixpoint::cache`]).
    pub fn cache(mut self, bytes: usize) -> Self {
        self.cache = bytes;
        self
    }

    /// The extrema of an in-memory image, in parallel chunks when
    /// [`LocalExtrema::chunks`] is set.
    ///
    /// Fails when the neighbourhood has another rank, is not within the
    /// 3 × … × 3 box or is not symmetric.
    pub fn apply<T: Element>(&self, image: &ArrayViewD<'_, T>) -> Result<ArrayD<u8>> {
        let chunks = self
            .chunks
            .clone()
            .unwrap_or_else(|| image.shape().to_vec());
        let source = ViewSource::new(image.view(), &chunks)?;
        let mut sink = ArraySink::<u8>::new(image.shape());
        self.run(&Executor::new(), &source, &mut sink)?;
        Ok(sink.into_array())
    }

    /// The extrema of `image`, chunk by chunk, written to `sink` and committed.
    ///
    /// Memory: the blocks' border slabs, the blocks in flight, and up to
    /// [`LocalExtrema::cache`] bytes of solved blocks.
    pub fn run<S: Source>(
        &self,
        exec: &Executor,
        image: &S,
        sink: &mut dyn Sink<Elem = u8>,
    ) -> Result<()> {
        let marked = self.lazy(exec, image)?;
        store(exec, &marked, sink)
    }

    /// The extrema of `image` as a lazy source (1 on the extrema), after the
    /// iteration has run.
    pub(crate) fn lazy<'a, T: Element>(
        &self,
        exec: &Executor,
        image: &'a dyn Source<Elem = T>,
    ) -> Result<impl Source<Elem = u8> + 'a> {
        let shape = image.shape().to_vec();
        let offsets = self.neighbours(shape.len())?;
        let chunks = self
            .chunks
            .clone()
            .unwrap_or_else(|| image.chunk_shape().to_vec());
        // With borders allowed, scikit-image pads the image with its minimum
        // (minima: maximum), which excludes the border plateaus at that value.
        let padding = if self.allow_borders {
            min_max(exec, image, Some(&chunks))?.map(|r| if self.minima { r.max } else { r.min })
        } else {
            None
        };
        let plateaus = Plateaus {
            shape: shape.clone(),
            offsets,
            minima: self.minima,
            allow_borders: self.allow_borders,
        };
        let plateaus = std::sync::Arc::new(plateaus);
        let (first, second) = (plateaus.clone(), plateaus);
        let initial = move |region: &Region| first.initial(image, region, padding);
        let step = move |block: &Region, padded: &Region, flags: ArrayViewD<'_, u8>| {
            second.spread(image, block, padded, flags)
        };
        let depth = vec![1; shape.len()];
        let solved = Fixpoint::new(&shape, &chunks, &depth)?
            .cache(self.cache)
            .solve(exec, initial, step)?;
        map_blocks(solved, None, |excluded, _| Ok(excluded.mapv(|e| 1 - e)))
    }

    /// The neighbour offsets, checked: within the 3 × … × 3 box, symmetric.
    fn neighbours(&self, ndim: usize) -> Result<Vec<Vec<isize>>> {
        let footprint = match (&self.footprint, self.connectivity) {
            (Some(f), _) if f.ndim() != ndim => {
                return Err(Error::InvalidArgument(format!(
                    "the footprint has {} axes but the image has {ndim}",
                    f.ndim()
                )));
            }
            (Some(f), _) => f.clone(),
            (None, c) => {
                Footprint::from_structure(&Structure::connectivity(ndim, c.unwrap_or(ndim))?)
            }
        };
        let offsets = footprint.neighbour_order();
        if offsets.iter().flatten().any(|d| d.abs() > 1) {
            return Err(Error::InvalidArgument(
                "local extrema need a footprint within the 3 x ... x 3 box".into(),
            ));
        }
        let mirrored = |o: &Vec<isize>| {
            let back: Vec<isize> = o.iter().map(|d| -d).collect();
            offsets.contains(&back)
        };
        if !offsets.iter().all(mirrored) {
            return Err(Error::InvalidArgument(
                "local extrema need a footprint symmetric through its centre".into(),
            ));
        }
        Ok(offsets)
    }
}

/// The exclusion rules of [`LocalExtrema`].
struct Plateaus {
    shape: Vec<usize>,
    offsets: Vec<Vec<isize>>,
    minima: bool,
    allow_borders: bool,
}

impl Plateaus {
    /// Whether `other` rules out `value` (rises above it; minima: falls below).
    fn beats<T: Element>(&self, other: T, value: T) -> bool {
        if self.minima {
            other < value
        } else {
            other > value
        }
    }

    /// The voxels of `region` excluded by their own neighbourhood: a
    /// neighbour that beats them, or the border (scikit-image's outermost
    /// layer, or with borders allowed a neighbour outside the image when the
    /// voxel equals the `padding` value).
    fn initial<T: Element>(
        &self,
        image: &dyn Source<Elem = T>,
        region: &Region,
        padding: Option<T>,
    ) -> Result<ArrayD<u8>> {
        let padded = region.grow(&vec![1; self.shape.len()], &self.shape);
        let framed = Framed::new(image.read(&padded)?.view());
        let offsets = framed.raveled(&self.offsets);
        let mut out = Vec::with_capacity(region.len());
        for_each_voxel(&framed.locate(region, &padded), &framed.strides, |p| {
            let value = framed.values[p];
            let excluded = if !self.allow_borders && framed.on_border(p) {
                true
            } else {
                offsets.iter().any(|&o| {
                    let q = p.wrapping_add_signed(o);
                    if framed.outside[q] {
                        padding == Some(value)
                    } else {
                        self.beats(framed.values[q], value)
                    }
                })
            };
            out.push(u8::from(excluded));
        });
        ArrayD::from_shape_vec(IxDyn(region.shape()), out)
            .map_err(|e| Error::Failed(format!("local extrema: {e}")))
    }

    /// Spreads exclusion through the equal values of `block`, from the
    /// exclusion `flags` over `padded` (the block's own initial ones and the
    /// neighbours' current ones around it).
    fn spread<T: Element>(
        &self,
        image: &dyn Source<Elem = T>,
        block: &Region,
        padded: &Region,
        flags: ArrayViewD<'_, u8>,
    ) -> Result<ArrayD<u8>> {
        const EXCLUDED: u8 = 1;
        const OPEN: u8 = 2;
        let framed = Framed::new(image.read(padded)?.view());
        let offsets = framed.raveled(&self.offsets);
        let mut state = vec![0u8; framed.values.len()];
        let whole = framed.locate(padded, padded);
        let core = framed.locate(block, padded);
        let mut at = flags.iter();
        for_each_voxel(&whole, &framed.strides, |p| {
            if at.next() == Some(&EXCLUDED) {
                state[p] = EXCLUDED;
            }
        });
        // The open voxels (the candidates, usually few) next to an equal
        // excluded one start the spread.
        let mut open = Vec::new();
        for_each_voxel(&core, &framed.strides, |p| {
            if state[p] == 0 {
                state[p] = OPEN;
                open.push(p);
            }
        });
        let mut queue = VecDeque::new();
        for q in open {
            let value = framed.values[q];
            let reached = offsets.iter().any(|&o| {
                let p = q.wrapping_add_signed(o);
                state[p] == EXCLUDED && framed.values[p] == value
            });
            if reached {
                state[q] = EXCLUDED;
                queue.push_back(q);
            }
        }
        while let Some(p) = queue.pop_front() {
            let value = framed.values[p];
            for &o in &offsets {
                let q = p.wrapping_add_signed(o);
                if state[q] == OPEN && framed.values[q] == value {
                    state[q] = EXCLUDED;
                    queue.push_back(q);
                }
            }
        }
        let mut out = Vec::with_capacity(block.len());
        for_each_voxel(&core, &framed.strides, |p| out.push(state[p] & EXCLUDED));
        ArrayD::from_shape_vec(IxDyn(block.shape()), out)
            .map_err(|e| Error::Failed(format!("local extrema: {e}")))
    }
}

/// Values over a region inside a frame one voxel wide, flat in C order, with
/// the frame marked as outside the image (the region is a block grown by one
/// and clipped to the image, so every frame voxel a block voxel reaches is).
struct Framed<T> {
    values: Vec<T>,
    outside: Vec<bool>,
    strides: Vec<usize>,
}

impl<T: Element> Framed<T> {
    fn new(values: ArrayViewD<'_, T>) -> Self {
        let ndim = values.ndim();
        let shape: Vec<usize> = values.shape().iter().map(|n| n + 2).collect();
        let inner = Region::new(vec![1; ndim], values.shape().to_vec());
        let mut framed = ArrayD::from_elem(IxDyn(&shape), T::default());
        let mut outside = ArrayD::from_elem(IxDyn(&shape), true);
        assign_block(inner.view_mut(&mut framed), values.view());
        inner.view_mut(&mut outside).fill(false);
        Framed {
            values: framed.into_raw_vec_and_offset().0,
            outside: outside.into_raw_vec_and_offset().0,
            strides: c_strides(&shape),
        }
    }

    /// `region` (within `padded`, the framed values' region) in framed
    /// coordinates.
    fn locate(&self, region: &Region, padded: &Region) -> Region {
        region
            .relative_to(padded)
            .offset(&vec![1; self.strides.len()])
    }

    /// Offsets as flat steps.
    fn raveled(&self, offsets: &[Vec<isize>]) -> Vec<isize> {
        offsets
            .iter()
            .map(|o| {
                o.iter()
                    .zip(&self.strides)
                    .map(|(&d, &s)| d * s as isize)
                    .sum()
            })
            .collect()
    }

    /// Whether the voxel at `p` lies on the image's outermost layer.
    fn on_border(&self, p: usize) -> bool {
        self.strides
            .iter()
            .any(|&s| self.outside[p - s] || self.outside[p + s])
    }
}

/// Calls `f` with the flat index of every voxel of `region` in C order.
fn for_each_voxel(region: &Region, strides: &[usize], mut f: impl FnMut(usize)) {
    let len = region.shape().last().copied().unwrap_or(1);
    for row in row_starts(region, strides) {
        (row..row + len).for_each(&mut f);
    }
}

/// `skimage.morphology.local_maxima(image)` in memory: 1 on the plateaus no
/// neighbour (full connectivity) rises above.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmorph::local_maxima;
/// let image = array![2u8, 2, 1, 4, 4, 4, 0].into_dyn();
/// assert_eq!(local_maxima(&image.view())?.as_slice(), Some(&[1u8, 1, 0, 1, 1, 1, 0][..]));
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn local_maxima<T: Element>(image: &ArrayViewD<'_, T>) -> Result<ArrayD<u8>> {
    LocalExtrema::maxima().apply(image)
}

/// `skimage.morphology.local_minima(image)` in memory: 1 on the plateaus no
/// neighbour (full connectivity) falls below.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmorph::local_minima;
/// let image = array![3.0, 1.0, 1.0, 2.0, 0.5].into_dyn();
/// assert_eq!(local_minima(&image.view())?.as_slice(), Some(&[0u8, 1, 1, 0, 1][..]));
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn local_minima<T: Element>(image: &ArrayViewD<'_, T>) -> Result<ArrayD<u8>> {
    LocalExtrema::minima().apply(image)
}

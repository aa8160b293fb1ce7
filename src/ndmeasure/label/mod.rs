//! Connected-component labeling, in memory and chunked, numbered exactly as
//! `scipy.ndimage.label` (multilabel mode: as `skimage.measure.label`).
//!
//! - [`label`]: the plain in-memory function over an ndarray view.
//! - [`Label`]: the builder (connectivity or structure, threshold, multilabel,
//!   chunk shape) that labels in memory ([`Label::apply`]) or any [`Source`]
//!   into any [`Sink`] chunk by chunk ([`Label::run`]).
//! - [`Structure`] and [`Connectivity`]: which neighbours connect.
//!
//! The kernel is run-based (see `runs.rs`), the chunked merge is described in
//! `chunked.rs`; [`Label::apply`] on a pool of several threads labels slabs
//! of the image in parallel and merges them the same way (`slabs.rs`).

pub mod block;
mod chunked;
mod forest;
mod lazy;
mod runs;
mod scratch;
mod slabs;
mod structure;

use ndarray::{ArrayD, ArrayViewD};

use crate::engine::{Element, Executor, Sink, Source, zeroed};
use crate::error::{Error, Result};
use crate::ndmeasure::LabelValue;
pub use chunked::Prepared;
pub(crate) use forest::Forest;
pub use lazy::LabelSource;
use runs::{Mode, Plan, label_view};
pub use structure::{Connectivity, Structure};

/// Labels the connected components of the non-zero voxels of `image`, as
/// `scipy.ndimage.label(image, structure)`: objects are numbered `1..=count`
/// in raster order of their first voxel, background is 0.
///
/// Any non-zero value is foreground, including negative values and NaN. Fails
/// when the structure's rank differs from the image's, or for a rank-0 image.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::{label, Structure};
///
/// let image = array![[1u8, 1, 0, 0], [0, 0, 0, 1], [1, 0, 1, 1]].into_dyn();
/// let (labels, count) = label(&image.view(), &Structure::connectivity(2, 1)?)?;
/// assert_eq!(count, 3);
/// assert_eq!(labels, array![[1u32, 1, 0, 0], [0, 0, 0, 2], [3, 0, 2, 2]].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn label<T: Element>(
    image: &ArrayViewD<'_, T>,
    structure: &Structure,
) -> Result<(ArrayD<u32>, usize)> {
    Label::with_structure(structure.clone()).apply(image)
}

/// Which structure a [`Label`] uses: given, or a connectivity resolved with the image's rank.
#[derive(Clone, Debug, PartialEq)]
enum Neighbourhood {
    Connectivity(Connectivity),
    Structure(Structure),
}

/// Connected-component labeling, configured once and run in memory or chunked.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::{Connectivity, Label};
/// use tesserae::{ArraySink, ArraySource, Executor};
///
/// let image = array![[1u8, 0, 1], [0, 1, 0], [2, 0, 0]].into_dyn();
///
/// // In memory, 8-connectivity: one object.
/// let (labels, count) = Label::new(Connectivity::Full).apply(&image.view())?;
/// assert_eq!(count, 1);
///
/// // Chunked, 4-connectivity, from a source into a sink: four objects.
/// let source = ArraySource::new(image.clone());
/// let mut sink = ArraySink::<u32>::new(&[3, 3]);
/// let label = Label::new(Connectivity::Face).chunks(&[2, 2]);
/// let count = label.run(&Executor::new(), &source, &mut sink)?;
/// assert_eq!(count, 4);
/// assert_eq!(sink.into_array(), array![[1u32, 0, 2], [0, 3, 0], [4, 0, 0]].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    neighbourhood: Neighbourhood,
    threshold: Option<f64>,
    multilabel: bool,
    chunks: Option<Vec<usize>>,
    cache: usize,
}

impl Label {
    /// Labeling with a connectivity (resolved with the image's rank).
    ///
    /// ```
    /// use tesserae::ndmeasure::{Connectivity, Label};
    /// let label = Label::new(Connectivity::Axes(2));
    /// # let _ = label;
    /// ```
    pub fn new(connectivity: Connectivity) -> Self {
        Label {
            neighbourhood: Neighbourhood::Connectivity(connectivity),
            threshold: None,
            multilabel: false,
            chunks: None,
            cache: Label::DEFAULT_CACHE,
        }
    }

    /// Labeling with an explicit structuring element.
    ///
    /// ```
    /// use tesserae::ndmeasure::{Label, Structure};
    /// let label = Label::with_structure(Structure::full(3)?);
    /// # let _ = label;
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn with_structure(structure: Structure) -> Self {
        Label {
            neighbourhood: Neighbourhood::Structure(structure),
            ..Label::new(Connectivity::Face)
        }
    }

    /// Foreground is `value > threshold` (compared as `f64`) instead of `value != 0`.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::{Connectivity, Label};
    /// let image = array![0.2f32, 0.9, 0.7, 0.1, 0.8].into_dyn();
    /// let (labels, n) = Label::new(Connectivity::Face).threshold(0.5).apply(&image.view())?;
    /// assert_eq!((labels, n), (array![0u32, 1, 1, 0, 2].into_dyn(), 2));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn threshold(mut self, threshold: f64) -> Self {
        self.threshold = Some(threshold);
        self
    }

    /// Multilabel mode (`skimage.measure.label` with background 0): neighbours
    /// connect only when they hold the same foreground value.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::{Connectivity, Label};
    /// let image = array![1u8, 1, 2, 2, 0, 2].into_dyn();
    /// let (labels, n) = Label::new(Connectivity::Face).multilabel(true).apply(&image.view())?;
    /// assert_eq!((labels, n), (array![1u32, 1, 2, 2, 0, 3].into_dyn(), 3));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn multilabel(mut self, multilabel: bool) -> Self {
        self.multilabel = multilabel;
        self
    }

    /// Chunk shape for [`Label::run`] (default: the source's native chunks).
    ///
    /// ```
    /// let label = tesserae::ndmeasure::Label::new(tesserae::ndmeasure::Connectivity::Full)
    ///     .chunks(&[128, 128, 128]);
    /// # let _ = label;
    /// ```
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// Bytes of provisional labels (run-length encoded) [`Label::run`] keeps
    /// between its first and last pass (default [`Label::DEFAULT_CACHE`]).
    /// Chunks whose runs do not fit are read and labeled a second time instead;
    /// 0 always relabels, keeping memory to the chunks in flight.
    ///
    /// ```
    /// use tesserae::ndmeasure::{Connectivity, Label};
    /// let out_of_core = Label::new(Connectivity::Full).cache(0);
    /// # let _ = out_of_core;
    /// ```
    pub fn cache(mut self, bytes: usize) -> Self {
        self.cache = bytes;
        self
    }

    /// Default byte budget of [`Label::cache`]: 256 MiB.
    pub const DEFAULT_CACHE: usize = 256 << 20;

    /// The structure for images of rank `ndim`.
    ///
    /// ```
    /// use tesserae::ndmeasure::{Connectivity, Label};
    /// assert_eq!(Label::new(Connectivity::Full).structure(3)?.offsets().len(), 26);
    /// assert!(Label::new(Connectivity::Full).structure(0).is_err());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn structure(&self, ndim: usize) -> Result<Structure> {
        let structure = match &self.neighbourhood {
            Neighbourhood::Connectivity(c) => c.structure(ndim)?,
            Neighbourhood::Structure(s) => s.clone(),
        };
        if structure.ndim() != ndim {
            return Err(Error::InvalidArgument(format!(
                "the structuring element has {} axes but the image has {ndim}",
                structure.ndim()
            )));
        }
        Ok(structure)
    }

    fn mode(&self) -> Mode {
        Mode {
            threshold: self.threshold,
            multilabel: self.multilabel,
        }
    }

    /// Labels an in-memory image; returns the labels and their count.
    ///
    /// Runs on the current rayon pool (the global one, or the one a caller
    /// installs, e.g. with [`Executor::install`]): on several threads, an
    /// image of more than 2^18 voxels is cut into one slab per thread along
    /// its first axis, the slabs are labeled in parallel and merged; the
    /// labels are the same.
    ///
    /// Fails for a rank-0 image, a structure of another rank, or an image of
    /// `u32::MAX` voxels or more (label those with [`Label::run`]).
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::{Connectivity, Label};
    /// let image = array![[-1.5f64, 0.0], [0.0, f64::NAN]].into_dyn();
    /// let (labels, n) = Label::new(Connectivity::Face).apply(&image.view())?;
    /// assert_eq!((labels, n), (array![[1u32, 0], [0, 2]].into_dyn(), 2));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply<T: Element>(&self, image: &ArrayViewD<'_, T>) -> Result<(ArrayD<u32>, usize)> {
        let structure = self.structure(image.ndim())?;
        if image.len() >= u32::MAX as usize {
            return Err(Error::InvalidArgument(format!(
                "{} voxels are too many to label in one piece: label in chunks",
                image.len()
            )));
        }
        if let Some(height) = slabs::slab_height(image.shape(), rayon::current_num_threads()) {
            return slabs::label_in_slabs(image, &structure, self.mode(), height);
        }
        let plan = Plan::new(&structure, image.shape());
        let runs = label_view(image.view(), &plan, self.mode())?;
        let mut out = zeroed::<u32>(image.len());
        runs.write(&mut out, 0, |l| l);
        let out = ArrayD::from_shape_vec(image.shape().to_vec(), out)
            .map_err(|e| Error::Failed(format!("labels do not fit the image's shape: {e}")))?;
        Ok((out, runs.count()))
    }

    /// Labels `source` into `sink` chunk by chunk on `exec`, then commits the
    /// sink; returns the number of objects. The labels equal [`Label::apply`]'s
    /// on the whole image, whatever the chunking.
    ///
    /// Fails when the shapes differ, the chunk shape is invalid, or the
    /// objects outnumber the sink's label type (use a `u64` sink then).
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndmeasure::{Connectivity, Label};
    /// use tesserae::{ArraySink, ArraySource, Executor};
    ///
    /// let image = ArrayD::from_shape_fn(vec![6, 6, 6], |i| ((i[0] + i[1] + i[2]) % 3 == 0) as u8);
    /// let source = ArraySource::new(image.clone()).with_chunks(&[4, 4, 4])?;
    /// let mut sink = ArraySink::<u64>::new(&[6, 6, 6]);
    /// let n = Label::new(Connectivity::Full).run(&Executor::new(), &source, &mut sink)?;
    /// let (whole, m) = Label::new(Connectivity::Full).apply(&image.view())?;
    /// assert_eq!(n, m);
    /// assert_eq!(sink.into_array(), whole.mapv(u64::from));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn run<S, K, L>(&self, exec: &Executor, source: &S, sink: &mut K) -> Result<usize>
    where
        S: Source,
        K: Sink<Elem = L>,
        L: LabelValue,
    {
        if sink.shape() != source.shape() {
            return Err(Error::ShapeMismatch {
                expected: source.shape().to_vec(),
                found: sink.shape().to_vec(),
            });
        }
        self.prepare(exec, source)?.write(exec, sink)
    }

    /// The first two passes of [`Label::run`]: labels every chunk and merges
    /// them up to the final numbering, without writing. The result knows the
    /// number of objects, so the caller can pick the output's label type
    /// (`u32`, or `u64` beyond `u32::MAX` objects) before
    /// [`Prepared::write`] writes it.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndmeasure::{Connectivity, Label};
    /// use tesserae::{ArraySink, ArraySource, Executor};
    ///
    /// let source = ArraySource::new(ArrayD::from_elem(vec![5, 5], 1u8)).with_chunks(&[2, 2])?;
    /// let exec = Executor::new();
    /// let prepared = Label::new(Connectivity::Full).prepare(&exec, &source)?;
    /// let n = if prepared.count() <= u32::MAX as usize {
    ///     prepared.write(&exec, &mut ArraySink::<u32>::new(&[5, 5]))?
    /// } else {
    ///     prepared.write(&exec, &mut ArraySink::<u64>::new(&[5, 5]))?
    /// };
    /// assert_eq!(n, 1);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn prepare<'a, S: Source>(
        &self,
        exec: &Executor,
        source: &'a S,
    ) -> Result<Prepared<'a, S::Elem>> {
        let structure = self.structure(source.ndim())?;
        let chunks = match &self.chunks {
            Some(c) => c.clone(),
            None => source.chunk_shape().to_vec(),
        };
        chunked::prepare(exec, source, &structure, self.mode(), &chunks, self.cache)
    }
}

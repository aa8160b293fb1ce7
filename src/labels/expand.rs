//! `expand_labels`: every label grown into the background by a distance,
//! without overlap, as scikit-image's `segmentation.expand_labels`.

use ndarray::{ArrayD, ArrayViewD, IxDyn};

use crate::engine::{BoundaryMode, Executor, Sink, Source, map_overlap, store};
use crate::error::{Error, Result};
use crate::labels::remove::check_shapes;
use crate::ndmeasure::LabelValue;
use crate::ndmorph::{DistanceTransform, NONE, feature_transform};

/// Grows every label of an in-memory label image into the background (0)
/// by up to `distance`, as scikit-image 0.26's
/// `segmentation.expand_labels(labels, distance)`: a background voxel takes
/// the label of its nearest labelled voxel when that lies within `distance`.
/// Equidistant labelled voxels are decided as scikit-image decides them,
/// through scipy's feature transform (see
/// [`DistanceTransform::lazy_indices`]).
///
/// Fails when `distance` is negative or not finite.
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::expand_labels;
/// let labels = array![0u8, 1, 0, 0, 0, 2, 0, 0].into_dyn();
/// let grown = expand_labels(&labels.view(), 2.0)?;
/// assert_eq!(grown, array![1u8, 1, 1, 1, 2, 2, 2, 2].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn expand_labels<L: LabelValue>(
    labels: &ArrayViewD<'_, L>,
    distance: f64,
) -> Result<ArrayD<L>> {
    ExpandLabels::new(distance).apply(labels)
}

/// scikit-image's `expand_labels`, configured once and run in memory
/// ([`ExpandLabels::apply`]) or chunk by chunk from a source into a sink
/// ([`ExpandLabels::run`]), with the same result at any chunking.
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::ExpandLabels;
/// use tesserae::{ArraySink, ArraySource, Executor};
/// let labels = array![[3u16, 0, 0, 0, 0], [0, 0, 0, 0, 7]].into_dyn();
/// let expand = ExpandLabels::new(1.5).spacing(&[2.0, 1.0]);
/// // Axis 0 steps are 2 long: (0, 4) is 2 away from the 7 below it, beyond 1.5.
/// let grown = array![[3u16, 3, 0, 0, 0], [0, 0, 0, 7, 7]].into_dyn();
/// assert_eq!(expand.apply(&labels.view())?, grown);
///
/// let source = ArraySource::new(labels).with_chunks(&[1, 2])?;
/// let mut sink = ArraySink::<u16>::new(&[2, 5]);
/// expand.run(&Executor::new(), &source, &mut sink)?;
/// assert_eq!(sink.into_array(), grown);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ExpandLabels {
    distance: f64,
    spacing: Option<Vec<f64>>,
    chunks: Option<Vec<usize>>,
}

impl ExpandLabels {
    /// Expansion by up to `distance` (in units of the spacing), unit spacing,
    /// the source's native chunks.
    ///
    /// ```
    /// let expand = tesserae::labels::ExpandLabels::new(3.0);
    /// # let _ = expand;
    /// ```
    pub fn new(distance: f64) -> Self {
        ExpandLabels {
            distance,
            spacing: None,
            chunks: None,
        }
    }

    /// The voxel size along every axis (scikit-image's `spacing`).
    ///
    /// ```
    /// let expand = tesserae::labels::ExpandLabels::new(3.0).spacing(&[2.0, 0.5, 0.5]);
    /// # let _ = expand;
    /// ```
    pub fn spacing(mut self, spacing: &[f64]) -> Self {
        self.spacing = Some(spacing.to_vec());
        self
    }

    /// The chunks of [`ExpandLabels::run`] (default: the source's native chunks).
    ///
    /// ```
    /// let expand = tesserae::labels::ExpandLabels::new(3.0).chunks(&[64, 256, 256]);
    /// # let _ = expand;
    /// ```
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// The checked spacing for `ndim` axes.
    fn spacing_for(&self, ndim: usize) -> Result<Vec<f64>> {
        if !(self.distance >= 0.0 && self.distance.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "the expansion distance {} must be non-negative and finite",
                self.distance
            )));
        }
        let mut edt = DistanceTransform::new();
        if let Some(spacing) = &self.spacing {
            edt = edt.sampling(spacing);
        }
        edt.sampling_for(ndim)
    }

    /// The expanded labels of an in-memory label image.
    ///
    /// Fails when the distance is negative or not finite, or for a spacing of
    /// another rank or not positive.
    ///
    /// ```
    /// use ndarray::array;
    /// let labels = array![[0i32, 0, 0], [0, 4, 0], [0, 0, 0]].into_dyn();
    /// let grown = tesserae::labels::ExpandLabels::new(1.0).apply(&labels.view())?;
    /// assert_eq!(grown, array![[0i32, 4, 0], [4, 4, 4], [0, 4, 0]].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply<L: LabelValue>(&self, labels: &ArrayViewD<'_, L>) -> Result<ArrayD<L>> {
        let spacing = self.spacing_for(labels.ndim())?;
        expand(labels, &spacing, self.distance)
    }

    /// Writes the expanded labels of `source` into `sink` chunk by chunk on
    /// `exec`, then commits the sink. Every chunk reads a halo of
    /// `ceil(distance / spacing)` voxels per axis (real neighbour data inside
    /// the array, background outside), which holds every labelled voxel
    /// within `distance`: the result equals [`ExpandLabels::apply`]'s at any
    /// chunking (for a spacing whose products round, see
    /// [`DistanceTransform::lazy_indices`] on near-ties).
    ///
    /// Fails as [`ExpandLabels::apply`] does, or when the shapes differ.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::labels::{expand_labels, ExpandLabels};
    /// use tesserae::{ArraySink, ArraySource, Executor};
    /// let labels = ArrayD::from_shape_fn(vec![9, 9], |i| if (i[0] * 9 + i[1]) % 17 == 0 { (i[0] + 1) as u32 } else { 0 });
    /// let source = ArraySource::new(labels.clone()).with_chunks(&[2, 2])?;
    /// let mut sink = ArraySink::<u32>::new(&[9, 9]);
    /// ExpandLabels::new(2.5).run(&Executor::new(), &source, &mut sink)?;
    /// assert_eq!(sink.into_array(), expand_labels(&labels.view(), 2.5)?);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn run<S, K, L>(&self, exec: &Executor, source: &S, sink: &mut K) -> Result<()>
    where
        L: LabelValue,
        S: Source<Elem = L>,
        K: Sink<Elem = L>,
    {
        check_shapes(source.shape(), sink.shape())?;
        let spacing = self.spacing_for(source.ndim())?;
        let halo = crate::ndmorph::halo(&spacing, self.distance);
        let mut builder = map_overlap(source, &halo).mode(BoundaryMode::Constant(0.0));
        if let Some(chunks) = &self.chunks {
            builder = builder.chunks(chunks);
        }
        let distance = self.distance;
        let lazy = builder.build(move |padded, block| {
            let grown = expand(&padded, &spacing, distance)?;
            Ok(block.centre(grown.view()).to_owned())
        })?;
        store(exec, &lazy, sink)
    }
}

/// `labels` expanded by `distance` with voxel size `spacing`.
fn expand<L: LabelValue>(
    labels: &ArrayViewD<'_, L>,
    spacing: &[f64],
    distance: f64,
) -> Result<ArrayD<L>> {
    let zero = L::zero();
    let (feature, squared) =
        feature_transform(labels.shape(), labels.iter().map(|&v| v != zero), spacing);
    let flat: Vec<L> = labels.iter().copied().collect();
    let out = feature
        .iter()
        .zip(&squared)
        .map(|(&f, &d2)| {
            if f != NONE && d2.sqrt() <= distance {
                flat[f]
            } else {
                zero
            }
        })
        .collect();
    ArrayD::from_shape_vec(IxDyn(labels.shape()), out).map_err(|e| Error::Failed(e.to_string()))
}

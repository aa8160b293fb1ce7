//! `relabel_sequential`: labels renumbered `offset, offset + 1, …` in ascending order.

use ndarray::{ArrayD, ArrayViewD};

use crate::engine::{Executor, Sink, Source, store};
use crate::error::{Error, Result};
use crate::labels::map::LabelMap;
use crate::labels::sizes::{sizes_chunked, sizes_in_memory};
use crate::ndmeasure::LabelValue;

/// The result of [`relabel_sequential`] in memory: the relabeled image and the
/// maps between the two label spaces.
#[derive(Clone, Debug, PartialEq)]
pub struct Relabeled<L> {
    /// The relabeled image.
    pub labels: ArrayD<L>,
    /// Old label → new label (`0 → 0` included when background is present).
    pub forward: LabelMap,
    /// New label → old label.
    pub inverse: LabelMap,
}

/// Renumbers the labels of `labels` to `offset, offset + 1, …` in ascending
/// order of the old labels, keeping 0 as background, as scikit-image's
/// `segmentation.relabel_sequential`.
///
/// Unlike scikit-image, the maps are sparse (sized by the number of labels, not
/// by the largest one) and the output keeps the input's type: a renumbering
/// that does not fit it is an error, as are negative labels and `offset == 0`.
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::relabel_sequential;
/// let labels = array![1u32, 1, 5, 5, 8, 99, 42].into_dyn();
/// let relabeled = relabel_sequential(&labels.view(), 1)?;
/// assert_eq!(relabeled.labels, array![1u32, 1, 2, 2, 3, 5, 4].into_dyn());
/// assert_eq!(relabeled.forward.get(99), Some(5));
/// assert_eq!(relabeled.inverse.get(4), Some(42));
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn relabel_sequential<L: LabelValue>(
    labels: &ArrayViewD<'_, L>,
    offset: u64,
) -> Result<Relabeled<L>> {
    let sizes = sizes_in_memory(labels, true);
    let (forward, inverse) = sequential_maps(&sizes, labels.len(), offset)?;
    Ok(Relabeled {
        labels: forward.apply(labels)?,
        forward,
        inverse,
    })
}

/// [`relabel_sequential`] over a label image of any size: one pass collects
/// the labels present, a second writes the renumbered chunks.
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::{relabel_sequential, RelabelSequential};
/// use tesserae::{ArraySink, ArraySource, Executor};
/// let labels = array![[7u16, 0], [3, 7]].into_dyn();
/// let source = ArraySource::new(labels.clone()).with_chunks(&[1, 1])?;
/// let mut sink = ArraySink::<u16>::new(&[2, 2]);
/// let (forward, _) = RelabelSequential::new().offset(10).run(&Executor::new(), &source, &mut sink)?;
/// assert_eq!(forward.get(7), Some(11));
/// assert_eq!(sink.into_array(), relabel_sequential(&labels.view(), 10)?.labels);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RelabelSequential {
    offset: u64,
    chunks: Option<Vec<usize>>,
}

impl Default for RelabelSequential {
    fn default() -> Self {
        RelabelSequential {
            offset: 1,
            chunks: None,
        }
    }
}

impl RelabelSequential {
    /// Renumbering from 1, in the source's native chunks.
    ///
    /// ```
    /// use tesserae::labels::RelabelSequential;
    /// let relabel = RelabelSequential::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The first new label (scikit-image's `offset`, default 1).
    ///
    /// ```
    /// use tesserae::labels::RelabelSequential;
    /// let relabel = RelabelSequential::new().offset(100);
    /// ```
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// The chunks to work in (default: the source's native chunks).
    ///
    /// ```
    /// use tesserae::labels::RelabelSequential;
    /// let relabel = RelabelSequential::new().chunks(&[64, 256, 256]);
    /// ```
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// The forward and inverse maps for `labels`, without writing anything.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::RelabelSequential;
    /// use tesserae::{ArraySource, Executor};
    /// let source = ArraySource::new(array![5u8, 2, 0].into_dyn());
    /// let (forward, inverse) = RelabelSequential::new().maps(&Executor::new(), &source)?;
    /// assert_eq!(forward.iter().collect::<Vec<_>>(), vec![(0, 0), (2, 1), (5, 2)]);
    /// assert_eq!(inverse.get(2), Some(5));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn maps<S>(&self, exec: &Executor, labels: &S) -> Result<(LabelMap, LabelMap)>
    where
        S: Source,
        S::Elem: LabelValue,
    {
        let sizes = sizes_chunked(exec, labels, self.chunks.as_deref(), true)?;
        let voxels = labels.shape().iter().product();
        sequential_maps(&sizes, voxels, self.offset)
    }

    /// Writes the renumbered labels of `labels` into `sink` (committing it)
    /// and returns the forward and inverse maps.
    pub fn run<S, K>(
        &self,
        exec: &Executor,
        labels: &S,
        sink: &mut K,
    ) -> Result<(LabelMap, LabelMap)>
    where
        S: Source,
        S::Elem: LabelValue,
        K: Sink<Elem = S::Elem>,
    {
        let (forward, inverse) = self.maps(exec, labels)?;
        store(exec, &forward.apply_chunked(labels)?, sink)?;
        Ok((forward, inverse))
    }
}

/// The maps of a renumbering from the sizes of every label, background
/// included; `voxels` is the image's voxel count, which the sizes fall short of
/// exactly when negative labels are present.
fn sequential_maps(
    sizes: &[(u64, u64)],
    voxels: usize,
    offset: u64,
) -> Result<(LabelMap, LabelMap)> {
    if offset == 0 {
        return Err(Error::InvalidArgument(
            "relabel offset must be strictly positive".into(),
        ));
    }
    let counted: u64 = sizes.iter().map(|&(_, n)| n).sum();
    if counted < voxels as u64 {
        return Err(Error::InvalidArgument(
            "cannot relabel an image that contains negative labels".into(),
        ));
    }
    let mut next = offset;
    let mut pairs = Vec::with_capacity(sizes.len());
    for &(label, _) in sizes {
        if label == 0 {
            pairs.push((0, 0));
        } else {
            pairs.push((label, next));
            next = next
                .checked_add(1)
                .ok_or_else(|| Error::InvalidArgument("relabeling overflows u64 labels".into()))?;
        }
    }
    let forward = LabelMap::new(pairs)?;
    let inverse = forward.inverse()?;
    Ok((forward, inverse))
}

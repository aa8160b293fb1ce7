//! Removing objects by size: scikit-image's `remove_small_objects`, its
//! complement for large objects, and keeping the largest objects.

use ndarray::{ArrayD, ArrayViewD, Zip};
use num_traits::Zero;

use crate::engine::{Element, Executor, Sink, Source, store};
use crate::error::{Error, Result};
use crate::labels::map::LabelMap;
use crate::labels::sizes::{object_sizes, object_sizes_chunked};
use crate::ndmeasure::{Connectivity, Label, LabelValue, Prepared};

/// Which objects a [`RemoveObjects`] removes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Rule {
    AtMost(u64),
    MoreThan(u64),
    AllButLargest(usize),
}

/// Removes objects by their size in voxels, from a label image (objects are
/// the labels) or from a mask (objects are its connected components, with
/// [`RemoveObjects::connectivity`], scikit-image's default 1 = faces).
///
/// - [`RemoveObjects::small`]`(max_size)` is scikit-image 0.26's
///   `remove_small_objects(ar, max_size=…)`: objects of `max_size` voxels or
///   fewer are removed.
/// - [`RemoveObjects::large`]`(max_size)` removes the others: objects of more
///   than `max_size` voxels.
/// - [`RemoveObjects::keep_largest`]`(k)` keeps the `k` largest objects; among
///   objects of equal size the lower label (for a mask: the component whose
///   first voxel comes first in raster order) is kept.
///
/// Removed voxels become 0; everything else is copied unchanged.
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::RemoveObjects;
/// use tesserae::ndmeasure::Connectivity;
/// let mask = array![[false, false, false, true, false],
///                   [true, true, true, false, false],
///                   [true, true, true, false, true]].into_dyn().mapv(u8::from);
/// let kept = RemoveObjects::small(5).apply_mask(&mask.view())?;
/// assert_eq!(kept.sum(), 6);
/// let kept = RemoveObjects::small(6).connectivity(Connectivity::Full).apply_mask(&mask.view())?;
/// assert_eq!(kept[[0, 3]], 1);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RemoveObjects {
    rule: Rule,
    connectivity: Connectivity,
    chunks: Option<Vec<usize>>,
}

impl RemoveObjects {
    fn with_rule(rule: Rule) -> Self {
        RemoveObjects {
            rule,
            connectivity: Connectivity::Face,
            chunks: None,
        }
    }

    /// Removes objects of `max_size` voxels or fewer (scikit-image 0.26's
    /// `remove_small_objects`; `max_size == 0` removes nothing).
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::RemoveObjects;
    /// let labels = array![1u8, 1, 2, 3, 3, 3].into_dyn();
    /// assert_eq!(RemoveObjects::small(2).apply_labels(&labels.view())?, array![0u8, 0, 0, 3, 3, 3].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn small(max_size: u64) -> Self {
        Self::with_rule(Rule::AtMost(max_size))
    }

    /// Removes objects of more than `max_size` voxels.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::RemoveObjects;
    /// let labels = array![1u8, 1, 2, 3, 3, 3].into_dyn();
    /// assert_eq!(RemoveObjects::large(2).apply_labels(&labels.view())?, array![1u8, 1, 2, 0, 0, 0].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn large(max_size: u64) -> Self {
        Self::with_rule(Rule::MoreThan(max_size))
    }

    /// Keeps the `k` largest objects and removes the others.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::RemoveObjects;
    /// let labels = array![4u8, 1, 1, 2, 3, 3].into_dyn();
    /// assert_eq!(RemoveObjects::keep_largest(2).apply_labels(&labels.view())?, array![0u8, 1, 1, 0, 3, 3].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn keep_largest(k: usize) -> Self {
        Self::with_rule(Rule::AllButLargest(k))
    }

    /// The connectivity that makes objects of a mask (default
    /// [`Connectivity::Face`], scikit-image's `connectivity=1`).
    ///
    /// ```
    /// use tesserae::labels::RemoveObjects;
    /// use tesserae::ndmeasure::Connectivity;
    /// let remove = RemoveObjects::small(30).connectivity(Connectivity::Full);
    /// ```
    pub fn connectivity(mut self, connectivity: Connectivity) -> Self {
        self.connectivity = connectivity;
        self
    }

    /// The chunks to work in (default: the source's native chunks).
    ///
    /// ```
    /// use tesserae::labels::RemoveObjects;
    /// let remove = RemoveObjects::small(30).chunks(&[64, 256, 256]);
    /// ```
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// The map sending every removed label to 0, from the sizes of all objects.
    ///
    /// ```
    /// use tesserae::labels::RemoveObjects;
    /// let map = RemoveObjects::small(3).removal_map(&[(1, 3), (2, 4), (7, 1)])?;
    /// assert_eq!(map.iter().collect::<Vec<_>>(), vec![(1, 0), (7, 0)]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn removal_map(&self, sizes: &[(u64, u64)]) -> Result<LabelMap> {
        let removed: Vec<(u64, u64)> = match self.rule {
            Rule::AtMost(0) => Vec::new(),
            Rule::AtMost(max) => sizes
                .iter()
                .filter(|&&(_, n)| n <= max)
                .map(|&(l, _)| (l, 0))
                .collect(),
            Rule::MoreThan(max) => sizes
                .iter()
                .filter(|&&(_, n)| n > max)
                .map(|&(l, _)| (l, 0))
                .collect(),
            Rule::AllButLargest(k) => {
                let mut order = sizes.to_vec();
                order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                order.into_iter().skip(k).map(|(l, _)| (l, 0)).collect()
            }
        };
        LabelMap::new(removed)
    }

    /// Removes objects from an in-memory label image.
    pub fn apply_labels<L: LabelValue>(&self, labels: &ArrayViewD<'_, L>) -> Result<ArrayD<L>> {
        self.removal_map(&object_sizes(labels))?.apply(labels)
    }

    /// Removes connected components from an in-memory mask (non-zero is
    /// foreground); removed voxels become 0.
    pub fn apply_mask<T: Element>(&self, mask: &ArrayViewD<'_, T>) -> Result<ArrayD<T>> {
        let (labels, _) = Label::new(self.connectivity).apply(mask)?;
        let removed = self.removal_map(&object_sizes(&labels.view()))?;
        Ok(zero_removed(mask, &labels.view(), &removed))
    }

    /// Removes objects from a label image of any size, writing into `sink`
    /// (committed); returns the number of objects removed.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::RemoveObjects;
    /// use tesserae::{ArraySink, ArraySource, Executor};
    /// let labels = array![[1u32, 2, 2], [3, 3, 3]].into_dyn();
    /// let source = ArraySource::new(labels.clone()).with_chunks(&[1, 2])?;
    /// let mut sink = ArraySink::<u32>::new(&[2, 3]);
    /// let removed = RemoveObjects::small(2).run_labels(&Executor::new(), &source, &mut sink)?;
    /// assert_eq!(removed, 2);
    /// assert_eq!(sink.into_array(), array![[0u32, 0, 0], [3, 3, 3]].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn run_labels<S, K>(&self, exec: &Executor, labels: &S, sink: &mut K) -> Result<usize>
    where
        S: Source,
        S::Elem: LabelValue,
        K: Sink<Elem = S::Elem>,
    {
        let sizes = object_sizes_chunked(exec, labels, self.chunks.as_deref())?;
        let removed = self.removal_map(&sizes)?;
        store(exec, &removed.apply_chunked(labels)?, sink)?;
        Ok(removed.len())
    }

    /// Removes connected components from a mask of any size, writing into
    /// `sink` (committed); returns the number of components removed. The
    /// components are labeled chunked (scipy's numbering), counted, then the
    /// mask is written chunk by chunk.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::RemoveObjects;
    /// use tesserae::{ArraySink, ArraySource, Executor};
    /// let mask = array![[1u8, 0, 1], [1, 0, 0]].into_dyn();
    /// let source = ArraySource::new(mask).with_chunks(&[1, 1])?;
    /// let mut sink = ArraySink::<u8>::new(&[2, 3]);
    /// assert_eq!(RemoveObjects::small(1).run_mask(&Executor::new(), &source, &mut sink)?, 1);
    /// assert_eq!(sink.into_array(), array![[1u8, 0, 0], [1, 0, 0]].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn run_mask<S, K>(&self, exec: &Executor, mask: &S, sink: &mut K) -> Result<usize>
    where
        S: Source,
        K: Sink<Elem = S::Elem>,
    {
        let kept = self.prepare_mask(exec, mask)?;
        kept.write_mask(exec, sink)?;
        Ok(kept.removed())
    }

    /// Labels a mask of any size chunked and decides which of its connected
    /// components stay; the result writes the cleaned mask, the labels of
    /// the objects that stay, or both. Its labels are scipy's labels of the
    /// cleaned mask (`label(remove_small_objects(mask))`) from one labeling.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::RemoveObjects;
    /// use tesserae::{ArraySink, ArraySource, Executor};
    /// let mask = array![[1u8, 0, 1, 1], [1, 0, 0, 0], [0, 1, 0, 1]].into_dyn();
    /// let source = ArraySource::new(mask).with_chunks(&[2, 2])?;
    /// let exec = Executor::new();
    /// let kept = RemoveObjects::small(1).prepare_mask(&exec, &source)?;
    /// assert_eq!((kept.count(), kept.removed()), (2, 2));
    /// let mut labels = ArraySink::<u32>::new(&[3, 4]);
    /// kept.write_labels(&exec, &mut labels)?;
    /// assert_eq!(labels.into_array(), array![[1u32, 0, 2, 2], [1, 0, 0, 0], [0, 0, 0, 0]].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn prepare_mask<'a, S: Source>(
        &self,
        exec: &Executor,
        mask: &'a S,
    ) -> Result<KeptObjects<'a, S>> {
        let mut label = Label::new(self.connectivity);
        if let Some(chunks) = &self.chunks {
            label = label.chunks(chunks);
        }
        let prepared = label.prepare(exec, mask)?;
        let sizes: Vec<(u64, u64)> = prepared
            .object_sizes(exec)?
            .into_iter()
            .enumerate()
            .skip(1)
            .map(|(l, n)| (l as u64, n))
            .collect();
        let removed = self.removal_map(&sizes)?;
        let mut new_label = vec![0; sizes.len() + 1];
        let mut count = 0;
        for (l, new) in new_label.iter_mut().enumerate().skip(1) {
            if removed.get(l as u64).is_none() {
                count += 1;
                *new = count;
            }
        }
        Ok(KeptObjects {
            mask,
            prepared,
            new_label,
            count,
        })
    }
}

/// A mask's connected components, labeled once, and which of them stay
/// (made by [`RemoveObjects::prepare_mask`]).
pub struct KeptObjects<'a, S: Source> {
    mask: &'a S,
    prepared: Prepared<'a, S::Elem>,
    /// The label of every component once the removed ones are gone, by its
    /// label in the mask (index 0, the background, and removed ones: 0).
    new_label: Vec<usize>,
    count: usize,
}

impl<S: Source> std::fmt::Debug for KeptObjects<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptObjects")
            .field("count", &self.count)
            .field("removed", &self.removed())
            .finish_non_exhaustive()
    }
}

impl<S: Source> KeptObjects<'_, S> {
    /// The number of objects that stay.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::RemoveObjects;
    /// use tesserae::{ArraySource, Executor};
    /// let source = ArraySource::new(array![1u8, 0, 1, 1].into_dyn());
    /// let kept = RemoveObjects::small(1).prepare_mask(&Executor::new(), &source)?;
    /// assert_eq!(kept.count(), 1);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn count(&self) -> usize {
        self.count
    }

    /// The number of objects removed.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::RemoveObjects;
    /// use tesserae::{ArraySource, Executor};
    /// let source = ArraySource::new(array![1u8, 0, 1, 1].into_dyn());
    /// let kept = RemoveObjects::small(1).prepare_mask(&Executor::new(), &source)?;
    /// assert_eq!(kept.removed(), 1);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn removed(&self) -> usize {
        self.new_label.len() - 1 - self.count
    }

    /// Writes the mask with the removed objects set to 0 into `sink`
    /// (committed).
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::RemoveObjects;
    /// use tesserae::{ArraySink, ArraySource, Executor};
    /// let source = ArraySource::new(array![3u8, 0, 5, 5].into_dyn());
    /// let exec = Executor::new();
    /// let mut sink = ArraySink::<u8>::new(&[4]);
    /// RemoveObjects::small(1).prepare_mask(&exec, &source)?.write_mask(&exec, &mut sink)?;
    /// assert_eq!(sink.into_array(), array![0u8, 0, 5, 5].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn write_mask<K: Sink<Elem = S::Elem>>(&self, exec: &Executor, sink: &mut K) -> Result<()> {
        check_shapes(self.mask.shape(), sink.shape())?;
        let grid = self.prepared.grid();
        let sink_ref = &*sink;
        exec.for_each("remove objects", grid.num_chunks(), |c| {
            let region = grid.chunk_region(&grid.chunk_index(c));
            let mut keep = vec![false; region.len()];
            self.prepared
                .write_chunk_with(c, &mut keep, false, |l| self.new_label[l] != 0)?;
            let mut values = self.mask.read(&region)?;
            Zip::from(&mut values)
                .and(
                    &ArrayViewD::from_shape(region.shape(), &keep[..])
                        .map_err(|e| Error::Failed(format!("chunk {region}: {e}")))?,
                )
                .for_each(|v, &k| {
                    if !k {
                        *v = S::Elem::zero();
                    }
                });
            sink_ref.write(&region, values.view())
        })?;
        sink.commit()
    }

    /// Writes the labels of the objects that stay into `sink` (committed),
    /// numbered 1, 2, … in the raster order of their first voxels, as scipy
    /// labels the cleaned mask; returns their number.
    ///
    /// Fails when the sink's shape differs from the mask's, or the objects
    /// outnumber the sink's label type (`u32`: use a `u64` sink then).
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::RemoveObjects;
    /// use tesserae::{ArraySink, ArraySource, Executor};
    /// let source = ArraySource::new(array![1u8, 0, 1, 1, 0, 1, 1].into_dyn());
    /// let exec = Executor::new();
    /// let mut sink = ArraySink::<u64>::new(&[7]);
    /// RemoveObjects::small(1).prepare_mask(&exec, &source)?.write_labels(&exec, &mut sink)?;
    /// assert_eq!(sink.into_array(), array![0u64, 0, 1, 1, 0, 2, 2].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn write_labels<K, L>(self, exec: &Executor, sink: &mut K) -> Result<usize>
    where
        K: Sink<Elem = L>,
        L: LabelValue,
    {
        let new_label = &self.new_label;
        self.prepared.write_mapped(exec, sink, self.count, |l| {
            L::from_count(new_label[l]).unwrap_or_else(L::zero)
        })?;
        Ok(self.count)
    }
}

/// `values` with 0 wherever `labels` holds a removed label.
pub(crate) fn zero_removed<T: Element>(
    values: &ArrayViewD<'_, T>,
    labels: &ArrayViewD<'_, u32>,
    removed: &LabelMap,
) -> ArrayD<T> {
    let mut cache: Option<(u32, bool)> = None;
    Zip::from(values).and(labels).map_collect(|&v, &l| {
        let gone = match cache {
            Some((last, gone)) if last == l => gone,
            _ => {
                let gone = l != 0 && removed.get(u64::from(l)).is_some();
                cache = Some((l, gone));
                gone
            }
        };
        if gone { T::zero() } else { v }
    })
}

/// Fails unless a sink has its source's shape.
pub(crate) fn check_shapes(source: &[usize], sink: &[usize]) -> Result<()> {
    if source == sink {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            expected: source.to_vec(),
            found: sink.to_vec(),
        })
    }
}

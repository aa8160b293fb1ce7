//! A sparse map from labels to labels, applied in memory or lazily per chunk.

use ndarray::{ArrayD, ArrayViewD};

use crate::engine::{Source, map_blocks};
use crate::error::{Error, Result};
use crate::ndmeasure::LabelValue;

/// A map from old labels to new labels, sorted by old label; labels it does
/// not mention are left unchanged. Its size is the number of mapped labels,
/// never the largest label, so labels near `u64::MAX` cost nothing.
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::LabelMap;
/// let map = LabelMap::new(vec![(9, 1), (4, 0)])?;
/// assert_eq!(map.get(9), Some(1));
/// assert_eq!(map.get(5), None);
/// let labels = array![[4u8, 5, 9]].into_dyn();
/// assert_eq!(map.apply(&labels.view())?, array![[0u8, 5, 1]].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelMap {
    pairs: Vec<(u64, u64)>,
}

impl LabelMap {
    /// A map from `(old, new)` pairs in any order; an old label given twice
    /// with different new labels is an error.
    ///
    /// ```
    /// use tesserae::labels::LabelMap;
    /// assert!(LabelMap::new(vec![(1, 2), (1, 3)]).is_err());
    /// assert_eq!(LabelMap::new(vec![(1, 2), (1, 2)])?.len(), 1);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn new(mut pairs: Vec<(u64, u64)>) -> Result<Self> {
        pairs.sort_unstable();
        pairs.dedup();
        if let Some(w) = pairs.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Error::InvalidArgument(format!(
                "label {} is mapped to both {} and {}",
                w[0].0, w[0].1, w[1].1
            )));
        }
        Ok(LabelMap { pairs })
    }

    /// The new label of `label`, if the map mentions it.
    ///
    /// ```
    /// use tesserae::labels::LabelMap;
    /// assert_eq!(LabelMap::new(vec![(u64::MAX, 1)])?.get(u64::MAX), Some(1));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn get(&self, label: u64) -> Option<u64> {
        self.pairs
            .binary_search_by_key(&label, |&(old, _)| old)
            .ok()
            .map(|i| self.pairs[i].1)
    }

    /// The number of mapped labels.
    ///
    /// ```
    /// use tesserae::labels::LabelMap;
    /// assert_eq!(LabelMap::new(vec![(1, 2), (3, 4)])?.len(), 2);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether the map mentions no label.
    ///
    /// ```
    /// use tesserae::labels::LabelMap;
    /// assert!(LabelMap::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The `(old, new)` pairs in ascending order of the old label.
    ///
    /// ```
    /// use tesserae::labels::LabelMap;
    /// let map = LabelMap::new(vec![(5, 1), (2, 7)])?;
    /// assert_eq!(map.iter().collect::<Vec<_>>(), vec![(2, 7), (5, 1)]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.pairs.iter().copied()
    }

    /// The map from new labels back to old ones; fails when two old labels
    /// share a new one.
    ///
    /// ```
    /// use tesserae::labels::LabelMap;
    /// let map = LabelMap::new(vec![(5, 1), (2, 7)])?;
    /// assert_eq!(map.inverse()?.get(7), Some(2));
    /// assert!(LabelMap::new(vec![(5, 0), (2, 0)])?.inverse().is_err());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn inverse(&self) -> Result<Self> {
        LabelMap::new(self.pairs.iter().map(|&(a, b)| (b, a)).collect())
    }

    /// The label image with every mapped label replaced; fails when a new
    /// label does not fit the element type.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::LabelMap;
    /// let labels = array![1u8, 2].into_dyn();
    /// assert!(LabelMap::new(vec![(1, 300)])?.apply(&labels.view()).is_err());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply<L: LabelValue>(&self, labels: &ArrayViewD<'_, L>) -> Result<ArrayD<L>> {
        let table = self.typed::<L>()?;
        let mut cache = None;
        Ok(labels.mapv(|v| lookup(&table, v, &mut cache)))
    }

    /// The label image of `source` with every mapped label replaced, computed
    /// lazily chunk by chunk; write it with [`store`](crate::store).
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::LabelMap;
    /// use tesserae::{ArraySource, Region, Source};
    /// let source = ArraySource::new(array![[1u16, 2], [2, 3]].into_dyn()).with_chunks(&[1, 1])?;
    /// let mapped = LabelMap::new(vec![(2, 0)])?.apply_chunked(source)?;
    /// assert_eq!(mapped.read(&Region::new(vec![0, 0], vec![2, 2]))?, array![[1u16, 0], [0, 3]].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply_chunked<S>(&self, source: S) -> Result<impl Source<Elem = S::Elem> + use<S>>
    where
        S: Source,
        S::Elem: LabelValue,
    {
        let table = self.typed::<S::Elem>()?;
        map_blocks(source, None, move |block, _| {
            let mut cache = None;
            Ok(block.mapv(|v| lookup(&table, v, &mut cache)))
        })
    }

    /// The pairs with their new labels converted to `L`.
    fn typed<L: LabelValue>(&self) -> Result<Vec<(u64, L)>> {
        self.pairs
            .iter()
            .map(|&(old, new)| {
                usize::try_from(new)
                    .ok()
                    .and_then(L::from_count)
                    .map(|new| (old, new))
                    .ok_or_else(|| {
                        Error::InvalidArgument(format!(
                            "label {new} does not fit {} labels",
                            L::DTYPE
                        ))
                    })
            })
            .collect()
    }
}

/// The new value of `v`, remembering the last lookup (labels come in runs).
#[inline]
fn lookup<L: LabelValue>(table: &[(u64, L)], v: L, cache: &mut Option<(L, L)>) -> L {
    if let Some((from, to)) = *cache
        && from == v
    {
        return to;
    }
    let to = match v.to_label() {
        Some(label) => table
            .binary_search_by_key(&label, |&(old, _)| old)
            .map_or(v, |i| table[i].1),
        None => v,
    };
    *cache = Some((v, to));
    to
}

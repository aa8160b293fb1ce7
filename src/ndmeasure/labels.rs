//! Label values and the per-chunk table from label value to accumulator slot.

use std::collections::HashMap;

use crate::engine::Element;

/// An integer element type of label images: read by the measurements, written
/// by labeling.
///
/// Labels are non-negative integers; 0 is background. Negative values of
/// signed label images are never objects (they are skipped, like scipy's
/// `find_objects` does).
///
/// ```
/// use tesserae::ndmeasure::LabelValue;
/// assert_eq!(u32::from_count(7), Some(7u32));
/// assert_eq!(u32::from_count(1 << 40), None);
/// assert_eq!((-3i16).to_label(), None);
/// ```
pub trait LabelValue: Element {
    /// The label as `u64`, or `None` for a negative value.
    fn to_label(self) -> Option<u64>;

    /// The label `count`, when it fits this type.
    fn from_count(count: usize) -> Option<Self>;
}

macro_rules! impl_label_unsigned {
    ($($t:ty),*) => {$(
        impl LabelValue for $t {
            #[inline]
            fn to_label(self) -> Option<u64> {
                Some(self as u64)
            }
            #[inline]
            fn from_count(count: usize) -> Option<Self> {
                Self::try_from(count).ok()
            }
        }
    )*};
}

macro_rules! impl_label_signed {
    ($($t:ty),*) => {$(
        impl LabelValue for $t {
            #[inline]
            fn to_label(self) -> Option<u64> {
                (self >= 0).then_some(self as u64)
            }
            #[inline]
            fn from_count(count: usize) -> Option<Self> {
                Self::try_from(count).ok()
            }
        }
    )*};
}

impl_label_unsigned!(u8, u16, u32, u64);
impl_label_signed!(i8, i16, i32, i64);

/// Maps the label values met in one chunk to dense slot numbers.
///
/// A chunk whose labels span a range at most a few times its voxel count uses
/// a flat table (one load per lookup); otherwise a hash map. Either way the
/// memory is bounded by the chunk, never by the largest label.
pub(crate) enum SlotTable {
    Dense { first: u64, slots: Vec<u32> },
    Sparse(HashMap<u64, u32>),
}

/// Marks a dense-table entry with no slot yet.
const EMPTY: u32 = u32::MAX;

impl SlotTable {
    /// A table suited to labels in `min..=max` in a chunk of `voxels` voxels.
    pub(crate) fn new(min: u64, max: u64, voxels: usize) -> Self {
        let span = max.saturating_sub(min);
        if span < (4 * voxels as u64).max(1024) {
            SlotTable::Dense {
                first: min,
                slots: vec![EMPTY; span as usize + 1],
            }
        } else {
            SlotTable::Sparse(HashMap::new())
        }
    }

    /// The slot of `label` and whether it was just created (taking the number `next`, which advances).
    #[inline]
    pub(crate) fn slot(&mut self, label: u64, next: &mut u32) -> (u32, bool) {
        match self {
            SlotTable::Dense { first, slots } => {
                let entry = &mut slots[(label - *first) as usize];
                if *entry == EMPTY {
                    *entry = *next;
                    *next += 1;
                    (*entry, true)
                } else {
                    (*entry, false)
                }
            }
            SlotTable::Sparse(map) => {
                let mut created = false;
                let slot = *map.entry(label).or_insert_with(|| {
                    created = true;
                    let s = *next;
                    *next += 1;
                    s
                });
                (slot, created)
            }
        }
    }
}

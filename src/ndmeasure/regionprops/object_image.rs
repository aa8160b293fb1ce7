//! The second regionprops pass: every object's image (its mask over its
//! bounding box, and the intensity there) handed to a function, in parallel
//! over objects and in batches bounded by a memory budget.

use std::sync::Mutex;

use ndarray::ArrayViewD;

use crate::engine::{Executor, Region, Source};
use crate::error::{Error, Result};
use crate::ndmeasure::LabelValue;
use crate::ndmeasure::regionprops::image_props::image;

/// One object's image: its label, its bounding box in the full array, its
/// mask over the box (`labels == label`) and, when an intensity source was
/// given, the intensity over the box.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::ObjectImage;
/// use tesserae::Region;
///
/// let mask = array![[true, false], [true, true]].into_dyn();
/// let object: ObjectImage<'_, u8> = ObjectImage {
///     label: 3,
///     bbox: Region::new(vec![4, 5], vec![2, 2]),
///     mask: mask.view(),
///     intensity: None,
/// };
/// assert_eq!(object.mask.iter().filter(|&&v| v).count(), 3);
/// ```
#[derive(Clone, Debug)]
pub struct ObjectImage<'a, T> {
    /// The object's label.
    pub label: u64,
    /// The object's bounding box in the full array.
    pub bbox: Region,
    /// `labels == label` over the bounding box.
    pub mask: ArrayViewD<'a, bool>,
    /// The intensity over the bounding box (all of it, not only under the mask).
    pub intensity: Option<ArrayViewD<'a, T>>,
}

/// Calls `f` on the image of every object of `objects` (label and bounding
/// box, as [`find_objects`](crate::ndmeasure::find_objects) gives them) and
/// returns the results in the order of `objects`.
///
/// Each object's box is read from `labels` (and from `intensity`, which must
/// have the same shape) whatever chunks it spans. Objects run in parallel on
/// `exec`, in consecutive batches whose boxes together take at most
/// `budget_bytes` (label, mask and intensity bytes per voxel); an object
/// larger than the budget runs alone. The first error stops the work and is
/// returned. Without an intensity source, name its type anyway, e.g.
/// `None::<&ArraySource<u8>>`.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::{find_objects, map_objects, euler_number};
/// use tesserae::{ArraySource, Executor};
///
/// let labels = array![[1u16, 1, 1, 0], [1, 0, 1, 2], [1, 1, 1, 2]].into_dyn();
/// let objects = find_objects(&labels.view());
/// let source = ArraySource::new(labels).with_chunks(&[2, 2])?;
/// let euler = map_objects(&Executor::new(), &source, None::<&ArraySource<u8>>, &objects, 1 << 20, |o| {
///     euler_number(o.mask.view())
/// })?;
/// assert_eq!(euler, vec![0, 1]);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn map_objects<L, I, R, F>(
    exec: &Executor,
    labels: &L,
    intensity: Option<&I>,
    objects: &[(u64, Region)],
    budget_bytes: usize,
    f: F,
) -> Result<Vec<R>>
where
    L: Source + ?Sized,
    L::Elem: LabelValue,
    I: Source + ?Sized,
    R: Send,
    F: Fn(&ObjectImage<'_, I::Elem>) -> Result<R> + Sync,
{
    if let Some(intensity) = intensity
        && intensity.shape() != labels.shape()
    {
        return Err(Error::ShapeMismatch {
            expected: labels.shape().to_vec(),
            found: intensity.shape().to_vec(),
        });
    }
    let per_voxel = std::mem::size_of::<L::Elem>()
        + 1
        + intensity.map_or(0, |_| std::mem::size_of::<I::Elem>());
    let slots: Vec<Mutex<Option<R>>> = objects.iter().map(|_| Mutex::new(None)).collect();
    for batch in batches(objects, per_voxel, budget_bytes) {
        exec.for_each("object images", batch.len(), |i| {
            let index = batch.start + i;
            let (label, bbox) = &objects[index];
            let result = one_object(labels, intensity, *label, bbox, &f)?;
            *slots[index].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
            Ok(())
        })?;
    }
    slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .ok_or_else(|| Error::Failed("an object image was not processed".into()))
        })
        .collect()
}

/// Reads one object's box and calls `f` on its image.
fn one_object<L, I, R, F>(
    labels: &L,
    intensity: Option<&I>,
    label: u64,
    bbox: &Region,
    f: &F,
) -> Result<R>
where
    L: Source + ?Sized,
    L::Elem: LabelValue,
    I: Source + ?Sized,
    F: Fn(&ObjectImage<'_, I::Elem>) -> Result<R>,
{
    let mut mask = None;
    labels.read_view(bbox, &mut |crop| {
        mask = Some(image(crop, label));
        Ok(())
    })?;
    let mask = mask.ok_or_else(|| no_block(bbox))?;
    let Some(intensity) = intensity else {
        return f(&ObjectImage {
            label,
            bbox: bbox.clone(),
            mask: mask.view(),
            intensity: None,
        });
    };
    let mut result = None;
    intensity.read_view(bbox, &mut |crop: ArrayViewD<'_, I::Elem>| {
        result = Some(f(&ObjectImage {
            label,
            bbox: bbox.clone(),
            mask: mask.view(),
            intensity: Some(crop),
        }));
        Ok(())
    })?;
    result.ok_or_else(|| no_block(bbox))?
}

fn no_block(bbox: &Region) -> Error {
    Error::Failed(format!("the source produced no block for {bbox}"))
}

/// Consecutive ranges of `objects` whose boxes take at most `budget_bytes`
/// together (at least one object per range).
fn batches(
    objects: &[(u64, Region)],
    per_voxel: usize,
    budget_bytes: usize,
) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut used = 0usize;
    for (i, (_, bbox)) in objects.iter().enumerate() {
        let cost = bbox.len().saturating_mul(per_voxel);
        if i > start && used.saturating_add(cost) > budget_bytes {
            out.push(start..i);
            start = i;
            used = 0;
        }
        used = used.saturating_add(cost);
    }
    if start < objects.len() {
        out.push(start..objects.len());
    }
    out
}

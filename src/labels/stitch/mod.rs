//! Stitching label images segmented tile by tile into one consistent label image
//! (what dask-image PR #409 and scikit-image issue #4477 ask for).
//!
//! A tile's labels are only meaningful inside the tile: every `(tile, value)`
//! with a positive value is one object (its voxels need not be connected), the
//! same value in two tiles names two objects, 0 and negative values are
//! background. Two modes decide which objects of different tiles are one:
//!
//! - [`Stitch::touching`] ([`TouchStitch`]): the tiles are a regular grid over
//!   one label image (the last tile along an axis may be smaller). Objects whose
//!   voxels are neighbours across a tile face — or across a tile edge or corner
//!   when the connectivity connects diagonal neighbours — merge. Objects of one
//!   tile never merge with each other, even when they touch.
//! - [`Stitch::overlapping`] ([`OverlapStitch`]): the tiles are separate label
//!   arrays placed at origins, overlapping by a margin. In the overlap zone of
//!   every two tiles, an object of one tile and an object of the other merge
//!   when their intersection over union, both restricted to the zone, is at
//!   least a threshold (0.5 by default); the others stay separate. Every voxel
//!   of the result takes the label of the tile in which it lies deepest (the
//!   cut runs through the middle of each overlap).
//!
//! Either way the merged objects are numbered `1..=count` in raster order of
//! their first voxel in the result, as `scipy.ndimage.label` numbers: stitching
//! tiles that were cut from a scipy-labeled image and labeled independently
//! gives back exactly the original image.
//!
//! Both work chunk by chunk: memory holds a few words per object, the chunks
//! in flight, and the seams between tiles (touch mode: two-voxel slabs;
//! overlap mode: the overlap zones, one pair of tiles at a time per worker),
//! never the whole image.
//!
//! ```
//! use ndarray::array;
//! use tesserae::labels::Stitch;
//!
//! // Two 2×2 tiles labeled independently: value 1 in each.
//! let tiles = array![[1u16, 0, 0, 0], [1, 1, 1, 0]].into_dyn();
//! let (labels, count) = Stitch::touching(&[2, 2]).apply(&tiles.view())?;
//! assert_eq!(count, 1);
//! assert_eq!(labels, array![[1u32, 0, 0, 0], [1, 1, 1, 0]].into_dyn());
//! # Ok::<(), tesserae::Error>(())
//! ```

mod overlap;
mod touch;

use std::collections::HashMap;

use ndarray::ArrayD;

use crate::engine::{Element, Region, Source};
use crate::error::{Error, Result};
use crate::ndmeasure::LabelValue;
use crate::ndmeasure::label::Forest;

pub use overlap::{OverlapStitch, OverlapStitched, Tile};
pub use touch::{TouchStitch, TouchStitched};

/// The entry point of both stitching modes.
///
/// ```
/// use tesserae::labels::Stitch;
/// let touch = Stitch::touching(&[256, 256]).connectivity(2);
/// let overlap = Stitch::overlapping().iou(0.5);
/// # let _ = (touch, overlap);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Stitch;

impl Stitch {
    /// Touch stitching of one label image cut into a regular grid of tiles of
    /// `tile_shape` (see [`TouchStitch`]).
    ///
    /// ```
    /// use tesserae::labels::Stitch;
    /// let stitch = Stitch::touching(&[64, 512, 512]);
    /// # let _ = stitch;
    /// ```
    pub fn touching(tile_shape: &[usize]) -> TouchStitch {
        TouchStitch::new(tile_shape)
    }

    /// Overlap stitching of tiles placed at origins (see [`OverlapStitch`]).
    ///
    /// ```
    /// use tesserae::labels::Stitch;
    /// let stitch = Stitch::overlapping().iou(0.3);
    /// # let _ = stitch;
    /// ```
    pub fn overlapping() -> OverlapStitch {
        OverlapStitch::new()
    }
}

/// The distinct positive values of every tile, sorted; object `k` of tile `t`
/// has the id `offsets[t] + k`.
struct Objects {
    values: Vec<Vec<u64>>,
    offsets: Vec<usize>,
}

impl Objects {
    fn new(values: Vec<Vec<u64>>) -> Self {
        let mut offsets = Vec::with_capacity(values.len() + 1);
        let mut total = 0;
        offsets.push(0);
        for v in &values {
            total += v.len();
            offsets.push(total);
        }
        Objects { values, offsets }
    }

    fn len(&self) -> usize {
        self.offsets.last().copied().unwrap_or(0)
    }

    /// The id of value `value` of tile `tile`.
    fn id(&self, tile: usize, value: u64) -> Result<usize> {
        self.values[tile]
            .binary_search(&value)
            .map(|k| self.offsets[tile] + k)
            .map_err(|_| {
                Error::Failed(format!(
                    "tile {tile} holds label {value}, which it did not hold when first read"
                ))
            })
    }

    /// Per tile, the pairs `(value, final label)` of `final_label` (indexed by id) as `M`.
    fn tables<M: LabelValue>(&self, final_label: &[u64]) -> Result<Vec<Vec<(u64, M)>>> {
        self.values
            .iter()
            .enumerate()
            .map(|(t, values)| {
                values
                    .iter()
                    .enumerate()
                    .map(|(k, &v)| Ok((v, typed::<M>(final_label[self.offsets[t] + k])?)))
                    .collect()
            })
            .collect()
    }
}

/// `label` as `M`, or an error naming the type.
fn typed<M: LabelValue>(label: u64) -> Result<M> {
    usize::try_from(label)
        .ok()
        .and_then(M::from_count)
        .ok_or_else(|| {
            Error::InvalidArgument(format!("label {label} does not fit {} labels", M::DTYPE))
        })
}

/// Numbers the components of `roots` (the root of every id) `1..` in
/// ascending order of their first voxel; `first[id]` is the first voxel of
/// an id as a global raster index (`usize::MAX` when it has none). Returns
/// the final label of every id (0 for components without voxels) and the count.
fn number(roots: &[usize], first: &[usize]) -> (Vec<u64>, usize) {
    let mut key = vec![usize::MAX; roots.len()];
    for (id, &root) in roots.iter().enumerate() {
        key[root] = key[root].min(first[id]);
    }
    let mut order: Vec<usize> = (0..roots.len())
        .filter(|&id| roots[id] == id && key[id] != usize::MAX)
        .collect();
    order.sort_unstable_by_key(|&root| key[root]);
    let mut label_of_root = vec![0u64; roots.len()];
    for (k, &root) in order.iter().enumerate() {
        label_of_root[root] = k as u64 + 1;
    }
    let labels = roots.iter().map(|&root| label_of_root[root]).collect();
    (labels, order.len())
}

/// C-order strides of `shape`.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        s[k] = s[k + 1] * shape[k + 1];
    }
    s
}

/// The global raster index of local C-order index `local` of `region`, in an
/// array with C-order strides `global`.
fn global_index(local: usize, region: &Region, global: &[usize]) -> usize {
    let mut rest = local;
    let mut index = 0;
    for axis in (0..region.ndim()).rev() {
        let n = region.shape()[axis];
        index += (region.start()[axis] + rest % n) * global[axis];
        rest /= n;
    }
    index
}

/// Bytes a worker reads at once while scanning a tile.
const SLAB_BYTES: usize = 64 << 20;

/// Slabs along axis 0 covering `region`, each at most [`SLAB_BYTES`] (but at
/// least one plane); in raster order, so C order inside the slabs, slab after
/// slab, is the raster order of the region.
fn slabs(region: &Region, elem_size: usize) -> Vec<Region> {
    let plane: usize = region.shape()[1..].iter().product::<usize>() * elem_size;
    let depth = (SLAB_BYTES / plane.max(1)).max(1);
    let n = region.shape()[0];
    (0..n)
        .step_by(depth)
        .map(|z| {
            let mut start = region.start().to_vec();
            let mut shape = region.shape().to_vec();
            start[0] += z;
            shape[0] = depth.min(n - z);
            Region::new(start, shape)
        })
        .collect()
}

/// The distinct positive values of `region` of `source` (sorted) and the first
/// voxel of each as a raster index into an array of C-order strides `global`,
/// with `origin` added to the region's coordinates.
fn scan<S>(
    source: &S,
    region: &Region,
    origin: &[usize],
    global: &[usize],
) -> Result<Vec<(u64, usize)>>
where
    S: Source + ?Sized,
    S::Elem: LabelValue,
{
    let mut first: HashMap<u64, usize> = HashMap::new();
    let mut last = None;
    for slab in slabs(region, <S::Elem as Element>::DTYPE.size()) {
        let placed = slab.offset(origin);
        source.read_view(&slab, &mut |data| {
            check_shape(&slab, data.shape())?;
            for (local, &v) in data.iter().enumerate() {
                let Some(value) = v.to_label().filter(|&l| l > 0) else {
                    continue;
                };
                if last == Some(value) {
                    continue;
                }
                last = Some(value);
                first
                    .entry(value)
                    .or_insert_with(|| global_index(local, &placed, global));
            }
            Ok(())
        })?;
    }
    let mut pairs: Vec<(u64, usize)> = first.into_iter().collect();
    pairs.sort_unstable();
    Ok(pairs)
}

/// Fails when a source returned `found` for a read of `region`.
fn check_shape(region: &Region, found: &[usize]) -> Result<()> {
    if region.shape() != found {
        return Err(Error::ShapeMismatch {
            expected: region.shape().to_vec(),
            found: found.to_vec(),
        });
    }
    Ok(())
}

/// Maps tile values to final labels, remembering the last lookup (labels come in runs).
struct Lookup<'a, M> {
    table: &'a [(u64, M)],
    last: Option<(u64, M)>,
    missing: Option<u64>,
}

impl<'a, M: LabelValue> Lookup<'a, M> {
    fn new(table: &'a [(u64, M)]) -> Self {
        Lookup {
            table,
            last: None,
            missing: None,
        }
    }

    #[inline]
    fn get<L: LabelValue>(&mut self, v: L) -> M {
        let Some(value) = v.to_label().filter(|&l| l > 0) else {
            return M::zero();
        };
        if let Some((from, to)) = self.last
            && from == value
        {
            return to;
        }
        let to = match self.table.binary_search_by_key(&value, |&(v, _)| v) {
            Ok(k) => self.table[k].1,
            Err(_) => {
                self.missing = Some(value);
                M::zero()
            }
        };
        self.last = Some((value, to));
        to
    }

    /// An error when a value was not in the table.
    fn finish(&self, tile: usize) -> Result<()> {
        match self.missing {
            Some(value) => Err(Error::Failed(format!(
                "tile {tile} holds label {value}, which it did not hold when first read"
            ))),
            None => Ok(()),
        }
    }
}

/// A zero-filled output block of `region`.
fn zeros<M: LabelValue>(region: &Region) -> ArrayD<M> {
    ArrayD::from_elem(region.shape(), M::zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_follows_first_voxels() {
        let mut forest = Forest::new(4);
        forest.union(0, 3);
        let (labels, count) = number(&forest.roots(), &[9, 2, usize::MAX, 5]);
        assert_eq!(count, 2);
        assert_eq!(labels, vec![2, 1, 0, 2]);
    }

    #[test]
    fn slabs_cover_the_region_in_order() {
        let region = Region::new(vec![3, 0], vec![5, 1 << 24]);
        let parts = slabs(&region, 8);
        assert_eq!(parts.len(), 5);
        assert_eq!(parts[4], Region::new(vec![7, 0], vec![1, 1 << 24]));
        assert_eq!(
            global_index(5, &Region::new(vec![1, 2], vec![2, 3]), &[10, 1]),
            24
        );
    }
}

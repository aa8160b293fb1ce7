//! Overlap stitching: tiles placed at origins, objects matched by IoU in the overlap zones.
//!
//! 1. Per tile, in parallel: the distinct values of the tile.
//! 2. Per pair of overlapping tiles, in parallel: read the overlap zone from
//!    both, count the voxels every pair of objects shares there and each
//!    object's voxels there; unite the pairs whose IoU reaches the threshold.
//! 3. Per output chunk, in parallel: assemble the chunk (every voxel from the
//!    covering tile in which it lies deepest) and note the first voxel of every
//!    merged object; number the objects in raster order of those.
//! 4. The output is a lazy source assembling and mapping each chunk to final
//!    labels, written in the sink's chunks.

use std::collections::HashMap;
use std::sync::Mutex;

use ndarray::{ArrayD, ArrayViewD};

use crate::engine::{
    ArraySink, ArraySource, ChunkGrid, Executor, Region, Sink, Source, check_region, store,
};
use crate::error::{Error, Result};
use crate::labels::stitch::{Forest, Objects, check_shape, number, scan, strides, typed, zeros};
use crate::ndmeasure::LabelValue;

/// A tile of an overlap stitching: a label image and where its first voxel
/// lies in the stitched image.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::labels::Tile;
/// use tesserae::ArraySource;
/// let tile = Tile::new(vec![0, 90], ArraySource::new(ArrayD::<u16>::zeros(vec![100, 100])));
/// assert_eq!(tile.origin(), &[0, 90]);
/// ```
#[derive(Clone, Debug)]
pub struct Tile<S> {
    origin: Vec<usize>,
    labels: S,
}

impl<S: Source> Tile<S> {
    /// The label image `labels` placed with its first voxel at `origin`.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::labels::Tile;
    /// use tesserae::ArraySource;
    /// let tile = Tile::new(vec![4, 0], ArraySource::new(ArrayD::<u8>::zeros(vec![8, 8])));
    /// # let _ = tile;
    /// ```
    pub fn new(origin: Vec<usize>, labels: S) -> Self {
        Tile { origin, labels }
    }

    /// Where the tile's first voxel lies.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::labels::Tile;
    /// use tesserae::ArraySource;
    /// let tile = Tile::new(vec![2], ArraySource::new(ArrayD::<u8>::zeros(vec![3])));
    /// assert_eq!(tile.origin(), &[2]);
    /// ```
    pub fn origin(&self) -> &[usize] {
        &self.origin
    }

    /// The tile's label image.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::labels::Tile;
    /// use tesserae::{ArraySource, Source};
    /// let tile = Tile::new(vec![2], ArraySource::new(ArrayD::<u8>::zeros(vec![3])));
    /// assert_eq!(tile.labels().shape(), &[3]);
    /// ```
    pub fn labels(&self) -> &S {
        &self.labels
    }

    /// The region the tile covers in the stitched image.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::labels::Tile;
    /// use tesserae::{ArraySource, Region};
    /// let tile = Tile::new(vec![2], ArraySource::new(ArrayD::<u8>::zeros(vec![3])));
    /// assert_eq!(tile.region(), Region::new(vec![2], vec![3]));
    /// ```
    pub fn region(&self) -> Region {
        Region::new(self.origin.clone(), self.labels.shape().to_vec())
    }
}

/// Overlap stitching of label images made tile by tile on tiles that overlap
/// by a margin (each tile its own label image, placed at its origin).
///
/// - **Matching.** In the overlap zone of every two tiles (the intersection
///   of their regions), object `a` of one tile and object `b` of the other
///   merge when `|a ∩ b| / |a ∪ b| >= iou`, with `a` and `b` restricted to the
///   zone (the only voxels both tiles saw). Matches are transitive (all objects
///   linked by matches become one). The default threshold is 0.5: above 0.5 an
///   object matches at most one object of the other tile, and 0.5 accepts an
///   object of the other tile that covers it exactly or is covered exactly by
///   it when half of it is cut off by the tile edge, as in cellpose-style
///   pipelines. Unmatched objects keep their own label. Objects of tiles that
///   only abut (no overlap) are never merged: use [`TouchStitch`](crate::labels::TouchStitch).
/// - **Assembly.** Every voxel takes its value from the covering tile in which it
///   lies deepest: the distance to the tile's nearest edge, counting only the
///   edges inside the image (an edge on the image border is not a cut); ties go
///   to the tile listed first. For tiles on a grid this cuts every overlap at
///   its middle. Voxels no tile covers are background; an object may lose all
///   its voxels to a neighbouring tile and then disappears.
/// - **Numbering.** `1..=count` in raster order of each merged object's first
///   voxel in the assembled image, as `scipy.ndimage.label`.
///
/// The output shape is the bounding box of the tiles (from the origin 0)
/// unless [`OverlapStitch::shape`] sets it.
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::Stitch;
///
/// // Two 1×4 tiles overlapping by two voxels: their objects 7 and 3 match.
/// let left = array![[0u8, 7, 7, 7]].into_dyn();
/// let right = array![[3u8, 3, 0, 5]].into_dyn();
/// let tiles = [(vec![0, 0], left.view()), (vec![0, 2], right.view())];
/// let (labels, count) = Stitch::overlapping().apply(&tiles)?;
/// assert_eq!(count, 2);
/// assert_eq!(labels, array![[0u32, 1, 1, 1, 0, 2]].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct OverlapStitch {
    iou: f64,
    shape: Option<Vec<usize>>,
    chunks: Option<Vec<usize>>,
}

impl Default for OverlapStitch {
    fn default() -> Self {
        OverlapStitch {
            iou: 0.5,
            shape: None,
            chunks: None,
        }
    }
}

impl OverlapStitch {
    /// Overlap stitching with IoU threshold 0.5.
    ///
    /// ```
    /// use tesserae::labels::OverlapStitch;
    /// let stitch = OverlapStitch::new();
    /// # let _ = stitch;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The IoU from which two objects match, in `(0, 1]` (default 0.5).
    ///
    /// ```
    /// use tesserae::labels::Stitch;
    /// let strict = Stitch::overlapping().iou(0.9);
    /// # let _ = strict;
    /// ```
    pub fn iou(mut self, iou: f64) -> Self {
        self.iou = iou;
        self
    }

    /// The shape of the stitched image (default: the bounding box of the tiles).
    ///
    /// ```
    /// use tesserae::labels::Stitch;
    /// let stitch = Stitch::overlapping().shape(&[1024, 1024]);
    /// # let _ = stitch;
    /// ```
    pub fn shape(mut self, shape: &[usize]) -> Self {
        self.shape = Some(shape.to_vec());
        self
    }

    /// The chunks the stitched image is assembled in (default: the first tile's shape).
    ///
    /// ```
    /// use tesserae::labels::Stitch;
    /// let stitch = Stitch::overlapping().chunks(&[256, 256]);
    /// # let _ = stitch;
    /// ```
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// Passes 1 to 3: the objects of every tile, their matching and their
    /// final numbering; write the result with [`OverlapStitched::write`].
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::{Stitch, Tile};
    /// use tesserae::{ArraySource, Executor};
    /// let tiles = vec![
    ///     Tile::new(vec![0], ArraySource::new(array![1u8, 1, 1, 0].into_dyn())),
    ///     Tile::new(vec![2], ArraySource::new(array![4u8, 0, 2, 2].into_dyn())),
    /// ];
    /// let stitched = Stitch::overlapping().prepare(&Executor::new(), &tiles)?;
    /// assert_eq!((stitched.shape(), stitched.count()), (&[6usize][..], 2));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn prepare<'a, S>(
        &self,
        exec: &Executor,
        tiles: &'a [Tile<S>],
    ) -> Result<OverlapStitched<'a, S>>
    where
        S: Source,
        S::Elem: LabelValue,
    {
        if !(self.iou > 0.0 && self.iou <= 1.0) {
            return Err(Error::InvalidArgument(format!(
                "the IoU threshold must be in (0, 1], not {}",
                self.iou
            )));
        }
        let shape = self.layout(tiles)?;
        let ndim = shape.len();
        let global = strides(&shape);
        let n = tiles.len();
        let scanned: Vec<Mutex<Vec<u64>>> = (0..n).map(|_| Mutex::new(Vec::new())).collect();
        exec.for_each("stitch: tiles", n, |t| {
            let full = Region::full(tiles[t].labels.shape());
            let found = scan(&tiles[t].labels, &full, &tiles[t].origin, &global)?;
            *lock(&scanned[t]) = found.into_iter().map(|(v, _)| v).collect();
            Ok(())
        })?;
        let objects = Objects::new(
            scanned
                .into_iter()
                .map(|c| c.into_inner().unwrap_or_else(|p| p.into_inner()))
                .collect(),
        );
        let regions: Vec<Region> = tiles.iter().map(Tile::region).collect();
        let mut zones = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                if let Some(zone) = regions[i].intersect(&regions[j]) {
                    zones.push((i, j, zone));
                }
            }
        }
        let matched = Mutex::new(Vec::new());
        exec.for_each("stitch: overlaps", zones.len(), |z| {
            let (i, j, zone) = &zones[z];
            let pairs = match_zone(tiles, &objects, (*i, *j), zone, self.iou)?;
            lock(&matched).extend(pairs);
            Ok(())
        })?;
        let mut forest = Forest::new(objects.len());
        for (a, b) in matched.into_inner().unwrap_or_else(|p| p.into_inner()) {
            forest.union(a, b);
        }
        let roots = forest.roots();
        let chunks = match &self.chunks {
            Some(c) => c.clone(),
            None => tiles[0].labels.shape().to_vec(),
        };
        let grid = ChunkGrid::new(&shape, &chunks)?;
        let mut stitched = OverlapStitched {
            tiles,
            shape,
            chunks: grid.chunk_shape().to_vec(),
            regions,
            objects,
            final_label: Vec::new(),
            count: 0,
        };
        let first = exec
            .map_reduce(
                "stitch: numbering",
                grid.num_chunks(),
                |c| {
                    let region = grid.chunk_region(&grid.chunk_index(c));
                    let ids = stitched.assemble(&region)?;
                    let mut first: HashMap<usize, usize> = HashMap::new();
                    let mut last = 0;
                    for (local, &id) in ids.iter().enumerate() {
                        if id == 0 || id == last {
                            continue;
                        }
                        last = id;
                        first
                            .entry(roots[id - 1])
                            .or_insert_with(|| super::global_index(local, &region, &global));
                    }
                    Ok(first)
                },
                |mut a, b| {
                    for (root, f) in b {
                        let e = a.entry(root).or_insert(f);
                        *e = (*e).min(f);
                    }
                    a
                },
            )?
            .unwrap_or_default();
        let mut first_of = vec![usize::MAX; roots.len()];
        for (root, f) in first {
            first_of[root] = f;
        }
        let (final_label, count) = number(&roots, &first_of);
        debug_assert!(ndim > 0);
        stitched.final_label = final_label;
        stitched.count = count;
        Ok(stitched)
    }

    /// Stitches `tiles` into `sink` (committing it) and returns the number of objects.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::{Stitch, Tile};
    /// use tesserae::{ArraySink, ArraySource, Executor};
    /// let tiles = vec![
    ///     Tile::new(vec![0, 0], ArraySource::new(array![[1u8, 1, 1]].into_dyn())),
    ///     Tile::new(vec![0, 1], ArraySource::new(array![[2u8, 2, 0]].into_dyn())),
    /// ];
    /// let mut sink = ArraySink::<u16>::new(&[1, 4]);
    /// let count = Stitch::overlapping().run(&Executor::new(), &tiles, &mut sink)?;
    /// // In the zone (columns 1 and 2) 1 and 2 cover the same voxels: they match.
    /// assert_eq!(count, 1);
    /// assert_eq!(sink.into_array(), array![[1u16, 1, 1, 0]].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn run<S, K>(&self, exec: &Executor, tiles: &[Tile<S>], sink: &mut K) -> Result<usize>
    where
        S: Source,
        S::Elem: LabelValue,
        K: Sink,
        K::Elem: LabelValue,
    {
        self.prepare(exec, tiles)?.write(exec, sink)
    }

    /// Stitches tiles held in memory (origin and labels), on the current
    /// thread pool, into `u32` labels.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::Stitch;
    /// let a = array![[1u16, 1, 1, 1]].into_dyn();
    /// let b = array![[0u16, 9, 9, 9]].into_dyn();
    /// // In the zone (columns 2 and 3) 1 has two voxels, 9 has one… at threshold 0.9 they stay apart.
    /// let tiles = [(vec![0, 0], a.view()), (vec![0, 2], b.view())];
    /// let (labels, count) = Stitch::overlapping().iou(0.9).apply(&tiles)?;
    /// assert_eq!(count, 2);
    /// assert_eq!(labels, array![[1u32, 1, 1, 2, 2, 2]].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply<L: LabelValue>(
        &self,
        tiles: &[(Vec<usize>, ArrayViewD<'_, L>)],
    ) -> Result<(ArrayD<u32>, usize)> {
        let tiles: Vec<Tile<ArraySource<L>>> = tiles
            .iter()
            .map(|(origin, labels)| Tile::new(origin.clone(), ArraySource::new(labels.to_owned())))
            .collect();
        let exec = Executor::new();
        let stitched = self.prepare(&exec, &tiles)?;
        let mut sink = ArraySink::<u32>::new(stitched.shape());
        let count = stitched.write(&exec, &mut sink)?;
        Ok((sink.into_array(), count))
    }

    /// The output shape, after checking the tiles against it.
    fn layout<S: Source>(&self, tiles: &[Tile<S>]) -> Result<Vec<usize>> {
        let first = tiles
            .first()
            .ok_or_else(|| Error::InvalidArgument("no tiles to stitch".into()))?;
        let ndim = first.labels.ndim();
        if ndim == 0 {
            return Err(Error::InvalidArgument(
                "cannot stitch 0-dimensional tiles".into(),
            ));
        }
        for (t, tile) in tiles.iter().enumerate() {
            if tile.labels.ndim() != ndim || tile.origin.len() != ndim {
                return Err(Error::InvalidArgument(format!(
                    "tile {t} has origin {:?} and shape {:?}; every tile needs {ndim} axes",
                    tile.origin,
                    tile.labels.shape()
                )));
            }
        }
        let bounds: Vec<usize> = (0..ndim)
            .map(|k| {
                tiles
                    .iter()
                    .map(|t| t.origin[k] + t.labels.shape()[k])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        match &self.shape {
            None => Ok(bounds),
            Some(shape) => {
                if shape.len() != ndim {
                    return Err(Error::InvalidArgument(format!(
                        "stitched shape {shape:?} has {} axes but the tiles have {ndim}",
                        shape.len()
                    )));
                }
                if let Some(t) = tiles
                    .iter()
                    .position(|t| !Region::full(shape).contains(&t.region()))
                {
                    return Err(Error::InvalidArgument(format!(
                        "tile {t} ({}) lies outside the stitched shape {shape:?}",
                        tiles[t].region()
                    )));
                }
                Ok(shape.clone())
            }
        }
    }
}

/// Tiles matched and numbered (passes 1 to 3), ready to be assembled into a
/// sink of any label type; made by [`OverlapStitch::prepare`].
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::{Stitch, Tile};
/// use tesserae::{ArraySource, Executor};
/// let tiles = vec![Tile::new(vec![1], ArraySource::new(array![5u8, 0, 5].into_dyn()))];
/// let stitched = Stitch::overlapping().prepare(&Executor::new(), &tiles)?;
/// assert_eq!((stitched.shape(), stitched.count()), (&[4usize][..], 1));
/// # Ok::<(), tesserae::Error>(())
/// ```
pub struct OverlapStitched<'a, S> {
    tiles: &'a [Tile<S>],
    shape: Vec<usize>,
    chunks: Vec<usize>,
    regions: Vec<Region>,
    objects: Objects,
    final_label: Vec<u64>,
    count: usize,
}

impl<S> std::fmt::Debug for OverlapStitched<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OverlapStitched")
            .field("shape", &self.shape)
            .field("tiles", &self.tiles.len())
            .field("count", &self.count)
            .finish()
    }
}

impl<S> OverlapStitched<'_, S>
where
    S: Source,
    S::Elem: LabelValue,
{
    /// The shape of the stitched image.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::{Stitch, Tile};
    /// use tesserae::{ArraySource, Executor};
    /// let tiles = vec![Tile::new(vec![0, 3], ArraySource::new(array![[1u8]].into_dyn()))];
    /// let stitched = Stitch::overlapping().prepare(&Executor::new(), &tiles)?;
    /// assert_eq!(stitched.shape(), &[1, 4]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The number of objects after stitching.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::{Stitch, Tile};
    /// use tesserae::{ArraySource, Executor};
    /// let tiles = vec![Tile::new(vec![0], ArraySource::new(array![1u8, 0, 2].into_dyn()))];
    /// assert_eq!(Stitch::overlapping().prepare(&Executor::new(), &tiles)?.count(), 2);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn count(&self) -> usize {
        self.count
    }

    /// Writes the stitched labels into `sink` (committing it) and returns the
    /// count; fails before writing when the count does not fit the sink's type.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::{Stitch, Tile};
    /// use tesserae::{ArraySink, ArraySource, Executor};
    /// let tiles = vec![Tile::new(vec![0], ArraySource::new(array![0u8, 9].into_dyn()))];
    /// let stitched = Stitch::overlapping().prepare(&Executor::new(), &tiles)?;
    /// let mut sink = ArraySink::<u8>::new(stitched.shape());
    /// stitched.write(&Executor::new(), &mut sink)?;
    /// assert_eq!(sink.into_array(), array![0u8, 1].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn write<K>(&self, exec: &Executor, sink: &mut K) -> Result<usize>
    where
        K: Sink,
        K::Elem: LabelValue,
    {
        typed::<K::Elem>(self.count as u64)?;
        let table = self
            .final_label
            .iter()
            .map(|&l| typed::<K::Elem>(l))
            .collect::<Result<Vec<_>>>()?;
        store(
            exec,
            &Assembled {
                stitched: self,
                table,
            },
            sink,
        )?;
        Ok(self.count)
    }

    /// The object id + 1 (0: background) of every voxel of `region` in C
    /// order: each voxel from the covering tile in which it lies deepest.
    fn assemble(&self, region: &Region) -> Result<Vec<usize>> {
        let ndim = self.shape.len();
        let len = region.len();
        let mut ids = vec![0usize; len];
        let mut best = vec![0u64; len];
        let out = strides(region.shape());
        for (t, tile) in self.tiles.iter().enumerate() {
            let Some(part) = self.regions[t].intersect(region) else {
                continue;
            };
            let depth = self.depths(t, &part);
            let local = Region::new(
                part.start()
                    .iter()
                    .zip(&tile.origin)
                    .map(|(p, o)| p - o)
                    .collect(),
                part.shape().to_vec(),
            );
            let base: usize = (0..ndim)
                .map(|k| (part.start()[k] - region.start()[k]) * out[k])
                .sum();
            let mut failure = None;
            tile.labels.read_view(&local, &mut |data| {
                check_shape(&local, data.shape())?;
                let mut c = vec![0usize; ndim];
                let mut last: Option<(u64, usize)> = None;
                for &v in data.iter() {
                    let d = (0..ndim).map(|k| depth[k][c[k]]).min().unwrap_or(u64::MAX);
                    let at = base + c.iter().zip(&out).map(|(a, s)| a * s).sum::<usize>();
                    if d > best[at] {
                        best[at] = d;
                        ids[at] = match v.to_label().filter(|&l| l > 0) {
                            None => 0,
                            Some(value) => match last {
                                Some((from, id)) if from == value => id,
                                _ => match self.objects.id(t, value) {
                                    Ok(id) => {
                                        last = Some((value, id + 1));
                                        id + 1
                                    }
                                    Err(e) => {
                                        failure.get_or_insert(e);
                                        0
                                    }
                                },
                            },
                        };
                    }
                    for k in (0..ndim).rev() {
                        c[k] += 1;
                        if c[k] < part.shape()[k] {
                            break;
                        }
                        c[k] = 0;
                    }
                }
                Ok(())
            })?;
            if let Some(e) = failure {
                return Err(e);
            }
        }
        Ok(ids)
    }

    /// Per axis, the depth + 1 of every coordinate of `part` in tile `t`: the
    /// distance to the tile's nearer edge along that axis, ignoring edges on
    /// the image border (`u64::MAX` when both are).
    fn depths(&self, t: usize, part: &Region) -> Vec<Vec<u64>> {
        let tile = &self.regions[t];
        let end = tile.end();
        (0..self.shape.len())
            .map(|k| {
                (0..part.shape()[k])
                    .map(|i| {
                        let x = part.start()[k] + i;
                        let low = if tile.start()[k] > 0 {
                            (x - tile.start()[k]) as u64 + 1
                        } else {
                            u64::MAX
                        };
                        let high = if end[k] < self.shape[k] {
                            (end[k] - 1 - x) as u64 + 1
                        } else {
                            u64::MAX
                        };
                        low.min(high)
                    })
                    .collect()
            })
            .collect()
    }
}

/// The stitched labels as a lazy source.
struct Assembled<'s, 'a, S, M> {
    stitched: &'s OverlapStitched<'a, S>,
    /// Final label of every object id.
    table: Vec<M>,
}

impl<S, M> Source for Assembled<'_, '_, S, M>
where
    S: Source,
    S::Elem: LabelValue,
    M: LabelValue,
{
    type Elem = M;

    fn shape(&self) -> &[usize] {
        &self.stitched.shape
    }

    fn chunk_shape(&self) -> &[usize] {
        &self.stitched.chunks
    }

    fn read(&self, region: &Region) -> Result<ArrayD<M>> {
        check_region(self.shape(), region)?;
        let ids = self.stitched.assemble(region)?;
        let mut out = zeros::<M>(region);
        for (o, id) in out.iter_mut().zip(ids) {
            if id > 0 {
                *o = self.table[id - 1];
            }
        }
        Ok(out)
    }
}

/// The pairs of object ids of tiles `i` and `j` whose IoU in `zone` reaches `iou`.
fn match_zone<S>(
    tiles: &[Tile<S>],
    objects: &Objects,
    (i, j): (usize, usize),
    zone: &Region,
    iou: f64,
) -> Result<Vec<(usize, usize)>>
where
    S: Source,
    S::Elem: LabelValue,
{
    let read = |t: usize| -> Result<Vec<Option<u64>>> {
        let tile = &tiles[t];
        let local = Region::new(
            zone.start()
                .iter()
                .zip(&tile.origin)
                .map(|(z, o)| z - o)
                .collect(),
            zone.shape().to_vec(),
        );
        let data = tile.labels.read(&local)?;
        check_shape(&local, data.shape())?;
        Ok(data
            .iter()
            .map(|v| v.to_label().filter(|&l| l > 0))
            .collect())
    };
    let (a, b) = (read(i)?, read(j)?);
    let mut size_a: HashMap<u64, u64> = HashMap::new();
    let mut size_b: HashMap<u64, u64> = HashMap::new();
    let mut shared: HashMap<(u64, u64), u64> = HashMap::new();
    for (va, vb) in a.iter().zip(&b) {
        if let Some(va) = va {
            *size_a.entry(*va).or_default() += 1;
        }
        if let Some(vb) = vb {
            *size_b.entry(*vb).or_default() += 1;
        }
        if let (Some(va), Some(vb)) = (va, vb) {
            *shared.entry((*va, *vb)).or_default() += 1;
        }
    }
    let mut pairs = Vec::new();
    for ((va, vb), both) in shared {
        let union = size_a[&va] + size_b[&vb] - both;
        if both as f64 >= iou * union as f64 {
            pairs.push((objects.id(i, va)?, objects.id(j, vb)?));
        }
    }
    Ok(pairs)
}

fn lock<V>(m: &Mutex<V>) -> std::sync::MutexGuard<'_, V> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

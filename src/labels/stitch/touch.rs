//! Touch stitching: objects of a regular tile grid merge when they touch across tile faces.
//!
//! 1. Per tile, in parallel: the distinct values of the tile and the first
//!    voxel of each (C order inside a tile is the global raster order).
//! 2. Per tile, in parallel: for every axis with a next tile, read the
//!    two-voxel slab around the tile's high face (one voxel wider than the tile
//!    on the other axes, for diagonal neighbours) and pair every voxel of the
//!    tile's face with its neighbours beyond it that the connectivity reaches;
//!    every pair of objects seen touching is united in a union-find.
//! 3. The merged objects are numbered in raster order of their first voxel;
//!    the output is a lazy source mapping every tile's values to final labels,
//!    written in the sink's chunks.

use std::sync::Mutex;

use ndarray::{ArrayD, ArrayViewD, Zip};

use crate::engine::{ArraySink, ArraySource, ChunkGrid, Executor, Region, Sink, Source, store};
use crate::error::{Error, Result};
use crate::labels::stitch::{
    Forest, Lookup, Objects, check_shape, number, scan, strides, typed, zeros,
};
use crate::ndmeasure::LabelValue;

/// Touch stitching of a label image made tile by tile on a regular grid of
/// tiles of one shape (the last tile along an axis may be smaller).
///
/// Objects are `(tile, value)` pairs; two objects of different tiles merge when
/// a voxel of one and a voxel of the other are neighbours under the
/// connectivity: 1 (the default) connects across tile faces only; `c` also
/// connects voxels that differ by one along up to `c` axes, so across tile
/// edges (2) and corners (`ndim`), as `scipy.ndimage.generate_binary_structure(ndim, c)`.
/// Objects of the same tile never merge. The result is numbered `1..=count`
/// in raster order of each merged object's first voxel, so tiles cut from a
/// `scipy.ndimage.label` result (same connectivity) and labeled independently
/// stitch back to exactly that result.
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::Stitch;
/// use tesserae::{ArraySink, ArraySource, Executor};
///
/// // Four 2×2 tiles, each labeled on its own; the 2s meet at the centre corner.
/// let tiles = array![
///     [1u8, 0, 0, 0],
///     [0, 2, 0, 0],
///     [0, 0, 2, 0],
///     [0, 0, 0, 0],
/// ].into_dyn();
/// let source = ArraySource::new(tiles.clone());
/// let mut sink = ArraySink::<u32>::new(&[4, 4]);
/// let faces = Stitch::touching(&[2, 2]).run(&Executor::new(), &source, &mut sink)?;
/// assert_eq!(faces, 3);
/// let (corners, count) = Stitch::touching(&[2, 2]).connectivity(2).apply(&tiles.view())?;
/// assert_eq!(count, 2);
/// assert_eq!(corners[[2, 2]], 2);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TouchStitch {
    tile_shape: Vec<usize>,
    connectivity: usize,
    chunks: Option<Vec<usize>>,
}

impl TouchStitch {
    /// Touch stitching of tiles of `tile_shape`, connectivity 1.
    ///
    /// ```
    /// use tesserae::labels::TouchStitch;
    /// let stitch = TouchStitch::new(&[128, 128]);
    /// # let _ = stitch;
    /// ```
    pub fn new(tile_shape: &[usize]) -> Self {
        TouchStitch {
            tile_shape: tile_shape.to_vec(),
            connectivity: 1,
            chunks: None,
        }
    }

    /// How many axes a step between neighbours may change (1 to the image's
    /// rank; default 1, faces only).
    ///
    /// ```
    /// use tesserae::labels::Stitch;
    /// let stitch = Stitch::touching(&[4, 4, 4]).connectivity(3);
    /// # let _ = stitch;
    /// ```
    pub fn connectivity(mut self, connectivity: usize) -> Self {
        self.connectivity = connectivity;
        self
    }

    /// The native chunk shape of the stitched source (default: the tile
    /// shape); [`store`] writes in the sink's chunks either way.
    ///
    /// ```
    /// use tesserae::labels::Stitch;
    /// let stitch = Stitch::touching(&[256, 256]).chunks(&[512, 512]);
    /// # let _ = stitch;
    /// ```
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// Passes 1 and 2 over `labels`: the objects, their merging and their
    /// final numbering; write the result with [`TouchStitched::write`].
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::Stitch;
    /// use tesserae::{ArraySink, ArraySource, Executor};
    /// let source = ArraySource::new(array![[3u16, 3, 1, 1]].into_dyn());
    /// let exec = Executor::new();
    /// let stitched = Stitch::touching(&[1, 2]).prepare(&exec, &source)?;
    /// assert_eq!(stitched.count(), 1);
    /// let mut sink = ArraySink::<u8>::new(&[1, 4]);
    /// stitched.write(&exec, &mut sink)?;
    /// assert_eq!(sink.into_array(), array![[1u8, 1, 1, 1]].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn prepare<'a, S>(&self, exec: &Executor, labels: &'a S) -> Result<TouchStitched<'a, S>>
    where
        S: Source,
        S::Elem: LabelValue,
    {
        let shape = labels.shape().to_vec();
        let ndim = shape.len();
        if ndim == 0 {
            return Err(Error::InvalidArgument(
                "cannot stitch a 0-dimensional image".into(),
            ));
        }
        if self.connectivity == 0 || self.connectivity > ndim {
            return Err(Error::InvalidArgument(format!(
                "connectivity must be between 1 and {ndim} for a {ndim}-d image, not {}",
                self.connectivity
            )));
        }
        let tiles = ChunkGrid::new(&shape, &self.tile_shape)
            .map_err(|e| Error::InvalidArgument(format!("tile shape: {e}")))?;
        let chunks = match &self.chunks {
            Some(c) => ChunkGrid::new(&shape, c)?.chunk_shape().to_vec(),
            None => tiles.chunk_shape().to_vec(),
        };
        let global = strides(&shape);
        let n = tiles.num_chunks();
        let scanned: Vec<Mutex<Vec<(u64, usize)>>> =
            (0..n).map(|_| Mutex::new(Vec::new())).collect();
        exec.for_each("stitch: tiles", n, |t| {
            let region = tiles.chunk_region(&tiles.chunk_index(t));
            let found = scan(labels, &region, &vec![0; ndim], &global)?;
            *lock(&scanned[t]) = found;
            Ok(())
        })?;
        let mut first = Vec::new();
        let mut values = Vec::with_capacity(n);
        for cell in scanned {
            let pairs = cell.into_inner().unwrap_or_else(|p| p.into_inner());
            first.extend(pairs.iter().map(|&(_, f)| f));
            values.push(pairs.into_iter().map(|(v, _)| v).collect());
        }
        let objects = Objects::new(values);
        let steps = steps(ndim, self.connectivity);
        let touching: Vec<Mutex<Vec<(usize, usize)>>> =
            (0..n).map(|_| Mutex::new(Vec::new())).collect();
        exec.for_each("stitch: seams", n, |t| {
            let pairs = seam_pairs(labels, &tiles, t, &steps, &objects)?;
            *lock(&touching[t]) = pairs;
            Ok(())
        })?;
        let mut forest = Forest::new(objects.len());
        for cell in touching {
            for (a, b) in cell.into_inner().unwrap_or_else(|p| p.into_inner()) {
                forest.union(a, b);
            }
        }
        let (final_label, count) = number(&forest.roots(), &first);
        Ok(TouchStitched {
            labels,
            tiles,
            chunks,
            objects,
            final_label,
            count,
        })
    }

    /// Stitches `labels` into `sink` (committing it) and returns the number of objects.
    /// Fails, before writing anything, when the count does not fit the sink's type.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::Stitch;
    /// use tesserae::{ArraySink, ArraySource, Executor};
    /// let source = ArraySource::new(array![[1u32, 1], [5, 0]].into_dyn()).with_chunks(&[1, 1])?;
    /// let mut sink = ArraySink::<u32>::new(&[2, 2]);
    /// let count = Stitch::touching(&[1, 1]).run(&Executor::new(), &source, &mut sink)?;
    /// assert_eq!(count, 1);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn run<S, K>(&self, exec: &Executor, labels: &S, sink: &mut K) -> Result<usize>
    where
        S: Source,
        S::Elem: LabelValue,
        K: Sink,
        K::Elem: LabelValue,
    {
        self.prepare(exec, labels)?.write(exec, sink)
    }

    /// Stitches a label image in memory, on the current thread pool, into `u32` labels.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::Stitch;
    /// let tiles = array![[1i32, 1, 1, 2], [0, 0, 0, 2]].into_dyn();
    /// let (labels, count) = Stitch::touching(&[2, 3]).apply(&tiles.view())?;
    /// assert_eq!((labels, count), (array![[1u32, 1, 1, 1], [0, 0, 0, 1]].into_dyn(), 1));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply<L: LabelValue>(&self, labels: &ArrayViewD<'_, L>) -> Result<(ArrayD<u32>, usize)> {
        let source = ArraySource::new(labels.to_owned());
        let mut sink = ArraySink::<u32>::new(labels.shape());
        let count = self.run(&Executor::new(), &source, &mut sink)?;
        Ok((sink.into_array(), count))
    }
}

/// A label image whose tiles are merged and numbered (passes 1 and 2), ready
/// to be written to a sink of any label type; made by [`TouchStitch::prepare`].
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::Stitch;
/// use tesserae::{ArraySource, Executor};
/// let source = ArraySource::new(array![[1u8, 2, 2, 1]].into_dyn());
/// let stitched = Stitch::touching(&[1, 2]).prepare(&Executor::new(), &source)?;
/// // The 2s meet across the tile face; the 1s stay apart.
/// assert_eq!(stitched.count(), 3);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub struct TouchStitched<'a, S> {
    labels: &'a S,
    tiles: ChunkGrid,
    chunks: Vec<usize>,
    objects: Objects,
    final_label: Vec<u64>,
    count: usize,
}

impl<S> std::fmt::Debug for TouchStitched<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TouchStitched")
            .field("tiles", &self.tiles)
            .field("objects", &self.objects.len())
            .field("count", &self.count)
            .finish()
    }
}

impl<S> TouchStitched<'_, S>
where
    S: Source,
    S::Elem: LabelValue,
{
    /// The number of objects after stitching.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::Stitch;
    /// use tesserae::{ArraySource, Executor};
    /// let source = ArraySource::new(array![[1u8, 1, 0, 1]].into_dyn());
    /// assert_eq!(Stitch::touching(&[1, 1]).prepare(&Executor::new(), &source)?.count(), 2);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn count(&self) -> usize {
        self.count
    }

    /// The number of objects before stitching (every `(tile, value)` pair).
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::Stitch;
    /// use tesserae::{ArraySource, Executor};
    /// let source = ArraySource::new(array![[1u8, 1, 0, 1]].into_dyn());
    /// assert_eq!(Stitch::touching(&[1, 1]).prepare(&Executor::new(), &source)?.tile_objects(), 3);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn tile_objects(&self) -> usize {
        self.objects.len()
    }

    /// Writes the stitched labels into `sink` (committing it) and returns the
    /// count; fails before writing when the count does not fit the sink's type.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::labels::Stitch;
    /// use tesserae::{ArraySink, ArraySource, Executor};
    /// let source = ArraySource::new(ArrayD::<u16>::from_elem(vec![1, 300], 1));
    /// let stitched = Stitch::touching(&[1, 1]).prepare(&Executor::new(), &source)?;
    /// assert_eq!(stitched.count(), 1);
    /// let mut sink = ArraySink::<u8>::new(&[1, 300]);
    /// assert_eq!(stitched.write(&Executor::new(), &mut sink)?, 1);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn write<K>(&self, exec: &Executor, sink: &mut K) -> Result<usize>
    where
        K: Sink,
        K::Elem: LabelValue,
    {
        typed::<K::Elem>(self.count as u64)?;
        let mapped = Mapped {
            stitched: self,
            tables: self.objects.tables::<K::Elem>(&self.final_label)?,
        };
        store(exec, &mapped, sink)?;
        Ok(self.count)
    }
}

/// The stitched labels as a lazy source.
struct Mapped<'s, 'a, S, M> {
    stitched: &'s TouchStitched<'a, S>,
    tables: Vec<Vec<(u64, M)>>,
}

impl<S, M> Source for Mapped<'_, '_, S, M>
where
    S: Source,
    S::Elem: LabelValue,
    M: LabelValue,
{
    type Elem = M;

    fn shape(&self) -> &[usize] {
        self.stitched.labels.shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        &self.stitched.chunks
    }

    fn read(&self, region: &Region) -> Result<ArrayD<M>> {
        crate::engine::check_region(self.shape(), region)?;
        let mut out = zeros::<M>(region);
        let tiles = &self.stitched.tiles;
        for index in tiles.chunks_overlapping(region) {
            let t = tiles.linear_index(&index);
            let Some(part) = tiles.chunk_region(&index).intersect(region) else {
                continue;
            };
            let mut lookup = Lookup::new(&self.tables[t]);
            self.stitched.labels.read_view(&part, &mut |data| {
                check_shape(&part, data.shape())?;
                Zip::from(part.relative_to(region).view_mut(&mut out))
                    .and(&data)
                    .for_each(|o, &v| *o = lookup.get(v));
                Ok(())
            })?;
            lookup.finish(t)?;
        }
        Ok(out)
    }
}

/// Per axis `k`, the neighbour steps that leave a tile through its high face
/// along `k`: the steps in `{-1, 0, 1}^ndim` with `step[k] == 1` and at most
/// `connectivity` non-zero components.
fn steps(ndim: usize, connectivity: usize) -> Vec<Vec<Vec<isize>>> {
    (0..ndim)
        .map(|k| {
            let mut out = Vec::new();
            for code in 0..3usize.pow(ndim as u32) {
                let mut rest = code;
                let mut step = vec![0isize; ndim];
                for s in step.iter_mut().rev() {
                    *s = (rest % 3) as isize - 1;
                    rest /= 3;
                }
                let moved = step.iter().filter(|&&s| s != 0).count();
                if step[k] == 1 && moved <= connectivity {
                    out.push(step);
                }
            }
            out
        })
        .collect()
}

/// The pairs of object ids that touch across the high faces of tile `t`.
fn seam_pairs<S>(
    labels: &S,
    tiles: &ChunkGrid,
    t: usize,
    steps: &[Vec<Vec<isize>>],
    objects: &Objects,
) -> Result<Vec<(usize, usize)>>
where
    S: Source,
    S::Elem: LabelValue,
{
    let shape = tiles.shape();
    let ndim = shape.len();
    let tile = tiles.chunk_region(&tiles.chunk_index(t));
    let end = tile.end();
    let mut pairs = Vec::new();
    for k in 0..ndim {
        if end[k] >= shape[k] {
            continue;
        }
        let mut start = Vec::with_capacity(ndim);
        let mut stop = Vec::with_capacity(ndim);
        for j in 0..ndim {
            if j == k {
                start.push(end[k] - 1);
                stop.push(end[k] + 1);
            } else {
                start.push(tile.start()[j].saturating_sub(1));
                stop.push((end[j] + 1).min(shape[j]));
            }
        }
        let seam = Region::from_bounds(start, &stop);
        let data = labels.read(&seam)?;
        check_shape(&seam, data.shape())?;
        let flat: Vec<Option<u64>> = data
            .iter()
            .map(|v| v.to_label().filter(|&l| l > 0))
            .collect();
        let local = strides(seam.shape());
        // The tile's face: layer 0 along k, the tile's extent on the other axes.
        let face_start: Vec<usize> = (0..ndim)
            .map(|j| {
                if j == k {
                    0
                } else {
                    tile.start()[j] - seam.start()[j]
                }
            })
            .collect();
        let mut face_shape = tile.shape().to_vec();
        face_shape[k] = 1;
        let face = Region::new(face_start, face_shape);
        let mut last = None;
        let mut p = face.start().to_vec();
        let mut q = vec![0usize; ndim];
        let mut global = vec![0usize; ndim];
        let face_end = face.end();
        for _ in 0..face.len() {
            let at: usize = p.iter().zip(&local).map(|(a, s)| a * s).sum();
            if let Some(vp) = flat[at] {
                'step: for step in &steps[k] {
                    for j in 0..ndim {
                        let c = p[j] as isize + step[j];
                        if c < 0 || c >= seam.shape()[j] as isize {
                            continue 'step;
                        }
                        q[j] = c as usize;
                    }
                    let qa: usize = q.iter().zip(&local).map(|(a, s)| a * s).sum();
                    let Some(vq) = flat[qa] else { continue };
                    for j in 0..ndim {
                        global[j] = seam.start()[j] + q[j];
                    }
                    let other = tiles.linear_index(&tiles.chunk_of(&global));
                    if last == Some((vp, other, vq)) {
                        continue;
                    }
                    last = Some((vp, other, vq));
                    pairs.push((objects.id(t, vp)?, objects.id(other, vq)?));
                }
            }
            for j in (0..ndim).rev() {
                p[j] += 1;
                if p[j] < face_end[j] {
                    break;
                }
                p[j] = face.start()[j];
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    Ok(pairs)
}

fn lock<V>(m: &Mutex<V>) -> std::sync::MutexGuard<'_, V> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_leave_through_the_high_face() {
        let s = steps(2, 1);
        assert_eq!(s[0], vec![vec![1, 0]]);
        assert_eq!(s[1], vec![vec![0, 1]]);
        let s = steps(3, 3);
        assert_eq!(s[2].len(), 9);
        assert!(s[2].iter().all(|step| step[2] == 1));
    }
}

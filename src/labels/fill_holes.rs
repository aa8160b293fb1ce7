//! Filling the holes of every label: per label `L`, the holes of the mask
//! `labels == L` (as `scipy.ndimage.binary_fill_holes` finds them, with its
//! default face connectivity) become `L`.
//!
//! By default only holes made entirely of background (0) are filled: such a
//! hole is a connected component of 0 that does not reach the image border
//! and whose neighbours all carry the same label. So the background is
//! labeled chunked (scipy's numbering at any chunking, as
//! [`FillHoles`](crate::ndmorph::FillHoles) does), each chunk reports, for
//! every component it holds, whether it reaches the border and which labels
//! touch it (reading one voxel of halo), and the reports merge by component.
//! Memory stays proportional to the chunks and the number of components.
//!
//! With [`FillLabelHoles::overwrite`] every hole is filled, other labels in it
//! included, as stardist's `fill_label_holes`: each label's box grown by one
//! voxel is read, its mask's holes are filled, and a voxel takes the largest
//! label whose filled mask holds it (stardist writes the labels in increasing
//! order). Memory then grows with the largest object's box and the total
//! size of the holes.

use std::collections::{BTreeMap, HashMap};

use ndarray::{ArrayD, ArrayViewD, IxDyn, Zip};

use crate::engine::{
    ArraySink, ArraySource, ChunkGrid, Executor, Region, Sink, Source, map_blocks,
};
use crate::error::{Error, Result};
use crate::labels::remove::check_shapes;
use crate::ndmeasure::{Label, LabelValue, Structure, find_objects_chunked};
use crate::ndmorph::binary_fill_holes;

/// Fills the holes of every label of an in-memory label image with that
/// label; only holes made entirely of background (0) unless `overwrite`
/// (see [`FillLabelHoles`]).
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::fill_label_holes;
/// let labels = array![[0u8, 2, 2, 2, 0],
///                     [0, 2, 0, 2, 0],
///                     [0, 2, 2, 2, 0]].into_dyn();
/// let filled = fill_label_holes(&labels.view(), false)?;
/// assert_eq!(filled[[1, 2]], 2);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn fill_label_holes<L: LabelValue>(
    labels: &ArrayViewD<'_, L>,
    overwrite: bool,
) -> Result<ArrayD<L>> {
    FillLabelHoles::new().overwrite(overwrite).apply(labels)
}

/// Hole filling per label, configured once and run in memory
/// ([`FillLabelHoles::apply`]) or chunk by chunk from a source into a sink
/// ([`FillLabelHoles::run`]), with the same result at any chunking.
///
/// For every label `L`, the holes of the mask `labels == L` are the
/// connected components (face connectivity, scipy's default) of the other
/// voxels that do not reach the image border.
/// - By default a hole is filled with `L` only when it is made entirely of
///   background (0); other labels are never changed. A labeled object inside
///   a ring of another label stays, and so does the background around it.
/// - With [`FillLabelHoles::overwrite`]`(true)` every hole is filled,
///   whatever it holds, as stardist's `fill_label_holes`: a voxel takes the
///   largest label whose filled mask holds it.
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::FillLabelHoles;
/// use tesserae::{ArraySink, ArraySource, Executor};
/// let labels = array![[1u16, 1, 1, 0],
///                     [1, 3, 1, 0],
///                     [1, 1, 1, 0]].into_dyn();
/// assert_eq!(FillLabelHoles::new().apply(&labels.view())?, labels);
/// let source = ArraySource::new(labels.clone()).with_chunks(&[2, 2])?;
/// let mut sink = ArraySink::<u16>::new(&[3, 4]);
/// FillLabelHoles::new().overwrite(true).run(&Executor::new(), &source, &mut sink)?;
/// // 1's filled mask holds the 3, but 3 is the larger label: it is written last and stays.
/// assert_eq!(sink.into_array()[[1, 1]], 3);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FillLabelHoles {
    overwrite: bool,
    chunks: Option<Vec<usize>>,
}

/// What the chunks saw of a background component.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Seen<L> {
    /// Touched by this label only (so far).
    Only(L),
    /// Reaches the border, or is touched by two labels: not filled.
    Open,
}

impl<L: PartialEq> Seen<L> {
    fn merge(self, other: Seen<L>) -> Seen<L> {
        match (self, other) {
            (Seen::Only(a), Seen::Only(b)) if a == b => Seen::Only(a),
            _ => Seen::Open,
        }
    }
}

impl FillLabelHoles {
    /// Background-only hole filling in the source's native chunks.
    ///
    /// ```
    /// let fill = tesserae::labels::FillLabelHoles::new();
    /// # let _ = fill;
    /// ```
    pub fn new() -> Self {
        FillLabelHoles::default()
    }

    /// Whether holes holding other labels are filled too (stardist's
    /// `fill_label_holes`; default `false`: only holes of background).
    ///
    /// ```
    /// let fill = tesserae::labels::FillLabelHoles::new().overwrite(true);
    /// # let _ = fill;
    /// ```
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// The chunks of [`FillLabelHoles::run`] (default: the source's native chunks).
    ///
    /// ```
    /// let fill = tesserae::labels::FillLabelHoles::new().chunks(&[64, 256, 256]);
    /// # let _ = fill;
    /// ```
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// The label image with its holes filled, in memory.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::labels::FillLabelHoles;
    /// let labels = array![0u8, 5, 0, 5, 0, 7, 0, 7].into_dyn();
    /// assert_eq!(FillLabelHoles::new().apply(&labels.view())?, array![0u8, 5, 5, 5, 0, 7, 7, 7].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply<L: LabelValue>(&self, labels: &ArrayViewD<'_, L>) -> Result<ArrayD<L>> {
        let source = ArraySource::new(labels.to_owned());
        let mut sink = ArraySink::<L>::new(labels.shape());
        FillLabelHoles {
            chunks: None,
            ..self.clone()
        }
        .run(&Executor::new(), &source, &mut sink)?;
        Ok(sink.into_array())
    }

    /// Writes `labels` with their holes filled into `sink` chunk by chunk on
    /// `exec`, then commits the sink. The result equals
    /// [`FillLabelHoles::apply`]'s whatever the chunking.
    ///
    /// Fails when the shapes differ or the background has `u32::MAX`
    /// components or more.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::labels::FillLabelHoles;
    /// use tesserae::{ArraySink, ArraySource, Executor};
    /// // A hollow cube of label 4 whose cavity spans 8 chunks.
    /// let labels = ArrayD::from_shape_fn(vec![6, 6, 6], |i| {
    ///     let within = |lo, hi| (0..3).all(|k| (lo..hi).contains(&i[k]));
    ///     if within(2, 4) { 0u32 } else if within(1, 5) { 4 } else { 0 }
    /// });
    /// let source = ArraySource::new(labels).with_chunks(&[3, 3, 3])?;
    /// let mut sink = ArraySink::<u32>::new(&[6, 6, 6]);
    /// FillLabelHoles::new().run(&Executor::new(), &source, &mut sink)?;
    /// assert_eq!(sink.into_array()[[2, 3, 2]], 4);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn run<S, K, L>(&self, exec: &Executor, source: &S, sink: &mut K) -> Result<()>
    where
        L: LabelValue,
        S: Source<Elem = L>,
        K: Sink<Elem = L>,
    {
        check_shapes(source.shape(), sink.shape())?;
        let chunks = self
            .chunks
            .clone()
            .unwrap_or_else(|| source.chunk_shape().to_vec());
        let grid = ChunkGrid::new(source.shape(), &chunks)?;
        if self.overwrite {
            overwrite(exec, source, &grid, sink)
        } else {
            background_only(exec, source, &grid, sink)
        }
    }
}

/// The face offsets of a C-order array of `shape`, as (axis, linear step).
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        strides[k] = strides[k + 1] * shape[k + 1];
    }
    strides
}

/// Fills the holes made only of background.
fn background_only<S, K, L>(
    exec: &Executor,
    source: &S,
    grid: &ChunkGrid,
    sink: &mut K,
) -> Result<()>
where
    L: LabelValue,
    S: Source<Elem = L>,
    K: Sink<Elem = L>,
{
    let shape = source.shape().to_vec();
    let ndim = shape.len();
    let background = map_blocks(source, Some(grid.chunk_shape()), |block, _| {
        Ok(block.mapv(|v| u8::from(v == L::zero())))
    })?;
    let ids = Label::with_structure(Structure::connectivity(ndim, 1)?)
        .chunks(grid.chunk_shape())
        .prepare(exec, &background)?
        .into_source()?;
    let ones = vec![1; ndim];
    let seen = exec
        .map_reduce(
            "fill label holes: neighbours",
            grid.num_chunks(),
            |c| {
                let region = grid.chunk_region(&grid.chunk_index(c));
                let block = ids.read(&region)?;
                let outer = region.grow(&ones, &shape);
                let values = source.read(&outer)?;
                let values: Vec<L> = values.iter().copied().collect();
                let outer_strides = strides(outer.shape());
                let mut seen: HashMap<u32, Seen<L>> = HashMap::new();
                let mut at = vec![0usize; ndim];
                for (i, &id) in block.iter().enumerate() {
                    if i > 0 {
                        advance(&mut at, region.shape());
                    }
                    if id == 0 {
                        continue;
                    }
                    let mut here = None;
                    let mut o = 0;
                    for k in 0..ndim {
                        o += (region.start()[k] + at[k] - outer.start()[k]) * outer_strides[k];
                    }
                    for k in 0..ndim {
                        let g = region.start()[k] + at[k];
                        if g == 0 || g + 1 == shape[k] {
                            here = Some(Seen::Open);
                            break;
                        }
                        for n in [o - outer_strides[k], o + outer_strides[k]] {
                            let v = values[n];
                            if v != L::zero() {
                                here =
                                    Some(here.map_or(Seen::Only(v), |h: Seen<L>| {
                                        h.merge(Seen::Only(v))
                                    }));
                            }
                        }
                    }
                    if let Some(h) = here {
                        seen.entry(id).and_modify(|s| *s = s.merge(h)).or_insert(h);
                    }
                }
                Ok(seen)
            },
            |mut a, b| {
                for (id, s) in b {
                    a.entry(id).and_modify(|t| *t = t.merge(s)).or_insert(s);
                }
                a
            },
        )?
        .unwrap_or_default();
    let sink_ref = &*sink;
    exec.for_each("fill label holes: write", grid.num_chunks(), |c| {
        let region = grid.chunk_region(&grid.chunk_index(c));
        let block = ids.read(&region)?;
        let values = source.read(&region)?;
        let out = Zip::from(&values).and(&block).map_collect(|&v, &id| {
            if id == 0 {
                return v;
            }
            match seen.get(&id) {
                Some(Seen::Only(l)) => *l,
                _ => v,
            }
        });
        sink_ref.write(&region, out.view())
    })?;
    sink.commit()
}

/// The next coordinate in C order within `shape`.
fn advance(at: &mut [usize], shape: &[usize]) {
    for k in (0..shape.len()).rev() {
        at[k] += 1;
        if at[k] < shape[k] {
            return;
        }
        at[k] = 0;
    }
}

/// Fills every hole, stardist's way: the largest label whose filled mask
/// holds a voxel wins.
fn overwrite<S, K, L>(exec: &Executor, source: &S, grid: &ChunkGrid, sink: &mut K) -> Result<()>
where
    L: LabelValue,
    S: Source<Elem = L>,
    K: Sink<Elem = L>,
{
    let shape = source.shape().to_vec();
    let ndim = shape.len();
    let objects = find_objects_chunked(exec, source, Some(grid.chunk_shape()))?;
    let faces = Structure::connectivity(ndim, 1)?;
    let ones = vec![1; ndim];
    // Per chunk: the (linear index in the chunk, label) of every hole voxel.
    let holes = exec
        .map_reduce(
            "fill label holes: objects",
            objects.len(),
            |i| {
                let (label, bbox) = &objects[i];
                let outer = bbox.grow(&ones, &shape);
                let values = source.read(&outer)?;
                let value = values
                    .iter()
                    .copied()
                    .find(|v| v.to_label() == Some(*label))
                    .ok_or_else(|| Error::Failed(format!("label {label} not found in its box")))?;
                let mask = values.mapv(|v| u8::from(v == value));
                let filled = binary_fill_holes(&mask.view(), &faces)?;
                let mut found: BTreeMap<usize, Vec<(usize, L)>> = BTreeMap::new();
                for ((index, &f), &m) in filled.indexed_iter().zip(mask.iter()) {
                    if f == 1 && m == 0 {
                        let point: Vec<usize> =
                            (0..ndim).map(|k| outer.start()[k] + index[k]).collect();
                        let chunk = grid.chunk_of(&point);
                        let r = grid.chunk_region(&chunk);
                        let within = (0..ndim)
                            .fold(0, |acc, k| acc * r.shape()[k] + point[k] - r.start()[k]);
                        found
                            .entry(grid.linear_index(&chunk))
                            .or_default()
                            .push((within, value));
                    }
                }
                Ok(found)
            },
            |mut a, b| {
                for (c, v) in b {
                    a.entry(c).or_default().extend(v);
                }
                a
            },
        )?
        .unwrap_or_default();
    let sink_ref = &*sink;
    exec.for_each("fill label holes: write", grid.num_chunks(), |c| {
        let region: Region = grid.chunk_region(&grid.chunk_index(c));
        let values = source.read(&region)?;
        let mut out: Vec<L> = values.iter().copied().collect();
        if let Some(list) = holes.get(&c) {
            for &(i, l) in list {
                if l > out[i] {
                    out[i] = l;
                }
            }
        }
        let out = ArrayD::from_shape_vec(IxDyn(region.shape()), out)
            .map_err(|e| Error::Failed(format!("chunk {region}: {e}")))?;
        sink_ref.write(&region, out.view())
    })?;
    sink.commit()
}

//! `clear_border`: objects connected to the image border removed.

use ndarray::{ArrayD, ArrayViewD, Axis, Slice, Zip};

use crate::engine::{ChunkGrid, Executor, Region, Sink, Source};
use crate::error::{Error, Result};
use crate::labels::remove::check_shapes;
use crate::ndmeasure::{Connectivity, Label, LabelValue};

/// Clears the objects connected to the border of an in-memory label image or
/// mask, as scikit-image's `segmentation.clear_border(labels, buffer_size, bgval)`.
///
/// As in scikit-image, objects are the connected components of equal non-zero
/// values under full connectivity (so only the part of a label that reaches
/// the border is cleared when a label has several parts), and the border is
/// the band of `buffer_size + 1` voxels along every face. Cleared voxels get
/// `bgval`; as in scikit-image, so does all background (0) when some
/// background lies in the band. Fails when `buffer_size` reaches the size of
/// an axis.
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::clear_border;
/// let labels = array![[0u8, 0, 0, 0, 0, 0],
///                     [0, 1, 0, 0, 2, 2],
///                     [0, 1, 1, 0, 0, 0],
///                     [0, 0, 0, 0, 0, 0]].into_dyn();
/// let cleared = clear_border(&labels.view(), 0, 0)?;
/// assert_eq!(cleared, array![[0u8, 0, 0, 0, 0, 0],
///                            [0, 1, 0, 0, 0, 0],
///                            [0, 1, 1, 0, 0, 0],
///                            [0, 0, 0, 0, 0, 0]].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn clear_border<L: LabelValue>(
    labels: &ArrayViewD<'_, L>,
    buffer_size: usize,
    bgval: L,
) -> Result<ArrayD<L>> {
    check_buffer(labels.shape(), buffer_size)?;
    let (components, _) = components().apply(labels)?;
    let full = Region::new(vec![0; labels.ndim()], labels.shape().to_vec());
    let touching = touching_in(&components.view(), &full, labels.shape(), buffer_size);
    Ok(clear(labels, &components.view(), &touching, bgval))
}

/// [`clear_border`] over a label image or mask of any size, chunked: the
/// components are labeled chunked, those present in the border band are
/// collected from the chunks that reach it, then every chunk is written.
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::{clear_border, ClearBorder};
/// use tesserae::{ArraySink, ArraySource, Executor};
/// let labels = array![[0u16, 3, 0, 0], [0, 3, 0, 0], [0, 0, 5, 0], [0, 0, 0, 0]].into_dyn();
/// let source = ArraySource::new(labels.clone()).with_chunks(&[1, 1])?;
/// let mut sink = ArraySink::<u16>::new(&[4, 4]);
/// let cleared = ClearBorder::new().run(&Executor::new(), &source, &mut sink)?;
/// assert_eq!(cleared, 1);
/// assert_eq!(sink.into_array(), clear_border(&labels.view(), 0, 0)?);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ClearBorder<L> {
    buffer_size: usize,
    bgval: L,
    chunks: Option<Vec<usize>>,
}

impl<L: LabelValue> Default for ClearBorder<L> {
    fn default() -> Self {
        ClearBorder {
            buffer_size: 0,
            bgval: L::zero(),
            chunks: None,
        }
    }
}

impl<L: LabelValue> ClearBorder<L> {
    /// No buffer, cleared voxels set to 0, the source's native chunks.
    ///
    /// ```
    /// use tesserae::labels::ClearBorder;
    /// let clear = ClearBorder::<u32>::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The width of the band beyond the outermost voxels that also counts as
    /// border (scikit-image's `buffer_size`).
    ///
    /// ```
    /// use tesserae::labels::ClearBorder;
    /// let clear = ClearBorder::<u32>::new().buffer_size(2);
    /// ```
    pub fn buffer_size(mut self, buffer_size: usize) -> Self {
        self.buffer_size = buffer_size;
        self
    }

    /// The value of cleared voxels (scikit-image's `bgval`, default 0).
    ///
    /// ```
    /// use tesserae::labels::ClearBorder;
    /// let clear = ClearBorder::new().bgval(9u8);
    /// ```
    pub fn bgval(mut self, bgval: L) -> Self {
        self.bgval = bgval;
        self
    }

    /// The chunks to work in (default: the source's native chunks).
    ///
    /// ```
    /// use tesserae::labels::ClearBorder;
    /// let clear = ClearBorder::<u32>::new().chunks(&[64, 256, 256]);
    /// ```
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// Writes `labels` with the border objects cleared into `sink` (committed);
    /// returns the number of objects cleared (background not counted).
    pub fn run<S, K>(&self, exec: &Executor, labels: &S, sink: &mut K) -> Result<usize>
    where
        S: Source<Elem = L>,
        K: Sink<Elem = L>,
    {
        check_shapes(labels.shape(), sink.shape())?;
        check_buffer(labels.shape(), self.buffer_size)?;
        let mut label = components();
        if let Some(chunks) = &self.chunks {
            label = label.chunks(chunks);
        }
        let ids = label.prepare(exec, labels)?.into_source()?;
        let grid = ChunkGrid::new(ids.shape(), ids.chunk_shape())?;
        let shape = labels.shape();
        let touching = exec
            .map_reduce(
                "clear border: find",
                grid.num_chunks(),
                |c| {
                    let region = grid.chunk_region(&grid.chunk_index(c));
                    if !reaches_band(&region, shape, self.buffer_size) {
                        return Ok(Vec::new());
                    }
                    let block = ids.read(&region)?;
                    Ok(touching_in(&block.view(), &region, shape, self.buffer_size))
                },
                |mut a, b| {
                    a.extend(b);
                    a.sort_unstable();
                    a.dedup();
                    a
                },
            )?
            .unwrap_or_default();
        let sink_ref = &*sink;
        exec.for_each("clear border: write", grid.num_chunks(), |c| {
            let region = grid.chunk_region(&grid.chunk_index(c));
            let block = ids.read(&region)?;
            let values = labels.read(&region)?;
            let out = clear(&values.view(), &block.view(), &touching, self.bgval);
            sink_ref.write(&region, out.view())
        })?;
        sink.commit()?;
        Ok(touching.iter().filter(|&&id| id != 0).count())
    }
}

/// scikit-image's relabeling inside `clear_border`: equal values, full connectivity.
fn components() -> Label {
    Label::new(Connectivity::Full).multilabel(true)
}

fn check_buffer(shape: &[usize], buffer_size: usize) -> Result<()> {
    if shape.iter().any(|&n| buffer_size >= n) {
        return Err(Error::InvalidArgument(format!(
            "buffer size {buffer_size} may not reach the image size {shape:?}"
        )));
    }
    Ok(())
}

/// Whether a region of an image of `shape` reaches the border band.
fn reaches_band(region: &Region, shape: &[usize], buffer_size: usize) -> bool {
    let ext = buffer_size + 1;
    region
        .start()
        .iter()
        .zip(region.shape())
        .zip(shape)
        .any(|((&s, &n), &len)| s < ext || s + n + ext > len)
}

/// The sorted component ids of `block` (the image region `region`) that lie
/// in the border band, background (0) included.
fn touching_in(
    block: &ArrayViewD<'_, u32>,
    region: &Region,
    shape: &[usize],
    buffer_size: usize,
) -> Vec<u32> {
    let ext = buffer_size + 1;
    let mut found = Vec::new();
    for (axis, &len) in shape.iter().enumerate() {
        let start = region.start()[axis];
        let end = start + region.shape()[axis];
        for band in [0..ext.min(len), len.saturating_sub(ext)..len] {
            let lo = band.start.max(start);
            let hi = band.end.min(end);
            if lo < hi {
                let slab = block.slice_axis(Axis(axis), Slice::from(lo - start..hi - start));
                found.extend(slab.iter().copied());
                found.sort_unstable();
                found.dedup();
            }
        }
    }
    found
}

/// `values` with `bgval` wherever the component id is in `touching`.
fn clear<L: LabelValue>(
    values: &ArrayViewD<'_, L>,
    ids: &ArrayViewD<'_, u32>,
    touching: &[u32],
    bgval: L,
) -> ArrayD<L> {
    let mut cache: Option<(u32, bool)> = None;
    Zip::from(values).and(ids).map_collect(|&v, &id| {
        let hit = match cache {
            Some((last, hit)) if last == id => hit,
            _ => {
                let hit = touching.binary_search(&id).is_ok();
                cache = Some((id, hit));
                hit
            }
        };
        if hit { bgval } else { v }
    })
}

//! The three passes of chunked labeling as separate block-level steps, for a
//! scheduler outside the crate (Dask workers, another process, another
//! machine): every block is summarised on its own, the small summaries are
//! merged in one place, and every block is relabeled on its own with its slice
//! of the merged table.
//!
//! 1. [`summarize_block`]: label one block with local numbering; keep the
//!    global raster index of every local label's first voxel and the local
//!    labels on the block's `2 ndim` boundary planes.
//! 2. [`merge_blocks`]: unite the local labels that touch across block
//!    boundaries and number the components by first voxel, exactly as
//!    `scipy.ndimage.label`; one lookup table per block.
//! 3. [`relabel_block`]: label the block again and map its local labels
//!    through its lookup table.
//!
//! The blocks are the chunks of a regular [`ChunkGrid`] in C order. Nothing is
//! sized by the voxel count: a summary holds the boundary planes and one word
//! per local label.
//!
//! ```
//! use ndarray::{s, ArrayD};
//! use tesserae::ndmeasure::label::block::{merge_blocks, relabel_block, summarize_block};
//! use tesserae::ndmeasure::{label, Structure};
//! use tesserae::ChunkGrid;
//!
//! let image = ArrayD::from_shape_fn(vec![5, 6], |i| ((i[0] * 7 + i[1] * 3) % 4 != 0) as u8);
//! let structure = Structure::connectivity(2, 1)?;
//! let grid = ChunkGrid::new(&[5, 6], &[2, 4])?;
//! let blocks: Vec<_> = (0..grid.num_chunks())
//!     .map(|c| {
//!         let r = grid.chunk_region(&grid.chunk_index(c));
//!         image.slice(s![r.start()[0]..r.end()[0], r.start()[1]..r.end()[1]]).into_dyn()
//!     })
//!     .collect();
//! let summaries = blocks
//!     .iter()
//!     .enumerate()
//!     .map(|(c, b)| summarize_block(b, &structure, grid.chunk_region(&grid.chunk_index(c)).start(), grid.shape()))
//!     .collect::<Result<Vec<_>, _>>()?;
//! let merged = merge_blocks(&grid, summaries, &structure)?;
//! let (whole, count) = label(&image.view(), &structure)?;
//! assert_eq!(merged.count(), count);
//! for (c, b) in blocks.iter().enumerate() {
//!     let r = grid.chunk_region(&grid.chunk_index(c));
//!     let expected = whole.slice(s![r.start()[0]..r.end()[0], r.start()[1]..r.end()[1]]);
//!     assert_eq!(relabel_block(b, &structure, merged.lookup(c))?, expected.mapv(u64::from).into_dyn());
//! }
//! # Ok::<(), tesserae::Error>(())
//! ```

use ndarray::{ArrayD, ArrayViewD};

use crate::engine::{zeroed, ChunkGrid, Element, Executor, Region};
use crate::error::{Error, Result};
use crate::ndmeasure::label::chunked::{global_first_voxels, merge_summaries, strides, Summary};
use crate::ndmeasure::label::runs::{label_view, Mode, Plan, Runs};
use crate::ndmeasure::label::Structure;

/// What [`summarize_block`] keeps of a block: enough to merge it with its
/// neighbours without its voxels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockSummary {
    /// Global raster index (C order over the whole array) of the first voxel
    /// of every local label, in local label order.
    pub first: Vec<u64>,
    /// Local labels on the low and high plane of every axis, C order, at index
    /// `2 axis + high`; empty for a plane on the array's border, which meets
    /// no other block.
    pub faces: Vec<Vec<u32>>,
}

/// Labels `block` with local numbering, binary mode (non-zero is foreground).
fn local_runs<T: Element>(block: &ArrayViewD<'_, T>, structure: &Structure) -> Result<Runs> {
    if structure.ndim() != block.ndim() {
        return Err(Error::InvalidArgument(format!(
            "the structure is {}-D but the block is {}-D",
            structure.ndim(),
            block.ndim()
        )));
    }
    if block.is_empty() {
        return Err(Error::InvalidArgument(
            "an empty block cannot be labeled".into(),
        ));
    }
    let mode = Mode {
        threshold: None,
        multilabel: false,
    };
    label_view(block.view(), &Plan::new(structure, block.shape()), mode)
}

/// Pass 1: labels one block (starting at `start` in an array of `shape`)
/// with local numbering and returns its [`BlockSummary`].
///
/// Fails when the structure's rank differs from the block's, the block is
/// empty, or the block does not fit the array at `start`.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::{label::block::summarize_block, Structure};
/// let block = array![[1u8, 0], [0, 1]].into_dyn();
/// let summary = summarize_block(&block.view(), &Structure::connectivity(2, 1)?, &[2, 0], &[4, 4])?;
/// assert_eq!(summary.first, vec![8, 13]);
/// assert_eq!(summary.faces[0], vec![1, 0]); // the low plane of axis 0
/// assert!(summary.faces[2].is_empty()); // the low plane of axis 1: the array's border
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn summarize_block<T: Element>(
    block: &ArrayViewD<'_, T>,
    structure: &Structure,
    start: &[usize],
    shape: &[usize],
) -> Result<BlockSummary> {
    let fits = start.len() == block.ndim()
        && shape.len() == block.ndim()
        && (0..shape.len()).all(|k| start[k] + block.shape()[k] <= shape[k]);
    if !fits {
        return Err(Error::InvalidArgument(format!(
            "a block of shape {:?} at {start:?} does not fit an array of shape {shape:?}",
            block.shape()
        )));
    }
    let runs = local_runs(block, structure)?;
    let region = Region::new(start.to_vec(), block.shape().to_vec());
    let first = global_first_voxels(&runs, &region, &strides(shape))
        .iter()
        .map(|&f| f as u64)
        .collect();
    let faces = runs.inner_faces(&region, shape);
    Ok(BlockSummary { first, faces })
}

/// The merged numbering of all blocks: a lookup table per block from local to
/// final labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergedLabels {
    luts: Vec<Vec<u64>>,
    count: usize,
}

impl MergedLabels {
    /// The number of objects in the whole array.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::label::block::{merge_blocks, summarize_block};
    /// use tesserae::{ndmeasure::Structure, ChunkGrid};
    /// let s = Structure::connectivity(1, 1)?;
    /// let a = summarize_block(&array![1u8, 1].into_dyn().view(), &s, &[0], &[4])?;
    /// let b = summarize_block(&array![1u8, 0].into_dyn().view(), &s, &[2], &[4])?;
    /// assert_eq!(merge_blocks(&ChunkGrid::new(&[4], &[2])?, vec![a, b], &s)?.count(), 1);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn count(&self) -> usize {
        self.count
    }

    /// Block `c`'s table: entry `l - 1` is the final label of local label `l`.
    /// Empty for an unknown block.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::label::block::{merge_blocks, summarize_block};
    /// use tesserae::{ndmeasure::Structure, ChunkGrid};
    /// let s = Structure::connectivity(1, 1)?;
    /// let a = summarize_block(&array![1u8, 0].into_dyn().view(), &s, &[0], &[4])?;
    /// let b = summarize_block(&array![1u8, 1].into_dyn().view(), &s, &[2], &[4])?;
    /// let merged = merge_blocks(&ChunkGrid::new(&[4], &[2])?, vec![a, b], &s)?;
    /// assert_eq!(merged.lookup(1), &[2]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn lookup(&self, c: usize) -> &[u64] {
        self.luts.get(c).map_or(&[], |l| &l[..])
    }

    /// All tables, in block order.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::label::block::{merge_blocks, summarize_block};
    /// use tesserae::{ndmeasure::Structure, ChunkGrid};
    /// let s = Structure::connectivity(1, 1)?;
    /// let a = summarize_block(&array![1u8, 1].into_dyn().view(), &s, &[0], &[2])?;
    /// let merged = merge_blocks(&ChunkGrid::new(&[2], &[2])?, vec![a], &s)?;
    /// assert_eq!(merged.into_lookups(), vec![vec![1]]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn into_lookups(self) -> Vec<Vec<u64>> {
        self.luts
    }
}

/// Pass 2: merges the summaries of every block of `grid` (C order) into the
/// final numbering, `scipy.ndimage.label`'s for `structure`.
///
/// Fails when the number of summaries differs from the number of blocks or a
/// summary does not match its block's shape.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::label::block::{merge_blocks, summarize_block};
/// use tesserae::{ndmeasure::Structure, ChunkGrid};
/// let s = Structure::connectivity(1, 1)?;
/// let a = summarize_block(&array![0u8, 1].into_dyn().view(), &s, &[0], &[4])?;
/// let b = summarize_block(&array![1u8, 1].into_dyn().view(), &s, &[2], &[4])?;
/// let merged = merge_blocks(&ChunkGrid::new(&[4], &[2])?, vec![a, b], &s)?;
/// assert_eq!((merged.count(), merged.lookup(0), merged.lookup(1)), (1, &[1][..], &[1][..]));
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn merge_blocks(
    grid: &ChunkGrid,
    summaries: Vec<BlockSummary>,
    structure: &Structure,
) -> Result<MergedLabels> {
    let n = grid.num_chunks();
    if summaries.len() != n {
        return Err(Error::InvalidArgument(format!(
            "{} block summaries for a grid of {n} blocks",
            summaries.len()
        )));
    }
    if structure.ndim() != grid.ndim() {
        return Err(Error::InvalidArgument(format!(
            "the structure is {}-D but the grid is {}-D",
            structure.ndim(),
            grid.ndim()
        )));
    }
    let mut inner: Vec<Summary<u8>> = Vec::with_capacity(n);
    for (c, s) in summaries.into_iter().enumerate() {
        check_summary(&s, grid, c)?;
        inner.push(Summary {
            first: s
                .first
                .iter()
                .map(|&f| f as usize)
                .collect::<Vec<_>>()
                .into(),
            faces: s.faces,
            values: Vec::new(),
            runs: None,
        });
    }
    let (offsets, final_label, count) =
        merge_summaries(&Executor::new(), grid, &inner, structure, false)?;
    let luts = (0..n)
        .map(|c| {
            final_label[offsets[c]..offsets[c + 1]]
                .iter()
                .map(|&l| l as u64)
                .collect()
        })
        .collect();
    Ok(MergedLabels { luts, count })
}

/// Checks that summary `c` has the faces of block `c` of `grid` (none on the
/// array's border) and that its face labels stay within its local labels.
fn check_summary(s: &BlockSummary, grid: &ChunkGrid, c: usize) -> Result<()> {
    let bad = |what: &str| Error::InvalidArgument(format!("block summary {c}: {what}"));
    let index = grid.chunk_index(c);
    let shape = grid.chunk_region(&index).shape().to_vec();
    if s.faces.len() != 2 * shape.len() {
        return Err(bad("wrong number of boundary planes"));
    }
    let total: usize = shape.iter().product();
    for (i, face) in s.faces.iter().enumerate() {
        let (axis, high) = (i / 2, i % 2 == 1);
        let border = if high {
            index[axis] + 1 == grid.grid_shape()[axis]
        } else {
            index[axis] == 0
        };
        let len = if border { 0 } else { total / shape[axis] };
        if face.len() != len {
            return Err(bad("a boundary plane does not match the block's place"));
        }
        if face.iter().any(|&l| l as usize > s.first.len()) {
            return Err(bad("a boundary label exceeds the block's labels"));
        }
    }
    if s.first.len() > total {
        return Err(bad("more labels than voxels"));
    }
    Ok(())
}

/// Pass 3: labels `block` again with local numbering and maps every local
/// label `l` to `lookup[l - 1]` (background stays 0). The output has the
/// lookup table's type, so a caller that wants `i32` labels (scipy's) or
/// `u32` converts the small table once instead of the block.
///
/// Fails when the structure's rank differs from the block's or the table is
/// shorter than the block's local labels.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::{label::block::relabel_block, Structure};
/// let block = array![[1u8, 0, 1]].into_dyn();
/// let out = relabel_block(&block.view(), &Structure::connectivity(2, 1)?, &[7u64, 9])?;
/// assert_eq!(out, array![[7u64, 0, 9]].into_dyn());
/// let small = relabel_block(&block.view(), &Structure::connectivity(2, 1)?, &[7i32, 9])?;
/// assert_eq!(small, array![[7i32, 0, 9]].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn relabel_block<T: Element, L: Copy + num_traits::Zero>(
    block: &ArrayViewD<'_, T>,
    structure: &Structure,
    lookup: &[L],
) -> Result<ArrayD<L>> {
    let runs = local_runs(block, structure)?;
    if runs.count() > lookup.len() {
        return Err(Error::InvalidArgument(format!(
            "the block has {} labels but its table {}",
            runs.count(),
            lookup.len()
        )));
    }
    let mut out = zeroed(block.len());
    runs.write(&mut out, L::zero(), |l| lookup[l as usize - 1]);
    ArrayD::from_shape_vec(block.shape().to_vec(), out)
        .map_err(|e| Error::Failed(format!("labels do not fit the block's shape: {e}")))
}

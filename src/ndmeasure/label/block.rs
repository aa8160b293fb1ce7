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
//! A scheduler that keeps something of every block between the passes can
//! keep its [`LocalLabels`] (runs along the rows, usually a fraction of the
//! block's bytes) instead of the block: [`LocalLabels::summary`] and
//! [`LocalLabels::relabel`] are passes 1 and 3 without labeling twice.
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

use crate::engine::{ChunkGrid, Element, Executor, Region, zeroed};
use crate::error::{Error, Result};
use crate::ndmeasure::label::Structure;
use crate::ndmeasure::label::chunked::{Summary, global_first_voxels, merge_summaries, strides};
use crate::ndmeasure::label::runs::{Mode, Plan, Runs, label_view};

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
    LocalLabels::new(block, structure)?.summary(start, shape)
}

/// A block's local labels (binary mode, numbered in raster order), kept as
/// runs along its rows.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::{label::block::LocalLabels, Structure};
/// let block = array![[1u8, 1, 0, 1]].into_dyn();
/// let local = LocalLabels::new(&block.view(), &Structure::connectivity(2, 1)?)?;
/// assert_eq!((local.count(), local.shape()), (2, &[1, 4][..]));
/// assert_eq!(local.relabel(&[5u32, 6])?, array![[5u32, 5, 0, 6]].into_dyn());
/// let again = LocalLabels::from_bytes(&local.to_bytes())?;
/// assert_eq!(again.relabel(&[5u32, 6])?, local.relabel(&[5u32, 6])?);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct LocalLabels {
    runs: Runs,
    shape: Vec<usize>,
}

impl LocalLabels {
    /// Labels `block` with local numbering, non-zero voxels as foreground.
    ///
    /// Fails when the structure's rank differs from the block's or the block
    /// is empty.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::{label::block::LocalLabels, Structure};
    /// let block = array![[1u8, 0], [0, 1]].into_dyn();
    /// let s = Structure::connectivity(2, 2)?;
    /// assert_eq!(LocalLabels::new(&block.view(), &s)?.count(), 1);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn new<T: Element>(block: &ArrayViewD<'_, T>, structure: &Structure) -> Result<Self> {
        Ok(LocalLabels {
            runs: local_runs(block, structure)?,
            shape: block.shape().to_vec(),
        })
    }

    /// The block's shape.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndmeasure::{label::block::LocalLabels, Structure};
    /// let block = ArrayD::<u8>::zeros(vec![2, 3]);
    /// let local = LocalLabels::new(&block.view(), &Structure::connectivity(2, 1)?)?;
    /// assert_eq!(local.shape(), &[2, 3]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The number of local labels.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::{label::block::LocalLabels, Structure};
    /// let block = array![1u8, 0, 1, 0, 1].into_dyn();
    /// let local = LocalLabels::new(&block.view(), &Structure::connectivity(1, 1)?)?;
    /// assert_eq!(local.count(), 3);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn count(&self) -> usize {
        self.runs.count()
    }

    /// Bytes held on the heap: what keeping these labels costs, against the
    /// block's own bytes.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndmeasure::{label::block::LocalLabels, Structure};
    /// let block = ArrayD::<u8>::ones(vec![64, 64]);
    /// let local = LocalLabels::new(&block.view(), &Structure::connectivity(2, 1)?)?;
    /// assert!(local.heap_size() < block.len());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn heap_size(&self) -> usize {
        self.runs.heap_size() + std::mem::size_of_val(&self.shape[..])
    }

    /// Pass 1: the [`BlockSummary`] of this block, which starts at `start`
    /// in an array of `shape`.
    ///
    /// Fails when the block does not fit the array at `start`.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::{label::block::LocalLabels, Structure};
    /// let block = array![[1u8, 0], [0, 1]].into_dyn();
    /// let local = LocalLabels::new(&block.view(), &Structure::connectivity(2, 1)?)?;
    /// let summary = local.summary(&[2, 0], &[4, 4])?;
    /// assert_eq!(summary.first, vec![8, 13]);
    /// assert!(local.summary(&[3, 0], &[4, 4]).is_err());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn summary(&self, start: &[usize], shape: &[usize]) -> Result<BlockSummary> {
        let ndim = self.shape.len();
        let fits = start.len() == ndim
            && shape.len() == ndim
            && (0..ndim).all(|k| start[k] + self.shape[k] <= shape[k]);
        if !fits {
            return Err(Error::InvalidArgument(format!(
                "a block of shape {:?} at {start:?} does not fit an array of shape {shape:?}",
                self.shape
            )));
        }
        let region = Region::new(start.to_vec(), self.shape.clone());
        let first = global_first_voxels(&self.runs, &region, &strides(shape))
            .iter()
            .map(|&f| f as u64)
            .collect();
        let faces = self.runs.inner_faces(&region, shape);
        Ok(BlockSummary { first, faces })
    }

    /// Pass 3: the block's final labels, every local label `l` mapped to
    /// `lookup[l - 1]` (background stays 0), in the lookup table's type.
    ///
    /// Fails when the table is shorter than the local labels.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::{label::block::LocalLabels, Structure};
    /// let block = array![[1u8, 0, 1]].into_dyn();
    /// let local = LocalLabels::new(&block.view(), &Structure::connectivity(2, 1)?)?;
    /// assert_eq!(local.relabel(&[7i32, 9])?, array![[7i32, 0, 9]].into_dyn());
    /// assert!(local.relabel(&[7i32]).is_err());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn relabel<L: Copy + num_traits::Zero>(&self, lookup: &[L]) -> Result<ArrayD<L>> {
        if self.count() > lookup.len() {
            return Err(Error::InvalidArgument(format!(
                "the block has {} labels but its table {}",
                self.count(),
                lookup.len()
            )));
        }
        let mut out = zeroed(self.shape.iter().product());
        self.runs
            .write(&mut out, L::zero(), |l| lookup[l as usize - 1]);
        ArrayD::from_shape_vec(self.shape.clone(), out)
            .map_err(|e| Error::Failed(format!("labels do not fit the block's shape: {e}")))
    }

    /// The labels as bytes, for another process ([`LocalLabels::from_bytes`]).
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::{label::block::LocalLabels, Structure};
    /// let block = array![1u8, 1, 0].into_dyn();
    /// let local = LocalLabels::new(&block.view(), &Structure::connectivity(1, 1)?)?;
    /// assert_eq!(LocalLabels::from_bytes(&local.to_bytes())?.count(), 1);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = std::iter::once(self.shape.len())
            .chain(self.shape.iter().copied())
            .chain(std::iter::once(self.count()));
        let mut bytes: Vec<u8> = header.flat_map(|w| (w as u64).to_le_bytes()).collect();
        bytes.extend(self.runs.to_bytes());
        bytes
    }

    /// Labels from [`LocalLabels::to_bytes`].
    ///
    /// Fails, never panics, on bytes that are not such labels: a wrong
    /// length, an empty shape, runs outside their rows or out of order,
    /// labels not numbered in raster order.
    ///
    /// ```
    /// use tesserae::ndmeasure::label::block::LocalLabels;
    /// assert!(LocalLabels::from_bytes(&[1, 2, 3]).is_err());
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = || Error::InvalidArgument("block labels: a truncated header".into());
        let mut words = bytes.chunks_exact(8).map(|w| {
            let w: [u8; 8] = w.try_into().unwrap_or_default();
            usize::try_from(u64::from_le_bytes(w)).unwrap_or(usize::MAX)
        });
        let ndim = words.next().ok_or_else(bad)?;
        if ndim == 0 || ndim > 32 {
            return Err(Error::InvalidArgument(format!(
                "block labels: {ndim} dimensions"
            )));
        }
        let shape: Vec<usize> = words.by_ref().take(ndim).collect();
        let count = words.next().ok_or_else(bad)?;
        if shape.len() != ndim {
            return Err(bad());
        }
        let rows = shape[..ndim - 1]
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .filter(|&n| {
                // Labeling's own limit: fewer than u32::MAX voxels.
                let voxels = n.saturating_mul(shape[ndim - 1]);
                n > 0 && shape[ndim - 1] > 0 && voxels < u32::MAX as usize
            })
            .ok_or_else(|| {
                Error::InvalidArgument(format!("block labels: a block of shape {shape:?}"))
            })?;
        let runs = Runs::from_bytes(&bytes[8 * (ndim + 2)..], rows, shape[ndim - 1], count)?;
        Ok(LocalLabels { runs, shape })
    }
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
    LocalLabels::new(block, structure)?.relabel(lookup)
}

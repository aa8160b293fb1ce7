//! [`Fixpoint`]: blockwise iteration to a fixed point, for operations whose
//! result at a voxel may depend on voxels arbitrarily far away (morphological
//! reconstruction, propagation).
//!
//! Every block is solved from its own input and the current values of its
//! neighbours within a halo; whenever a block's border values change, the
//! blocks that read them are solved again, until no border changes. Between
//! passes only the blocks' border slabs are kept (memory grows with the
//! blocks' surface, not their volume), so the volume may be larger than memory.
//!
//! The result is exact, whatever the chunking, for a *monotone* step: one that
//! never lowers a value given higher halo values and never goes above the
//! global solution given halo values that do not. Then every value computed
//! along the way is a lower bound of the global solution, borders only grow,
//! and the iteration stops at the global solution (the least fixed point
//! above the initial values), in whatever order the blocks are solved.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ndarray::{ArrayD, ArrayViewD};

use crate::engine::blocks::assign_block;
use crate::engine::{
    ChunkGrid, Element, Executor, Region, Source, check_block, copy_block, read_chunked,
};
use crate::error::{Error, Result};

/// The values of a block's padded region (`padded`: the block grown by the
/// halo depth, clipped to the array) that a [`Fixpoint`] step starts from:
/// the initial values inside `block`, the neighbours' current values around it.
type Step<'a, E> =
    dyn Fn(&Region, &Region, ArrayViewD<'_, E>) -> Result<ArrayD<E>> + Send + Sync + 'a;

/// A block's solution and the versions of the borders it was solved from.
type Kept<E> = (ArrayD<E>, Vec<u64>);

/// Initial values (lower bounds of the solution) of any region.
type Initial<'a, E> = dyn Fn(&Region) -> Result<ArrayD<E>> + Send + Sync + 'a;

/// Blockwise iteration of a monotone step to its fixed point (see the module
/// documentation).
///
/// ```
/// use ndarray::{ArrayD, ArrayViewD, IxDyn};
/// use tesserae::engine::Fixpoint;
/// use tesserae::{Executor, Region, Source};
///
/// // The running maximum of a row, from the left: the value of a voxel is the
/// // largest of the values before it, however far away.
/// let row = [3u8, 1, 4, 1, 5, 9, 2, 6];
/// let step = |block: &Region, padded: &Region, values: ArrayViewD<'_, u8>| {
///     let at = block.start()[0] - padded.start()[0];
///     let mut best = if at > 0 { values[[at - 1]] } else { 0 };
///     let out: Vec<u8> = (0..block.shape()[0])
///         .map(|i| {
///             best = best.max(values[[at + i]]);
///             best
///         })
///         .collect();
///     Ok(ArrayD::from_shape_vec(IxDyn(block.shape()), out).unwrap())
/// };
/// let initial = |region: &Region| {
///     Ok(ArrayD::from_shape_fn(IxDyn(region.shape()), |i| row[region.start()[0] + i[0]]))
/// };
/// let solved = Fixpoint::new(&[8], &[3], &[1])?.solve(&Executor::new(), initial, step)?;
/// let running = solved.read(&Region::full(&[8]))?;
/// assert_eq!(running.as_slice(), Some(&[3u8, 3, 4, 4, 5, 9, 9, 9][..]));
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Fixpoint {
    grid: ChunkGrid,
    depth: Vec<usize>,
    cache: usize,
}

impl Fixpoint {
    /// An iteration over an array of `shape` in blocks of `chunks`, each
    /// reading its neighbours' values up to `depth` voxels away per axis.
    pub fn new(shape: &[usize], chunks: &[usize], depth: &[usize]) -> Result<Self> {
        let grid = ChunkGrid::new(shape, chunks)?;
        if depth.len() != shape.len() {
            return Err(Error::InvalidArgument(format!(
                "halo depth {depth:?} has {} axes but the array has {}",
                depth.len(),
                shape.len()
            )));
        }
        Ok(Fixpoint {
            grid,
            depth: depth.to_vec(),
            cache: Fixpoint::DEFAULT_CACHE,
        })
    }

    /// Default byte budget of [`Fixpoint::cache`]: 256 MiB.
    pub const DEFAULT_CACHE: usize = 256 << 20;

    /// Keeps up to `bytes` of solved blocks whose halo did not change after
    /// they were solved, so that reading them afterwards does not solve them
    /// again (default [`Fixpoint::DEFAULT_CACHE`]; 0 keeps none).
    pub fn cache(mut self, bytes: usize) -> Self {
        self.cache = bytes;
        self
    }

    /// Iterates `step` to its fixed point from `initial`, and returns the
    /// solution as a lazy [`Source`] chunked as the iteration.
    ///
    /// `step(block, padded, values)` gets a block, its padded region (the
    /// block grown by the depth, clipped to the array) and the values over
    /// `padded`: `initial`'s inside the block, the neighbours' current ones
    /// around it (`initial`'s before a neighbour is first solved). It returns
    /// the block's values, which must not depend on how the array is chunked
    /// beyond what the halo shows. `initial(region)` gives lower bounds of the
    /// solution over any region.
    pub fn solve<'a, E, I, F>(self, exec: &Executor, initial: I, step: F) -> Result<Solved<'a, E>>
    where
        E: Element,
        I: Fn(&Region) -> Result<ArrayD<E>> + Send + Sync + 'a,
        F: Fn(&Region, &Region, ArrayViewD<'_, E>) -> Result<ArrayD<E>> + Send + Sync + 'a,
    {
        let mut solved = Solved {
            grid: self.grid,
            depth: self.depth,
            initial: Box::new(initial),
            step: Box::new(step),
            borders: Vec::new(),
            kept: Vec::new(),
            passes: 0,
            solves: 0,
        };
        solved.iterate(exec, self.cache)?;
        Ok(solved)
    }
}

/// A block's border slabs: per axis, the low and the high slab of the halo
/// depth (or the whole block when it is thinner), with a version that grows
/// whenever a slab changes.
#[derive(Debug)]
struct Border<E> {
    slabs: Vec<(Region, ArrayD<E>)>,
    version: u64,
}

/// The fixed point of a [`Fixpoint`] iteration, as a lazy [`Source`]: reading
/// a chunk solves it once more from its neighbours' final borders (or returns
/// the kept solution).
pub struct Solved<'a, E> {
    grid: ChunkGrid,
    depth: Vec<usize>,
    initial: Box<Initial<'a, E>>,
    step: Box<Step<'a, E>>,
    /// Every block's current border; empty until the first pass is over.
    borders: Vec<Mutex<Arc<Border<E>>>>,
    kept: Vec<Mutex<Option<ArrayD<E>>>>,
    passes: usize,
    solves: usize,
}

impl<E> std::fmt::Debug for Solved<'_, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Solved")
            .field("grid", &self.grid)
            .field("depth", &self.depth)
            .field("passes", &self.passes)
            .field("solves", &self.solves)
            .finish_non_exhaustive()
    }
}

impl<E: Element> Solved<'_, E> {
    /// The number of passes the iteration took: 1 when no block has a
    /// neighbour within the halo depth, else at least 2.
    pub fn passes(&self) -> usize {
        self.passes
    }

    /// The number of block solves the iteration took.
    pub fn solves(&self) -> usize {
        self.solves
    }

    fn region(&self, c: usize) -> Region {
        self.grid.chunk_region(&self.grid.chunk_index(c))
    }

    fn padded(&self, block: &Region) -> Region {
        block.grow(&self.depth, self.grid.shape())
    }

    /// The other blocks within the halo depth of block `c`: those whose
    /// borders `c` reads, and those that read `c`'s.
    fn neighbours(&self, c: usize) -> Vec<usize> {
        self.grid
            .chunks_overlapping(&self.padded(&self.region(c)))
            .map(|index| self.grid.linear_index(&index))
            .filter(|&m| m != c)
            .collect()
    }

    /// Solves block `c` from the initial values around it (before the
    /// borders exist) or from its neighbours' current borders; returns the
    /// block's values and the versions of the borders it read.
    fn solve_block(&self, c: usize) -> Result<(ArrayD<E>, Vec<u64>)> {
        let block = self.region(c);
        let padded = self.padded(&block);
        let mut values = (self.initial)(&padded)?;
        check_block(&padded, values.shape())?;
        let mut versions = Vec::new();
        if !self.borders.is_empty() {
            for n in self.neighbours(c) {
                let border = lock(&self.borders[n]).clone();
                versions.push(border.version);
                let neighbour = self.region(n);
                let Some(common) = padded.intersect(&neighbour) else {
                    continue;
                };
                let (slab, data) = border
                    .slabs
                    .iter()
                    .find(|(slab, _)| slab.contains(&common))
                    .ok_or_else(|| {
                        Error::Failed(format!("no border slab of {neighbour} holds {common}"))
                    })?;
                assign_block(
                    common.relative_to(&padded).view_mut(&mut values),
                    common.relative_to(slab).view(data),
                );
            }
        }
        let out = (self.step)(&block, &padded, values.view())?;
        check_block(&block, out.shape())?;
        Ok((out, versions))
    }

    /// The border slabs of `block` holding `values`: per axis with a non-zero
    /// depth, the low and the high slab of the depth (the whole block when
    /// it is thinner).
    fn slabs(&self, block: &Region, values: &ArrayD<E>) -> Vec<(Region, ArrayD<E>)> {
        let mut slabs = Vec::new();
        for (axis, &d) in self.depth.iter().enumerate() {
            if d == 0 {
                continue;
            }
            let len = block.shape()[axis];
            let width = d.min(len);
            for from in [0, len - width] {
                let mut start = vec![0; block.ndim()];
                start[axis] = from;
                let mut shape = block.shape().to_vec();
                shape[axis] = width;
                let local = Region::new(start, shape);
                let data = copy_block(local.view(values));
                slabs.push((local.offset(block.start()), data));
            }
        }
        slabs
    }

    /// Runs passes until no border changes, keeping solutions within `cache` bytes.
    fn iterate(&mut self, exec: &Executor, cache: usize) -> Result<()> {
        let n = self.grid.num_chunks();
        let budget = AtomicUsize::new(cache);
        let kept: Vec<Mutex<Option<Kept<E>>>> = (0..n).map(|_| Mutex::new(None)).collect();
        let keep = |c: usize, out: ArrayD<E>, versions: Vec<u64>| {
            let size = |a: &ArrayD<E>| a.len() * std::mem::size_of::<E>();
            let mut slot = lock(&kept[c]);
            if let Some((old, _)) = slot.take() {
                budget.fetch_add(size(&old), Ordering::Relaxed);
            }
            let bytes = size(&out);
            if budget
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                    left.checked_sub(bytes)
                })
                .is_ok()
            {
                *slot = Some((out, versions));
            }
        };
        // Pass 1: every block from the initial values around it.
        let first: Vec<Mutex<Option<Border<E>>>> = (0..n).map(|_| Mutex::new(None)).collect();
        exec.for_each("fixpoint: pass 1", n, |c| {
            let (out, versions) = self.solve_block(c)?;
            let slabs = self.slabs(&self.region(c), &out);
            *lock(&first[c]) = Some(Border { slabs, version: 0 });
            keep(c, out, versions);
            Ok(())
        })?;
        self.borders = first
            .into_iter()
            .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
            .map(|b| b.map(|b| Mutex::new(Arc::new(b))))
            .collect::<Option<_>>()
            .ok_or_else(|| Error::Failed("a block was not solved".into()))?;
        // Every block that read initial values around it is solved again from
        // its neighbours' borders; after that, only those whose neighbours'
        // borders changed.
        let mut dirty: Vec<bool> = (0..n).map(|c| !self.neighbours(c).is_empty()).collect();
        let version = AtomicU64::new(0);
        let mut solves = n;
        let mut passes = 1;
        while dirty.iter().any(|&d| d) {
            passes += 1;
            let todo: Vec<usize> = (0..n).filter(|&c| dirty[c]).collect();
            solves += todo.len();
            let next: Vec<AtomicBool> = (0..n).map(|_| AtomicBool::new(false)).collect();
            exec.for_each("fixpoint: pass", todo.len(), |i| {
                let c = todo[i];
                let (out, versions) = self.solve_block(c)?;
                let slabs = self.slabs(&self.region(c), &out);
                let mut border = lock(&self.borders[c]);
                if slabs
                    .iter()
                    .zip(&border.slabs)
                    .any(|((_, a), (_, b))| a != b)
                {
                    let v = version.fetch_add(1, Ordering::Relaxed) + 1;
                    *border = Arc::new(Border { slabs, version: v });
                    drop(border);
                    for m in self.neighbours(c) {
                        next[m].store(true, Ordering::Relaxed);
                    }
                }
                keep(c, out, versions);
                Ok(())
            })?;
            dirty = next.into_iter().map(AtomicBool::into_inner).collect();
        }
        // A kept solution is final when the borders it read are the final ones.
        let kept: Vec<Mutex<Option<ArrayD<E>>>> = kept
            .into_iter()
            .enumerate()
            .map(|(c, m)| {
                let slot = m.into_inner().unwrap_or_else(|p| p.into_inner());
                let fresh = slot.filter(|(_, read)| *read == self.versions(c));
                Mutex::new(fresh.map(|(out, _)| out))
            })
            .collect();
        self.kept = kept;
        self.passes = passes;
        self.solves = solves;
        Ok(())
    }

    /// The versions of the current borders of block `c`'s neighbours, in
    /// the order [`Solved::solve_block`] reads them.
    fn versions(&self, c: usize) -> Vec<u64> {
        self.neighbours(c)
            .into_iter()
            .map(|m| lock(&self.borders[m]).version)
            .collect()
    }

    /// The solution on block `c`: the kept one (given out once), else solved again.
    fn block(&self, c: usize) -> Result<ArrayD<E>> {
        if let Some(out) = lock(&self.kept[c]).take() {
            return Ok(out);
        }
        Ok(self.solve_block(c)?.0)
    }
}

fn lock<V>(m: &Mutex<V>) -> std::sync::MutexGuard<'_, V> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<E: Element> Source for Solved<'_, E> {
    type Elem = E;

    fn shape(&self) -> &[usize] {
        self.grid.shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        self.grid.chunk_shape()
    }

    fn read(&self, region: &Region) -> Result<ArrayD<E>> {
        read_chunked(&self.grid, region, &|chunk| {
            let c = self.grid.linear_index(&self.grid.chunk_of(chunk.start()));
            self.block(c)
        })
    }
}

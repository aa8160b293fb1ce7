//! [`ChunkGrid`]: a regular tiling of an array into chunks.

use crate::engine::Region;
use crate::error::{Error, Result};

/// An array shape tiled by a regular chunk shape; the last chunk along an axis
/// may be smaller than the others.
///
/// Chunks are addressed by their N-d index (position in the grid) or by their
/// linear index in C order.
///
/// ```
/// use tesserae::{ChunkGrid, Region};
///
/// let grid = ChunkGrid::new(&[10, 7], &[4, 4]).unwrap();
/// assert_eq!(grid.grid_shape(), &[3, 2]);
/// assert_eq!(grid.num_chunks(), 6);
/// assert_eq!(grid.chunk_region(&[2, 1]), Region::new(vec![8, 4], vec![2, 3]));
/// assert_eq!(grid.chunk_index(3), vec![1, 1]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkGrid {
    shape: Vec<usize>,
    chunk_shape: Vec<usize>,
    grid_shape: Vec<usize>,
}

impl ChunkGrid {
    /// A grid over `shape` with chunks of `chunk_shape`.
    ///
    /// Chunk extents larger than the array are clipped to it. Fails when the
    /// ranks differ or a chunk extent is zero.
    ///
    /// ```
    /// use tesserae::ChunkGrid;
    /// assert!(ChunkGrid::new(&[10, 10], &[0, 4]).is_err());
    /// assert!(ChunkGrid::new(&[10, 10], &[4]).is_err());
    /// assert_eq!(ChunkGrid::new(&[10, 10], &[64, 64]).unwrap().chunk_shape(), &[10, 10]);
    /// ```
    pub fn new(shape: &[usize], chunk_shape: &[usize]) -> Result<Self> {
        if shape.len() != chunk_shape.len() {
            return Err(Error::InvalidArgument(format!(
                "chunk shape {chunk_shape:?} has {} axes but the array has {} (shape {shape:?})",
                chunk_shape.len(),
                shape.len()
            )));
        }
        if chunk_shape.contains(&0) {
            return Err(Error::InvalidArgument(format!(
                "chunk shape {chunk_shape:?} has a zero extent"
            )));
        }
        let chunk_shape: Vec<usize> = chunk_shape
            .iter()
            .zip(shape)
            .map(|(&c, &n)| c.min(n.max(1)))
            .collect();
        let grid_shape = shape
            .iter()
            .zip(&chunk_shape)
            .map(|(n, c)| n.div_ceil(*c))
            .collect();
        Ok(ChunkGrid {
            shape: shape.to_vec(),
            chunk_shape,
            grid_shape,
        })
    }

    /// The shape of the array.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The (clipped) shape of a full chunk.
    pub fn chunk_shape(&self) -> &[usize] {
        &self.chunk_shape
    }

    /// Number of chunks along every axis.
    pub fn grid_shape(&self) -> &[usize] {
        &self.grid_shape
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Total number of chunks.
    pub fn num_chunks(&self) -> usize {
        self.grid_shape.iter().product()
    }

    /// The region of the chunk at N-d index `index`.
    pub fn chunk_region(&self, index: &[usize]) -> Region {
        let start: Vec<usize> = index
            .iter()
            .zip(&self.chunk_shape)
            .map(|(i, c)| i * c)
            .collect();
        let end: Vec<usize> = start
            .iter()
            .zip(&self.chunk_shape)
            .zip(&self.shape)
            .map(|((s, c), n)| (s + c).min(*n))
            .collect();
        Region::from_bounds(start, &end)
    }

    /// The N-d index of the chunk with C-order linear index `linear`.
    pub fn chunk_index(&self, linear: usize) -> Vec<usize> {
        let mut index = vec![0; self.ndim()];
        let mut rest = linear;
        for (i, n) in index.iter_mut().zip(&self.grid_shape).rev() {
            *i = rest % n;
            rest /= n;
        }
        index
    }

    /// The C-order linear index of the chunk at N-d index `index`.
    ///
    /// ```
    /// let grid = tesserae::ChunkGrid::new(&[10, 7], &[4, 4]).unwrap();
    /// assert_eq!(grid.linear_index(&[1, 1]), 3);
    /// ```
    pub fn linear_index(&self, index: &[usize]) -> usize {
        index
            .iter()
            .zip(&self.grid_shape)
            .fold(0, |acc, (i, n)| acc * n + i)
    }

    /// The index of the chunk holding voxel `point`.
    pub fn chunk_of(&self, point: &[usize]) -> Vec<usize> {
        point
            .iter()
            .zip(&self.chunk_shape)
            .map(|(p, c)| p / c)
            .collect()
    }

    /// The N-d indices of all chunks, in C order.
    pub fn indices(&self) -> impl Iterator<Item = Vec<usize>> + '_ {
        (0..self.num_chunks()).map(|i| self.chunk_index(i))
    }

    /// The N-d indices of the chunks that overlap `region`, in C order.
    ///
    /// ```
    /// use tesserae::{ChunkGrid, Region};
    /// let grid = ChunkGrid::new(&[10, 10], &[4, 4]).unwrap();
    /// let hit: Vec<_> = grid.chunks_overlapping(&Region::new(vec![3, 7], vec![2, 2])).collect();
    /// assert_eq!(hit, vec![vec![0, 1], vec![0, 2], vec![1, 1], vec![1, 2]]);
    /// ```
    pub fn chunks_overlapping(&self, region: &Region) -> impl Iterator<Item = Vec<usize>> + use<> {
        let first: Vec<usize> = region
            .start()
            .iter()
            .zip(&self.chunk_shape)
            .map(|(s, c)| s / c)
            .collect();
        let last: Vec<usize> = region
            .end()
            .iter()
            .zip(&self.chunk_shape)
            .zip(&self.grid_shape)
            .map(|((e, c), g)| e.div_ceil(*c).min(*g))
            .collect();
        let counts: Vec<usize> = if region.is_empty() {
            vec![0; self.ndim()]
        } else {
            first
                .iter()
                .zip(&last)
                .map(|(f, l)| l.saturating_sub(*f))
                .collect()
        };
        let total: usize = counts.iter().product();
        (0..total).map(move |mut k| {
            let mut index = first.clone();
            for (i, n) in index.iter_mut().zip(&counts).rev() {
                *i += k % n;
                k /= n;
            }
            index
        })
    }

    /// The neighbours of chunk `index` that differ from it along at most
    /// `connectivity` axes (1: across faces; 2: also across edges; `ndim`: also
    /// across corners), in C order, without the chunk itself.
    ///
    /// ```
    /// let grid = tesserae::ChunkGrid::new(&[8, 8], &[4, 4]).unwrap();
    /// assert_eq!(grid.neighbours(&[0, 0], 1), vec![vec![0, 1], vec![1, 0]]);
    /// assert_eq!(grid.neighbours(&[0, 0], 2).len(), 3);
    /// ```
    pub fn neighbours(&self, index: &[usize], connectivity: usize) -> Vec<Vec<usize>> {
        let ndim = self.ndim();
        let mut out = Vec::new();
        for code in 0..3usize.pow(ndim as u32) {
            let mut rest = code;
            let mut moved = 0;
            let mut neighbour = vec![0; ndim];
            let mut inside = true;
            for axis in (0..ndim).rev() {
                let step = (rest % 3) as isize - 1;
                rest /= 3;
                if step != 0 {
                    moved += 1;
                }
                let j = index[axis] as isize + step;
                if j < 0 || j >= self.grid_shape[axis] as isize {
                    inside = false;
                }
                neighbour[axis] = j.max(0) as usize;
            }
            if inside && moved > 0 && moved <= connectivity {
                out.push(neighbour);
            }
        }
        out
    }
}

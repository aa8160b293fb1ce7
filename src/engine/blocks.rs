//! [`map_blocks`]: a lazy [`Source`] whose every output chunk is computed from
//! the same region of another source.

use std::marker::PhantomData;
use std::sync::Mutex;

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Ix1, Ix2, Ix3, Ix4, Zip};
use rayon::prelude::*;

use crate::engine::{ChunkGrid, Element, Region, Source, VoxelSize, check_region};
use crate::error::{Error, Result};

/// A lazy source applying a function to every chunk of another source.
///
/// Built by [`map_blocks`]. Reading a region computes only the output chunks
/// that overlap it (in parallel on the current rayon pool); reading exactly one
/// chunk computes that chunk alone and returns the function's output without
/// copying it.
pub struct MapBlocks<S, U, F> {
    source: S,
    grid: ChunkGrid,
    f: F,
    out: PhantomData<fn() -> U>,
}

impl<S: Source, U, F> std::fmt::Debug for MapBlocks<S, U, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MapBlocks")
            .field("shape", &self.source.shape())
            .field("chunks", &self.grid.chunk_shape())
            .finish()
    }
}

/// Maps every chunk of `source` through `f`, lazily.
///
/// `f(block, region)` receives the input block of the chunk `region` and
/// returns the output block, which must have the same shape (a mismatch is an
/// [`Error::ShapeMismatch`] when the chunk is computed). The output is chunked
/// by `chunks`, or by the input's native chunks when `None`. The voxel size is
/// the input's.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::engine::map_blocks;
/// use tesserae::{ArraySource, Region, Source};
///
/// let image = ArraySource::new(ArrayD::from_elem(vec![4, 4], 3u8)).with_chunks(&[2, 2])?;
/// let doubled = map_blocks(image, None, |block, _region| Ok(block.mapv(|v| u16::from(v) * 2)))?;
/// assert_eq!(doubled.chunk_shape(), &[2, 2]);
/// assert_eq!(doubled.read(&Region::new(vec![1, 1], vec![2, 2]))?[[0, 0]], 6u16);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn map_blocks<S, U, F>(source: S, chunks: Option<&[usize]>, f: F) -> Result<MapBlocks<S, U, F>>
where
    S: Source,
    U: Element,
    F: Fn(ArrayViewD<'_, S::Elem>, &Region) -> Result<ArrayD<U>> + Send + Sync,
{
    let grid = ChunkGrid::new(source.shape(), chunks.unwrap_or(source.chunk_shape()))?;
    Ok(MapBlocks {
        source,
        grid,
        f,
        out: PhantomData,
    })
}

/// A [`map_blocks`] function behind a reference.
type BlockFn<'a, T, U> = dyn Fn(ArrayViewD<'_, T>, &Region) -> Result<ArrayD<U>> + Sync + 'a;

/// Computes the chunk `chunk` of a [`MapBlocks`]: generic in the element
/// types only, the source and the function behind references.
fn compute_block<T: Element, U: Element>(
    source: &dyn Source<Elem = T>,
    f: &BlockFn<'_, T, U>,
    chunk: &Region,
) -> Result<ArrayD<U>> {
    let mut output = None;
    source.read_view(chunk, &mut |input| {
        output = Some(f(input, chunk)?);
        Ok(())
    })?;
    let output = output.ok_or_else(|| no_block(chunk))?;
    check_block(chunk, output.shape())?;
    Ok(output)
}

impl<S, U, F> Source for MapBlocks<S, U, F>
where
    S: Source,
    U: Element,
    F: Fn(ArrayViewD<'_, S::Elem>, &Region) -> Result<ArrayD<U>> + Send + Sync,
{
    type Elem = U;

    fn shape(&self) -> &[usize] {
        self.source.shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        self.grid.chunk_shape()
    }

    fn read(&self, region: &Region) -> Result<ArrayD<U>> {
        read_chunked(&self.grid, region, &|chunk| {
            compute_block(&self.source, &self.f, chunk)
        })
    }

    fn voxel_size(&self) -> Option<VoxelSize> {
        self.source.voxel_size()
    }
}

/// An owned, C-ordered copy of a block.
///
/// Unlike ndarray's `to_owned`, which copies a strided dynamic-rank view element
/// by element through an N-d index, this copies it row by row: use it to cut
/// the centre out of a padded block or a region out of a bigger array. The
/// copy is in standard (C) layout.
///
/// ```
/// use ndarray::{ArrayD, Slice};
/// use tesserae::engine::copy_block;
/// let a = ArrayD::from_shape_fn(vec![4, 4], |i| i[0] * 4 + i[1]);
/// let centre = copy_block(a.slice_each_axis(|_| Slice::from(1..3)));
/// assert_eq!(centre.as_slice(), Some(&[5, 6, 9, 10][..]));
/// ```
pub fn copy_block<T: Clone>(block: ArrayViewD<'_, T>) -> ArrayD<T> {
    if block.is_standard_layout() {
        return block.to_owned();
    }
    if block.ndim() > 0 && block.strides().last() == Some(&1) {
        // Rows are contiguous: one copy per row into a buffer filled in order.
        let mut data = Vec::with_capacity(block.len());
        for row in block.rows() {
            match row.as_slice() {
                Some(values) => data.extend_from_slice(values),
                None => data.extend(row.iter().cloned()),
            }
        }
        if let Ok(copy) = ArrayD::from_shape_vec(block.raw_dim(), data) {
            return copy;
        }
    }
    macro_rules! fixed {
        ($dim:ty) => {
            if let Ok(b) = block.view().into_dimensionality::<$dim>() {
                return Zip::from(&b).map_collect(T::clone).into_dyn();
            }
        };
    }
    match block.ndim() {
        1 => fixed!(Ix1),
        2 => fixed!(Ix2),
        3 => fixed!(Ix3),
        4 => fixed!(Ix4),
        _ => {}
    }
    Zip::from(&block).map_collect(T::clone)
}

/// `dst.assign(&src)` (broadcasting `src`), through a fixed-rank view for
/// ranks 1 to 4, whose loops are much faster than dynamic-rank ones.
pub(crate) fn assign_block<T: Clone>(mut dst: ArrayViewMutD<'_, T>, src: ArrayViewD<'_, T>) {
    macro_rules! fixed {
        ($dim:ty) => {
            if let (Ok(mut d), Ok(s)) = (
                dst.view_mut().into_dimensionality::<$dim>(),
                src.view().into_dimensionality::<$dim>(),
            ) {
                d.assign(&s);
                return;
            }
        };
    }
    match dst.ndim() {
        1 => fixed!(Ix1),
        2 => fixed!(Ix2),
        3 => fixed!(Ix3),
        4 => fixed!(Ix4),
        _ => {}
    }
    dst.assign(&src);
}

/// The error of a source whose [`Source::read_view`] did not call back.
pub(crate) fn no_block(chunk: &Region) -> Error {
    Error::Failed(format!("the input source produced no block for {chunk}"))
}

/// Checks that a computed block has the shape of its chunk.
pub(crate) fn check_block(chunk: &Region, found: &[usize]) -> Result<()> {
    if chunk.shape() != found {
        return Err(Error::ShapeMismatch {
            expected: chunk.shape().to_vec(),
            found: found.to_vec(),
        });
    }
    Ok(())
}

/// Reads `region` of a lazily computed array by computing the chunks of `grid`
/// that overlap it, in parallel; an aligned one-chunk read returns the computed
/// chunk as is.
pub(crate) fn read_chunked<U: Element>(
    grid: &ChunkGrid,
    region: &Region,
    compute: &(dyn Fn(&Region) -> Result<ArrayD<U>> + Sync),
) -> Result<ArrayD<U>> {
    check_region(grid.shape(), region)?;
    let chunks: Vec<Region> = grid
        .chunks_overlapping(region)
        .map(|index| grid.chunk_region(&index))
        .collect();
    if let [only] = chunks.as_slice()
        && only == region
    {
        return compute(only);
    }
    let out = Mutex::new(ArrayD::<U>::zeros(region.shape()));
    chunks.par_iter().with_max_len(1).try_for_each(|chunk| {
        let block = compute(chunk)?;
        if let Some(common) = chunk.intersect(region) {
            let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
            assign_block(
                common.relative_to(region).view_mut(&mut out),
                common.relative_to(chunk).view(&block),
            );
        }
        Ok(())
    })?;
    Ok(out.into_inner().unwrap_or_else(|e| e.into_inner()))
}

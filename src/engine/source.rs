//! The [`Source`] trait (anything a region can be read from) and the in-memory [`ArraySource`].

use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD};

use crate::engine::{ChunkGrid, Element, Region, copy_block};
use crate::error::{Error, Result};

/// Physical size of a voxel along every axis, with its unit (e.g. `micron`).
///
/// ```
/// let v = tesserae::VoxelSize::new(vec![2.0, 0.5, 0.5], Some("micron".into()));
/// assert_eq!(v.size(), &[2.0, 0.5, 0.5]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct VoxelSize {
    size: Vec<f64>,
    unit: Option<String>,
}

impl VoxelSize {
    /// A voxel size from per-axis extents (same axis order as the array) and a unit.
    pub fn new(size: Vec<f64>, unit: Option<String>) -> Self {
        VoxelSize { size, unit }
    }

    /// Extent of a voxel along every axis.
    pub fn size(&self) -> &[f64] {
        &self.size
    }

    /// The unit of the extents, when known.
    pub fn unit(&self) -> Option<&str> {
        self.unit.as_deref()
    }
}

/// An N-d array that regions can be read from: an in-memory array, a file, or a
/// lazy computation over another source.
///
/// `chunk_shape` is the source's native chunking: reading regions aligned to it
/// is cheapest (for a lazy source, each such read computes exactly one chunk).
pub trait Source: Send + Sync {
    /// The element type.
    type Elem: Element;

    /// The shape of the array.
    fn shape(&self) -> &[usize];

    /// The native chunk shape.
    fn chunk_shape(&self) -> &[usize];

    /// Reads a region, which must lie inside the array.
    fn read(&self, region: &Region) -> Result<ArrayD<Self::Elem>>;

    /// Calls `f` with a view of a region, which must lie inside the array.
    ///
    /// A source that holds its data in memory passes a view of it, without
    /// copying; the default passes a view of [`Source::read`]. Blockwise
    /// operations read their input blocks through this method.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::{ArraySource, Region, Source};
    /// let source = ArraySource::new(ArrayD::from_shape_fn(vec![4, 4], |i| (i[0] + i[1]) as u8));
    /// let mut total = 0;
    /// source.read_view(&Region::new(vec![2, 2], vec![2, 2]), &mut |view| {
    ///     total = view.iter().map(|&v| u32::from(v)).sum();
    ///     Ok(())
    /// })?;
    /// assert_eq!(total, 4 + 5 + 5 + 6);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    fn read_view(
        &self,
        region: &Region,
        f: &mut dyn FnMut(ArrayViewD<'_, Self::Elem>) -> Result<()>,
    ) -> Result<()> {
        let data = self.read(region)?;
        f(data.view())
    }

    /// The physical voxel size, when the source knows it.
    fn voxel_size(&self) -> Option<VoxelSize> {
        None
    }

    /// Hints that `region` will not be read again soon, so that the source
    /// may let go of what it holds for it: a TIFF source drops the pages of
    /// its memory-mapped file that `region` covers, which its readers then
    /// unmap in parallel instead of the last owner unmapping them all at
    /// once. Reading `region` again stays correct, only slower. The default
    /// does nothing.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::{ArraySource, Region, Source};
    /// let source = ArraySource::new(ArrayD::<u8>::zeros(vec![4, 4]));
    /// let region = Region::new(vec![0, 0], vec![2, 4]);
    /// source.release(&region);
    /// assert_eq!(source.read(&region)?.len(), 8);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    fn release(&self, _region: &Region) {}

    /// Number of axes.
    fn ndim(&self) -> usize {
        self.shape().len()
    }

    /// The grid of native chunks.
    fn grid(&self) -> ChunkGrid {
        ChunkGrid::new(self.shape(), self.chunk_shape())
            .expect("a source's native chunk shape is valid for its shape")
    }
}

macro_rules! forward_source {
    ($($wrapper:ty),*) => {$(
        impl<S: Source + ?Sized> Source for $wrapper {
            type Elem = S::Elem;
            fn shape(&self) -> &[usize] {
                (**self).shape()
            }
            fn chunk_shape(&self) -> &[usize] {
                (**self).chunk_shape()
            }
            fn read(&self, region: &Region) -> Result<ArrayD<S::Elem>> {
                (**self).read(region)
            }
            fn read_view(
                &self,
                region: &Region,
                f: &mut dyn FnMut(ArrayViewD<'_, S::Elem>) -> Result<()>,
            ) -> Result<()> {
                (**self).read_view(region, f)
            }
            fn voxel_size(&self) -> Option<VoxelSize> {
                (**self).voxel_size()
            }
            fn release(&self, region: &Region) {
                (**self).release(region)
            }
        }
    )*};
}

forward_source!(&S, Box<S>, Arc<S>);

/// Checks that `region` is a region of an array of shape `shape`.
pub(crate) fn check_region(shape: &[usize], region: &Region) -> Result<()> {
    if region.ndim() != shape.len() || !Region::full(shape).contains(region) {
        return Err(Error::InvalidArgument(format!(
            "region {region} is outside the array of shape {shape:?}"
        )));
    }
    Ok(())
}

/// Checks that the chunk shape `chunks` suits the array shape `shape`.
pub(crate) fn check_chunks(shape: &[usize], chunks: &[usize]) -> Result<Vec<usize>> {
    Ok(ChunkGrid::new(shape, chunks)?.chunk_shape().to_vec())
}

/// An in-memory array as a [`Source`], with a chosen chunk shape.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::{ArraySource, Region, Source};
///
/// let a = ArrayD::from_shape_fn(vec![4, 6], |i| (i[0] * 6 + i[1]) as u16);
/// let src = ArraySource::new(a).with_chunks(&[2, 3]).unwrap();
/// assert_eq!(src.chunk_shape(), &[2, 3]);
/// let part = src.read(&Region::new(vec![1, 4], vec![2, 2])).unwrap();
/// assert_eq!(part.iter().copied().collect::<Vec<_>>(), vec![10, 11, 16, 17]);
/// ```
#[derive(Clone, Debug)]
pub struct ArraySource<T> {
    array: Arc<ArrayD<T>>,
    chunks: Vec<usize>,
    voxel_size: Option<VoxelSize>,
}

impl<T: Element> ArraySource<T> {
    /// The whole array as one chunk.
    pub fn new(array: impl Into<Arc<ArrayD<T>>>) -> Self {
        let array = array.into();
        let chunks = array.shape().iter().map(|&n| n.max(1)).collect();
        ArraySource {
            array,
            chunks,
            voxel_size: None,
        }
    }

    /// The same array with another chunk shape (clipped to the array).
    pub fn with_chunks(mut self, chunks: &[usize]) -> Result<Self> {
        self.chunks = check_chunks(self.array.shape(), chunks)?;
        Ok(self)
    }

    /// The same array with a voxel size.
    pub fn with_voxel_size(mut self, voxel_size: VoxelSize) -> Self {
        self.voxel_size = Some(voxel_size);
        self
    }

    /// The wrapped array.
    pub fn array(&self) -> &ArrayD<T> {
        &self.array
    }
}

impl<T: Element> Source for ArraySource<T> {
    type Elem = T;

    fn shape(&self) -> &[usize] {
        self.array.shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        &self.chunks
    }

    fn read(&self, region: &Region) -> Result<ArrayD<T>> {
        check_region(self.shape(), region)?;
        Ok(copy_block(region.view(&self.array)))
    }

    fn read_view(
        &self,
        region: &Region,
        f: &mut dyn FnMut(ArrayViewD<'_, T>) -> Result<()>,
    ) -> Result<()> {
        check_region(self.shape(), region)?;
        f(region.view(&self.array))
    }

    fn voxel_size(&self) -> Option<VoxelSize> {
        self.voxel_size.clone()
    }
}

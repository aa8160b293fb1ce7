//! The final labels of a prepared labeling as a lazy source.

use ndarray::ArrayD;

use crate::engine::{ChunkGrid, Element, Region, Source, VoxelSize, read_chunked};
use crate::error::{Error, Result};
use crate::ndmeasure::label::Prepared;

/// The labels of a [`Prepared`] labeling, computed chunk by chunk when read
/// (pass 3 without a sink), so later steps — sizes, measurements, filtering —
/// can consume labels without writing them first.
///
/// A chunk whose provisional labels were kept is served from them on its
/// first read; later reads label the chunk again.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::{Connectivity, Label};
/// use tesserae::{ArraySource, Executor, Region, Source};
///
/// let image = ArraySource::new(array![[1u8, 0, 1], [1, 0, 1]].into_dyn()).with_chunks(&[1, 2])?;
/// let labels = Label::new(Connectivity::Face).prepare(&Executor::new(), &image)?.into_source()?;
/// assert_eq!(labels.read(&Region::new(vec![1, 0], vec![1, 3]))?.into_raw_vec_and_offset().0, vec![1, 0, 2]);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Debug)]
pub struct LabelSource<'a, T: Element> {
    prepared: Prepared<'a, T>,
}

impl<'a, T: Element> Prepared<'a, T> {
    /// The final labels as a lazy `u32` [`Source`] chunked as the labeling was.
    ///
    /// Fails when the objects outnumber `u32`.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndmeasure::{Connectivity, Label};
    /// use tesserae::{ArraySource, Executor, Source};
    /// let image = ArraySource::new(ArrayD::from_elem(vec![4, 4], 1u8)).with_chunks(&[2, 2])?;
    /// let labels = Label::new(Connectivity::Face).prepare(&Executor::new(), &image)?.into_source()?;
    /// assert_eq!(labels.chunk_shape(), &[2, 2]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn into_source(self) -> Result<LabelSource<'a, T>> {
        if u32::try_from(self.count()).is_err() {
            return Err(Error::InvalidArgument(format!(
                "{} objects do not fit u32 labels",
                self.count()
            )));
        }
        Ok(LabelSource { prepared: self })
    }
}

impl<T: Element> LabelSource<'_, T> {
    /// The number of objects.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::{Connectivity, Label};
    /// use tesserae::{ArraySource, Executor};
    /// let image = ArraySource::new(array![[1u8, 0, 1]].into_dyn());
    /// let labels = Label::new(Connectivity::Full).prepare(&Executor::new(), &image)?.into_source()?;
    /// assert_eq!(labels.count(), 2);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn count(&self) -> usize {
        self.prepared.count()
    }

    fn grid(&self) -> &ChunkGrid {
        self.prepared.grid()
    }

    fn compute(&self, chunk: &Region) -> Result<ArrayD<u32>> {
        let grid = self.grid();
        let index = grid.chunk_of(chunk.start());
        let mut out = vec![0u32; chunk.len()];
        self.prepared
            .write_chunk_into(grid.linear_index(&index), &mut out)?;
        ArrayD::from_shape_vec(chunk.shape(), out)
            .map_err(|e| Error::Failed(format!("chunk {chunk}: {e}")))
    }
}

impl<T: Element> Source for LabelSource<'_, T> {
    type Elem = u32;

    fn shape(&self) -> &[usize] {
        self.grid().shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        self.grid().chunk_shape()
    }

    fn read(&self, region: &Region) -> Result<ArrayD<u32>> {
        read_chunked(self.grid(), region, &|chunk| self.compute(chunk))
    }

    fn voxel_size(&self) -> Option<VoxelSize> {
        self.prepared.source_voxel_size()
    }
}

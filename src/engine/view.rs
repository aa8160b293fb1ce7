//! [`ViewSource`]: a borrowed in-memory array as a [`Source`], so that the
//! in-memory forms of the operations (filters, labeling) read their input in
//! place.

use ndarray::{ArrayD, ArrayViewD};

use crate::Result;
use crate::engine::{ChunkGrid, Element, Region, Source, check_region, copy_block};

/// A view of an array, in chunks of a chosen shape.
pub(crate) struct ViewSource<'a, T> {
    view: ArrayViewD<'a, T>,
    chunks: Vec<usize>,
}

impl<'a, T: Element> ViewSource<'a, T> {
    /// `view` in chunks of `chunks` (clipped to the array; every extent at least 1).
    pub(crate) fn new(view: ArrayViewD<'a, T>, chunks: &[usize]) -> Result<Self> {
        let grid = ChunkGrid::new(view.shape(), chunks)?;
        Ok(ViewSource {
            chunks: grid.chunk_shape().to_vec(),
            view,
        })
    }
}

impl<T: Element> Source for ViewSource<'_, T> {
    type Elem = T;

    fn shape(&self) -> &[usize] {
        self.view.shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        &self.chunks
    }

    fn read(&self, region: &Region) -> Result<ArrayD<T>> {
        check_region(self.shape(), region)?;
        Ok(copy_block(region.view(&self.view)))
    }

    fn read_view(
        &self,
        region: &Region,
        f: &mut dyn FnMut(ArrayViewD<'_, T>) -> Result<()>,
    ) -> Result<()> {
        check_region(self.shape(), region)?;
        f(region.view(&self.view))
    }
}

//! The [`Sink`] trait (anything regions can be written to) and the in-memory [`ArraySink`].

use std::sync::Mutex;

use ndarray::{ArrayD, ArrayViewD};

use crate::engine::blocks::assign_block;
use crate::engine::source::{check_chunks, check_region};
use crate::engine::{Element, Region};
use crate::error::{Error, Result};

/// An N-d array that regions can be written to, from several threads at once.
///
/// A file sink writes to a temporary name; [`Sink::commit`] makes the output
/// visible under its final name, so a failed or interrupted run never leaves an
/// output that looks complete.
pub trait Sink: Send + Sync {
    /// The element type.
    type Elem: Element;

    /// The shape of the array.
    fn shape(&self) -> &[usize];

    /// The preferred write chunking: regions aligned to it are written without
    /// read-modify-write and, for streaming formats, with the least buffering.
    fn chunk_shape(&self) -> &[usize];

    /// Writes `data` to `region`; their shapes must agree.
    fn write(&self, region: &Region, data: ArrayViewD<'_, Self::Elem>) -> Result<()>;

    /// Finishes the output once every region has been written.
    fn commit(&mut self) -> Result<()>;
}

impl<S: Sink + ?Sized> Sink for Box<S> {
    type Elem = S::Elem;
    fn shape(&self) -> &[usize] {
        (**self).shape()
    }
    fn chunk_shape(&self) -> &[usize] {
        (**self).chunk_shape()
    }
    fn write(&self, region: &Region, data: ArrayViewD<'_, S::Elem>) -> Result<()> {
        (**self).write(region, data)
    }
    fn commit(&mut self) -> Result<()> {
        (**self).commit()
    }
}

/// Checks that `data` fits `region` of an array of shape `shape`.
pub(crate) fn check_write(shape: &[usize], region: &Region, data_shape: &[usize]) -> Result<()> {
    check_region(shape, region)?;
    if region.shape() != data_shape {
        return Err(Error::ShapeMismatch {
            expected: region.shape().to_vec(),
            found: data_shape.to_vec(),
        });
    }
    Ok(())
}

/// An in-memory array as a [`Sink`].
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::{ArraySink, Region, Sink};
///
/// let mut sink = ArraySink::<u8>::new(&[2, 4]);
/// let block = ArrayD::from_elem(vec![2, 2], 7u8);
/// sink.write(&Region::new(vec![0, 2], vec![2, 2]), block.view()).unwrap();
/// sink.commit().unwrap();
/// assert_eq!(sink.into_array().iter().copied().collect::<Vec<_>>(), vec![0, 0, 7, 7, 0, 0, 7, 7]);
/// ```
#[derive(Debug)]
pub struct ArraySink<T> {
    array: Mutex<ArrayD<T>>,
    shape: Vec<usize>,
    chunks: Vec<usize>,
}

impl<T: Element> ArraySink<T> {
    /// A zero-filled sink of the given shape, with the whole array as one chunk.
    pub fn new(shape: &[usize]) -> Self {
        ArraySink {
            array: Mutex::new(ArrayD::zeros(shape.to_vec())),
            shape: shape.to_vec(),
            chunks: shape.iter().map(|&n| n.max(1)).collect(),
        }
    }

    /// The same sink with a preferred chunk shape.
    pub fn with_chunks(mut self, chunks: &[usize]) -> Result<Self> {
        self.chunks = check_chunks(&self.shape, chunks)?;
        Ok(self)
    }

    /// The array written so far.
    pub fn into_array(self) -> ArrayD<T> {
        self.array.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T: Element> Sink for ArraySink<T> {
    type Elem = T;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn chunk_shape(&self) -> &[usize] {
        &self.chunks
    }

    fn write(&self, region: &Region, data: ArrayViewD<'_, T>) -> Result<()> {
        check_write(&self.shape, region, data.shape())?;
        let mut array = self.array.lock().unwrap_or_else(|e| e.into_inner());
        assign_block(region.view_mut(&mut array), data);
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        Ok(())
    }
}

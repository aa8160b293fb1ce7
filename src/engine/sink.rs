//! The [`Sink`] trait (anything regions can be written to) and the in-memory [`ArraySink`].

use std::cell::UnsafeCell;
use std::sync::{Condvar, Mutex};

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn, ShapeBuilder};

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

    /// Writes `region` row by row without building the block first, when the
    /// sink can (an array in memory, or a file with every voxel at a fixed
    /// place, such as an uncompressed TIFF): `fill(r, row)` is called for
    /// every row `r` (C order over the region's leading axes) with a row of
    /// the region's extent along the last axis, every voxel of which it must
    /// overwrite. Returns `None` when the sink cannot (the default): build the
    /// block and [`Sink::write`] it then.
    ///
    /// ```
    /// use tesserae::{ArraySink, Region, Sink};
    ///
    /// let sink = ArraySink::<u8>::new(&[2, 3]);
    /// let region = Region::new(vec![0, 1], vec![2, 2]);
    /// let done = sink.write_rows(&region, &mut |r, row| row.fill(r as u8 + 1));
    /// assert!(matches!(done, Some(Ok(()))));
    /// assert_eq!(sink.into_array().into_raw_vec_and_offset().0, vec![0, 1, 1, 0, 2, 2]);
    /// ```
    fn write_rows(
        &self,
        region: &Region,
        fill: &mut dyn FnMut(usize, &mut [Self::Elem]),
    ) -> Option<Result<()>> {
        let _ = (region, fill);
        None
    }

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
    fn write_rows(
        &self,
        region: &Region,
        fill: &mut dyn FnMut(usize, &mut [S::Elem]),
    ) -> Option<Result<()>> {
        (**self).write_rows(region, fill)
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

/// A zero-filled buffer of `len` elements. Large buffers are fresh pages
/// from the OS, first touched by whichever thread writes them; on Linux they
/// are advised to be transparent huge pages, so filling them costs one page
/// fault per 2 MiB instead of per 4 KiB (numpy does the same for its arrays).
pub(crate) fn zeroed<T: Clone + num_traits::Zero>(len: usize) -> Vec<T> {
    let buffer = vec![T::zero(); len];
    #[cfg(target_os = "linux")]
    advise_huge_pages(&buffer);
    buffer
}

#[cfg(target_os = "linux")]
fn advise_huge_pages<T>(buffer: &[T]) {
    const HUGE: usize = 2 << 20;
    let start = buffer.as_ptr() as usize;
    let end = start + std::mem::size_of_val(buffer);
    let first = start.next_multiple_of(HUGE);
    let bytes = end.saturating_sub(first) / HUGE * HUGE;
    if bytes > 0 {
        // SAFETY: madvise only advises the kernel on how to back whole pages
        // inside a live allocation this function borrows; it changes neither
        // the contents nor the validity of the memory. A failure is harmless.
        unsafe {
            libc::madvise(first as *mut libc::c_void, bytes, libc::MADV_HUGEPAGE);
        }
    }
}

/// An in-memory array as a [`Sink`].
///
/// Writes of disjoint regions run in parallel, each copying straight into the
/// array; a write waits only while a region it overlaps is being written.
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
pub struct ArraySink<T> {
    /// The voxels in C order. Only [`ArraySink::write`] writes them, and only
    /// inside a region it has registered in `busy` (see there).
    data: Box<UnsafeCell<[T]>>,
    /// Regions being written right now, pairwise disjoint.
    busy: Mutex<Vec<Region>>,
    /// Signalled whenever a region leaves `busy`.
    freed: Condvar,
    shape: Vec<usize>,
    chunks: Vec<usize>,
}

// SAFETY: the cell is written only by `write`, and only inside a region
// registered in `busy`, where no other write can touch it (registered regions
// are disjoint) and nothing reads it (reading needs `self` by value or `&mut`).
unsafe impl<T: Send + Sync> Sync for ArraySink<T> {}

impl<T> std::fmt::Debug for ArraySink<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArraySink")
            .field("shape", &self.shape)
            .field("chunks", &self.chunks)
            .finish()
    }
}

impl<T: Element> ArraySink<T> {
    /// A zero-filled sink of the given shape, with the whole array as one chunk.
    ///
    /// ```
    /// use tesserae::{ArraySink, Sink};
    /// let sink = ArraySink::<f32>::new(&[3, 4]);
    /// assert_eq!(sink.shape(), &[3, 4]);
    /// ```
    pub fn new(shape: &[usize]) -> Self {
        let len: usize = shape.iter().product();
        let data: Box<[T]> = zeroed(len).into_boxed_slice();
        // SAFETY: `UnsafeCell<[T]>` has the layout of `[T]` (it is
        // `repr(transparent)`), so the box keeps its allocation and length.
        let data = unsafe { Box::from_raw(Box::into_raw(data) as *mut UnsafeCell<[T]>) };
        ArraySink {
            data,
            busy: Mutex::new(Vec::new()),
            freed: Condvar::new(),
            shape: shape.to_vec(),
            chunks: shape.iter().map(|&n| n.max(1)).collect(),
        }
    }

    /// The same sink with a preferred chunk shape.
    ///
    /// ```
    /// use tesserae::{ArraySink, Sink};
    /// let sink = ArraySink::<u8>::new(&[4, 4]).with_chunks(&[2, 4])?;
    /// assert_eq!(sink.chunk_shape(), &[2, 4]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn with_chunks(mut self, chunks: &[usize]) -> Result<Self> {
        self.chunks = check_chunks(&self.shape, chunks)?;
        Ok(self)
    }

    /// The array written so far.
    ///
    /// ```
    /// use tesserae::ArraySink;
    /// assert_eq!(ArraySink::<u16>::new(&[2, 3]).into_array().shape(), &[2, 3]);
    /// ```
    pub fn into_array(self) -> ArrayD<T> {
        // SAFETY: the inverse of the cast in `new`: `[T]` has the layout of
        // `UnsafeCell<[T]>`, and owning `self` means no write is in flight.
        let data = unsafe { Box::from_raw(Box::into_raw(self.data) as *mut [T]) };
        ArrayD::from_shape_vec(self.shape, data.into_vec())
            .unwrap_or_else(|_| unreachable!("the buffer holds one element per voxel"))
    }

    /// The array's C-order strides and the flat index of `region`'s first voxel.
    fn layout(&self, region: &Region) -> (Vec<usize>, usize) {
        let ndim = self.shape.len();
        let mut strides = vec![1usize; ndim];
        for k in (0..ndim.saturating_sub(1)).rev() {
            strides[k] = strides[k + 1] * self.shape[k + 1];
        }
        let offset = region
            .start()
            .iter()
            .zip(&strides)
            .map(|(s, t)| s * t)
            .sum();
        (strides, offset)
    }

    /// Registers `region` as being written, once no region it overlaps is.
    fn claim(&self, region: &Region) -> Claim<'_, T> {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        while busy.iter().any(|r| r.intersect(region).is_some()) {
            busy = self.freed.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
        busy.push(region.clone());
        Claim {
            sink: self,
            region: region.clone(),
        }
    }
}

/// A region registered as being written; unregisters it when dropped (also
/// when the copy panics).
struct Claim<'a, T> {
    sink: &'a ArraySink<T>,
    region: Region,
}

impl<T> Drop for Claim<'_, T> {
    fn drop(&mut self) {
        let mut busy = self.sink.busy.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = busy.iter().position(|r| *r == self.region) {
            busy.swap_remove(i);
        }
        drop(busy);
        self.sink.freed.notify_all();
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
        if region.is_empty() {
            return Ok(());
        }
        let _claim = self.claim(region);
        let (strides, offset) = self.layout(region);
        let shape = IxDyn(region.shape()).strides(IxDyn(&strides));
        // SAFETY: the region lies inside the array (checked above), so the
        // view's elements are voxels of the buffer, and it is claimed: no
        // other write touches these voxels until the claim is dropped, after
        // the copy, and nothing reads them meanwhile (see the `Sync` impl).
        let target = unsafe {
            let base = (self.data.get() as *mut T).add(offset);
            ArrayViewMutD::from_shape_ptr(shape, base)
        };
        assign_block(target, data);
        Ok(())
    }

    fn write_rows(
        &self,
        region: &Region,
        fill: &mut dyn FnMut(usize, &mut [T]),
    ) -> Option<Result<()>> {
        if let Err(e) = check_region(&self.shape, region) {
            return Some(Err(e));
        }
        if region.is_empty() {
            return Some(Ok(()));
        }
        let _claim = self.claim(region);
        let (strides, offset) = self.layout(region);
        let ndim = self.shape.len();
        let lead = &region.shape()[..ndim.saturating_sub(1)];
        let len = region
            .shape()
            .get(ndim.wrapping_sub(1))
            .copied()
            .unwrap_or(1);
        let rows: usize = lead.iter().product();
        let mut coords = vec![0usize; lead.len()];
        for r in 0..rows {
            let at = offset
                + coords
                    .iter()
                    .zip(&strides)
                    .map(|(c, s)| c * s)
                    .sum::<usize>();
            // SAFETY: the row lies inside the region, which lies inside the
            // buffer (checked above) and is claimed: no other write touches
            // these voxels while the claim lives, nothing reads them (see the
            // `Sync` impl), and the rows handed out one after the other are
            // disjoint, so this is the only reference to them.
            let row =
                unsafe { std::slice::from_raw_parts_mut((self.data.get() as *mut T).add(at), len) };
            fill(r, row);
            for (c, &n) in coords.iter_mut().zip(lead).rev() {
                *c += 1;
                if *c < n {
                    break;
                }
                *c = 0;
            }
        }
        Some(Ok(()))
    }

    fn commit(&mut self) -> Result<()> {
        Ok(())
    }
}

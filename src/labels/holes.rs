//! scikit-image's `remove_small_holes`: the small connected components of a
//! mask's background (holes, and background pieces at the border alike)
//! become foreground.

use ndarray::{ArrayD, ArrayViewD};
use num_traits::Zero;

use crate::engine::{ArraySink, Element, Executor, Region, Sink, Source, ViewSource, map_blocks};
use crate::error::Result;
use crate::labels::RemoveObjects;
use crate::ndmeasure::Connectivity;

/// `skimage.morphology.remove_small_holes(ar, max_size=…, connectivity=…)`
/// (0.26's `max_size`: background components of `max_size` voxels or fewer
/// are filled), in memory ([`RemoveSmallHoles::apply`]) or on a mask of any
/// size chunk by chunk ([`RemoveSmallHoles::run`]). As scikit-image, every
/// background component counts, those touching the border too, and the
/// output is a 0/1 mask (labels are not kept).
///
/// ```
/// use ndarray::array;
/// use tesserae::labels::RemoveSmallHoles;
/// use tesserae::ndmeasure::Connectivity;
///
/// // scikit-image's example.
/// let a = array![
///     [1u8, 1, 1, 1, 1, 0],
///     [1, 1, 1, 0, 1, 0],
///     [1, 0, 0, 1, 1, 0],
///     [1, 1, 1, 1, 1, 0],
/// ]
/// .into_dyn();
/// let filled = RemoveSmallHoles::new(2).apply(&a.view())?;
/// let mut expected = ndarray::ArrayD::<u8>::ones(vec![4, 6]);
/// expected.slice_mut(ndarray::s![.., 5]).fill(0);
/// assert_eq!(filled, expected);
/// // Diagonally the two holes make one of 3 voxels: too large.
/// let diagonal = RemoveSmallHoles::new(1).connectivity(Connectivity::Full).apply(&a.view())?;
/// assert_eq!(diagonal, a);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RemoveSmallHoles {
    max_size: u64,
    connectivity: Connectivity,
    chunks: Option<Vec<usize>>,
}

impl RemoveSmallHoles {
    /// Fills background components of `max_size` voxels or fewer
    /// (scikit-image's default `max_size` is 64), with connectivity 1.
    pub fn new(max_size: u64) -> Self {
        RemoveSmallHoles {
            max_size,
            connectivity: Connectivity::Face,
            chunks: None,
        }
    }

    /// The connectivity of the background's components (default
    /// [`Connectivity::Face`], scikit-image's `connectivity=1`).
    pub fn connectivity(mut self, connectivity: Connectivity) -> Self {
        self.connectivity = connectivity;
        self
    }

    /// The chunks to work in (default: the source's native chunks). The
    /// result does not depend on them.
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// The mask (non-zero is foreground) with its small holes filled, 0/1.
    pub fn apply<T: Element>(&self, mask: &ArrayViewD<'_, T>) -> Result<ArrayD<u8>> {
        let chunks = self.chunks.clone().unwrap_or_else(|| mask.shape().to_vec());
        let source = ViewSource::new(mask.view(), &chunks)?;
        let mut sink = ArraySink::<u8>::new(mask.shape());
        self.run(&Executor::new(), &source, &mut sink)?;
        Ok(sink.into_array())
    }

    /// Fills the small holes of a mask of any size, writing the 0/1 result
    /// into `sink` (committed); returns the number of holes filled. The
    /// background is labeled chunked, its components counted, then the mask
    /// is written chunk by chunk.
    pub fn run<S: Source>(
        &self,
        exec: &Executor,
        mask: &S,
        sink: &mut dyn Sink<Elem = u8>,
    ) -> Result<usize> {
        let background = map_blocks(mask, self.chunks.as_deref(), |block, _| {
            Ok(block.mapv(|v| u8::from(v == S::Elem::zero())))
        })?;
        let mut remove = RemoveObjects::small(self.max_size).connectivity(self.connectivity);
        if let Some(chunks) = &self.chunks {
            remove = remove.chunks(chunks);
        }
        let kept = remove.prepare_mask(exec, &background)?;
        kept.write_mask(exec, &mut Inverted(sink))?;
        Ok(kept.removed())
    }
}

/// A sink that writes 1 where it is given 0 and 0 elsewhere.
struct Inverted<'a>(&'a mut dyn Sink<Elem = u8>);

impl Sink for Inverted<'_> {
    type Elem = u8;

    fn shape(&self) -> &[usize] {
        self.0.shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        self.0.chunk_shape()
    }

    fn write(&self, region: &Region, data: ArrayViewD<'_, u8>) -> Result<()> {
        self.0.write(region, data.mapv(|v| u8::from(v == 0)).view())
    }

    fn commit(&mut self) -> Result<()> {
        self.0.commit()
    }
}

//! `binary_fill_holes` on images of any size, with the chunked labeling.
//!
//! scipy fills the background that a dilation from outside the image (border
//! value 1, repeated until nothing changes, within the background) cannot
//! reach. With a centrally symmetric structure that is the background's
//! connected components that touch the border: a component touches it when
//! one of its voxels lies on the first or last plane of an axis along which
//! the structure has a neighbour. So: label the background chunk by chunk
//! (scipy's numbering at any chunking), collect the labels on those border
//! planes (only chunks on the array's border are visited), then write every
//! chunk: foreground, or background whose label is not on the border.

use ndarray::{ArrayD, ArrayViewD};
use num_traits::Zero;

use crate::engine::{
    ArraySink, ArraySource, ChunkGrid, Element, Executor, Sink, Source, map_blocks,
};
use crate::error::{Error, Result};
use crate::ndmeasure::{Label, Structure};

/// `scipy.ndimage.binary_fill_holes`, configured once and run in memory
/// ([`FillHoles::apply`]) or chunk by chunk from a source into a sink
/// ([`FillHoles::run`]). Output voxels are 1 (foreground or hole) or 0.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmorph::FillHoles;
/// use tesserae::{ArraySink, ArraySource, Executor};
///
/// let ring = array![[1u8, 1, 1, 0], [1, 0, 1, 0], [1, 1, 1, 0]].into_dyn();
/// let filled = array![[1u8, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 0]].into_dyn();
/// assert_eq!(FillHoles::new().apply(&ring.view())?, filled);
///
/// let source = ArraySource::new(ring).with_chunks(&[2, 2])?;
/// let mut sink = ArraySink::<u8>::new(&[3, 4]);
/// FillHoles::new().run(&Executor::new(), &source, &mut sink)?;
/// assert_eq!(sink.into_array(), filled);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FillHoles {
    structure: Option<Structure>,
    chunks: Option<Vec<usize>>,
}

impl FillHoles {
    /// Hole filling with scipy's default structure, `generate_binary_structure(ndim, 1)`.
    pub fn new() -> Self {
        FillHoles::default()
    }

    /// The structure connecting background voxels (scipy's `structure`).
    ///
    /// ```
    /// use tesserae::ndmeasure::Structure;
    /// use tesserae::ndmorph::FillHoles;
    /// let fill = FillHoles::new().structure(Structure::full(3)?);
    /// # let _ = fill;
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn structure(mut self, structure: Structure) -> Self {
        self.structure = Some(structure);
        self
    }

    /// Chunk shape of [`FillHoles::run`] (default: the source's native chunks).
    ///
    /// ```
    /// let fill = tesserae::ndmorph::FillHoles::new().chunks(&[64, 256, 256]);
    /// # let _ = fill;
    /// ```
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// Fills the holes of an in-memory image (non-zero is foreground).
    ///
    /// ```
    /// use ndarray::array;
    /// let image = array![0u8, 1, 0, 1, 0].into_dyn();
    /// let filled = tesserae::ndmorph::FillHoles::new().apply(&image.view())?;
    /// assert_eq!(filled, array![0u8, 1, 1, 1, 0].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply<T: Element>(&self, image: &ArrayViewD<'_, T>) -> Result<ArrayD<u8>> {
        let source = ArraySource::new(image.to_owned());
        let mut sink = ArraySink::<u8>::new(image.shape());
        FillHoles {
            chunks: None,
            ..self.clone()
        }
        .run(&Executor::new(), &source, &mut sink)?;
        Ok(sink.into_array())
    }

    /// Fills the holes of `source` into `sink` chunk by chunk on `exec`, then
    /// commits the sink. The result equals [`FillHoles::apply`]'s (and
    /// scipy's) whatever the chunking.
    ///
    /// Fails when the shapes differ, the structure's rank differs from the
    /// image's, or the background has `u32::MAX` components or more.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndmorph::FillHoles;
    /// use tesserae::{ArraySink, ArraySource, Executor};
    /// let image = ArrayD::from_shape_fn(vec![5, 5, 5], |i| u8::from([i[0], i[1], i[2]].iter().any(|&c| c % 4 == 0)));
    /// let source = ArraySource::new(image).with_chunks(&[2, 2, 2])?;
    /// let mut sink = ArraySink::<u8>::new(&[5, 5, 5]);
    /// FillHoles::new().run(&Executor::new(), &source, &mut sink)?;
    /// assert!(sink.into_array().iter().all(|&v| v == 1));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn run<S, K>(&self, exec: &Executor, source: &S, sink: &mut K) -> Result<()>
    where
        S: Source,
        K: Sink<Elem = u8>,
    {
        let shape = source.shape().to_vec();
        if sink.shape() != shape.as_slice() {
            return Err(Error::ShapeMismatch {
                expected: shape,
                found: sink.shape().to_vec(),
            });
        }
        let ndim = shape.len();
        let structure = match &self.structure {
            Some(s) => s.clone(),
            None => Structure::connectivity(ndim, 1)?,
        };
        let chunks = self
            .chunks
            .clone()
            .unwrap_or_else(|| source.chunk_shape().to_vec());
        let grid = ChunkGrid::new(&shape, &chunks)?;
        let background = map_blocks(source, Some(grid.chunk_shape()), |block, _| {
            Ok(block.mapv(|v| u8::from(v == S::Elem::zero())))
        })?;
        let prepared = Label::with_structure(structure.clone())
            .chunks(grid.chunk_shape())
            .prepare(exec, &background)?;
        if u32::try_from(prepared.count()).is_err() {
            return Err(Error::InvalidArgument(format!(
                "{} background components are too many",
                prepared.count()
            )));
        }
        // Axes along which the structure reaches a neighbour: their first and
        // last planes are the border a component can escape through.
        let open: Vec<bool> = (0..ndim)
            .map(|k| structure.offsets().iter().any(|o| o[k] != 0))
            .collect();
        // The final labels on those planes, from the chunks on the array's border.
        let faces: Vec<(usize, usize, bool)> = (0..grid.num_chunks())
            .flat_map(|c| {
                let region = grid.chunk_region(&grid.chunk_index(c));
                let open = &open;
                let shape = &shape;
                (0..ndim).flat_map(move |k| {
                    let low = open[k] && region.start()[k] == 0;
                    let high = open[k] && region.start()[k] + region.shape()[k] == shape[k];
                    [(c, k, false, low), (c, k, true, high)]
                        .into_iter()
                        .filter(|f| f.3)
                        .map(|(c, k, h, _)| (c, k, h))
                })
            })
            .collect();
        let touching = exec
            .map_reduce(
                "fill holes: border",
                faces.len(),
                |i| {
                    let (c, axis, high) = faces[i];
                    let mut found = prepared.face_labels(c, axis, high)?;
                    found.sort_unstable();
                    found.dedup();
                    Ok(found)
                },
                |mut a, b| {
                    a.extend(b);
                    a
                },
            )?
            .unwrap_or_default();
        let mut escapes = vec![false; prepared.count() + 1];
        for l in touching {
            escapes[l] = true;
        }
        let sink_ref = &*sink;
        exec.for_each("fill holes: write", grid.num_chunks(), |c| {
            let region = grid.chunk_region(&grid.chunk_index(c));
            let mut filled = vec![0u8; region.len()];
            prepared.write_chunk_with(c, &mut filled, 1, |l| u8::from(!escapes[l]))?;
            let view = ArrayViewD::from_shape(region.shape(), &filled[..])
                .map_err(|e| Error::Failed(format!("chunk {region}: {e}")))?;
            sink_ref.write(&region, view)
        })?;
        sink.commit()
    }
}

/// `scipy.ndimage.binary_fill_holes(image, structure)` in memory.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::Structure;
/// let image = array![[0u8, 1, 0], [1, 0, 1], [0, 1, 0]].into_dyn();
/// let faces = tesserae::ndmorph::binary_fill_holes(&image.view(), &Structure::connectivity(2, 1)?)?;
/// assert_eq!(faces[[1, 1]], 1);
/// let full = tesserae::ndmorph::binary_fill_holes(&image.view(), &Structure::full(2)?)?;
/// assert_eq!(full[[1, 1]], 0);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn binary_fill_holes<T: Element>(
    image: &ArrayViewD<'_, T>,
    structure: &Structure,
) -> Result<ArrayD<u8>> {
    FillHoles::new().structure(structure.clone()).apply(image)
}

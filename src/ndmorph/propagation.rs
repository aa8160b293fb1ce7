//! `scipy.ndimage.binary_propagation`: binary dilation repeated within a mask
//! until nothing changes, in memory or chunked at any chunking.
//!
//! scipy dilates the whole image again and again, changing only the voxels
//! inside the mask; the voxels outside keep their input value (a true voxel
//! there still spreads into the mask). The fixed point is a morphological
//! reconstruction by dilation: the seed is the input (plus, with a true
//! border value, every mask voxel the outside reaches in one step), the limit
//! the mask or the input. So it runs on [`Reconstruction`]'s blockwise
//! iteration and is exact whatever the chunking.

use ndarray::{ArrayD, ArrayViewD};

use crate::engine::{
    ArraySink, Element, Executor, Region, Sink, Source, ViewSource, map_blocks, store,
};
use crate::error::{Error, Result};
use crate::ndfilters::Footprint;
use crate::ndmeasure::Structure;
use crate::ndmorph::reconstruct::{self, Reconstruction};

/// `scipy.ndimage.binary_propagation(input, structure, mask, border_value)`,
/// configured once and run in memory ([`BinaryPropagation::apply`]) or chunk
/// by chunk ([`BinaryPropagation::run`]); the output is 0/1.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmorph::BinaryPropagation;
///
/// // The seed fills its side of the mask; the unmasked column stops it.
/// let seed = array![[0u8, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]].into_dyn();
/// let mask = array![[1u8, 1, 0, 1], [1, 1, 0, 1], [1, 1, 0, 1]].into_dyn();
/// let filled = BinaryPropagation::new().apply(&seed.view(), Some(&mask.view()))?;
/// assert_eq!(filled, array![[1u8, 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]].into_dyn());
///
/// // A true border fills the mask voxels the outside reaches, and beyond.
/// let none = ndarray::ArrayD::<u8>::zeros(vec![3, 4]);
/// let border = BinaryPropagation::new().border_value(true).apply(&none.view(), Some(&mask.view()))?;
/// assert_eq!(border, mask);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BinaryPropagation {
    structure: Option<Footprint>,
    border_value: bool,
    chunks: Option<Vec<usize>>,
    cache: usize,
}

impl Default for BinaryPropagation {
    fn default() -> Self {
        BinaryPropagation::new()
    }
}

impl BinaryPropagation {
    /// scipy's defaults: face neighbours (connectivity 1), a false border.
    pub fn new() -> Self {
        BinaryPropagation {
            structure: None,
            border_value: false,
            chunks: None,
            cache: crate::engine::Fixpoint::DEFAULT_CACHE,
        }
    }

    /// The structuring element (scipy's `structure` with its `origin`): a
    /// true voxel spreads to the voxels at the footprint's offsets.
    pub fn structure(mut self, structure: Footprint) -> Self {
        self.structure = Some(structure);
        self
    }

    /// The value of the voxels outside the image (default `false`).
    pub fn border_value(mut self, value: bool) -> Self {
        self.border_value = value;
        self
    }

    /// The chunk shape of a chunked run (default: the input's native
    /// chunks). The result does not depend on it.
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// The byte budget for blocks kept between the iteration's passes and
    /// the output (see [`Fixpoint::cache`](crate::engine::Fixpoint::cache)).
    pub fn cache(mut self, bytes: usize) -> Self {
        self.cache = bytes;
        self
    }

    /// The propagation of an in-memory input (non-zero is true) within an
    /// optional mask (non-zero: may change; `None`: everywhere).
    ///
    /// Fails when the shapes differ or the structure has another rank.
    pub fn apply<T: Element, M: Element>(
        &self,
        input: &ArrayViewD<'_, T>,
        mask: Option<&ArrayViewD<'_, M>>,
    ) -> Result<ArrayD<u8>> {
        let chunks = self
            .chunks
            .clone()
            .unwrap_or_else(|| input.shape().to_vec());
        let source = ViewSource::new(input.view(), &chunks)?;
        let mask = match mask {
            Some(m) => Some(ViewSource::new(m.view(), &chunks)?),
            None => None,
        };
        let mut sink = ArraySink::<u8>::new(input.shape());
        self.run(
            &Executor::new(),
            &source,
            mask.as_ref().map(|m| m as &dyn Source<Elem = M>),
            &mut sink,
        )?;
        Ok(sink.into_array())
    }

    /// The propagation of `input` within `mask`, chunk by chunk, written to
    /// `sink` (0/1) and committed.
    pub fn run<T: Element, M: Element>(
        &self,
        exec: &Executor,
        input: &dyn Source<Elem = T>,
        mask: Option<&dyn Source<Elem = M>>,
        sink: &mut dyn Sink<Elem = u8>,
    ) -> Result<()> {
        let shape = input.shape().to_vec();
        if let Some(m) = mask
            && m.shape() != shape.as_slice()
        {
            return Err(Error::ShapeMismatch {
                expected: shape,
                found: m.shape().to_vec(),
            });
        }
        let structure = match &self.structure {
            Some(s) if s.ndim() != shape.len() => {
                return Err(Error::InvalidArgument(format!(
                    "the structure has {} axes but the input has {}",
                    s.ndim(),
                    shape.len()
                )));
            }
            Some(s) => s.clone(),
            None => Footprint::from_structure(&Structure::connectivity(shape.len(), 1)?),
        };
        let offsets = structure.offsets();
        let chunks = self
            .chunks
            .clone()
            .unwrap_or_else(|| input.chunk_shape().to_vec());
        // The limit: where a voxel may be true (the mask, and the input's
        // own true voxels, which never change).
        let limit = map_blocks(input, Some(&chunks), |block, region| {
            let mut out = block.mapv(|v| u8::from(v != T::zero()));
            if let Some(m) = mask {
                let inside = m.read(region)?;
                ndarray::Zip::from(&mut out)
                    .and(&inside)
                    .for_each(|o, &i| *o |= u8::from(i != M::zero()));
            } else {
                out.fill(1);
            }
            Ok(out)
        })?;
        let border = self.border_value;
        let seed = map_blocks(&limit, None, |allowed, region| {
            let mut out = input.read(region)?.mapv(|v| u8::from(v != T::zero()));
            if border {
                reached_from_outside(&mut out, allowed.view(), region, &shape, &offsets);
            }
            Ok(out)
        })?;
        let op = Reconstruction::dilation()
            .footprint(structure)
            .chunks(&chunks)
            .cache(self.cache);
        let solved = reconstruct::solve::<u8, u8, f32>(&op, exec, &seed, &limit)?;
        let out = map_blocks(&solved, None, |block, _| {
            Ok(block.mapv(|v| u8::from(v > 0.0)))
        })?;
        store(exec, &out, sink)
    }
}

/// Sets the allowed voxels of `region` that a voxel outside the image
/// reaches in one step (`offsets`): with a true border they are true after
/// the first dilation.
fn reached_from_outside(
    out: &mut ArrayD<u8>,
    allowed: ArrayViewD<'_, u8>,
    region: &Region,
    shape: &[usize],
    offsets: &[Vec<isize>],
) {
    for (index, value) in out.indexed_iter_mut() {
        if allowed[&index] == 0 || *value != 0 {
            continue;
        }
        let outside = offsets.iter().any(|o| {
            (0..shape.len()).any(|k| {
                let from = (region.start()[k] + index[k]) as isize - o[k];
                from < 0 || from >= shape[k] as isize
            })
        });
        if outside {
            *value = 1;
        }
    }
}

/// `scipy.ndimage.binary_propagation(input, mask=mask)` in memory, with the
/// face-neighbour structure and a false border.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmorph::binary_propagation;
/// let seed = array![0u8, 1, 0, 0, 0].into_dyn();
/// let mask = array![1u8, 1, 1, 0, 1].into_dyn();
/// assert_eq!(binary_propagation(&seed.view(), Some(&mask.view()))?.as_slice(), Some(&[1u8, 1, 1, 0, 0][..]));
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn binary_propagation<T: Element, M: Element>(
    input: &ArrayViewD<'_, T>,
    mask: Option<&ArrayViewD<'_, M>>,
) -> Result<ArrayD<u8>> {
    BinaryPropagation::new().apply(input, mask)
}

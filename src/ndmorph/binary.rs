//! Binary erosion, dilation, opening and closing, as `scipy.ndimage`'s
//! `binary_*` functions (structure, iterations, mask, border value, origin),
//! in memory and blockwise.
//!
//! The kernel works on a `u8` buffer whose bit 0 is the image (non-zero is
//! foreground) and bit 1 says whether the voxel may change (scipy's `mask`).
//! Every step (one erosion or dilation) computes a box that shrinks by the
//! footprint's reach on the sides where the block ends in real neighbour
//! data, and stays put on the sides where the array ends (beyond, every value
//! is the border value, forever). Blockwise, the halo is the sum of the
//! reaches of all steps, so the chunk itself is exact after the last step:
//! chunked results equal in-memory results, and scipy's, at any chunking.

use ndarray::{ArrayD, ArrayViewD, IxDyn};
use num_traits::Zero;

use crate::engine::{BoundaryMode, Element, Region, Source, VoxelSize, map_overlap};
use crate::error::{Error, Result};
use crate::ndfilters::Footprint;
use crate::ndmeasure::Structure;

/// A binary morphological operation.
///
/// ```
/// use tesserae::ndmorph::BinaryOp;
/// assert_eq!(BinaryOp::parse("closing"), Some(BinaryOp::Closing));
/// assert_eq!(BinaryOp::Erosion.name(), "erosion");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `binary_erosion`: a voxel stays foreground when the whole footprint fits.
    Erosion,
    /// `binary_dilation`: foreground grows by the reflected footprint.
    Dilation,
    /// `binary_opening`: erosion, then dilation.
    Opening,
    /// `binary_closing`: dilation, then erosion.
    Closing,
}

impl BinaryOp {
    /// Every operation.
    pub const ALL: [BinaryOp; 4] = [
        BinaryOp::Erosion,
        BinaryOp::Dilation,
        BinaryOp::Opening,
        BinaryOp::Closing,
    ];

    /// The name of the operation (scipy's function name without `binary_`).
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Erosion => "erosion",
            BinaryOp::Dilation => "dilation",
            BinaryOp::Opening => "opening",
            BinaryOp::Closing => "closing",
        }
    }

    /// The operation of a name (see [`BinaryOp::name`]).
    pub fn parse(name: &str) -> Option<Self> {
        BinaryOp::ALL.into_iter().find(|op| op.name() == name)
    }
}

/// A binary morphological operation, configured once and run in memory
/// ([`BinaryMorphology::apply`]) or lazily over any [`Source`]
/// ([`BinaryMorphology::lazy`]). Output voxels are 1 (foreground) or 0.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmorph::{BinaryMorphology, BinaryOp};
/// use tesserae::{ArraySource, Region, Source};
///
/// let image = array![[0u8, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]].into_dyn();
/// let dilation = BinaryMorphology::new(BinaryOp::Dilation);
/// let grown = dilation.apply(&image.view())?;
/// assert_eq!(grown, array![[0u8, 1, 1, 0], [1, 1, 1, 1], [1, 1, 1, 1], [0, 1, 1, 0]].into_dyn());
/// let lazy = dilation.chunks(&[3, 3]).lazy(ArraySource::new(image))?;
/// assert_eq!(lazy.read(&Region::full(&[4, 4]))?, grown);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BinaryMorphology {
    op: BinaryOp,
    structure: Option<Footprint>,
    iterations: usize,
    border_value: bool,
    chunks: Option<Vec<usize>>,
}

/// One erosion or dilation with a footprint.
#[derive(Clone, Debug)]
struct Step {
    footprint: Footprint,
    erode: bool,
}

impl BinaryMorphology {
    /// The operation with scipy's defaults: the structure
    /// `generate_binary_structure(ndim, 1)`, one iteration, border value 0.
    pub fn new(op: BinaryOp) -> Self {
        BinaryMorphology {
            op,
            structure: None,
            iterations: 1,
            border_value: false,
            chunks: None,
        }
    }

    /// The structuring element, with its origin (scipy's `structure` and `origin`).
    ///
    /// ```
    /// use tesserae::ndfilters::Footprint;
    /// use tesserae::ndmorph::{BinaryMorphology, BinaryOp};
    /// let op = BinaryMorphology::new(BinaryOp::Erosion).structure(Footprint::size(&[3, 5])?);
    /// # let _ = op;
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn structure(mut self, footprint: Footprint) -> Self {
        self.structure = Some(footprint);
        self
    }

    /// Repeats the erosion or dilation `iterations` times (for opening and
    /// closing: that many erosions, then that many dilations, or the
    /// reverse). 0 repeats until nothing changes, as scipy's `iterations < 1`;
    /// only [`BinaryMorphology::apply`] accepts it.
    ///
    /// ```
    /// use tesserae::ndmorph::{BinaryMorphology, BinaryOp};
    /// let op = BinaryMorphology::new(BinaryOp::Opening).iterations(3);
    /// # let _ = op;
    /// ```
    pub fn iterations(mut self, iterations: usize) -> Self {
        self.iterations = iterations;
        self
    }

    /// The value of the voxels outside the array (scipy's `border_value`).
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmorph::{BinaryMorphology, BinaryOp};
    /// let image = array![1u8, 1, 1].into_dyn();
    /// let eroded = BinaryMorphology::new(BinaryOp::Erosion).border_value(true).apply(&image.view())?;
    /// assert_eq!(eroded, array![1u8, 1, 1].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn border_value(mut self, border_value: bool) -> Self {
        self.border_value = border_value;
        self
    }

    /// Output chunk shape of [`BinaryMorphology::lazy`] (default: the input's native chunks).
    ///
    /// ```
    /// use tesserae::ndmorph::{BinaryMorphology, BinaryOp};
    /// let op = BinaryMorphology::new(BinaryOp::Closing).chunks(&[64, 64, 64]);
    /// # let _ = op;
    /// ```
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// The steps for images of rank `ndim`, in order.
    fn steps(&self, ndim: usize) -> Result<Vec<Step>> {
        let footprint = match &self.structure {
            Some(f) => f.clone(),
            None => Footprint::from_structure(&Structure::connectivity(ndim, 1)?),
        };
        if footprint.ndim() != ndim {
            return Err(Error::InvalidArgument(format!(
                "the structuring element has {} axes but the image has {ndim}",
                footprint.ndim()
            )));
        }
        let erosion = Step {
            footprint: footprint.clone(),
            erode: true,
        };
        let dilation = Step {
            footprint: footprint.reflected()?,
            erode: false,
        };
        let k = self.iterations.max(1);
        let repeat = |s: &Step| std::iter::repeat_n(s.clone(), k);
        Ok(match self.op {
            BinaryOp::Erosion => repeat(&erosion).collect(),
            BinaryOp::Dilation => repeat(&dilation).collect(),
            BinaryOp::Opening => repeat(&erosion).chain(repeat(&dilation)).collect(),
            BinaryOp::Closing => repeat(&dilation).chain(repeat(&erosion)).collect(),
        })
    }

    /// The operation on an in-memory image (non-zero is foreground).
    ///
    /// Fails when the structure's rank differs from the image's.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmorph::{BinaryMorphology, BinaryOp};
    /// let image = array![0u8, 1, 1, 1, 0, 1].into_dyn();
    /// let eroded = BinaryMorphology::new(BinaryOp::Erosion).apply(&image.view())?;
    /// assert_eq!(eroded, array![0u8, 0, 1, 0, 0, 0].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply<T: Element>(&self, image: &ArrayViewD<'_, T>) -> Result<ArrayD<u8>> {
        let packed = image.mapv(|v| u8::from(v != T::zero()) | MODIFIABLE);
        self.apply_packed(packed)
    }

    /// The operation on an in-memory image where only the voxels with a
    /// non-zero `mask` may change (scipy's `mask`).
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmorph::{BinaryMorphology, BinaryOp};
    /// let image = array![0u8, 1, 0, 0].into_dyn();
    /// let mask = array![1u8, 1, 0, 1].into_dyn();
    /// let grown = BinaryMorphology::new(BinaryOp::Dilation).apply_masked(&image.view(), &mask.view())?;
    /// assert_eq!(grown, array![1u8, 1, 0, 0].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply_masked<T: Element, M: Element>(
        &self,
        image: &ArrayViewD<'_, T>,
        mask: &ArrayViewD<'_, M>,
    ) -> Result<ArrayD<u8>> {
        if image.shape() != mask.shape() {
            return Err(Error::ShapeMismatch {
                expected: image.shape().to_vec(),
                found: mask.shape().to_vec(),
            });
        }
        let mut packed = ArrayD::zeros(image.raw_dim());
        ndarray::Zip::from(&mut packed)
            .and(image)
            .and(mask)
            .for_each(|p, &v, &m| *p = pack(v, m));
        self.apply_packed(packed)
    }

    fn apply_packed(&self, packed: ArrayD<u8>) -> Result<ArrayD<u8>> {
        let ndim = packed.ndim();
        let steps = self.steps(ndim)?;
        let shape = packed.shape().to_vec();
        let frame = Frame {
            array_lo: vec![0; ndim],
            array_hi: shape.clone(),
            known_lo: vec![true; ndim],
            known_hi: vec![true; ndim],
        };
        let centre = Region::full(&shape);
        if self.iterations == 0 {
            let mut current = packed;
            for group in steps.chunk_by(|a, b| a.erode == b.erode) {
                loop {
                    let next = run(
                        current.view(),
                        &frame,
                        group,
                        self.border_value,
                        &centre,
                        true,
                    )?;
                    let same = next
                        .iter()
                        .zip(current.iter())
                        .all(|(&a, &b)| a & 1 == b & 1);
                    current = next;
                    if same {
                        break;
                    }
                }
            }
            return Ok(current.mapv(|v| v & 1));
        }
        run(
            packed.view(),
            &frame,
            &steps,
            self.border_value,
            &centre,
            false,
        )
    }

    /// The halo a blockwise run needs: the sum of every step's reach.
    fn halo(&self, ndim: usize) -> Result<Vec<usize>> {
        let mut halo = vec![0; ndim];
        for step in self.steps(ndim)? {
            for (h, d) in halo.iter_mut().zip(step.footprint.depth()) {
                *h += d;
            }
        }
        Ok(halo)
    }

    /// The operation on `source`, lazily: every output chunk is computed from
    /// the input chunk grown by the halo all iterations need (the sum of the
    /// footprint's reach over them), and equals the in-memory result.
    ///
    /// Fails for `iterations(0)`, which needs the whole image (use
    /// [`BinaryMorphology::apply`]), or a structure of another rank.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndmorph::{BinaryMorphology, BinaryOp};
    /// use tesserae::{ArraySource, Region, Source};
    /// let image = ArrayD::from_shape_fn(vec![9, 9], |i| ((i[0] * 7 + i[1] * 3) % 5 > 1) as u8);
    /// let closing = BinaryMorphology::new(BinaryOp::Closing).iterations(2);
    /// let lazy = closing.clone().chunks(&[2, 2]).lazy(ArraySource::new(image.clone()))?;
    /// assert_eq!(lazy.read(&Region::full(&[9, 9]))?, closing.apply(&image.view())?);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn lazy<S: Source>(&self, source: S) -> Result<impl Source<Elem = u8> + use<S>> {
        self.lazy_packed(Packed::<S, S> {
            image: source,
            mask: None,
        })
    }

    /// [`BinaryMorphology::lazy`] where only the voxels with a non-zero `mask`
    /// (a source of the same shape) may change.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmorph::{BinaryMorphology, BinaryOp};
    /// use tesserae::{ArraySource, Region, Source};
    /// let image = array![0u8, 1, 0, 0].into_dyn();
    /// let mask = array![1u8, 1, 0, 1].into_dyn();
    /// let lazy = BinaryMorphology::new(BinaryOp::Dilation)
    ///     .chunks(&[1])
    ///     .lazy_masked(ArraySource::new(image), ArraySource::new(mask))?;
    /// assert_eq!(lazy.read(&Region::full(&[4]))?, array![1u8, 1, 0, 0].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn lazy_masked<S: Source, M: Source>(
        &self,
        source: S,
        mask: M,
    ) -> Result<impl Source<Elem = u8> + use<S, M>> {
        if source.shape() != mask.shape() {
            return Err(Error::ShapeMismatch {
                expected: source.shape().to_vec(),
                found: mask.shape().to_vec(),
            });
        }
        self.lazy_packed(Packed {
            image: source,
            mask: Some(mask),
        })
    }

    fn lazy_packed<S: Source, M: Source>(
        &self,
        packed: Packed<S, M>,
    ) -> Result<impl Source<Elem = u8> + use<S, M>> {
        if self.iterations == 0 {
            return Err(Error::InvalidArgument(
                "repeating until nothing changes (iterations 0) needs the whole image in memory"
                    .into(),
            ));
        }
        let ndim = packed.ndim();
        let steps = self.steps(ndim)?;
        let halo = self.halo(ndim)?;
        let shape = packed.shape().to_vec();
        let border = self.border_value;
        let mut builder =
            map_overlap(packed, &halo).mode(BoundaryMode::Constant(f64::from(u8::from(border))));
        if let Some(chunks) = &self.chunks {
            builder = builder.chunks(chunks);
        }
        builder.build(move |padded, block| {
            let region = block.region();
            let mut frame = Frame {
                array_lo: vec![0; ndim],
                array_hi: vec![0; ndim],
                known_lo: vec![false; ndim],
                known_hi: vec![false; ndim],
            };
            for k in 0..ndim {
                let (start, len, d, n) = (region.start()[k], region.shape()[k], halo[k], shape[k]);
                frame.known_lo[k] = start <= d;
                frame.array_lo[k] = d.saturating_sub(start);
                frame.known_hi[k] = start + len + d >= n;
                frame.array_hi[k] = n.min(start + len + d) + d - start;
            }
            let centre = Region::new(halo.clone(), region.shape().to_vec());
            run(padded, &frame, &steps, border, &centre, false)
        })
    }
}

/// Bit 1 of a packed voxel: it may change.
const MODIFIABLE: u8 = 2;

fn pack<T: Element, M: Element>(v: T, m: M) -> u8 {
    u8::from(v != T::zero()) | if m != M::zero() { MODIFIABLE } else { 0 }
}

/// Where the array lies in a block, per axis: `array_lo..array_hi`, and
/// whether the array ends there (`known_*`: beyond is the border value) or
/// the block merely stops in real data.
struct Frame {
    array_lo: Vec<usize>,
    array_hi: Vec<usize>,
    known_lo: Vec<bool>,
    known_hi: Vec<bool>,
}

/// Runs `steps` on the packed `block` and returns `centre` (block
/// coordinates) of the result, bit 0 only unless `keep_bits`.
fn run(
    block: ArrayViewD<'_, u8>,
    frame: &Frame,
    steps: &[Step],
    border: bool,
    centre: &Region,
    keep_bits: bool,
) -> Result<ArrayD<u8>> {
    let ndim = block.ndim();
    let margin: Vec<usize> = (0..ndim)
        .map(|k| {
            steps
                .iter()
                .map(|s| s.footprint.depth()[k])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let shape: Vec<usize> = (0..ndim)
        .map(|k| block.shape()[k] + 2 * margin[k])
        .collect();
    let mut strides = vec![1isize; ndim];
    for k in (0..ndim.saturating_sub(1)).rev() {
        strides[k] = strides[k + 1] * shape[k + 1] as isize;
    }
    let mut src = ArrayD::from_elem(IxDyn(&shape), u8::from(border));
    Region::new(margin.clone(), block.shape().to_vec())
        .view_mut(&mut src)
        .assign(&block);
    let mut dst = src.clone();
    let mut shrink = vec![0usize; ndim];
    for step in steps {
        for (s, d) in shrink.iter_mut().zip(step.footprint.depth()) {
            *s += d;
        }
        let lo: Vec<usize> = (0..ndim)
            .map(|k| margin[k] + frame.array_lo[k] + if frame.known_lo[k] { 0 } else { shrink[k] })
            .collect();
        let hi: Vec<usize> = (0..ndim)
            .map(|k| {
                let end = margin[k] + frame.array_hi[k];
                if frame.known_hi[k] {
                    end
                } else {
                    end.saturating_sub(shrink[k])
                }
            })
            .collect();
        let offsets: Vec<isize> = step
            .footprint
            .offsets()
            .iter()
            .map(|o| o.iter().zip(&strides).map(|(a, b)| a * b).sum())
            .collect();
        apply_step(
            src.as_slice_memory_order().unwrap_or(&[]),
            dst.as_slice_memory_order_mut().unwrap_or(&mut []),
            &shape,
            &lo,
            &hi,
            &offsets,
            step.erode,
        );
        std::mem::swap(&mut src, &mut dst);
    }
    let start: Vec<usize> = (0..ndim).map(|k| centre.start()[k] + margin[k]).collect();
    let view = Region::new(start, centre.shape().to_vec()).view(&src);
    Ok(if keep_bits {
        view.to_owned()
    } else {
        view.mapv(|v| v & 1)
    })
}

/// One erosion (all neighbours set) or dilation (any neighbour set) of the
/// box `lo..hi` of a C-order buffer of `shape`, from `src` into `dst`;
/// voxels without the [`MODIFIABLE`] bit keep their value.
///
/// Row by row and branch-free: the row of the result is the AND (erosion) or
/// OR (dilation) of the source rows shifted by every offset, which the
/// compiler turns into wide byte operations.
fn apply_step(
    src: &[u8],
    dst: &mut [u8],
    shape: &[usize],
    lo: &[usize],
    hi: &[usize],
    offsets: &[isize],
    erode: bool,
) {
    let ndim = shape.len();
    if (0..ndim).any(|k| lo[k] >= hi[k]) {
        return;
    }
    let last = ndim - 1;
    let len = hi[last] - lo[last];
    let mut acc = vec![0u8; len];
    let mut index: Vec<usize> = lo[..last].to_vec();
    loop {
        let mut base = 0usize;
        for k in 0..last {
            base = (base + index[k]) * shape[k + 1];
        }
        let start = base + lo[last];
        acc.fill(if erode { 1 } else { 0 });
        for &o in offsets {
            let from = (start as isize + o) as usize;
            let row = &src[from..from + len];
            if erode {
                acc.iter_mut().zip(row).for_each(|(a, v)| *a &= v);
            } else {
                acc.iter_mut().zip(row).for_each(|(a, v)| *a |= v);
            }
        }
        let (input, output) = (&src[start..start + len], &mut dst[start..start + len]);
        for ((d, &v), &a) in output.iter_mut().zip(input).zip(&acc) {
            // Where `v` may change its bit 0 becomes `a`'s; elsewhere `v` stays.
            let modifiable = (v & MODIFIABLE) >> 1;
            let new = (v & !1) | (a & 1);
            *d = (modifiable.wrapping_neg() & new) | (modifiable.wrapping_sub(1) & v);
        }
        let mut k = last;
        loop {
            if k == 0 {
                return;
            }
            k -= 1;
            index[k] += 1;
            if index[k] < hi[k] {
                break;
            }
            index[k] = lo[k];
        }
    }
}

/// An image and an optional mask as one packed `u8` source (bit 0: image
/// non-zero, bit 1: mask non-zero, or set everywhere without a mask).
struct Packed<S, M> {
    image: S,
    mask: Option<M>,
}

impl<S: Source, M: Source> Source for Packed<S, M> {
    type Elem = u8;

    fn shape(&self) -> &[usize] {
        self.image.shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        self.image.chunk_shape()
    }

    fn read(&self, region: &Region) -> Result<ArrayD<u8>> {
        let mut out = None;
        self.image.read_view(region, &mut |image| {
            out = Some(match &self.mask {
                None => image.mapv(|v| u8::from(v != S::Elem::zero()) | MODIFIABLE),
                Some(mask) => {
                    let mut packed = None;
                    mask.read_view(region, &mut |m| {
                        packed = Some(
                            ndarray::Zip::from(&image)
                                .and(&m)
                                .map_collect(|&v, &m| pack(v, m)),
                        );
                        Ok(())
                    })?;
                    packed.ok_or_else(|| {
                        Error::Failed(format!("mask region {region} was not read"))
                    })?
                }
            });
            Ok(())
        })?;
        out.ok_or_else(|| Error::Failed(format!("region {region} was not read")))
    }

    fn voxel_size(&self) -> Option<VoxelSize> {
        self.image.voxel_size()
    }
}

/// `scipy.ndimage.binary_erosion(image, structure, iterations)` in memory.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndfilters::Footprint;
/// let image = array![1u8, 1, 1, 1, 0].into_dyn();
/// let eroded = tesserae::ndmorph::binary_erosion(&image.view(), &Footprint::size(&[3])?, 1)?;
/// assert_eq!(eroded, array![0u8, 1, 1, 0, 0].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn binary_erosion<T: Element>(
    image: &ArrayViewD<'_, T>,
    structure: &Footprint,
    iterations: usize,
) -> Result<ArrayD<u8>> {
    run_op(BinaryOp::Erosion, image, structure, iterations)
}

/// `scipy.ndimage.binary_dilation(image, structure, iterations)` in memory.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndfilters::Footprint;
/// let image = array![0u8, 0, 1, 0, 0].into_dyn();
/// let grown = tesserae::ndmorph::binary_dilation(&image.view(), &Footprint::size(&[3])?, 2)?;
/// assert_eq!(grown, array![1u8, 1, 1, 1, 1].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn binary_dilation<T: Element>(
    image: &ArrayViewD<'_, T>,
    structure: &Footprint,
    iterations: usize,
) -> Result<ArrayD<u8>> {
    run_op(BinaryOp::Dilation, image, structure, iterations)
}

/// `scipy.ndimage.binary_opening(image, structure, iterations)` in memory.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndfilters::Footprint;
/// let image = array![1u8, 0, 1, 1, 1, 0].into_dyn();
/// let opened = tesserae::ndmorph::binary_opening(&image.view(), &Footprint::size(&[3])?, 1)?;
/// assert_eq!(opened, array![0u8, 0, 1, 1, 1, 0].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn binary_opening<T: Element>(
    image: &ArrayViewD<'_, T>,
    structure: &Footprint,
    iterations: usize,
) -> Result<ArrayD<u8>> {
    run_op(BinaryOp::Opening, image, structure, iterations)
}

/// `scipy.ndimage.binary_closing(image, structure, iterations)` in memory.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndfilters::Footprint;
/// let image = array![0u8, 1, 0, 1, 1, 0].into_dyn();
/// let closed = tesserae::ndmorph::binary_closing(&image.view(), &Footprint::size(&[3])?, 1)?;
/// assert_eq!(closed, array![0u8, 1, 1, 1, 1, 0].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn binary_closing<T: Element>(
    image: &ArrayViewD<'_, T>,
    structure: &Footprint,
    iterations: usize,
) -> Result<ArrayD<u8>> {
    run_op(BinaryOp::Closing, image, structure, iterations)
}

fn run_op<T: Element>(
    op: BinaryOp,
    image: &ArrayViewD<'_, T>,
    structure: &Footprint,
    iterations: usize,
) -> Result<ArrayD<u8>> {
    BinaryMorphology::new(op)
        .structure(structure.clone())
        .iterations(iterations)
        .apply(image)
}

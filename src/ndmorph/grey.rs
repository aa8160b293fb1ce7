//! Grey-level morphology after scipy.ndimage's: `grey_erosion`,
//! `grey_dilation`, `grey_opening`, `grey_closing`, `white_tophat`,
//! `black_tophat`, `morphological_gradient` and `morphological_laplace`, flat
//! (`size`, `footprint`) or non-flat (`structure`), in memory or lazily over
//! chunks with equal results at any chunking.

use ndarray::{ArrayD, ArrayViewD, Axis, Zip};

use crate::engine::{ArraySource, Block, BoundaryMode, Element, Region, Source, map_overlap};
use crate::ndfilters::Footprint;
use crate::ndfilters::rank::{Kernel, Neighbourhood, Plan, saturate};
use crate::{Error, Result};

/// The grey morphology operation a [`GreyMorphology`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GreyOp {
    /// Minimum over the footprint, minus the structure (scipy `grey_erosion`).
    Erosion,
    /// Maximum over the reflected footprint, plus the reflected structure
    /// (scipy `grey_dilation`).
    Dilation,
    /// Erosion then dilation (scipy `grey_opening`).
    Opening,
    /// Dilation then erosion (scipy `grey_closing`).
    Closing,
    /// The image minus its opening (scipy `white_tophat`).
    WhiteTophat,
    /// The closing minus the image (scipy `black_tophat`).
    BlackTophat,
    /// Dilation minus erosion (scipy `morphological_gradient`).
    Gradient,
    /// Dilation plus erosion minus twice the image (scipy `morphological_laplace`).
    Laplace,
}

impl GreyOp {
    /// Every operation, in the order above.
    pub const ALL: [GreyOp; 8] = [
        GreyOp::Erosion,
        GreyOp::Dilation,
        GreyOp::Opening,
        GreyOp::Closing,
        GreyOp::WhiteTophat,
        GreyOp::BlackTophat,
        GreyOp::Gradient,
        GreyOp::Laplace,
    ];

    /// scipy's function name (`grey_erosion`, `white_tophat`, …).
    ///
    /// ```
    /// use tesserae::ndmorph::GreyOp;
    /// assert_eq!(GreyOp::Gradient.name(), "morphological_gradient");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            GreyOp::Erosion => "grey_erosion",
            GreyOp::Dilation => "grey_dilation",
            GreyOp::Opening => "grey_opening",
            GreyOp::Closing => "grey_closing",
            GreyOp::WhiteTophat => "white_tophat",
            GreyOp::BlackTophat => "black_tophat",
            GreyOp::Gradient => "morphological_gradient",
            GreyOp::Laplace => "morphological_laplace",
        }
    }

    /// The operation of a scipy function name, or of a short name
    /// (`erosion`, `dilation`, `opening`, `closing`, `white-tophat`,
    /// `black-tophat`, `gradient`, `laplace`, also with a `grey-` prefix).
    ///
    /// ```
    /// use tesserae::ndmorph::GreyOp;
    /// assert_eq!(GreyOp::parse("grey-opening"), Some(GreyOp::Opening));
    /// assert_eq!(GreyOp::parse("white_tophat"), Some(GreyOp::WhiteTophat));
    /// assert_eq!(GreyOp::parse("sharpen"), None);
    /// ```
    pub fn parse(name: &str) -> Option<GreyOp> {
        let name = name.replace('-', "_");
        let short = name.strip_prefix("grey_").unwrap_or(&name);
        let short = short.strip_prefix("morphological_").unwrap_or(short);
        GreyOp::ALL.into_iter().find(|op| {
            let full = op.name();
            let own = full
                .strip_prefix("grey_")
                .or_else(|| full.strip_prefix("morphological_"))
                .unwrap_or(full);
            full == name || own == short
        })
    }
}

/// Grey morphology (scipy's `grey_*`, tophats, gradient and Laplace), with a
/// `size`, a `footprint` and/or a non-flat `structure`, an `origin` and a
/// boundary `mode` (default `Reflect`, as scipy).
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmorph::{GreyMorphology, GreyOp};
///
/// let image = array![[5u8, 5, 5, 5], [5, 9, 5, 5], [5, 5, 5, 1]].into_dyn();
/// let opened = GreyMorphology::new(GreyOp::Opening).size(&[2]).apply(&image.view())?;
/// assert_eq!(opened, array![[5u8, 5, 5, 5], [5, 5, 5, 5], [5, 5, 5, 1]].into_dyn());
/// let tophat = GreyMorphology::new(GreyOp::WhiteTophat).size(&[2]).apply(&image.view())?;
/// assert_eq!(tophat[[1, 1]], 4);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GreyMorphology {
    op: GreyOp,
    neighbourhood: Option<Neighbourhood>,
    structure: Option<ArrayD<f64>>,
    origin: Option<Vec<isize>>,
    mode: BoundaryMode,
    chunks: Option<Vec<usize>>,
}

impl GreyMorphology {
    /// The operation `op` with scipy's defaults (mode `Reflect`, origin 0);
    /// a size, footprint or structure must be given before running.
    ///
    /// ```
    /// use tesserae::ndmorph::{GreyMorphology, GreyOp};
    /// let image = ndarray::ArrayD::<u8>::zeros(vec![3, 3]);
    /// assert!(GreyMorphology::new(GreyOp::Erosion).apply(&image.view()).is_err());
    /// ```
    pub fn new(op: GreyOp) -> Self {
        GreyMorphology {
            op,
            neighbourhood: None,
            structure: None,
            origin: None,
            mode: BoundaryMode::Reflect,
            chunks: None,
        }
    }

    /// A flat box: one extent per axis or one for all (replaces a footprint).
    ///
    /// ```
    /// use tesserae::ndmorph::{GreyMorphology, GreyOp};
    /// let image = ndarray::ArrayD::from_shape_fn(vec![4], |i| i[0] as u8);
    /// let out = GreyMorphology::new(GreyOp::Dilation).size(&[2]).apply(&image.view())?;
    /// assert_eq!(out.as_slice(), Some(&[1, 2, 3, 3][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn size(mut self, size: &[usize]) -> Self {
        self.neighbourhood = Some(Neighbourhood::Size(size.to_vec()));
        self
    }

    /// A flat mask (replaces a size); with a structure, it selects the
    /// structure's elements and must have its shape.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndfilters::Footprint;
    /// use tesserae::ndmorph::{GreyMorphology, GreyOp};
    /// let pair = Footprint::new(array![true, false, true].view().into_dyn())?;
    /// let image = array![1u8, 7, 3, 9].into_dyn();
    /// let out = GreyMorphology::new(GreyOp::Erosion).footprint(pair).apply(&image.view())?;
    /// assert_eq!(out.as_slice(), Some(&[1, 1, 7, 3][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn footprint(mut self, footprint: Footprint) -> Self {
        self.neighbourhood = Some(Neighbourhood::Footprint(footprint));
        self
    }

    /// A non-flat structuring element: its values are subtracted before the
    /// minimum (erosion) and added before the maximum (dilation). Without a
    /// footprint, every element of the structure is used.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmorph::{GreyMorphology, GreyOp};
    /// let structure = array![1.0, 0.0, 1.0].into_dyn();
    /// let image = array![10u8, 10, 20, 10].into_dyn();
    /// let out = GreyMorphology::new(GreyOp::Dilation)
    ///     .structure(structure.view())
    ///     .apply(&image.view())?;
    /// assert_eq!(out.as_slice(), Some(&[11, 21, 20, 21][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn structure(mut self, structure: ArrayViewD<'_, f64>) -> Self {
        self.structure = Some(structure.to_owned());
        self
    }

    /// scipy's `origin`, one per axis or one for all.
    ///
    /// ```
    /// use tesserae::ndmorph::{GreyMorphology, GreyOp};
    /// let image = ndarray::ArrayD::from_shape_fn(vec![4], |i| i[0] as u8);
    /// let out = GreyMorphology::new(GreyOp::Erosion).size(&[2]).origin(&[-1]).apply(&image.view())?;
    /// assert_eq!(out.as_slice(), Some(&[0, 1, 2, 3][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn origin(mut self, origin: &[isize]) -> Self {
        self.origin = Some(origin.to_vec());
        self
    }

    /// scipy's `mode` (and `cval` with [`BoundaryMode::Constant`]).
    ///
    /// ```
    /// use tesserae::engine::BoundaryMode;
    /// use tesserae::ndmorph::{GreyMorphology, GreyOp};
    /// let image = ndarray::ArrayD::from_elem(vec![3], 4u8);
    /// let out = GreyMorphology::new(GreyOp::Dilation)
    ///     .size(&[3])
    ///     .mode(BoundaryMode::Constant(9.0))
    ///     .apply(&image.view())?;
    /// assert_eq!(out.as_slice(), Some(&[9, 4, 9][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn mode(mut self, mode: BoundaryMode) -> Self {
        self.mode = mode;
        self
    }

    /// The output chunk shape of [`lazy`](GreyMorphology::lazy) (default: the input's).
    ///
    /// ```
    /// use tesserae::ndmorph::{GreyMorphology, GreyOp};
    /// use tesserae::{ArraySource, Source};
    /// let source = ArraySource::new(ndarray::ArrayD::<u8>::zeros(vec![6, 6]));
    /// let lazy = GreyMorphology::new(GreyOp::Closing).size(&[3]).chunks(&[2, 3]).lazy(source)?;
    /// assert_eq!(lazy.chunk_shape(), &[2, 3]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// The erosion's footprint and its structure values (in the footprint's C order).
    fn erosion(&self, ndim: usize) -> Result<(Footprint, Option<Vec<f64>>)> {
        let neighbourhood = match (&self.neighbourhood, &self.structure) {
            (Some(n), _) => n.clone(),
            (None, Some(s)) => Neighbourhood::Size(s.shape().to_vec()),
            (None, None) => {
                return Err(Error::InvalidArgument(
                    "a size, a footprint or a structure is required".into(),
                ));
            }
        };
        let footprint = neighbourhood.resolve(ndim, self.origin.as_deref())?;
        let values = match &self.structure {
            None => None,
            Some(s) if s.shape() != footprint.mask().shape() => {
                return Err(Error::InvalidArgument(format!(
                    "structure shape {:?} differs from the footprint's {:?}",
                    s.shape(),
                    footprint.mask().shape()
                )));
            }
            Some(s) => Some(selected(&footprint, s.view())),
        };
        Ok((footprint, values))
    }

    fn plans(&self, ndim: usize) -> Result<(Plan, Plan)> {
        let (footprint, values) = self.erosion(ndim)?;
        let reflected = footprint.reflected()?;
        let reflected_values = self.structure.as_ref().map(|s| {
            let mut s = s.view();
            for axis in 0..s.ndim() {
                s.invert_axis(Axis(axis));
            }
            selected(&reflected, s)
        });
        Ok((
            Plan {
                footprint,
                kernel: Kernel::Minimum(values),
            },
            Plan {
                footprint: reflected,
                kernel: Kernel::Maximum(reflected_values),
            },
        ))
    }

    /// Applies the operation to an in-memory image (on the current rayon pool).
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmorph::{GreyMorphology, GreyOp};
    /// let image = array![3i16, 8, 1, 4].into_dyn();
    /// let out = GreyMorphology::new(GreyOp::Gradient).size(&[3]).apply(&image.view())?;
    /// assert_eq!(out.as_slice(), Some(&[5, 7, 7, 3][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply<T: Element>(&self, image: &ArrayViewD<'_, T>) -> Result<ArrayD<T>> {
        let whole = GreyMorphology {
            chunks: None,
            ..self.clone()
        };
        let lazy = whole.lazy(ArraySource::new(image.to_owned()))?;
        lazy.read(&Region::full(image.shape()))
    }

    /// The operation on `source` as a lazy source, equal to
    /// [`apply`](GreyMorphology::apply) on the whole image at any chunking.
    /// Openings, closings and tophats read a halo of both footprints' depths
    /// and extend the intermediate result at the array border by the mode,
    /// exactly as scipy's two calls do.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::engine::BoundaryMode;
    /// use tesserae::ndmorph::{GreyMorphology, GreyOp};
    /// use tesserae::{ArraySource, Region, Source};
    ///
    /// let image = ArrayD::from_shape_fn(vec![9, 8], |i| ((i[0] * 8 + i[1]) * 29 % 13) as f32);
    /// let op = GreyMorphology::new(GreyOp::BlackTophat).size(&[3, 2]).mode(BoundaryMode::Nearest);
    /// let source = ArraySource::new(image.clone()).with_chunks(&[2, 3])?;
    /// assert_eq!(op.lazy(source)?.read(&Region::full(&[9, 8]))?, op.apply(&image.view())?);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn lazy<S: Source>(&self, source: S) -> Result<impl Source<Elem = S::Elem> + use<S>> {
        let (erosion, dilation) = self.plans(source.ndim())?;
        let shape = source.shape().to_vec();
        let (d_e, d_d) = (erosion.footprint.depth(), dilation.footprint.depth());
        let depth: Vec<usize> = match self.op {
            GreyOp::Erosion => d_e,
            GreyOp::Dilation => d_d,
            GreyOp::Gradient | GreyOp::Laplace => {
                d_e.iter().zip(&d_d).map(|(a, b)| *a.max(b)).collect()
            }
            _ => d_e.iter().zip(&d_d).map(|(a, b)| a + b).collect(),
        };
        let op = self.op;
        let mode = self.mode;
        let mut builder = map_overlap(source, &depth).mode(mode);
        if let Some(chunks) = &self.chunks {
            builder = builder.chunks(chunks);
        }
        builder.build(move |padded, block| {
            let out_shape = block.region().shape();
            let pad = block.depth();
            let input = || block.centre(padded.view());
            let twice = |first: &Plan, second: &Plan| {
                let stages = Stages {
                    block,
                    shape: &shape,
                    mode,
                };
                stages.run(padded.view(), first, second)
            };
            Ok(match op {
                GreyOp::Erosion => erosion.run(padded.view(), pad, out_shape)?,
                GreyOp::Dilation => dilation.run(padded.view(), pad, out_shape)?,
                GreyOp::Opening => twice(&erosion, &dilation)?,
                GreyOp::Closing => twice(&dilation, &erosion)?,
                GreyOp::WhiteTophat => {
                    let opened = twice(&erosion, &dilation)?;
                    Zip::from(&input())
                        .and(&opened)
                        .map_collect(|&a, &b| subtract(a, b))
                }
                GreyOp::BlackTophat => {
                    let closed = twice(&dilation, &erosion)?;
                    Zip::from(&closed)
                        .and(&input())
                        .map_collect(|&a, &b| subtract(a, b))
                }
                GreyOp::Gradient => {
                    let dilated = dilation.run(padded.view(), pad, out_shape)?;
                    let eroded = erosion.run(padded.view(), pad, out_shape)?;
                    Zip::from(&dilated)
                        .and(&eroded)
                        .map_collect(|&a, &b| subtract(a, b))
                }
                GreyOp::Laplace => {
                    let dilated = dilation.run(padded.view(), pad, out_shape)?;
                    let eroded = erosion.run(padded.view(), pad, out_shape)?;
                    Zip::from(&dilated)
                        .and(&eroded)
                        .and(&input())
                        .map_collect(|&d, &e, &x| subtract(subtract(add(d, e), x), x))
                }
            })
        })
    }
}

/// The values of `structure` where `footprint` is true, in C order.
fn selected(footprint: &Footprint, structure: ArrayViewD<'_, f64>) -> Vec<f64> {
    footprint
        .mask()
        .iter()
        .zip(structure.iter())
        .filter(|&(&on, _)| on)
        .map(|(_, &v)| v)
        .collect()
}

/// Two filters one after the other on a padded block, as two scipy calls:
/// the intermediate result is extended at the array border by the mode.
struct Stages<'a> {
    block: &'a Block,
    shape: &'a [usize],
    mode: BoundaryMode,
}

impl Stages<'_> {
    fn run<T: Element>(
        &self,
        padded: ArrayViewD<'_, T>,
        first: &Plan,
        second: &Plan,
    ) -> Result<ArrayD<T>> {
        let region = self.block.region();
        let pad = self.block.depth();
        let grow = second.footprint.depth();
        let inner_pad: Vec<usize> = pad.iter().zip(&grow).map(|(p, g)| p - g).collect();
        let mid_shape: Vec<usize> = region
            .shape()
            .iter()
            .zip(&grow)
            .map(|(n, g)| n + 2 * g)
            .collect();
        let mut mid = first.run(padded, &inner_pad, &mid_shape)?;
        for (axis, (&n, &g)) in self.shape.iter().zip(&grow).enumerate() {
            let low = region.start()[axis] as isize - g as isize;
            for q in 0..mid_shape[axis] {
                let at = low + q as isize;
                if (0..n as isize).contains(&at) {
                    continue;
                }
                match self.mode {
                    // A periodic input gives a periodic first result: nothing to fix.
                    BoundaryMode::Wrap => {}
                    BoundaryMode::Constant(cval) => {
                        let cval = num_traits::cast::<f64, T>(cval).ok_or_else(|| {
                            Error::InvalidArgument(format!(
                                "constant {cval} does not fit {}",
                                T::DTYPE
                            ))
                        })?;
                        mid.index_axis_mut(Axis(axis), q).fill(cval);
                    }
                    mode => {
                        let from = mode
                            .source_index(at, n)
                            .map(|i| i as isize - low)
                            .filter(|&i| (0..mid_shape[axis] as isize).contains(&i))
                            .ok_or_else(|| {
                                Error::Failed(format!(
                                    "no intermediate value for index {at} of axis {axis}"
                                ))
                            })?;
                        let source = mid.index_axis(Axis(axis), from as usize).to_owned();
                        mid.index_axis_mut(Axis(axis), q).assign(&source);
                    }
                }
            }
        }
        second.run(mid.view(), &grow, region.shape())
    }
}

/// `a - b` as numpy computes it in the element type: wrapping for integers,
/// rounded once for floats.
fn subtract<T: Element>(a: T, b: T) -> T {
    combine(a, b, |x, y| x - y, |x, y| x - y)
}

/// `a + b` as numpy computes it in the element type.
fn add<T: Element>(a: T, b: T) -> T {
    combine(a, b, |x, y| x + y, |x, y| x + y)
}

fn combine<T: Element>(a: T, b: T, int: fn(i128, i128) -> i128, float: fn(f64, f64) -> f64) -> T {
    if T::DTYPE.is_float() {
        // One f64 operation rounded to f32 is the correctly rounded f32 result.
        return saturate(float(a.as_f64(), b.as_f64()));
    }
    let (Some(x), Some(y)) = (a.to_i128(), b.to_i128()) else {
        return T::zero();
    };
    let bits = 8 * T::DTYPE.size() as u32;
    let modulus = 1i128 << bits;
    let mut v = int(x, y).rem_euclid(modulus);
    if T::DTYPE.is_signed_integer() && v >= modulus / 2 {
        v -= modulus;
    }
    num_traits::cast::<i128, T>(v).unwrap_or_else(T::zero)
}

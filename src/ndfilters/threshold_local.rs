//! [`ThresholdLocal`]: scikit-image's `threshold_local` (and dask-image's
//! `ndfilters.threshold_local`), a threshold per voxel from its neighbourhood,
//! computed blockwise with the halo of its filter.

use ndarray::{ArrayD, ArrayViewD, Zip};

use crate::engine::{
    ArraySource, BoundaryMode, Element, Region, Source, map_blocks, split_for_workers,
};
use crate::ndfilters::{FilterOutput, GaussianFilter, RankFilter, RankKind, UniformFilter};
use crate::{DataType, Error, Result, VoxelSize};

/// How [`ThresholdLocal`] weighs a voxel's neighbourhood (scikit-image's
/// `method`; its `generic`, a Python callback, has no counterpart).
///
/// ```
/// use tesserae::ndfilters::LocalMethod;
/// assert_eq!(LocalMethod::parse("median"), Some(LocalMethod::Median));
/// assert_eq!(LocalMethod::Gaussian.name(), "gaussian");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LocalMethod {
    /// A gaussian-weighted mean (`scipy.ndimage.gaussian_filter`), by default
    /// of sigma `(block_size - 1) / 6` per axis.
    Gaussian,
    /// The mean over the block (`scipy.ndimage.uniform_filter`).
    Mean,
    /// The median over the block (`scipy.ndimage.median_filter`).
    Median,
}

impl LocalMethod {
    /// Every method.
    pub const ALL: [LocalMethod; 3] = [
        LocalMethod::Gaussian,
        LocalMethod::Mean,
        LocalMethod::Median,
    ];

    /// The method's name, as scikit-image's `method` argument.
    pub fn name(self) -> &'static str {
        match self {
            LocalMethod::Gaussian => "gaussian",
            LocalMethod::Mean => "mean",
            LocalMethod::Median => "median",
        }
    }

    /// The method of a name (see [`LocalMethod::name`]).
    pub fn parse(name: &str) -> Option<Self> {
        LocalMethod::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// `skimage.filters.threshold_local`: the threshold image, the filtered image
/// (gaussian, mean or median over an odd `block_size`) minus `offset`;
/// voxels above it are foreground (`image > threshold_local(image, …)`, see
/// [`ThresholdLocal::mask`]).
///
/// scikit-image computes in `float32` for `float32` images and in `float64`
/// otherwise: ask for that output type `U` to get its values (bit for bit for
/// the median, to rounding, about 1e-6 relative at most, for the gaussian and
/// the mean). Chunked, every chunk
/// is read with the halo of the filter (`block_size / 2` for the mean and
/// median, `int(4 * sigma + 0.5)` for the gaussian), so the result is the
/// same at any chunking.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndfilters::{LocalMethod, ThresholdLocal};
///
/// let image = ArrayD::from_shape_fn(vec![12, 12], |i| ((i[0] * 5 + i[1] * 3) % 17) as u8);
/// let local = ThresholdLocal::new(5).method(LocalMethod::Mean).offset(1.0);
/// let threshold: ArrayD<f64> = local.apply(&image.view())?;
/// // The mean of the 5 x 5 block around (6, 6), less the offset.
/// let block = image.slice(ndarray::s![4..9, 4..9]);
/// let mean = block.iter().map(|&v| f64::from(v)).sum::<f64>() / 25.0;
/// assert!((threshold[[6, 6]] - (mean - 1.0)).abs() < 1e-12);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdLocal {
    block_size: Vec<usize>,
    method: LocalMethod,
    offset: f64,
    mode: BoundaryMode,
    sigma: Option<Vec<f64>>,
    chunks: Option<Vec<usize>>,
}

impl ThresholdLocal {
    /// A local threshold over blocks of `block_size` (odd) voxels along every
    /// axis, with scikit-image's defaults: gaussian, offset 0, `reflect`.
    pub fn new(block_size: usize) -> Self {
        Self::block_sizes(&[block_size])
    }

    /// One odd block size per axis.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndfilters::ThresholdLocal;
    /// let image = ArrayD::from_shape_fn(vec![6, 8], |i| (i[1] * 10) as f32);
    /// // Smoothing only along columns leaves a constant-per-column image alone.
    /// let t: ArrayD<f32> = ThresholdLocal::block_sizes(&[7, 1]).apply(&image.view())?;
    /// assert_eq!(t, image);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn block_sizes(block_sizes: &[usize]) -> Self {
        ThresholdLocal {
            block_size: block_sizes.to_vec(),
            method: LocalMethod::Gaussian,
            offset: 0.0,
            mode: BoundaryMode::Reflect,
            sigma: None,
            chunks: None,
        }
    }

    /// How the neighbourhood is weighed (default [`LocalMethod::Gaussian`]).
    ///
    /// ```
    /// use tesserae::ndfilters::{LocalMethod, ThresholdLocal};
    /// let t = ThresholdLocal::new(15).method(LocalMethod::Median);
    /// # let _ = t;
    /// ```
    pub fn method(mut self, method: LocalMethod) -> Self {
        self.method = method;
        self
    }

    /// The constant subtracted from the filtered image (default 0), in the
    /// output type, as numpy subtracts a Python float.
    ///
    /// ```
    /// use tesserae::ndfilters::ThresholdLocal;
    /// let t = ThresholdLocal::new(15).offset(-2.5);
    /// # let _ = t;
    /// ```
    pub fn offset(mut self, offset: f64) -> Self {
        self.offset = offset;
        self
    }

    /// The boundary mode (default [`BoundaryMode::Reflect`]);
    /// `Constant(cval)` is scikit-image's `mode='constant', cval=cval`.
    ///
    /// ```
    /// use tesserae::ndfilters::ThresholdLocal;
    /// use tesserae::BoundaryMode;
    /// let t = ThresholdLocal::new(15).mode(BoundaryMode::Nearest);
    /// # let _ = t;
    /// ```
    pub fn mode(mut self, mode: BoundaryMode) -> Self {
        self.mode = mode;
        self
    }

    /// The gaussian's sigma, one for every axis or one per axis
    /// (scikit-image's `param` for the gaussian method; default
    /// `(block_size - 1) / 6`). Other methods ignore it.
    ///
    /// ```
    /// use tesserae::ndfilters::ThresholdLocal;
    /// let t = ThresholdLocal::new(15).sigma(&[1.0, 3.0]);
    /// # let _ = t;
    /// ```
    pub fn sigma(mut self, sigma: &[f64]) -> Self {
        self.sigma = Some(sigma.to_vec());
        self
    }

    /// The chunk shape of the computation (default: the source's native
    /// chunks for [`Self::lazy`], a split of the array over the threads for
    /// [`Self::apply`]). Results do not depend on it.
    ///
    /// ```
    /// use tesserae::ndfilters::ThresholdLocal;
    /// let t = ThresholdLocal::new(15).chunks(&[64, 256, 256]);
    /// # let _ = t;
    /// ```
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// The block size per axis, checked: odd, one or one per axis.
    fn sizes(&self, ndim: usize) -> Result<Vec<usize>> {
        let sizes = match self.block_size.as_slice() {
            [one] => vec![*one; ndim],
            s if s.len() == ndim => s.to_vec(),
            s => {
                return Err(Error::InvalidArgument(format!(
                    "{} block sizes given for an array of {ndim} axes",
                    s.len()
                )));
            }
        };
        if sizes.iter().any(|s| s % 2 == 0) {
            return Err(Error::InvalidArgument(format!(
                "block size {sizes:?} must be odd"
            )));
        }
        Ok(sizes)
    }

    /// The threshold image of an in-memory image, with output type `U`
    /// (scikit-image's: `f32` for `f32` images, `f64` otherwise).
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndfilters::ThresholdLocal;
    /// let flat = ArrayD::from_elem(vec![5, 5], 40u16);
    /// let t: ArrayD<f64> = ThresholdLocal::new(3).offset(5.0).apply(&flat.view())?;
    /// assert!(t.iter().all(|&v| (v - 35.0).abs() < 1e-12));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply<T: Element, U: FilterOutput>(
        &self,
        image: &ArrayViewD<'_, T>,
    ) -> Result<ArrayD<U>> {
        let shape = image.shape().to_vec();
        let chunks = match &self.chunks {
            Some(c) => c.clone(),
            None => {
                let ones = vec![1; shape.len()];
                split_for_workers(&shape, &shape, &ones, rayon::current_num_threads())
            }
        };
        let source = ArraySource::new(image.to_owned()).with_chunks(&chunks)?;
        let whole = ThresholdLocal {
            chunks: None,
            ..self.clone()
        };
        whole.lazy::<_, U>(source)?.read(&Region::full(&shape))
    }

    /// The threshold image of `source` as a lazy [`Source`] of `U`, computed
    /// chunk by chunk; equal to [`Self::apply`] at any chunking.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndfilters::ThresholdLocal;
    /// use tesserae::{store, ArraySink, ArraySource, Executor};
    /// let image = ArrayD::from_shape_fn(vec![20, 24], |i| ((i[0] * i[1]) % 31) as f32);
    /// let local = ThresholdLocal::new(9);
    /// let whole: ArrayD<f32> = local.apply(&image.view())?;
    /// let lazy = local.lazy::<_, f32>(ArraySource::new(image).with_chunks(&[6, 5])?)?;
    /// let mut sink = ArraySink::new(&[20, 24]);
    /// store(&Executor::new(), &lazy, &mut sink)?;
    /// assert_eq!(sink.into_array(), whole);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn lazy<'a, S: Source + 'a, U: FilterOutput>(
        &self,
        source: S,
    ) -> Result<Box<dyn Source<Elem = U> + 'a>> {
        let ndim = source.ndim();
        let sizes = self.sizes(ndim)?;
        let offset = U::from_f64(self.offset).as_f64();
        let subtract = move |block: ArrayViewD<'_, U>, _: &Region| {
            Ok(block.mapv(|v| U::from_f64(v.as_f64() - offset)))
        };
        let chunks = self.chunks.as_deref();
        Ok(match self.method {
            LocalMethod::Gaussian => {
                let sigma = match &self.sigma {
                    Some(s) => s.clone(),
                    None => sizes.iter().map(|&b| (b as f64 - 1.0) / 6.0).collect(),
                };
                let mut filter = GaussianFilter::sigmas(&sigma).mode(self.mode);
                if let Some(c) = chunks {
                    filter = filter.chunks(c);
                }
                Box::new(map_blocks(filter.lazy::<S, U>(source)?, None, subtract)?)
            }
            LocalMethod::Mean => {
                let mut filter = UniformFilter::sizes(&sizes).mode(self.mode);
                if let Some(c) = chunks {
                    filter = filter.chunks(c);
                }
                Box::new(map_blocks(filter.lazy::<S, U>(source)?, None, subtract)?)
            }
            LocalMethod::Median => {
                // scikit-image casts the image to the float type first.
                let cast = map_blocks(source, chunks, |block: ArrayViewD<'_, S::Elem>, _| {
                    Ok(block.mapv(|v| U::from_f64(v.as_f64())))
                })?;
                let median = RankFilter::new(RankKind::Median)
                    .size(&sizes)
                    .mode(self.mode)
                    .lazy(cast)?;
                Box::new(map_blocks(median, None, subtract)?)
            }
        })
    }

    /// The mask `image > threshold_local(image, …)` of `source` (1 above,
    /// 0 elsewhere, `u8`), lazily, with the threshold in scikit-image's type
    /// (`f32` for `f32` images, `f64` otherwise).
    ///
    /// ```
    /// use ndarray::{array, ArrayD};
    /// use tesserae::ndfilters::{LocalMethod, ThresholdLocal};
    /// use tesserae::{ArraySource, Region, Source};
    /// let image = array![[0u8, 0, 0], [0, 9, 0], [0, 0, 0]].into_dyn();
    /// let local = ThresholdLocal::new(3).method(LocalMethod::Mean);
    /// let mask = local.mask(ArraySource::new(image))?;
    /// let expected = array![[0u8, 0, 0], [0, 1, 0], [0, 0, 0]].into_dyn();
    /// assert_eq!(mask.read(&Region::full(&[3, 3]))?, expected);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn mask<'a, S: Source + 'a>(&self, source: S) -> Result<Box<dyn Source<Elem = u8> + 'a>> {
        let image = std::sync::Arc::new(source);
        Ok(if <S::Elem as Element>::DTYPE == DataType::F32 {
            let threshold = self.lazy::<_, f32>(image.clone())?;
            Box::new(Above { image, threshold })
        } else {
            let threshold = self.lazy::<_, f64>(image.clone())?;
            Box::new(Above { image, threshold })
        })
    }
}

/// `image > threshold`, voxel by voxel, chunked as the threshold.
struct Above<'a, S, U> {
    image: S,
    threshold: Box<dyn Source<Elem = U> + 'a>,
}

impl<S: Source, U: Element> Source for Above<'_, S, U> {
    type Elem = u8;

    fn shape(&self) -> &[usize] {
        self.image.shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        self.threshold.chunk_shape()
    }

    fn read(&self, region: &Region) -> Result<ArrayD<u8>> {
        let threshold = self.threshold.read(region)?;
        let mut out = ArrayD::zeros(threshold.raw_dim());
        self.image.read_view(region, &mut |view| {
            Zip::from(&mut out)
                .and(&view)
                .and(&threshold)
                .for_each(|o, v, t| *o = u8::from(v.as_f64() > t.as_f64()));
            Ok(())
        })?;
        Ok(out)
    }

    fn voxel_size(&self) -> Option<VoxelSize> {
        self.image.voxel_size()
    }
}

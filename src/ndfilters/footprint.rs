//! The neighbourhood a filter reads: a boolean mask placed with scipy's `origin`.

use ndarray::{ArrayD, ArrayViewD, IxDyn};

use crate::ndmeasure::Structure;
use crate::{Error, Result};

/// A filter's footprint: a non-empty boolean mask of any shape and an origin
/// shift per axis, as scipy's `footprint`/`size` and `origin` arguments.
///
/// Element `j` along an axis of length `n` reads the input at offset
/// `j - n / 2 - origin` from the output voxel, exactly as
/// `scipy.ndimage.correlate` places its weights.
///
/// ```
/// use tesserae::ndfilters::Footprint;
/// let footprint = Footprint::size(&[3, 4])?;
/// assert_eq!(footprint.offsets().len(), 12);
/// assert_eq!(footprint.depth(), vec![1, 2]);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Footprint {
    mask: ArrayD<bool>,
    origin: Vec<isize>,
}

impl Footprint {
    /// A footprint from a boolean mask (scipy's `footprint`), centred.
    ///
    /// Errors when the mask has no axes, an axis of length 0, or no true element.
    ///
    /// ```
    /// use ndarray::{arr2, Array2};
    /// use tesserae::ndfilters::Footprint;
    /// let cross = arr2(&[[false, true, false], [true, true, true], [false, true, false]]);
    /// let footprint = Footprint::new(cross.view().into_dyn())?;
    /// assert_eq!(footprint.offsets().len(), 5);
    /// assert!(Footprint::new(Array2::<bool>::default((3, 3)).view().into_dyn()).is_err());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn new(mask: ArrayViewD<'_, bool>) -> Result<Self> {
        if mask.ndim() == 0 || mask.shape().contains(&0) {
            return Err(Error::InvalidArgument(format!(
                "footprint shape {:?} must have at least one axis and no empty axis",
                mask.shape()
            )));
        }
        if !mask.iter().any(|&on| on) {
            return Err(Error::InvalidArgument(
                "footprint has no true element".into(),
            ));
        }
        Ok(Footprint {
            origin: vec![0; mask.ndim()],
            mask: mask.to_owned(),
        })
    }

    /// A full box of the given shape (scipy's `size`).
    ///
    /// ```
    /// use tesserae::ndfilters::Footprint;
    /// assert!(Footprint::size(&[3, 3, 3])?.is_box());
    /// assert!(Footprint::size(&[3, 0]).is_err());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn size(shape: &[usize]) -> Result<Self> {
        Footprint::new(ArrayD::from_elem(IxDyn(shape), true).view())
    }

    /// The footprint of a connectivity structure (scipy's `structure` for
    /// binary morphology, `generate_binary_structure`).
    ///
    /// ```
    /// use tesserae::ndfilters::Footprint;
    /// use tesserae::Structure;
    /// let footprint = Footprint::from_structure(&Structure::connectivity(3, 1)?);
    /// assert_eq!(footprint.offsets().len(), 7);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn from_structure(structure: &Structure) -> Self {
        Footprint {
            origin: vec![0; structure.ndim()],
            mask: structure.to_array(),
        }
    }

    /// Shifts the footprint by scipy's `origin`: a positive origin moves it
    /// towards lower indices. Along an axis of length `n` the origin must lie
    /// in `-(n / 2) ..= (n - 1) / 2`, as scipy requires.
    ///
    /// ```
    /// use tesserae::ndfilters::Footprint;
    /// let footprint = Footprint::size(&[3])?.with_origin(&[1])?;
    /// assert_eq!(footprint.offsets(), vec![vec![-2], vec![-1], vec![0]]);
    /// assert!(Footprint::size(&[3])?.with_origin(&[2]).is_err());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn with_origin(mut self, origin: &[isize]) -> Result<Self> {
        if origin.len() != self.ndim() {
            return Err(Error::InvalidArgument(format!(
                "origin has {} values for a {}-d footprint",
                origin.len(),
                self.ndim()
            )));
        }
        for (&o, &n) in origin.iter().zip(self.mask.shape()) {
            let n = n as isize;
            if o < -(n / 2) || o > (n - 1) / 2 {
                return Err(Error::InvalidArgument(format!(
                    "origin {o} is outside -{}..={} for a footprint axis of length {n}",
                    n / 2,
                    (n - 1) / 2
                )));
            }
        }
        self.origin = origin.to_vec();
        Ok(self)
    }

    /// The number of axes.
    ///
    /// ```
    /// use tesserae::ndfilters::Footprint;
    /// assert_eq!(Footprint::size(&[5, 5])?.ndim(), 2);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn ndim(&self) -> usize {
        self.mask.ndim()
    }

    /// The mask.
    ///
    /// ```
    /// use tesserae::ndfilters::Footprint;
    /// assert_eq!(Footprint::size(&[2, 3])?.mask().shape(), &[2, 3]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn mask(&self) -> ArrayViewD<'_, bool> {
        self.mask.view()
    }

    /// The origin per axis.
    ///
    /// ```
    /// use tesserae::ndfilters::Footprint;
    /// assert_eq!(Footprint::size(&[3, 3])?.origin(), &[0, 0]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn origin(&self) -> &[isize] {
        &self.origin
    }

    /// Whether every element of the mask is true (a `size` footprint), which
    /// separable and running-window algorithms need.
    ///
    /// ```
    /// use tesserae::ndfilters::Footprint;
    /// use tesserae::Structure;
    /// assert!(!Footprint::from_structure(&Structure::connectivity(2, 1)?).is_box());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn is_box(&self) -> bool {
        self.mask.iter().all(|&on| on)
    }

    /// The offset from the output voxel of the input each true element reads,
    /// in C order of the mask.
    ///
    /// ```
    /// use tesserae::ndfilters::Footprint;
    /// assert_eq!(Footprint::size(&[2])?.offsets(), vec![vec![-1], vec![0]]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn offsets(&self) -> Vec<Vec<isize>> {
        self.mask
            .indexed_iter()
            .filter(|&(_, &on)| on)
            .map(|(index, _)| {
                (0..self.ndim())
                    .map(|axis| self.offset(axis, index[axis]))
                    .collect()
            })
            .collect()
    }

    /// The offsets in scikit-image's neighbour order (its
    /// `_offsets_to_raveled_neighbors`): C order stably sorted by length, the
    /// first (the centre, when the footprint holds it) left out.
    pub(crate) fn neighbour_order(&self) -> Vec<Vec<isize>> {
        let mut offsets = self.offsets();
        offsets.sort_by_key(|o| o.iter().map(|&d| d * d).sum::<isize>());
        if !offsets.is_empty() {
            offsets.remove(0);
        }
        offsets
    }

    /// The offset element `j` along `axis` reads: `j - n / 2 - origin`.
    fn offset(&self, axis: usize, j: usize) -> isize {
        j as isize - (self.mask.shape()[axis] / 2) as isize - self.origin[axis]
    }

    /// The halo depth per axis a blockwise run needs: the largest distance
    /// the footprint reaches on either side.
    ///
    /// ```
    /// use tesserae::ndfilters::Footprint;
    /// let footprint = Footprint::size(&[3, 4])?.with_origin(&[-1, 1])?;
    /// assert_eq!(footprint.depth(), vec![2, 3]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn depth(&self) -> Vec<usize> {
        (0..self.ndim())
            .map(|axis| {
                let last = self.mask.shape()[axis] - 1;
                let low = self.offset(axis, 0);
                let high = self.offset(axis, last);
                low.unsigned_abs().max(high.unsigned_abs())
            })
            .collect()
    }

    /// The footprint mirrored through its centre, as convolution and grey
    /// dilation use it (scipy flips the weights and negates the origin,
    /// shifting it by one on even axes).
    ///
    /// ```
    /// use tesserae::ndfilters::Footprint;
    /// let footprint = Footprint::size(&[4])?.reflected()?;
    /// assert_eq!(footprint.offsets(), vec![vec![-1], vec![0], vec![1], vec![2]]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn reflected(&self) -> Result<Self> {
        let mut mask = self.mask.clone();
        for axis in 0..mask.ndim() {
            mask.invert_axis(ndarray::Axis(axis));
        }
        let origin: Vec<isize> = self
            .origin
            .iter()
            .zip(self.mask.shape())
            .map(|(&o, &n)| -o - isize::from(n % 2 == 0))
            .collect();
        Footprint::new(mask.view())?.with_origin(&origin)
    }
}

//! [`Structure`] (a scipy structuring element) and the [`Connectivity`] shorthand.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::{Error, Result};

/// Which neighbours of a voxel belong to the same object: a `3 × 3 × … × 3`
/// boolean mask centred on the voxel, as `scipy.ndimage.label`'s `structure`.
///
/// The mask must be centrally symmetric (if a voxel connects to its neighbour
/// at offset `d`, that neighbour connects back at `-d`); the centre element is
/// ignored.
///
/// ```
/// use ndarray::{arr2, ArrayD};
/// use tesserae::ndmeasure::Structure;
///
/// // scipy.ndimage.generate_binary_structure(2, 1)
/// let cross = Structure::connectivity(2, 1)?;
/// assert!(cross.contains(&[0, 1]) && !cross.contains(&[1, 1]));
///
/// // A diagonal-only structure is symmetric, hence valid ...
/// let diag = arr2(&[[true, false, false], [false, true, false], [false, false, true]]);
/// assert!(Structure::new(diag.into_dyn().view()).is_ok());
/// // ... one that connects only up-left is not.
/// let bad = arr2(&[[true, false, false], [false, true, false], [false, false, false]]);
/// assert!(Structure::new(bad.into_dyn().view()).is_err());
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Structure {
    ndim: usize,
    /// `3^ndim` flags in C order; index `Σ (d_k + 1) 3^(ndim-1-k)`.
    mask: Vec<bool>,
}

impl Structure {
    /// Validates a structuring element: rank ≥ 1, every extent 3, centrally symmetric.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::ndmeasure::Structure;
    /// let full = ArrayD::from_elem(vec![3, 3, 3], true);
    /// assert_eq!(Structure::new(full.view())?, Structure::full(3)?);
    /// assert!(Structure::new(ArrayD::from_elem(vec![3, 2], true).view()).is_err());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn new(mask: ArrayViewD<'_, bool>) -> Result<Self> {
        if mask.ndim() == 0 || mask.shape().iter().any(|&n| n != 3) {
            return Err(Error::InvalidArgument(format!(
                "a structuring element must have shape 3 along every axis, found {:?}",
                mask.shape()
            )));
        }
        let ndim = mask.ndim();
        let flags: Vec<bool> = mask.iter().copied().collect();
        let structure = Structure { ndim, mask: flags };
        if (0..structure.mask.len())
            .any(|i| structure.mask[i] != structure.mask[structure.mask.len() - 1 - i])
        {
            return Err(Error::InvalidArgument(
                "a structuring element must be centrally symmetric".into(),
            ));
        }
        Ok(structure)
    }

    /// `scipy.ndimage.generate_binary_structure(ndim, connectivity)`: neighbours
    /// that differ from the centre along at most `connectivity` axes
    /// (1: faces; `ndim` or more: faces, edges and corners).
    ///
    /// ```
    /// use tesserae::ndmeasure::Structure;
    /// let s = Structure::connectivity(3, 2)?; // 18-connectivity
    /// assert_eq!(s.offsets().len(), 18);
    /// assert!(Structure::connectivity(3, 0).is_err());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn connectivity(ndim: usize, connectivity: usize) -> Result<Self> {
        if ndim == 0 {
            return Err(Error::InvalidArgument(
                "a structuring element needs at least one axis".into(),
            ));
        }
        if connectivity == 0 {
            return Err(Error::InvalidArgument(
                "connectivity counts axes and starts at 1".into(),
            ));
        }
        let mask = (0..3usize.pow(ndim as u32))
            .map(|i| offset_of(ndim, i).iter().filter(|&&d| d != 0).count() <= connectivity)
            .collect();
        Ok(Structure { ndim, mask })
    }

    /// The full structure: every voxel of the `3^ndim` cube (8-, 26-, … connectivity).
    ///
    /// ```
    /// assert_eq!(tesserae::ndmeasure::Structure::full(2)?.offsets().len(), 8);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn full(ndim: usize) -> Result<Self> {
        Structure::connectivity(ndim, ndim.max(1))
    }

    /// Number of axes.
    ///
    /// ```
    /// assert_eq!(tesserae::ndmeasure::Structure::full(3)?.ndim(), 3);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn ndim(&self) -> usize {
        self.ndim
    }

    /// True when the neighbour at `offset` (each component -1, 0 or 1) is connected.
    ///
    /// ```
    /// let s = tesserae::ndmeasure::Structure::connectivity(2, 1)?;
    /// assert!(s.contains(&[-1, 0]));
    /// assert!(!s.contains(&[-1, -1]));
    /// assert!(!s.contains(&[2, 0]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn contains(&self, offset: &[isize]) -> bool {
        if offset.len() != self.ndim || offset.iter().any(|d| !(-1..=1).contains(d)) {
            return false;
        }
        let index = offset.iter().fold(0, |acc, &d| acc * 3 + (d + 1) as usize);
        self.mask[index]
    }

    /// The connected offsets, centre excluded, in C order.
    ///
    /// ```
    /// let s = tesserae::ndmeasure::Structure::connectivity(2, 1)?;
    /// assert_eq!(s.offsets(), vec![vec![-1, 0], vec![0, -1], vec![0, 1], vec![1, 0]]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn offsets(&self) -> Vec<Vec<isize>> {
        let centre = self.mask.len() / 2;
        (0..self.mask.len())
            .filter(|&i| i != centre && self.mask[i])
            .map(|i| offset_of(self.ndim, i))
            .collect()
    }

    /// The mask as a `3^ndim` boolean array.
    ///
    /// ```
    /// let s = tesserae::ndmeasure::Structure::connectivity(2, 1)?;
    /// assert_eq!(s.to_array().shape(), &[3, 3]);
    /// assert!(!s.to_array()[[0, 0]]);
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn to_array(&self) -> ArrayD<bool> {
        ArrayD::from_shape_vec(vec![3; self.ndim], self.mask.clone())
            .unwrap_or_else(|_| unreachable!("the mask has 3^ndim flags"))
    }
}

/// The offset (components in -1..=1) of flag `index` of a `3^ndim` mask.
fn offset_of(ndim: usize, mut index: usize) -> Vec<isize> {
    let mut offset = vec![0; ndim];
    for d in offset.iter_mut().rev() {
        *d = (index % 3) as isize - 1;
        index /= 3;
    }
    offset
}

/// Shorthand for the usual structures, independent of the rank: resolved with
/// [`Connectivity::structure`] once the image's rank is known.
///
/// ```
/// use tesserae::ndmeasure::{Connectivity, Structure};
/// assert_eq!(Connectivity::Face.structure(3)?.offsets().len(), 6);
/// assert_eq!(Connectivity::Full.structure(3)?, Structure::full(3)?);
/// assert_eq!(Connectivity::Axes(2).structure(3)?.offsets().len(), 18);
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Connectivity {
    /// Neighbours across faces only (4 in 2D, 6 in 3D): scipy's default.
    Face,
    /// Neighbours across faces, edges and corners (8 in 2D, 26 in 3D).
    Full,
    /// Neighbours that differ along at most this many axes (scikit-image's `connectivity`).
    Axes(usize),
}

impl Connectivity {
    /// The structure of this connectivity for images of rank `ndim`.
    ///
    /// ```
    /// use tesserae::ndmeasure::Connectivity;
    /// assert_eq!(Connectivity::Full.structure(2)?.offsets().len(), 8);
    /// assert!(Connectivity::Axes(0).structure(2).is_err());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn structure(self, ndim: usize) -> Result<Structure> {
        match self {
            Connectivity::Face => Structure::connectivity(ndim, 1),
            Connectivity::Full => Structure::full(ndim),
            Connectivity::Axes(c) => Structure::connectivity(ndim, c),
        }
    }
}

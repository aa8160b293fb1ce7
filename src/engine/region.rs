//! [`Region`]: an N-d box of an array.

use ndarray::{ArrayRef, ArrayViewD, ArrayViewMutD, IxDyn, Slice};

/// An axis-aligned box inside an array: a start corner and a shape, in voxels.
///
/// ```
/// use tesserae::Region;
///
/// let a = Region::new(vec![0, 4], vec![10, 4]);
/// let b = Region::new(vec![5, 0], vec![10, 6]);
/// assert_eq!(a.intersect(&b), Some(Region::new(vec![5, 4], vec![5, 2])));
/// assert_eq!(a.end(), vec![10, 8]);
/// assert_eq!(a.len(), 40);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Region {
    start: Vec<usize>,
    shape: Vec<usize>,
}

impl Region {
    /// A region from its start corner and shape.
    ///
    /// # Panics
    /// If `start` and `shape` have different lengths (a programming error).
    pub fn new(start: Vec<usize>, shape: Vec<usize>) -> Self {
        assert_eq!(
            start.len(),
            shape.len(),
            "region start and shape ranks differ"
        );
        Region { start, shape }
    }

    /// The region covering a whole array of the given shape.
    ///
    /// ```
    /// let r = tesserae::Region::full(&[3, 4]);
    /// assert_eq!(r.start(), &[0, 0]);
    /// ```
    pub fn full(shape: &[usize]) -> Self {
        Region::new(vec![0; shape.len()], shape.to_vec())
    }

    /// A region from its start (inclusive) and end (exclusive) corners.
    pub fn from_bounds(start: Vec<usize>, end: &[usize]) -> Self {
        let shape = start
            .iter()
            .zip(end)
            .map(|(&s, &e)| e.saturating_sub(s))
            .collect();
        Region::new(start, shape)
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// The first voxel.
    pub fn start(&self) -> &[usize] {
        &self.start
    }

    /// Extent along every axis.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// One past the last voxel along every axis.
    pub fn end(&self) -> Vec<usize> {
        self.start
            .iter()
            .zip(&self.shape)
            .map(|(s, n)| s + n)
            .collect()
    }

    /// Number of voxels.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when the region holds no voxel.
    pub fn is_empty(&self) -> bool {
        self.shape.contains(&0)
    }

    /// The common part of two regions, if they overlap.
    pub fn intersect(&self, other: &Region) -> Option<Region> {
        let start: Vec<usize> = self
            .start
            .iter()
            .zip(&other.start)
            .map(|(a, b)| *a.max(b))
            .collect();
        let end: Vec<usize> = self
            .end()
            .iter()
            .zip(other.end())
            .map(|(a, b)| *a.min(&b))
            .collect();
        if start.iter().zip(&end).any(|(s, e)| s >= e) {
            return None;
        }
        Some(Region::from_bounds(start, &end))
    }

    /// True when `other` lies entirely inside `self`.
    ///
    /// ```
    /// use tesserae::Region;
    /// let outer = Region::full(&[8, 8]);
    /// assert!(outer.contains(&Region::new(vec![2, 2], vec![6, 6])));
    /// assert!(!outer.contains(&Region::new(vec![2, 2], vec![7, 6])));
    /// ```
    pub fn contains(&self, other: &Region) -> bool {
        let end = self.end();
        other.ndim() == self.ndim()
            && other
                .start
                .iter()
                .zip(other.end())
                .zip(self.start.iter().zip(&end))
                .all(|((os, oe), (s, e))| os >= s && oe <= *e)
    }

    /// The region grown by `depth` voxels on both sides of every axis, clipped to
    /// an array of shape `bounds`.
    ///
    /// ```
    /// use tesserae::Region;
    /// let r = Region::new(vec![0, 4], vec![4, 4]);
    /// assert_eq!(r.grow(&[2, 2], &[10, 10]), Region::new(vec![0, 2], vec![6, 8]));
    /// ```
    pub fn grow(&self, depth: &[usize], bounds: &[usize]) -> Region {
        let start: Vec<usize> = self
            .start
            .iter()
            .zip(depth)
            .map(|(s, d)| s.saturating_sub(*d))
            .collect();
        let end: Vec<usize> = self
            .end()
            .iter()
            .zip(depth)
            .zip(bounds)
            .map(|((e, d), b)| (e + d).min(*b))
            .collect();
        Region::from_bounds(start, &end)
    }

    /// This region in the coordinates of `outer` (which must contain it).
    ///
    /// ```
    /// use tesserae::Region;
    /// let outer = Region::new(vec![10, 10], vec![5, 5]);
    /// let inner = Region::new(vec![12, 11], vec![2, 2]);
    /// assert_eq!(inner.relative_to(&outer), Region::new(vec![2, 1], vec![2, 2]));
    /// ```
    pub fn relative_to(&self, outer: &Region) -> Region {
        debug_assert!(outer.contains(self));
        Region::new(
            self.start
                .iter()
                .zip(&outer.start)
                .map(|(a, b)| a - b)
                .collect(),
            self.shape.clone(),
        )
    }

    /// This region moved by `offset` (added to the start).
    pub fn offset(&self, offset: &[usize]) -> Region {
        Region::new(
            self.start.iter().zip(offset).map(|(a, b)| a + b).collect(),
            self.shape.clone(),
        )
    }

    /// The part of `array` this region covers, reading the region in the array's own coordinates.
    ///
    /// ```
    /// use ndarray::ArrayD;
    /// use tesserae::Region;
    /// let a = ArrayD::from_shape_fn(vec![4, 4], |i| i[0] * 4 + i[1]);
    /// let v = Region::new(vec![1, 2], vec![2, 2]).view(&a);
    /// assert_eq!(v.iter().copied().collect::<Vec<_>>(), vec![6, 7, 10, 11]);
    /// ```
    pub fn view<'a, T>(&self, array: &'a ArrayRef<T, IxDyn>) -> ArrayViewD<'a, T> {
        array.slice_each_axis(|ax| self.axis_slice(ax.axis.index()))
    }

    /// Mutable form of [`Region::view`].
    pub fn view_mut<'a, T>(&self, array: &'a mut ArrayRef<T, IxDyn>) -> ArrayViewMutD<'a, T> {
        array.slice_each_axis_mut(|ax| self.axis_slice(ax.axis.index()))
    }

    fn axis_slice(&self, axis: usize) -> Slice {
        let s = self.start[axis] as isize;
        Slice::from(s..s + self.shape[axis] as isize)
    }
}

impl std::fmt::Display for Region {
    /// Formats as `[z0..z1, y0..y1, x0..x1]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[")?;
        for (i, (s, n)) in self.start.iter().zip(&self.shape).enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}..{}", s, s + n)?;
        }
        f.write_str("]")
    }
}

//! Region properties computed from one object's image (its boolean mask over
//! its bounding box), with scikit-image 0.26's definitions: `perimeter`,
//! `perimeter_crofton`, `euler_number`, `image_filled` / `area_filled`,
//! `intensity_median`, `image`, `image_intensity` and `coords`.
//!
//! The convex-hull properties (`image_convex`, `area_convex`, `solidity`,
//! `feret_diameter_max`) are in [`image_convex`](super::image_convex).
//!
//! ```
//! use ndarray::array;
//! use tesserae::ndmeasure::{area_filled, euler_number, perimeter};
//!
//! // A 3 × 3 ring: one object with one hole.
//! let ring = array![[true, true, true], [true, false, true], [true, true, true]].into_dyn();
//! assert_eq!(euler_number(ring.view())?, 0);
//! assert_eq!(area_filled(ring.view(), &[1.0, 1.0])?, 9.0);
//! assert_eq!(perimeter(ring.view(), &[1.0, 1.0])?, 8.0);
//! # Ok::<(), tesserae::Error>(())
//! ```

use std::f64::consts::{PI, SQRT_2};
use std::ops::Range;

use ndarray::{Array2, ArrayD, ArrayViewD, Axis, Zip};

use crate::engine::{Element, Region};
use crate::error::{Error, Result};
use crate::ndmeasure::LabelValue;

/// The object's mask: `labels == label` over a crop of a label image
/// (scikit-image's `image`).
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::image;
/// let crop = array![[3u16, 0], [3, 4]].into_dyn();
/// assert_eq!(image(crop.view(), 3), array![[true, false], [true, false]].into_dyn());
/// ```
pub fn image<L: LabelValue>(labels: ArrayViewD<'_, L>, label: u64) -> ArrayD<bool> {
    labels.mapv(|v| v.to_label() == Some(label))
}

/// The intensity under the mask, zero elsewhere (scikit-image's `image_intensity`).
///
/// Fails with [`Error::ShapeMismatch`] when the two crops differ in shape.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::image_intensity;
/// let mask = array![[true, false], [true, true]].into_dyn();
/// let intensity = array![[5u8, 6], [7, 8]].into_dyn();
/// let masked = image_intensity(mask.view(), intensity.view())?;
/// assert_eq!(masked, array![[5u8, 0], [7, 8]].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn image_intensity<T: Element>(
    mask: ArrayViewD<'_, bool>,
    intensity: ArrayViewD<'_, T>,
) -> Result<ArrayD<T>> {
    check_same_shape(&mask, intensity.shape())?;
    Ok(Zip::from(&mask)
        .and(&intensity)
        .map_collect(|&m, &v| if m { v } else { T::zero() }))
}

/// The coordinates of the object's voxels in the full array, one row per voxel
/// in C order (scikit-image's `coords`); `bbox` is where the mask lies.
///
/// Fails with [`Error::ShapeMismatch`] when `bbox` and the mask differ in shape.
///
/// ```
/// use ndarray::array;
/// use tesserae::{ndmeasure::coords, Region};
/// let mask = array![[true, false], [false, true]].into_dyn();
/// let c = coords(mask.view(), &Region::new(vec![10, 20], vec![2, 2]))?;
/// assert_eq!(c, array![[10, 20], [11, 21]]);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn coords(mask: ArrayViewD<'_, bool>, bbox: &Region) -> Result<Array2<usize>> {
    check_same_shape(&mask, bbox.shape())?;
    let ndim = mask.ndim();
    let mut flat = Vec::new();
    for (index, &m) in mask.indexed_iter() {
        if m {
            flat.extend((0..ndim).map(|k| index[k] + bbox.start()[k]));
        }
    }
    let rows = flat.len() / ndim.max(1);
    Array2::from_shape_vec((rows, ndim), flat).map_err(|e| Error::Failed(e.to_string()))
}

/// The perimeter of a 2-D object, scikit-image's `perimeter` with its default
/// 4-neighbourhood: the border pixels (those not kept by an erosion with the
/// 4-connected cross) weighted by their border neighbours, times the spacing.
///
/// Like scikit-image, fails for images that are not 2-D and for anisotropic
/// spacing ([`Error::InvalidArgument`]).
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndmeasure::perimeter;
/// let square = ArrayD::from_elem(vec![3, 3], true);
/// assert_eq!(perimeter(square.view(), &[1.0, 1.0])?, 8.0);
/// assert_eq!(perimeter(square.view(), &[0.5, 0.5])?, 4.0);
/// assert!(perimeter(square.view(), &[1.0, 2.0]).is_err());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn perimeter(mask: ArrayViewD<'_, bool>, spacing: &[f64]) -> Result<f64> {
    let scale = isotropic_2d("perimeter", &mask, spacing)?;
    let padded = Grid::from_mask(&mask, 1, 0u8, u8::from);
    let (w, data) = (padded.strides[0], &padded.data);
    let mut border = vec![0u8; data.len()];
    padded.for_each_row(1, 1, |row| {
        for i in row {
            border[i] = data[i] & !(data[i - 1] & data[i + 1] & data[i - w] & data[i + w]);
        }
    });
    let mut total = 0.0;
    padded.for_each_row(1, 1, |row| {
        for i in row {
            if border[i] == 1 {
                let edges = border[i - 1] + border[i + 1] + border[i - w] + border[i + w];
                let corners =
                    border[i - w - 1] + border[i - w + 1] + border[i + w - 1] + border[i + w + 1];
                total += perimeter_weight(1 + 2 * usize::from(edges) + 10 * usize::from(corners));
            }
        }
    });
    Ok(total * scale)
}

/// scikit-image's weight of a border pixel by its convolution code
/// `1 + 2 · (edge neighbours) + 10 · (corner neighbours)`.
fn perimeter_weight(code: usize) -> f64 {
    match code {
        5 | 7 | 15 | 17 | 25 | 27 => 1.0,
        21 | 33 => SQRT_2,
        13 | 23 => (1.0 + SQRT_2) / 2.0,
        _ => 0.0,
    }
}

/// The Crofton perimeter of a 2-D object, scikit-image's `perimeter_crofton`
/// with its default 4 directions, times the spacing.
///
/// Like scikit-image, fails for images that are not 2-D and for anisotropic
/// spacing ([`Error::InvalidArgument`]).
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndmeasure::perimeter_crofton;
/// let pixel = ArrayD::from_elem(vec![1, 1], true);
/// assert!((perimeter_crofton(pixel.view(), &[1.0, 1.0])? - 2.681517061334488).abs() < 1e-12);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn perimeter_crofton(mask: ArrayViewD<'_, bool>, spacing: &[f64]) -> Result<f64> {
    let scale = isotropic_2d("perimeter_crofton", &mask, spacing)?;
    let a = PI / 4.0 * (1.0 + 1.0 / SQRT_2);
    let b = PI / (4.0 * SQRT_2);
    let c = PI / (2.0 * SQRT_2);
    let (q, h) = (PI / 4.0, PI / 2.0);
    // Indexed by the 2 × 2 configuration: bit 1 = (i, j), 2 = (i-1, j),
    // 4 = (i, j-1), 8 = (i-1, j-1).
    let coefs = [0.0, a, b, c, 0.0, a, 0.0, b, q, h, b, b, q, h, 0.0, 0.0];
    let histogram = window_histogram(&mask, |corner| match corner {
        [0, 0] => 1,
        [1, 0] => 2,
        [0, 1] => 4,
        _ => 8,
    });
    let total: f64 = histogram
        .iter()
        .zip(coefs)
        .map(|(&n, c)| n as f64 * c)
        .sum();
    Ok(total * scale)
}

/// The Euler characteristic of a 2-D or 3-D object, scikit-image's
/// `euler_number` with its defaults for region properties: 8-connected
/// foreground in 2-D, 26-connected in 3-D (number of objects minus number of
/// holes, plus cavities in 3-D).
///
/// Fails for other ranks ([`Error::InvalidArgument`]), as scikit-image does.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndmeasure::euler_number;
/// let mut shell = ArrayD::from_elem(vec![3, 3, 3], true);
/// shell[[1, 1, 1]] = false;
/// assert_eq!(euler_number(shell.view())?, 2);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn euler_number(mask: ArrayViewD<'_, bool>) -> Result<i64> {
    let ndim = mask.ndim();
    if ndim != 2 && ndim != 3 {
        return Err(Error::InvalidArgument(format!(
            "euler_number is implemented for 2-D and 3-D images only, not {ndim}-D"
        )));
    }
    let table = euler_table(ndim);
    let histogram = window_histogram(&mask, |corner| {
        1 << corner.iter().fold(0, |acc, &e| acc * 2 + e)
    });
    Ok(histogram
        .iter()
        .zip(&table)
        .map(|(&n, &c)| n as i64 * c)
        .sum())
}

/// Contribution of each `2^ndim`-voxel window configuration to the Euler
/// characteristic of the union of closed voxels, with window bit
/// `Σ e_k 2^(ndim-1-k)` for the corner at offset `-e` from the window position.
///
/// A window position stands for one cell of each type: for every subset `t` of
/// the axes, the cell that is an interval along the axes of `t` and a point
/// along the others. It exists when a voxel touching it is set: along an
/// interval axis only the voxel at offset 0 touches it, along a point axis both
/// do. The Euler characteristic is Σ (-1)^dim over existing cells.
fn euler_table(ndim: usize) -> Vec<i64> {
    let corners = 1usize << ndim;
    (0..1usize << corners)
        .map(|config| {
            (0..corners)
                .map(|t| {
                    let exists =
                        (0..corners).any(|corner| config >> corner & 1 == 1 && corner & t == 0);
                    let sign = if t.count_ones() % 2 == 0 { 1 } else { -1 };
                    if exists { sign } else { 0 }
                })
                .sum()
        })
        .collect()
}

/// The filled object, scikit-image's `image_filled`: holes (background not
/// connected to the border of the box through the full 3^n neighbourhood)
/// are set.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::image_filled;
/// let ring = array![[true, true, true], [true, false, true], [true, true, true]].into_dyn();
/// assert!(image_filled(ring.view()).iter().all(|&v| v));
/// // A gap open only diagonally to the outside is not a hole.
/// let open = array![[true, true, false], [true, false, true], [true, true, true]].into_dyn();
/// assert_eq!(image_filled(open.view()), open);
/// ```
pub fn image_filled(mask: ArrayViewD<'_, bool>) -> ArrayD<bool> {
    const WALL: u8 = 1;
    const OUTSIDE: u8 = 2;
    // Two layers of padding: a wall, then background joining every border
    // voxel of the box, from which the outside is flooded.
    let mut grid = Grid::from_mask(&mask, 2, WALL, |m| if m { WALL } else { 0 });
    let mut ring = Vec::new();
    grid.for_each_row(1, 1, |row| ring.push(row));
    for row in ring {
        for i in row {
            if grid.is_padding(i, 2) {
                grid.data[i] = 0;
            }
        }
    }
    let offsets = grid.neighbour_offsets();
    let state = &mut grid.data;
    let seed: usize = grid.strides.iter().sum();
    state[seed] = OUTSIDE;
    let mut stack = vec![seed];
    while let Some(i) = stack.pop() {
        for &o in &offsets {
            let j = i.wrapping_add_signed(o);
            if state[j] == 0 {
                state[j] = OUTSIDE;
                stack.push(j);
            }
        }
    }
    let mut filled = Vec::with_capacity(mask.len());
    grid.for_each_row(2, 2, |row| {
        filled.extend(row.map(|i| grid.data[i] != OUTSIDE));
    });
    ArrayD::from_shape_vec(mask.shape(), filled)
        .unwrap_or_else(|_| ArrayD::from_elem(mask.shape(), false))
}

/// The filled area, scikit-image's `area_filled`: voxels of
/// [`image_filled`] times the voxel volume (the product of `spacing`).
///
/// Fails with [`Error::InvalidArgument`] when `spacing` does not have one entry per axis.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::area_filled;
/// let ring = array![[true, true, true], [true, false, true], [true, true, true]].into_dyn();
/// assert_eq!(area_filled(ring.view(), &[2.0, 0.5])?, 9.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn area_filled(mask: ArrayViewD<'_, bool>, spacing: &[f64]) -> Result<f64> {
    let voxel = voxel_volume(mask.ndim(), spacing)?;
    Ok(image_filled(mask).iter().filter(|&&v| v).count() as f64 * voxel)
}

/// The exact median of the intensity under the mask, scikit-image's
/// `intensity_median` (numpy's median: the mean of the two middle values for
/// an even count; NaN when a value is NaN or the mask is empty).
///
/// Fails with [`Error::ShapeMismatch`] when the two crops differ in shape.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::intensity_median;
/// let mask = array![[true, true], [false, true]].into_dyn();
/// let intensity = array![[4u16, 1], [100, 9]].into_dyn();
/// assert_eq!(intensity_median(mask.view(), intensity.view())?, 4.0);
/// let all = array![[true, true], [true, true]].into_dyn();
/// assert_eq!(intensity_median(all.view(), intensity.view())?, 6.5);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn intensity_median<T: Element>(
    mask: ArrayViewD<'_, bool>,
    intensity: ArrayViewD<'_, T>,
) -> Result<f64> {
    check_same_shape(&mask, intensity.shape())?;
    let mut values: Vec<f64> =
        Zip::from(&mask)
            .and(&intensity)
            .fold(Vec::new(), |mut acc, &m, &v| {
                if m {
                    acc.push(v.as_f64());
                }
                acc
            });
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return Ok(f64::NAN);
    }
    let n = values.len();
    let (lower, &mut upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        return Ok(upper);
    }
    let below = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Ok((below + upper) / 2.0)
}

/// The volume of one voxel: the product of `spacing`, which must have one
/// entry per axis.
pub(crate) fn voxel_volume(ndim: usize, spacing: &[f64]) -> Result<f64> {
    if spacing.len() != ndim {
        return Err(Error::InvalidArgument(format!(
            "spacing has {} entries for a {ndim}-D image",
            spacing.len()
        )));
    }
    Ok(spacing.iter().product())
}

/// The common spacing of a 2-D image with isotropic spacing; an error otherwise.
fn isotropic_2d(what: &str, mask: &ArrayViewD<'_, bool>, spacing: &[f64]) -> Result<f64> {
    if mask.ndim() != 2 {
        return Err(Error::InvalidArgument(format!(
            "{what} is implemented for 2-D images only, not {}-D",
            mask.ndim()
        )));
    }
    voxel_volume(2, spacing)?;
    if spacing[0] != spacing[1] {
        return Err(Error::InvalidArgument(format!(
            "{what} supports isotropic spacing only, not {spacing:?}"
        )));
    }
    Ok(spacing[0])
}

fn check_same_shape(mask: &ArrayViewD<'_, bool>, shape: &[usize]) -> Result<()> {
    if mask.shape() != shape {
        return Err(Error::ShapeMismatch {
            expected: mask.shape().to_vec(),
            found: shape.to_vec(),
        });
    }
    Ok(())
}

/// Histogram of the `2^ndim`-voxel window configurations over the mask padded
/// by one zero voxel on each side: the window at padded position `p` holds the
/// voxels `p - e` for `e ∈ {0, 1}^ndim`, and `bit(e)` gives each corner's bit.
fn window_histogram(mask: &ArrayViewD<'_, bool>, bit: impl Fn(&[usize]) -> usize) -> Vec<u64> {
    let ndim = mask.ndim();
    let padded = Grid::from_mask(mask, 1, false, |m| m);
    let corners: Vec<(isize, usize)> = (0..1usize << ndim)
        .map(|c| {
            let e: Vec<usize> = (0..ndim).map(|k| c >> (ndim - 1 - k) & 1).collect();
            let offset: isize = e
                .iter()
                .zip(&padded.strides)
                .map(|(&ek, &s)| -((ek * s) as isize))
                .sum();
            (offset, bit(&e))
        })
        .collect();
    let mut histogram = vec![0u64; 1 << (1 << ndim)];
    padded.for_each_row(1, 0, |row| {
        for i in row {
            let mut config = 0;
            for &(o, b) in &corners {
                if padded.data[i.wrapping_add_signed(o)] {
                    config |= b;
                }
            }
            histogram[config] += 1;
        }
    });
    histogram
}

/// An N-d array in a C-ordered buffer, with its strides.
pub(crate) struct Grid<T> {
    pub(crate) data: Vec<T>,
    pub(crate) shape: Vec<usize>,
    pub(crate) strides: Vec<usize>,
}

impl<T: Copy> Grid<T> {
    /// The mask mapped through `map`, with `pad` voxels of `outside` on each side.
    pub(crate) fn from_mask(
        mask: &ArrayViewD<'_, bool>,
        pad: usize,
        outside: T,
        map: impl Fn(bool) -> T,
    ) -> Self {
        let shape: Vec<usize> = mask.shape().iter().map(|n| n + 2 * pad).collect();
        let mut grid = Grid::new(shape, outside);
        if mask.ndim() == 0 || mask.is_empty() {
            return grid;
        }
        let mut rows = mask.lanes(Axis(mask.ndim() - 1)).into_iter();
        let data = &mut grid.data;
        grid_rows(&grid.shape, &grid.strides, pad, pad, |range| {
            if let Some(row) = rows.next() {
                for (d, &m) in data[range].iter_mut().zip(row.iter()) {
                    *d = map(m);
                }
            }
        });
        grid
    }

    /// A grid of `shape` filled with `value`.
    pub(crate) fn new(shape: Vec<usize>, value: T) -> Self {
        let mut strides = vec![1; shape.len()];
        for k in (0..shape.len().saturating_sub(1)).rev() {
            strides[k] = strides[k + 1] * shape[k + 1];
        }
        Grid {
            data: vec![value; shape.iter().product()],
            shape,
            strides,
        }
    }
}

impl<T> Grid<T> {
    /// Calls `f` with the flat index range of every row (along the last axis)
    /// of the positions whose coordinates `c` are in `from <= c < n - margin`
    /// along each axis of extent `n`, in C order.
    pub(crate) fn for_each_row(&self, from: usize, margin: usize, f: impl FnMut(Range<usize>)) {
        grid_rows(&self.shape, &self.strides, from, margin, f);
    }

    /// Calls `f(start, stride, len)` for every line of the grid along `axis`.
    pub(crate) fn for_each_line(&self, axis: usize, mut f: impl FnMut(usize, usize, usize)) {
        let mut outer = self.shape.clone();
        outer[axis] = 1;
        let outer_grid: Grid<()> = Grid {
            data: Vec::new(),
            strides: self.strides.clone(),
            shape: outer,
        };
        outer_grid.for_each_row(0, 0, |row| {
            for start in row {
                f(start, self.strides[axis], self.shape[axis]);
            }
        });
    }

    /// True for a flat index within `pad` of the grid's border.
    fn is_padding(&self, mut i: usize, pad: usize) -> bool {
        self.strides.iter().zip(&self.shape).any(|(&s, &n)| {
            let c = i / s;
            i %= s;
            c < pad || c + pad >= n
        })
    }

    /// Flat offsets of the `3^ndim - 1` neighbours of a voxel.
    pub(crate) fn neighbour_offsets(&self) -> Vec<isize> {
        let ndim = self.shape.len();
        (0..3usize.pow(ndim as u32))
            .filter_map(|code| {
                let mut rest = code;
                let mut offset = 0isize;
                for k in (0..ndim).rev() {
                    offset += ((rest % 3) as isize - 1) * self.strides[k] as isize;
                    rest /= 3;
                }
                (offset != 0).then_some(offset)
            })
            .collect()
    }
}

/// The rows of [`Grid::for_each_row`] for a grid of `shape` and `strides`.
fn grid_rows(
    shape: &[usize],
    strides: &[usize],
    from: usize,
    margin: usize,
    mut f: impl FnMut(Range<usize>),
) {
    let ndim = shape.len();
    if ndim == 0 || shape.iter().any(|&n| n <= from + margin) {
        return;
    }
    let last = ndim - 1;
    let len = shape[last] - from - margin;
    let mut index = vec![from; last];
    loop {
        let start: usize = (0..last).map(|k| index[k] * strides[k]).sum::<usize>() + from;
        f(start..start + len);
        let mut k = last;
        loop {
            if k == 0 {
                return;
            }
            k -= 1;
            index[k] += 1;
            if index[k] + margin < shape[k] {
                break;
            }
            index[k] = from;
        }
    }
}

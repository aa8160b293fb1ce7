//! PNG previews: a contrast-stretched grey plane with label outlines or
//! semi-transparent fills in distinct colours, so a user can look at what a
//! segmentation did.
//!
//! A [`Preview`] renders a 2-D image (optionally with a label image of the same
//! shape) to RGB and writes it as a PNG under a temporary name, then renames it.
//! [`plane`] picks what to show of a 3-D [`Source`]: one z-plane (by default the
//! middle one) or the maximum projection, read slab by slab.
//!
//! The grey levels stretch linearly between two percentiles of the image (by
//! default 0.5 % and 99.5 %, numpy's `percentile` with linear interpolation):
//! values at or below the low one are black, at or above the high one white.
//! Labels take their colour from a fixed palette of [`PALETTE`]`.len()` well
//! spread colours keyed by the label value, so a label has the same colour in
//! every preview.
//!
//! ```
//! use ndarray::array;
//! use tesserae::io::png::{Overlay, Preview};
//!
//! let image = array![[0u16, 100], [200, 300]];
//! let labels = array![[0u32, 1], [1, 1]];
//! let rgb = Preview::new().overlay(Overlay::Outline).render(&image.view(), Some(&labels.view()))?;
//! assert_eq!(rgb.dim(), (2, 2, 3));
//! assert_eq!(rgb[[0, 0, 0]], 0); // background keeps its (stretched) grey
//! assert_eq!([rgb[[0, 1, 0]], rgb[[0, 1, 1]], rgb[[0, 1, 2]]], tesserae::io::png::label_colour(1));
//! # Ok::<(), tesserae::Error>(())
//! ```

use std::path::Path;

use ndarray::{Array2, Array3, ArrayView2, ArrayViewD, Axis};

use crate::engine::{Element, Region, Source};
use crate::error::{Error, Result};
use crate::ndmeasure::LabelValue;

/// The label colours: 20 well-spread, saturated colours (after Kelly's
/// colours of maximum contrast, without white, black and greys). Label `l > 0`
/// gets `PALETTE[(l - 1) % 20]`.
pub const PALETTE: [[u8; 3]; 20] = [
    [255, 179, 0],
    [128, 62, 117],
    [255, 104, 0],
    [166, 189, 215],
    [193, 0, 32],
    [206, 162, 98],
    [0, 125, 52],
    [246, 118, 142],
    [0, 83, 138],
    [255, 122, 92],
    [83, 55, 122],
    [255, 142, 0],
    [179, 40, 81],
    [244, 200, 0],
    [127, 24, 13],
    [147, 170, 0],
    [89, 51, 21],
    [241, 58, 19],
    [35, 44, 22],
    [0, 161, 194],
];

/// The colour of label `label` (`> 0`) in every preview.
///
/// ```
/// use tesserae::io::png::{label_colour, PALETTE};
/// assert_eq!(label_colour(1), PALETTE[0]);
/// assert_eq!(label_colour(21), PALETTE[0]);
/// assert_ne!(label_colour(1), label_colour(2));
/// ```
pub fn label_colour(label: u64) -> [u8; 3] {
    PALETTE[(label.saturating_sub(1) % PALETTE.len() as u64) as usize]
}

/// How labels are drawn over the grey image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Overlay {
    /// Each object's outline in its colour: its pixels with a 4-neighbour of
    /// another value, or on the image's edge. The default.
    #[default]
    Outline,
    /// Each object filled with its colour at 40 % opacity over the grey.
    Fill,
}

/// The opacity of [`Overlay::Fill`].
pub const FILL_OPACITY: f64 = 0.4;

/// What [`plane`] takes from a 3-D image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PlaneChoice {
    /// The middle z-plane, `depth / 2`. The default.
    #[default]
    Middle,
    /// The z-plane at this index.
    Z(usize),
    /// The maximum projection along z.
    MaxProjection,
}

/// The 2-D plane to preview from a 2-D or 3-D source: a 2-D source as it is,
/// a 3-D one as `choice` says. A z-plane reads only that plane; the maximum
/// projection reads slabs of the source's chunk depth, so memory stays at one
/// slab plus the plane.
///
/// ```
/// use ndarray::array;
/// use tesserae::io::png::{plane, PlaneChoice};
/// use tesserae::ArraySource;
/// let stack = ArraySource::new(array![[[1u8, 5]], [[4, 2]], [[0, 9]]].into_dyn()).with_chunks(&[2, 1, 2])?;
/// assert_eq!(plane(&stack, PlaneChoice::Middle)?, array![[4u8, 2]]);
/// assert_eq!(plane(&stack, PlaneChoice::Z(2))?, array![[0u8, 9]]);
/// assert_eq!(plane(&stack, PlaneChoice::MaxProjection)?, array![[4u8, 9]]);
/// assert!(plane(&stack, PlaneChoice::Z(3)).is_err());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn plane<S: Source + ?Sized>(source: &S, choice: PlaneChoice) -> Result<Array2<S::Elem>> {
    let shape = source.shape().to_vec();
    match shape.len() {
        2 => to_2d(source.read(&Region::full(&shape))?.view()),
        3 => {
            let (depth, h, w) = (shape[0], shape[1], shape[2]);
            if depth == 0 {
                return Err(Error::InvalidArgument(
                    "cannot preview a stack with no planes".into(),
                ));
            }
            let z = match choice {
                PlaneChoice::Middle => depth / 2,
                PlaneChoice::Z(z) if z < depth => z,
                PlaneChoice::Z(z) => {
                    return Err(Error::InvalidArgument(format!(
                        "plane {z} is beyond the stack's {depth} planes"
                    )));
                }
                PlaneChoice::MaxProjection => {
                    let step = source.chunk_shape()[0].max(1);
                    let mut mip: Option<Array2<S::Elem>> = None;
                    for z0 in (0..depth).step_by(step) {
                        let n = step.min(depth - z0);
                        let slab = source.read(&Region::new(vec![z0, 0, 0], vec![n, h, w]))?;
                        let top = max_projection(&slab.view())?;
                        mip = Some(match mip {
                            None => top,
                            Some(m) => ndarray::Zip::from(&m)
                                .and(&top)
                                .map_collect(|&a, &b| if b > a { b } else { a }),
                        });
                    }
                    return mip.ok_or_else(|| Error::Failed("empty stack".into()));
                }
            };
            let slice = source.read(&Region::new(vec![z, 0, 0], vec![1, h, w]))?;
            to_2d(slice.index_axis(Axis(0), 0))
        }
        n => Err(Error::InvalidArgument(format!(
            "a preview needs a 2-D or 3-D image, not {n}-D"
        ))),
    }
}

fn to_2d<T: Element>(view: ArrayViewD<'_, T>) -> Result<Array2<T>> {
    Ok(view
        .into_dimensionality::<ndarray::Ix2>()
        .map_err(shape_error)?
        .to_owned())
}

/// The maximum-intensity projection of a 3-D array along its first axis (a 2-D
/// array is returned as it is).
///
/// ```
/// use ndarray::array;
/// let stack = array![[[1u8, 5]], [[4, 2]]].into_dyn();
/// let mip = tesserae::io::png::max_projection(&stack.view()).unwrap();
/// assert_eq!(mip, array![[4u8, 5]]);
/// ```
pub fn max_projection<T: Element>(array: &ArrayViewD<'_, T>) -> Result<Array2<T>> {
    match array.ndim() {
        2 => to_2d(array.view()),
        3 if array.shape()[0] == 0 => Err(Error::InvalidArgument(
            "cannot project a stack with no planes".into(),
        )),
        3 => Ok(array
            .map_axis(Axis(0), |lane| {
                lane.iter()
                    .copied()
                    .fold(lane[0], |m, v| if v > m { v } else { m })
            })
            .into_dimensionality()
            .map_err(shape_error)?),
        n => Err(Error::InvalidArgument(format!(
            "a preview needs a 2-D or 3-D image, not {n}-D"
        ))),
    }
}

fn shape_error(e: ndarray::ShapeError) -> Error {
    Error::InvalidArgument(e.to_string())
}

/// The `q`-th percentiles (0–100) of the finite values of `image`, as numpy's
/// `percentile` with its default linear interpolation; `(0, 0)` for an image
/// without finite values.
///
/// ```
/// use ndarray::array;
/// let image = array![[0u8, 10], [20, 30]];
/// let (lo, hi) = tesserae::io::png::percentiles(&image.view(), 0.5, 99.5);
/// assert!((lo - 0.15).abs() < 1e-12 && (hi - 29.85).abs() < 1e-12);
/// ```
pub fn percentiles<T: Element>(image: &ArrayView2<'_, T>, low: f64, high: f64) -> (f64, f64) {
    let mut sorted: Vec<f64> = image
        .iter()
        .map(|v| v.as_f64())
        .filter(|v| v.is_finite())
        .collect();
    if sorted.is_empty() {
        return (0.0, 0.0);
    }
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let position = (sorted.len() - 1) as f64 * (q / 100.0).clamp(0.0, 1.0);
        let below = position.floor() as usize;
        let above = (below + 1).min(sorted.len() - 1);
        let t = position - below as f64;
        sorted[below] + (sorted[above] - sorted[below]) * t
    };
    (at(low), at(high))
}

/// A preview's settings: the overlay and the stretch percentiles.
///
/// ```no_run
/// use ndarray::array;
/// use tesserae::io::png::{Overlay, Preview};
/// let image = array![[0u16, 100], [200, 300]];
/// let labels = array![[0u32, 1], [1, 1]];
/// Preview::new().overlay(Overlay::Fill).write(&image.view(), Some(&labels.view()), "preview.png".as_ref())?;
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Preview {
    overlay: Overlay,
    low: f64,
    high: f64,
}

impl Default for Preview {
    fn default() -> Self {
        Preview {
            overlay: Overlay::Outline,
            low: 0.5,
            high: 99.5,
        }
    }
}

impl Preview {
    /// Outlines, stretched between the 0.5th and 99.5th percentiles.
    pub fn new() -> Self {
        Preview::default()
    }

    /// How labels are drawn.
    ///
    /// ```
    /// use tesserae::io::png::{Overlay, Preview};
    /// let fills = Preview::new().overlay(Overlay::Fill);
    /// # let _ = fills;
    /// ```
    pub fn overlay(mut self, overlay: Overlay) -> Self {
        self.overlay = overlay;
        self
    }

    /// The percentiles (0–100) mapped to black and white.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::io::png::Preview;
    /// let image = array![[0u8, 10], [20, 30]];
    /// let rgb = Preview::new().stretch(0.0, 100.0).render::<u8, u32>(&image.view(), None)?;
    /// assert_eq!((rgb[[0, 0, 0]], rgb[[0, 1, 0]], rgb[[1, 1, 0]]), (0, 85, 255));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn stretch(mut self, low: f64, high: f64) -> Self {
        self.low = low;
        self.high = high;
        self
    }

    /// The preview as an `(height, width, 3)` RGB array. Grey is
    /// `round(255 * (v - lo) / (hi - lo))` clamped to 0–255 (all black when
    /// `hi <= lo`); label pixels are drawn as the overlay says.
    ///
    /// Fails when `labels` does not have the image's shape.
    pub fn render<T: Element, L: LabelValue>(
        &self,
        image: &ArrayView2<'_, T>,
        labels: Option<&ArrayView2<'_, L>>,
    ) -> Result<Array3<u8>> {
        let (h, w) = image.dim();
        if let Some(labels) = labels
            && labels.dim() != (h, w)
        {
            return Err(Error::ShapeMismatch {
                expected: vec![h, w],
                found: labels.shape().to_vec(),
            });
        }
        let (lo, hi) = percentiles(image, self.low, self.high);
        let scale = if hi > lo { 255.0 / (hi - lo) } else { 0.0 };
        let mut rgb = Array3::<u8>::zeros((h, w, 3));
        for ((y, x), v) in image.indexed_iter() {
            let value = v.as_f64();
            let g = if value.is_nan() {
                0
            } else {
                ((value - lo) * scale).clamp(0.0, 255.0).round() as u8
            };
            rgb.slice_mut(ndarray::s![y, x, ..]).fill(g);
        }
        if let Some(labels) = labels {
            for ((y, x), l) in labels.indexed_iter() {
                let Some(label) = l.to_label().filter(|&l| l > 0) else {
                    continue;
                };
                let colour = label_colour(label);
                match self.overlay {
                    Overlay::Outline => {
                        if on_outline(labels, y, x, label) {
                            for (c, &value) in colour.iter().enumerate() {
                                rgb[[y, x, c]] = value;
                            }
                        }
                    }
                    Overlay::Fill => {
                        for (c, &value) in colour.iter().enumerate() {
                            let grey = f64::from(rgb[[y, x, c]]);
                            rgb[[y, x, c]] = ((1.0 - FILL_OPACITY) * grey
                                + FILL_OPACITY * f64::from(value))
                            .round() as u8;
                        }
                    }
                }
            }
        }
        Ok(rgb)
    }

    /// Renders the preview and writes it as an 8-bit RGB PNG at `path`,
    /// through a temporary name renamed at the end.
    pub fn write<T: Element, L: LabelValue>(
        &self,
        image: &ArrayView2<'_, T>,
        labels: Option<&ArrayView2<'_, L>>,
        path: &Path,
    ) -> Result<()> {
        let rgb = self.render(image, labels)?;
        let (h, w, _) = rgb.dim();
        let (pixels, _) = rgb.into_raw_vec_and_offset();
        let too_big = || Error::InvalidArgument(format!("{h}x{w} is too large for a PNG"));
        let picture = image::RgbImage::from_raw(
            u32::try_from(w).map_err(|_| too_big())?,
            u32::try_from(h).map_err(|_| too_big())?,
            pixels,
        )
        .ok_or_else(too_big)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temporary = path.with_file_name(format!(".{name}.partial-{}.png", std::process::id()));
        picture.save(&temporary).map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            Error::Failed(format!("{}: {e}", path.display()))
        })?;
        std::fs::rename(&temporary, path).map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            Error::io(path, e)
        })
    }
}

/// Whether pixel `(y, x)` of `label` has a 4-neighbour of another value or lies on the edge.
fn on_outline<L: LabelValue>(labels: &ArrayView2<'_, L>, y: usize, x: usize, label: u64) -> bool {
    let (h, w) = labels.dim();
    if y == 0 || x == 0 || y + 1 == h || x + 1 == w {
        return true;
    }
    [(y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)]
        .iter()
        .any(|&(ny, nx)| labels[[ny, nx]].to_label() != Some(label))
}

/// Writes `image` as an 8-bit grey PNG stretched between its 0.5th and 99.5th
/// percentiles, with the outline of every label of `labels` (same shape) drawn
/// in its colour: [`Preview::new`]`().write(…)`.
///
/// ```no_run
/// use ndarray::array;
/// let image = array![[0u16, 100], [200, 300]];
/// let labels = array![[0u32, 1], [1, 1]];
/// tesserae::io::png::write_preview(&image.view(), Some(&labels.view()), "preview.png".as_ref())?;
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn write_preview<T: Element, L: LabelValue>(
    image: &ArrayView2<'_, T>,
    labels: Option<&ArrayView2<'_, L>>,
    path: &Path,
) -> Result<()> {
    Preview::new().write(image, labels, path)
}

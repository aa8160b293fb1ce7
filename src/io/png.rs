//! PNG previews: a contrast-stretched plane with label outlines in distinct colours.

use std::path::Path;

use ndarray::{Array2, ArrayView2, ArrayViewD, Axis};

use crate::engine::Element;
use crate::error::{Error, Result};
use crate::ndmeasure::LabelValue;

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
        2 => Ok(array
            .view()
            .into_dimensionality()
            .map_err(shape_error)?
            .to_owned()),
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

/// Writes `image` as an 8-bit grey PNG stretched between its 0.5th and 99.5th
/// percentiles, with the outline of every label of `labels` (same shape) drawn
/// in a colour of its own. The file is written to a temporary name and renamed.
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
    let (h, w) = image.dim();
    if let Some(labels) = labels {
        if labels.dim() != (h, w) {
            return Err(Error::ShapeMismatch {
                expected: vec![h, w],
                found: labels.shape().to_vec(),
            });
        }
    }
    let mut sorted: Vec<f64> = image
        .iter()
        .map(|v| v.as_f64())
        .filter(|v| v.is_finite())
        .collect();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| {
        sorted
            .get(((sorted.len().max(1) - 1) as f64 * q) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let (lo, hi) = (at(0.005), at(0.995));
    let scale = if hi > lo { 255.0 / (hi - lo) } else { 0.0 };
    let mut rgb = image::RgbImage::new(w as u32, h as u32);
    for ((y, x), v) in image.indexed_iter() {
        let g = ((v.as_f64() - lo) * scale).clamp(0.0, 255.0) as u8;
        rgb.put_pixel(x as u32, y as u32, image::Rgb([g, g, g]));
    }
    if let Some(labels) = labels {
        for ((y, x), l) in labels.indexed_iter() {
            let Some(label) = l.to_label().filter(|&l| l > 0) else {
                continue;
            };
            let edge = [(0isize, 1isize), (1, 0), (0, -1), (-1, 0)]
                .iter()
                .any(|(dy, dx)| {
                    let (ny, nx) = (y as isize + dy, x as isize + dx);
                    ny < 0
                        || nx < 0
                        || ny >= h as isize
                        || nx >= w as isize
                        || labels[[ny as usize, nx as usize]].to_label() != Some(label)
                });
            if edge {
                rgb.put_pixel(x as u32, y as u32, image::Rgb(colour(label)));
            }
        }
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.partial-{}.png", std::process::id()));
    rgb.save(&temporary).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        Error::Failed(format!("{}: {e}", path.display()))
    })?;
    std::fs::rename(&temporary, path).map_err(|e| Error::io(path, e))
}

/// A bright colour for a label, spread around the hue circle by the golden ratio.
fn colour(label: u64) -> [u8; 3] {
    let hue = (label as f64 * 0.618_033_988_75).fract() * 6.0;
    let x = 1.0 - (hue % 2.0 - 1.0).abs();
    let (r, g, b) = match hue as u32 {
        0 => (1.0, x, 0.0),
        1 => (x, 1.0, 0.0),
        2 => (0.0, 1.0, x),
        3 => (0.0, x, 1.0),
        4 => (x, 0.0, 1.0),
        _ => (1.0, 0.0, x),
    };
    [(r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8]
}

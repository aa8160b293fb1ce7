//! `tesserae._tesserae`: the Rust side of the Python package.
//!
//! Thin, dtype-dispatching wrappers over the crate's in-memory kernels and its
//! block-level labeling steps. Argument checking and scipy's conventions
//! (defaults, return types, exception types) live in the Python package; the
//! functions here take already-normalised arguments, release the GIL while
//! Rust runs, and raise `ValueError` for bad arguments and `RuntimeError` for
//! failures.

use ndarray::{ArrayD, ArrayViewD};
use numpy::{IntoPyArray, PyArray1, PyArrayDyn, PyReadonlyArray1, PyReadonlyArrayDyn};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use tesserae::labels::{RemoveObjects, RemoveSmallHoles};
use tesserae::ndfilters::{
    Footprint, GaussianFilter, Laplace, Prewitt, RankFilter, RankKind, Sobel, UniformFilter,
};
use tesserae::ndmeasure::label::block::{merge_blocks, relabel_block, BlockSummary, LocalLabels};
use tesserae::ndmeasure::{Bins, Column, Connectivity, Measure, RegionProps, Structure};
use tesserae::ndmorph::{
    BinaryMorphology, BinaryOp, BinaryPropagation, FillHoles, GreyMorphology, GreyOp, HExtrema,
    LocalExtrema, Reconstruction,
};
use tesserae::segmentation::{PeakLocalMax, Watershed};
use tesserae::{ArraySource, BoundaryMode, ChunkGrid, Error, Executor};

/// A crate error as the Python exception scipy raises for it.
fn py_err(e: Error) -> PyErr {
    match e {
        Error::InvalidArgument(_) | Error::ShapeMismatch { .. } => {
            PyValueError::new_err(e.to_string())
        }
        Error::DataTypeMismatch { .. } | Error::Unsupported { .. } => {
            PyTypeError::new_err(e.to_string())
        }
        _ => PyRuntimeError::new_err(e.to_string()),
    }
}

/// Runs `body` with `$a` bound to a read-only view of `$obj` and the type
/// alias `$t` set to its element type, for every numeric dtype the crate
/// handles; raises `TypeError` for any other.
macro_rules! dispatch {
    ($obj:expr, $what:expr, |$a:ident: $t:ident| $body:expr) => {{
        let obj = $obj;
        dispatch!(@each obj, $a, $t, $body; u8, u16, u32, u64, i8, i16, i32, i64, f32, f64);
        Err(PyTypeError::new_err(format!(
            "{}: unsupported array dtype {}",
            $what,
            obj.getattr("dtype").map_or_else(|_| "?".to_string(), |d| d.to_string())
        )))
    }};
    (@each $obj:ident, $a:ident, $t:ident, $body:expr; $($ty:ty),*) => {$(
        if let Ok($a) = $obj.extract::<PyReadonlyArrayDyn<'_, $ty>>() {
            #[allow(dead_code)]
            type $t = $ty;
            return $body;
        }
    )*};
}

/// Runs `$body` on `$obj` as a read-only array of the label types
/// `regionprops_table` reads directly, binding the element type to `$t`.
macro_rules! label_types {
    ($obj:expr, $what:expr, |$a:ident: $t:ident| $body:expr) => {{
        let obj = $obj;
        (|| {
            dispatch!(@each obj, $a, $t, $body; i32, u32, i64, u64, u16);
            Err(PyTypeError::new_err(format!(
                "{}: unsupported label dtype {}",
                $what,
                obj.getattr("dtype").map_or_else(|_| "?".to_string(), |d| d.to_string())
            )))
        })()
    }};
}

/// A boundary mode by scipy's name.
fn mode(name: &str, cval: f64) -> PyResult<BoundaryMode> {
    Ok(match name {
        "reflect" | "grid-mirror" => BoundaryMode::Reflect,
        "mirror" => BoundaryMode::Mirror,
        "nearest" => BoundaryMode::Nearest,
        "wrap" | "grid-wrap" => BoundaryMode::Wrap,
        "constant" | "grid-constant" => BoundaryMode::Constant(cval),
        other => {
            return Err(PyRuntimeError::new_err(format!(
                "boundary mode not supported: {other:?}"
            )))
        }
    })
}

fn modes(names: &[String], cval: f64) -> PyResult<Vec<BoundaryMode>> {
    names.iter().map(|n| mode(n, cval)).collect()
}

fn structure(mask: &PyReadonlyArrayDyn<'_, bool>) -> PyResult<Structure> {
    Structure::new(mask.as_array()).map_err(py_err)
}

fn footprint(mask: &PyReadonlyArrayDyn<'_, bool>, origin: &[isize]) -> PyResult<Footprint> {
    Footprint::new(mask.as_array())
        .and_then(|f| f.with_origin(origin))
        .map_err(py_err)
}

/// `scipy.ndimage.label`: labels (uint32) and their count.
#[pyfunction]
fn label<'py>(
    py: Python<'py>,
    input: &Bound<'py, PyAny>,
    structure: PyReadonlyArrayDyn<'py, bool>,
) -> PyResult<(Bound<'py, PyArrayDyn<u32>>, usize)> {
    let s = self::structure(&structure)?;
    dispatch!(input, "label", |a: T| {
        let view = a.as_array();
        let (labels, n) = py
            .detach(|| tesserae::ndmeasure::label(&view, &s))
            .map_err(py_err)?;
        Ok((labels.into_pyarray(py), n))
    })
}

/// An object's label and bounding box (start, stop).
type Bounds = (u64, Vec<usize>, Vec<usize>);

/// `scipy.ndimage.find_objects` as `(label, start, stop)` triples of the labels present.
#[pyfunction]
fn find_objects(py: Python<'_>, input: &Bound<'_, PyAny>) -> PyResult<Vec<Bounds>> {
    let boxes = |objects: Vec<(u64, tesserae::Region)>| {
        objects
            .into_iter()
            .map(|(l, r)| (l, r.start().to_vec(), r.end()))
            .collect()
    };
    macro_rules! run {
        ($($ty:ty),*) => {$(
            if let Ok(a) = input.extract::<PyReadonlyArrayDyn<'_, $ty>>() {
                let view = a.as_array();
                return Ok(boxes(py.detach(|| tesserae::ndmeasure::find_objects(&view))));
            }
        )*};
    }
    run!(u8, u16, u32, u64, i8, i16, i32, i64);
    Err(PyTypeError::new_err(
        "find_objects: the label image must have an integer dtype",
    ))
}

/// One of scipy's measurement functions over `input` labelled by `labels`
/// (int64, or `None` for the whole image) at `index` (`None`: pooled).
#[pyfunction]
#[pyo3(signature = (input, labels, index, what, bins=None))]
fn measure<'py>(
    py: Python<'py>,
    input: &Bound<'py, PyAny>,
    labels: Option<PyReadonlyArrayDyn<'py, i64>>,
    index: Option<Vec<u64>>,
    what: &str,
    bins: Option<(f64, f64, usize)>,
) -> PyResult<Bound<'py, PyAny>> {
    let labels = labels.as_ref().map(|l| l.as_array());
    let mut m = Measure::new().background(index.as_ref().is_some_and(|i| i.contains(&0)));
    match what {
        "minimum" | "maximum" | "minimum_position" | "maximum_position" | "extrema" => {
            m = m.extrema(true)
        }
        "center_of_mass" => m = m.center_of_mass(true),
        "histogram" => {
            let (min, max, n) = bins.ok_or_else(|| PyValueError::new_err("histogram: no bins"))?;
            let bins = Bins::new(min, max, n).ok_or_else(|| {
                PyValueError::new_err("histogram: needs min < max and at least one bin")
            })?;
            m = m.histogram(bins);
        }
        _ => {}
    }
    let index = index.as_deref();
    dispatch!(input, what, |a: T| {
        let view = a.as_array();
        if what == "median" {
            let values = ArraySource::new(view.to_owned());
            let labels = labels.map(|l| ArraySource::new(l.to_owned()));
            let medians = py
                .detach(|| m.median(&Executor::new(), &values, labels.as_ref(), index))
                .map_err(py_err)?;
            return Ok(medians.into_pyarray(py).into_any());
        }
        let stats = py
            .detach(|| m.run_in_memory(&view, labels.as_ref()))
            .map_err(py_err)?;
        let out = match what {
            "count" => stats
                .count(index)
                .map_err(py_err)?
                .into_pyarray(py)
                .into_any(),
            "sum_labels" => stats
                .sum_labels(index)
                .map_err(py_err)?
                .into_pyarray(py)
                .into_any(),
            "mean" => stats
                .mean(index)
                .map_err(py_err)?
                .into_pyarray(py)
                .into_any(),
            "variance" => stats
                .variance(index)
                .map_err(py_err)?
                .into_pyarray(py)
                .into_any(),
            "standard_deviation" => stats
                .standard_deviation(index)
                .map_err(py_err)?
                .into_pyarray(py)
                .into_any(),
            "minimum" => stats
                .minimum(index)
                .map_err(py_err)?
                .into_pyarray(py)
                .into_any(),
            "maximum" => stats
                .maximum(index)
                .map_err(py_err)?
                .into_pyarray(py)
                .into_any(),
            "minimum_position" => stats
                .minimum_position(index)
                .map_err(py_err)?
                .into_pyobject(py)?
                .into_any(),
            "maximum_position" => stats
                .maximum_position(index)
                .map_err(py_err)?
                .into_pyobject(py)?
                .into_any(),
            "extrema" => {
                let all = stats.extrema(index).map_err(py_err)?;
                let mut lo = Vec::with_capacity(all.len());
                let mut hi = Vec::with_capacity(all.len());
                let mut plo = Vec::with_capacity(all.len());
                let mut phi = Vec::with_capacity(all.len());
                for (a, b, pa, pb) in all {
                    lo.push(a);
                    hi.push(b);
                    plo.push(pa);
                    phi.push(pb);
                }
                (lo.into_pyarray(py), hi.into_pyarray(py), plo, phi)
                    .into_pyobject(py)?
                    .into_any()
            }
            "center_of_mass" => stats
                .center_of_mass(index)
                .map_err(py_err)?
                .into_pyobject(py)?
                .into_any(),
            "histogram" => stats
                .histogram(index)
                .map_err(py_err)?
                .into_pyobject(py)?
                .into_any(),
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown measurement {other:?}"
                )))
            }
        };
        Ok(out)
    })
}

/// `skimage.measure.regionprops_table` on a label image (int32, uint32,
/// int64, uint64 or uint16: the types label images come in, read without a
/// conversion) and an optional float64 intensity image: a dict of numpy columns.
#[pyfunction]
#[pyo3(signature = (labels, intensity, properties, spacing=None))]
fn regionprops_table<'py>(
    py: Python<'py>,
    labels: &Bound<'py, PyAny>,
    intensity: Option<PyReadonlyArrayDyn<'py, f64>>,
    properties: Vec<String>,
    spacing: Option<Vec<f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut props = RegionProps::new().properties(&properties).map_err(py_err)?;
    if let Some(spacing) = &spacing {
        props = props.spacing(spacing);
    }
    let intensity = intensity.map(|i| ArraySource::new(i.as_array().to_owned()));
    let table = label_types!(labels, "regionprops_table", |a: L| {
        let labels = ArraySource::new(a.as_array().to_owned());
        py.detach(|| props.run(&Executor::new(), &labels, intensity.as_ref()))
            .map_err(py_err)
    })?;
    let out = PyDict::new(py);
    for (name, column) in table.names().iter().zip(table.columns()) {
        let array = match column {
            Column::UInt(v) => v.clone().into_pyarray(py).into_any(),
            Column::Int(v) => v.clone().into_pyarray(py).into_any(),
            Column::Float(v) => v.clone().into_pyarray(py).into_any(),
        };
        out.set_item(name, array)?;
    }
    Ok(out)
}

/// `scipy.ndimage.gaussian_filter` with per-axis sigmas, orders and modes; output in the input's dtype.
#[pyfunction]
fn gaussian_filter<'py>(
    py: Python<'py>,
    input: &Bound<'py, PyAny>,
    sigma: Vec<f64>,
    order: Vec<usize>,
    mode: Vec<String>,
    cval: f64,
    truncate: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let f = GaussianFilter::sigmas(&sigma)
        .order(&order)
        .truncate(truncate)
        .modes(&modes(&mode, cval)?);
    dispatch!(input, "gaussian_filter", |a: T| {
        let view = a.as_array();
        let out = py.detach(|| f.apply::<T, T>(&view)).map_err(py_err)?;
        Ok(out.into_pyarray(py).into_any())
    })
}

/// `scipy.ndimage.uniform_filter` with per-axis sizes, modes and origins.
#[pyfunction]
fn uniform_filter<'py>(
    py: Python<'py>,
    input: &Bound<'py, PyAny>,
    size: Vec<usize>,
    mode: Vec<String>,
    cval: f64,
    origin: Vec<isize>,
) -> PyResult<Bound<'py, PyAny>> {
    let f = UniformFilter::sizes(&size)
        .origin(&origin)
        .modes(&modes(&mode, cval)?);
    dispatch!(input, "uniform_filter", |a: T| {
        let view = a.as_array();
        let out = py.detach(|| f.apply::<T, T>(&view)).map_err(py_err)?;
        Ok(out.into_pyarray(py).into_any())
    })
}

/// `scipy.ndimage.sobel`, `prewitt` (along `axis`) or `laplace` (`axis` ignored).
#[pyfunction]
fn derivative<'py>(
    py: Python<'py>,
    input: &Bound<'py, PyAny>,
    kind: &str,
    axis: usize,
    mode: Vec<String>,
    cval: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let m = modes(&mode, cval)?;
    dispatch!(input, kind, |a: T| {
        let view = a.as_array();
        let out = py
            .detach(|| match kind {
                "sobel" => Sobel::new().axis(axis).modes(&m).apply::<T, T>(&view),
                "prewitt" => Prewitt::new().axis(axis).modes(&m).apply::<T, T>(&view),
                _ => Laplace::new().modes(&m).apply::<T, T>(&view),
            })
            .map_err(py_err)?;
        Ok(out.into_pyarray(py).into_any())
    })
}

/// `scipy.ndimage.minimum_filter`, `maximum_filter`, `median_filter`,
/// `rank_filter` (`rank`) and `percentile_filter` (`percentile`) over a
/// footprint (a box of `size` when `footprint` is `None`).
#[pyfunction]
#[pyo3(signature = (input, kind, rank, percentile, size, footprint, mode, cval, origin))]
#[allow(clippy::too_many_arguments)]
fn rank_filter<'py>(
    py: Python<'py>,
    input: &Bound<'py, PyAny>,
    kind: &str,
    rank: isize,
    percentile: f64,
    size: Option<Vec<usize>>,
    footprint: Option<PyReadonlyArrayDyn<'py, bool>>,
    mode: &str,
    cval: f64,
    origin: Vec<isize>,
) -> PyResult<Bound<'py, PyAny>> {
    let kind = match kind {
        "minimum" => RankKind::Minimum,
        "maximum" => RankKind::Maximum,
        "median" => RankKind::Median,
        "rank" => RankKind::Rank(rank),
        _ => RankKind::Percentile(percentile),
    };
    let mut f = RankFilter::new(kind).mode(self::mode(mode, cval)?);
    f = match (&footprint, &size) {
        (Some(fp), _) => f.footprint(self::footprint(fp, &origin)?),
        (None, Some(size)) => f.size(size).origin(&origin),
        (None, None) => {
            return Err(PyRuntimeError::new_err(
                "no footprint or filter size provided",
            ))
        }
    };
    dispatch!(input, "rank filter", |a: T| {
        let view = a.as_array();
        let out = py.detach(|| f.apply(&view)).map_err(py_err)?;
        Ok(out.into_pyarray(py).into_any())
    })
}

/// `scipy.ndimage.binary_erosion` / `dilation` / `opening` / `closing` on a
/// uint8 image (non-zero is true); returns uint8.
#[pyfunction]
fn binary_morphology<'py>(
    py: Python<'py>,
    input: PyReadonlyArrayDyn<'py, u8>,
    op: &str,
    structure: PyReadonlyArrayDyn<'py, bool>,
    iterations: usize,
    border_value: bool,
) -> PyResult<Bound<'py, PyArrayDyn<u8>>> {
    let op = BinaryOp::parse(op)
        .ok_or_else(|| PyValueError::new_err(format!("unknown binary operation {op:?}")))?;
    let f = BinaryMorphology::new(op)
        .structure(self::footprint(
            &structure,
            &vec![0; structure.as_array().ndim()],
        )?)
        .iterations(iterations)
        .border_value(border_value);
    let view = input.as_array();
    let out = py.detach(|| f.apply(&view)).map_err(py_err)?;
    Ok(out.into_pyarray(py))
}

/// `scipy.ndimage.binary_fill_holes` on a uint8 image; returns uint8.
#[pyfunction]
fn binary_fill_holes<'py>(
    py: Python<'py>,
    input: PyReadonlyArrayDyn<'py, u8>,
    structure: PyReadonlyArrayDyn<'py, bool>,
) -> PyResult<Bound<'py, PyArrayDyn<u8>>> {
    let f = FillHoles::new().structure(self::structure(&structure)?);
    let view = input.as_array();
    let out = py.detach(|| f.apply(&view)).map_err(py_err)?;
    Ok(out.into_pyarray(py))
}

/// `scipy.ndimage.grey_*`, `white_tophat`, `black_tophat`,
/// `morphological_gradient`, `morphological_laplace` with a flat footprint
/// (or a box of `size`) and an optional non-flat `structure`.
#[pyfunction]
#[pyo3(signature = (input, op, size, footprint, structure, mode, cval, origin))]
#[allow(clippy::too_many_arguments)]
fn grey_morphology<'py>(
    py: Python<'py>,
    input: &Bound<'py, PyAny>,
    op: &str,
    size: Option<Vec<usize>>,
    footprint: Option<PyReadonlyArrayDyn<'py, bool>>,
    structure: Option<PyReadonlyArrayDyn<'py, f64>>,
    mode: &str,
    cval: f64,
    origin: Vec<isize>,
) -> PyResult<Bound<'py, PyAny>> {
    let op = GreyOp::parse(op)
        .ok_or_else(|| PyValueError::new_err(format!("unknown grey operation {op:?}")))?;
    let mut f = GreyMorphology::new(op).mode(self::mode(mode, cval)?);
    if let Some(size) = &size {
        f = f.size(size);
    }
    if let Some(fp) = &footprint {
        f = f.footprint(Footprint::new(fp.as_array()).map_err(py_err)?);
    }
    if let Some(s) = &structure {
        f = f.structure(s.as_array());
    }
    f = f.origin(&origin);
    dispatch!(input, "grey morphology", |a: T| {
        let view = a.as_array();
        let out = py.detach(|| f.apply(&view)).map_err(py_err)?;
        Ok(out.into_pyarray(py).into_any())
    })
}

/// `skimage.morphology.reconstruction` of float64 (or, for a float32 mask,
/// float32) `seed` and `mask`, in their type.
#[pyfunction]
fn reconstruction<'py>(
    py: Python<'py>,
    seed: &Bound<'py, PyAny>,
    mask: &Bound<'py, PyAny>,
    method: &str,
    footprint: PyReadonlyArrayDyn<'py, bool>,
    origin: Vec<isize>,
) -> PyResult<Bound<'py, PyAny>> {
    let op = Reconstruction::new(method.parse().map_err(py_err)?)
        .footprint(self::footprint(&footprint, &origin)?);
    if let (Ok(seed), Ok(mask)) = (
        seed.extract::<PyReadonlyArrayDyn<'_, f32>>(),
        mask.extract::<PyReadonlyArrayDyn<'_, f32>>(),
    ) {
        let (seed, mask) = (seed.as_array(), mask.as_array());
        let out = py
            .detach(|| op.apply::<f32, f32, f32>(&seed, &mask))
            .map_err(py_err)?;
        return Ok(out.into_pyarray(py).into_any());
    }
    let seed = seed.extract::<PyReadonlyArrayDyn<'_, f64>>()?;
    let mask = mask.extract::<PyReadonlyArrayDyn<'_, f64>>()?;
    let (seed, mask) = (seed.as_array(), mask.as_array());
    let out = py
        .detach(|| op.apply::<f64, f64, f64>(&seed, &mask))
        .map_err(py_err)?;
    Ok(out.into_pyarray(py).into_any())
}

/// `skimage.morphology.h_maxima` (`minima` false) or `h_minima`; uint8.
#[pyfunction]
fn h_extrema<'py>(
    py: Python<'py>,
    image: &Bound<'py, PyAny>,
    h: f64,
    minima: bool,
    footprint: PyReadonlyArrayDyn<'py, bool>,
    origin: Vec<isize>,
) -> PyResult<Bound<'py, PyAny>> {
    let op = if minima {
        HExtrema::minima(h)
    } else {
        HExtrema::maxima(h)
    }
    .footprint(self::footprint(&footprint, &origin)?);
    dispatch!(image, "h_maxima", |a: T| {
        let view = a.as_array();
        let out = py.detach(|| op.apply(&view)).map_err(py_err)?;
        Ok(out.into_pyarray(py).into_any())
    })
}

/// `skimage.morphology.local_maxima` (`minima` false) or `local_minima`
/// within a 3 x ... x 3 footprint; uint8.
#[pyfunction]
fn local_extrema<'py>(
    py: Python<'py>,
    image: &Bound<'py, PyAny>,
    minima: bool,
    footprint: PyReadonlyArrayDyn<'py, bool>,
    allow_borders: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let op = if minima {
        LocalExtrema::minima()
    } else {
        LocalExtrema::maxima()
    }
    .footprint(self::footprint(
        &footprint,
        &vec![0; footprint.as_array().ndim()],
    )?)
    .allow_borders(allow_borders);
    dispatch!(image, "local_maxima", |a: T| {
        let view = a.as_array();
        let out = py.detach(|| op.apply(&view)).map_err(py_err)?;
        Ok(out.into_pyarray(py).into_any())
    })
}

/// `skimage.morphology.remove_small_objects` with 0.26's `max_size`: on a
/// label image (`labels`, any integer type) or a uint8 mask whose
/// components are found at `connectivity`; the input's type.
#[pyfunction]
fn remove_small_objects<'py>(
    py: Python<'py>,
    ar: &Bound<'py, PyAny>,
    max_size: u64,
    connectivity: usize,
    labels: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let op = RemoveObjects::small(max_size).connectivity(Connectivity::Axes(connectivity));
    if !labels {
        let mask = ar.extract::<PyReadonlyArrayDyn<'_, u8>>()?;
        let view = mask.as_array();
        let out = py.detach(|| op.apply_mask(&view)).map_err(py_err)?;
        return Ok(out.into_pyarray(py).into_any());
    }
    dispatch!(@each ar, a, T, {
        let view = a.as_array();
        let out = py.detach(|| op.apply_labels(&view)).map_err(py_err)?;
        Ok(out.into_pyarray(py).into_any())
    }; u8, u16, u32, u64, i8, i16, i32, i64);
    Err(PyTypeError::new_err(
        "Only bool or integer image types are supported",
    ))
}

/// `skimage.morphology.remove_small_holes` with 0.26's `max_size` on a
/// uint8 mask; uint8 0/1.
#[pyfunction]
fn remove_small_holes<'py>(
    py: Python<'py>,
    ar: PyReadonlyArrayDyn<'py, u8>,
    max_size: u64,
    connectivity: usize,
) -> PyResult<Bound<'py, PyArrayDyn<u8>>> {
    let op = RemoveSmallHoles::new(max_size).connectivity(Connectivity::Axes(connectivity));
    let view = ar.as_array();
    let out = py.detach(|| op.apply(&view)).map_err(py_err)?;
    Ok(out.into_pyarray(py))
}

/// `scipy.ndimage.binary_propagation` of a uint8 input within an optional
/// uint8 mask; uint8 0/1.
#[pyfunction]
fn binary_propagation<'py>(
    py: Python<'py>,
    input: PyReadonlyArrayDyn<'py, u8>,
    mask: Option<PyReadonlyArrayDyn<'py, u8>>,
    structure: PyReadonlyArrayDyn<'py, bool>,
    origin: Vec<isize>,
    border_value: bool,
) -> PyResult<Bound<'py, PyArrayDyn<u8>>> {
    let op = BinaryPropagation::new()
        .structure(self::footprint(&structure, &origin)?)
        .border_value(border_value);
    let view = input.as_array();
    let mask = mask.as_ref().map(|m| m.as_array());
    let out = py
        .detach(|| op.apply(&view, mask.as_ref()))
        .map_err(py_err)?;
    Ok(out.into_pyarray(py))
}

/// `skimage.feature.peak_local_max`: the peaks' coordinates (int64, N x
/// ndim) in scikit-image's order; `labels` as int64, `exclude` the border
/// width per axis, `None` limits for infinity.
#[pyfunction]
#[pyo3(signature = (image, labels, min_distance, threshold_abs, threshold_rel, exclude, num_peaks, footprint, num_peaks_per_label, p_norm))]
#[allow(clippy::too_many_arguments)]
fn peak_local_max<'py>(
    py: Python<'py>,
    image: &Bound<'py, PyAny>,
    labels: Option<PyReadonlyArrayDyn<'py, i64>>,
    min_distance: usize,
    threshold_abs: Option<f64>,
    threshold_rel: Option<f64>,
    exclude: Vec<i64>,
    num_peaks: Option<usize>,
    footprint: Option<PyReadonlyArrayDyn<'py, bool>>,
    num_peaks_per_label: Option<usize>,
    p_norm: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let mut op = PeakLocalMax::new()
        .min_distance(min_distance)
        .exclude_border(exclude)
        .p_norm(p_norm);
    if let Some(t) = threshold_abs {
        op = op.threshold_abs(t);
    }
    if let Some(t) = threshold_rel {
        op = op.threshold_rel(t);
    }
    if let Some(n) = num_peaks {
        op = op.num_peaks(n);
    }
    if let Some(n) = num_peaks_per_label {
        op = op.num_peaks_per_label(n);
    }
    if let Some(f) = &footprint {
        op = op.footprint(Footprint::new(f.as_array()).map_err(py_err)?);
    }
    let labels = labels.as_ref().map(|l| l.as_array());
    dispatch!(image, "peak_local_max", |a: T| {
        let view = a.as_array();
        let out = py
            .detach(|| op.apply(&view, labels.as_ref()))
            .map_err(py_err)?;
        Ok(out.mapv(|c| c as i64).into_pyarray(py).into_any())
    })
}

/// `skimage.segmentation.watershed` of a float32 or float64 image from
/// integer markers (any integer type but int8/uint8 widened by the caller),
/// within an optional uint8 mask; the labels in the markers' type. Without
/// markers, from the image's local minima at `connectivity` (labels int32).
#[pyfunction]
#[pyo3(signature = (image, markers, mask, footprint, origin, connectivity, compactness, watershed_line))]
#[allow(clippy::too_many_arguments)]
fn watershed<'py>(
    py: Python<'py>,
    image: &Bound<'py, PyAny>,
    markers: Option<&Bound<'py, PyAny>>,
    mask: Option<PyReadonlyArrayDyn<'py, bool>>,
    footprint: PyReadonlyArrayDyn<'py, bool>,
    origin: Vec<isize>,
    connectivity: Option<usize>,
    compactness: f64,
    watershed_line: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let op = match (markers, connectivity) {
        (None, Some(c)) => Watershed::new().connectivity(c),
        _ => Watershed::new().footprint(self::footprint(&footprint, &origin)?),
    }
    .compactness(compactness)
    .watershed_line(watershed_line);
    let mask = mask.as_ref().map(|m| m.as_array());
    macro_rules! flood {
        ($image:ident) => {{
            let image = $image.as_array();
            let Some(markers) = markers else {
                let out = py
                    .detach(|| op.apply::<_, i32>(&image, None, mask.as_ref()))
                    .map_err(py_err)?;
                return Ok(out.into_pyarray(py).into_any());
            };
            (|| {
                dispatch!(@each markers, m, L, {
                    let m = m.as_array();
                    let out = py
                        .detach(|| op.apply(&image, Some(&m), mask.as_ref()))
                        .map_err(py_err)?;
                    Ok(out.into_pyarray(py).into_any())
                }; u8, u16, u32, u64, i8, i16, i32, i64);
                Err(PyTypeError::new_err("markers must hold integers"))
            })()
        }};
    }
    if let Ok(image) = image.extract::<PyReadonlyArrayDyn<'_, f32>>() {
        return flood!(image);
    }
    let image = image.extract::<PyReadonlyArrayDyn<'_, f64>>()?;
    flood!(image)
}

/// Pass 1 of block labeling: `(first_voxel_keys, faces, kept)` of one block
/// starting at `start` in an array of `shape`. The faces (empty on the
/// array's border) come in the narrowest of uint8, uint16 and uint32 that
/// holds the block's local labels: they are most of what travels to the merge.
/// `kept` is the block's [`BlockLabels`] when they take fewer bytes than the
/// block, else `None` (keep the block and label it again in pass 3).
#[pyfunction]
#[allow(clippy::type_complexity)]
fn label_block_summary<'py>(
    py: Python<'py>,
    block: &Bound<'py, PyAny>,
    structure: PyReadonlyArrayDyn<'py, bool>,
    start: Vec<usize>,
    shape: Vec<usize>,
) -> PyResult<(
    Bound<'py, PyArray1<u64>>,
    Vec<Bound<'py, PyAny>>,
    Option<Bound<'py, BlockLabels>>,
)> {
    let s = self::structure(&structure)?;
    dispatch!(block, "label", |a: T| {
        let view = a.as_array();
        let (summary, kept) = py
            .detach(|| {
                let local = LocalLabels::new(&view, &s)?;
                let summary = local.summary(&start, &shape)?;
                let smaller = local.heap_size() < view.len() * std::mem::size_of::<T>();
                Ok::<_, Error>((summary, smaller.then_some(local)))
            })
            .map_err(py_err)?;
        let count = summary.first.len();
        let faces = summary
            .faces
            .into_iter()
            .map(|f| narrow_face(py, f, count))
            .collect();
        let kept = kept.map(|l| Bound::new(py, BlockLabels(l))).transpose()?;
        Ok((summary.first.into_pyarray(py), faces, kept))
    })
}

/// A block's local labels, kept between pass 1 and pass 3 of block labeling
/// instead of the block (runs along its rows); pickled as bytes.
#[pyclass(module = "tesserae._tesserae", frozen)]
struct BlockLabels(LocalLabels);

#[pymethods]
impl BlockLabels {
    /// Pass 3: the block's final labels through its int32 lookup table.
    fn relabel<'py>(
        &self,
        py: Python<'py>,
        lookup: PyReadonlyArray1<'py, i32>,
    ) -> PyResult<Bound<'py, PyArrayDyn<i32>>> {
        let lut = lookup.as_array().to_vec();
        let out = py.detach(|| self.0.relabel(&lut)).map_err(py_err)?;
        Ok(out.into_pyarray(py))
    }

    /// Bytes held, for Dask's memory accounting (`dask.sizeof`).
    fn __sizeof__(&self) -> usize {
        std::mem::size_of::<Self>() + self.0.heap_size()
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let from_bytes = py
            .import("tesserae._tesserae")?
            .getattr("block_labels_from_bytes")?;
        Ok((from_bytes, (PyBytes::new(py, &self.0.to_bytes()),)))
    }
}

/// Unpickles [`BlockLabels`].
#[pyfunction]
fn block_labels_from_bytes(bytes: &[u8]) -> PyResult<BlockLabels> {
    LocalLabels::from_bytes(bytes)
        .map(BlockLabels)
        .map_err(py_err)
}

/// `face` as a numpy array of the narrowest unsigned type that holds labels
/// up to `count`.
fn narrow_face(py: Python<'_>, face: Vec<u32>, count: usize) -> Bound<'_, PyAny> {
    fn cast<'py, N: numpy::Element>(
        py: Python<'py>,
        face: &[u32],
        f: fn(u32) -> N,
    ) -> Bound<'py, PyAny> {
        face.iter()
            .map(|&l| f(l))
            .collect::<Vec<N>>()
            .into_pyarray(py)
            .into_any()
    }
    if count <= usize::from(u8::MAX) {
        cast(py, &face, |l| l as u8)
    } else if count <= usize::from(u16::MAX) {
        cast(py, &face, |l| l as u16)
    } else {
        face.into_pyarray(py).into_any()
    }
}

/// A face from [`label_block_summary`] (uint8, uint16 or uint32) as `u32`
/// labels.
fn widen_face(face: &Bound<'_, PyAny>) -> PyResult<Vec<u32>> {
    macro_rules! widen {
        ($($ty:ty),*) => {$(
            if let Ok(a) = face.extract::<PyReadonlyArray1<'_, $ty>>() {
                return Ok(a.as_array().iter().map(|&l| u32::from(l)).collect());
            }
        )*};
    }
    widen!(u8, u16, u32);
    Err(PyTypeError::new_err(
        "merge_label_blocks: a boundary plane must be uint8, uint16 or uint32",
    ))
}

/// Pass 2 of block labeling: merges the summaries of the blocks of a regular
/// grid (C order) into one lookup table per block, and the object count.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn merge_label_blocks<'py>(
    py: Python<'py>,
    shape: Vec<usize>,
    chunks: Vec<usize>,
    structure: PyReadonlyArrayDyn<'py, bool>,
    summaries: Vec<(PyReadonlyArray1<'py, u64>, Vec<Bound<'py, PyAny>>)>,
) -> PyResult<(Vec<Bound<'py, PyArray1<u64>>>, usize)> {
    let s = self::structure(&structure)?;
    let grid = ChunkGrid::new(&shape, &chunks).map_err(py_err)?;
    let summaries = summaries
        .iter()
        .map(|(first, faces)| {
            Ok(BlockSummary {
                first: first.as_array().to_vec(),
                faces: faces.iter().map(widen_face).collect::<PyResult<_>>()?,
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    let merged = py
        .detach(|| merge_blocks(&grid, summaries, &s))
        .map_err(py_err)?;
    let count = merged.count();
    let luts = merged
        .into_lookups()
        .into_iter()
        .map(|l| l.into_pyarray(py))
        .collect();
    Ok((luts, count))
}

/// Pass 3 of block labeling: the block's final labels, int32 as scipy's
/// (the lookup table is given as int32).
#[pyfunction]
fn relabel_label_block<'py>(
    py: Python<'py>,
    block: &Bound<'py, PyAny>,
    structure: PyReadonlyArrayDyn<'py, bool>,
    lookup: PyReadonlyArray1<'py, i32>,
) -> PyResult<Bound<'py, PyAny>> {
    let s = self::structure(&structure)?;
    let lut = lookup.as_array();
    let lut = lut.as_slice().map_or_else(|| lut.to_vec(), |s| s.to_vec());
    dispatch!(block, "label", |a: T| {
        let view: ArrayViewD<'_, T> = a.as_array();
        let out: ArrayD<i32> = py
            .detach(|| relabel_block(&view, &s, &lut))
            .map_err(py_err)?;
        Ok(out.into_pyarray(py).into_any())
    })
}

/// The extension module.
#[pymodule]
fn _tesserae(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(label, m)?)?;
    m.add_function(wrap_pyfunction!(find_objects, m)?)?;
    m.add_function(wrap_pyfunction!(measure, m)?)?;
    m.add_function(wrap_pyfunction!(regionprops_table, m)?)?;
    m.add_function(wrap_pyfunction!(gaussian_filter, m)?)?;
    m.add_function(wrap_pyfunction!(uniform_filter, m)?)?;
    m.add_function(wrap_pyfunction!(derivative, m)?)?;
    m.add_function(wrap_pyfunction!(rank_filter, m)?)?;
    m.add_function(wrap_pyfunction!(binary_morphology, m)?)?;
    m.add_function(wrap_pyfunction!(binary_fill_holes, m)?)?;
    m.add_function(wrap_pyfunction!(grey_morphology, m)?)?;
    m.add_function(wrap_pyfunction!(reconstruction, m)?)?;
    m.add_function(wrap_pyfunction!(h_extrema, m)?)?;
    m.add_function(wrap_pyfunction!(local_extrema, m)?)?;
    m.add_function(wrap_pyfunction!(remove_small_objects, m)?)?;
    m.add_function(wrap_pyfunction!(remove_small_holes, m)?)?;
    m.add_function(wrap_pyfunction!(binary_propagation, m)?)?;
    m.add_function(wrap_pyfunction!(peak_local_max, m)?)?;
    m.add_function(wrap_pyfunction!(watershed, m)?)?;
    m.add_function(wrap_pyfunction!(label_block_summary, m)?)?;
    m.add_function(wrap_pyfunction!(merge_label_blocks, m)?)?;
    m.add_function(wrap_pyfunction!(relabel_label_block, m)?)?;
    m.add_function(wrap_pyfunction!(block_labels_from_bytes, m)?)?;
    m.add_class::<BlockLabels>()?;
    Ok(())
}

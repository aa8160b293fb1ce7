"""Labeling and measurements on numpy arrays (scipy.ndimage, skimage.measure)."""

import numpy as np

from . import _tesserae
from ._common import as_input, is_integer, label_structure, region_labels

__all__ = [
    "label", "find_objects", "sum_labels", "sum", "mean", "variance", "standard_deviation",
    "minimum", "maximum", "median", "minimum_position", "maximum_position", "extrema",
    "center_of_mass", "histogram", "labeled_comprehension", "regionprops_table",
]


def label(input, structure=None, output=None):
    """scipy.ndimage.label: ``(labels, count)``, labels int32 numbered by first voxel."""
    a = as_input(input)
    if a.ndim == 0:
        a = a.reshape(1)
        squeeze = True
    else:
        squeeze = False
    s = label_structure(structure, a.ndim)
    labels, n = _tesserae.label(a, s)
    labels = labels.view(np.int32) if n < 2**31 else labels.astype(np.int64)
    if squeeze:
        labels = labels.reshape(())
    if output is not None:
        if isinstance(output, np.ndarray):
            output[...] = labels
            return n
        labels = labels.astype(output)
    return labels, n


def find_objects(input, max_label=0):
    """scipy.ndimage.find_objects: a list of slice tuples, None for absent labels."""
    a = np.asarray(input)
    if a.dtype.kind not in "iub":
        raise TypeError(f"'{a.dtype}' label images are not supported: labels must be integers")
    if a.dtype == np.bool_:
        a = a.view(np.uint8)
    objects = _tesserae.find_objects(a)
    top = max((l for l, _, _ in objects), default=0)
    n = max_label if max_label > 0 else top
    out = [None] * n
    for l, start, stop in objects:
        if l <= n:
            out[l - 1] = tuple(slice(b, e) for b, e in zip(start, stop))
    return out


def _labels_and_index(input, labels, index):
    a = as_input(input)
    if labels is None:
        if index is not None:
            raise ValueError("index given without labels")
        return a, None, None, True
    lab = np.asarray(labels)
    if lab.shape != a.shape:
        a, lab = np.broadcast_arrays(a, lab)
    if lab.dtype.kind not in "iub":
        lab = lab.astype(np.int64)
    lab = np.ascontiguousarray(lab, dtype=np.int64)
    if index is None:
        return a, lab, None, True
    scalar = np.isscalar(index) or np.ndim(index) == 0
    idx = np.atleast_1d(np.asarray(index))
    if idx.dtype.kind not in "iub" and not np.all(idx == np.round(idx)):
        raise ValueError("index must hold integer labels")
    idx = idx.astype(np.int64).ravel()
    if (idx < 0).any():
        raise ValueError("negative labels are not supported in index")
    return a, lab, [int(i) for i in idx], scalar


def _stat(what, input, labels, index, cast=None):
    a, lab, idx, scalar = _labels_and_index(input, labels, index)
    out = _tesserae.measure(a, lab, idx, what)
    if scalar:
        return out[0]
    return out if cast is None else cast(out)


def sum_labels(input, labels=None, index=None):
    """scipy.ndimage.sum_labels."""
    return _stat("sum_labels", input, labels, index)


def sum(input, labels=None, index=None):
    """scipy.ndimage.sum (an alias of sum_labels)."""
    return sum_labels(input, labels, index)


def mean(input, labels=None, index=None):
    """scipy.ndimage.mean."""
    return _stat("mean", input, labels, index)


def variance(input, labels=None, index=None):
    """scipy.ndimage.variance."""
    return _stat("variance", input, labels, index)


def standard_deviation(input, labels=None, index=None):
    """scipy.ndimage.standard_deviation."""
    return _stat("standard_deviation", input, labels, index)


def minimum(input, labels=None, index=None):
    """scipy.ndimage.minimum."""
    return _stat("minimum", input, labels, index, list)


def maximum(input, labels=None, index=None):
    """scipy.ndimage.maximum."""
    return _stat("maximum", input, labels, index, list)


def median(input, labels=None, index=None):
    """scipy.ndimage.median."""
    return _stat("median", input, labels, index, list)


def _positions(what, input, labels, index):
    a, lab, idx, scalar = _labels_and_index(input, labels, index)
    out = [tuple(p) for p in _tesserae.measure(a, lab, idx, what)]
    return out[0] if scalar else out


def minimum_position(input, labels=None, index=None):
    """scipy.ndimage.minimum_position."""
    return _positions("minimum_position", input, labels, index)


def maximum_position(input, labels=None, index=None):
    """scipy.ndimage.maximum_position."""
    return _positions("maximum_position", input, labels, index)


def center_of_mass(input, labels=None, index=None):
    """scipy.ndimage.center_of_mass."""
    return _positions("center_of_mass", input, labels, index)


def extrema(input, labels=None, index=None):
    """scipy.ndimage.extrema: ``(minimums, maximums, min_positions, max_positions)``."""
    a, lab, idx, scalar = _labels_and_index(input, labels, index)
    lo, hi, plo, phi = _tesserae.measure(a, lab, idx, "extrema")
    plo = [tuple(p) for p in plo]
    phi = [tuple(p) for p in phi]
    if scalar:
        return lo[0], hi[0], plo[0], phi[0]
    return lo, hi, plo, phi


def histogram(input, min, max, bins, labels=None, index=None):
    """scipy.ndimage.histogram: counts of ``bins`` equal bins over ``[min, max)``."""
    a, lab, idx, scalar = _labels_and_index(input, labels, index)
    if not is_integer(bins) or bins < 1:
        raise ValueError("bins must be a positive integer")
    out = _tesserae.measure(a, lab, idx, "histogram", (float(min), float(max), int(bins)))
    out = [np.zeros(bins, dtype=np.int64) if h is None else np.asarray(h, dtype=np.int64) for h in out]
    if scalar:
        return out[0]
    result = np.empty(len(out), dtype=object)
    result[:] = out
    return result


def labeled_comprehension(input, labels, index, func, out_dtype, default, pass_positions=False):
    """scipy.ndimage.labeled_comprehension: ``func`` over the values of every
    label of ``index`` (with ``pass_positions``, also their raster indices),
    ``default`` where a label is absent. Values reach ``func`` in raster
    order (scipy's order within a label is unspecified)."""
    a = np.asarray(input)
    positions = np.arange(a.size).reshape(a.shape) if pass_positions else None
    if labels is None:
        if index is not None:
            raise ValueError("index without defined labels")
        return func(a.ravel(), positions.ravel()) if pass_positions else func(a.ravel())
    try:
        a, lab = np.broadcast_arrays(a, np.asarray(labels))
    except ValueError as e:
        raise ValueError("input and labels must have the same shape (excepting dimensions with width 1)") from e
    if pass_positions:
        positions = np.broadcast_to(positions, a.shape)
    if index is None:
        mask = lab > 0
        return func(a[mask], positions[mask]) if pass_positions else func(a[mask])
    scalar = np.isscalar(index) or np.ndim(index) == 0
    idx = np.atleast_1d(np.asarray(index))
    if np.any(idx.astype(lab.dtype).astype(idx.dtype) != idx):
        raise ValueError(f"Cannot convert index values from <{idx.dtype}> to <{lab.dtype}> "
                         "(labels' type) without loss of precision")
    idx = idx.astype(lab.dtype)
    flat = lab.ravel()
    order = np.argsort(flat, kind="stable")
    sorted_labels = flat[order]
    values = a.ravel()[order]
    where = positions.ravel()[order] if pass_positions else None
    lo = np.searchsorted(sorted_labels, idx.ravel(), side="left")
    hi = np.searchsorted(sorted_labels, idx.ravel(), side="right")
    out = np.full(idx.size, default, dtype=np.dtype(out_dtype))
    for i, (b, e) in enumerate(zip(lo, hi)):
        if e > b:
            out[i] = func(values[b:e], where[b:e]) if pass_positions else func(values[b:e])
    out = out.reshape(idx.shape)
    return out[0] if scalar else out


def regionprops_table(label_image, intensity_image=None, properties=("label", "bbox"), *,
                      cache=True, separator="-", extra_properties=None, spacing=None, offset=None):
    """skimage.measure.regionprops_table: a dict of numpy columns."""
    if extra_properties is not None:
        raise NotImplementedError("tesserae: extra_properties are not supported")
    if offset is not None:
        raise NotImplementedError("tesserae: offset is not supported")
    if separator != "-":
        raise NotImplementedError("tesserae: only separator='-' is supported")
    lab = np.asarray(label_image)
    if lab.dtype.kind not in "iu" and lab.dtype != np.bool_:
        raise TypeError("Non-integer label_image types are ambiguous")
    lab = region_labels(lab)
    inten = None
    if intensity_image is not None:
        inten = np.asarray(intensity_image)
        if inten.shape[: lab.ndim] != lab.shape or inten.ndim not in (lab.ndim, lab.ndim + 1):
            raise ValueError(
                "Label and intensity image shapes must match, except for channel (last) axis."
            )
        inten = np.ascontiguousarray(inten, dtype=np.float64)
    if isinstance(properties, str):
        properties = (properties,)
    if spacing is not None:
        spacing = [float(s) for s in np.broadcast_to(np.asarray(spacing, dtype=float), (lab.ndim,))]
    return _tesserae.regionprops_table(lab, inten, list(properties), spacing)

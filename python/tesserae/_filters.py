"""Filters on numpy arrays (scipy.ndimage)."""

import numpy as np

from . import _tesserae
from ._common import as_input, modes, no_output, sequence, single_mode

__all__ = [
    "gaussian_filter", "uniform_filter", "minimum_filter", "maximum_filter", "median_filter",
    "rank_filter", "percentile_filter", "sobel", "prewitt", "laplace",
]


def _axis(axis, ndim):
    axis = int(axis)
    if axis < -ndim or axis >= ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim


def gaussian_filter(input, sigma, order=0, output=None, mode="reflect", cval=0.0, truncate=4.0):
    """scipy.ndimage.gaussian_filter; the result has the input's dtype."""
    a = as_input(input)
    no_output(output, a)
    sigmas = sequence(sigma, a.ndim, float)
    orders = sequence(order, a.ndim, int)
    if any(o < 0 for o in orders):
        raise ValueError("Order cannot be less than zero")
    return _tesserae.gaussian_filter(a, sigmas, orders, modes(mode, a.ndim), float(cval), float(truncate))


def uniform_filter(input, size=3, output=None, mode="reflect", cval=0.0, origin=0):
    """scipy.ndimage.uniform_filter."""
    a = as_input(input)
    no_output(output, a)
    sizes = sequence(size, a.ndim, int)
    if any(s < 1 for s in sizes):
        raise RuntimeError("incorrect filter size")
    return _tesserae.uniform_filter(a, sizes, modes(mode, a.ndim), float(cval), sequence(origin, a.ndim, int))


def _rank(kind, input, size, footprint, output, mode, cval, origin, rank=0, percentile=0.0):
    a = as_input(input)
    no_output(output, a)
    fp = None
    sizes = None
    if footprint is not None:
        fp = np.ascontiguousarray(np.asarray(footprint, dtype=bool))
        if fp.ndim != a.ndim:
            raise RuntimeError("footprint array has incorrect shape.")
        if not fp.any():
            raise ValueError("All-zero footprint is not supported.")
    elif size is not None:
        sizes = sequence(size, a.ndim, int)
    else:
        raise RuntimeError("no footprint or filter size provided")
    origins = sequence(origin, a.ndim, int)
    return _tesserae.rank_filter(a, kind, int(rank), float(percentile), sizes, fp,
                                 single_mode(mode), float(cval), origins)


def minimum_filter(input, size=None, footprint=None, output=None, mode="reflect", cval=0.0, origin=0):
    """scipy.ndimage.minimum_filter."""
    return _rank("minimum", input, size, footprint, output, mode, cval, origin)


def maximum_filter(input, size=None, footprint=None, output=None, mode="reflect", cval=0.0, origin=0):
    """scipy.ndimage.maximum_filter."""
    return _rank("maximum", input, size, footprint, output, mode, cval, origin)


def median_filter(input, size=None, footprint=None, output=None, mode="reflect", cval=0.0, origin=0):
    """scipy.ndimage.median_filter."""
    return _rank("median", input, size, footprint, output, mode, cval, origin)


def rank_filter(input, rank, size=None, footprint=None, output=None, mode="reflect", cval=0.0, origin=0):
    """scipy.ndimage.rank_filter."""
    return _rank("rank", input, size, footprint, output, mode, cval, origin, rank=rank)


def percentile_filter(input, percentile, size=None, footprint=None, output=None, mode="reflect",
                      cval=0.0, origin=0):
    """scipy.ndimage.percentile_filter."""
    return _rank("percentile", input, size, footprint, output, mode, cval, origin, percentile=percentile)


def sobel(input, axis=-1, output=None, mode="reflect", cval=0.0):
    """scipy.ndimage.sobel."""
    a = as_input(input)
    no_output(output, a)
    return _tesserae.derivative(a, "sobel", _axis(axis, a.ndim), modes(mode, a.ndim), float(cval))


def prewitt(input, axis=-1, output=None, mode="reflect", cval=0.0):
    """scipy.ndimage.prewitt."""
    a = as_input(input)
    no_output(output, a)
    return _tesserae.derivative(a, "prewitt", _axis(axis, a.ndim), modes(mode, a.ndim), float(cval))


def laplace(input, output=None, mode="reflect", cval=0.0):
    """scipy.ndimage.laplace."""
    a = as_input(input)
    no_output(output, a)
    return _tesserae.derivative(a, "laplace", 0, modes(mode, a.ndim), float(cval))

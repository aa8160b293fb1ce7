"""dask_image.ndfilters on tesserae's in-memory Rust filters via ``map_overlap``.

Every block is filtered with a halo as deep as the filter's reach; the halo
is real neighbour data inside the array (``boundary="none"``), and at the
array's border the filter's own ``mode`` applies, so the result equals the
in-memory filter on the whole array.
"""

import numpy as np

from .. import _filters
from .._common import sequence
from ._blocks import as_dask

__all__ = [
    "gaussian_filter", "gaussian", "uniform_filter", "minimum_filter", "maximum_filter",
    "median_filter", "rank_filter", "percentile_filter", "sobel", "prewitt", "laplace",
]


def _overlap(func, image, depth, **kwargs):
    """``func`` over blocks with halos of ``depth``: real data inside the
    array, the wrapped far side at the border for ``wrap`` axes (scipy's
    periodic extension), nothing elsewhere (the filter applies its mode)."""
    image = as_dask(image)
    depth = {k: int(d) for k, d in enumerate(depth)}
    mode = kwargs.get("mode", "reflect")
    per_axis = sequence(mode, image.ndim, str)
    boundary = {k: "periodic" if m in ("wrap", "grid-wrap") else "none" for k, m in enumerate(per_axis)}
    return image.map_overlap(func, depth=depth, boundary=boundary, dtype=image.dtype,
                             meta=np.array((), dtype=image.dtype), **kwargs)


def gaussian_filter(image, sigma, order=0, mode="reflect", cval=0.0, truncate=4.0):
    """dask_image.ndfilters.gaussian_filter."""
    image = as_dask(image)
    sigmas = sequence(sigma, image.ndim, float)
    depth = [int(truncate * s + 0.5) for s in sigmas]
    return _overlap(_filters.gaussian_filter, image, depth, sigma=sigmas, order=order, mode=mode,
                    cval=cval, truncate=truncate)


def gaussian(image, sigma, order=0, mode="reflect", cval=0.0, truncate=4.0):
    """An alias of gaussian_filter (dask_image.ndfilters.gaussian)."""
    return gaussian_filter(image, sigma, order, mode, cval, truncate)


def uniform_filter(image, size=3, mode="reflect", cval=0.0, origin=0):
    """dask_image.ndfilters.uniform_filter."""
    image = as_dask(image)
    sizes = sequence(size, image.ndim, int)
    origins = sequence(origin, image.ndim, int)
    depth = [s // 2 + abs(o) for s, o in zip(sizes, origins)]
    return _overlap(_filters.uniform_filter, image, depth, size=sizes, mode=mode, cval=cval, origin=origins)


def _footprint_depth(ndim, size, footprint, origin):
    if footprint is not None:
        shape = np.asarray(footprint).shape
    elif size is not None:
        shape = sequence(size, ndim, int)
    else:
        raise RuntimeError("Must provide either size or footprint.")
    origins = sequence(origin, ndim, int)
    return [s // 2 + abs(o) for s, o in zip(shape, origins)]


def _rank_api(func):
    def f(image, size=None, footprint=None, mode="reflect", cval=0.0, origin=0):
        image = as_dask(image)
        depth = _footprint_depth(image.ndim, size, footprint, origin)
        return _overlap(func, image, depth, size=size, footprint=footprint, mode=mode, cval=cval, origin=origin)

    f.__name__ = f.__qualname__ = func.__name__
    f.__doc__ = f"dask_image.ndfilters.{func.__name__}."
    return f


minimum_filter = _rank_api(_filters.minimum_filter)
maximum_filter = _rank_api(_filters.maximum_filter)
median_filter = _rank_api(_filters.median_filter)


def rank_filter(image, rank, size=None, footprint=None, mode="reflect", cval=0.0, origin=0):
    """dask_image.ndfilters.rank_filter."""
    image = as_dask(image)
    depth = _footprint_depth(image.ndim, size, footprint, origin)
    return _overlap(_filters.rank_filter, image, depth, rank=rank, size=size, footprint=footprint,
                    mode=mode, cval=cval, origin=origin)


def percentile_filter(image, percentile, size=None, footprint=None, mode="reflect", cval=0.0, origin=0):
    """dask_image.ndfilters.percentile_filter."""
    image = as_dask(image)
    depth = _footprint_depth(image.ndim, size, footprint, origin)
    return _overlap(_filters.percentile_filter, image, depth, percentile=percentile, size=size,
                    footprint=footprint, mode=mode, cval=cval, origin=origin)


def sobel(image, axis=-1, mode="reflect", cval=0.0):
    """dask_image.ndfilters.sobel."""
    image = as_dask(image)
    return _overlap(_filters.sobel, image, [1] * image.ndim, axis=axis, mode=mode, cval=cval)


def prewitt(image, axis=-1, mode="reflect", cval=0.0):
    """dask_image.ndfilters.prewitt."""
    image = as_dask(image)
    return _overlap(_filters.prewitt, image, [1] * image.ndim, axis=axis, mode=mode, cval=cval)


def laplace(image, mode="reflect", cval=0.0):
    """dask_image.ndfilters.laplace."""
    image = as_dask(image)
    return _overlap(_filters.laplace, image, [1] * image.ndim, mode=mode, cval=cval)

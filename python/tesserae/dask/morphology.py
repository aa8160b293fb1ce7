"""skimage.morphology's global operations (and scipy's binary_propagation) on
dask arrays (dask-image has none).

Reconstruction, h-extrema, local extrema, hole removal and propagation reach
without bound: a
voxel's result may depend on any other voxel. Each runs as one task over the
whole volume (the blocks are gathered, computed by the Rust kernels and split
back into the image's chunks), so the results equal scikit-image's exactly;
that task needs the volume in memory. For volumes larger than memory use the
chunked CLI (``tesserae reconstruct``, ``tesserae seeds``), which iterates
blockwise to the same fixed point.
"""

import numpy as np

from .. import _morph
from ._blocks import gathered

__all__ = ["reconstruction", "h_maxima", "h_minima", "local_maxima", "local_minima",
           "remove_small_holes", "binary_propagation"]


def reconstruction(seed, mask, method="dilation", footprint=None, offset=None):
    """skimage.morphology.reconstruction on dask arrays, exact (see the module).

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from tesserae.dask.morphology import reconstruction
    >>> mask = da.from_array(np.array([1.0, 3.0, 1.0, 4.0, 1.0]), chunks=2)
    >>> seed = da.from_array(np.array([1.0, 2.0, 1.0, 1.0, 1.0]), chunks=2)
    >>> reconstruction(seed, mask).compute()
    array([1., 2., 1., 1., 1.])
    """
    dtype = np.float32 if np.dtype(mask.dtype) == np.float32 else np.float64

    def rec(seed, mask):
        return _morph.reconstruction(seed, mask, method=method, footprint=footprint,
                                     offset=offset)

    return gathered(rec, seed, mask, dtype=dtype)


def h_maxima(image, h, footprint=None):
    """skimage.morphology.h_maxima on dask arrays (uint8), exact (see the module).

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from tesserae.dask.morphology import h_maxima
    >>> image = da.from_array(np.array([0, 3, 0, 1, 0, 5, 0], np.uint8), chunks=3)
    >>> h_maxima(image, 2).compute()
    array([0, 1, 0, 0, 0, 1, 0], dtype=uint8)
    """
    return gathered(lambda a: _morph.h_maxima(a, h, footprint), image, dtype=np.uint8)


def h_minima(image, h, footprint=None):
    """skimage.morphology.h_minima on dask arrays (uint8), exact (see the module).

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from tesserae.dask.morphology import h_minima
    >>> image = da.from_array(np.array([5, 2, 5, 4, 5, 0, 5], np.uint8), chunks=3)
    >>> h_minima(image, 2).compute()
    array([0, 1, 0, 0, 0, 1, 0], dtype=uint8)
    """
    return gathered(lambda a: _morph.h_minima(a, h, footprint), image, dtype=np.uint8)


def local_maxima(image, footprint=None, connectivity=None, allow_borders=True):
    """skimage.morphology.local_maxima on dask arrays (bool; ``indices=False``),
    exact (see the module).

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from tesserae.dask.morphology import local_maxima
    >>> image = da.from_array(np.array([2, 2, 1, 4, 4, 4, 0], np.uint8), chunks=2)
    >>> local_maxima(image).compute()
    array([ True,  True, False,  True,  True,  True, False])
    """
    def local(a):
        return _morph.local_maxima(a, footprint, connectivity, False, allow_borders)

    return gathered(local, image, dtype=bool)


def local_minima(image, footprint=None, connectivity=None, allow_borders=True):
    """skimage.morphology.local_minima on dask arrays (bool; ``indices=False``),
    exact (see the module).

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from tesserae.dask.morphology import local_minima
    >>> image = da.from_array(np.array([3.0, 1.0, 1.0, 2.0, 0.5]), chunks=2)
    >>> local_minima(image).compute()
    array([False,  True,  True, False,  True])
    """
    def local(a):
        return _morph.local_minima(a, footprint, connectivity, False, allow_borders)

    return gathered(local, image, dtype=bool)


def remove_small_holes(ar, max_size=64, connectivity=1):
    """skimage.morphology.remove_small_holes (0.26's ``max_size``) on dask
    arrays (bool), exact (see the module).

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from tesserae.dask.morphology import remove_small_holes
    >>> a = da.from_array(np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]], bool), chunks=2)
    >>> remove_small_holes(a, max_size=1).compute().all()
    np.True_
    """
    def fill(a):
        return _morph.remove_small_holes(a, max_size=max_size, connectivity=connectivity)

    return gathered(fill, ar, dtype=bool)


def binary_propagation(input, structure=None, mask=None, border_value=0):
    """scipy.ndimage.binary_propagation on dask arrays (bool), exact (see the
    module).

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from tesserae.dask.morphology import binary_propagation
    >>> seed = da.from_array(np.array([0, 1, 0, 0, 0], bool), chunks=2)
    >>> binary_propagation(seed, mask=np.array([1, 1, 1, 0, 1], bool)).compute()
    array([ True,  True,  True, False, False])
    """
    def propagate(a, m):
        return _morph.binary_propagation(a, structure, m, border_value=border_value)

    return gathered(propagate, input, mask, dtype=bool)

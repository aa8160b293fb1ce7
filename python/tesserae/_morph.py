"""Binary and grey morphology on numpy arrays (scipy.ndimage)."""

import warnings

import numpy as np

from . import _tesserae
from ._common import as_input, binary_structure, no_output, sequence, single_mode

__all__ = [
    "binary_erosion", "binary_dilation", "binary_opening", "binary_closing", "binary_fill_holes",
    "grey_erosion", "grey_dilation", "grey_opening", "grey_closing", "white_tophat",
    "black_tophat", "morphological_gradient", "morphological_laplace", "reconstruction",
    "h_maxima", "h_minima", "local_maxima", "local_minima", "remove_small_objects",
    "remove_small_holes", "binary_propagation",
]

_DEPRECATED = object()


def _binary_structure(structure, ndim):
    if structure is None:
        return binary_structure(ndim, 1)
    s = np.ascontiguousarray(np.asarray(structure, dtype=bool))
    if s.ndim != ndim:
        raise RuntimeError("structure and input must have same dimensionality")
    if not s.any():
        raise RuntimeError("structure must not be empty")
    return s


def _binary(op, input, structure, iterations, mask, output, border_value, origin, brute_force):
    if mask is not None:
        raise NotImplementedError("tesserae: mask is not supported")
    if output is not None:
        raise NotImplementedError("tesserae: only output=None is supported")
    if np.any(np.asarray(origin) != 0):
        raise NotImplementedError("tesserae: only origin=0 is supported")
    a = as_input(input)
    if a.dtype != np.uint8:
        a = (a != 0).view(np.uint8)
    s = _binary_structure(structure, a.ndim)
    iterations = int(iterations)
    if iterations < 1:
        raise NotImplementedError("tesserae: iterations < 1 (until no change) is not supported")
    out = _tesserae.binary_morphology(np.ascontiguousarray(a), op, s, iterations, bool(border_value))
    return out.view(bool)


def binary_erosion(input, structure=None, iterations=1, mask=None, output=None, border_value=0,
                   origin=0, brute_force=False):
    """scipy.ndimage.binary_erosion."""
    return _binary("erosion", input, structure, iterations, mask, output, border_value, origin, brute_force)


def binary_dilation(input, structure=None, iterations=1, mask=None, output=None, border_value=0,
                    origin=0, brute_force=False):
    """scipy.ndimage.binary_dilation."""
    return _binary("dilation", input, structure, iterations, mask, output, border_value, origin, brute_force)


def binary_opening(input, structure=None, iterations=1, output=None, origin=0, mask=None,
                   border_value=0, brute_force=False):
    """scipy.ndimage.binary_opening."""
    return _binary("opening", input, structure, iterations, mask, output, border_value, origin, brute_force)


def binary_closing(input, structure=None, iterations=1, output=None, origin=0, mask=None,
                   border_value=0, brute_force=False):
    """scipy.ndimage.binary_closing."""
    return _binary("closing", input, structure, iterations, mask, output, border_value, origin, brute_force)


def binary_fill_holes(input, structure=None, output=None, origin=0):
    """scipy.ndimage.binary_fill_holes."""
    if output is not None:
        raise NotImplementedError("tesserae: only output=None is supported")
    a = as_input(input)
    if a.dtype != np.uint8:
        a = (a != 0).view(np.uint8)
    s = _binary_structure(structure, a.ndim)
    if any(n != 3 for n in s.shape):
        raise NotImplementedError("tesserae: binary_fill_holes needs a 3**ndim structure")
    return _tesserae.binary_fill_holes(np.ascontiguousarray(a), s).view(bool)


def binary_propagation(input, structure=None, mask=None, output=None, border_value=0, origin=0):
    """scipy.ndimage.binary_propagation: ``input`` dilated within ``mask``
    until nothing changes (voxels outside the mask keep their value).

    Examples
    --------
    >>> import numpy as np
    >>> import tesserae
    >>> seed = np.array([0, 1, 0, 0, 0], bool)
    >>> tesserae.binary_propagation(seed, mask=np.array([1, 1, 1, 0, 1], bool))
    array([ True,  True,  True, False, False])
    """
    if output is not None:
        raise NotImplementedError("tesserae: only output=None is supported")
    if np.any(np.asarray(origin) != 0):
        raise NotImplementedError("tesserae: only origin=0 is supported")
    a = as_input(input)
    if a.dtype != np.uint8:
        a = (a != 0).view(np.uint8)
    s = _binary_structure(structure, a.ndim)
    m = None
    if mask is not None:
        m = np.asarray(mask)
        if m.shape != a.shape:
            raise RuntimeError("mask and input must have equal sizes")
        m = np.ascontiguousarray(m != 0).view(np.uint8)
    return _tesserae.binary_propagation(np.ascontiguousarray(a), m, s, [0] * a.ndim,
                                        bool(border_value)).view(bool)


def _grey(op, input, size, footprint, structure, output, mode, cval, origin):
    a = as_input(input)
    no_output(output, a)
    sizes = fp = st = None
    if structure is not None:
        st = np.ascontiguousarray(np.asarray(structure, dtype=np.float64))
        if st.ndim != a.ndim:
            raise RuntimeError("structure array has incorrect shape")
    if footprint is not None:
        fp = np.ascontiguousarray(np.asarray(footprint, dtype=bool))
        if fp.ndim != a.ndim:
            raise RuntimeError("footprint array has incorrect shape.")
    if size is not None:
        sizes = sequence(size, a.ndim, int)
    if sizes is None and fp is None and st is None:
        raise ValueError("size, footprint, or structure must be specified")
    return _tesserae.grey_morphology(a, op, sizes, fp, st, single_mode(mode), float(cval),
                                     sequence(origin, a.ndim, int))


def _grey_api(name):
    def f(input, size=None, footprint=None, structure=None, output=None, mode="reflect", cval=0.0,
          origin=0):
        return _grey(name, input, size, footprint, structure, output, mode, cval, origin)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"scipy.ndimage.{name}."
    return f


grey_erosion = _grey_api("grey_erosion")
grey_dilation = _grey_api("grey_dilation")
grey_opening = _grey_api("grey_opening")
grey_closing = _grey_api("grey_closing")
white_tophat = _grey_api("white_tophat")
black_tophat = _grey_api("black_tophat")
morphological_gradient = _grey_api("morphological_gradient")
morphological_laplace = _grey_api("morphological_laplace")


def _footprint_and_origin(footprint, offset, ndim, what):
    """A boolean footprint (default: the 3 x ... x 3 box) and the origin the
    Rust kernels take for scikit-image's ``offset`` (its centre)."""
    fp = np.ones((3,) * ndim, bool) if footprint is None else np.asarray(footprint, bool)
    if fp.ndim != ndim:
        raise ValueError(f"{what}: the footprint must have the image's number of dimensions")
    if offset is None:
        if any(d % 2 == 0 for d in fp.shape):
            raise ValueError("Footprint dimensions must all be odd")
        offset = [d // 2 for d in fp.shape]
    offset = np.asarray(offset, dtype=np.intp)
    if offset.ndim != 1 or len(offset) != fp.ndim:
        raise ValueError("Offset and footprint ndims must be equal.")
    if not all(0 <= o < d for o, d in zip(offset, fp.shape)):
        raise ValueError("Offset must be included inside footprint")
    origin = [int(o) - d // 2 for o, d in zip(offset, fp.shape)]
    return np.ascontiguousarray(fp), origin


def reconstruction(seed, mask, method="dilation", footprint=None, offset=None):
    """skimage.morphology.reconstruction: morphological reconstruction by
    dilation (or erosion) of ``seed`` under (above) ``mask``.

    Parameters
    ----------
    seed : ndarray
        The image to dilate (erode); at most (at least) ``mask`` everywhere.
    mask : ndarray
        The image limiting the reconstruction, of ``seed``'s shape.
    method : {'dilation', 'erosion'}, optional
        Which way values spread.
    footprint : ndarray, optional
        The neighbourhood (default: the 3 x ... x 3 box).
    offset : ndarray, optional
        The coordinates of the footprint's centre (default: its middle).

    Returns
    -------
    reconstructed : ndarray
        float32 for a float16 or float32 mask, float64 otherwise.

    Raises
    ------
    ValueError
        When the seed exceeds the mask (dilation; erosion: falls below it),
        the method is unknown or the footprint does not fit.

    Examples
    --------
    >>> import numpy as np
    >>> import tesserae
    >>> mask = np.array([1., 3., 1., 4., 1.])
    >>> tesserae.reconstruction(np.array([1., 2., 1., 1., 1.]), mask)
    array([1., 2., 1., 1., 1.])
    """
    seed = np.asarray(seed)
    mask = np.asarray(mask)
    if seed.shape != mask.shape:
        raise ValueError(f"seed (shape {seed.shape}) and mask (shape {mask.shape}) differ")
    dtype = np.float32 if mask.dtype in (np.float16, np.float32) else np.float64
    fp, origin = _footprint_and_origin(footprint, offset, seed.ndim, "reconstruction")
    return _tesserae.reconstruction(
        np.ascontiguousarray(seed, dtype=dtype), np.ascontiguousarray(mask, dtype=dtype),
        method, fp, origin)


def _h_extrema(image, h, footprint, minima):
    a = as_input(image, "image")
    fp, origin = _footprint_and_origin(footprint, None, a.ndim, "h_maxima")
    return _tesserae.h_extrema(np.ascontiguousarray(a), float(h), minima, fp, origin)


def h_maxima(image, h, footprint=None):
    """skimage.morphology.h_maxima: the maxima of ``image`` at least ``h`` high.

    Parameters
    ----------
    image : ndarray
        The image.
    h : float
        The minimal height of a maximum (> 0).
    footprint : ndarray, optional
        The neighbourhood (default: the 3 x ... x 3 box).

    Returns
    -------
    h_max : ndarray of uint8
        1 on the h-maxima, 0 elsewhere.

    Raises
    ------
    ValueError
        When ``h`` is not a positive finite number.

    Examples
    --------
    >>> import numpy as np
    >>> import tesserae
    >>> tesserae.h_maxima(np.array([0, 3, 0, 1, 0, 5, 0], np.uint8), 2)
    array([0, 1, 0, 0, 0, 1, 0], dtype=uint8)
    """
    return _h_extrema(image, h, footprint, False)


def h_minima(image, h, footprint=None):
    """skimage.morphology.h_minima: the minima of ``image`` at least ``h`` deep.

    Parameters
    ----------
    image : ndarray
        The image.
    h : float
        The minimal depth of a minimum (> 0).
    footprint : ndarray, optional
        The neighbourhood (default: the 3 x ... x 3 box).

    Returns
    -------
    h_min : ndarray of uint8
        1 on the h-minima, 0 elsewhere.

    Raises
    ------
    ValueError
        When ``h`` is not a positive finite number.

    Examples
    --------
    >>> import numpy as np
    >>> import tesserae
    >>> tesserae.h_minima(np.array([5, 2, 5, 4, 5, 0, 5], np.uint8), 2)
    array([0, 1, 0, 0, 0, 1, 0], dtype=uint8)
    """
    return _h_extrema(image, h, footprint, True)


def _local_extrema(image, footprint, connectivity, indices, allow_borders, minima):
    a = np.asarray(image)
    if a.dtype == np.float16:
        raise TypeError("dtype of `image` is float16 which is not supported, "
                        "try upcasting to float32")
    if a.size == 0:
        return np.nonzero(a) if indices else np.zeros(a.shape, dtype=bool)
    if footprint is None:
        fp = binary_structure(a.ndim, a.ndim if connectivity is None else int(connectivity))
    else:
        fp = np.asarray(footprint, dtype=bool)
        if fp.ndim != a.ndim:
            raise ValueError("number of dimensions in image and footprint do not match")
        if any(s != 3 for s in fp.shape):
            raise ValueError("dimension size in footprint is not 3")
    if not allow_borders and any(s < 3 for s in a.shape):
        warnings.warn("maxima can't exist for an image with any dimension smaller 3 "
                      "if borders aren't allowed", stacklevel=3)
    a = as_input(a, "image")
    flags = _tesserae.local_extrema(np.ascontiguousarray(a), minima,
                                    np.ascontiguousarray(fp), bool(allow_borders))
    flags = flags.view(bool)
    return np.nonzero(flags) if indices else flags


def local_maxima(image, footprint=None, connectivity=None, indices=False, allow_borders=True):
    """skimage.morphology.local_maxima: the plateaus of ``image`` that no
    neighbour rises above.

    Parameters
    ----------
    image : ndarray
        The image.
    footprint : ndarray, optional
        The neighbourhood, 3 along every axis and symmetric through its centre
        (default: from ``connectivity``).
    connectivity : int, optional
        Neighbours at up to this many orthogonal steps (default: ``image.ndim``,
        the full box). Ignored when ``footprint`` is given.
    indices : bool, optional
        Return the coordinates (a tuple of index arrays) instead of a mask.
    allow_borders : bool, optional
        Whether plateaus touching the image border count (default True).

    Returns
    -------
    maxima : ndarray of bool or tuple of ndarray
        True on the maxima, or their indices.

    Raises
    ------
    ValueError
        When the footprint has another rank, is not 3 along every axis, or is
        not symmetric.
    TypeError
        For a float16 image.

    Examples
    --------
    >>> import numpy as np
    >>> import tesserae
    >>> tesserae.local_maxima(np.array([2, 2, 1, 4, 4, 4, 0], np.uint8))
    array([ True,  True, False,  True,  True,  True, False])
    """
    return _local_extrema(image, footprint, connectivity, indices, allow_borders, False)


def local_minima(image, footprint=None, connectivity=None, indices=False, allow_borders=True):
    """skimage.morphology.local_minima: the plateaus of ``image`` that no
    neighbour falls below.

    Parameters
    ----------
    image : ndarray
        The image.
    footprint : ndarray, optional
        The neighbourhood, 3 along every axis and symmetric through its centre
        (default: from ``connectivity``).
    connectivity : int, optional
        Neighbours at up to this many orthogonal steps (default: ``image.ndim``,
        the full box). Ignored when ``footprint`` is given.
    indices : bool, optional
        Return the coordinates (a tuple of index arrays) instead of a mask.
    allow_borders : bool, optional
        Whether plateaus touching the image border count (default True).

    Returns
    -------
    minima : ndarray of bool or tuple of ndarray
        True on the minima, or their indices.

    Raises
    ------
    ValueError
        When the footprint has another rank, is not 3 along every axis, or is
        not symmetric.
    TypeError
        For a float16 image.

    Examples
    --------
    >>> import numpy as np
    >>> import tesserae
    >>> tesserae.local_minima(np.array([3.0, 1.0, 1.0, 2.0, 0.5]))
    array([False,  True,  True, False,  True])
    """
    return _local_extrema(image, footprint, connectivity, indices, allow_borders, True)


def _check_bool_or_int(a):
    if a.dtype != bool and a.dtype.kind not in "iu":
        raise TypeError(f"Only bool or integer image types are supported. Got {a.dtype}.")


def _max_size(max_size, deprecated, old):
    """``max_size``, or the deprecated parameter ``old``, which scikit-image
    0.26 passes on as ``max_size`` (inclusive) with a FutureWarning."""
    if deprecated is _DEPRECATED:
        return int(max_size)
    warnings.warn(f"Parameter `{old}` is deprecated since version 0.26.0; use `max_size` "
                  "instead, which removes objects smaller than or equal to its value.",
                  FutureWarning, stacklevel=3)
    return int(deprecated)


def _into(result, out):
    if out is None:
        return result
    out[...] = result
    return out


def remove_small_objects(ar, min_size=_DEPRECATED, connectivity=1, *, max_size=64, out=None):
    """skimage.morphology.remove_small_objects (0.26): objects of ``max_size``
    voxels or fewer removed.

    Parameters
    ----------
    ar : ndarray of bool or int
        A mask (its components at ``connectivity`` are the objects) or a
        label image (the labels are; ``connectivity`` is ignored).
    min_size : int, optional
        Deprecated: taken as ``max_size``, as scikit-image 0.26 does.
    connectivity : int, optional
        1 (the default) to ``ar.ndim``.
    max_size : int, optional
        The largest size removed (default 64).
    out : ndarray, optional
        Where to write the result.

    Returns
    -------
    out : ndarray
        ``ar`` with the small objects set to 0, in its dtype.

    Raises
    ------
    TypeError
        When ``ar`` holds neither bools nor integers.
    ValueError
        When a label image holds negative labels.

    Examples
    --------
    >>> import numpy as np
    >>> import tesserae
    >>> tesserae.remove_small_objects(np.array([1, 1, 0, 1, 0, 1, 1, 1]) > 0, max_size=2)
    array([False, False, False, False, False,  True,  True,  True])
    """
    a = np.asarray(ar)
    _check_bool_or_int(a)
    max_size = _max_size(max_size, min_size, "min_size")
    if max_size <= 0:
        return _into(a.copy(), out)
    if a.dtype == bool:
        kept = _tesserae.remove_small_objects(np.ascontiguousarray(a).view(np.uint8), max_size,
                                              int(connectivity), False)
        return _into(kept.view(bool), out)
    if a.size and a.min() < 0:
        raise ValueError("Negative value labels are not supported. Try relabeling the input "
                         "with `scipy.ndimage.label` or `skimage.morphology.label`.")
    if len(np.unique(a)) == 2 and a.min() == 0:
        warnings.warn("Only one label was provided to `remove_small_objects`. "
                      "Did you mean to use a boolean array?", stacklevel=2)
    labels = a if a.dtype.isnative else a.astype(a.dtype.newbyteorder("="))
    kept = _tesserae.remove_small_objects(np.ascontiguousarray(labels), max_size,
                                          int(connectivity), True)
    return _into(kept.astype(a.dtype, copy=False), out)


def remove_small_holes(ar, area_threshold=_DEPRECATED, connectivity=1, *, max_size=64, out=None):
    """skimage.morphology.remove_small_holes (0.26): background components
    of ``max_size`` voxels or fewer (at the border too) filled.

    Parameters
    ----------
    ar : ndarray of bool or int
        The mask (non-zero is foreground; labels are not kept).
    area_threshold : int, optional
        Deprecated: taken as ``max_size``, as scikit-image 0.26 does.
    connectivity : int, optional
        1 (the default) to ``ar.ndim``.
    max_size : int, optional
        The largest hole filled (default 64).
    out : ndarray of bool, optional
        Where to write the result.

    Returns
    -------
    out : ndarray of bool
        The mask with its small holes filled.

    Raises
    ------
    TypeError
        When ``ar`` holds neither bools nor integers, or ``out`` is not bool.

    Examples
    --------
    >>> import numpy as np
    >>> import tesserae
    >>> a = np.array([[1, 1, 1, 1], [1, 0, 1, 0], [1, 1, 1, 0]], bool)
    >>> tesserae.remove_small_holes(a, max_size=1).astype(int)
    array([[1, 1, 1, 1],
           [1, 1, 1, 0],
           [1, 1, 1, 0]])
    """
    a = np.asarray(ar)
    _check_bool_or_int(a)
    if a.dtype != bool:
        warnings.warn("Any labeled images will be returned as a boolean array. "
                      "Did you mean to use a boolean array?", stacklevel=2)
    if out is not None and out.dtype != bool:
        raise TypeError("out dtype must be bool")
    max_size = _max_size(max_size, area_threshold, "area_threshold")
    if max_size <= 0:
        return _into(a.astype(bool), out)
    mask = np.ascontiguousarray(a).view(np.uint8) if a.dtype == bool else (a != 0).view(np.uint8)
    filled = _tesserae.remove_small_holes(mask, max_size, int(connectivity))
    return _into(filled.view(bool), out)

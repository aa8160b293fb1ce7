"""Segmentation on numpy arrays (skimage.segmentation)."""

import numbers

import numpy as np

from . import _tesserae
from ._common import binary_structure

__all__ = ["watershed"]


def watershed(image, markers=None, connectivity=1, offset=None, mask=None, compactness=0,
              watershed_line=False):
    """skimage.segmentation.watershed: the basins of ``image`` flooded from
    ``markers``, voxel for voxel as scikit-image floods (plateaus and ties
    included).

    Parameters
    ----------
    image : ndarray
        The image; its lowest values are flooded first (e.g. the negated
        distance transform of a mask of touching nuclei).
    markers : ndarray of int
        The basins' seeds, labelled (0: no marker), of ``image``'s shape.
        tesserae needs them given: ``None`` and a number of markers are
        refused with ``NotImplementedError``.
    connectivity : int or ndarray, optional
        1 (the default) for face neighbours up to ``image.ndim``, or a
        footprint array.
    offset : array_like, optional
        The centre of a footprint array (default: its middle).
    mask : ndarray of bool, optional
        Only voxels where ``mask`` is true are labelled.
    compactness : float, optional
        Compact watershed when > 0.
    watershed_line : bool, optional
        Leave a one-voxel line of label 0 between basins.

    Returns
    -------
    out : ndarray
        The labels, in the markers' dtype.

    Raises
    ------
    ValueError
        When shapes differ, a marker is negative, the image holds NaN or the
        compactness is negative.
    TypeError
        When the markers are not integers.

    Examples
    --------
    >>> import numpy as np
    >>> import tesserae
    >>> image = np.array([[0, 1, 5, 1, 0]], np.uint8)
    >>> tesserae.watershed(image, np.array([[1, 0, 0, 0, 2]]))
    array([[1, 1, 1, 2, 2]])
    """
    image = np.asarray(image)
    if markers is None or not isinstance(markers, (np.ndarray, list, tuple)):
        raise NotImplementedError("tesserae: watershed needs a marker array")
    markers = np.asarray(markers)
    if markers.dtype.kind not in "iu":
        raise TypeError(f"markers must hold integers, not {markers.dtype}")
    if markers.shape != image.shape:
        raise ValueError(f"`markers` (shape {markers.shape}) must have same shape as "
                         f"`image` (shape {image.shape})")
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != image.shape:
            raise ValueError(f"`mask` (shape {mask.shape}) must have same shape as "
                             f"`image` (shape {image.shape})")
        mask = np.ascontiguousarray(mask)
    if isinstance(connectivity, numbers.Integral):
        footprint = binary_structure(image.ndim, int(connectivity))
    else:
        footprint = np.asarray(connectivity, bool)
        if footprint.ndim != image.ndim:
            raise ValueError("Connectivity dimension must be same as image")
    if offset is None:
        if any(d % 2 == 0 for d in footprint.shape):
            raise ValueError("Connectivity array must have an unambiguous center")
        offset = [d // 2 for d in footprint.shape]
    origin = [int(o) - d // 2 for o, d in zip(offset, footprint.shape)]
    exact_in_f32 = image.dtype.kind in "uib" and image.dtype.itemsize <= 2
    dtype = np.float32 if exact_in_f32 or image.dtype == np.float32 else np.float64
    if not markers.dtype.isnative:
        markers = markers.astype(markers.dtype.newbyteorder("="))
    return _tesserae.watershed(
        np.ascontiguousarray(image, dtype=dtype), np.ascontiguousarray(markers), mask,
        np.ascontiguousarray(footprint), origin, float(compactness), bool(watershed_line))

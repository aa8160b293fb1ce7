"""Segmentation on numpy arrays (skimage.segmentation, and the seeds of
skimage.feature.peak_local_max)."""

import numbers
import warnings

import numpy as np

from . import _tesserae
from ._common import as_input, binary_structure

__all__ = ["watershed", "peak_local_max"]


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
    markers : ndarray of int, optional
        The basins' seeds, labelled (0: no marker), of ``image``'s shape.
        ``None`` (the default): the local minima of ``image`` within ``mask``,
        labelled with ``connectivity`` (the labels are then int32), as
        scikit-image does. A number of markers is refused with
        ``NotImplementedError``.
    connectivity : int or ndarray, optional
        1 (the default) for face neighbours up to ``image.ndim``, or a
        footprint array (not without markers).
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
    if markers is not None:
        if not isinstance(markers, (np.ndarray, list, tuple)):
            raise NotImplementedError("tesserae: watershed takes a marker array or None, "
                                      "not a number of markers")
        markers = np.asarray(markers)
        if markers.dtype.kind not in "iu":
            raise TypeError(f"markers must hold integers, not {markers.dtype}")
        if markers.shape != image.shape:
            raise ValueError(f"`markers` (shape {markers.shape}) must have same shape as "
                             f"`image` (shape {image.shape})")
        if not markers.dtype.isnative:
            markers = np.ascontiguousarray(markers.astype(markers.dtype.newbyteorder("=")))
        markers = np.ascontiguousarray(markers)
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
    minima_connectivity = None
    if markers is None:
        if not isinstance(connectivity, numbers.Integral):
            raise ValueError("without markers, connectivity must be an integer")
        minima_connectivity = int(connectivity)
    return _tesserae.watershed(
        np.ascontiguousarray(image, dtype=dtype), markers, mask,
        np.ascontiguousarray(footprint), origin, minima_connectivity, float(compactness),
        bool(watershed_line))


def _border_widths(ndim, min_distance, exclude_border):
    """scikit-image's ``_get_excluded_border_width``."""
    if isinstance(exclude_border, bool):
        return [min_distance if exclude_border else 0] * ndim
    if isinstance(exclude_border, int):
        if exclude_border < 0:
            raise ValueError("`exclude_border` cannot be a negative value")
        return [exclude_border] * ndim
    if isinstance(exclude_border, tuple):
        if len(exclude_border) != ndim:
            raise ValueError("`exclude_border` should have the same length as the "
                             "dimensionality of the image.")
        for exclude in exclude_border:
            if not isinstance(exclude, int):
                raise ValueError("`exclude_border`, when expressed as a tuple, must only "
                                 "contain ints.")
            if exclude < 0:
                raise ValueError("`exclude_border` can not be a negative value")
        return list(exclude_border)
    raise TypeError("`exclude_border` must be bool, int, or tuple with the same length as the "
                    "dimensionality of the image.")


def peak_local_max(image, min_distance=1, threshold_abs=None, threshold_rel=None,
                   exclude_border=True, num_peaks=np.inf, footprint=None, labels=None,
                   num_peaks_per_label=np.inf, p_norm=np.inf):
    """skimage.feature.peak_local_max: the coordinates of the peaks of
    ``image``, in scikit-image's order (highest first, ties in C order), at
    least ``min_distance`` apart.

    Parameters
    ----------
    image : ndarray
        The image, e.g. the distance transform of a mask of touching nuclei.
    min_distance : int, optional
        The smallest distance between peaks and the half-size of the
        neighbourhood a peak is the maximum of (default 1).
    threshold_abs, threshold_rel : float, optional
        Peaks must exceed ``threshold_abs`` (default: the image's minimum) and
        ``threshold_rel * image.max()``.
    exclude_border : bool, int or tuple of int, optional
        No peaks within this many voxels of the border (True: ``min_distance``).
    num_peaks : int, optional
        At most this many peaks, the highest.
    footprint : ndarray of bool, optional
        The neighbourhood of the maximum filter (default: a box of side
        ``2 * min_distance + 1``).
    labels : ndarray of int, optional
        Peaks are found in each labelled object separately.
    num_peaks_per_label : int, optional
        At most this many peaks per object.
    p_norm : float, optional
        The Minkowski p-norm of the distance between peaks (default inf).

    Returns
    -------
    output : ndarray of int, shape (N, image.ndim)
        The peaks' coordinates.

    Raises
    ------
    ValueError
        For a negative or mismatched ``exclude_border``, labels of another
        shape, a footprint of another rank, ``p_norm < 1``.
    TypeError
        For an ``exclude_border`` of another type, labels that are not
        integers (or are uint64, which scikit-image refuses too).

    Examples
    --------
    >>> import numpy as np
    >>> import tesserae
    >>> image = np.zeros((7, 7))
    >>> image[2, 2], image[4, 5] = 3, 2
    >>> tesserae.peak_local_max(image, min_distance=1)
    array([[2, 2],
           [4, 5]])
    """
    a = as_input(image, "image")
    fp = None
    if footprint is not None:
        fp = np.ascontiguousarray(np.asarray(footprint, dtype=bool))
    if (fp is None or fp.size == 1) and min_distance < 1:
        warnings.warn("When min_distance < 1, peak_local_max acts as finding "
                      "image > max(threshold_abs, threshold_rel * max(image)).",
                      RuntimeWarning, stacklevel=2)
    widths = _border_widths(a.ndim, min_distance, exclude_border)
    lab = None
    if labels is not None:
        lab = np.asarray(labels)
        if not np.can_cast(lab.dtype, np.int64, casting="safe"):
            raise TypeError(f"Cannot cast array data from {lab.dtype!r} to dtype('int64') "
                            "according to the rule 'safe'")
        if lab.shape != a.shape:
            raise ValueError(f"`labels` (shape {lab.shape}) must have same shape as "
                             f"`image` (shape {a.shape})")
        lab = np.ascontiguousarray(lab, dtype=np.int64)
    limit = (lambda n: None if np.isinf(n) else int(n))
    coordinates = _tesserae.peak_local_max(
        np.ascontiguousarray(a), lab, int(min_distance),
        None if threshold_abs is None else float(threshold_abs),
        None if threshold_rel is None else float(threshold_rel),
        widths, limit(num_peaks), fp, limit(num_peaks_per_label), float(p_norm))
    if lab is not None and len(coordinates) == 0:
        # scikit-image returns two columns whatever the rank.
        return np.empty((0, 2), dtype=np.intp)
    return coordinates.astype(np.intp, copy=False)

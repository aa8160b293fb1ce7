"""skimage.segmentation's watershed and skimage.feature's peak_local_max on
dask arrays (dask-image has neither).

The seeded watershed floods in one global order, so ``watershed`` runs as one
task over the whole volume (the blocks are gathered, flooded and split back
into the image's chunks): the labels equal scikit-image's exactly, and that
task needs the volume in memory (about 9 bytes per voxel besides the inputs).
"""

import dask.array as da
import numpy as np

from .. import _segmentation
from ._blocks import as_dask, gathered

__all__ = ["watershed", "peak_local_max"]


def watershed(image, markers=None, connectivity=1, offset=None, mask=None, compactness=0,
              watershed_line=False):
    """skimage.segmentation.watershed on dask arrays, exact (see the module).

    Parameters
    ----------
    image, markers, mask : dask or numpy arrays
        As :func:`tesserae.watershed` (``markers`` None: the local minima).
    connectivity, offset, compactness, watershed_line
        As :func:`tesserae.watershed`.

    Returns
    -------
    out : dask.array.Array
        The labels, in the markers' dtype, chunked as ``image``.

    Raises
    ------
    ValueError
        When the shapes differ (at once); negative markers, NaN and a negative
        compactness when computed.
    NotImplementedError
        When ``markers`` is a number.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> import tesserae.dask.segmentation as tds
    >>> image = da.from_array(np.array([[0, 1, 5, 1, 0]], np.uint8), chunks=2)
    >>> markers = da.from_array(np.array([[1, 0, 0, 0, 2]]), chunks=2)
    >>> tds.watershed(image, markers).compute()
    array([[1, 1, 1, 2, 2]])
    """
    if markers is not None and not isinstance(markers, (np.ndarray, da.Array, list, tuple)):
        raise NotImplementedError("tesserae: watershed takes a marker array or None, "
                                  "not a number of markers")
    image = as_dask(image)
    for other, name in ((markers, "markers"), (mask, "mask")):
        if other is not None and as_dask(other).shape != image.shape:
            raise ValueError(f"`{name}` (shape {as_dask(other).shape}) must have same shape as "
                             f"`image` (shape {image.shape})")
    dtype = np.dtype(np.int32) if markers is None else as_dask(markers).dtype

    def flood(image, markers, mask):
        return _segmentation.watershed(image, markers, connectivity, offset, mask, compactness,
                                       watershed_line)

    return gathered(flood, image, markers, mask, dtype=dtype)


def peak_local_max(image, min_distance=1, threshold_abs=None, threshold_rel=None,
                   exclude_border=True, num_peaks=np.inf, footprint=None, labels=None,
                   num_peaks_per_label=np.inf, p_norm=np.inf):
    """skimage.feature.peak_local_max on dask arrays: the coordinates (a numpy
    array, computed), exact. The spacing between peaks is one greedy pass in
    global order, so it runs as one task over the gathered volume.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> import tesserae.dask.segmentation as tds
    >>> image = np.zeros((7, 7))
    >>> image[2, 2], image[4, 5] = 3, 2
    >>> tds.peak_local_max(da.from_array(image, chunks=3))
    array([[2, 2],
           [4, 5]])
    """
    image = as_dask(image)
    arrays = [image] + ([] if labels is None else [as_dask(labels)])
    whole = [np.asarray(a.rechunk(a.shape).compute()) for a in arrays]
    return _segmentation.peak_local_max(
        whole[0], min_distance, threshold_abs, threshold_rel, exclude_border, num_peaks,
        footprint, None if labels is None else whole[1], num_peaks_per_label, p_norm)

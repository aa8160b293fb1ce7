"""skimage.segmentation on dask arrays (dask-image has none).

The seeded watershed floods in one global order, so ``watershed`` runs as one
task over the whole volume (the blocks are gathered, flooded and split back
into the image's chunks): the labels equal scikit-image's exactly, and that
task needs the volume in memory (about 9 bytes per voxel besides the inputs).
"""

import dask.array as da
import numpy as np

from .. import _segmentation
from ._blocks import as_dask

__all__ = ["watershed"]


def watershed(image, markers=None, connectivity=1, offset=None, mask=None, compactness=0,
              watershed_line=False):
    """skimage.segmentation.watershed on dask arrays, exact (see the module).

    Parameters
    ----------
    image, markers, mask : dask or numpy arrays
        As :func:`tesserae.watershed`; ``markers`` must be given.
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
        When ``markers`` is not an array.

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
    if markers is None or not isinstance(markers, (np.ndarray, da.Array, list, tuple)):
        raise NotImplementedError("tesserae: watershed needs a marker array")
    image = as_dask(image)
    markers = as_dask(markers)
    arrays = [image, markers] + ([] if mask is None else [as_dask(mask)])
    for other, name in zip(arrays[1:], ("markers", "mask")):
        if other.shape != image.shape:
            raise ValueError(f"`{name}` (shape {other.shape}) must have same shape as "
                             f"`image` (shape {image.shape})")
    whole = [a.rechunk(a.shape) for a in arrays]

    def flood(image, markers, mask=None):
        return _segmentation.watershed(image, markers, connectivity, offset, mask, compactness,
                                       watershed_line)

    labels = da.map_blocks(flood, *whole, dtype=markers.dtype,
                           meta=np.array((), dtype=markers.dtype))
    return labels.rechunk(image.chunks)

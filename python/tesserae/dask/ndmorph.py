"""dask_image.ndmorph on tesserae's in-memory Rust morphology via ``map_overlap``.

The halo is the structure's reach times the iterations (twice that for
opening and closing); at the array's border ``border_value`` applies, as in
scipy, so the result equals the in-memory operation on the whole array.
"""

import numpy as np

from .. import _morph
from .._common import binary_structure
from ._blocks import as_dask

__all__ = ["binary_erosion", "binary_dilation", "binary_opening", "binary_closing"]


def _binary_api(func, passes):
    def f(image, structure=None, iterations=1, mask=None, border_value=0, origin=0, brute_force=False):
        image = as_dask(image)
        if mask is not None:
            raise NotImplementedError("tesserae: mask is not supported")
        s = binary_structure(image.ndim, 1) if structure is None else np.asarray(structure, dtype=bool)
        if s.ndim != image.ndim:
            raise RuntimeError("structure and input must have same dimensionality")
        depth = {k: passes * int(iterations) * (n // 2) for k, n in enumerate(s.shape)}
        return image.map_overlap(
            func, depth=depth, boundary="none", dtype=bool, meta=np.array((), dtype=bool),
            structure=s, iterations=iterations, border_value=border_value, origin=origin,
        )

    f.__name__ = f.__qualname__ = func.__name__
    f.__doc__ = f"dask_image.ndmorph.{func.__name__}."
    return f


binary_erosion = _binary_api(_morph.binary_erosion, 1)
binary_dilation = _binary_api(_morph.binary_dilation, 1)
binary_opening = _binary_api(_morph.binary_opening, 2)
binary_closing = _binary_api(_morph.binary_closing, 2)

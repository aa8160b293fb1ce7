"""Block geometry helpers."""

import functools
import itertools

import dask.array as da
import numpy as np


def regular(image):
    """``image`` with regular chunks (all equal but the last along each axis)."""
    if all(len(set(c[:-1])) <= 1 and (len(c) == 1 or c[-1] <= c[0]) for c in image.chunks):
        return image
    return image.rechunk(tuple(c[0] for c in image.chunks))


def block_starts(chunks):
    """Start of every block along every axis."""
    return [np.concatenate([[0], np.cumsum(c)[:-1]]).astype(int).tolist() for c in chunks]


def block_indices(image):
    """Block indices in C order."""
    return list(itertools.product(*(range(n) for n in image.numblocks)))


def start_of(index, starts):
    return tuple(starts[k][i] for k, i in enumerate(index))


def as_dask(image):
    if isinstance(image, da.Array):
        return image
    return da.asarray(image)


def _at(func, starts, args, *blocks, block_id=None):
    return func(start_of(block_id, starts), *args, *blocks)


def per_block_array(func, arrays, *args, name):
    """``func(start, *args, *blocks)`` on the blocks of ``arrays`` (one array
    or a list of arrays with the same chunks) as a Dask array of objects, one
    per block. A blockwise layer, so Dask fuses it with the layers that make
    the blocks (a block read from Zarr is read by the task that uses it)."""
    if isinstance(arrays, da.Array):
        arrays = [arrays]
    return da.map_blocks(
        functools.partial(_at, func, block_starts(arrays[0].chunks), args), *arrays,
        dtype=object, meta=np.empty((0,) * arrays[0].ndim, object), name=name,
    )


def per_block(func, arrays, *args, name):
    """``per_block_array``'s objects as delayed objects, C order."""
    return list(per_block_array(func, arrays, *args, name=name).to_delayed().ravel())


def gathered(func, image, *others, dtype):
    """``func(image, *others)`` as one task over the whole arrays (for
    operations whose result at a voxel may depend on any other voxel), split
    back into ``image``'s chunks. ``None`` among ``others`` passes through."""
    arrays = [as_dask(image)] + [None if o is None else as_dask(o) for o in others]
    present = [a.rechunk(a.shape) for a in arrays if a is not None]
    slots = [a is not None for a in arrays]

    def whole(*blocks):
        it = iter(blocks)
        return func(*(next(it) if on else None for on in slots))

    out = da.map_blocks(whole, *present, dtype=dtype, meta=np.array((), dtype=dtype))
    return out.rechunk(arrays[0].chunks)

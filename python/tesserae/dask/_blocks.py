"""Block geometry helpers."""

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

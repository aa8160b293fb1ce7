"""Argument normalisation shared by the in-memory and the Dask functions,
following scipy.ndimage's conventions and exception types."""

import numbers

import numpy as np

MODES = ("reflect", "grid-mirror", "mirror", "nearest", "wrap", "grid-wrap", "constant", "grid-constant")


def as_input(input, what="input"):
    """A numpy array of a dtype the Rust kernels take (bool becomes uint8, a view)."""
    a = np.asarray(input)
    if np.iscomplexobj(a):
        raise TypeError("Complex type not supported")
    if a.dtype == np.bool_:
        return a.view(np.uint8)
    if a.dtype.kind not in "uif":
        raise TypeError(f"{what}: unsupported array dtype {a.dtype}")
    if a.dtype.kind == "f" and a.dtype.itemsize not in (4, 8):
        a = a.astype(np.float64)
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    return a


def region_labels(labels):
    """A label image as ``regionprops_table``'s Rust kernel reads it: int32,
    uint32, int64, uint64 and uint16 as they are, other integers as int64."""
    labels = np.asarray(labels)
    if labels.dtype not in (np.int32, np.uint32, np.int64, np.uint64, np.uint16):
        labels = labels.astype(np.int64)
    return np.ascontiguousarray(labels)


def binary_structure(ndim, connectivity=1):
    """scipy.ndimage.generate_binary_structure."""
    if ndim < 1:
        return np.array(True)
    grid = np.indices((3,) * ndim) - 1
    return np.abs(grid).sum(axis=0) <= connectivity


def label_structure(structure, ndim):
    """The structure of label(): checked as scipy checks it."""
    if structure is None:
        return binary_structure(ndim, 1)
    s = np.asarray(structure, dtype=bool)
    if s.ndim != ndim:
        raise RuntimeError("structure and input must have equal rank")
    if any(n != 3 for n in s.shape):
        raise ValueError("structure dimensions must be equal to 3")
    return np.ascontiguousarray(s)


def sequence(value, ndim, cast=float):
    """scipy's _normalize_sequence: a scalar repeated, or one value per axis."""
    if isinstance(value, str) or not hasattr(value, "__len__"):
        return [cast(value)] * ndim
    values = [cast(v) for v in value]
    if len(values) != ndim:
        raise RuntimeError("sequence argument must have length equal to input rank")
    return values


def modes(mode, ndim):
    names = sequence(mode, ndim, str)
    for m in names:
        if m not in MODES:
            raise RuntimeError("boundary mode not supported")
    return names


def single_mode(mode):
    if not isinstance(mode, str) or mode not in MODES:
        raise RuntimeError("boundary mode not supported")
    return mode


def no_output(output, input):
    """Only scipy's default output (the input's dtype) is supported."""
    if output is not None and np.dtype(output) != input.dtype:
        raise NotImplementedError("tesserae: only output=None (the input's dtype) is supported")


def is_integer(x):
    return isinstance(x, (numbers.Integral, np.integer))

"""dask_image.ndmeasure's measurement functions on Rust block kernels.

Every block reduces to a small per-label partial (counts, sums, Chan's
mean and variance, extrema with their global raster positions, weighted
coordinate sums, histograms); one task merges the partials of all blocks, so
the task count grows with the number of blocks only, never with the number
of labels. ``labeled_comprehension`` and ``median`` need every value of a
label: their blocks send the selected voxels (values and global raster
positions), which the merge task orders by position before calling the
function, as dask-image gathers them.
"""

import numpy as np
import dask.array as da
from dask import delayed

from .. import _tesserae
from ._blocks import as_dask, block_indices, block_starts, start_of

__all__ = [
    "area", "center_of_mass", "extrema", "histogram", "labeled_comprehension", "maximum",
    "maximum_position", "mean", "median", "minimum", "minimum_position", "standard_deviation",
    "sum", "sum_labels", "variance",
]


def _normalize(image, label_image, index):
    """dask-image's argument rules: no labels means the whole image as label
    1; labels without an index mean every non-zero label pooled as label 1.
    Returns the image, the labels on the image's chunks (or ``None`` for the
    whole image), the index as a numpy array and whether labels are pooled."""
    image = as_dask(image)
    if np.issubdtype(image.dtype, np.complexfloating):
        raise TypeError("Complex type not supported")
    if label_image is None:
        return image, None, np.array(1, dtype=np.int64), False
    label_image = as_dask(label_image)
    if label_image.shape != image.shape:
        raise ValueError("The image and label_image arrays must be the same shape.")
    if label_image.dtype.kind not in "biu":
        raise TypeError("label_image must hold integer labels")
    pooled = index is None
    if pooled:
        index = np.array(1, dtype=np.int64)
    if isinstance(index, da.Array):
        index = index.compute()
    index = np.asarray(index)
    if index.dtype.kind not in "biu" and not np.all(index == np.round(index)):
        raise ValueError("index must hold integer labels")
    if (index < 0).any():
        raise ValueError("negative labels are not supported in index")
    return image, label_image.rechunk(image.chunks), index.astype(np.int64), pooled


def _block_labels(values, labels, pooled):
    values = np.asarray(values)
    if values.dtype == np.bool_:
        values = values.view(np.uint8)
    if labels is None:
        return values, np.ones(values.shape, dtype=np.int64)
    labels = np.asarray(labels)
    if pooled:
        return values, (labels > 0).astype(np.int64)
    return values, np.ascontiguousarray(labels, dtype=np.int64)


def _selected(labels, ids):
    """Per voxel: the position in ``ids`` (sorted unique) of its label, and
    which voxels hold one of ``ids``."""
    flat = labels.ravel()
    pos = np.minimum(np.searchsorted(ids, flat), len(ids) - 1)
    return pos, ids[pos] == flat


def _global_flat(positions, start, shape):
    """Local positions (one row per label) as raster indices of the array."""
    positions = np.asarray(positions, dtype=np.int64).reshape(-1, len(shape)) + np.asarray(start)
    return np.ravel_multi_index(tuple(positions.T), shape)


def _partial(values, labels, start, shape, ids, pooled, wanted, bins):
    """The per-label partial of one block for the sorted unique ``ids``."""
    values, labels = _block_labels(values, labels, pooled)
    pos, hit = _selected(labels, ids)
    out = {"count": np.bincount(pos[hit], minlength=len(ids)).astype(np.int64)}
    idx = [int(i) for i in ids]
    if "sum" in wanted or "com" in wanted or "variance" in wanted:
        out["sum"] = np.bincount(pos[hit], weights=values.ravel()[hit].astype(np.float64), minlength=len(ids))
    if "variance" in wanted:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["mean"] = out["sum"] / out["count"]
        out["variance"] = np.asarray(_tesserae.measure(values, labels, idx, "variance"), dtype=np.float64)
    if "extrema" in wanted:
        lo, hi, plo, phi = _tesserae.measure(values, labels, idx, "extrema")
        out["min"], out["max"] = np.asarray(lo), np.asarray(hi)
        out["min_at"] = _global_flat(plo, start, shape)
        out["max_at"] = _global_flat(phi, start, shape)
    if "com" in wanted:
        weights = values.ravel()[hit].astype(np.float64)
        grids = np.indices(values.shape, sparse=True)
        out["com"] = np.stack([
            np.bincount(pos[hit], weights=weights * np.broadcast_to(g + start[k], values.shape).ravel()[hit],
                        minlength=len(ids))
            for k, g in enumerate(grids)
        ], axis=-1) if values.ndim else np.zeros((len(ids), 0))
    if "histogram" in wanted:
        hists = _tesserae.measure(values, labels, idx, "histogram", bins)
        out["histogram"] = np.array([np.zeros(bins[2], np.int64) if h is None else h for h in hists], dtype=np.int64)
    return out


def _chan(parts):
    """Chan's pairwise merge of (count, mean, variance) over blocks."""
    n = np.zeros_like(parts[0]["count"], dtype=np.float64)
    mean = np.zeros_like(n)
    m2 = np.zeros_like(n)
    for p in parts:
        nb = p["count"].astype(np.float64)
        present = nb > 0
        total = n + nb
        delta = np.where(present, p["mean"], 0.0) - mean
        safe = np.where(total > 0, total, 1.0)
        m2 = m2 + np.where(present, p["variance"] * nb, 0.0) + delta * delta * n * nb / safe
        mean = mean + np.where(present, delta * nb / safe, 0.0)
        n = total
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, m2 / n, np.nan)


def _pick(parts, key, at, better):
    """The extreme over blocks of ``key`` where the label is present; ties go
    to the lowest raster position, as scipy's first occurrence."""
    value, where, seen = None, None, None
    for p in parts:
        present = p["count"] > 0
        if value is None:
            value, where, seen = p[key].copy(), p[at].copy(), present.copy()
            continue
        take = present & (~seen | better(p[key], value) | ((p[key] == value) & (p[at] < where)))
        value = np.where(take, p[key], value)
        where = np.where(take, p[at], where)
        seen |= present
    value = np.where(seen, value, np.zeros_like(value))
    where = np.where(seen, where, 0)
    return value, where


def _merge(shape, wanted, *parts):
    count = np.sum([p["count"] for p in parts], axis=0)
    out = {"count": count}
    if "sum" in wanted or "com" in wanted:
        out["sum"] = np.sum([p["sum"] for p in parts], axis=0)
    if "variance" in wanted:
        out["variance"] = _chan(parts)
    if "extrema" in wanted:
        out["min"], min_at = _pick(parts, "min", "min_at", np.less)
        out["max"], max_at = _pick(parts, "max", "max_at", np.greater)
        out["min_pos"] = np.stack(np.unravel_index(min_at, shape), axis=-1)
        out["max_pos"] = np.stack(np.unravel_index(max_at, shape), axis=-1)
    if "com" in wanted:
        weighted = np.sum([p["com"] for p in parts], axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["com"] = weighted / out["sum"][:, None]
    if "histogram" in wanted:
        out["histogram"] = np.sum([p["histogram"] for p in parts], axis=0)
    return out


def _reduced(image, label_image, index, pooled, wanted, bins=None):
    """The merged partials as one delayed dict, and how to map its rows
    (sorted unique labels) back to ``index``."""
    ids, inverse = np.unique(index.ravel(), return_inverse=True)
    starts = block_starts(image.chunks)
    vblocks = image.to_delayed()
    lblocks = None if label_image is None else label_image.to_delayed()
    parts = [
        delayed(_partial, pure=True)(
            vblocks[b], None if lblocks is None else lblocks[b], start_of(b, starts), image.shape,
            ids, pooled, wanted, bins,
        )
        for b in block_indices(image)
    ]
    return delayed(_merge, pure=True)(image.shape, wanted, *parts), inverse


def _column(merged, key, inverse, shape, dtype, tail=()):
    def take(m):
        return np.asarray(m[key])[inverse].reshape(shape + tail).astype(dtype, copy=False)

    return da.from_delayed(delayed(take, pure=True)(merged), shape=shape + tail, dtype=dtype)


def _stat(key, wanted, dtype):
    def f(image, label_image=None, index=None):
        image, label_image, index, pooled = _normalize(image, label_image, index)
        merged, inverse = _reduced(image, label_image, index, pooled, wanted)
        return _column(merged, key, inverse, index.shape, dtype)

    return f


def sum_labels(image, label_image=None, index=None):
    """dask_image.ndmeasure.sum_labels: the sum over every label of ``index``
    (0 where a label is absent), float64."""
    return _stat("sum", ("sum",), np.float64)(image, label_image, index)


def sum(image, label_image=None, index=None):
    """dask_image.ndmeasure.sum (an alias of ``sum_labels``)."""
    return sum_labels(image, label_image, index)


def mean(image, label_image=None, index=None):
    """dask_image.ndmeasure.mean: NaN where a label is absent."""
    image, label_image, index, pooled = _normalize(image, label_image, index)
    merged, inverse = _reduced(image, label_image, index, pooled, ("sum",))

    def ratio(m):
        with np.errstate(invalid="ignore", divide="ignore"):
            return {"mean": np.where(m["count"] > 0, m["sum"] / np.maximum(m["count"], 1), np.nan)}

    return _column(delayed(ratio, pure=True)(merged), "mean", inverse, index.shape, np.float64)


def variance(image, label_image=None, index=None):
    """dask_image.ndmeasure.variance (population variance; NaN where a label
    is absent), merged over blocks with Chan's formula."""
    return _stat("variance", ("variance",), np.float64)(image, label_image, index)


def standard_deviation(image, label_image=None, index=None):
    """dask_image.ndmeasure.standard_deviation."""
    return da.sqrt(variance(image, label_image, index))


def area(image, label_image=None, index=None):
    """dask_image.ndmeasure.area: the voxel count of every label of ``index``;
    the image's size without labels."""
    if label_image is None:
        return da.prod(np.array(as_dask(image).shape))
    image, label_image, index, pooled = _normalize(image, label_image, index)
    merged, inverse = _reduced(image, label_image, index, pooled, ())
    return _column(merged, "count", inverse, index.shape, np.int64)


def minimum(image, label_image=None, index=None):
    """dask_image.ndmeasure.minimum (0 where a label is absent)."""
    image = as_dask(image)
    return _extreme("min", image.dtype)(image, label_image, index)


def maximum(image, label_image=None, index=None):
    """dask_image.ndmeasure.maximum (0 where a label is absent)."""
    image = as_dask(image)
    return _extreme("max", image.dtype)(image, label_image, index)


def _extreme(key, dtype):
    def f(image, label_image, index):
        image, label_image, index, pooled = _normalize(image, label_image, index)
        merged, inverse = _reduced(image, label_image, index, pooled, ("extrema",))
        return _column(merged, key, inverse, index.shape, dtype)

    return f


def _position(key, image, label_image, index):
    image, label_image, index, pooled = _normalize(image, label_image, index)
    merged, inverse = _reduced(image, label_image, index, pooled, ("extrema",))
    shape = index.shape if index.ndim <= 1 else (index.size,)
    return _column(merged, key, inverse, shape, np.int64, (image.ndim,))


def minimum_position(image, label_image=None, index=None):
    """dask_image.ndmeasure.minimum_position: the first (raster order)
    position of the minimum of every label, shape ``index.shape + (ndim,)``."""
    return _position("min_pos", image, label_image, index)


def maximum_position(image, label_image=None, index=None):
    """dask_image.ndmeasure.maximum_position."""
    return _position("max_pos", image, label_image, index)


def extrema(image, label_image=None, index=None):
    """dask_image.ndmeasure.extrema: ``(minimums, maximums, min_positions,
    max_positions)``."""
    image = as_dask(image)
    dtype = image.dtype
    image, label_image, index, pooled = _normalize(image, label_image, index)
    merged, inverse = _reduced(image, label_image, index, pooled, ("extrema",))
    shape = index.shape if index.ndim <= 1 else (index.size,)
    return (
        _column(merged, "min", inverse, index.shape, dtype),
        _column(merged, "max", inverse, index.shape, dtype),
        _column(merged, "min_pos", inverse, shape, np.int64, (image.ndim,)),
        _column(merged, "max_pos", inverse, shape, np.int64, (image.ndim,)),
    )


def center_of_mass(image, label_image=None, index=None):
    """dask_image.ndmeasure.center_of_mass: shape ``index.shape + (ndim,)``,
    NaN where a label is absent or its values sum to zero."""
    image, label_image, index, pooled = _normalize(image, label_image, index)
    merged, inverse = _reduced(image, label_image, index, pooled, ("com",))
    return _column(merged, "com", inverse, index.shape, np.float64, (image.ndim,))


def histogram(image, min, max, bins, label_image=None, index=None):
    """dask_image.ndmeasure.histogram: for every label of ``index``, the
    counts of ``bins`` equal bins over ``[min, max)`` (an object array of
    int64 arrays, ``None`` for an absent label, as dask-image)."""
    image, label_image, index, pooled = _normalize(image, label_image, index)
    bins = (float(min), float(max), int(bins))
    if bins[2] < 1 or not bins[0] < bins[1]:
        raise ValueError("histogram needs min < max and at least one bin")
    merged, inverse = _reduced(image, label_image, index, pooled, ("histogram",), bins)

    def take(m):
        counts = m["histogram"][inverse]
        present = m["count"][inverse] > 0
        out = np.empty(index.size, dtype=object)
        for i, (c, p) in enumerate(zip(counts, present)):
            out[i] = c if p else None
        return out.reshape(index.shape)

    return da.from_delayed(delayed(take, pure=True)(merged), shape=index.shape, dtype=object)


def _voxels(values, labels, start, shape, ids, pooled):
    """The voxels of one block holding a label of ``ids``: label position in
    ``ids``, global raster position, value."""
    values, labels = _block_labels(values, labels, pooled)
    pos, hit = _selected(labels, ids)
    local = np.flatnonzero(hit)
    coords = np.unravel_index(local, values.shape)
    raster = np.ravel_multi_index(tuple(c + s for c, s in zip(coords, start)), shape) if values.ndim else local
    return pos[hit], raster.astype(np.int64), values.ravel()[hit]


def _comprehend(func, out_dtype, default, pass_positions, n, *parts):
    which = np.concatenate([p[0] for p in parts])
    raster = np.concatenate([p[1] for p in parts])
    values = np.concatenate([p[2] for p in parts])
    order = np.lexsort((raster, which))
    which, raster, values = which[order], raster[order], values[order]
    bounds = np.searchsorted(which, np.arange(n + 1))
    out = np.full(n, default, dtype=out_dtype)
    for i in range(n):
        lo, hi = bounds[i], bounds[i + 1]
        if hi > lo:
            out[i] = func(values[lo:hi], raster[lo:hi]) if pass_positions else func(values[lo:hi])
    return out


def labeled_comprehension(image, label_image, index, func, out_dtype, default, pass_positions=False):
    """dask_image.ndmeasure.labeled_comprehension: ``func`` over the values of
    every label of ``index`` (in raster order; with ``pass_positions`` also
    their raster indices into the whole array), ``default`` where a label is
    absent. The selected voxels of all blocks meet in one task, as in
    dask-image."""
    image, label_image, index, pooled = _normalize(image, label_image, index)
    ids, inverse = np.unique(index.ravel(), return_inverse=True)
    out_dtype = np.dtype(out_dtype)
    starts = block_starts(image.chunks)
    vblocks = image.to_delayed()
    lblocks = None if label_image is None else label_image.to_delayed()
    parts = [
        delayed(_voxels, pure=True)(
            vblocks[b], None if lblocks is None else lblocks[b], start_of(b, starts), image.shape, ids, pooled,
        )
        for b in block_indices(image)
    ]
    merged = delayed(_comprehend, pure=True)(func, out_dtype, default, bool(pass_positions), len(ids), *parts)

    def take(m):
        return m[inverse].reshape(index.shape)

    return da.from_delayed(delayed(take, pure=True)(merged), shape=index.shape, dtype=out_dtype)


def median(image, label_image=None, index=None):
    """dask_image.ndmeasure.median: NaN where a label is absent."""
    return labeled_comprehension(image, label_image, index, np.median, np.float64, np.nan)

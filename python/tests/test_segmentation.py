"""watershed, reconstruction, h_maxima, h_minima, local_maxima, local_minima,
remove_small_objects and remove_small_holes equal scikit-image's, in memory and
on Dask."""

import numpy as np
import pytest
import scipy.ndimage as ndi
import skimage.morphology as skmorph
import skimage.segmentation as skseg
from skimage.feature import peak_local_max

import tesserae
from conftest import blobs


def touching(shape, seed):
    mask = blobs(shape, seed=seed, sigma=3.0, fraction=0.4)
    distance = ndi.distance_transform_edt(mask)
    coords = peak_local_max(distance, min_distance=3, labels=mask.astype(int))
    markers = np.zeros(shape, np.int32)
    markers[tuple(coords.T)] = np.arange(1, len(coords) + 1)
    return mask, distance, markers


@pytest.mark.parametrize("shape", [(80, 90), (20, 24, 26)])
@pytest.mark.parametrize("connectivity", [1, 2, 3])
@pytest.mark.parametrize("line", [False, True])
def test_watershed_of_the_distance_transform(shape, connectivity, line):
    mask, distance, markers = touching(shape, 3)
    images = [-distance, (255 - np.round(distance * 3)).astype(np.uint8)]
    if line and len(shape) == 3 and connectivity > 1:
        # scikit-image's lines take exponential time on this float image
        # (tesserae drops the entries that cannot change a label): 60 s.
        images = images[1:]
    for image in images:
        ours = tesserae.watershed(image, markers, connectivity=connectivity, mask=mask,
                                  watershed_line=line)
        expected = skseg.watershed(image, markers, connectivity=connectivity, mask=mask,
                                   watershed_line=line)
        assert ours.dtype == expected.dtype
        np.testing.assert_array_equal(ours, expected)


@pytest.mark.parametrize("seed", range(6))
def test_watershed_ties_and_plateaus(seed):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 3, (25, 27)).astype(np.uint16)
    markers = np.where(rng.random(image.shape) < 0.1, rng.integers(1, 9, image.shape), 0)
    markers = markers.astype(np.uint64)
    for kwargs in ({}, {"connectivity": 2}, {"watershed_line": True},
                   {"compactness": 0.2, "connectivity": 2},
                   {"connectivity": np.array([[0, 1, 1], [1, 1, 1], [1, 1, 1]]), "offset": [2, 2]}):
        ours = tesserae.watershed(image, markers, **kwargs)
        expected = skseg.watershed(image, markers, **kwargs)
        np.testing.assert_array_equal(ours, expected, err_msg=str(kwargs))


def test_watershed_refuses_bad_input():
    image = np.zeros((4, 5))
    markers = np.zeros((4, 5), np.int32)
    with pytest.raises(ValueError):
        tesserae.watershed(image, np.zeros((4, 4), np.int32))
    with pytest.raises(ValueError):
        tesserae.watershed(image, markers, mask=np.ones((5, 4), bool))
    with pytest.raises(ValueError):
        tesserae.watershed(image, markers - 1)
    with pytest.raises(TypeError):
        tesserae.watershed(image, markers.astype(float))
    with pytest.raises(ValueError):
        tesserae.watershed(np.full((4, 5), np.nan), markers)
    with pytest.raises(NotImplementedError):
        tesserae.watershed(image, 5)
    with pytest.raises(ValueError):
        tesserae.watershed(image, connectivity=np.ones((3, 3)))


@pytest.mark.parametrize("connectivity", [1, 2])
@pytest.mark.parametrize("masked", [False, True])
def test_watershed_without_markers_floods_from_the_minima(connectivity, masked):
    rng = np.random.default_rng(connectivity)
    image = rng.integers(0, 5, (30, 34)).astype(np.uint8)
    mask = rng.random(image.shape) < 0.8 if masked else None
    ours = tesserae.watershed(image, connectivity=connectivity, mask=mask)
    expected = skseg.watershed(image, connectivity=connectivity, mask=mask)
    assert ours.dtype == expected.dtype
    np.testing.assert_array_equal(ours, expected)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(31, 29), (9, 10, 11)])
def test_local_extrema(dtype, shape):
    rng = np.random.default_rng(len(shape))
    image = rng.integers(-2, 2 if dtype != np.uint8 else 1, shape).astype(dtype)
    if dtype == np.uint8:
        image = rng.integers(0, 3, shape).astype(dtype)
    for connectivity in (None, 1, 2):
        for allow_borders in (True, False):
            for ours, theirs in ((tesserae.local_maxima, skmorph.local_maxima),
                                 (tesserae.local_minima, skmorph.local_minima)):
                kwargs = dict(connectivity=connectivity, allow_borders=allow_borders)
                expected = theirs(image, **kwargs)
                found = ours(image, **kwargs)
                assert found.dtype == expected.dtype
                np.testing.assert_array_equal(found, expected, err_msg=str(kwargs))
    for got, want in zip(tesserae.local_maxima(image, indices=True),
                         skmorph.local_maxima(image, indices=True)):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError):
        tesserae.local_maxima(image, footprint=np.ones((5,) * len(shape)))
    with pytest.raises(TypeError):
        tesserae.local_maxima(image.astype(np.float16))


@pytest.mark.parametrize("method", ["dilation", "erosion"])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_reconstruction(method, dtype):
    rng = np.random.default_rng(5)
    mask = (ndi.gaussian_filter(rng.random((40, 45)), 2) * 200).astype(dtype)
    seed = mask - 20 if method == "dilation" else mask + 20
    if dtype == np.uint8:
        seed = np.clip(seed.astype(int), 0, 255).astype(np.uint8)
        seed = np.minimum(seed, mask) if method == "dilation" else np.maximum(seed, mask)
    ours = tesserae.reconstruction(seed, mask, method=method)
    expected = skmorph.reconstruction(seed, mask, method=method)
    assert ours.dtype == expected.dtype
    np.testing.assert_array_equal(ours, expected)
    cross = ndi.generate_binary_structure(2, 1)
    np.testing.assert_array_equal(
        tesserae.reconstruction(seed, mask, method=method, footprint=cross),
        skmorph.reconstruction(seed, mask, method=method, footprint=cross))
    with pytest.raises(ValueError):
        tesserae.reconstruction(mask, seed, method=method)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
def test_h_extrema(dtype):
    rng = np.random.default_rng(9)
    image = (ndi.gaussian_filter(rng.random((30, 33, 20)), 1.5) * 1000).astype(dtype)
    for h in (2, 7.5):
        np.testing.assert_array_equal(tesserae.h_maxima(image, h), skmorph.h_maxima(image, h))
        np.testing.assert_array_equal(tesserae.h_minima(image, h), skmorph.h_minima(image, h))
    with pytest.raises(ValueError):
        tesserae.h_maxima(image, 0)


def test_dask_watershed_equals_scikit_image():
    import dask.array as da

    import tesserae.dask.segmentation as tds

    mask, distance, markers = touching((60, 70), 4)
    expected = skseg.watershed(-distance, markers, mask=mask, connectivity=2)
    lazy = tds.watershed(da.from_array(-distance, chunks=(17, 23)),
                         da.from_array(markers, chunks=(31, 9)), connectivity=2,
                         mask=da.from_array(mask, chunks=7))
    assert lazy.chunks == da.from_array(distance, chunks=(17, 23)).chunks
    np.testing.assert_array_equal(lazy.compute(), expected)
    with pytest.raises(ValueError):
        tds.watershed(da.zeros((4, 5)), da.zeros((4, 4), dtype=int))
    lazy = tds.watershed(da.from_array(-distance, chunks=(17, 23)), mask=mask, connectivity=2)
    np.testing.assert_array_equal(
        lazy.compute(), skseg.watershed(-distance, mask=mask, connectivity=2))


def test_dask_morphology_equals_scikit_image():
    import dask.array as da

    import tesserae.dask.morphology as tdm

    rng = np.random.default_rng(3)
    image = (ndi.gaussian_filter(rng.random((40, 45)), 2) * 100).astype(np.uint8)
    lazy = da.from_array(image, chunks=(13, 7))
    for ours, theirs in ((tdm.local_maxima, skmorph.local_maxima),
                         (tdm.local_minima, skmorph.local_minima)):
        found = ours(lazy, connectivity=1)
        assert found.chunks == lazy.chunks
        np.testing.assert_array_equal(found.compute(), theirs(image, connectivity=1))
    np.testing.assert_array_equal(tdm.h_maxima(lazy, 3).compute(), skmorph.h_maxima(image, 3))
    np.testing.assert_array_equal(tdm.h_minima(lazy, 3).compute(), skmorph.h_minima(image, 3))
    seed = np.clip(image.astype(int) - 10, 0, None).astype(np.uint8)
    np.testing.assert_array_equal(
        tdm.reconstruction(da.from_array(seed, chunks=9), lazy).compute(),
        skmorph.reconstruction(seed, image))


@pytest.mark.parametrize("connectivity", [1, 2])
def test_remove_small_objects_and_holes(connectivity):
    rng = np.random.default_rng(7)
    mask = ndi.gaussian_filter(rng.random((40, 44)), 1.2) > 0.5
    for max_size in (0, 3, 20):
        kwargs = dict(max_size=max_size, connectivity=connectivity)
        np.testing.assert_array_equal(tesserae.remove_small_objects(mask, **kwargs),
                                      skmorph.remove_small_objects(mask, **kwargs))
        holes = tesserae.remove_small_holes(mask, **kwargs)
        assert holes.dtype == bool
        np.testing.assert_array_equal(holes, skmorph.remove_small_holes(mask, **kwargs))
    labels = ndi.label(mask)[0].astype(np.uint16)
    found = tesserae.remove_small_objects(labels, max_size=10)
    assert found.dtype == np.uint16
    np.testing.assert_array_equal(found, skmorph.remove_small_objects(labels, max_size=10))
    with pytest.warns(FutureWarning):
        found = tesserae.remove_small_objects(mask, min_size=5)
    with pytest.warns(FutureWarning):
        np.testing.assert_array_equal(found, skmorph.remove_small_objects(mask, min_size=5))
    out = np.zeros_like(mask)
    assert tesserae.remove_small_holes(mask, max_size=4, out=out) is out
    with pytest.raises(TypeError):
        tesserae.remove_small_objects(mask.astype(float))
    with pytest.raises(ValueError):
        tesserae.remove_small_objects(labels.astype(int) - 1)


@pytest.mark.parametrize("border_value", [0, 1])
def test_binary_propagation(border_value):
    rng = np.random.default_rng(11)
    mask = ndi.gaussian_filter(rng.random((30, 12, 14)), 1.5) > 0.5
    seeds = rng.random(mask.shape) < 0.01
    for structure in (None, ndi.generate_binary_structure(3, 3)):
        kwargs = dict(structure=structure, mask=mask, border_value=border_value)
        np.testing.assert_array_equal(tesserae.binary_propagation(seeds, **kwargs),
                                      ndi.binary_propagation(seeds, **kwargs))


def test_dask_holes_and_propagation():
    import dask.array as da

    import tesserae.dask.morphology as tdm

    rng = np.random.default_rng(12)
    mask = ndi.gaussian_filter(rng.random((40, 45)), 1.5) > 0.5
    lazy = da.from_array(mask, chunks=(9, 11))
    np.testing.assert_array_equal(tdm.remove_small_holes(lazy, max_size=8).compute(),
                                  skmorph.remove_small_holes(mask, max_size=8))
    seeds = rng.random(mask.shape) < 0.01
    np.testing.assert_array_equal(
        tdm.binary_propagation(da.from_array(seeds, chunks=7), mask=lazy).compute(),
        ndi.binary_propagation(seeds, mask=mask))


@pytest.mark.parametrize("shape", [(60, 70), (20, 24, 26)])
def test_peak_local_max(shape):
    mask, distance, _ = touching(shape, 5)
    labels = ndi.label(mask)[0]
    for kwargs in ({}, {"min_distance": 3}, {"min_distance": 2, "exclude_border": False},
                   {"min_distance": 3, "threshold_rel": 0.4, "num_peaks": 5},
                   {"min_distance": 2, "p_norm": 2, "exclude_border": 1},
                   {"min_distance": 3, "labels": labels},
                   {"min_distance": 2, "labels": labels, "num_peaks_per_label": 1},
                   {"footprint": np.ones((3,) * len(shape), bool), "threshold_abs": 1.5}):
        for image in (distance, np.round(distance).astype(np.uint8)):
            expected = peak_local_max(image, **kwargs)
            found = tesserae.peak_local_max(image, **kwargs)
            assert found.dtype == expected.dtype
            np.testing.assert_array_equal(found, expected, err_msg=str(kwargs))
    np.testing.assert_array_equal(
        tesserae.peak_local_max(distance, labels=np.zeros(shape, int)),
        peak_local_max(distance, labels=np.zeros(shape, int)))
    with pytest.raises(ValueError):
        tesserae.peak_local_max(distance, exclude_border=-1)
    with pytest.raises(TypeError):
        tesserae.peak_local_max(distance, exclude_border=1.5)
    with pytest.raises(TypeError):
        tesserae.peak_local_max(distance, labels=labels.astype(float))


def test_dask_peak_local_max():
    import dask.array as da

    import tesserae.dask.segmentation as tds

    mask, distance, _ = touching((50, 60), 6)
    labels = ndi.label(mask)[0]
    np.testing.assert_array_equal(
        tds.peak_local_max(da.from_array(distance, chunks=13), min_distance=3,
                           labels=da.from_array(labels, chunks=17)),
        peak_local_max(distance, min_distance=3, labels=labels))

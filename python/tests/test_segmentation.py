"""watershed, reconstruction, h_maxima and h_minima equal scikit-image's."""

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
        tesserae.watershed(image)


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

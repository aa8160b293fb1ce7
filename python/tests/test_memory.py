"""The in-memory functions equal scipy.ndimage / scikit-image."""

import numpy as np
import pytest
import scipy.ndimage as ndi
import skimage.measure as skm

import tesserae
from conftest import blobs

DTYPES = [np.bool_, np.uint8, np.uint16, np.uint32, np.uint64, np.int8, np.int16, np.int32, np.int64,
          np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
def test_label_every_dtype(blobs2d, dtype):
    image = blobs2d.astype(dtype)
    labels, n = tesserae.label(image)
    expected, m = ndi.label(image)
    assert n == m
    assert labels.dtype == np.int32
    np.testing.assert_array_equal(labels, expected)


@pytest.mark.parametrize("connectivity", [1, 2, 3])
def test_label_structures_3d(blobs3d, connectivity):
    s = ndi.generate_binary_structure(3, connectivity)
    labels, n = tesserae.label(blobs3d, s)
    expected, m = ndi.label(blobs3d, s)
    assert n == m
    np.testing.assert_array_equal(labels, expected)


def test_label_asymmetric_structure():
    image = blobs((30, 30), seed=5, sigma=1.0, fraction=0.5)
    s = np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], bool)
    labels, n = tesserae.label(image, s)
    expected, m = ndi.label(image, s)
    assert n == m
    np.testing.assert_array_equal(labels, expected)


def test_find_objects(blobs3d):
    labels, _ = ndi.label(blobs3d)
    labels[labels == 3] = 0
    assert tesserae.find_objects(labels) == ndi.find_objects(labels)
    assert tesserae.find_objects(labels, max_label=5) == ndi.find_objects(labels, max_label=5)


@pytest.fixture(scope="module")
def measured():
    rng = np.random.default_rng(3)
    image = blobs((30, 40, 20), seed=4)
    labels, n = ndi.label(image)
    values = rng.normal(10, 3, image.shape)
    index = list(range(0, n + 3))
    return values, labels, index


@pytest.mark.parametrize("name", ["sum_labels", "mean", "variance", "standard_deviation", "minimum",
                                  "maximum", "median"])
def test_statistics(measured, name):
    values, labels, index = measured
    ours = getattr(tesserae, name)
    theirs = getattr(ndi, name)
    present = index[1:-2]
    np.testing.assert_allclose(ours(values, labels, present), theirs(values, labels, present), rtol=1e-10)
    np.testing.assert_allclose(ours(values, labels, 2), theirs(values, labels, 2), rtol=1e-10)
    np.testing.assert_allclose(ours(values, labels), theirs(values, labels), rtol=1e-10)
    np.testing.assert_allclose(ours(values), theirs(values), rtol=1e-10)


@pytest.mark.parametrize("name", ["minimum_position", "maximum_position", "center_of_mass"])
def test_positions(measured, name):
    values, labels, index = measured
    present = index[1:-2]
    ours = getattr(tesserae, name)(values, labels, present)
    theirs = getattr(ndi, name)(values, labels, present)
    np.testing.assert_allclose(np.array(ours, float), np.array(theirs, float), rtol=1e-10)


def test_extrema_and_histogram(measured):
    values, labels, index = measured
    present = index[1:-2]
    ours = tesserae.extrema(values, labels, present)
    theirs = ndi.extrema(values, labels, present)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.array(a, float), np.array(b, float))
    ours = tesserae.histogram(values, 0, 20, 8, labels, present)
    theirs = ndi.histogram(values, 0, 20, 8, labels, present)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


def test_labeled_comprehension(measured):
    values, labels, index = measured
    for func, dtype, default in [(np.sum, float, 0.0), (np.median, float, -1.0), (len, int, 0)]:
        ours = tesserae.labeled_comprehension(values, labels, index, func, dtype, default)
        theirs = ndi.labeled_comprehension(values, labels, index, func, dtype, default)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)

    def first(v, p):  # the lowest raster position: independent of the order within a label
        return p.min()

    ours = tesserae.labeled_comprehension(values, labels, index, first, np.int64, -1, pass_positions=True)
    theirs = ndi.labeled_comprehension(values, labels, index, first, np.int64, -1, pass_positions=True)
    np.testing.assert_array_equal(ours, theirs)
    assert tesserae.labeled_comprehension(values, labels, 3, np.max, float, 0) == \
        ndi.labeled_comprehension(values, labels, 3, np.max, float, 0)
    assert tesserae.labeled_comprehension(values, labels, None, np.max, float, 0) == \
        ndi.labeled_comprehension(values, labels, None, np.max, float, 0)
    assert tesserae.labeled_comprehension(values, None, None, np.min, float, 0) == \
        ndi.labeled_comprehension(values, None, None, np.min, float, 0)
    with pytest.raises(ValueError):
        tesserae.labeled_comprehension(values, None, [1], np.min, float, 0)
    with pytest.raises(ValueError):
        tesserae.labeled_comprehension(values, labels[:3], [1], np.min, float, 0)


PROPS = ["label", "area", "bbox", "centroid", "area_bbox", "extent", "inertia_tensor_eigvals",
         "moments_central", "equivalent_diameter_area", "intensity_mean", "intensity_max",
         "intensity_min", "euler_number", "perimeter"]


@pytest.mark.parametrize("ndim", [2, 3])
def test_regionprops_table(ndim):
    rng = np.random.default_rng(ndim)
    shape = (60, 70) if ndim == 2 else (20, 24, 28)
    labels, _ = ndi.label(blobs(shape, seed=ndim + 10))
    intensity = rng.random(shape)
    props = [p for p in PROPS if not (ndim == 3 and p == "perimeter")]
    ours = tesserae.regionprops_table(labels, intensity, props)
    theirs = skm.regionprops_table(labels, intensity, props)
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-8, atol=1e-9, err_msg=key)


def test_regionprops_table_spacing():
    labels, _ = ndi.label(blobs((20, 24, 28), seed=12))
    props = ["label", "area", "centroid", "bbox"]
    ours = tesserae.regionprops_table(labels, properties=props, spacing=(2.0, 1.0, 0.5))
    theirs = skm.regionprops_table(labels, properties=props, spacing=(2.0, 1.0, 0.5))
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-10, err_msg=key)


@pytest.fixture(scope="module")
def grey():
    rng = np.random.default_rng(9)
    return (rng.random((24, 30, 18)) * 200).astype(np.float32), (rng.random((40, 50)) * 250).astype(np.uint8)


@pytest.mark.parametrize("mode", ["reflect", "mirror", "nearest", "wrap", "constant"])
def test_gaussian_filter(grey, mode):
    for image in grey:
        ours = tesserae.gaussian_filter(image, 1.5, mode=mode, cval=3.0)
        theirs = ndi.gaussian_filter(image, 1.5, mode=mode, cval=3.0)
        assert ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-4)


def test_other_filters(grey):
    f3, u2 = grey
    for image in (f3, u2):
        cases = [
            (tesserae.uniform_filter(image, 3), ndi.uniform_filter(image, 3)),
            (tesserae.minimum_filter(image, 3), ndi.minimum_filter(image, 3)),
            (tesserae.maximum_filter(image, size=(1, 3) + (2,) * (image.ndim - 2), mode="nearest"),
             ndi.maximum_filter(image, size=(1, 3) + (2,) * (image.ndim - 2), mode="nearest")),
            (tesserae.median_filter(image, 3), ndi.median_filter(image, 3)),
            (tesserae.percentile_filter(image, 30, 3), ndi.percentile_filter(image, 30, 3)),
            (tesserae.rank_filter(image, -2, 3), ndi.rank_filter(image, -2, 3)),
            (tesserae.sobel(image, 0), ndi.sobel(image, 0)),
            (tesserae.prewitt(image), ndi.prewitt(image)),
            (tesserae.laplace(image), ndi.laplace(image)),
        ]
        for ours, theirs in cases:
            assert ours.dtype == theirs.dtype
            np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("name", ["binary_erosion", "binary_dilation", "binary_opening", "binary_closing"])
def test_binary_morphology(blobs3d, name):
    s = ndi.generate_binary_structure(3, 2)
    for kwargs in ({}, {"structure": s, "iterations": 2}, {"border_value": 1}):
        ours = getattr(tesserae, name)(blobs3d, **kwargs)
        theirs = getattr(ndi, name)(blobs3d, **kwargs)
        assert ours.dtype == np.bool_
        np.testing.assert_array_equal(ours, theirs, err_msg=str(kwargs))


def test_fill_holes_and_grey(blobs3d, grey):
    np.testing.assert_array_equal(tesserae.binary_fill_holes(~blobs3d), ndi.binary_fill_holes(~blobs3d))
    _, image = grey
    for name in ["grey_erosion", "grey_dilation", "grey_opening", "grey_closing", "white_tophat",
                 "black_tophat", "morphological_gradient", "morphological_laplace"]:
        ours = getattr(tesserae, name)(image, size=(3, 2))
        theirs = getattr(ndi, name)(image, size=(3, 2))
        np.testing.assert_array_equal(ours, theirs, err_msg=name)


def test_bad_input_raises_scipys_exceptions():
    image = np.ones((4, 4))
    with pytest.raises(RuntimeError, match="equal rank"):
        tesserae.label(image, np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match="equal to 3"):
        tesserae.label(image, np.ones((2, 2)))
    with pytest.raises(TypeError, match="Complex"):
        tesserae.label(image.astype(complex))
    with pytest.raises(TypeError):
        tesserae.label(np.array(["a", "b"]))
    with pytest.raises(TypeError):
        tesserae.find_objects(image)
    with pytest.raises(ValueError):
        tesserae.sum_labels(image, np.ones((2, 2), int))
    with pytest.raises(RuntimeError, match="input rank"):
        tesserae.gaussian_filter(image, [1, 2, 3])
    with pytest.raises(RuntimeError, match="boundary mode"):
        tesserae.gaussian_filter(image, 1, mode="foo")
    with pytest.raises(RuntimeError, match="footprint or filter size"):
        tesserae.median_filter(image)
    with pytest.raises(RuntimeError, match="dimensionality"):
        tesserae.binary_erosion(image, np.ones((3, 3, 3)))
    with pytest.raises(TypeError, match="ambiguous"):
        tesserae.regionprops_table(image)
    with pytest.raises(ValueError, match="shapes must match"):
        tesserae.regionprops_table(image.astype(int), np.ones((2, 2)))

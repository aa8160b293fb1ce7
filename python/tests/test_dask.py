"""The Dask API on a distributed LocalCluster (2 worker processes) over Zarr
stores equals scipy.ndimage / scikit-image for several chunkings."""

import dask.array as da
import numpy as np
import pytest
import scipy.ndimage as ndi
import skimage.measure as skm

zarr = pytest.importorskip("zarr")
distributed = pytest.importorskip("distributed")

from tesserae.dask import ndfilters, ndmeasure, ndmorph  # noqa: E402
from conftest import blobs  # noqa: E402

SHAPE = (36, 40, 44)
CHUNKINGS = [(36, 40, 44), (16, 16, 16), (7, 13, 40), (36, 5, 9)]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None, silence_logs=40) as cluster:
        with distributed.Client(cluster) as c:
            yield c


@pytest.fixture(scope="module")
def image():
    return blobs(SHAPE, seed=7)


def zarr_array(tmp_path_factory, data, chunks):
    path = tmp_path_factory.mktemp("zarr") / "image.zarr"
    z = zarr.open_array(str(path), mode="w", shape=data.shape, chunks=chunks, dtype=data.dtype)
    z[...] = data
    return da.from_zarr(str(path))


@pytest.mark.parametrize("chunks", CHUNKINGS)
def test_label_equals_scipy(client, tmp_path_factory, image, chunks):
    source = zarr_array(tmp_path_factory, image.astype(np.uint8), chunks)
    for connectivity in (1, 3):
        s = ndi.generate_binary_structure(3, connectivity)
        labels, n = ndmeasure.label(source, s)
        expected, m = ndi.label(image, s)
        got, count = client.compute([labels, n], sync=True)
        assert int(count) == m
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, expected)


def test_label_irregular_chunks_and_float(client, image):
    source = da.from_array(image.astype(np.float32), chunks=((10, 26), (40,), (20, 4, 20)))
    labels, n = ndmeasure.label(source)
    expected, m = ndi.label(image)
    got, count = client.compute([labels, n], sync=True)
    assert int(count) == m
    np.testing.assert_array_equal(got, expected)


def test_label_noise_keeps_blocks(client):
    # Noise has more runs than bytes: its blocks are kept, not their runs.
    rng = np.random.default_rng(3)
    noise = rng.random(SHAPE) < 0.5
    labels, n = ndmeasure.label(da.from_array(noise, chunks=(16, 16, 16)))
    expected, m = ndi.label(noise)
    got, count = client.compute([labels, n], sync=True)
    assert int(count) == m
    np.testing.assert_array_equal(got, expected)


def test_kept_block_labels_pickle_and_refuse_bad_bytes(image):
    import pickle

    from tesserae import _tesserae

    s = ndi.generate_binary_structure(3, 1)
    block = image.astype(np.uint16)
    first, faces, kept = _tesserae.label_block_summary(block, s, [0, 0, 0], list(SHAPE))
    assert kept is not None  # blobs: the runs take fewer bytes than the block
    lookup = np.arange(100, 100 + len(first), dtype=np.int32)
    again = pickle.loads(pickle.dumps(kept))
    np.testing.assert_array_equal(again.relabel(lookup), _tesserae.relabel_label_block(block, s, lookup))
    _, _, none = _tesserae.label_block_summary(
        (np.indices((16, 16, 16)).sum(axis=0) % 2).astype(np.uint8), s, [0, 0, 0], list(SHAPE))
    assert none is None  # a checkerboard: more runs than voxels' bytes
    with pytest.raises(ValueError, match="block labels"):
        _tesserae.block_labels_from_bytes(pickle.dumps(kept)[:-8])


@pytest.mark.parametrize("chunks", CHUNKINGS[1:3])
def test_find_objects(client, tmp_path_factory, image, chunks):
    expected_labels, _ = ndi.label(image)
    source = zarr_array(tmp_path_factory, expected_labels, chunks)
    frame = client.compute(ndmeasure.find_objects(source), sync=True)
    expected = ndi.find_objects(expected_labels)
    assert list(frame.index) == list(range(1, len(expected) + 1))
    assert list(frame.columns) == [0, 1, 2]
    for label, row in frame.iterrows():
        assert tuple(row) == expected[label - 1]


@pytest.mark.parametrize("chunks", CHUNKINGS[1:3])
def test_regionprops_table(client, tmp_path_factory, image, chunks):
    labels, _ = ndi.label(image)
    rng = np.random.default_rng(1)
    intensity = rng.random(SHAPE)
    lsource = zarr_array(tmp_path_factory, labels, chunks)
    isource = zarr_array(tmp_path_factory, intensity, chunks)
    props = list(ndmeasure.ONE_PASS)
    frame = client.compute(ndmeasure.regionprops_table(lsource, isource, props, spacing=(1.0, 2.0, 0.5)),
                           sync=True)
    expected = skm.regionprops_table(labels, intensity, props, spacing=(1.0, 2.0, 0.5))
    assert sorted(frame.columns) == sorted(expected)
    for key, column in expected.items():
        np.testing.assert_allclose(frame[key].to_numpy(), column, rtol=1e-9, err_msg=key)


@pytest.fixture(scope="module")
def measured():
    image = blobs(SHAPE, seed=11)
    labels, n = ndi.label(image)
    values = np.random.default_rng(5).normal(10, 3, SHAPE)
    return values, labels.astype(np.int32), n


@pytest.mark.parametrize("chunks", CHUNKINGS[1:])
def test_measurements_equal_scipy(client, tmp_path_factory, measured, chunks):
    values, labels, n = measured
    v = zarr_array(tmp_path_factory, values, chunks)
    lab = zarr_array(tmp_path_factory, labels, chunks)
    index = [0, 3, 1, n, n + 2, 3]  # background, unordered, absent, repeated
    for name in ["sum_labels", "mean", "variance", "standard_deviation", "minimum", "maximum", "median",
                 "center_of_mass", "minimum_position", "maximum_position"]:
        ours = getattr(ndmeasure, name)
        theirs = getattr(ndi, name)
        # scipy's median of an absent label is arbitrary; dask-image's is NaN.
        used = [i for i in index if i <= n] if name == "median" else index
        for args in [(lab, used), (lab, 2), (lab, None), (None, None)]:
            got = client.compute(ours(v, *args), sync=True)
            expected_labels = None if args[0] is None else labels
            expected = theirs(values, expected_labels, args[1])
            expected = np.array(expected, dtype=float)
            np.testing.assert_allclose(np.asarray(got, float).reshape(expected.shape), expected,
                                       rtol=1e-9, atol=1e-12, err_msg=f"{name} {args[1:]} {chunks}")
    assert np.isnan(client.compute(ndmeasure.median(v, lab, [n + 2]), sync=True)[0])
    got = client.compute(ndmeasure.area(v, lab, index), sync=True)
    np.testing.assert_array_equal(got, [np.sum(labels == i) for i in index])
    lo, hi, plo, phi = client.compute(list(ndmeasure.extrema(v, lab, index)), sync=True)
    elo, ehi, eplo, ephi = ndi.extrema(values, labels, index)
    np.testing.assert_array_equal(lo, elo)
    np.testing.assert_array_equal(hi, ehi)
    np.testing.assert_array_equal(plo, np.array(eplo))
    np.testing.assert_array_equal(phi, np.array(ephi))
    got = client.compute(ndmeasure.histogram(v, 0, 20, 7, lab, index), sync=True)
    expected = ndi.histogram(values, 0, 20, 7, labels, index)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)

    def spread(vals, pos):
        return float(vals.max() - vals.min()) + float(pos.min())

    got = client.compute(ndmeasure.labeled_comprehension(v, lab, index, spread, float, -1.0, True), sync=True)
    expected = ndi.labeled_comprehension(values, labels, index, spread, float, -1.0, True)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_measurement_on_integer_image(client, measured):
    values, labels, n = measured
    ints = (values * 10).astype(np.int16)
    v = da.from_array(ints, chunks=(9, 40, 11))
    lab = da.from_array(labels, chunks=(9, 40, 11))
    index = list(range(n + 1))
    for name in ["minimum", "maximum", "sum_labels", "mean", "median", "variance"]:
        got = client.compute(getattr(ndmeasure, name)(v, lab, index), sync=True)
        np.testing.assert_allclose(got, getattr(ndi, name)(ints, labels, index), rtol=1e-9)
    got = client.compute(ndmeasure.minimum(v, lab, index), sync=True)
    assert got.dtype == np.int16


def test_filters_and_morphology(client, tmp_path_factory, image):
    rng = np.random.default_rng(2)
    values = (rng.random(SHAPE) * 100).astype(np.float32)
    source = zarr_array(tmp_path_factory, values, (16, 16, 16))
    cases = [
        (ndfilters.gaussian_filter(source, 1.5, mode="nearest"), ndi.gaussian_filter(values, 1.5, mode="nearest")),
        (ndfilters.uniform_filter(source, 5), ndi.uniform_filter(values, 5)),
        (ndfilters.median_filter(source, 3), ndi.median_filter(values, 3)),
        (ndfilters.maximum_filter(source, footprint=np.ones((3, 1, 3))),
         ndi.maximum_filter(values, footprint=np.ones((3, 1, 3)))),
        (ndfilters.sobel(source, axis=1), ndi.sobel(values, axis=1)),
        (ndfilters.laplace(source, mode="wrap"), ndi.laplace(values, mode="wrap")),
    ]
    for ours, theirs in cases:
        np.testing.assert_allclose(client.compute(ours, sync=True), theirs, rtol=1e-5, atol=1e-3)
    binary = zarr_array(tmp_path_factory, image, (16, 16, 16))
    s = ndi.generate_binary_structure(3, 3)
    for name in ["binary_erosion", "binary_dilation", "binary_opening", "binary_closing"]:
        ours = getattr(ndmorph, name)(binary, s, iterations=2)
        theirs = getattr(ndi, name)(image, s, iterations=2)
        np.testing.assert_array_equal(client.compute(ours, sync=True), theirs, err_msg=name)


def test_bad_input_raises_dask_images_exceptions():
    image = da.ones((8, 8), chunks=4)
    with pytest.raises(RuntimeError, match="equal rank"):
        ndmeasure.label(image, np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match="equal to 3"):
        ndmeasure.label(image, np.ones((2, 2)))
    with pytest.raises(TypeError, match="Complex"):
        ndmeasure.label(image.astype(complex))
    with pytest.raises(ValueError, match="integer"):
        ndmeasure.find_objects(image)
    with pytest.raises(TypeError, match="ambiguous"):
        ndmeasure.regionprops_table(image)
    with pytest.raises(ValueError, match="one-pass"):
        ndmeasure.regionprops_table(image.astype(int), properties=["label", "perimeter"])

import numpy as np
import pytest
import scipy.ndimage as ndi


def blobs(shape, seed=0, sigma=2.0, fraction=0.35):
    """A blob-like binary image: smoothed noise thresholded at a quantile."""
    rng = np.random.default_rng(seed)
    smooth = ndi.gaussian_filter(rng.random(shape), sigma)
    return smooth > np.quantile(smooth, 1 - fraction)


@pytest.fixture(scope="session")
def blobs3d():
    return blobs((40, 36, 44), seed=1)


@pytest.fixture(scope="session")
def blobs2d():
    return blobs((70, 90), seed=2, sigma=1.5)

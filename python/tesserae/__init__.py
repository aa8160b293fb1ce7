"""tesserae: chunked bioimage analysis on Rust kernels.

The top-level functions work on numpy arrays in memory and drop in for their
``scipy.ndimage`` (labeling, measurements, filters, morphology) and
``skimage.measure`` (``regionprops_table``), ``skimage.morphology``
(``reconstruction``, ``h_maxima``, ``h_minima``, ``local_maxima``,
``local_minima``, ``remove_small_objects``, ``remove_small_holes``),
``skimage.feature`` (``peak_local_max``) and ``skimage.segmentation``
(``watershed``) namesakes: same names, arguments,
defaults, return types and exception types. They release the GIL while Rust
runs. ``tesserae.dask`` has the ``dask_image`` counterparts on dask arrays.
"""

from ._measure import (
    center_of_mass,
    extrema,
    find_objects,
    histogram,
    labeled_comprehension,
    label,
    maximum,
    maximum_position,
    mean,
    median,
    minimum,
    minimum_position,
    regionprops_table,
    standard_deviation,
    sum,
    sum_labels,
    variance,
)
from ._filters import (
    gaussian_filter,
    laplace,
    maximum_filter,
    median_filter,
    minimum_filter,
    percentile_filter,
    prewitt,
    rank_filter,
    sobel,
    uniform_filter,
)
from ._morph import (
    binary_closing,
    binary_dilation,
    binary_erosion,
    binary_fill_holes,
    binary_opening,
    binary_propagation,
    black_tophat,
    grey_closing,
    grey_dilation,
    grey_erosion,
    grey_opening,
    h_maxima,
    h_minima,
    local_maxima,
    local_minima,
    morphological_gradient,
    morphological_laplace,
    reconstruction,
    remove_small_holes,
    remove_small_objects,
    white_tophat,
)
from ._segmentation import peak_local_max, watershed

__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]

"""dask-image's API on dask arrays, run by tesserae's Rust kernels.

``tesserae.dask.ndmeasure``, ``tesserae.dask.ndfilters`` and
``tesserae.dask.ndmorph`` take the arguments of their ``dask_image``
namesakes and work on any Dask scheduler (threads, processes, distributed).
Labeling runs as per-block Rust tasks with small summaries merged in one
task, then one relabel task per block: the result equals
``scipy.ndimage.label`` for any chunking, and the task count grows with the
number of blocks only. ``tesserae.dask.segmentation`` (the watershed) and
``tesserae.dask.morphology`` (reconstruction, h- and local extrema) add
scikit-image's global operations, exact.
"""

from . import morphology, ndfilters, ndmeasure, ndmorph, segmentation

__all__ = ["morphology", "ndfilters", "ndmeasure", "ndmorph", "segmentation"]

"""Labeling in memory, like for like: `tesserae.label` (the Python package, 2 threads) against
cc3d.connected_components (single thread) on the same uint8 arrays, interleaved run by run; checks the
object counts agree and prints median seconds and ratios.

    RAYON_NUM_THREADS=2 python benches/peers/label_memory.py   # after `pip install ./python cc3d`
"""
import statistics, time
import numpy as np, cc3d
from scipy import ndimage as ndi
import tesserae
def t(fn):
    s = time.perf_counter(); fn(); return time.perf_counter() - s
rng = np.random.default_rng(0)
from skimage.data import binary_blobs
work = {
    "noise256_p05": rng.random((256,) * 3) < 0.5,
    "noise256_p02": np.random.default_rng(2).random((256,) * 3) < 0.2,
    "blobs512": binary_blobs(length=512, n_dim=3, volume_fraction=0.3, blob_size_fraction=0.05, rng=0),
}
for w, img in work.items():
    img = img.astype(np.uint8)
    for conn, c3 in [(1, 6), (3, 26)]:
        st = ndi.generate_binary_structure(3, conn)
        a, n = tesserae.label(img, st)
        b = cc3d.connected_components(img, connectivity=c3)
        assert n == b.max()
        rt, rc = [], []
        for _ in range(5):
            rt.append(t(lambda: tesserae.label(img, st)))
            rc.append(t(lambda: cc3d.connected_components(img, connectivity=c3)))
        mt, mc = statistics.median(rt), statistics.median(rc)
        print(f"{w:14s} {c3:2d}-conn  cc3d {mc:.3f} s  tesserae {mt:.3f} s  ratio {mc / mt:.2f}x", flush=True)

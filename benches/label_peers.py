"""Peer timings for the labeling bench, and the raw inputs `benches/label.rs` reads.

Writes raw little-endian uint8 volumes (C order) into a folder (default /tmp/tesserae-label-bench):
  blobs3d_256.bin   skimage binary_blobs 256^3, volume fraction 0.3 (as ../shared/bench/workloads.py)
  noise3d_256.bin   uniform noise p = 0.5 (as workloads.py)
  noise3d_256_p02.bin  uniform noise p = 0.2
  blobs2d_4096.bin  binary_blobs 4096^2 (as workloads.py)
then prints median seconds and Mvox/s of cc3d.connected_components (single thread) and
scipy.ndimage.label on each, for face and full connectivity.

    /work/venv/bin/python benches/label_peers.py [folder]
"""
import os, sys, time, statistics
import numpy as np
from scipy import ndimage as ndi
from skimage.data import binary_blobs
import cc3d


def volumes():
    b3 = binary_blobs(length=256, n_dim=3, volume_fraction=0.3, blob_size_fraction=0.05, rng=0).astype(np.uint8)
    rng = np.random.default_rng(0)
    noise = (rng.random((256, 256, 256)) < 0.5).astype(np.uint8)
    b2 = binary_blobs(length=4096, n_dim=2, volume_fraction=0.4, blob_size_fraction=0.01, rng=1).astype(np.uint8)
    noise02 = (np.random.default_rng(2).random((256, 256, 256)) < 0.2).astype(np.uint8)
    return {"blobs3d_256": b3, "noise3d_256": noise, "noise3d_256_p02": noise02, "blobs2d_4096": b2}


def timed(fn, n=3):
    ts = []
    for _ in range(n):
        s = time.perf_counter()
        r = fn()
        ts.append(time.perf_counter() - s)
    return statistics.median(ts), r


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else "/tmp/tesserae-label-bench"
    os.makedirs(work, exist_ok=True)
    for name, img in volumes().items():
        path = os.path.join(work, name + ".bin")
        if not os.path.exists(path):
            img.tofile(path)
        nvox = img.size
        for kind in ("face", "full"):
            conn = {("face", 3): 6, ("full", 3): 26, ("face", 2): 4, ("full", 2): 8}[(kind, img.ndim)]
            s, (_, n) = timed(lambda: ndi.label(img, structure=ndi.generate_binary_structure(img.ndim, 1 if kind == "face" else img.ndim)))
            print(f"{name:18s} {kind:5s} scipy  {s:7.3f} s {nvox / s / 1e6:8.1f} Mvox/s  ({n} objects)", flush=True)
            s, _ = timed(lambda: cc3d.connected_components(img, connectivity=conn))
            print(f"{name:18s} {kind:5s} cc3d   {s:7.3f} s {nvox / s / 1e6:8.1f} Mvox/s", flush=True)


if __name__ == "__main__":
    main()

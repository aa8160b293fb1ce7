"""Peer timings for the labeling bench, and the raw inputs `benches/label.rs` reads.

Writes raw little-endian uint8 volumes (C order) into a folder (default /tmp/tesserae-label-bench):
  blobs3d_256.bin      skimage binary_blobs 256^3, volume fraction 0.3 (as ../shared/bench/workloads.py)
  blobs3d_512.bin      the same at 512^3
  noise3d_256.bin      uniform noise p = 0.5 (as workloads.py)
  noise3d_256_p02.bin  uniform noise p = 0.2
  blobs2d_4096.bin     binary_blobs 4096^2 (as workloads.py)
  blobs2d_8192.bin     the same at 8192^2
then prints median seconds and Mvox/s of cc3d.connected_components (single thread) and
scipy.ndimage.label on each, for face and full connectivity.

    .venv-peers/bin/python benches/label_peers.py [--folder F] [--only NAME,...] [--repeat N] [--no-scipy]
"""
import argparse, os, time, statistics
import numpy as np
from scipy import ndimage as ndi
from skimage.data import binary_blobs
import cc3d


WORKLOADS = {
    "blobs3d_256": lambda: binary_blobs(length=256, n_dim=3, volume_fraction=0.3, blob_size_fraction=0.05, rng=0),
    "blobs3d_512": lambda: binary_blobs(length=512, n_dim=3, volume_fraction=0.3, blob_size_fraction=0.05, rng=0),
    "noise3d_256": lambda: np.random.default_rng(0).random((256, 256, 256)) < 0.5,
    "noise3d_256_p02": lambda: np.random.default_rng(2).random((256, 256, 256)) < 0.2,
    "blobs2d_4096": lambda: binary_blobs(length=4096, n_dim=2, volume_fraction=0.4, blob_size_fraction=0.01, rng=1),
    "blobs2d_8192": lambda: binary_blobs(length=8192, n_dim=2, volume_fraction=0.4, blob_size_fraction=0.01, rng=1),
}
SHAPES = {"blobs3d_256": (256,) * 3, "blobs3d_512": (512,) * 3, "noise3d_256": (256,) * 3,
          "noise3d_256_p02": (256,) * 3, "blobs2d_4096": (4096,) * 2, "blobs2d_8192": (8192,) * 2}


def load(folder, name):
    path = os.path.join(folder, name + ".bin")
    if not os.path.exists(path):
        WORKLOADS[name]().astype(np.uint8).tofile(path)
    return np.fromfile(path, dtype=np.uint8).reshape(SHAPES[name])


def timed(fn, n):
    ts = []
    for _ in range(n):
        s = time.perf_counter()
        r = fn()
        ts.append(time.perf_counter() - s)
    return statistics.median(ts), r


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--folder", default="/tmp/tesserae-label-bench")
    p.add_argument("--only", default=",".join(WORKLOADS))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-scipy", action="store_true")
    args = p.parse_args()
    os.makedirs(args.folder, exist_ok=True)
    for name in args.only.split(","):
        img = load(args.folder, name)
        nvox = img.size
        for kind in ("face", "full"):
            conn = {("face", 3): 6, ("full", 3): 26, ("face", 2): 4, ("full", 2): 8}[(kind, img.ndim)]
            if not args.no_scipy:
                structure = ndi.generate_binary_structure(img.ndim, 1 if kind == "face" else img.ndim)
                s, (_, n) = timed(lambda: ndi.label(img, structure=structure), args.repeat)
                print(f"{name:18s} {kind:5s} scipy  {s:7.3f} s {nvox / s / 1e6:8.1f} Mvox/s  ({n} objects)", flush=True)
            s, _ = timed(lambda: cc3d.connected_components(img, connectivity=conn), args.repeat)
            print(f"{name:18s} {kind:5s} cc3d   {s:7.3f} s {nvox / s / 1e6:8.1f} Mvox/s", flush=True)


if __name__ == "__main__":
    main()

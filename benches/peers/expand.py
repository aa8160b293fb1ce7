"""Times `tesserae expand-labels` against scikit-image's expand_labels on the same 256^3
label volume, and checks that both give the same labels.

Usage (from the repository root, after `cargo build --release`):
    /work/venv/bin/python benches/peers/expand.py [--size 256] [--distance 3] [--repeat 3]
(TESSERAE_BIN=path selects another tesserae binary.)

tesserae runs through its command line (TIFF in, TIFF out) with 2 threads, so its time includes
reading and writing the files; the peers get the array in memory. The machines are shared and
noisy: read the ratios, not the seconds.
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np
import tifffile
from scipy import ndimage as ndi
from skimage.segmentation import expand_labels

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("TESSERAE_BIN", os.path.join(ROOT, "target", "release", "tesserae"))


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def nuclei(size, seed=0):
    """Blob labels with gaps between them, as after thresholding nuclei."""
    rng = np.random.default_rng(seed)
    smooth = ndi.gaussian_filter(rng.random((size,) * 3, dtype=np.float32), 4)
    labels, _ = ndi.label(smooth > np.quantile(smooth, 0.8))
    return labels.astype(np.uint32)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--distance", type=float, default=3.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    labels = nuclei(args.size)
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "labels.tif")
        tifffile.imwrite(path, labels)
        out = os.path.join(work, "out.tif")

        def cli(*extra):
            subprocess.run([BIN, "--quiet", "--threads", "2", *extra, "--overwrite"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        t = timed(lambda: cli("expand-labels", path, out, "--distance", str(args.distance),
                              "--chunks", "128,128,128"), args.repeat)
        s = timed(lambda: expand_labels(labels, args.distance), args.repeat)
        assert np.array_equal(tifffile.imread(out), expand_labels(labels, args.distance))
        print(f"expand_labels {args.size}^3 d={args.distance}: tesserae {t:.2f} s, "
              f"scikit-image {s:.2f} s, ratio {s / t:.1f}x")


if __name__ == "__main__":
    main()

"""Times `tesserae watershed` against scikit-image's segmentation.watershed on
the negated distance transform of touching spheres (256^3, about 400 seeds,
within the mask), and checks that both give the same labels.

Usage (from the repository root, after `cargo build --release`):
    target/ci-venv/bin/python benches/peers/watershed.py [--size 256] [--spheres 400] [--repeat 3]
(TESSERAE_BIN=path selects another tesserae binary; needs tifffile.)

tesserae runs through its command line (TIFF in, TIFF out) with 2 threads, so
its time includes reading and writing the files; scikit-image gets the arrays
in memory. The machines are shared and noisy: read the ratios, not the seconds.
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
from skimage.segmentation import watershed

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("TESSERAE_BIN", os.path.join(ROOT, "target", "release", "tesserae"))


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def spheres(size, count, seed=0):
    """Touching spheres (radius 8-16 voxels), the negated distance transform of
    their union as float32, and one seed per sphere centre inside the mask."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(8, size - 8, (count, 3))
    radii = rng.uniform(8, 16, count)
    markers = np.zeros((size,) * 3, np.uint32)
    markers[tuple(centres.T)] = np.arange(1, count + 1)
    distance_to_centre = ndi.distance_transform_edt(markers == 0)
    nearest = ndi.distance_transform_edt(markers == 0, return_distances=False, return_indices=True)
    radius_at = np.zeros((size,) * 3)
    radius_at[tuple(centres.T)] = radii
    mask = distance_to_centre < radius_at[tuple(nearest)]
    edt = ndi.distance_transform_edt(mask)
    return (-edt).astype(np.float32), markers * mask, mask.astype(np.uint8)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--spheres", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    image, markers, mask = spheres(args.size, args.spheres)
    print(f"{args.size}^3, {int((markers > 0).sum())} seeds, {mask.mean():.0%} in the mask")
    with tempfile.TemporaryDirectory() as work:
        paths = {name: os.path.join(work, name + ".tif") for name in ("image", "markers", "mask")}
        tifffile.imwrite(paths["image"], image)
        tifffile.imwrite(paths["markers"], markers)
        tifffile.imwrite(paths["mask"], mask)
        out = os.path.join(work, "out.tif")
        for line in (False, True):
            extra = ["--watershed-line"] if line else []

            def cli():
                subprocess.run([BIN, "--quiet", "--threads", "2", "watershed", paths["image"],
                                paths["markers"], out, "--mask", paths["mask"], *extra,
                                "--overwrite"], check=True)

            def peer():
                return watershed(image, markers, mask=mask.astype(bool), watershed_line=line)

            expected = peer()
            cli()
            same = np.array_equal(tifffile.imread(out), expected)
            ours = timed(cli, args.repeat)
            theirs = timed(peer, args.repeat)
            name = "watershed_line" if line else "watershed"
            print(f"{name:15s} tesserae {ours:.3f} s  scikit-image {theirs:.3f} s  "
                  f"ratio {theirs / ours:.1f}x  identical {same}")


if __name__ == "__main__":
    main()

"""Times `tesserae regionprops` against scikit-image's regionprops_table, end to end
(files in, CSV out), on the same label and intensity images, and checks the tables agree.

Usage (from the repository root, after `cargo build --release`):
    /work/venv/bin/python benches/peers/regionprops.py \
        [--labels /work/bench-work/blobs3d_256_labels.tif] \
        [--intensity /work/bench-work/blobs3d_256_intensity.tif] [--repeat 3]

Properties: the issue's one-pass set (label, area, bbox, centroid, intensity_mean,
intensity_max). tesserae runs with 2 threads; scikit-image is single-threaded.
Every timing is the median of `--repeat` runs, as wall time and as CPU time (user +
system, which a shared, overloaded machine disturbs less); read the ratios, not the seconds.
"""
import argparse
import os
import resource
import statistics
import subprocess
import tempfile
import time

import numpy as np
import pandas as pd
import tifffile
from skimage.measure import regionprops_table

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "target", "release", "tesserae")
PROPERTIES = ["label", "area", "bbox", "centroid", "intensity_mean", "intensity_max"]


def cpu_seconds():
    """CPU time (user + system) of this process and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn, repeat):
    """Median wall time and median CPU time of `repeat` runs."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(cpu_seconds() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", default="/work/bench-work/blobs3d_256_labels.tif")
    parser.add_argument("--intensity", default="/work/bench-work/blobs3d_256_intensity.tif")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    out = tempfile.mkdtemp()
    ours_csv = os.path.join(out, "tesserae.csv")
    peer_csv = os.path.join(out, "skimage.csv")

    def skimage():
        labels = tifffile.imread(args.labels)
        intensity = tifffile.imread(args.intensity)
        table = regionprops_table(labels, intensity, properties=PROPERTIES)
        pd.DataFrame(table).to_csv(peer_csv, index=False)

    def tesserae():
        subprocess.run(
            [BIN, "--quiet", "--threads", "2", "regionprops", args.labels, "--intensity",
             args.intensity, "--properties", ",".join(PROPERTIES), "-o", ours_csv, "--overwrite"],
            check=True, stderr=subprocess.DEVNULL,
        )

    labels = tifffile.imread(args.labels)
    intensity = tifffile.imread(args.intensity)

    def skimage_in_memory():
        regionprops_table(labels, intensity, properties=PROPERTIES)

    ours = timed(tesserae, args.repeat)
    peer = timed(skimage, args.repeat)
    in_memory = timed(skimage_in_memory, args.repeat)
    a, b = pd.read_csv(ours_csv), pd.read_csv(peer_csv)
    assert list(a.columns) == list(b.columns), (a.columns, b.columns)
    assert len(a) == len(b)
    for c in a.columns:
        assert np.allclose(a[c], b[c], rtol=1e-6, atol=0), c
    name = os.path.basename(args.labels)
    print(f"{'workload':<28} {'time':<10} {'skimage s':>10} {'tesserae s':>11} {'ratio':>7}")
    for i, kind in enumerate(["wall", "cpu"]):
        print(f"{name:<28} {kind:<10} {peer[i]:>10.3f} {ours[i]:>11.3f} {peer[i] / ours[i]:>6.1f}x")
    print(f"scikit-image in memory (no file reading): wall {in_memory[0]:.3f} s, cpu {in_memory[1]:.3f} s;"
          " compare with `cargo bench --bench regionprops`")


if __name__ == "__main__":
    main()

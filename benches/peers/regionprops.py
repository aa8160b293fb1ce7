"""Times `tesserae regionprops` against scikit-image's regionprops_table, end to end
(files in, CSV out), on the same label and intensity images, and checks the tables agree.

Usage (from the repository root, after `cargo build --release`):
    /work/venv/bin/python benches/peers/regionprops.py \
        [--labels /work/bench-work/blobs3d_256_labels.tif] \
        [--intensity /work/bench-work/blobs3d_256_intensity.tif] [--repeat 3] [--image-props] \
        [--before OLD_TESSERAE_BINARY]

Properties: the issue's one-pass set (label, area, bbox, centroid, intensity_mean,
intensity_max), plus perimeter, euler_number, solidity and feret_diameter_max with
`--image-props` (scikit-image has no 3-D perimeter: 3-D images get the other three). tesserae runs with 2 threads; scikit-image is single-threaded.
The runs are interleaved (tesserae, scikit-image, tesserae, ...) and every timing is
the best of `--repeat` runs, as wall time and as CPU time (user + system, which a
shared, overloaded machine disturbs less); read the ratios, not the seconds. With
`--before`, an older tesserae binary runs in the same interleaved loop, for a
before/after ratio measured side by side. Both sides read fresh copies of the inputs
(see `main`).
"""
import argparse
import os
import resource
import shutil
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
IMAGE_PROPERTIES = ["perimeter", "euler_number", "solidity", "feret_diameter_max"]


def cpu_seconds():
    """CPU time (user + system) of this process and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fns, repeat):
    """Best wall time and best CPU time of `repeat` runs of every function, interleaved."""
    wall, cpu = [[] for _ in fns], [[] for _ in fns]
    for _ in range(repeat):
        for k, fn in enumerate(fns):
            start, start_cpu = time.perf_counter(), cpu_seconds()
            fn()
            wall[k].append(time.perf_counter() - start)
            cpu[k].append(cpu_seconds() - start_cpu)
    return [(min(w), min(c)) for w, c in zip(wall, cpu)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", default="/work/bench-work/blobs3d_256_labels.tif")
    parser.add_argument("--intensity", default="/work/bench-work/blobs3d_256_intensity.tif")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bin", default=BIN, help="the tesserae binary to time")
    parser.add_argument("--before", help="an older tesserae binary to time alongside")
    parser.add_argument("--image-props", action="store_true",
                        help="add " + ",".join(IMAGE_PROPERTIES))
    args = parser.parse_args()
    out = tempfile.mkdtemp()
    # Both sides read fresh copies of the inputs, as a pipeline reads the files
    # its previous step just wrote: how a file long held in the page cache was
    # cached (in small or large folios) changes what mapping it costs, by
    # up to a fifth of tesserae's time here, and is no property of either tool.
    for name in ("labels", "intensity"):
        copy = os.path.join(out, "input-" + os.path.basename(getattr(args, name)))
        shutil.copyfile(getattr(args, name), copy)
        setattr(args, name, copy)
    labels = tifffile.imread(args.labels)
    intensity = tifffile.imread(args.intensity)
    image_properties = [p for p in IMAGE_PROPERTIES if labels.ndim == 2 or p != "perimeter"]
    properties = PROPERTIES + (image_properties if args.image_props else [])
    ours_csv = os.path.join(out, "tesserae.csv")
    peer_csv = os.path.join(out, "skimage.csv")

    def skimage():
        labels = tifffile.imread(args.labels)
        intensity = tifffile.imread(args.intensity)
        table = regionprops_table(labels, intensity, properties=properties)
        pd.DataFrame(table).to_csv(peer_csv, index=False)

    def tesserae(binary=args.bin):
        subprocess.run(
            [binary, "--quiet", "--threads", "2", "regionprops", args.labels, "--intensity",
             args.intensity, "--properties", ",".join(properties), "-o", ours_csv, "--overwrite"],
            check=True, stderr=subprocess.DEVNULL,
        )

    def skimage_in_memory():
        regionprops_table(labels, intensity, properties=properties)

    runs = [tesserae, skimage, skimage_in_memory]
    if args.before:
        runs.append(lambda: tesserae(args.before))
    ours, peer, in_memory, *before = timed(runs, args.repeat)
    a, b = pd.read_csv(ours_csv), pd.read_csv(peer_csv)
    assert list(a.columns) == list(b.columns), (a.columns, b.columns)
    assert len(a) == len(b)
    for c in a.columns:
        assert np.allclose(a[c], b[c], rtol=1e-6, atol=0), c
    name = os.path.basename(args.labels)[len("input-"):]
    print(f"{'workload':<28} {'time':<10} {'skimage s':>10} {'tesserae s':>11} {'ratio':>7}")
    for i, kind in enumerate(["wall", "cpu"]):
        print(f"{name:<28} {kind:<10} {peer[i]:>10.3f} {ours[i]:>11.3f} {peer[i] / ours[i]:>6.1f}x")
    for old in before:
        for i, kind in enumerate(["wall", "cpu"]):
            print(f"{'  --before binary':<28} {kind:<10} {peer[i]:>10.3f} {old[i]:>11.3f}"
                  f" {peer[i] / old[i]:>6.1f}x")
    print(f"scikit-image in memory (no file reading): wall {in_memory[0]:.3f} s, cpu {in_memory[1]:.3f} s;"
          " compare with `cargo bench --bench regionprops`")
    shutil.rmtree(out)


if __name__ == "__main__":
    main()

"""Times two or more tesserae binaries on the same commands, interleaved, and
prints each binary's median and its ratio to the first: the check that a build
or code change keeps the speed (the peers' ratios follow from compare.py).

Usage (from the repository root):
    .venv-peers/bin/python benches/peers/ab.py BASE_BIN NEW_BIN [MORE_BINS ...] [--rounds 7]

The workloads are ../shared/bench/workloads.py's (blobs and noise volumes,
a smooth uint16 intensity image); every command runs with 2 threads, files in,
files out, one binary after the other in each round, so that load on the
machine falls on all of them alike.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "bench"))


def commands(files, work):
    """The timed commands: (name, arguments after the binary)."""
    out = lambda name: os.path.join(work, name)  # noqa: E731
    blobs, noise, inten = files["blobs3d_256"], files["noise3d_256"], files["intensity3d_256"]
    labels = out("ab_labels.tif")
    return [
        ("label blobs 256^3 full", ["label", blobs, labels, "--connectivity", "3"]),
        ("label noise 256^3 face", ["label", noise, out("ab_noise_labels.tif")]),
        ("label blobs 128^3 chunks", ["label", blobs, out("ab_labels_c.tif"), "--chunks", "128,128,128"]),
        ("find-objects", ["find-objects", labels, "-o", out("ab_boxes.csv")]),
        ("measure mean,var,min,max", ["measure", labels, "--intensity", inten,
                                      "--stat", "mean,variance,minimum,maximum", "-o", out("ab_measure.csv")]),
        ("regionprops", ["regionprops", labels, "--intensity", inten, "--properties",
                         "label,area,bbox,centroid,intensity_mean,intensity_max", "-o", out("ab_props.csv")]),
        ("gaussian sigma 2", ["filter", "gaussian", inten, out("ab_gauss.tif"), "--sigma", "2"]),
        ("median size 3", ["filter", "median", inten, out("ab_median.tif"), "--size", "3"]),
        ("grey-dilation size 3", ["morph", "grey-dilation", inten, out("ab_dil.tif"), "--size", "3"]),
        ("binary erosion", ["morph", "erosion", blobs, out("ab_ero.tif")]),
        ("fill-holes", ["morph", "fill-holes", blobs, out("ab_fill.tif")]),
        ("threshold otsu", ["threshold", "otsu", inten, out("ab_mask.tif")]),
        ("pipeline", ["pipeline", inten, "--out", out("ab_pipeline")]),
    ]


def run(binary, args):
    start = time.perf_counter()
    subprocess.run([binary, "--quiet", "--threads", "2", *args, "--overwrite"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--work", default=os.path.join(ROOT, "target", "bench-work"))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", nargs="*", default=[])
    args = parser.parse_args()
    from workloads import make

    files = make(args.work)
    cmds = [c for c in commands(files, args.work) if not args.only or c[0] in args.only]
    header = "".join(f"{os.path.basename(b)[:18]:>20s}" for b in args.binaries)
    print(f"{'command':28s}{header}   ratios to the first (>1: slower)")
    for name, cmd in cmds:
        for b in args.binaries:
            run(b, cmd)  # warm-up: page cache, first outputs
        times = {b: [] for b in args.binaries}
        for _ in range(args.rounds):
            for b in args.binaries:
                times[b].append(run(b, cmd))
        med = [statistics.median(times[b]) for b in args.binaries]
        cells = "".join(f"{m:18.3f} s" for m in med)
        ratios = " ".join(f"{m / med[0]:5.2f}" for m in med[1:])
        print(f"{name:28s}{cells}   {ratios}", flush=True)


if __name__ == "__main__":
    main()

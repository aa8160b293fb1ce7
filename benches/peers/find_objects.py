"""find_objects alone: tesserae's command line (label TIFF in, CSV out, 2 threads)
against scipy.ndimage.find_objects and cc3d.statistics on the label image in memory, interleaved
run by run so the shared machine's load hits both alike, the peers both on the image in memory and
including reading the TIFF with tifffile (tesserae's time always includes its reading and the CSV); `--dask` adds dask-image (one run).
When the Python package is installed (`pip install ./python`), tesserae is also timed in memory
(`tesserae.find_objects` on the same numpy array, 2 threads), like for like with the peers.

    /work/venv/bin/python benches/peers/find_objects.py [--work /work/bench-work] [--repeat 5]
        [--only blobs3d_512 noise3d_512] [--dask]

The label images are scipy.ndimage.label's (full connectivity) of the workloads compare.py writes
(`--large`), saved once as WORKLOAD_scipy_labels.tif. Prints the median seconds and the ratios.
"""
import argparse
import os
import statistics
import subprocess
import time

import numpy as np
import tifffile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "target", "release", "tesserae")


def seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", default=os.path.join(ROOT, "target", "bench-work"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=["blobs3d_512", "noise3d_512"])
    parser.add_argument("--chunks", help="tesserae's chunk shape, e.g. 128,128,128 (default: the CLI's, "
                        "whole planes of a TIFF; 128^3 chunks of a TIFF re-read each plane's rows per chunk)")
    parser.add_argument("--dask", action="store_true")
    args = parser.parse_args()
    from scipy import ndimage as ndi
    import cc3d

    for w in args.only:
        labels_path = os.path.join(args.work, f"{w}_scipy_labels.tif")
        if not os.path.exists(labels_path):
            img = tifffile.imread(os.path.join(args.work, f"{w}.tif"))
            lab, _ = ndi.label(img, structure=np.ones((3,) * img.ndim, bool))
            tifffile.imwrite(labels_path, lab.astype(np.uint32))
        lab = tifffile.imread(labels_path)
        csv = os.path.join(args.work, "boxes_find_objects.csv")
        cmd = [BIN, "--quiet", "--threads", "2", "find-objects", labels_path, "-o", csv, "--overwrite"]
        if args.chunks:
            cmd += ["--chunks", args.chunks]
        runs = {"tesserae": [], "scipy": [], "cc3d": [], "tifffile+scipy": [], "tifffile+cc3d": []}
        for _ in range(args.repeat):
            runs["tesserae"].append(seconds(lambda: subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)))
            runs["scipy"].append(seconds(lambda: ndi.find_objects(lab)))
            runs["cc3d"].append(seconds(lambda: cc3d.statistics(lab)))
            runs["tifffile+scipy"].append(seconds(lambda: ndi.find_objects(tifffile.imread(labels_path))))
            runs["tifffile+cc3d"].append(seconds(lambda: cc3d.statistics(tifffile.imread(labels_path))))
        try:
            import tesserae
        except ImportError:
            tesserae = None
        if tesserae is not None:
            assert tesserae.find_objects(lab) == ndi.find_objects(lab)
            runs["tesserae in memory"] = [seconds(lambda: tesserae.find_objects(lab)) for _ in range(args.repeat)]
        med = {k: statistics.median(v) for k, v in runs.items()}
        if args.dask:
            import dask
            import dask.array as da
            import dask_image.ndmeasure as dm

            dask.config.set(scheduler="threads", num_workers=2)
            med["dask-image"] = seconds(
                lambda: dm.find_objects(da.from_array(lab, chunks=(128,) * lab.ndim)).compute())
        objects = int(lab.max())
        ours = [k for k in med if k.startswith("tesserae")]
        for mine in ours:
            for peer in [k for k in med if k not in ours]:
                print(f"{w:14s} find_objects ({objects} objects)  {peer:14s} {med[peer]:8.3f} s  "
                      f"{mine:18s} {med[mine]:7.3f} s  ratio {med[peer] / med[mine]:6.2f}x", flush=True)


if __name__ == "__main__":
    main()

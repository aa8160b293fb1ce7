"""Times `tesserae pipeline` against the same steps with scipy + scikit-image
(in memory) and with dask-image, on a nuclei-like uint16 volume, per step.

Usage (from the repository root, after `cargo build --release`):
    /work/venv/bin/python benches/peers/pipeline.py [--size 512] [--work target/bench-work] [--skip-dask]
(TESSERAE_BIN=path runs another build of the command line.)

The volume (SIZE^3 uint16, written once to WORK/pipeline_SIZE.tif): skimage's
binary_blobs (volume fraction 0.25, like benches/peers/compare.py's workloads),
split into nuclei-like objects, at 1500 over a 200 background, blurred (sigma
1.5) with Poisson noise; generated slab by slab to keep memory down.

The steps, identical in the three (the pipeline's defaults):
    gaussian sigma 1 (the input's dtype) -> Otsu threshold -> mask > t ->
    binary_fill_holes -> remove_small_objects(max_size=30, connectivity=1) ->
    label (face connectivity) -> regionprops (label, area, centroid, intensity_mean).
tesserae: the command line with 2 threads and 128^3 chunks; its per-step times
are the ones it prints. scipy + scikit-image: one array in memory, one thread
(as they run). dask-image: 128^3 chunks on the threaded scheduler with 2
workers, every step computed before the next (dask-image has no fill-holes,
Otsu or remove-small: they are built from its label, histogram and
bincount as a user would). The machines are shared: read the ratios.
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np
import tifffile
from scipy import ndimage as ndi
from skimage.data import binary_blobs
from skimage.filters import threshold_otsu
from skimage.measure import regionprops_table
from skimage.morphology import remove_small_objects

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("TESSERAE_BIN", os.path.join(ROOT, "target", "release", "tesserae"))
STEPS = ["gaussian", "threshold", "fill-holes", "remove-small", "label", "regionprops"]


def volume(work, size):
    path = os.path.join(work, f"pipeline_{size}.tif")
    if os.path.exists(path):
        return path
    os.makedirs(work, exist_ok=True)
    blobs = binary_blobs(length=size, n_dim=3, volume_fraction=0.25, blob_size_fraction=0.03, rng=3)
    rng = np.random.default_rng(3)
    out = np.empty((size, size, size), np.uint16)
    slab = 32
    for z0 in range(0, size, slab):
        lo, hi = max(z0 - 8, 0), min(z0 + slab + 8, size)
        part = ndi.gaussian_filter(blobs[lo:hi].astype(np.float32) * 1500.0, 1.5) + 200.0
        part = part[z0 - lo : z0 - lo + min(slab, size - z0)]
        out[z0 : z0 + part.shape[0]] = np.clip(rng.poisson(part), 0, 65535).astype(np.uint16)
    del blobs
    tifffile.imwrite(path, out)
    return path


def timed(times, step, fn):
    start = time.perf_counter()
    result = fn()
    times[step] = time.perf_counter() - start
    print(f"  {step:13s} {times[step]:9.2f} s", flush=True)
    return result


def run_tesserae(path, work):
    out = os.path.join(work, "pipeline_tesserae")
    start = time.perf_counter()
    done = subprocess.run(
        [BIN, "--quiet", "--threads", "2", "pipeline", path, "--chunks", "128,128,128",
         "--labels-format", "zarr", "--overwrite", "--out", out],
        check=True, capture_output=True, text=True)
    total = time.perf_counter() - start
    times = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] in STEPS and parts[2] == "s":
            times[parts[0]] = float(parts[1])
    times["total"] = total
    objects = next((l.split()[3] for l in done.stdout.splitlines() if l.startswith("label ")), "?")
    return times, objects


def run_scipy(path):
    image = tifffile.imread(path)
    times = {}
    smoothed = timed(times, "gaussian", lambda: ndi.gaussian_filter(image, 1.0))

    def threshold():
        t = threshold_otsu(smoothed)
        return smoothed > t

    mask = timed(times, "threshold", threshold)
    del smoothed
    filled = timed(times, "fill-holes", lambda: ndi.binary_fill_holes(mask))
    cleaned = timed(times, "remove-small", lambda: remove_small_objects(filled, max_size=30, connectivity=1))
    labels, count = timed(times, "label", lambda: ndi.label(cleaned))
    timed(times, "regionprops", lambda: regionprops_table(labels, image, properties=("label", "area", "centroid", "intensity_mean")))
    times["total"] = sum(times.values())
    return times, count


def run_dask(path):
    import dask
    import dask.array as da
    from dask_image import ndfilters, ndmeasure

    dask.config.set(scheduler="threads", num_workers=2)
    image = tifffile.imread(path)
    chunks = (128, 128, 128)
    times = {}
    d = da.from_array(image, chunks=chunks)
    smoothed = timed(times, "gaussian", lambda: ndfilters.gaussian_filter(d, 1.0).compute())

    def threshold():
        s = da.from_array(smoothed, chunks=chunks)
        counts = da.bincount(s.ravel()).compute()
        values = np.arange(counts.size)
        nonzero = counts > 0
        t = threshold_otsu(hist=(counts[nonzero], values[nonzero]))
        return (s > t).compute()

    mask = timed(times, "threshold", threshold)

    def fill():
        m = da.from_array(mask, chunks=chunks)
        background, _ = ndmeasure.label(~m)
        background = background.compute()
        faces = [background[0], background[-1], background[:, 0], background[:, -1], background[:, :, 0], background[:, :, -1]]
        border = np.unique(np.concatenate([f.ravel() for f in faces]))
        b = da.from_array(background, chunks=chunks)
        return (m | ~da.isin(b, border)).compute()

    filled = timed(times, "fill-holes", fill)

    def remove():
        f = da.from_array(filled, chunks=chunks)
        labels, _ = ndmeasure.label(f)
        labels = labels.compute()
        sizes = da.bincount(da.from_array(labels, chunks=chunks).ravel()).compute()
        keep = sizes > 30
        keep[0] = False
        return da.from_array(labels, chunks=chunks).map_blocks(lambda b: keep[b], dtype=bool).compute()

    cleaned = timed(times, "remove-small", remove)

    def label():
        labels, n = ndmeasure.label(da.from_array(cleaned, chunks=chunks))
        return labels.compute(), int(n.compute())

    labels, count = timed(times, "label", label)

    def props():
        index = np.arange(1, count + 1)
        lab = da.from_array(labels, chunks=chunks)
        img = da.from_array(image, chunks=chunks)
        return dask.compute(ndmeasure.area(img, lab, index), ndmeasure.center_of_mass(img > -1, lab, index),
                            ndmeasure.mean(img, lab, index))

    timed(times, "regionprops", props)
    times["total"] = sum(times.values())
    return times, count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--work", default=os.path.join(ROOT, "target", "bench-work"))
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    path = volume(args.work, args.size)
    print(f"volume {path} ({args.size}^3 uint16)", flush=True)
    ours, objects = run_tesserae(path, args.work)
    print(f"tesserae: {objects} objects", flush=True)
    for step in STEPS + ["total"]:
        print(f"  {step:13s} {ours.get(step, float('nan')):9.2f} s", flush=True)
    peers = [("scipy+skimage", run_scipy)]
    if not args.skip_dask:
        peers.append(("dask-image", run_dask))
    results = {}
    for name, fn in peers:
        print(f"{name}:", flush=True)
        times, count = fn(path)
        results[name] = times
        print(f"{name}: {count} objects", flush=True)
    header = f"{'step':13s} {'tesserae':>10s}" + "".join(f" {n:>14s} {'ratio':>7s}" for n in results)
    print(header)
    for step in STEPS + ["total"]:
        line = f"{step:13s} {ours.get(step, float('nan')):9.2f}s"
        for name in results:
            t = results[name].get(step, float("nan"))
            line += f" {t:13.2f}s {t / ours[step] if ours.get(step) else float('nan'):6.1f}x"
        print(line)


if __name__ == "__main__":
    sys.exit(main())

"""Times tesserae and its peers (scipy.ndimage, cc3d, scikit-image, dask-image,
tifffile) on the same files in the same run and prints the ratios.

Usage (from the repository root, after `cargo build --release`):
    python3 -m venv .venv-peers
    .venv-peers/bin/pip install numpy scipy scikit-image dask dask-image connected-components-3d tifffile zarr pandas
    .venv-peers/bin/python benches/peers/compare.py [--work target/bench-work] [--large] [--only NAME ...]

The workloads come from ../shared/bench/workloads.py (blobs and noise volumes);
`--large` adds 512^3 versions. Every timing is the median of `--repeat` runs;
the machines are shared and noisy, so read the ratios, not the seconds.
tesserae runs through its command line (files in, files out), with 2 threads.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import tifffile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "bench"))
BIN = os.path.join(ROOT, "target", "release", "tesserae")


def timed(fn, repeat):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def tesserae(*args):
    def run():
        subprocess.run([BIN, "--quiet", "--threads", "2", *args], check=True, stdout=subprocess.DEVNULL)
    return run


ROWS = []


def row(workload, op, peer, seconds, ours):
    ratio = seconds / ours if ours else float("nan")
    ROWS.append((workload, op, peer, seconds, ours, ratio))
    print(f"{workload:16s} {op:26s} {peer:30s} {seconds:8.3f} s  tesserae {ours:8.3f} s  ratio {ratio:7.1f}x", flush=True)


def peak_rss_mib(cmd):
    """Runs a command under /usr/bin/time -v; returns (seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *cmd], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    rss = next(int(line.split()[-1]) for line in done.stderr.splitlines() if "Maximum resident" in line)
    return seconds, rss / 1024


def compare_io(work, repeat):
    """Streaming copy of a 1024x1024x256 uint16 stack (512 MiB) TIFF -> Zarr against `cp` + sync
    (zarrs fsyncs every chunk it writes, so the fair plain copy syncs too)."""
    path = os.path.join(work, "stack_1024x1024x256_u16.tif")
    if not os.path.exists(path):
        rng = np.random.default_rng(1)
        plane = (rng.random((1024, 1024)) * 4000).astype(np.uint16)
        with tifffile.TiffWriter(path) as tif:
            for z in range(256):
                tif.write(np.roll(plane, z, axis=1), contiguous=True)
    nbytes = 1024 * 1024 * 256 * 2
    copy = os.path.join(work, "copy.tif")

    def cp():
        subprocess.run(["cp", path, copy], check=True)
        subprocess.run(["sync", copy], check=True)

    plain, _ = timed(cp, repeat)
    for compression in ["none", "zstd"]:
        out = os.path.join(work, f"copy_{compression}.zarr")
        runs = [peak_rss_mib([BIN, "--quiet", "--threads", "2", "convert", path, out, "--overwrite",
                              "--compression", compression]) for _ in range(repeat)]
        seconds = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        print(f"io  TIFF->Zarr ({compression:4s})  {nbytes / seconds / 2**20:7.1f} MiB/s  = {plain / seconds:5.2f}x "
              f"the throughput of cp+sync ({nbytes / plain / 2**20:.1f} MiB/s); peak RSS {rss:.0f} MiB", flush=True)


def make_large(work):
    """The 512^3 workloads of the issues: blobs (as workloads.py, scaled) and noise at p = 0.5 and 0.2."""
    from skimage.data import binary_blobs

    out = {}

    def save(name, make_array):
        path = os.path.join(work, name + ".tif")
        if not os.path.exists(path):
            tifffile.imwrite(path, make_array())
        out[name] = path

    rng = np.random.default_rng(0)
    save("blobs3d_512", lambda: binary_blobs(length=512, n_dim=3, volume_fraction=0.3,
                                             blob_size_fraction=0.05, rng=0).astype(np.uint8))
    save("noise3d_512", lambda: (rng.random((512, 512, 512)) < 0.5).astype(np.uint8))
    save("noise3d_512_p02", lambda: (rng.random((512, 512, 512)) < 0.2).astype(np.uint8))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", default=os.path.join(ROOT, "target", "bench-work"))
    parser.add_argument("--large", action="store_true", help="add the 512^3 workloads")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--io", action="store_true", help="also time the streaming TIFF -> Zarr copy")
    args = parser.parse_args()
    if args.io:
        compare_io(args.work, args.repeat)
    from workloads import make

    files = make(args.work)
    names = ["blobs3d_256", "noise3d_256", "blobs2d_4096"]
    if args.large:
        files.update(make_large(args.work))
        names += ["blobs3d_512", "noise3d_512", "noise3d_512_p02"]
    names = [w for w in names if not args.only or w in args.only]
    for w in names:
        path = files[w]
        img = tifffile.imread(path)
        compare_workload(w, path, img, args)


def compare_workload(w, path, img, args):
    from scipy import ndimage as ndi
    import cc3d

    work = args.work
    full = np.ones((3,) * img.ndim, bool)
    out = os.path.join(work, f"{w}_labels.tif")
    conn = str(img.ndim)
    ours, _ = timed(tesserae("label", path, out, "--connectivity", conn, "--overwrite"), args.repeat)

    def python_label():
        a = tifffile.imread(path)
        lab = cc3d.connected_components(a, connectivity=26 if a.ndim == 3 else 8)
        tifffile.imwrite(os.path.join(work, "peer_labels.tif"), lab)

    sec, _ = timed(python_label, args.repeat)
    row(w, "label full, file to file", "tifffile+cc3d+tifffile", sec, ours)
    sec, (lab, n) = timed(lambda: ndi.label(img, structure=full), args.repeat)
    row(w, "label full", "scipy.ndimage.label (memory)", sec, ours)
    sec, _ = timed(lambda: cc3d.connected_components(img, connectivity=26 if img.ndim == 3 else 8), args.repeat)
    row(w, "label full", "cc3d (memory)", sec, ours)

    import dask
    import dask.array as da
    import dask_image.ndmeasure as dm

    dask.config.set(scheduler="threads", num_workers=2)
    chunks = (128,) * img.ndim if img.ndim == 3 else (1024, 1024)
    ours_chunked, _ = timed(
        tesserae("label", path, out, "--connectivity", conn, "--overwrite", "--chunks", ",".join(map(str, chunks))),
        args.repeat,
    )
    sec, _ = timed(lambda: dm.label(da.from_array(img, chunks=chunks), structure=full)[0].compute(), 1)
    row(w, f"label full, {chunks[0]}-chunks", "dask-image (memory)", sec, ours_chunked)

    labels_path = os.path.join(work, f"{w}_scipy_labels.tif")
    if not os.path.exists(labels_path):
        tifffile.imwrite(labels_path, lab.astype(np.uint32))
    ours, _ = timed(tesserae("find-objects", labels_path, "-o", os.path.join(work, "boxes.csv"), "--overwrite"), args.repeat)
    sec, _ = timed(lambda: ndi.find_objects(lab), args.repeat)
    row(w, "find_objects", "scipy.ndimage (memory)", sec, ours)
    sec, _ = timed(lambda: cc3d.statistics(lab), args.repeat)
    row(w, "find_objects", "cc3d.statistics (memory)", sec, ours)
    sec, _ = timed(lambda: dm.find_objects(da.from_array(lab, chunks=chunks)).compute(), 1)
    row(w, "find_objects", "dask-image (memory)", sec, ours)

    inten_path = os.path.join(work, f"{w}_intensity.tif")
    if not os.path.exists(inten_path):
        inten = (img.astype(np.float32) * 100 + np.arange(img.size, dtype=np.float32).reshape(img.shape) % 97)
        tifffile.imwrite(inten_path, inten)
    inten = tifffile.imread(inten_path)
    idx = np.arange(1, n + 1)
    ours, _ = timed(
        tesserae("measure", labels_path, "--intensity", inten_path, "--stat", "mean,variance,minimum,maximum",
                 "-o", os.path.join(work, "measure.csv"), "--overwrite"),
        args.repeat,
    )
    sec, _ = timed(lambda: [f(inten, lab, idx) for f in (ndi.mean, ndi.variance, ndi.minimum, ndi.maximum)], 1)
    row(w, "mean+var+min+max", "scipy.ndimage one by one", sec, ours)


if __name__ == "__main__":
    main()

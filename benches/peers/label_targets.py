"""The labeling targets of the issue that are not in-memory ratios (those: label_ratios.py), side by side:

  dask    dask_image.ndmeasure.label on a dask array of 128^3 chunks (default threaded scheduler) vs
          `tesserae label` on a Zarr store of the same chunks (CLI, so read, label and write included;
          the dask figure includes neither read nor write)
  e2e     `tesserae label in.tif out.tif` vs Python: tifffile.imread + cc3d + tifffile.imwrite
  ooc     `tesserae label` 1024^3 uint8 Zarr -> uint32 Zarr: wall time and peak RSS (/usr/bin/time -v)

    RAYON_NUM_THREADS=2 python benches/peers/label_targets.py --bin target/release/tesserae \
        [--what dask,e2e,ooc] [--work /tmp/label-targets] [--size 256] [--ooc-size 1024]

The work folder is deleted at the end (--keep keeps it).
"""
import argparse, os, re, shutil, subprocess, time
import numpy as np
import tifffile, zarr, cc3d
from skimage.data import binary_blobs

from label_ratios import best  # the same best-of-n timer


def blobs(n):
    return binary_blobs(length=n, n_dim=3, volume_fraction=0.3, blob_size_fraction=0.05, rng=0).astype(np.uint8)


def run(cmd):
    s = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - s, out


def dask_vs_cli(args, work):
    import dask.array as da
    from dask_image import ndmeasure
    img = blobs(args.size)
    src = os.path.join(work, "blobs.zarr")
    z = zarr.create_array(src, shape=img.shape, chunks=(128,) * 3, dtype="uint8", overwrite=True)
    z[:] = img
    dst = os.path.join(work, "labels.zarr")
    cli = [args.bin, "label", "-q", src, dst, "--chunks", "128,128,128", "--overwrite"]
    d = da.from_array(img, chunks=(128,) * 3)
    t_dask = best(lambda: ndmeasure.label(d)[0].compute(), 1)
    t_cli = min(run(cli)[0] for _ in range(args.repeat))
    print(f"dask   {args.size}^3 blobs, 128^3 chunks: dask-image {t_dask:.2f} s  tesserae CLI zarr->zarr "
          f"{t_cli:.3f} s  ratio {t_dask / t_cli:.0f}x", flush=True)


def e2e(args, work):
    img = blobs(args.size)
    src = os.path.join(work, "blobs.tif")
    tifffile.imwrite(src, img)
    out_py = os.path.join(work, "py.tif")
    out_cli = os.path.join(work, "cli.tif")

    def python():
        a = tifffile.imread(src)
        tifffile.imwrite(out_py, cc3d.connected_components(a, connectivity=6).astype(np.uint32))

    cli = [args.bin, "label", "-q", src, out_cli, "--overwrite"]
    tp, tc = [], []
    for _ in range(args.repeat):
        tp.append(best(python, 1))
        tc.append(run(cli)[0])
    assert np.array_equal(tifffile.imread(out_py), tifffile.imread(out_cli))
    print(f"e2e    {args.size}^3 blobs TIFF->TIFF: python (tifffile+cc3d) {min(tp):.3f} s  tesserae CLI "
          f"{min(tc):.3f} s  ratio {min(tp) / min(tc):.2f}x", flush=True)


def ooc(args, work):
    n = args.ooc_size
    src = os.path.join(work, f"ooc_{n}.zarr")
    z = zarr.create_array(src, shape=(n, n, n), chunks=(128,) * 3, dtype="uint8", overwrite=True)
    slab = blobs(128)
    for i in range(0, n, 128):
        z[i:i + 128] = np.tile(slab, (1, n // 128, n // 128))
    dst = os.path.join(work, f"ooc_{n}_labels.zarr")
    t, out = run(["/usr/bin/time", "-v", args.bin, "label", "-q", src, dst, "--chunks", "128,128,128", "--overwrite"])
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1))
    print(f"ooc    {n}^3 u8 zarr -> u32 zarr: {t:.1f} s  peak RSS {rss / 2**20:.2f} GiB  "
          f"({out.stdout.strip()})", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", default="target/release/tesserae")
    p.add_argument("--what", default="dask,e2e,ooc")
    p.add_argument("--work", default="/tmp/label-targets")
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--ooc-size", type=int, default=1024)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    print(f"load: {os.getloadavg()}  RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS')}")
    try:
        for what in args.what.split(","):
            {"dask": dask_vs_cli, "e2e": e2e, "ooc": ooc}[what](args, args.work)
    finally:
        if not args.keep:
            shutil.rmtree(args.work, ignore_errors=True)
    print(f"load: {os.getloadavg()}")


if __name__ == "__main__":
    main()

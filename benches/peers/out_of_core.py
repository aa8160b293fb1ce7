"""Out-of-core check: label a 1024^3 uint8 Zarr volume into a uint32 Zarr volume, then measure it
against a 1024^3 uint16 intensity volume (`measure`, and `regionprops` with one-pass properties),
and report the peak RSS of each command.

Usage (after `cargo build --release`):
    .venv-peers/bin/python benches/peers/out_of_core.py [--work target/bench-work] [--size 1024] [--period 21]

The volumes are written slab by slab with zarr-python (never whole in memory): blobs from a
lattice of spheres, one per cube of `--period` voxels, with jittered radii below half the period
(so they never touch: 49^3 = 117 649 objects at 1024^3 and period 21), and a smooth intensity
ramp plus noise.
"""
import argparse
import os
import subprocess
import time

import numpy as np
import zarr

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "target", "release", "tesserae")


def make(work, n, period):
    mask_path = os.path.join(work, f"blobs_{n}_p{period}.zarr")
    inten_path = os.path.join(work, f"intensity_{n}_p{period}.zarr")
    if os.path.exists(mask_path) and os.path.exists(inten_path):
        return mask_path, inten_path
    mask = zarr.create_array(mask_path, shape=(n, n, n), chunks=(128, 128, 128), dtype="uint8", overwrite=True)
    inten = zarr.create_array(inten_path, shape=(n, n, n), chunks=(128, 128, 128), dtype="uint16", overwrite=True)
    rng = np.random.default_rng(3)
    radius = rng.uniform(period / 4, period / 2 - 0.5, size=(n // period + 2,) * 3)
    y, x = np.mgrid[0:n, 0:n]
    for z0 in range(0, n, 128):
        z = np.arange(z0, z0 + 128)[:, None, None]
        cz, cy, cx = z // period, y // period, x // period
        dz = z % period - period / 2
        dy = y % period - period / 2
        dx = x % period - period / 2
        r = radius[cz, cy, cx]
        slab = (dz * dz + dy * dy + dx * dx) <= r * r
        mask[z0:z0 + 128] = slab.astype(np.uint8)
        noise = rng.integers(0, 200, size=slab.shape)
        inten[z0:z0 + 128] = (slab * 2000 + (z + y + x) % 1000 + noise).astype(np.uint16)
    return mask_path, inten_path


def run(cmd):
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    rss = next(int(line.split()[-1]) for line in done.stderr.splitlines() if "Maximum resident" in line)
    return seconds, rss / 1024, done.stdout.strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", default=os.path.join(ROOT, "target", "bench-work"))
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--period", type=int, default=21)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    mask, inten = make(args.work, args.size, args.period)
    labels = os.path.join(args.work, f"labels_{args.size}_p{args.period}.zarr")
    for connectivity in ["1", "3"]:
        s, rss, out = run([BIN, "--quiet", "--threads", "2", "label", mask, labels, "--connectivity", connectivity,
                           "--chunks", "128,128,128", "--overwrite"])
        print(f"label {args.size}^3 u8 Zarr -> u32 Zarr, connectivity {connectivity}: {s:.1f} s, peak RSS {rss:.0f} MiB ({out})")
    s, rss, _ = run([BIN, "--quiet", "--threads", "2", "find-objects", labels, "-o",
                     os.path.join(args.work, "boxes_large.csv"), "--overwrite"])
    print(f"find-objects {args.size}^3 u32 Zarr: {s:.1f} s, peak RSS {rss:.0f} MiB")
    s, rss, _ = run([BIN, "--quiet", "--threads", "2", "measure", labels, "--intensity", inten, "--stat",
                     "count,mean,variance,minimum,maximum,center_of_mass", "-o",
                     os.path.join(args.work, "measure_large.csv"), "--overwrite"])
    print(f"measure {args.size}^3 u32 labels + u16 intensity (Zarr): {s:.1f} s, peak RSS {rss:.0f} MiB")
    table = os.path.join(args.work, "regionprops_large.csv")
    s, rss, _ = run([BIN, "--quiet", "--threads", "2", "regionprops", labels, "--intensity", inten, "--properties",
                     "label,area,bbox,centroid,moments_central,inertia_tensor_eigvals,intensity_mean,"
                     "intensity_min,intensity_max,intensity_std", "-o", table, "--overwrite"])
    with open(table) as f:
        objects = sum(1 for _ in f) - 1
    print(f"regionprops {args.size}^3 u32 labels + u16 intensity (Zarr), {objects} objects, one-pass "
          f"properties: {s:.1f} s, peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()

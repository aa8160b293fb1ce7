"""Peer timings for benches/rank.rs: scipy.ndimage median_filter(size=3) and
minimum_filter(size=5) on 256^3 uint16 and float32 noise (scipy runs on one
thread). Writes the workloads to /work/bench-work/rank_noise_256_{u16,f32}.bin
(raw little-endian, C order) if missing, so the Rust bench filters the same data.

Usage: /work/venv/bin/python benches/peers/rank.py [--repeat N]
"""

import argparse
import time
from pathlib import Path

import numpy as np
from scipy import ndimage as ndi

WORK = Path("/work/bench-work")
N = 256


def workload(dtype):
    path = WORK / f"rank_noise_{N}_{'u16' if dtype == np.uint16 else 'f32'}.bin"
    if path.exists():
        return np.fromfile(path, dtype=np.dtype(dtype).newbyteorder("<")).reshape((N, N, N))
    rng = np.random.default_rng(256)
    if dtype == np.uint16:
        a = rng.integers(0, 4096, size=(N, N, N), dtype=np.uint16)
    else:
        a = rng.normal(100.0, 20.0, size=(N, N, N)).astype(np.float32)
    WORK.mkdir(parents=True, exist_ok=True)
    a.astype(a.dtype.newbyteorder("<")).tofile(path)
    return a


def best(f, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for dtype, name in [(np.uint16, "u16"), (np.float32, "f32")]:
        a = workload(dtype)
        t = best(lambda: ndi.median_filter(a, size=3), args.repeat)
        print(f"scipy median_filter size=3 {name} 256^3: {t:.3f} s")
        t = best(lambda: ndi.minimum_filter(a, size=5), args.repeat)
        print(f"scipy minimum_filter size=5 {name} 256^3: {t:.3f} s")


if __name__ == "__main__":
    main()

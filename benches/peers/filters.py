"""scipy.ndimage peers of benches/filters.rs: gaussian_filter sigma 2 and
uniform_filter size 5 on the 256^3 smooth intensity workload (uint16, and as
float32), and of benches/morph.rs: binary_erosion with 3 iterations (face
connectivity) of the same 256^3 synthetic blobs. Prints the median of 5 runs
per operation (scipy is single-threaded).

    python benches/peers/filters.py [WORK]   # WORK: folder of intensity3d_256.tif (default /work/bench-work)
"""
import sys
import time
from pathlib import Path

import numpy as np
import scipy.ndimage as ndi
import tifffile


def median_time(f, runs=5):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main():
    work = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/bench-work")
    u16 = tifffile.imread(work / "intensity3d_256.tif")
    f32 = u16.astype(np.float32)
    i = np.arange(256, dtype=np.float64)
    blobs = (
        np.sin(i * 0.21)[:, None, None] + np.cos(i * 0.17)[None, :, None] + np.sin(i * 0.13)[None, None, :]
    ) > 0.3
    for name, f in [
        ("gaussian_sigma2_f32", lambda: ndi.gaussian_filter(f32, 2.0)),
        ("gaussian_sigma2_u16", lambda: ndi.gaussian_filter(u16, 2.0)),
        ("uniform_size5_f32", lambda: ndi.uniform_filter(f32, 5)),
        ("uniform_size5_u16", lambda: ndi.uniform_filter(u16, 5)),
        ("binary_erosion_it3", lambda: ndi.binary_erosion(blobs, iterations=3)),
    ]:
        t = median_time(f)
        print(f"scipy {name:24s} {t:8.3f} s  {u16.size / t / 1e6:8.1f} Mvox/s")


if __name__ == "__main__":
    main()

"""In-memory labeling ratios against cc3d, side by side in one process, interleaved run by run.

Times cc3d.connected_components (single thread) and the `label` function of one or more builds of the
tesserae extension module (`_tesserae.abi3.so`, e.g. the installed one and a fresh
`cargo build --release -p tesserae-python` -> target/release/lib_tesserae.so) on the same uint8
arrays; checks the object counts agree; prints the best of N seconds and the ratio cc3d / tesserae.

    RAYON_NUM_THREADS=2 python benches/peers/label_ratios.py \
        [--so NAME=PATH ...] [--only noise256_p02,...] [--repeat 5]

Without --so, the installed package's extension is used.
"""
import argparse, importlib.machinery, importlib.util, os, time
import numpy as np, cc3d
from scipy import ndimage as ndi
from skimage.data import binary_blobs

WORK = {
    "noise256_p02": lambda: np.random.default_rng(2).random((256,) * 3) < 0.2,
    "noise256_p05": lambda: np.random.default_rng(0).random((256,) * 3) < 0.5,
    "blobs512": lambda: binary_blobs(length=512, n_dim=3, volume_fraction=0.3, blob_size_fraction=0.05, rng=0),
    "blobs2d_8192": lambda: binary_blobs(length=8192, n_dim=2, volume_fraction=0.4, blob_size_fraction=0.01, rng=1),
}
CACHE = "/tmp/tesserae-label-ratios"


def load_so(name, path):
    loader = importlib.machinery.ExtensionFileLoader(f"tesserae_{name}._tesserae", path)
    spec = importlib.util.spec_from_file_location(f"tesserae_{name}._tesserae", path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def workload(name):
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, name + ".npy")
    if not os.path.exists(path):
        np.save(path, WORK[name]().astype(np.uint8))
    return np.load(path)


def best(fn, n):
    ts = []
    for _ in range(n):
        s = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - s)
    return min(ts)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--so", action="append", default=[])
    p.add_argument("--only", default=",".join(WORK))
    p.add_argument("--conn", default="face,full")
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    if args.so:
        mods = {n: load_so(n, path) for n, path in (s.split("=", 1) for s in args.so)}
    else:
        from tesserae import _tesserae
        mods = {"installed": _tesserae}
    print(f"load: {os.getloadavg()}  RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS')}")
    for w in args.only.split(","):
        img = workload(w)
        for kind in args.conn.split(","):
            full = kind == "full"
            c3 = {(False, 2): 4, (True, 2): 8, (False, 3): 6, (True, 3): 26}[(full, img.ndim)]
            st = ndi.generate_binary_structure(img.ndim, img.ndim if full else 1)
            n = cc3d.connected_components(img, connectivity=c3).max()
            for m in mods.values():
                assert m.label(img, st)[1] == n
            runs = {"cc3d": lambda: cc3d.connected_components(img, connectivity=c3)}
            for name, m in mods.items():
                runs[name] = lambda m=m: m.label(img, st)
            times = {k: [] for k in runs}
            for _ in range(args.repeat):
                for k, fn in runs.items():
                    times[k].append(best(fn, 1))
            tc = min(times["cc3d"])
            line = f"{w:13s} {c3:2d}-conn  cc3d {tc * 1e3:7.1f} ms"
            for name in mods:
                t = min(times[name])
                line += f"  {name} {t * 1e3:7.1f} ms {tc / t:5.2f}x"
            print(line, flush=True)
    print(f"load: {os.getloadavg()}")


if __name__ == "__main__":
    main()

"""End to end `tesserae label in.tif out.tif` against Python (tifffile.imread + cc3d.connected_components
+ tifffile.imwrite, uncompressed as imwrite writes by default), side by side, interleaved run by run.

    RAYON_NUM_THREADS=2 python benches/peers/label_e2e.py [--bin NAME=PATH ...] \
        [--input /work/bench-work/blobs3d_256.tif] [--conn 6,26] [--repeat 5] [--work /tmp/label-e2e]

Several --bin builds (e.g. before=/tmp/old-tesserae after=target/release/tesserae) are timed in the same
rounds. Every output is checked equal to cc3d's labels (same numbering as scipy for these images). Prints
the best of N wall-clock seconds (process start included for the CLI) and the ratio python / CLI.
Every output file is removed before its timed run, outside the timing: writing over an existing file
makes ext4 flush the new data at close or rename (auto_da_alloc), tens of milliseconds that both sides
would pay and that a fresh output does not.
Without --input, 256^3 blobs are generated as label_targets.py does. The work folder is removed.
"""
import argparse, os, shutil, subprocess, time
import numpy as np
import tifffile, cc3d


def remove(path):
    if os.path.exists(path):
        os.remove(path)


def wall(fn, before=lambda: None):
    before()
    s = time.perf_counter()
    fn()
    return time.perf_counter() - s


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", action="append", default=[])
    p.add_argument("--input")
    p.add_argument("--conn", default="6,26")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--work", default="/tmp/label-e2e")
    args = p.parse_args()
    bins = dict(b.split("=", 1) if "=" in b else ("tesserae", b) for b in args.bin) or {
        "tesserae": "target/release/tesserae"}
    os.makedirs(args.work, exist_ok=True)
    try:
        src = args.input
        if src is None:
            from label_targets import blobs
            src = os.path.join(args.work, "blobs.tif")
            tifffile.imwrite(src, blobs(256))
        print(f"load: {os.getloadavg()}  RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS')}  input {src}")
        for conn in (int(c) for c in args.conn.split(",")):
            out_py = os.path.join(args.work, "py.tif")

            def python():
                a = tifffile.imread(src)
                tifffile.imwrite(out_py, cc3d.connected_components(a, connectivity=conn).astype(np.uint32))

            cli_conn = {6: 1, 18: 2, 26: 3}[conn]
            times = {"python": []} | {name: [] for name in bins}
            for _ in range(args.repeat):
                times["python"].append(wall(python, lambda: remove(out_py)))
                for name, path in bins.items():
                    out = os.path.join(args.work, f"{name}.tif")
                    cmd = [path, "label", "-q", src, out, "--connectivity", str(cli_conn), "--overwrite"]
                    times[name].append(wall(lambda: subprocess.run(cmd, check=True, capture_output=True),
                                            lambda: remove(out)))
            expected = tifffile.imread(out_py)
            for name in bins:
                got = tifffile.imread(os.path.join(args.work, f"{name}.tif"))
                assert got.dtype == expected.dtype and np.array_equal(got, expected), name
            tp = min(times["python"])
            line = f"e2e {conn}-conn: python (tifffile+cc3d) {tp:.3f} s"
            for name in bins:
                t = min(times[name])
                line += f"  {name} {t:.3f} s ({tp / t:.2f}x)"
            print(line, flush=True)
        print(f"load: {os.getloadavg()}")
    finally:
        shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()

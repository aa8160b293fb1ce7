"""Noise labeling side by side: cc3d.connected_components (single thread) and the `label` bench's
`Label::apply` on a pool of 2 threads (and of 1), on the same 256^3 uint8 noise volumes, interleaved
round by round so both see the same machine load; prints best-of-rounds Mvox/s, the ratio and the
load average before and after.

    cargo bench --bench label --no-run      # prints the bench executable's path
    python benches/peers/label_noise.py --bench target/release/deps/label-HASH [--rounds 5] \
        [--before OTHER_BENCH_EXECUTABLE]

The volumes are benches/label_peers.py's (`noise3d_256_p02.bin`: density 0.2, `noise3d_256.bin`: 0.5,
raw C-order bytes in /tmp/tesserae-label-bench); --before adds a column for another build of the bench
(e.g. of the previous commit) in the same rounds.
"""
import argparse, os, re, subprocess, time
import numpy as np
import cc3d

FOLDER = os.environ.get("TESSERAE_LABEL_BENCH", "/tmp/tesserae-label-bench")
WORK = {"noise3d_256_p02": 0.2, "noise3d_256": 0.5}


def tesserae_rates(exe, name, runs):
    """Median Mvox/s of every in-memory configuration of the bench for workload `name`."""
    env = dict(os.environ, TESSERAE_LABEL_MEDIANS=str(runs), TESSERAE_LABEL_ONLY=name,
               TESSERAE_LABEL_CONFIGS="in-memory", TESSERAE_LABEL_BENCH=FOLDER)
    out = subprocess.run([exe], env=env, check=True, capture_output=True, text=True).stdout
    rates = {}
    for line in out.splitlines():
        m = re.match(r"\S+\s+(\w+)/in-memory-(\w+)\s+([\d.]+) Mvox/s", line)
        if m:
            rates[(m.group(1), m.group(2))] = float(m.group(3))
    return rates


def cc3d_rate(img, conn, runs):
    ts = []
    for _ in range(runs):
        s = time.perf_counter()
        cc3d.connected_components(img, connectivity=conn)
        ts.append(time.perf_counter() - s)
    return img.size / sorted(ts)[len(ts) // 2] / 1e6


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bench", required=True)
    p.add_argument("--before")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--runs", type=int, default=3, help="runs per round (median)")
    args = p.parse_args()
    exes = {"after": args.bench}
    if args.before:
        exes["before"] = args.before
    print(f"load before: {os.getloadavg()}")
    best = {}
    for name, density in WORK.items():
        img = np.fromfile(os.path.join(FOLDER, name + ".bin"), dtype=np.uint8).reshape((256,) * 3)
        for _ in range(args.rounds):
            for kind, conn in (("face", 6), ("full", 26)):
                key = (density, conn, "cc3d")
                best[key] = max(best.get(key, 0), cc3d_rate(img, conn, args.runs))
            for tag, exe in exes.items():
                for (kind, threads), rate in tesserae_rates(exe, name, args.runs).items():
                    conn = 6 if kind == "face" else 26
                    key = (density, conn, f"{tag} {threads}")
                    best[key] = max(best.get(key, 0), rate)
    print(f"load after: {os.getloadavg()}")
    cols = [c for c in ("before 1thread", "before 2threads", "after 1thread", "after 2threads")
            if any(k[2] == c for k in best)]
    print("workload          conn   cc3d Mvox/s  " + "  ".join(f"{c:>16s}" for c in cols) + "  (x cc3d)")
    for density in WORK.values():
        for conn in (6, 26):
            c = best[(density, conn, "cc3d")]
            cells = "  ".join(f"{best[(density, conn, k)]:7.1f} ({best[(density, conn, k)] / c:4.2f}x)"
                              for k in cols)
            print(f"noise256 p={density:<4}  {conn:2d}     {c:7.1f}     {cells}")


if __name__ == "__main__":
    main()

"""tesserae.dask vs dask-image on a distributed LocalCluster, and vs scipy /
scikit-image in memory: label, find_objects, regionprops_table.

    python python/bench/dask_label.py [--size 512] [--chunk 128] [--work DIR]

The volume is binary blobs as benches/peers/compare.py makes them
(skimage.data.binary_blobs, volume fraction 0.3, blob size fraction 0.05,
rng 0), written once to a Zarr store that the workers read chunk by chunk.
The stored labels go to one Zarr store for both tesserae.dask and
dask-image, with ``da.to_zarr``'s defaults (zarr-python 3: Zarr v3, int32,
the input's 128^3 chunks, zstd level 0, no checksum); per 128^3 chunk, an
uncompressed or blosc-lz4 store was not faster to write.
The labels are timed gathered to the client, written to Zarr by the workers
and persisted on the workers; the floor rows time the same reads with an int32
cast in place of labeling, the most any labeling on this cluster can reach:
in one pass, and in the two passes exact labeling needs (every block read
before any is written, since a block's final labels depend on all blocks).
The cluster has 2 worker processes with one thread each, and Dask's
default scheduler settings unless --worker-saturation is given. Every timing is the
median of --repeat runs after a warm-up run (dask-image's and
scikit-image's slow runs: one run, no warm-up), results are checked equal before timing is reported.
"""

import argparse
import os
import statistics
import time
import uuid

import numpy as np


def _keep(block):
    # A block kept on its worker with a stand-in for its summary.
    return block, np.int64(block.size)


def _second(pair):
    return pair[1]


def _barrier(summaries):
    return int(np.sum(summaries))


def _cast_kept(pair, barrier):
    return pair[0].astype(np.int32)


def _size(block):
    return np.int64(block.size)


def _cast(block, barrier):
    return block.astype(np.int32)


def two_pass_floors(da, image, again):
    """The task structure exact labeling needs, with no labeling: every block
    read and reduced to a small value, one task waiting for all of them
    (a block's final labels depend on every block), then every block written
    as int32. ``kept``: the blocks wait in memory for the second pass, as
    tesserae.dask.ndmeasure.label does (a summary task per block, the merge
    task, a cast task per block); ``read twice``: ``again`` (the same array
    under other keys) is read a second time instead."""
    import itertools

    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph

    indices = list(itertools.product(*(range(n) for n in image.numblocks)))
    meta = np.empty((0,) * image.ndim, object)
    kept = image.map_blocks(_keep, dtype=object, meta=meta)
    name = f"floor-kept-{tokenize(kept)}"
    dsk = {(f"{name}-summary", *i): (_second, (kept.name, *i)) for i in indices}
    dsk[f"{name}-barrier"] = (_barrier, [(f"{name}-summary", *i) for i in indices])
    dsk.update({(name, *i): (_cast_kept, (kept.name, *i), f"{name}-barrier") for i in indices})
    kept_floor = da.Array(HighLevelGraph.from_collections(name, dsk, dependencies=[kept]), name,
                          image.chunks, dtype=np.int32)
    sizes = image.map_blocks(_size, dtype=object, meta=meta)
    name = f"floor-twice-{tokenize(sizes, again)}"
    dsk = {f"{name}-barrier": (_barrier, [(sizes.name, *i) for i in indices])}
    dsk.update({(name, *i): (_cast, (again.name, *i), f"{name}-barrier") for i in indices})
    twice_floor = da.Array(HighLevelGraph.from_collections(name, dsk, dependencies=[sizes, again]), name,
                           image.chunks, dtype=np.int32)
    return kept_floor, twice_floor


def timed(fn, repeat, warm=True):
    """Median wall time of ``repeat`` runs after one untimed warm-up run (which
    pays the workers' first imports)."""
    times = []
    result = fn() if warm else None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--chunk", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", default=os.path.join(os.path.dirname(__file__), "..", "..", "target", "bench-work"))
    parser.add_argument("--skip-dask-image-label", action="store_true",
                        help="dask-image's label takes minutes at 512^3")
    parser.add_argument("--worker-saturation", default=None,
                        help="distributed.scheduler.worker-saturation for the cluster (Dask's default: 1.1)")
    args = parser.parse_args()

    import dask
    import dask.array as da
    import distributed
    import scipy.ndimage as ndi
    import skimage.measure as skm
    import zarr
    from skimage.data import binary_blobs

    import dask_image.ndmeasure as dim
    import tesserae
    from tesserae.dask import ndmeasure as tdm

    os.makedirs(args.work, exist_ok=True)
    n, c = args.size, args.chunk
    path = os.path.join(args.work, f"blobs3d_{n}_c{c}.zarr")
    if not os.path.exists(path):
        image = binary_blobs(length=n, n_dim=3, volume_fraction=0.3, blob_size_fraction=0.05, rng=0).astype(np.uint8)
        z = zarr.open_array(path, mode="w", shape=image.shape, chunks=(c, c, c), dtype=np.uint8)
        z[...] = image
    image = zarr.open_array(path, mode="r")[...]
    labels_np, count = ndi.label(image)
    lpath = os.path.join(args.work, f"blobs3d_{n}_c{c}_labels.zarr")
    if not os.path.exists(lpath):
        z = zarr.open_array(lpath, mode="w", shape=image.shape, chunks=(c, c, c), dtype=np.int32)
        z[...] = labels_np
    print(f"blobs {n}^3, chunks {c}^3, {count} objects", flush=True)
    if args.worker_saturation is not None:
        dask.config.set({"distributed.scheduler.worker-saturation": float(args.worker_saturation)})
        print(f"worker-saturation {args.worker_saturation}", flush=True)

    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        def fresh(store):
            # A new name every run: the cluster still holds the results of a
            # run with the same keys just before, and would return them instead
            # of computing them (a few milliseconds for any function).
            return da.from_zarr(store, name=f"bench-{uuid.uuid4().hex}")

        def ours_label():
            labels, k = tdm.label(fresh(path))
            return client.compute([labels, k], sync=True)

        def theirs_label():
            labels, k = dim.label(fresh(path))
            return client.compute([labels, k], sync=True)

        out_path = os.path.join(args.work, f"labels_out_{n}_c{c}.zarr")

        def stored(func):
            # The labels written to a Zarr store by the workers (what a volume
            # larger than the client's memory needs), and the count.
            def run():
                labels, k = func(fresh(path))
                store = da.to_zarr(labels, out_path, overwrite=True, compute=False)
                return client.compute([store, k], sync=True)[1]
            return run

        t_scipy, _ = timed(lambda: ndi.label(image), args.repeat)
        t_mem, (mem_labels, mem_n) = timed(lambda: tesserae.label(image), args.repeat)
        assert mem_n == count and np.array_equal(mem_labels, labels_np)
        t_ours, (got, k) = timed(ours_label, args.repeat)
        assert int(k) == count and np.array_equal(got, labels_np)
        print(f"label  tesserae.dask {t_ours:7.2f} s | scipy in memory {t_scipy:7.2f} s "
              f"({t_scipy / t_ours:5.1f}x) | tesserae in memory {t_mem:6.2f} s  (labels gathered to the client)",
              flush=True)
        t_store, k = timed(stored(tdm.label), args.repeat)
        assert int(k) == count
        assert np.array_equal(zarr.open_array(out_path, mode="r")[...], labels_np)
        print(f"label  tesserae.dask {t_store:7.2f} s | scipy in memory {t_scipy:7.2f} s "
              f"({t_scipy / t_store:5.1f}x)  (labels written to Zarr by the workers)", flush=True)
        def persisted():
            # The labels kept in the workers' memory (`persist`, what a
            # pipeline that measures them next does), and the count.
            labels, k = client.persist(list(tdm.label(fresh(path))))
            distributed.wait([labels, k])
            return int(client.compute(k, sync=True))

        t_kept, k = timed(persisted, args.repeat)
        assert k == count
        print(f"label  tesserae.dask {t_kept:7.2f} s | scipy in memory {t_scipy:7.2f} s "
              f"({t_scipy / t_kept:5.1f}x)  (labels persisted on the workers)", flush=True)

        # What the cluster needs for the same data movement with no labeling at
        # all: every block read and turned into int32, kept or stored. No
        # labeling on this cluster can be faster than these.
        def cast_kept():
            cast = client.persist(fresh(path).astype(np.int32))
            distributed.wait(cast)

        def cast_stored():
            client.compute(da.to_zarr(fresh(path).astype(np.int32), out_path, overwrite=True, compute=False), sync=True)

        def two_pass(which):
            def run():
                floor = two_pass_floors(da, fresh(path), fresh(path))[which]
                distributed.wait(client.persist(floor))
            return run

        t_cast_kept, _ = timed(cast_kept, args.repeat)
        t_cast_stored, _ = timed(cast_stored, args.repeat)
        print(f"floor  read + int32 cast, no labeling: persisted {t_cast_kept:5.2f} s "
              f"({t_scipy / t_cast_kept:4.1f}x scipy at best), written to Zarr {t_cast_stored:5.2f} s "
              f"({t_scipy / t_cast_stored:4.1f}x scipy at best)", flush=True)
        t_kept2, _ = timed(two_pass(0), args.repeat)
        t_twice2, _ = timed(two_pass(1), args.repeat)
        print(f"floor  two passes and a barrier, no labeling, persisted: blocks kept {t_kept2:5.2f} s "
              f"({t_scipy / t_kept2:4.1f}x scipy at best), blocks read twice {t_twice2:5.2f} s "
              f"({t_scipy / t_twice2:4.1f}x scipy at best)", flush=True)
        if not args.skip_dask_image_label:
            t_theirs, (theirs, k2) = timed(theirs_label, 1, warm=False)
            assert int(k2) == count
            print(f"label  dask-image    {t_theirs:7.2f} s  -> tesserae.dask is {t_theirs / t_ours:6.1f}x faster "
                  "(gathered)", flush=True)
            t_theirs, k2 = timed(stored(dim.label), 1, warm=False)
            assert int(k2) == count
            print(f"label  dask-image    {t_theirs:7.2f} s  -> tesserae.dask is {t_theirs / t_store:6.1f}x faster "
                  "(written to Zarr)", flush=True)

        t_ours, frame = timed(lambda: client.compute(tdm.find_objects(fresh(lpath)), sync=True), args.repeat)
        expected = ndi.find_objects(labels_np)
        assert len(frame) == len(expected) and tuple(frame.iloc[0]) == expected[0]
        t_scipy, _ = timed(lambda: ndi.find_objects(labels_np), args.repeat)
        t_theirs, _ = timed(lambda: client.compute(dim.find_objects(fresh(lpath)), sync=True), 1, warm=False)
        print(f"find_objects  tesserae.dask {t_ours:6.2f} s | dask-image {t_theirs:7.2f} s "
              f"({t_theirs / t_ours:6.1f}x) | scipy in memory {t_scipy:6.2f} s ({t_scipy / t_ours:5.1f}x)", flush=True)

        props = ["label", "area", "bbox", "centroid"]
        t_ours, frame = timed(lambda: client.compute(tdm.regionprops_table(fresh(lpath), properties=props), sync=True),
                              args.repeat)
        t_sk, table = timed(lambda: skm.regionprops_table(labels_np, properties=props), 1, warm=False)
        for key in table:
            np.testing.assert_allclose(frame[key].to_numpy(), table[key], rtol=1e-9)
        print(f"regionprops_table {props}  tesserae.dask {t_ours:6.2f} s | scikit-image in memory {t_sk:7.2f} s "
              f"({t_sk / t_ours:5.1f}x); dask-image has none", flush=True)


if __name__ == "__main__":
    main()

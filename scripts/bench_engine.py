"""The search kernels side by side (issue 15 §1): bucket queue, the old scipy kernel, scipy, networkx.

Usage::

    .venv/bin/python scripts/bench_engine.py                    # demo, Corse-du-Sud (if present), 302k grid
    .venv/bin/python scripts/bench_engine.py --only demo --only grid

For each graph (the demo's roads, the real Corse-du-Sud roads when
``../shared/realdata`` is present, a 550 x 550 synthetic grid of ~302,000
nodes that chain contraction cannot shrink), with the synthetic territory and
catalog of :mod:`mapapp.access.synthetic` laid on it:

1. **one nearest-site search** (the 25 France Services sites, car), on the
   same problem for every kernel (sources = the sites' first snap node, start
   0 s): ``bucket`` (:mod:`mapapp.access.bucket`), ``scipy``
   (``csgraph.dijkstra(min_only=True)``), ``networkx``
   (``multi_source_dijkstra_path_length``); then the engine's own search with
   snap offsets (:func:`~mapapp.access.dijkstra.nearest_destination`) on the
   new kernel and on the old one (``kernel="scipy"``). Times are checked equal
   (max difference printed);
2. **the nearest-only job**: 20 themes x 3 modes = 60 searches: old kernel,
   new kernel on 1 thread and on 2 threads sharing the graph, scipy; networkx
   extrapolated from its one search;
3. **the full recompute** (``compute_access_modes``, 20 themes x 3 modes,
   nearest, second nearest, overlaps, every indicator): new kernel on 2
   threads and on 1, old kernel (one thread: scipy holds the GIL).

Ratios are against the old kernel measured in the same run; peak memory is
the process's max RSS after each graph (``resource.getrusage``) and the bucket
kernel's working arrays. The machine is shared: the load average is printed,
and CPU seconds (``time.process_time``, every thread of this process) are
printed beside wall seconds; on a loaded machine compare those.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# MAPAPP_REALDATA points elsewhere (a git worktree has no ../shared beside it)
REALDATA = Path(os.environ.get("MAPAPP_REALDATA") or ROOT.parent / "shared" / "realdata")

from mapapp.access import bucket, dijkstra as dj  # noqa: E402
from mapapp.access.frames import snap_from_frame  # noqa: E402
from mapapp.access.run import compute_access_modes  # noqa: E402
from mapapp.access.searches import take_snap  # noqa: E402
from mapapp.access.synthetic import grid_graph, snap_frames, territory  # noqa: E402
from mapapp.access.themes import default_themes  # noqa: E402
from scripts.bench_access import snap_real, theme_rows  # noqa: E402


CPU: dict = {}  # label -> CPU seconds (all threads of this process) of the best run


def best(fn, repeat: int, label: str | None = None) -> tuple[float, object]:
    out, runs = None, []
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        runs.append((time.perf_counter() - t0, time.process_time() - c0))
    wall, cpu = min(runs)
    if label:
        CPU[label] = cpu
    return wall, out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def graphs_for(name: str, tmp: Path):
    if name == "grid":
        return {m: grid_graph(550, 550, seed=1, mode=m) for m in ("car", "bike", "walk")}, False
    from mapapp.network.build import build_graphs

    if name == "demo":
        from mapapp.demo import generate_demo

        generate_demo(tmp / "demo", progress=False)
        return build_graphs(tmp / "demo" / "roads.osm", ("car", "bike", "walk")), True
    return build_graphs(REALDATA / "corse-du-sud" / "roads.osm.pbf", ("car", "bike", "walk")), True


def one_search(g, frames, themes, repeat: int, with_nx: bool) -> dict:
    rg = dj.routing_graph(g)
    rows = theme_rows(frames, next(t for t in themes if t.key == "france_services"))
    site_snap = take_snap(snap_from_frame(frames["sites"]), rows)
    nodes = np.unique(np.where(site_snap.node_a >= 0, site_snap.node_a, site_snap.node_b))
    nodes = nodes[nodes >= 0]
    from scipy.sparse.csgraph import dijkstra

    rev = g.csr("time_s").T.tocsr()
    zero = np.zeros(nodes.size)
    out = {"n_sources": int(nodes.size)}
    bucket.multi_source(rg.indptr, rg.indices, rg.data, rg.n_nodes, nodes, zero, np.arange(nodes.size))  # compile
    out["bucket"], (d_b, _) = best(lambda: bucket.multi_source(rg.indptr, rg.indices, rg.data, rg.n_nodes, nodes,
                                                               zero, np.arange(nodes.size), width=rg.bucket_width()),
                                   repeat, "bucket")
    out["scipy"], d_s = best(lambda: dijkstra(rev, indices=nodes, min_only=True), repeat, "scipy")
    fin = np.isfinite(d_s)
    out["diff_bucket_scipy_s"] = float(np.max(np.abs(d_b[fin] - d_s[fin]))) if fin.any() else 0.0
    out["same_reach"] = bool(np.array_equal(np.isfinite(d_b), fin))
    out["engine_new"], new = best(lambda: dj.nearest_destination(rg, site_snap, rows, kernel="bucket"), repeat,
                                  "engine_new")
    out["engine_old"], old = best(lambda: dj.nearest_destination(rg, site_snap, rows, kernel="scipy"), repeat,
                                  "engine_old")
    f2 = np.isfinite(old.time_s)
    out["diff_engine_s"] = float(np.max(np.abs(new.time_s[f2] - old.time_s[f2]))) if f2.any() else 0.0
    if with_nx:
        import networkx as nx

        R = nx.DiGraph()
        R.add_weighted_edges_from(zip(g.head.tolist(), g.tail().tolist(), g.time_s.tolist()), weight="w")
        c0, t0 = time.process_time(), time.perf_counter()
        d_nx = nx.multi_source_dijkstra_path_length(R, set(nodes.tolist()), weight="w")
        out["networkx"] = time.perf_counter() - t0
        CPU["networkx"] = time.process_time() - c0
        keys = np.fromiter(d_nx.keys(), dtype=np.int64)
        vals = np.fromiter(d_nx.values(), dtype=np.float64)
        out["diff_bucket_networkx_s"] = float(np.max(np.abs(d_b[keys] - vals)))
    return out


def nearest_job(graphs, frames_by_mode, themes) -> dict:
    """60 nearest-site searches (themes x modes) with each kernel, offsets included."""
    tasks = []
    for mode, g in graphs.items():
        rg = dj.routing_graph(g)
        snap = snap_from_frame(frames_by_mode[mode]["sites"])
        for th in themes:
            rows = theme_rows(frames_by_mode[mode], th)
            tasks.append((rg, take_snap(snap, rows), rows))
    out = {"n": len(tasks)}
    for label, kernel in (("old", "scipy"), ("new_1", "bucket")):
        out[label], _ = best(lambda: [dj.nearest_destination(rg, s, r, kernel=kernel) for rg, s, r in tasks], 1,
                             f"job_{label}")
    with ThreadPoolExecutor(2) as pool:
        out["new_2"], _ = best(lambda: list(pool.map(lambda t: dj.nearest_destination(*t, kernel="bucket"), tasks)),
                               1, "job_new_2")
    return out


def full(graphs, frames_by_mode, themes, repeat: int) -> dict:
    out = {}
    compute_access_modes(graphs, frames_by_mode, themes, workers=1)  # warm: compiled kernels, routing graphs
    for label, kernel, workers in (("new_2", "bucket", 2), ("new_1", "bucket", 1), ("old_1", "scipy", 1)):
        dj.KERNEL = kernel
        try:
            out[label], _ = best(lambda: compute_access_modes(graphs, frames_by_mode, themes, workers=workers),
                                 repeat, f"full_{label}")
        finally:
            dj.KERNEL = "bucket"
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", choices=["demo", "corse", "grid"], help="graphs to run (repeatable)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per per-search timing (best kept)")
    ap.add_argument("--full-repeat", type=int, default=1, help="runs per full recompute timing")
    args = ap.parse_args(argv)
    names = args.only or ["demo", "corse", "grid"]
    if "corse" in names and not (REALDATA / "corse-du-sud" / "roads.osm.pbf").exists():
        print(f"(Corse-du-Sud skipped: {REALDATA} absent)")
        names.remove("corse")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    themes = default_themes()
    with tempfile.TemporaryDirectory(prefix="mapapp-bench-engine-") as tmp:
        for name in names:
            t0 = time.perf_counter()
            graphs, osm = graphs_for(name, Path(tmp))
            g = graphs["car"]
            plain = territory(g, n_communes=150, n_points=5000, n_sites=500, seed=2)
            frames = {m: snap_real(gm, plain) if osm else snap_frames(gm, plain) for m, gm in graphs.items()}
            print(f"\n===== {name}: {g.n_nodes:,} nodes, {g.n_edges:,} edges (car), built in "
                  f"{time.perf_counter() - t0:.1f} s; load {os.getloadavg()[0]:.1f} =====", flush=True)
            s = one_search(g, frames["car"], themes, args.repeat, with_nx=True)
            old = s["engine_old"]
            print(f"one nearest-site search, {s['n_sources']} sources (car), same problem for every kernel:")
            for k in ("bucket", "scipy", "networkx"):
                if k in s:
                    print(f"  {k:9s} {s[k] * 1e3:9.1f} ms wall, {CPU[k] * 1e3:9.1f} ms CPU; CPU ratio to the old "
                          f"kernel {CPU[k] / CPU['engine_old']:6.2f}")
            print(f"  engine search with snap offsets: new (bucket) {s['engine_new'] * 1e3:.1f} ms wall "
                  f"({CPU['engine_new'] * 1e3:.1f} ms CPU), old (scipy) {old * 1e3:.1f} ms wall "
                  f"({CPU['engine_old'] * 1e3:.1f} ms CPU): {CPU['engine_old'] / CPU['engine_new']:.2f}x less CPU")
            print(f"  max |difference|: bucket-scipy {s['diff_bucket_scipy_s']:.2e} s (same reach: {s['same_reach']}), "
                  f"bucket-networkx {s.get('diff_bucket_networkx_s', float('nan')):.2e} s, engine new-old "
                  f"{s['diff_engine_s']:.2e} s")
            j = nearest_job(graphs, frames, themes)
            print(f"nearest-only job, {j['n']} searches (20 themes x 3 modes): old kernel {j['old']:.2f} s, "
                  f"new 1 thread {j['new_1']:.2f} s ({j['old'] / j['new_1']:.2f}x), new 2 threads {j['new_2']:.2f} s "
                  f"({j['old'] / j['new_2']:.2f}x); networkx extrapolated {s['networkx'] * j['n']:.0f} s")
            print(f"  CPU seconds: old {CPU['job_old']:.2f}, new 1 thread {CPU['job_new_1']:.2f}, "
                  f"new 2 threads {CPU['job_new_2']:.2f}")
            f = full(graphs, frames, themes, args.full_repeat)
            print(f"full recompute (compute_access_modes, 20 themes x 3 modes): new 2 threads {f['new_2']:.2f} s, "
                  f"new 1 thread {f['new_1']:.2f} s, old kernel 1 thread {f['old_1']:.2f} s "
                  f"({f['old_1'] / f['new_2']:.2f}x)")
            print(f"  CPU seconds: new 2 threads {CPU['full_new_2']:.2f}, new 1 thread {CPU['full_new_1']:.2f}, "
                  f"old {CPU['full_old_1']:.2f} ({CPU['full_old_1'] / CPU['full_new_1']:.2f}x less CPU)")
            n = g.n_nodes
            print(f"peak memory: {rss_mb():.0f} MB max RSS so far (graphs x3, networkx graph included); bucket kernel "
                  f"working arrays {(n * (8 + 4 + 8 + 4) + 2 * 4 * g.n_edges) / 2**20:.1f} MB per search thread "
                  "(time, label, scanned time, touched per node; two queue entries per edge)", flush=True)


if __name__ == "__main__":
    main()

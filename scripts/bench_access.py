"""Benchmark of the accessibility engine (mapapp.access) against the ways an analyst would do it.

Usage::

    .venv/bin/python scripts/bench_access.py               # 300k-node synthetic graph, 2 workers
    .venv/bin/python scripts/bench_access.py --rows 120 --cols 120 --nx-pairs 10   # quick
    .venv/bin/python scripts/bench_access.py --osm ../shared/realdata/corse-du-sud/roads.osm.pbf

What it measures, on a seeded synthetic grid-like RoadGraph (mapapp.access.synthetic):

- one pass: the nearest-site search (one multi-source Dijkstra) and the
  second-nearest search, for one theme;
- the full recompute: ``compute_access_modes`` (one pool of ``--workers``
  processes for all modes) for the 20 default themes and the 3 modes. The 3
  graphs share one topology (the synthetic generator),
  with the speeds of each mode (car by road class, bike 15 km/h, walk
  4.5 km/h), so the thresholds of each mode mean what they should;
- baselines measured in the same run, on the car graph, extrapolated to the
  same work (20 themes x 3 modes):
  * networkx per pair, "the analyst's way": for each commune, the shortest
    path length (``nx.shortest_path_length``) to every site of the theme,
    keeping the minimum; timed on a sample of pairs;
  * networkx multi-source: one ``multi_source_dijkstra_path_length`` per theme
    from the sites on the reversed graph (nearest only);
  * scipy reference: one ``csgraph.dijkstra(min_only=True)`` per theme
    (nearest only, no second nearest, no overlap, no indicator);
- CPU seconds (this process and the workers) and peak memory (max RSS of
  this process and of the largest worker; tracemalloc of this process).

``bench_graphs`` takes any {mode: RoadGraph} and snapped tables: with
``--osm FILE`` the graphs of the 3 modes are built from a real OpenStreetMap
file by :mod:`mapapp.network` and the synthetic territory and catalog are laid
on it (snapped by :func:`mapapp.network.snap.snap_points`).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mapapp.access.dijkstra import nearest_destination, routing_graph, second_nearest_destination  # noqa: E402
from mapapp.access.frames import snap_from_frame  # noqa: E402
from mapapp.access.run import compute_access, compute_access_modes  # noqa: E402
from mapapp.access.searches import take_snap  # noqa: E402
from mapapp.access.synthetic import grid_graph, snap_frames, territory  # noqa: E402
from mapapp.access.themes import default_themes, select_destinations  # noqa: E402


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def theme_rows(frames, theme):
    dest = select_destinations(frames["offers"], frames["sites"], theme)
    row_of = {s: i for i, s in enumerate(frames["sites"].site_id)}
    return np.unique([row_of[s] for s in dest.site_id]).astype(np.int64)


def bench_graphs(graphs: dict, frames_by_mode: dict, themes, *, workers: int, repeat: int) -> dict:
    """Time one pass and the full recompute of ``themes`` for every mode.

    Args:
        graphs: {mode: RoadGraph}.
        frames_by_mode: {mode: {"points", "communes", "sites", "offers", "grids"}} snapped on that graph.
        themes: the themes to compute.
    """
    out = {}
    car = next(iter(graphs))
    g, fr = graphs[car], frames_by_mode[car]
    routing_graph(g)  # build the reversed graph once, as a long-lived process would
    rows = theme_rows(fr, next(t for t in themes if t.key == "france_services"))
    snap = take_snap(snap_from_frame(fr["sites"]), rows)
    first = nearest_destination(g, snap, rows)
    out["pass_first_s"] = best_of(lambda: nearest_destination(g, snap, rows), repeat)
    out["pass_second_s"] = best_of(lambda: second_nearest_destination(g, snap, first, rows), repeat)
    for mode, graph in graphs.items():  # warm: reversed graphs, page cache
        routing_graph(graph)
    runs = []
    for _ in range(repeat):
        cpu0, t0 = cpu_s(), time.perf_counter()
        res = compute_access_modes(graphs, frames_by_mode, themes, workers=workers)
        runs.append((time.perf_counter() - t0, cpu_s() - cpu0, {m: r.timings_s for m, r in res.items()}))
    out["full_wall_s"], out["full_cpu_s"], out["per_mode"] = min(runs, key=lambda r: r[0])
    fast = []
    for _ in range(repeat):
        cpu0, t0 = cpu_s(), time.perf_counter()
        compute_access_modes(graphs, frames_by_mode, themes, workers=workers, second_nearest=False)
        fast.append((time.perf_counter() - t0, cpu_s() - cpu0))
    out["nearest_only_wall_s"], out["nearest_only_cpu_s"] = min(fast)
    return out


def nx_baselines(graph, frames, themes, *, n_pairs: int, n_modes: int, seed: int) -> dict:
    import networkx as nx

    out = {}
    t0 = time.perf_counter()
    tail, head, w = graph.tail(), graph.head, graph.time_s
    G = nx.DiGraph()
    G.add_weighted_edges_from(zip(tail.tolist(), head.tolist(), w.tolist()), weight="time_s")
    out["nx_build_s"] = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    communes = frames["communes"]
    sites = frames["sites"]
    def one_end(frame, prefix=""):
        a, b = frame[prefix + "node_a"].to_numpy(), frame[prefix + "node_b"].to_numpy()
        node = np.where(a >= 0, a, b)
        return node[node >= 0]

    origins, targets = one_end(communes, "main_"), one_end(sites)
    pairs = [(int(rng.choice(origins)), int(rng.choice(targets))) for _ in range(n_pairs)]
    t0 = time.perf_counter()
    for s, t in pairs:
        try:
            nx.shortest_path_length(G, s, t, weight="time_s")
        except nx.NetworkXNoPath:
            pass
    out["nx_pair_s"] = (time.perf_counter() - t0) / n_pairs
    n_theme_sites = [theme_rows(frames, th).size for th in themes]
    out["nx_pairs_needed"] = n_modes * len(communes) * sum(n_theme_sites)
    out["nx_pairwise_total_s"] = out["nx_pair_s"] * out["nx_pairs_needed"]
    R = G.reverse(copy=False)
    sample = themes[:3]
    t0 = time.perf_counter()
    for th in sample:
        nodes = one_end(sites.iloc[theme_rows(frames, th)])
        nx.multi_source_dijkstra_path_length(R, set(nodes.tolist()), weight="time_s")
    out["nx_multisource_theme_s"] = (time.perf_counter() - t0) / len(sample)
    out["nx_multisource_total_s"] = out["nx_multisource_theme_s"] * len(themes) * n_modes
    from scipy.sparse.csgraph import dijkstra
    rev = graph.csr().T.tocsr()
    t0 = time.perf_counter()
    for th in themes:
        dijkstra(rev, indices=np.unique(one_end(sites.iloc[theme_rows(frames, th)])), min_only=True)
    out["scipy_nearest_only_total_s"] = (time.perf_counter() - t0) * n_modes
    return out


def snap_real(graph, plain: dict) -> dict:
    """The territory's tables snapped by the network package (origins "out", sites "in")."""
    from mapapp.access.frames import attach_snap
    from mapapp.network.snap import snap_points

    out = dict(plain)
    for name, prefix, direction in (("points", "", "out"), ("sites", "", "in"), ("communes", "main_", "out")):
        f = plain[name]
        out[name] = attach_snap(f, snap_points(graph, f.lon.to_numpy(), f.lat.to_numpy(), direction=direction),
                                prefix)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=550, help="grid rows (550 x 550 ~ 302k nodes)")
    ap.add_argument("--cols", type=int, default=550)
    ap.add_argument("--communes", type=int, default=150)
    ap.add_argument("--points", type=int, default=5000)
    ap.add_argument("--sites", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2, help="runs per timing; the best is kept")
    ap.add_argument("--nx-pairs", type=int, default=20, help="networkx pairs timed (0: skip networkx)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--single", action="store_true", help="also time workers=1 (one process) for the full run")
    ap.add_argument("--osm", help="build the 3 graphs from this OSM file instead of the synthetic grid")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    if args.osm:
        from mapapp.network.build import build_graphs

        graphs = build_graphs(args.osm, ("car", "bike", "walk"))
        source = f"{args.osm} (3 graphs)"
    else:
        graphs = {m: grid_graph(args.rows, args.cols, seed=args.seed, mode=m) for m in ("car", "bike", "walk")}
        source = "synthetic grid (x3 modes, same topology)"
    plain = territory(graphs["car"], n_communes=args.communes, n_points=args.points, n_sites=args.sites,
                      seed=args.seed + 1)
    frames = {m: snap_real(g, plain) if args.osm else snap_frames(g, plain) for m, g in graphs.items()}
    themes = default_themes()
    g = graphs["car"]
    print(f"graph: {g.n_nodes:,} nodes, {g.n_edges:,} edges, {source}; "
          f"{args.communes} communes, {args.points:,} points, {args.sites} sites, "
          f"{len(plain['offers']):,} offers, {len(themes)} themes; generated in {time.perf_counter() - t0:.1f} s")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; workers={args.workers}")

    tracemalloc.start()
    f = frames["car"]
    compute_access(g, f["points"], f["communes"], f["sites"], f["offers"], themes, f["grids"], workers=1)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    b = bench_graphs(graphs, frames, themes, workers=args.workers, repeat=args.repeat)
    if args.single:
        t0, c0 = time.perf_counter(), cpu_s()
        compute_access_modes(graphs, frames, themes, workers=1)
        b["single_wall_s"], b["single_cpu_s"] = time.perf_counter() - t0, cpu_s() - c0
    print(f"\none pass (France Services, car): nearest {b['pass_first_s'] * 1e3:.0f} ms, "
          f"second nearest {b['pass_second_s'] * 1e3:.0f} ms")
    print(f"full recompute, {len(themes)} themes x {len(graphs)} modes: {b['full_wall_s']:.2f} s wall, "
          f"{b['full_cpu_s']:.2f} s CPU (all processes)")
    if "single_wall_s" in b:
        print(f"  the same in one process (workers=1): {b['single_wall_s']:.2f} s wall, {b['single_cpu_s']:.2f} s CPU")
    print(f"  the same without second-nearest (second_nearest=False): {b['nearest_only_wall_s']:.2f} s wall, "
          f"{b['nearest_only_cpu_s']:.2f} s CPU")
    print("  per mode (its own thread; modes overlap): wall seconds of each step, [counts], search CPU")
    for mode, t in b["per_mode"].items():
        print(f"  {mode:5s} {t['total']:5.2f} s: prepare {t['prepare']:.2f}, A reach {t['search_reach']:.2f}, "
              f"B passes {t['search_passes']:.2f} [{t['n_passes']}], C restricted {t['search_restricted']:.2f} "
              f"[{t['n_restricted_sites']} sites, {t['n_restricted_unbounded']} unbounded], "
              f"indicators {t['indicators']:.2f}; search CPU {t['search_cpu']:.2f} s")
    if args.nx_pairs:
        n = nx_baselines(g, frames["car"], themes, n_pairs=args.nx_pairs, n_modes=len(graphs), seed=args.seed)
        full = b["full_wall_s"]
        print(f"\nbaselines (car graph, extrapolated to {len(themes)} themes x {len(graphs)} modes):")
        print(f"  networkx graph build                     {n['nx_build_s']:8.1f} s (once)")
        print(f"  networkx per pair (analyst), {n['nx_pair_s'] * 1e3:.0f} ms/pair x {n['nx_pairs_needed']:,} "
              f"pairs  {n['nx_pairwise_total_s']:10.0f} s   ratio {n['nx_pairwise_total_s'] / full:8.0f}x")
        print(f"  networkx multi-source per theme          {n['nx_multisource_total_s']:8.1f} s   "
              f"ratio {n['nx_multisource_total_s'] / full:8.1f}x")
        print(f"  scipy min_only per theme (nearest only)  {n['scipy_nearest_only_total_s']:8.1f} s   "
              f"ratio {n['scipy_nearest_only_total_s'] / full:8.2f}x (one process; "
              f"{n['scipy_nearest_only_total_s'] / b['nearest_only_wall_s']:.2f}x against second_nearest=False)")
        print(f"  (the engine also computes second nearest, overlap counts, eligibility zones and every "
              f"indicator, for {args.points:,} points instead of {args.communes} town halls)")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\npeak memory: {own:.0f} MB max RSS (this process, networkx graph included), "
          f"{kids:.0f} MB largest worker; tracemalloc peak {traced_peak / 2**20:.0f} MB for one mode in-process")


if __name__ == "__main__":
    main()

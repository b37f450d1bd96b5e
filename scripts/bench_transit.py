"""Benchmark of the walk + public transport engine (mapapp.access.transit, issue 17 §2).

Usage::

    .venv/bin/python scripts/bench_transit.py                 # 3 sizes up to 50,000 trips, 20 themes
    .venv/bin/python scripts/bench_transit.py --sizes 1 --themes 5   # quick

What it measures, on a seeded synthetic département-scale feed built here (a
100 km square, towns and villages, bus lines through them, trips both ways
every day from 5:00 to 21:00 on a one-minute grid as in GTFS):

- ``many_themes``: 20 destination sets (5 to 120 sites each) over the 2-hour
  window 08:00–10:00, departures every 5 minutes (25), footpaths up to 400 m,
  2-minute change time, for every population point (access to its stops
  within 800 m, direct walk to the nearest site within 2 km);
- wall and CPU seconds (``NUMBA_NUM_THREADS`` threads, default the 2 cores),
  time per theme, peak RSS of the process (each size runs in its own child
  process, so the peak is that size's), and the profile memory;
- growth: sizes 1/4, 1/2 and 1 of 50,000 trips and 4,000 stops (trips and
  stops grow together), plus 50,000 trips on 1,000 stops (trips alone), with
  ratios of the time against the first size measured in the same run.

Numba compilation (cached on disk after the first run) is timed apart. Each size
also times the same-half-day return check of the compute (two scans per theme,
08:00–12:30, :func:`mapapp.access.transit_return.can_return`).

The demo (``--demo DATA_DIR``, a data folder where ``mapapp demo load`` and
``mapapp compute`` ran; ``--demo new`` builds one in a temporary folder) times,
on a copy of the folder, in one child process:

- the baseline: the walk-only compute (``run_compute(modes=("walk",),
  force=True)``, no variant), measured in the same run;
- the car-free modes of a compute (:mod:`mapapp.compute_carfree`: the GTFS
  feeds read, the service day's timetable, walk + public transport for every
  theme with the return check, TAD, sans voiture; road themes reused), with
  their ratio to the baseline, against the issue's target (≤ 30 s for 20
  themes over the 2-hour window on 2 cores), and the peak RSS / tracemalloc peak.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

from mapapp.access import transit as T
from mapapp.access.timetable import Timetable

SIZES = {  # name: (trips, stops)
    "12.5k trips / 1,000 stops": (12_500, 1_000),
    "25k trips / 2,000 stops": (25_000, 2_000),
    "50k trips / 4,000 stops": (50_000, 4_000),
    "50k trips / 1,000 stops": (50_000, 1_000),
}
SIDE_M = 100_000.0
WALK_MS = 4.5 / 3.6 / 1.3  # walking speed with a 1.3 detour on the crow-fly distance


def synthetic_feed(n_trips: int, n_stops: int, seed: int = 17) -> tuple[Timetable, np.ndarray]:
    """A deterministic feed: stops clustered in towns, lines between towns, trips both ways."""
    rng = np.random.default_rng(seed)
    n_towns = max(10, n_stops // 40)
    towns = rng.uniform(0, SIDE_M, (n_towns, 2))
    weight = rng.pareto(1.5, n_towns) + 1
    town_of = rng.choice(n_towns, n_stops, p=weight / weight.sum())
    xy = towns[town_of] + rng.normal(0, 1500, (n_stops, 2))
    from scipy.spatial import cKDTree

    tree = cKDTree(xy)
    n_routes = max(20, n_trips // 60)
    rows = []
    trip = 0
    per_route = n_trips // n_routes
    for r in range(n_routes):
        a, b = rng.choice(n_towns, 2, replace=False)
        p, q = towns[a], towns[b]
        length = np.hypot(*(q - p))
        # stops within 1 km of the segment, in order along it, up to 30
        pts = p + np.outer(np.linspace(0, 1, max(2, int(length // 1000))), q - p)
        near = sorted({int(i) for lst in tree.query_ball_point(pts, 1000) for i in lst},
                      key=lambda i: np.dot(xy[i] - p, q - p))
        if len(near) < 2:
            near = [int(tree.query(p)[1]), int(tree.query(q)[1])]
            if near[0] == near[1]:
                continue
        if len(near) > 30:
            near = [near[i] for i in np.linspace(0, len(near) - 1, 30).astype(int)]
        seg = np.hypot(*(xy[near[1:]] - xy[near[:-1]]).T)
        hop = np.maximum(60, np.round((seg / (rng.uniform(25, 50) / 3.6) + 30) / 60) * 60).astype(np.int64)
        starts = 5 * 3600 + np.round(np.linspace(0, 16 * 3600, per_route // 2 + 1)[:-1] / 60) * 60
        for direction in (1, -1):
            seq = np.asarray(near if direction == 1 else near[::-1], dtype=np.int64)
            hops = hop if direction == 1 else hop[::-1]
            t0 = (starts + (0 if direction == 1 else 420)).astype(np.int64)
            m, L = t0.size, seq.size - 1
            dep = t0[:, None] + np.concatenate([[0], np.cumsum(hops)[:-1]])[None, :]
            rows.append(np.column_stack([np.tile(seq[:-1], m), np.tile(seq[1:], m), dep.ravel(),
                                         (dep + hops[None, :]).ravel(), np.repeat(trip + np.arange(m), L)]))
            trip += m
    a = np.concatenate(rows).astype(np.int64)
    a = a[np.argsort(a[:, 2], kind="stable")]
    lon = 2.0 + xy[:, 0] / (111_320 * np.cos(np.radians(45)))
    lat = 45.0 + xy[:, 1] / 110_540
    names = np.array([f"S{i}" for i in range(n_stops)], dtype=object)
    tt = Timetable("2026-09-15", names, names, lon, lat, a[:, 0].astype(np.int32), a[:, 1].astype(np.int32),
                   a[:, 2].astype(np.int32), a[:, 3].astype(np.int32), a[:, 4].astype(np.int32),
                   np.array([f"T{i}" for i in range(trip)], dtype=object), np.array(["L"] * trip, dtype=object))
    return tt, xy


def scenario(tt: Timetable, xy: np.ndarray, n_themes: int, n_origins: int, seed: int = 3):
    """Population points near stops, themes' sites, access and egress walks."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    tree = cKDTree(xy)
    origins = xy[rng.integers(0, len(xy), n_origins)] + rng.normal(0, 700, (n_origins, 2))
    lists = tree.query_ball_point(origins, 800)
    o = np.repeat(np.arange(n_origins), [len(x) for x in lists])
    s = np.concatenate([np.asarray(x, dtype=np.int64) for x in lists])
    w = np.ceil(np.hypot(*(origins[o] - xy[s]).T) / WALK_MS)
    access = T.origin_access(o, s, w, n_origins, tt.n_stops)
    themes, walks = {}, {}
    for k in range(n_themes):
        sites = xy[rng.integers(0, len(xy), int(rng.integers(5, 121)))] + rng.normal(0, 300, (1, 2))
        near = tree.query_ball_point(sites, 800)
        eg_s = np.concatenate([np.asarray(x, dtype=np.int64) for x in near])
        eg_w = np.concatenate([np.ceil(np.hypot(*(xy[x] - sites[j]).T) / WALK_MS) if x else np.zeros(0)
                               for j, x in enumerate(near)])
        themes[f"theme{k:02d}"] = (eg_s, eg_w.astype(np.int64))
        d, _ = cKDTree(sites).query(origins)
        walks[f"theme{k:02d}"] = np.where(d <= 2000, np.ceil(d / WALK_MS), np.inf)
    return access, themes, walks


def run_one(name: str, n_themes: int, n_origins: int) -> dict:
    n_trips, n_stops = SIZES[name]
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    tt, xy = synthetic_feed(n_trips, n_stops)
    access, themes, walks = scenario(tt, xy, n_themes, n_origins)
    footpaths = T.footpaths_by_distance(tt, 400)
    build_s = time.perf_counter() - t
    deps = T.departure_times(8 * 3600, 10 * 3600, 300)
    small = {k: themes[k] for k in list(themes)[:1]}
    t = time.perf_counter()
    T.many_themes(tt, small, T.origin_access([0], [0], [0], 1), deps[:1], footpaths=footpaths[:1])
    jit_s = time.perf_counter() - t
    none = T.origin_access([], [], [], 0)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    T.many_themes(tt, themes, none, deps, footpaths=footpaths)
    scan_wall = time.perf_counter() - t
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    scan_cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    rss_before = cpu1.ru_maxrss / 1024
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    res = T.many_themes(tt, themes, access, deps, walk_only=walks, footpaths=footpaths)
    wall = time.perf_counter() - t
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    from mapapp.access.transit_return import can_return

    t = time.perf_counter()
    n_back = 0
    for key in themes:
        n_back += int(can_return(tt, [themes[key]], access, 3600, 8 * 3600, 12 * 3600 + 1800,
                                 walk_only=[walks[key]], footpaths=footpaths).possible.sum())
    return_s = time.perf_counter() - t
    window = int((tt.dep_time >= 8 * 3600).sum())
    return {"return_s": return_s, "return_share": n_back / max(1, n_origins * n_themes),
        "size": name, "trips": len(tt.trip_ids), "stops": tt.n_stops, "connections": tt.n_connections,
        "scanned_connections": window, "footpaths": int(len(footpaths)), "origins": n_origins,
        "access_pairs": int(access.stop.size), "themes": n_themes, "build_s": build_s, "jit_s": jit_s,
        "wall_s": wall, "cpu_s": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
        "per_theme_s": wall / n_themes, "scan_wall_s": scan_wall, "scan_cpu_s": scan_cpu,
        "rss_before_mb": rss_before, "rss_start_mb": rss_start, "peak_rss_mb": cpu1.ru_maxrss / 1024,
        "profile_mb_per_theme": window * 16 / 2**20,
        "reached_share": float(np.isfinite(res.median_s).mean()),
        "median_min": float(np.nanmedian(np.where(np.isfinite(res.median_s), res.median_s, np.nan)) / 60),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, default=len(SIZES), help="how many sizes of the list to run")
    ap.add_argument("--themes", type=int, default=20)
    ap.add_argument("--origins", type=int, default=20_000, help="population points")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--demo", help="data folder of a computed demo (or « new »); without it the demo is skipped")
    ap.add_argument("--demo-one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.demo_one:
        print(json.dumps(run_demo(args.demo_one)))
        return 0
    if args.one:
        print(json.dumps(run_one(args.one, args.themes, args.origins)))
        return 0
    import numba

    print(f"numba {numba.__version__}, {numba.get_num_threads()} threads, "
          f"cores={os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    if args.demo:
        folder = _demo_folder(args.demo)
        out = subprocess.run([sys.executable, __file__, "--demo-one", str(folder)], capture_output=True, text=True,
                             check=True)
        d = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"demo: {d['themes']} themes, {d['points']:,} points, {d['connections']:,} connections "
              f"({d['service_date']}), window 08:00-10:00 every 5 min")
        print(f"  baseline walk-only compute (forced): {d['walk_s']:.2f} s")
        print(f"  car-free modes: {d['carfree_s']:.2f} s (x{d['carfree_s'] / d['walk_s']:.2f} the walk-only "
              f"compute; target <= 30 s: {'OK' if d['carfree_s'] <= 30 else 'MISSED'}); "
              + ", ".join(f"{k} {v:.2f} s" for k, v in d["per_mode_s"].items())
              + f"; compute with minus without them: {d['diff_s']:.2f} s")
        print(f"  peak RSS {d['peak_rss_mb']:.0f} MB (whole compute process), tracemalloc peak "
              f"{d['tracemalloc_peak_mb']:.0f} MB (compute with the car-free modes, road themes reused)")
    base = None
    for name in list(SIZES)[: args.sizes]:
        out = subprocess.run([sys.executable, __file__, "--one", name, "--themes", str(args.themes),
                              "--origins", str(args.origins)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        base = base or r
        print(f"{r['size']}: {r['connections']:,} connections ({r['scanned_connections']:,} after 8:00), "
              f"{r['footpaths']:,} footpaths, {r['origins']:,} origins ({r['access_pairs']:,} access pairs)")
        print(f"  {r['themes']} themes: {r['wall_s']:.2f} s wall ({r['per_theme_s'] * 1000:.0f} ms/theme), "
              f"{r['cpu_s']:.2f} s CPU; x{r['wall_s'] / base['wall_s']:.2f} the first size's time for "
              f"x{r['scanned_connections'] / base['scanned_connections']:.2f} connections; "
              f"jit {r['jit_s']:.1f} s, feed built in {r['build_s']:.1f} s")
        print(f"  scans alone (no origin): {r['scan_wall_s']:.2f} s wall, {r['scan_cpu_s']:.2f} s CPU, "
              f"x{r['scan_cpu_s'] / base['scan_cpu_s']:.2f} the first size's CPU; "
              f"full run x{r['cpu_s'] / base['cpu_s']:.2f} the first size's CPU")
        print(f"  peak RSS {r['peak_rss_mb']:.0f} MB ({r['rss_start_mb']:.0f} MB after imports, {r['rss_before_mb']:.0f} MB before the 20-theme run), profiles {r['profile_mb_per_theme']:.1f} MB per theme "
              f"and thread; {r['reached_share']:.0%} of origin x theme reached, median "
              f"{r['median_min']:.0f} min")
        print(f"  return check (same half-day), {r['themes']} themes: {r['return_s']:.2f} s; "
              f"{r['return_share']:.0%} of origin x theme can come back")
    return 0


def _demo_folder(arg: str):
    """A copy of the computed demo folder (or a new one) in a temporary folder: the bench writes results."""
    import shutil
    import tempfile
    from pathlib import Path

    tmp = Path(tempfile.mkdtemp(prefix="bench-transit-"))
    if arg == "new":
        from click.testing import CliRunner

        from mapapp.cli import main as cli

        env = {"MAPAPP_DATA_DIR": str(tmp / "var"), "MAPAPP_DEMO_DIR": str(tmp / "demo")}
        for cmd in (["demo", "load"], ["compute", "--workers", "2"]):
            result = CliRunner().invoke(cli, cmd, env=env)
            if result.exit_code:
                raise SystemExit(result.output)
        return tmp / "var"
    shutil.copytree(arg, tmp / "var")
    return tmp / "var"


def run_demo(folder: str) -> dict:
    """Walk-only compute (baseline) then the car-free modes, on a computed demo folder (child process)."""
    import tracemalloc

    from mapapp.compute import run_compute
    from mapapp.config import load_settings
    from mapapp.results import ResultStore

    settings = load_settings({"MAPAPP_DATA_DIR": folder})
    run_compute(settings, modes=("walk",), with_variants=False, with_carfree=False)  # warm caches, jit
    t = time.perf_counter()
    run_compute(settings, modes=("walk",), force=True, with_variants=False, with_carfree=False)
    walk_s = time.perf_counter() - t
    t = time.perf_counter()
    run_compute(settings, with_variants=False, with_carfree=False)  # road themes reused: what is left
    road_s = time.perf_counter() - t
    t = time.perf_counter()
    report = run_compute(settings, with_variants=False, with_carfree=True)
    both_s = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()  # a second run for the memory only: tracemalloc slows every allocation
    run_compute(settings, with_variants=False, with_carfree=True)
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    store = ResultStore(settings.data_dir / "results")
    manifest = store.manifest("transit")
    points = store.table("sans_voiture", "points")
    return {"walk_s": walk_s, "carfree_s": sum(report.carfree.seconds.values()), "diff_s": both_s - road_s,
            "per_mode_s": report.carfree.seconds, "themes": len(manifest.themes) if manifest else 0,
            "points": int(points["point_id"].nunique()),
            "connections": int(manifest.graph["n_connections"]) if manifest else 0,
            "service_date": report.carfree.service_date, "tracemalloc_peak_mb": peak / 2**20,
            "peak_rss_mb": rss}


if __name__ == "__main__":
    raise SystemExit(main())

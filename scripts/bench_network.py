"""Benchmark of mapapp.network: build time and peak memory, cached reload, snapping.

Not collected by pytest (no ``test_`` prefix). Run from the project root::

    .venv/bin/python scripts/bench_network.py                  # Corse-du-Sud + synthetic 1M nodes
    .venv/bin/python scripts/bench_network.py --nodes 2000000  # bigger synthetic file
    .venv/bin/python scripts/bench_network.py --osm some.osm.pbf

Each measurement runs in a fresh Python process, so that the peak resident
memory (``ru_maxrss``) is the one of that step alone, interpreter and imports
included.

The synthetic file ("--nodes N") is a jittered street grid holding 40 % of the
nodes (ways of 50 nodes, varied classes, oneways and speeds) plus 4-node
buildings holding the rest, as in a real extract where most nodes are not
on roads. Written as PBF with osmium.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"

STEP_CODE = r"""
import json, resource, sys, time
import numpy as np
from mapapp.network import MODES, build_graphs, load_or_build, snap_points
step, path, cache_dir = sys.argv[1], sys.argv[2], sys.argv[3]
t = time.perf_counter()
if step == "build":
    graphs = build_graphs(path, MODES)
    info = {m: [g.n_nodes, g.n_edges] for m, g in graphs.items()}
elif step in ("cold", "reload"):
    graphs = load_or_build(path, MODES, cache_dir)
    info = {m: [g.n_nodes, g.n_edges] for m, g in graphs.items()}
elif step == "snap":
    car = load_or_build(path, "car", cache_dir)
    t = time.perf_counter()
    rng = np.random.default_rng(0)
    i = rng.integers(0, car.n_nodes, 100_000)
    lon = car.lon[i] + rng.normal(0, 0.003, i.size)
    lat = car.lat[i] + rng.normal(0, 0.003, i.size)
    snap = snap_points(car, lon, lat, "out")
    info = {"points": int(i.size), "snapped": float(snap.snapped.mean())}
seconds = time.perf_counter() - t
print(json.dumps({"step": step, "seconds": seconds,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "info": info}))
"""


def make_synthetic_osm(path: Path, n_nodes: int, road_share: float = 0.4, seed: int = 1) -> Path:
    """Write a synthetic OSM PBF of about ``n_nodes`` nodes (see the module docstring)."""
    import random

    import osmium

    rnd = random.Random(seed)
    side = int(math.sqrt(n_nodes * road_share))
    classes = ["residential"] * 4 + ["unclassified", "tertiary", "secondary", "primary", "service",
                                     "footway", "track", "trunk"]
    writer = osmium.SimpleWriter(str(path), overwrite=True)
    lon0, lat0, d = 8.7, 41.6, 0.0006
    nid = 0
    for i in range(side):
        for j in range(side):
            nid += 1
            writer.add_node(osmium.osm.mutable.Node(
                id=nid, location=(lon0 + j * d + rnd.uniform(-1e-4, 1e-4), lat0 + i * d + rnd.uniform(-1e-4, 1e-4))))
    n_buildings = max(0, (n_nodes - nid) // 4)
    building_first = nid + 1
    for _ in range(n_buildings):
        x, y = lon0 + rnd.uniform(0, side * d), lat0 + rnd.uniform(0, side * d)
        for dx, dy in ((0, 0), (1e-4, 0), (1e-4, 1e-4), (0, 1e-4)):
            nid += 1
            writer.add_node(osmium.osm.mutable.Node(id=nid, location=(x + dx, y + dy)))
    wid = 0

    def road(refs):
        nonlocal wid
        wid += 1
        tags = {"highway": rnd.choice(classes)}
        r = rnd.random()
        if r < 0.1:
            tags["oneway"] = "yes"
        elif r < 0.4:
            tags["maxspeed"] = rnd.choice(["50", "30", "FR:urban", "FR:rural", "90", "70"])
        writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags))

    for i in range(side):
        row = [i * side + j + 1 for j in range(side)]
        for s in range(0, side - 1, 50):
            road(row[s:s + 51])
    for j in range(0, side, 8):
        col = [i * side + j + 1 for i in range(side)]
        for s in range(0, side - 1, 50):
            road(col[s:s + 51])
    for b in range(n_buildings):
        first = building_first + 4 * b
        wid += 1
        writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=[first, first + 1, first + 2, first + 3, first],
                                              tags={"building": "yes"}))
    writer.close()
    return path


def run_step(step: str, osm: Path, cache_dir: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", STEP_CODE, step, str(osm), str(cache_dir)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(osm: Path, workdir: Path) -> None:
    cache_dir = workdir / f"cache-{osm.name}"
    print(f"\n== {osm} ({osm.stat().st_size / 1e6:.1f} MB)")
    for step in ("build", "cold", "reload", "snap"):
        r = run_step(step, osm, cache_dir)
        print(f"{step:>7}: {r['seconds']:7.2f} s   peak RSS {r['peak_rss_mb']:7.0f} MB   {r['info']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000, help="nodes of the synthetic file")
    parser.add_argument("--osm", type=Path, action="append", help="benchmark this file (repeatable)")
    parser.add_argument("--workdir", type=Path, default=None, help="where files and caches go (temp dir)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mapapp-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    files = list(args.osm or [])
    if not args.osm:
        corse = REALDATA / "corse-du-sud" / "roads.osm.pbf"
        if corse.exists():
            files.append(corse)
        synthetic = workdir / f"synthetic-{args.nodes}.osm.pbf"
        if not synthetic.exists():
            make_synthetic_osm(synthetic, args.nodes)
        files.append(synthetic)
    for osm in files:
        bench(osm, workdir)


if __name__ == "__main__":
    main()

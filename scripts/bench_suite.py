"""Every accessibility benchmark of the project in one run (issue « Accessibility engine »).

Usage::

    .venv/bin/python scripts/bench_suite.py            # demo, 300k-node département, Corse-du-Sud, 1M build
    .venv/bin/python scripts/bench_suite.py --quick    # demo only

For each road network it runs, each in a fresh process so timings and peak
memory are the step's own:

1. ``scripts/bench_network.py --osm FILE``: graph build time and peak memory
   from the OSM file (3 modes), cached reload time, snapping;
2. ``scripts/bench_access.py --osm FILE``: one pass, the full recompute of
   20 themes × 3 modes on the graphs built from that file, and the networkx
   baselines (the analyst's per-pair way on a sample, extrapolated), with
   ratios measured in the same run;
3. ``scripts/bench_engine.py`` (issue 15): the search kernels side by side —
   the bucket queue, the old scipy kernel, scipy and networkx — per search, for
   the 60-search nearest job (1 and 2 threads) and the full recompute, on the
   demo, Corse-du-Sud and the 302k-node grid.

Networks: the demo département (generated), a département-scale network of
≥ 300,000 OSM nodes (the demo generator's ``generate_roads``), the real
Corse-du-Sud roads when ``../shared/realdata`` is present, and a 1,000,000-node
file for the build target only (graph build < 60 s, < 2 GB).

The machine is shared: the load average is printed, and every ratio is
against a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
sys.path.insert(0, str(ROOT))


def run(args: list[str]) -> None:
    print(f"\n$ {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the demo network only")
    parser.add_argument("--nx-pairs", type=int, default=20, help="networkx pairs timed per network")
    args = parser.parse_args()

    from mapapp.demo import generate_roads

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="mapapp-bench-") as tmp:
        tmp = Path(tmp)
        networks = [("démo", tmp / "demo.osm", None)]
        if not args.quick:
            networks.append(("département ≥ 300k nœuds", tmp / "dept300k.osm", 300_000))
            if (REALDATA / "corse-du-sud" / "roads.osm.pbf").exists():
                networks.append(("Corse-du-Sud (réel)", REALDATA / "corse-du-sud" / "roads.osm.pbf", 0))
            else:
                print(f"(Corse-du-Sud skipped: {REALDATA} absent)")
        for label, path, target in networks:
            print(f"\n===== {label} =====", flush=True)
            if target is None:
                from mapapp.demo import generate_demo

                generate_demo(tmp / "demo", progress=False)
                path = tmp / "demo" / "roads.osm"
            elif target:
                summary = generate_roads(path, target_nodes=target, progress=False)
                print(f"generated {summary['nodes']:,} OSM nodes, {summary['ways']:,} ways")
            run(["scripts/bench_network.py", "--osm", str(path), "--workdir", str(tmp / f"net-{path.stem}")])
            run(["scripts/bench_access.py", "--osm", str(path), "--nx-pairs", str(args.nx_pairs)])
        print("\n===== search kernels (issue 15) =====", flush=True)
        run(["scripts/bench_engine.py", *(["--only", "demo"] if args.quick else [])])
        if not args.quick:
            print("\n===== build target: 1,000,000 OSM nodes =====", flush=True)
            big = tmp / "dept1m.osm"
            summary = generate_roads(big, target_nodes=1_000_000, progress=False)
            print(f"generated {summary['nodes']:,} OSM nodes, {summary['ways']:,} ways ({big.stat().st_size / 1e6:.0f} MB XML)")
            run(["scripts/bench_network.py", "--osm", str(big), "--workdir", str(tmp / "net-1m")])


if __name__ == "__main__":
    main()

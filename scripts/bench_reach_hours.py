"""Cost of the « heures d'ouverture accessibles par semaine » indicator in a full demo recompute.

Usage (a demo data folder: ``mapapp demo load`` done there)::

    MAPAPP_DATA_DIR=/tmp/i11demo PYTHONPATH=. .venv/bin/python scripts/bench_reach_hours.py [--repeat 2]

Runs ``run_compute(force=True)`` alternately without and with the reachable-hours
columns (:mod:`mapapp.access.reach_hours`), ``--repeat`` times each, in this one
process (numba kernels compiled by a warm-up run first), and prints the best
wall time of each and their ratio (alternating runs: a loaded machine slows
both alike), then the peak memory of each (tracemalloc, one more run each:
what Python and numpy allocated; max RSS of the process at the end).
The results left in the folder are those of the last run (with the indicator).
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

from mapapp.compute import run_compute
from mapapp.config import load_settings


def timed(settings, reach: bool) -> float:
    start = time.perf_counter()
    run_compute(settings, force=True, reach_hours=reach, workers=2)
    return time.perf_counter() - start


def peak(settings, reach: bool) -> float:
    """Peak traced allocation of one run, in MiB (a separate run: tracemalloc slows the code it traces)."""
    tracemalloc.start()
    run_compute(settings, force=True, reach_hours=reach, workers=2)
    out = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--sans-memoire", dest="memory", action="store_false",
                        help="ne pas mesurer le pic de mémoire (deux calculs de moins)")
    args = parser.parse_args()
    settings = load_settings()
    run_compute(settings, force=True, reach_hours=True, workers=2)  # warm-up: caches, numba compilation
    times = {False: [], True: []}
    for _ in range(args.repeat):
        for reach in (False, True):
            times[reach].append(timed(settings, reach))
    peaks = {reach: peak(settings, reach) for reach in (False, True)} if args.memory else {False: 0, True: 0}
    off, on = min(times[False]), min(times[True])
    print(f"sans l'indicateur : {off:.1f} s (meilleur de {args.repeat}), pic tracemalloc {peaks[False]:.0f} Mio")
    print(f"avec l'indicateur : {on:.1f} s (meilleur de {args.repeat}), pic tracemalloc {peaks[True]:.0f} Mio")
    print(f"rapport : {on / off:.2f}")
    print(f"RSS max du processus : {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} Mio")


if __name__ == "__main__":
    main()

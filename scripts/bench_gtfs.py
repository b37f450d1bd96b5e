"""How long reading, checking and slicing one day of a département-scale GTFS feed takes.

Usage::

    .venv/bin/python scripts/bench_gtfs.py                    # 50,000 trips, 3,000 stops
    .venv/bin/python scripts/bench_gtfs.py --trips 5000 --keep /tmp/feed.zip

Writes a synthetic feed (:func:`write_synthetic_feed`: ``--lines`` lines of 12 to 30
stops among ``--stops`` stops in a 100 × 80 km box, trips spread over 5:00–22:00,
two services, weekdays and Saturdays), then times :func:`mapapp.territory.gtfs.read_gtfs`
(gtfs-kit's reading plus every check) and
:func:`mapapp.territory.gtfs.timetable_for_day` on a Tuesday, in this process.
The transit engine's own benchmark can reuse the feed (``--keep``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np


def write_synthetic_feed(path: Path, n_trips: int = 50_000, n_stops: int = 3_000, n_lines: int = 400,
                         seed: int = 17) -> dict:
    """A valid GTFS zip with ``n_trips`` trips on ``n_lines`` lines (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    lon = 1.3 + rng.random(n_stops) * 1.3
    lat = 44.8 + rng.random(n_stops) * 0.75
    stops = ["stop_id,stop_name,stop_lat,stop_lon"] + [f"S{i},Arrêt {i},{lat[i]:.6f},{lon[i]:.6f}"
                                                      for i in range(n_stops)]
    routes = ["route_id,agency_id,route_short_name,route_type"] + [f"R{r},AG,{r},3" for r in range(n_lines)]
    lines = [rng.choice(n_stops, int(rng.integers(12, 31)), replace=False) for _ in range(n_lines)]
    trips, stop_times = ["route_id,service_id,trip_id"], ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    n_rows = 0
    for t in range(n_trips):
        r = t % n_lines
        seq = lines[r] if t % 2 else lines[r][::-1]
        trips.append(f"R{r},{'SEM' if t % 7 else 'SAM'},T{t}")
        s = int(rng.integers(5 * 3600, 22 * 3600))
        for k, stop in enumerate(seq):
            hms = f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
            stop_times.append(f"T{t},{hms},{hms},S{stop},{k + 1}")
            s += int(rng.integers(60, 300))
        n_rows += len(seq)
    tables = {
        "agency.txt": ["agency_id,agency_name,agency_url,agency_timezone", "AG,Synthétique,https://x.example,Europe/Paris"],
        "stops.txt": stops, "routes.txt": routes, "trips.txt": trips, "stop_times.txt": stop_times,
        "calendar.txt": ["service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date",
                         "SEM,1,1,1,1,1,0,0,20260831,20270702", "SAM,0,0,0,0,0,1,0,20260831,20270702"],
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, rows in tables.items():
            zf.writestr(name, "\n".join(rows) + "\n")
    return {"trips": n_trips, "stops": n_stops, "stop_times": n_rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trips", type=int, default=50_000)
    parser.add_argument("--stops", type=int, default=3_000)
    parser.add_argument("--lines", type=int, default=400)
    parser.add_argument("--keep", type=Path, default=None, help="write the feed here and keep it")
    args = parser.parse_args()
    from mapapp.territory.gtfs import read_gtfs, timetable_for_day
    from mapapp.territory.validation import ImportReport

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "synthetic.zip"
        start = time.perf_counter()
        sizes = write_synthetic_feed(path, args.trips, args.stops, args.lines)
        print(f"feed written: {sizes} in {time.perf_counter() - start:.1f} s ({path.stat().st_size / 1e6:.1f} MB)")
        start = time.perf_counter()
        report = ImportReport()
        feed = read_gtfs(path, report=report, today=dt.date(2026, 9, 1))
        print(f"read_gtfs (gtfs-kit + checks): {time.perf_counter() - start:.1f} s, "
              f"{len(report.errors)} errors, {len(report.warnings)} warnings")
        start = time.perf_counter()
        tt = timetable_for_day([feed], dt.date(2026, 9, 15))
        print(f"timetable_for_day (Tuesday): {time.perf_counter() - start:.1f} s, {tt.n_connections} connections, "
              f"{len(tt.trip_ids)} trips, {tt.n_stops} stops")


if __name__ == "__main__":
    main()

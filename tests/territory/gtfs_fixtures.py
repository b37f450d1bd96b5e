"""Small GTFS feeds written by the tests themselves (real GTFS: a zip of CSV .txt files).

The base feed: one agency, three stops on a line A — B — C near (2.0, 45.0), one
route with two trips (07:00 and 08:00 from A, 10 minutes per hop), a weekday
service ``SEM`` from 2026-09-01 to 2026-12-18 with 2026-11-11 removed and a
Saturday 2026-09-05 added.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

BASE = {
    "agency.txt": [["agency_id", "agency_name", "agency_url", "agency_timezone"],
                   ["AG", "Cars du Test", "https://example.org", "Europe/Paris"]],
    "stops.txt": [["stop_id", "stop_name", "stop_lat", "stop_lon"],
                  ["A", "Alpha", "45.000", "2.000"],
                  ["B", "Bravo", "45.010", "2.010"],
                  ["C", "Charlie", "45.020", "2.020"]],
    "routes.txt": [["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
                   ["R1", "AG", "L1", "Alpha - Charlie", "3"]],
    "trips.txt": [["route_id", "service_id", "trip_id"],
                  ["R1", "SEM", "T1"],
                  ["R1", "SEM", "T2"]],
    "stop_times.txt": [["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"],
                       ["T1", "07:00:00", "07:00:00", "A", "1"],
                       ["T1", "07:10:00", "07:11:00", "B", "2"],
                       ["T1", "07:21:00", "07:21:00", "C", "3"],
                       ["T2", "08:00:00", "08:00:00", "A", "1"],
                       ["T2", "08:10:00", "08:10:00", "B", "2"],
                       ["T2", "08:20:00", "08:20:00", "C", "3"]],
    "calendar.txt": [["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                      "start_date", "end_date"],
                     ["SEM", "1", "1", "1", "1", "1", "0", "0", "20260901", "20261218"]],
    "calendar_dates.txt": [["service_id", "date", "exception_type"],
                           ["SEM", "20261111", "2"],
                           ["SEM", "20260905", "1"]],
}

#: A Tuesday the base feed runs.
TUESDAY = "2026-09-15"


def write_feed(path: Path, changes: dict | None = None, drop: tuple[str, ...] = (), raw: dict | None = None) -> Path:
    """Write the base feed to ``path`` with whole files replaced (``changes``: name -> rows),
    files left out (``drop``) or files given as raw bytes/text (``raw``)."""
    tables = {**BASE, **(changes or {})}
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, rows in tables.items():
            if name in drop or (raw and name in raw):
                continue
            zf.writestr(name, "".join(",".join(row) + "\r\n" for row in rows))
        for name, content in (raw or {}).items():
            zf.writestr(name, content)
    return path


def with_rows(name: str, *rows: list[str]) -> dict:
    """``changes`` adding ``rows`` at the end of the base file ``name``."""
    return {name: BASE[name] + [list(r) for r in rows]}

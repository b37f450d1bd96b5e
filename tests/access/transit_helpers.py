"""Hand-made and random timetables, and a brute-force earliest-arrival search, for the transit tests.

The brute force is a plain time-dependent Dijkstra on explicit states, written
independently of the Connection Scan: "ready to board at stop s" and "on board
connection i"; it follows the same journey model (module docstring of
:mod:`mapapp.access.transit`): access walk then board; stay seated; alight,
then ``min_change`` (+ one footpath) and board; alight and walk to a site.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from mapapp.access.timetable import Timetable


def timetable(trips, n_stops: int, transfers=None) -> Timetable:
    """A Timetable from trips given as ``[(stop, arr, dep), ...]`` in stop order.

    The connection of hop ``k`` leaves ``stop_k`` at its ``dep`` and reaches
    ``stop_{k+1}`` at its ``arr``; connections are stably sorted by departure.
    """
    rows = []
    for t, stops in enumerate(trips):
        for (s0, _a0, d0), (s1, a1, _d1) in zip(stops, stops[1:]):
            rows.append((s0, s1, d0, a1, t))
    rows.sort(key=lambda r: r[2])  # stable: keeps trip order for equal times
    a = np.array(rows, dtype=np.int64).reshape(-1, 5)
    names = np.array([f"S{i}" for i in range(n_stops)], dtype=object)
    return Timetable(
        service_date="2026-09-15", stop_ids=names, stop_names=names,
        stop_lon=np.linspace(2.0, 2.1, n_stops), stop_lat=np.full(n_stops, 45.0),
        dep_stop=a[:, 0].astype(np.int32), arr_stop=a[:, 1].astype(np.int32),
        dep_time=a[:, 2].astype(np.int32), arr_time=a[:, 3].astype(np.int32),
        trip=a[:, 4].astype(np.int32), trip_ids=np.array([f"T{i}" for i in range(len(trips))], dtype=object),
        route_names=np.array(["L"] * len(trips), dtype=object),
        transfers=None if transfers is None else np.asarray(transfers, dtype=np.int32).reshape(-1, 3))


def brute_arrival(tt: Timetable, sources, targets: dict, t0: int, direct=None, footpaths=(),
                  change: int = 120) -> float:
    """Earliest arrival at a target leaving at ``t0``; ``sources``: [(stop, walk)], targets: {stop: walk}."""
    n = tt.n_connections
    by_stop: dict[int, list[int]] = {}
    for i in range(n):
        by_stop.setdefault(int(tt.dep_stop[i]), []).append(i)
    nxt = {}
    last_of_trip = {}
    for i in range(n):  # array order = trip order for a trip's connections
        tr = int(tt.trip[i])
        if tr in last_of_trip:
            nxt[last_of_trip[tr]] = i
        last_of_trip[tr] = i
    fp: dict[int, list[tuple[int, int]]] = {}
    for a, b, s in footpaths:
        if a != b:
            fp.setdefault(int(a), []).append((int(b), int(s)))
    best = math.inf if direct is None or not math.isfinite(direct) else t0 + direct
    heap = []
    for s, w in sources:
        heapq.heappush(heap, (t0 + w, 0, int(s)))
        if s in targets:
            best = min(best, t0 + w + targets[s])
    done = set()
    while heap:
        t, kind, v = heapq.heappop(heap)
        if t >= best:
            break
        if (kind, v) in done:
            continue
        done.add((kind, v))
        if kind == 0:  # ready to board at stop v
            for i in by_stop.get(v, []):
                if tt.dep_time[i] >= t:
                    heapq.heappush(heap, (int(tt.arr_time[i]), 1, i))
        else:  # on board connection v, at its arrival
            x = int(tt.arr_stop[v])
            if x in targets:
                best = min(best, t + targets[x])
            if v in nxt:
                heapq.heappush(heap, (int(tt.arr_time[nxt[v]]), 1, nxt[v]))
            heapq.heappush(heap, (t + change, 0, x))
            for y, f in fp.get(x, []):
                heapq.heappush(heap, (t + change + f, 0, y))
    return best


def random_case(seed: int, n_stops: int = 30, n_trips: int = 60, start=(7 * 3600, 10 * 3600),
                grid: int = 60):
    """A seeded random timetable (~300 connections), footpaths, egress and origins."""
    rng = np.random.default_rng(seed)
    trips = []
    for _ in range(n_trips):
        k = int(rng.integers(3, 9))
        stops = rng.choice(n_stops, size=k, replace=False)
        t = int(rng.integers(start[0] // grid, start[1] // grid)) * grid
        seq = []
        for s in stops:
            arr = t
            dep = arr + int(rng.choice([0, 0, grid]))
            seq.append((int(s), arr, dep))
            t = dep + int(rng.choice([0, grid, 2 * grid, 3 * grid, 5 * grid, 10 * grid]))
        trips.append(seq)
    pairs = rng.choice(n_stops, size=(20, 2))
    footpaths = [(int(a), int(b), int(rng.integers(0, 6)) * 60) for a, b in pairs if a != b]
    footpaths += [(b, a, s) for a, b, s in footpaths]
    tt = timetable(trips, n_stops, footpaths)
    dest = {int(s): int(rng.integers(0, 10)) * 60 for s in rng.choice(n_stops, size=3, replace=False)}
    origins = [[(int(s), int(rng.integers(0, 15)) * 60) for s in rng.choice(n_stops, size=int(rng.integers(1, 4)),
                                                                           replace=False)]
               for _ in range(12)]
    return tt, footpaths, dest, origins

"""Walk + public transport travel times to the nearest site: a profile Connection Scan.

Pure engine (numpy + numba, no Flask, no database, no GTFS file): it reads a
:class:`~mapapp.access.timetable.Timetable` and arrays of walking times.

Algorithm
---------
The profile variant of the **Connection Scan Algorithm** (J. Dibbelt, T. Pajor,
B. Strasser, D. Wagner, « Connection Scan Algorithm », ACM JEA 23, 2018,
§4 "profile queries"; first published as « Intriguingly Simple and Fast Transit
Routing », SEA 2013), run **backwards from a destination set** (all the sites of
one theme at once: many-to-nearest):

1. connections are scanned once, by decreasing departure time; for each one
   the earliest arrival at *any* destination is the best of: walking from its
   arrival stop to a site (``egress``), staying seated (best value of its trip
   so far), or changing at its arrival stop ``x`` — boarding at ``x`` or at a
   stop ``y`` one footpath away, not before ``arrival + min_change_s (+ walk
   x→y)`` — read from the profiles already built;
2. the result is appended to the profile of the connection's departure stop,
   kept only if it arrives strictly earlier than every later departure (a
   Pareto set of (departure time, arrival time), sorted, so a lookup is a
   binary search);
3. an origin (population point) leaving at ``t`` walks to one of its nearby
   stops ``s`` (``t + access``) and boards there: its arrival is the best of
   the profile lookups of its stops, the walk ``access + egress`` through a stop,
   and its direct walk to the nearest site when given (``walk_only``).

"Nearest" means the site of the theme reached earliest by this model, for
each departure time separately. Travel time = arrival − departure time
(waiting at home for the first bus counts). An origin's figure is the
**median** over departures every ``step`` seconds in the window (default
08:00–10:00 every 5 min, both ends included: 25 departures); an unreached
departure counts as an infinite time, so the median is ``inf`` when half or
more of the departures reach nothing (or need more than ``max_time_s``). For an
even number of departures the median is the mean of the two middle values.
``share`` is the fraction of departures that reach a site within
``max_time_s``.

Transfer model: changing vehicles at the same stop needs ``min_change_s``
(>= 1 s, default 120 s); changing through a footpath ``x → y`` needs
``min_change_s`` plus the footpath's seconds. Footpaths are walking times
between nearby stops (``Timetable.transfers``, or :func:`footpaths_by_distance`
at walking speed), one footpath per change, not chained; footpaths from a stop
to itself are ignored. Access and egress are walks the caller computes (road
network or distance) and do not chain with footpaths either. Staying seated
on a trip needs no change time.

Complexity: one scan is O(C · (1 + F) · log P) for C connections in the
window, F footpaths per stop and P profile entries per stop; memory O(C) per
theme (two int64 per profile entry) plus O(C) shared connection arrays.
Evaluating origins costs O(N · A · (log P + K)) for N origins, A access stops
each and K increasing departures (one binary search per access stop, then a
merge along its profile). Themes share the prepared connection arrays and run in
parallel threads (numba ``prange``; ``NUMBA_NUM_THREADS`` sets the count).

Assumptions on the timetable (:class:`Timetable` guarantees the first one):
connections sorted by departure time; for equal times, a trip's connections
in trip order (a stable sort keeps it): :func:`prepare` checks that each
trip's connections chain in array order (same stop, no time going back) and
refuses the timetable otherwise. Times are integer seconds and can pass
86,400 (overnight GTFS times).

The return rule is documented on :func:`can_return`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from mapapp.access import csa
from mapapp.access.timetable import Timetable

INF = int(csa.INF)

DEFAULT_WINDOW = (8 * 3600, 10 * 3600)
DEFAULT_STEP_S = 300
DEFAULT_MIN_CHANGE_S = 120


def departure_times(start_s: int, end_s: int, step_s: int = DEFAULT_STEP_S) -> np.ndarray:
    """Departures ``start, start + step, ...`` up to ``end`` included (int64 seconds)."""
    if step_s <= 0 or end_s < start_s:
        raise ValueError(f"bad departure window {start_s}..{end_s} step {step_s}")
    return np.arange(start_s, end_s + 1, step_s, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class OriginAccess:
    """Walking access of each origin to its nearby stops (CSR rows).

    Origin ``o`` reaches stop ``stop[j]`` in ``seconds[j]`` for ``j`` in
    ``ptr[o]:ptr[o + 1]``. Build it with :func:`origin_access`.
    """

    ptr: np.ndarray
    stop: np.ndarray
    seconds: np.ndarray

    @property
    def n_origins(self) -> int:
        return int(self.ptr.shape[0] - 1)


def _seconds(values, what: str) -> np.ndarray:
    """Walking seconds (int or float) as int64, rounded to the nearest second; finite only."""
    v = np.asarray(values, dtype=float).ravel()
    if v.size and not np.all(np.isfinite(v)):
        raise ValueError(f"{what} walking times must be finite (leave out unreachable stops)")
    return np.rint(v).astype(np.int64)


def origin_access(origin, stop, seconds, n_origins: int, n_stops: int | None = None) -> OriginAccess:
    """:class:`OriginAccess` from (origin, stop, seconds) triples, in any order.

    Seconds may be floats (road-network walks): they are rounded to whole
    seconds, like every time of the engine.
    """
    origin = np.asarray(origin, dtype=np.int64).ravel()
    stop = np.asarray(stop, dtype=np.int64).ravel()
    seconds = _seconds(seconds, "access")
    if not (origin.size == stop.size == seconds.size):
        raise ValueError("origin, stop and seconds must have the same length")
    if origin.size and (origin.min() < 0 or origin.max() >= n_origins):
        raise ValueError("origin index out of range")
    if stop.size and (stop.min() < 0 or (n_stops is not None and stop.max() >= n_stops)):
        raise ValueError("stop index out of range")
    if seconds.size and seconds.min() < 0:
        raise ValueError("access walking times must be >= 0 seconds")
    order = np.argsort(origin, kind="stable")
    ptr = np.zeros(n_origins + 1, np.int64)
    np.cumsum(np.bincount(origin, minlength=n_origins), out=ptr[1:])
    return OriginAccess(ptr, stop[order], seconds[order])


def egress_vector(egress, n_stops: int) -> np.ndarray:
    """Dense int64 walking seconds from each stop to the nearest site (``INF`` if none).

    ``egress`` is ``(stops, seconds)`` arrays or a ``{stop: seconds}`` mapping;
    a stop listed twice keeps its smallest time.
    """
    if isinstance(egress, Mapping):
        stops, secs = list(egress.keys()), list(egress.values())
    else:
        stops, secs = egress
    stops = np.asarray(stops, dtype=np.int64).ravel()
    secs = _seconds(secs, "egress")
    if stops.size != secs.size:
        raise ValueError("egress stops and seconds must have the same length")
    if stops.size and (stops.min() < 0 or stops.max() >= n_stops):
        raise ValueError("egress stop index out of range")
    if secs.size and secs.min() < 0:
        raise ValueError("egress walking times must be >= 0 seconds")
    out = np.full(n_stops, INF, np.int64)
    np.minimum.at(out, stops, secs)
    return out


def _walk_vector(walk_only, n_origins: int) -> np.ndarray:
    if walk_only is None:
        return np.full(n_origins, INF, np.int64)
    w = np.asarray(walk_only, dtype=float).ravel()
    if w.size != n_origins:
        raise ValueError(f"walk_only has {w.size} values for {n_origins} origins")
    return np.where(np.isfinite(w), np.rint(w), INF).astype(np.int64)


def footpaths_by_distance(tt: Timetable, max_m: float = 400.0, walk_kmh: float = 4.5,
                          detour: float = 1.3) -> np.ndarray:
    """Footpaths between stops less than ``max_m`` apart as the crow flies.

    Seconds = distance × ``detour`` / walking speed (a stand-in for the walk
    network; pass road-network footpaths instead when you have them).
    Returns int64 ``(k, 3)``: from_stop, to_stop, seconds (both directions).
    """
    from scipy.spatial import cKDTree

    lat0 = np.radians(np.nanmean(tt.stop_lat)) if tt.n_stops else 0.0
    xy = np.column_stack([np.radians(tt.stop_lon) * np.cos(lat0), np.radians(tt.stop_lat)]) * 6_371_000.0
    pairs = cKDTree(xy).query_pairs(max_m, output_type="ndarray")
    if pairs.size == 0:
        return np.zeros((0, 3), np.int64)
    dist = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    secs = np.ceil(dist * detour / (walk_kmh / 3.6)).astype(np.int64)
    one = np.column_stack([pairs[:, 0], pairs[:, 1], secs])
    return np.vstack([one, one[:, [1, 0, 2]]]).astype(np.int64)


@dataclass(frozen=True, eq=False)
class ScanSet:
    """Connections of a time range in scan order, footpath CSR and profile slots."""

    dep_stop: np.ndarray
    arr_stop: np.ndarray
    dep_t: np.ndarray
    arr_t: np.ndarray
    trip: np.ndarray
    n_trips: int
    fp_ptr: np.ndarray
    fp_to: np.ndarray
    fp_time: np.ndarray
    prof_ptr: np.ndarray
    min_change_s: int

    @property
    def n_stops(self) -> int:
        return int(self.prof_ptr.shape[0] - 1)


def _check_trip_order(tt: Timetable) -> None:
    """Refuse a timetable whose trips do not chain in array order (the scan relies on it)."""
    order = np.argsort(tt.trip, kind="stable")
    same = tt.trip[order[1:]] == tt.trip[order[:-1]]
    prev, nxt = order[:-1][same], order[1:][same]
    bad = (tt.dep_time[nxt] < tt.arr_time[prev]) | (tt.dep_stop[nxt] != tt.arr_stop[prev])
    if np.any(bad):
        i = int(prev[np.argmax(bad)])
        raise ValueError(f"trip {tt.trip_ids[tt.trip[i]]}: its connections do not follow each other in "
                         "array order (sort connections stably by departure time)")


def prepare(tt: Timetable, first_dep_s: int, last_arr_s: float | None = None, footpaths=None,
            min_change_s: int = DEFAULT_MIN_CHANGE_S, reverse: bool = False) -> ScanSet:
    """The connections departing at or after ``first_dep_s`` and arriving by ``last_arr_s``.

    ``footpaths`` (``(k, 3)`` from, to, seconds) defaults to ``tt.transfers``;
    pass an empty array for none. ``reverse=True`` builds the time-reversed
    timetable (times negated, stops and footpaths swapped) used by
    :func:`can_return`.
    """
    if int(min_change_s) < 1:
        raise ValueError("min_change_s must be >= 1 second")
    _check_trip_order(tt)
    keep = tt.dep_time >= first_dep_s
    if last_arr_s is not None:
        keep &= tt.arr_time <= last_arr_s
    idx = np.flatnonzero(keep)
    dep_stop, arr_stop = tt.dep_stop[idx].astype(np.int64), tt.arr_stop[idx].astype(np.int64)
    dep_t, arr_t = tt.dep_time[idx].astype(np.int64), tt.arr_time[idx].astype(np.int64)
    if reverse:
        dep_stop, arr_stop, dep_t, arr_t = arr_stop, dep_stop, -arr_t, -dep_t
        order = np.lexsort((-idx, arr_t, dep_t))
    else:
        order = np.lexsort((idx, arr_t, dep_t))
    trip = tt.trip[idx].astype(np.int64)[order]
    n = tt.n_stops
    fp = tt.transfers if footpaths is None else footpaths
    fp = np.zeros((0, 3), np.int64) if fp is None else np.asarray(fp, dtype=np.int64).reshape(-1, 3)
    if fp.size and (fp[:, :2].min() < 0 or fp[:, :2].max() >= n or fp[:, 2].min() < 0):
        raise ValueError("footpaths: stop index out of range or negative seconds")
    fp = fp[fp[:, 0] != fp[:, 1]]
    if reverse:
        fp = fp[:, [1, 0, 2]]
    fp = fp[np.argsort(fp[:, 0], kind="stable")]
    fp_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(fp[:, 0], minlength=n), out=fp_ptr[1:])
    dep_stop = dep_stop[order]
    prof_ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(dep_stop, minlength=n), out=prof_ptr[1:])
    return ScanSet(dep_stop, arr_stop[order], dep_t[order], arr_t[order], trip,
                   int(tt.trip.max()) + 1 if tt.n_connections else 1,
                   fp_ptr, fp[:, 1].copy(), fp[:, 2].copy(), prof_ptr, int(min_change_s))


@dataclass(frozen=True, eq=False)
class Profiles:
    """Per-stop Pareto profiles towards one destination set (see the module docstring)."""

    scan: ScanSet
    egress: np.ndarray
    prof_len: np.ndarray
    prof_dep: np.ndarray
    prof_arr: np.ndarray
    window: tuple[int, int]

    def arrival_at(self, stop: int, t: int) -> float:
        """Earliest arrival at a destination being at ``stop`` at ``t`` (boarding or walking)."""
        v = min(csa.lookup(self.scan.prof_ptr, self.prof_len, self.prof_dep, self.prof_arr, stop, t),
                t + self.egress[stop] if self.egress[stop] < INF else INF)
        return float("inf") if v >= INF else float(v)


def _scan_profiles(scan: ScanSet, egress: np.ndarray, window) -> Profiles:
    cap = int(scan.prof_ptr[-1])
    prof_len = np.zeros(scan.n_stops, np.int64)
    prof_dep, prof_arr = np.empty(cap, np.int64), np.empty(cap, np.int64)
    csa.scan(scan.dep_stop, scan.arr_stop, scan.dep_t, scan.arr_t, scan.trip, scan.n_trips,
             scan.fp_ptr, scan.fp_to, scan.fp_time, egress, scan.min_change_s,
             scan.prof_ptr, prof_len, prof_dep, prof_arr)
    return Profiles(scan, egress, prof_len, prof_dep, prof_arr, (int(window[0]), int(window[1])))


def access_profiles(tt: Timetable, dest_stop_egress, window=DEFAULT_WINDOW, footpaths=None,
                    min_change_s: int = DEFAULT_MIN_CHANGE_S, max_time_s: float | None = None) -> Profiles:
    """Profiles of every stop towards the destination set, for departures in ``window``.

    ``dest_stop_egress``: ``(stops, seconds)`` or ``{stop: seconds}``, the walk
    from each stop near a site to the nearest site. With ``max_time_s`` only
    connections arriving by ``window[1] + max_time_s`` are scanned (exact for
    journeys up to that long).
    """
    egress = egress_vector(dest_stop_egress, tt.n_stops)
    last = None if max_time_s is None else window[1] + max_time_s
    return _scan_profiles(prepare(tt, window[0], last, footpaths, min_change_s), egress, window)


def _check_departures(departures, window) -> np.ndarray:
    d = np.asarray(departures, dtype=np.int64).ravel()
    if d.size == 0:
        raise ValueError("no departure time")
    if d.min() < window[0] or d.max() > window[1]:
        raise ValueError(f"departures must lie in the profiles' window {window[0]}..{window[1]}")
    if np.any(np.diff(d) <= 0):
        raise ValueError("departures must be strictly increasing")
    return d


def arrival_times(profiles: Profiles, access: OriginAccess, departures, walk_only=None) -> np.ndarray:
    """float64 ``(n_origins, n_departures)`` earliest arrival at the nearest site (``inf``: none)."""
    d = _check_departures(departures, profiles.window)
    out = np.empty((access.n_origins, d.size), np.int64)
    csa.arrivals(profiles.scan.prof_ptr, profiles.prof_len, profiles.prof_dep, profiles.prof_arr,
                 profiles.egress, access.ptr, access.stop, access.seconds,
                 _walk_vector(walk_only, access.n_origins), d, out)
    return np.where(out >= INF, np.inf, out.astype(np.float64))


def median_times(profiles: Profiles, access: OriginAccess, departures, walk_only=None,
                 max_time_s: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(median_s, share_reachable)`` per origin over the departures (module docstring)."""
    d = _check_departures(departures, profiles.window)
    arr = np.empty((access.n_origins, d.size), np.int64)
    csa.arrivals(profiles.scan.prof_ptr, profiles.prof_len, profiles.prof_dep, profiles.prof_arr,
                 profiles.egress, access.ptr, access.stop, access.seconds,
                 _walk_vector(walk_only, access.n_origins), d, arr)
    med, share = np.empty(access.n_origins), np.empty(access.n_origins)
    csa.summarise(arr, d, np.inf if max_time_s is None else float(max_time_s), med, share)
    return med, share


@dataclass(frozen=True, eq=False)
class ThemeTimes:
    """Results of :func:`many_themes`: row ``i`` is theme ``names[i]``."""

    names: tuple[str, ...]
    median_s: np.ndarray
    share: np.ndarray

    def __getitem__(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        i = self.names.index(name)
        return self.median_s[i], self.share[i]


def many_themes(tt: Timetable, themes: Mapping[str, object], access: OriginAccess, departures,
                walk_only: Mapping[str, object] | None = None, footpaths=None,
                min_change_s: int = DEFAULT_MIN_CHANGE_S, max_time_s: float | None = None) -> ThemeTimes:
    """:func:`median_times` for several destination sets (``{theme: egress}``).

    The connection arrays, footpaths and profile slots are prepared once; one
    scan per theme, themes in parallel threads, each theme's profiles freed
    once its origins are evaluated (peak memory: one profile set per thread).
    """
    d = np.asarray(departures, dtype=np.int64).ravel()
    window = (int(d.min()), int(d.max())) if d.size else (0, 0)
    d = _check_departures(d, window)
    last = None if max_time_s is None else window[1] + max_time_s
    scan = prepare(tt, window[0], last, footpaths, min_change_s)
    names = tuple(themes)
    egress = np.stack([egress_vector(themes[n], tt.n_stops) for n in names]) if names else \
        np.zeros((0, tt.n_stops), np.int64)
    walk = np.stack([_walk_vector((walk_only or {}).get(n), access.n_origins) for n in names]) if names else \
        np.zeros((0, access.n_origins), np.int64)
    med = np.empty((len(names), access.n_origins))
    share = np.empty((len(names), access.n_origins))
    csa.many(scan.dep_stop, scan.arr_stop, scan.dep_t, scan.arr_t, scan.trip, scan.n_trips,
             scan.fp_ptr, scan.fp_to, scan.fp_time, egress, scan.min_change_s, scan.prof_ptr,
             access.ptr, access.stop, access.seconds, walk, d,
             np.inf if max_time_s is None else float(max_time_s), med, share)
    return ThemeTimes(names, med, share)

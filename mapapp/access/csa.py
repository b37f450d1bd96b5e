"""Compiled loops of the profile Connection Scan (see :mod:`mapapp.access.transit`).

Low-level numba kernels on plain int64 arrays; :mod:`mapapp.access.transit`
prepares their inputs, documents the model and is the API to call. Every time
is int64 seconds; ``INF`` means unreachable.

Profile storage: stop ``s`` owns the slice ``prof_ptr[s]:prof_ptr[s + 1]`` of
``prof_dep``/``prof_arr`` (its capacity is the number of scanned connections
leaving ``s``), of which the first ``prof_len[s]`` entries are used. Entries
are appended while connections are scanned by decreasing departure time, so a
profile is sorted by strictly decreasing departure time **and** strictly
decreasing arrival time (an entry is kept only if it arrives strictly earlier
than every later-departing one: the Pareto set).

The loops are hand-written because no maintained Python library offers a
many-to-nearest profile search over a timetable with this transfer model
(r5py needs a Java R5 server and OSM; it has no many-to-nearest profile).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

INF = np.int64(2**62)


@njit(cache=True, nogil=True)
def prefix_len(prof_ptr, prof_len, prof_dep, s, t):
    """Number of entries of stop ``s`` departing at or after ``t`` (a prefix: dep decreases)."""
    base = prof_ptr[s]
    lo = 0
    hi = prof_len[s]
    while lo < hi:
        mid = (lo + hi) >> 1
        if prof_dep[base + mid] >= t:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def lookup(prof_ptr, prof_len, prof_dep, prof_arr, s, t):
    """Earliest arrival at a destination boarding at stop ``s`` at or after ``t``."""
    p = prefix_len(prof_ptr, prof_len, prof_dep, s, t)
    if p == 0:
        return INF
    return prof_arr[prof_ptr[s] + p - 1]


@njit(cache=True, nogil=True)
def scan(dep_stop, arr_stop, dep_t, arr_t, trip, n_trips, fp_ptr, fp_to, fp_time,
         egress, change, prof_ptr, prof_len, prof_dep, prof_arr):
    """Backward profile scan; fills ``prof_len``/``prof_dep``/``prof_arr`` in place.

    Connections must be given in scan order (increasing departure time; for
    equal times, earlier connections of a trip first). Scanned backwards.
    """
    best_trip = np.full(n_trips, INF, np.int64)
    prof_len[:] = 0
    for i in range(dep_stop.shape[0] - 1, -1, -1):
        x = arr_stop[i]
        a = arr_t[i]
        tau = INF
        if egress[x] < INF:
            tau = a + egress[x]
        tr = trip[i]
        if best_trip[tr] < tau:
            tau = best_trip[tr]
        v = lookup(prof_ptr, prof_len, prof_dep, prof_arr, x, a + change)
        if v < tau:
            tau = v
        for k in range(fp_ptr[x], fp_ptr[x + 1]):
            v = lookup(prof_ptr, prof_len, prof_dep, prof_arr, fp_to[k], a + change + fp_time[k])
            if v < tau:
                tau = v
        if tau >= INF:
            continue
        if tau < best_trip[tr]:
            best_trip[tr] = tau
        s = dep_stop[i]
        d = dep_t[i]
        base = prof_ptr[s]
        n = prof_len[s]
        if n == 0:
            prof_dep[base] = d
            prof_arr[base] = tau
            prof_len[s] = 1
        elif tau < prof_arr[base + n - 1]:
            if prof_dep[base + n - 1] == d:
                prof_arr[base + n - 1] = tau
            else:
                prof_dep[base + n] = d
                prof_arr[base + n] = tau
                prof_len[s] = n + 1


@njit(cache=True, nogil=True)
def arrivals(prof_ptr, prof_len, prof_dep, prof_arr, egress, acc_ptr, acc_stop, acc_time,
             walk_only, departures, out):
    """``out[o, k]``: earliest arrival at a destination leaving origin ``o`` at ``departures[k]``.

    ``departures`` must be increasing. For each access stop, one binary search
    at the last departure, then the profile is walked towards later-departing
    entries as the departures go back in time (entries between two departures
    are few), instead of one binary search per departure.
    """
    n_orig = acc_ptr.shape[0] - 1
    n_dep = departures.shape[0]
    for o in range(n_orig):
        for k in range(n_dep):
            out[o, k] = departures[k] + walk_only[o] if walk_only[o] < INF else INF
        for j in range(acc_ptr[o], acc_ptr[o + 1]):
            s = acc_stop[j]
            w = acc_time[j]
            if egress[s] < INF:
                for k in range(n_dep):
                    v = departures[k] + w + egress[s]
                    if v < out[o, k]:
                        out[o, k] = v
            n = prof_len[s]
            if n == 0:
                continue
            base = prof_ptr[s]
            # p = number of entries with dep >= query; grows as the query goes back in time
            p = prefix_len(prof_ptr, prof_len, prof_dep, s, departures[n_dep - 1] + w)
            for k in range(n_dep - 1, -1, -1):
                q = departures[k] + w
                while p < n and prof_dep[base + p] >= q:
                    p += 1
                if p > 0 and prof_arr[base + p - 1] < out[o, k]:
                    out[o, k] = prof_arr[base + p - 1]


@njit(cache=True, nogil=True)
def summarise(arr, departures, max_time, median_out, share_out):
    """Median travel time (``inf`` if not reached by half the departures) and share reached."""
    n_orig, n_dep = arr.shape
    times = np.empty(n_dep, np.float64)
    for o in range(n_orig):
        reached = 0
        for k in range(n_dep):
            tt = np.inf
            if arr[o, k] < INF:
                tt = float(arr[o, k] - departures[k])
            if tt < np.inf and tt <= max_time:
                times[k] = tt
                reached += 1
            else:
                times[k] = np.inf
        times.sort()
        if n_dep % 2 == 1:
            median_out[o] = times[n_dep // 2]
        else:
            median_out[o] = 0.5 * (times[n_dep // 2 - 1] + times[n_dep // 2])
        share_out[o] = reached / n_dep


@njit(cache=True, parallel=True)
def many(dep_stop, arr_stop, dep_t, arr_t, trip, n_trips, fp_ptr, fp_to, fp_time,
         egress_2d, change, prof_ptr, acc_ptr, acc_stop, acc_time, walk_2d, departures,
         max_time, median_out, share_out):
    """One scan + origin evaluation per theme (row of ``egress_2d``), themes in parallel."""
    n_themes = egress_2d.shape[0]
    n_stops = prof_ptr.shape[0] - 1
    n_orig = acc_ptr.shape[0] - 1
    cap = prof_ptr[n_stops]
    for th in prange(n_themes):
        prof_len = np.zeros(n_stops, np.int64)
        prof_dep = np.empty(cap, np.int64)
        prof_arr = np.empty(cap, np.int64)
        egress = egress_2d[th]
        scan(dep_stop, arr_stop, dep_t, arr_t, trip, n_trips, fp_ptr, fp_to, fp_time,
             egress, change, prof_ptr, prof_len, prof_dep, prof_arr)
        arr = np.empty((n_orig, departures.shape[0]), np.int64)
        arrivals(prof_ptr, prof_len, prof_dep, prof_arr, egress, acc_ptr, acc_stop, acc_time,
                 walk_2d[th], departures, arr)
        summarise(arr, departures, max_time, median_out[th], share_out[th])

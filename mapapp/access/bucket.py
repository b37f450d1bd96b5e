"""The engine's search kernel: a multi-source Dijkstra on a monotone bucket queue (numba).

Why a bucket queue: on a 302,000-node grid a binary heap (scipy, C++, numba)
spends its time sifting; a monotone bucket queue (Dial) makes every queue
operation O(1) (issue 15 measured it 3x faster than binary heaps).

The queue, and why it stays **exact** (float64 seconds, no rounding):

- bucket ``b`` holds the queued nodes whose tentative time ``d`` has
  ``floor(d / width) == b``; the buckets are a circular array of
  ``floor(max edge time / width) + 2`` doubly linked lists, so memory is
  bounded whatever the times (a queued node is never more than one edge
  ahead of the bucket being scanned);
- buckets are scanned in increasing order. A node popped from the current
  bucket is scanned with its tentative time; an edge that improves a node into
  the *current* bucket links it there again (it is scanned again if it had
  been scanned before). Within a bucket this is a label-correcting search, so
  when a bucket empties every time in it is final: the result is the exact
  shortest-path time, summed in float64 along the path like any other
  Dijkstra. With ``width`` at most the smallest edge time no node is ever
  scanned twice (Dial's algorithm); a larger width trades a few re-scans of
  nodes joined by short edges for fewer empty buckets.
  :func:`bucket_width` picks it from the edge times.

Sources (a destination's snap ends, a second-nearest search's cell-boundary
starts) are given sorted by time and enter the queue when the scan reaches
their bucket, so start times may spread far beyond one edge.

Options of :func:`multi_source`: ``limit`` (nodes beyond it stay ``inf``, as
``scipy.sparse.csgraph.dijkstra(limit=)``), ``cell`` (an edge is followed only
between nodes of the same cell: the second-nearest search). Every kernel is
compiled with ``nogil=True``: plain Python threads run searches on one shared
graph on both cores (:mod:`mapapp.access.searches`). ``cache=True`` pays the
compilation once per installation (``__pycache__``). numba is imported by this
module only, and only when a search runs (:mod:`mapapp.access.dijkstra` imports
it lazily), so the web tier does not load it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: At most this many buckets in the circular array (bounded memory, few empty scans).
MAX_BUCKETS = 1 << 16


def bucket_width(data: np.ndarray) -> float:
    """Bucket width (seconds) for edge times ``data``: the smallest positive time, kept within bounds.

    At least ``max / MAX_BUCKETS`` (bounded array) and at least 0.05 s (sub-second
    widths only add empty buckets on graphs with a few very short edges: those
    are re-scanned instead).
    """
    pos = data[data > 0]
    if pos.size == 0:
        return 1.0
    return float(max(pos.min(), 0.05, pos.max() / (MAX_BUCKETS - 2)))


@njit(nogil=True, cache=True)
def _search(indptr, indices, w, cell, use_cell, s_node, s_time, s_label, limit, inv, n_buckets,
            dist, label, where, nxt, prv, head, touched, n_touched):
    """One multi-source search; ``dist``/``label`` updated in place; returns the new ``n_touched``.

    ``where[v]`` is the circular bucket holding ``v`` or -1; ``touched``
    receives every node whose ``dist`` became finite (to reset them later).
    """
    ns = s_node.shape[0]
    sp = 0
    queued = 0
    cur = 0
    if ns > 0:
        cur = np.int64(s_time[0] * inv)
    while queued > 0 or sp < ns:
        if queued == 0:
            if s_time[sp] > limit:
                break
            b = np.int64(s_time[sp] * inv)
            if b > cur:
                cur = b
        while sp < ns and np.int64(s_time[sp] * inv) <= cur:
            v = s_node[sp]
            d = s_time[sp]
            if d < dist[v] and d <= limit:
                if where[v] >= 0:  # unlink
                    if prv[v] >= 0:
                        nxt[prv[v]] = nxt[v]
                    else:
                        head[where[v]] = nxt[v]
                    if nxt[v] >= 0:
                        prv[nxt[v]] = prv[v]
                else:
                    queued += 1
                    if dist[v] == np.inf:
                        touched[n_touched] = v
                        n_touched += 1
                dist[v] = d
                label[v] = s_label[sp]
                h = np.int64(d * inv) % n_buckets
                prv[v] = -1
                nxt[v] = head[h]
                if head[h] >= 0:
                    prv[head[h]] = v
                head[h] = v
                where[v] = h
            sp += 1
        h = cur % n_buckets
        while head[h] >= 0:
            u = head[h]
            head[h] = nxt[u]
            if nxt[u] >= 0:
                prv[nxt[u]] = -1
            where[u] = -1
            queued -= 1
            du = dist[u]
            lu = label[u]
            cu = cell[u] if use_cell else 0
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                if use_cell and cell[v] != cu:
                    continue
                d = du + w[e]
                if d < dist[v] and d <= limit:
                    if where[v] >= 0:
                        if prv[v] >= 0:
                            nxt[prv[v]] = nxt[v]
                        else:
                            head[where[v]] = nxt[v]
                        if nxt[v] >= 0:
                            prv[nxt[v]] = prv[v]
                    else:
                        queued += 1
                        if dist[v] == np.inf:
                            touched[n_touched] = v
                            n_touched += 1
                    dist[v] = d
                    label[v] = lu
                    hv = np.int64(d * inv) % n_buckets
                    prv[v] = -1
                    nxt[v] = head[hv]
                    if head[hv] >= 0:
                        prv[head[hv]] = v
                    head[hv] = v
                    where[v] = hv
        cur += 1
    return n_touched


def _n_buckets(w: np.ndarray, width: float) -> int:
    return int((float(w.max()) if w.size else 0.0) / width) + 2


@njit(nogil=True, cache=True)
def _multi(indptr, indices, w, cell, use_cell, s_node, s_time, s_label, limit, inv, n_buckets, n):
    dist = np.full(n, np.inf)
    label = np.full(n, -1, np.int32)
    where = np.full(n, -1, np.int32)
    nxt = np.full(n, -1, np.int32)
    prv = np.full(n, -1, np.int32)
    head = np.full(n_buckets, -1, np.int32)
    touched = np.empty(n, np.int64)
    _search(indptr, indices, w, cell, use_cell, s_node, s_time, s_label, limit, inv, n_buckets,
            dist, label, where, nxt, prv, head, touched, 0)
    return dist, label


def multi_source(indptr, indices, w, n: int, s_node, s_time, s_label, *, limit: float = np.inf,
                 cell=None, width: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact multi-source search: (time_s, label) per node, ``inf``/-1 where unreached.

    Args:
        indptr, indices, w: CSR of the graph searched (int32, int32, float64
            seconds >= 0): row ``u`` lists the edges followed from ``u``.
        s_node, s_time, s_label: sources (any order): node, start time, the
            label the nodes it reaches first get.
        limit: nodes farther than this stay ``inf``.
        cell: int32 (n,), follow only edges inside a cell.
        width: bucket width in seconds (default :func:`bucket_width`).
    """
    width = bucket_width(w) if width is None else float(width)
    order = np.argsort(s_time, kind="stable")
    use_cell = cell is not None
    cell_arr = np.asarray(cell, np.int32) if use_cell else np.zeros(1, np.int32)
    return _multi(indptr, indices, w, cell_arr, use_cell, np.asarray(s_node, np.int64)[order],
                  np.asarray(s_time, np.float64)[order], np.asarray(s_label, np.int32)[order],
                  float(limit), 1.0 / width, _n_buckets(w, width), int(n))


@njit(nogil=True, cache=True)
def _within(indptr, indices, w, n, ptr, s_node, s_time, radius, keep, inv, n_buckets):
    """One bounded search per group ``ptr[j]:ptr[j+1]`` of sources; (node, group, time) where ``keep``."""
    dist = np.full(n, np.inf)
    label = np.full(n, -1, np.int32)
    where = np.full(n, -1, np.int32)
    nxt = np.full(n, -1, np.int32)
    prv = np.full(n, -1, np.int32)
    head = np.full(n_buckets, -1, np.int32)
    touched = np.empty(n, np.int64)
    cell = np.zeros(1, np.int32)
    zero = np.zeros(s_node.shape[0], np.int32)
    cap = 1024
    o_node = np.empty(cap, np.int64)
    o_group = np.empty(cap, np.int32)
    o_time = np.empty(cap, np.float64)
    k = 0
    for j in range(ptr.shape[0] - 1):
        a, b = ptr[j], ptr[j + 1]
        nt = _search(indptr, indices, w, cell, False, s_node[a:b], s_time[a:b], zero[a:b], radius[j], inv, n_buckets,
                     dist, label, where, nxt, prv, head, touched, 0)
        for i in range(nt):
            v = touched[i]
            if keep[v] and dist[v] <= radius[j]:
                if k == cap:
                    cap *= 2
                    o_node = _grow(o_node, cap)
                    o_group = _grow(o_group, cap)
                    o_time = _grow(o_time, cap)
                o_node[k] = v
                o_group[k] = j
                o_time[k] = dist[v]
                k += 1
            dist[v] = np.inf
    return o_node[:k].copy(), o_group[:k].copy(), o_time[:k].copy()


@njit(nogil=True, cache=True)
def _grow(a, cap):
    out = np.empty(cap, a.dtype)
    out[:a.shape[0]] = a
    return out


def within(indptr, indices, w, n: int, group, s_node, s_time, radius, keep, *,
           width: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One bounded search per source group: every (node, group, time) with ``time <= radius[group]``.

    Args:
        indptr, indices, w, n: as :func:`multi_source`.
        group: int (s,), the group (0 .. g-1) of each source; groups without
            source, or with a negative or NaN radius, find nothing.
        radius: float (g,), seconds.
        keep: bool (n,), the nodes reported.

    Returns:
        (node int64, group int32, time_s float64), grouped by group. Each search
        costs its catchment only (the per-node arrays are reset through the
        nodes it touched), not the whole graph.
    """
    width = bucket_width(w) if width is None else float(width)
    radius = np.asarray(radius, np.float64)
    group = np.asarray(group, np.int64)
    ok = np.nan_to_num(radius, nan=-1.0)[group] >= 0
    order = np.lexsort((np.asarray(s_time)[ok], group[ok]))
    g = group[ok][order]
    ptr = np.searchsorted(g, np.arange(radius.size + 1)).astype(np.int64)
    return _within(indptr, indices, w, int(n), ptr, np.asarray(s_node, np.int64)[ok][order],
                   np.asarray(s_time, np.float64)[ok][order], np.nan_to_num(radius, nan=-1.0),
                   np.asarray(keep, np.bool_), 1.0 / width, _n_buckets(w, width))


@njit(nogil=True, cache=True)
def _second_starts(indptr, indices, w, s1, d1, wanted, use_wanted, dst, dst_site, dst_time):
    """Per node, the best start of the second-nearest search (:func:`second_starts`)."""
    n = s1.shape[0]
    best = np.full(n, np.inf)
    site = np.full(n, -1, np.int32)
    for u in range(n):
        su = s1[u]
        if su < 0:
            continue
        du = d1[u]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            sv = s1[v]
            if sv < 0 or sv == su or (use_wanted and not wanted[sv]):
                continue
            t = du + w[e]
            if t < best[v]:
                best[v] = t
                site[v] = su
    for i in range(dst.shape[0]):
        v = dst[i]
        sv = s1[v]
        if sv < 0 or sv == dst_site[i] or (use_wanted and not wanted[sv]):
            continue
        if dst_time[i] < best[v]:
            best[v] = dst_time[i]
            site[v] = dst_site[i]
    return best, site


def second_starts(indptr, indices, w, s1, d1, dst, dst_site, dst_time, wanted=None):
    """Starts of the second-nearest search: per node, its best way into another cell.

    For every edge ``u -> v`` of the searched graph (``v`` reaches ``u``) between
    two cells (``s1[u] != s1[v]``, both reached), node ``v`` may start at
    ``d1[u] + w`` with label ``s1[u]``; a destination's own snap end ``dst`` starts
    at ``dst_time`` with label ``dst_site`` when that node's cell is another
    destination's. Only nodes of the ``wanted`` cells (bool per label) when given.

    Returns:
        (node int64, time_s, label int32) of the nodes with a start.
    """
    use = wanted is not None
    best, site = _second_starts(indptr, indices, w, np.asarray(s1, np.int32), np.asarray(d1, np.float64),
                                np.asarray(wanted, np.bool_) if use else np.zeros(1, np.bool_), use,
                                np.asarray(dst, np.int64), np.asarray(dst_site, np.int32),
                                np.asarray(dst_time, np.float64))
    node = np.flatnonzero(np.isfinite(best))
    return node, best[node], site[node]

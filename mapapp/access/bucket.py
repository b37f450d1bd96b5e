"""The engine's search kernel: a multi-source Dijkstra on a monotone bucket queue (numba).

Why a bucket queue: on a 302,000-node grid a binary heap (scipy, C++, numba)
spends its time sifting; a monotone bucket queue (Dial) makes every queue
operation O(1) (issue 15 measured it 3x faster than binary heaps).

The queue, and why it stays **exact** (float64 seconds, no rounding):

- bucket ``b`` holds the queued nodes whose tentative time ``d`` has
  ``floor(d / width) == b``; the buckets are a circular array of
  ``floor(max edge time / width) + 3`` stacks, so memory is bounded whatever
  the times (a queued node is never more than one edge ahead of the bucket
  being scanned). An improved node is pushed again rather than moved (lazy
  deletion: measured ~20 % faster than doubly linked lists); an entry whose
  node was already scanned at its current time is skipped;
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
            dist, label, scanned, head, e_node, e_next, touched, n_touched):
    """One multi-source search; ``dist``/``label`` updated in place; returns ``n_touched``, or -1 when the
    entry arrays ``e_node``/``e_next`` are too small (the caller resets and retries with larger ones).

    Each bucket is a stack of entries (node); an improved node gets a new entry
    and its older ones go stale: an entry is skipped when its node was
    already scanned at its current time (``scanned``). ``touched`` receives
    every node whose ``dist`` became finite (to reset them later).
    """
    ns = s_node.shape[0]
    sp = 0
    ne = 0  # entries used (a search ends with every bucket empty: they are all free again)
    cap = e_node.shape[0]
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
                if dist[v] == np.inf:
                    touched[n_touched] = v
                    n_touched += 1
                dist[v] = d
                label[v] = s_label[sp]
                if ne == cap:
                    return -1
                hv = np.int64(d * inv) % n_buckets
                e_node[ne] = v
                e_next[ne] = head[hv]
                head[hv] = ne
                ne += 1
                queued += 1
            sp += 1
        h = cur % n_buckets
        while head[h] >= 0:
            e = head[h]
            head[h] = e_next[e]
            queued -= 1
            u = e_node[e]
            du = dist[u]
            if scanned[u] == du:  # stale entry: scanned at this time already
                continue
            scanned[u] = du
            lu = label[u]
            cu = cell[u] if use_cell else 0
            for k in range(indptr[u], indptr[u + 1]):
                v = indices[k]
                if use_cell and cell[v] != cu:
                    continue
                d = du + w[k]
                if d < dist[v] and d <= limit:
                    if dist[v] == np.inf:
                        touched[n_touched] = v
                        n_touched += 1
                    dist[v] = d
                    label[v] = lu
                    if ne == cap:
                        return -1
                    hv = np.int64(d * inv) % n_buckets
                    e_node[ne] = v
                    e_next[ne] = head[hv]
                    head[hv] = ne
                    ne += 1
                    queued += 1
        cur += 1
    return n_touched


def _n_buckets(w: np.ndarray, width: float) -> int:
    """A queued node is at most ``floor(max w / width) + 1`` buckets ahead; one more for float rounding.

    (Even a node filed in a wrong bucket would not make a time wrong: every
    improvement re-queues its node and the search ends only when no edge can
    improve any node. The order only decides how often nodes are re-scanned.)
    """
    return int((float(w.max()) if w.size else 0.0) / width) + 3


@njit(nogil=True, cache=True)
def _multi(indptr, indices, w, cell, use_cell, s_node, s_time, s_label, limit, inv, n_buckets, n):
    dist = np.full(n, np.inf)
    label = np.full(n, -1, np.int32)
    scanned = np.full(n, np.inf)
    head = np.full(n_buckets, -1, np.int32)
    touched = np.empty(n, np.int32)
    m = indices.shape[0] + s_node.shape[0] + 16  # enough without re-scans
    while _search(indptr, indices, w, cell, use_cell, s_node, s_time, s_label, limit, inv, n_buckets,
                  dist, label, scanned, head, np.empty(m, np.int32), np.empty(m, np.int32), touched, 0) < 0:
        m *= 2  # the queue ran out of entries (many re-scans): start again with twice as many
        dist[:] = np.inf
        label[:] = -1
        scanned[:] = np.inf
        head[:] = -1
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
    scanned = np.full(n, np.inf)
    head = np.full(n_buckets, -1, np.int32)
    touched = np.empty(n, np.int32)
    e_node = np.empty(1 << 16, np.int32)
    e_next = np.empty(1 << 16, np.int32)
    cell = np.zeros(1, np.int32)
    zero = np.zeros(s_node.shape[0], np.int32)
    cap = 1024
    o_node = np.empty(cap, np.int64)
    o_group = np.empty(cap, np.int32)
    o_time = np.empty(cap, np.float64)
    k = 0
    for j in range(ptr.shape[0] - 1):
        a, b = ptr[j], ptr[j + 1]
        nt = _search(indptr, indices, w, cell, False, s_node[a:b], s_time[a:b], zero[a:b], radius[j], inv,
                     n_buckets, dist, label, scanned, head, e_node, e_next, touched, 0)
        while nt < 0:  # out of queue entries: twice as many, and this search again from clean arrays
            e_node = np.empty(2 * e_node.shape[0], np.int32)
            e_next = np.empty(2 * e_next.shape[0], np.int32)
            dist[:] = np.inf
            scanned[:] = np.inf
            head[:] = -1
            nt = _search(indptr, indices, w, cell, False, s_node[a:b], s_time[a:b], zero[a:b], radius[j], inv,
                         n_buckets, dist, label, scanned, head, e_node, e_next, touched, 0)
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
            scanned[v] = np.inf
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

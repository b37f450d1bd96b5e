"""(origin, site, time) candidate lists and the two nearest sites of each origin.

The engine gathers, for every origin (population point or town hall),
candidate (site, seconds) pairs from several searches: every site found within
a bounded search radius, and the nearest and second-nearest sites of whole-graph
searches. Each candidate time is the exact time to that site or an upper bound
of it (a real path); :mod:`mapapp.access.run` explains why the two best
distinct candidates are exact.

Pair lists can be large where sites are dense (every point x every site
within the threshold), so everything here is linear: lists stay sorted by
(origin, site) and per-origin minima use ``ufunc.reduceat`` instead of sorting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mapapp.access.dijkstra import ReachPairs
from mapapp.network.graph import Snap


@dataclass(frozen=True, eq=False)
class Pairs:
    """(origin, site, seconds) rows, sorted by (origin, site), one per (origin, site)."""

    origin: np.ndarray
    site: np.ndarray
    time_s: np.ndarray

    def __len__(self) -> int:
        return int(self.origin.shape[0])

    def where(self, mask: np.ndarray) -> Pairs:
        """The rows where ``mask`` holds (still sorted)."""
        rows = np.flatnonzero(mask)  # once, not once per array
        return Pairs(self.origin.take(rows), self.site.take(rows), self.time_s.take(rows))


def _reduce_sorted(key: np.ndarray, site: np.ndarray, time_s: np.ndarray, n_sites: int) -> Pairs:
    """Rows sorted by ``key = origin * n_sites + site``: one per key, with the smallest time."""
    if key.size == 0:
        return Pairs(np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0))
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return Pairs(key[start] // n_sites, site[start], np.minimum.reduceat(time_s, start))


def origin_pairs(reach: ReachPairs, snap: Snap, n_nodes: int, n_sites: int) -> Pairs:
    """Node-level reach pairs read at origins through their snap.

    Args:
        reach: (node, site, seconds) with ``node`` in ``0 .. n_nodes-1`` (the
            numbering of ``snap``'s nodes) and ``site`` in ``0 .. n_sites-1``.
        snap: the origins' snap.

    Returns:
        :class:`Pairs`: per (origin, site), the minimum over the origin's snap
        ends of ``time_end_s + reach time``.
    """
    order = np.argsort(reach.node.astype(np.int64) * n_sites + reach.site, kind="stable")
    node, site, tsec = reach.node[order], reach.site[order], reach.time_s[order]
    start = np.searchsorted(node, np.arange(n_nodes + 1))
    keys, sites, times = [], [], []
    for nd, off in ((snap.node_a, snap.time_a_s), (snap.node_b, snap.time_b_s)):
        rows = np.flatnonzero(snap.snapped & (nd >= 0))
        lo, cnt = start[nd[rows]], start[nd[rows] + 1] - start[nd[rows]]
        rep = np.repeat(rows, cnt)
        at = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt) + np.repeat(lo, cnt)
        keys.append(rep.astype(np.int64) * n_sites + site[at])  # ascending: one sorted run per end
        sites.append(site[at])
        times.append(off[rep] + tsec[at])
    key = np.concatenate(keys)
    order = np.argsort(key, kind="stable")  # timsort: a linear merge of the two runs
    return _reduce_sorted(key[order], np.concatenate(sites)[order], np.concatenate(times)[order], n_sites)


def merge_pairs(a: Pairs, b: Pairs, n_sites: int) -> Pairs:
    """The union of two pair lists, keeping the smaller time of a pair present in both."""
    key = np.concatenate([a.origin.astype(np.int64) * n_sites + a.site, b.origin.astype(np.int64) * n_sites + b.site])
    order = np.argsort(key, kind="stable")
    return _reduce_sorted(key[order], np.concatenate([a.site, b.site])[order],
                          np.concatenate([a.time_s, b.time_s])[order], n_sites)


Top2 = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def empty_top2(k: int) -> Top2:
    return np.full(k, np.inf), np.full(k, -1, np.int32), np.full(k, np.inf), np.full(k, -1, np.int32)


def top2_of_pairs(k: int, pairs: Pairs) -> Top2:
    """(time1_s, site1, time2_s, site2) per origin from a sorted pair list; ``inf``/-1 when missing."""
    out = empty_top2(k)
    if len(pairs) == 0:
        return out
    p, s, t = pairs.origin, pairs.site, pairs.time_s
    start = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
    owner = p[start]
    count = np.diff(np.r_[start, p.size])
    seg = np.repeat(np.arange(start.size), count)
    m1 = np.minimum.reduceat(t, start)
    is1 = t == m1[seg]
    first1 = is1 & (np.cumsum(is1) - np.repeat(np.cumsum(is1)[start] - is1[start], count) == 1)
    rest = np.where(first1, np.inf, t)
    m2 = np.minimum.reduceat(rest, start)
    is2 = (rest == m2[seg]) & np.isfinite(rest)
    first2 = is2 & (np.cumsum(is2) - np.repeat(np.cumsum(is2)[start] - is2[start], count) == 1)
    out[0][owner], out[1][owner] = m1, s[first1]
    has2 = np.isfinite(m2)
    out[2][owner[has2]] = m2[has2]
    out[3][p[first2]] = s[first2]
    return out


def merge_top2(*tops: Top2) -> Top2:
    """The two best distinct sites among several top-two candidates per origin.

    Best: smallest time, ties to the smallest site number; second: the same
    among the other sites (numba kernel :func:`mapapp.access.top2.merge_two`;
    :func:`merge_top2_numpy` is its numpy twin).
    """
    from mapapp.access.top2 import merge_two

    t = np.stack([x for top in tops for x in (top[0], top[2])], axis=1).astype(np.float64, copy=False)
    s = np.stack([x for top in tops for x in (top[1], top[3])], axis=1).astype(np.int32, copy=False)
    return merge_two(np.ascontiguousarray(t), np.ascontiguousarray(s))


def merge_top2_numpy(*tops: Top2) -> Top2:
    """:func:`merge_top2` in numpy (the reference of its kernel)."""
    t = np.stack([x for top in tops for x in (top[0], top[2])], axis=1)
    s = np.stack([x for top in tops for x in (top[1], top[3])], axis=1)
    t = np.where(s >= 0, t, np.inf)
    order = np.lexsort((t, s), axis=1) if t.shape[1] else None  # by site, then time
    t, s = np.take_along_axis(t, order, 1), np.take_along_axis(s, order, 1)
    dup = np.zeros_like(t, dtype=bool)
    dup[:, 1:] = (s[:, 1:] == s[:, :-1]) & (s[:, 1:] >= 0)
    t = np.where(dup, np.inf, t)  # keep a site once, at its smaller time
    order = np.argsort(t, axis=1, kind="stable")
    t, s = np.take_along_axis(t, order, 1), np.take_along_axis(s, order, 1)
    s = np.where(np.isfinite(t), s, -1).astype(np.int32)
    return t[:, 0].copy(), s[:, 0].copy(), t[:, 1].copy(), s[:, 1].copy()

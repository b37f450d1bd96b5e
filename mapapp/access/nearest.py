"""The nearest destinations from ONE origin, by travel time: one forward Dijkstra.

The stored results (:mod:`mapapp.access.indicators`) keep, per population
point, the nearest and second-nearest site only. "The five nearest offers for
this person" needs more, for one origin: this module runs a single-source
search on the **forward** road graph from the origin's snap (made with
``direction="out"``) and reads the times at the destinations' snap nodes (made
with ``direction="in"``), with the same conventions as
:mod:`mapapp.access.dijkstra`:

- the origin leaves the graph's nodes ``node_a``/``node_b`` after
  ``time_a_s``/``time_b_s`` seconds; destination ``k`` is reached from its
  ``node_a[k]`` after ``time_a_s[k]`` more seconds, or from ``node_b[k]``;
- an origin and a destination on the same edge are joined through the edge's
  end nodes, never directly along the edge (at most the edge's travel time too
  much), as in the batch engine, so both give the same times;
- unreachable destinations (and unsnapped ones) have ``inf`` seconds.

Pure: arrays in, arrays out (scipy only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from mapapp.network.graph import RoadGraph, Snap


@dataclass(frozen=True, eq=False)
class NearestSites:
    """Destinations in increasing travel time (ties: lower index first).

    Attributes:
        index: int64 (k,), row of each destination in the ``sites`` snap.
        time_s: float64 (k,), seconds from the origin (finite).
    """

    index: np.ndarray
    time_s: np.ndarray

    def __len__(self) -> int:
        return int(self.index.shape[0])


def _one(snap: Snap, what: str) -> tuple[list[int], list[float]]:
    if len(snap) != 1:
        raise ValueError(f"{what} must have exactly one row, not {len(snap)}")
    if not bool(snap.snapped[0]):
        return [], []
    nodes, times = [], []
    for node, t in ((snap.node_a[0], snap.time_a_s[0]), (snap.node_b[0], snap.time_b_s[0])):
        if node >= 0 and np.isfinite(t):
            if t < 0:
                raise ValueError("snap times must be >= 0 seconds")
            nodes.append(int(node))
            times.append(float(t))
    return nodes, times


def times_from_origin(graph: RoadGraph | sp.csr_matrix, origin: Snap, sites: Snap, *,
                      limit_s: float = np.inf) -> np.ndarray:
    """Seconds from the origin to every destination; ``inf`` when unreachable (or beyond ``limit_s``).

    Args:
        graph: the mode's road graph, or its forward CSR matrix (``graph.csr()``,
            to reuse across calls).
        origin: a one-row :class:`Snap` of the origin (``direction="out"``).
        sites: the destinations' :class:`Snap` (``direction="in"``), same graph.
        limit_s: stop the search beyond this many seconds (a bound on the answer).
    """
    csr = graph.csr() if isinstance(graph, RoadGraph) else graph
    n = csr.shape[0]
    k = len(sites)
    out = np.full(k, np.inf)
    nodes, offsets = _one(origin, "origin")
    if not nodes or k == 0:
        return out
    if max(nodes) >= n:
        raise ValueError("origin snap nodes beyond the graph: was it snapped on another graph?")
    # One search per usable origin node (at most two); the remaining budget bounds each.
    node_time = np.full(n, np.inf)
    for node, offset in zip(nodes, offsets):
        budget = limit_s - offset
        if budget < 0:
            continue
        dist = dijkstra(csr, directed=True, indices=node, limit=budget)
        np.minimum(node_time, offset + dist, out=node_time)
    ok = np.asarray(sites.snapped, dtype=bool)
    for node, t in ((sites.node_a, sites.time_a_s), (sites.node_b, sites.time_b_s)):
        node = np.asarray(node, dtype=np.int64)
        t = np.asarray(t, dtype=np.float64)
        use = ok & (node >= 0) & np.isfinite(t)
        if np.any(node[use] >= n):
            raise ValueError("site snap nodes beyond the graph: were they snapped on another graph?")
        cand = np.full(k, np.inf)
        cand[use] = node_time[node[use]] + t[use]
        np.minimum(out, cand, out=out)
    out[out > limit_s] = np.inf
    return out


def nearest_sites_from_origin(graph: RoadGraph | sp.csr_matrix, origin: Snap, sites: Snap, *,
                              n: int | None = 5, limit_s: float = np.inf,
                              candidates: np.ndarray | None = None) -> NearestSites:
    """The ``n`` destinations nearest to the origin by travel time (fewer when fewer are reachable).

    Args:
        graph, origin, sites, limit_s: as in :func:`times_from_origin`.
        n: how many; ``None`` for every reachable destination.
        candidates: bool (k,), destinations allowed (eligibility, theme...);
            ``None`` for all.
    """
    if n is not None and n < 0:
        raise ValueError("n must be >= 0")
    times = times_from_origin(graph, origin, sites, limit_s=limit_s)
    if candidates is not None:
        candidates = np.asarray(candidates, dtype=bool)
        if candidates.shape != times.shape:
            raise ValueError("candidates must have one value per destination")
        times = np.where(candidates, times, np.inf)
    idx = np.flatnonzero(np.isfinite(times))
    idx = idx[np.lexsort((idx, times[idx]))]
    if n is not None:
        idx = idx[:n]
    return NearestSites(index=idx.astype(np.int64), time_s=times[idx])

"""The reference kernel of :mod:`mapapp.access.dijkstra`: ``scipy.sparse.csgraph.dijkstra``.

Used with ``kernel="scipy"`` (tests and ``scripts/bench_engine.py`` compare the
bucket kernel with it; it was the engine's kernel before issue 15). Each
labelled source group becomes a virtual node ``n + label`` of an *augmented*
reversed graph with one edge per source, weighted by its start time; one
``dijkstra(min_only=True)`` call from all virtual nodes solves the
multi-source problem, and its ``sources`` output names the label.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra


def augmented(rg, src: np.ndarray, dst: np.ndarray, weight_s: np.ndarray, n_virtual: int,
              data: np.ndarray | None = None) -> sp.csr_matrix:
    """The reversed graph ``rg`` plus ``n_virtual`` virtual nodes ``n .. n + n_virtual - 1``.

    Virtual node ``n + src[i]`` gets an edge to road node ``dst[i]`` of
    ``weight_s[i]`` seconds (0 is a valid weight). ``data`` replaces the road
    edges' weights (``inf`` disables an edge) when given.
    """
    n = rg.n_nodes
    src = np.asarray(src, dtype=np.int64)
    order = np.argsort(src, kind="stable")
    counts = np.bincount(src, minlength=n_virtual)
    indptr = np.concatenate([rg.indptr, rg.indptr[-1] + np.cumsum(counts, dtype=np.int32)])
    indices = np.concatenate([rg.indices, np.asarray(dst)[order].astype(np.int32)])
    weights = np.concatenate([rg.data if data is None else data, np.asarray(weight_s)[order].astype(np.float64)])
    size = n + n_virtual
    return sp.csr_matrix((weights, indices, indptr), shape=(size, size))


def multi(rg, node, time_s, label, n_labels: int, limit_s: float = np.inf, cell=None):
    """Multi-source search from (node, start, label): (time_s, label or -1) per road node.

    ``cell``: follow only the edges whose two ends are in the same cell.
    """
    n = rg.n_nodes
    data = None if cell is None else np.where(cell[rg.row] == cell[rg.indices], rg.data, np.inf)
    mat = augmented(rg, label, node, time_s, n_labels, data=data)
    dist, _, sources = dijkstra(mat, directed=True, indices=np.arange(n, n + n_labels),
                                min_only=True, return_predecessors=True, limit=limit_s)
    local = np.where(sources[:n] >= n, sources[:n] - n, -1).astype(np.int32)
    return dist[:n], local


def second_starts(rg, s1, d1, src, dst, w, wanted):
    """numpy twin of :func:`mapapp.access.bucket.second_starts`: (node, time_s, label) of the starts."""
    # reversed edge row -> col means forward col -> row: col's alternative via row
    u, v = rg.row, rg.indices
    su, sv = s1[u], s1[v]
    cross = (su != sv) & (su >= 0) & (sv >= 0)
    own = (s1[dst] >= 0) & (s1[dst] != src)
    node = np.concatenate([v[cross], dst[own]])
    time_s = np.concatenate([d1[u[cross]] + rg.data[cross], w[own]])
    site = np.concatenate([su[cross], src[own].astype(np.int32)]).astype(np.int32)
    order = np.lexsort((time_s, node))
    node, time_s, site = node[order], time_s[order], site[order]
    best = np.ones(node.size, dtype=bool)
    best[1:] = node[1:] != node[:-1]
    node, time_s, site = node[best], time_s[best], site[best]
    if wanted is not None:
        keep = wanted[s1[node]]
        node, time_s, site = node[keep], time_s[keep], site[keep]
    return node, time_s, site


def within(rg, src, dst, w, radius, keep):
    """One bounded search per label of ``src``: (node, label, time_s) with ``time <= radius[label]`` at ``keep``.

    Costs ~0.35 ms per label on 300k nodes beyond the catchment (scipy sets up
    whole-graph arrays per call).
    """
    n, k = rg.n_nodes, radius.size
    out_node, out_site, out_time = [], [], []
    if src.size:
        mat = augmented(rg, src, dst, w, k)
        for j in np.unique(src):
            if not radius[j] >= 0:
                continue
            dist = dijkstra(mat, directed=True, indices=n + int(j), min_only=True, limit=radius[j])
            t = dist[keep]
            hit = t <= radius[j]
            out_node.append(keep[hit])
            out_time.append(t[hit])
            out_site.append(np.full(int(hit.sum()), j, dtype=np.int64))
    if not out_node:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(out_node), np.concatenate(out_site), np.concatenate(out_time)

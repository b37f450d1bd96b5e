"""Travel times from every road node to the nearest destinations: the engine's kernel.

Every search here runs on the **reversed** road graph: a Dijkstra that starts
at the destinations and follows edges backwards gives, for every node, the time
needed to travel *from* that node *to* the nearest destination, so one search
serves all origins at once (oneway streets are respected).

Destinations join the graph through their :class:`~mapapp.network.graph.Snap`
(snapped with ``direction="in"``): destination ``k`` is reached from
``node_a[k]`` after ``time_a_s[k]`` more seconds, and from ``node_b[k]`` after
``time_b_s[k]``: each snap end is a *source* of one multi-source search,
starting at that offset and labelled with the destination, so one search
solves the problem exactly, offsets included, and names the nearest
destination.

Two kernels, both exact, chosen by ``kernel=`` (default :data:`KERNEL`):

- ``"bucket"``: the engine's own monotone bucket queue in numba
  (:mod:`mapapp.access.bucket`; float64 times, exact, releases the GIL). On the
  302k-node grid of issue 15 it is ~2-3x faster than scipy per search, and a
  bounded search costs its catchment only;
- ``"scipy"``, the reference (:mod:`mapapp.access.scipy_kernel`): one
  ``scipy.sparse.csgraph.dijkstra(min_only=True)`` call from one virtual node
  per destination of an augmented graph.

Origins read their time through their own Snap (``direction="out"``):
``min(time_a_s + T[node_a], time_b_s + T[node_b])`` (:func:`read_at_points`).

What is computed, and how:

- :func:`nearest_destination`: time to, and index of, the nearest destination
  (one Dijkstra).
- :func:`second_nearest_destination`: time to, and index of, the nearest
  destination *other than* the nearest one (one more Dijkstra). With ``x`` the
  nearest destination of node ``v``, the time from ``v`` to the nearest
  destination other than ``x`` obeys, over the edges ``v -> w``::

      d2(v) = min over w of  w(v, w) + (d1(w) if site1(w) != x else d2(w))

  (plus the direct offsets of destinations other than ``x`` snapped at ``v``).
  Edges that cross from one nearest-destination cell to another are therefore
  *starts* with known values, and the unknown ``d2`` only propagates along
  edges inside a cell: a second multi-source Dijkstra on the intra-cell edges,
  seeded with those starts, is exact. It costs about one more search (a
  multi-label search yielding both in one pass would touch every node twice
  anyway).
- :func:`destinations_within`: every (node, destination) pair closer than a
  radius, by one bounded search per destination (``limit=``). The work is the
  sum of the destinations' catchments, which is what exact overlap counts
  (*superposition des offres*) need; results are kept only at the nodes asked
  for (the origins' snap nodes), so memory stays small.

Times are float64 seconds summed along the path; they equal any other exact
shortest-path code (networkx...) up to floating-point summation order
(relative 1e-12). Ties between equally near destinations are broken
arbitrarily (by the queue). An origin and a destination on the same edge are
joined through the edge's end nodes, never directly along the edge: the error
is at most the edge's travel time.
"""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass

import numpy as np

from mapapp.access import scipy_kernel
from mapapp.network.graph import RoadGraph, Snap

#: ``site`` value of a node that reaches no destination.
NO_SITE = -1

#: The search kernel used by default: ``"bucket"`` (:mod:`mapapp.access.bucket`) or ``"scipy"``.
KERNEL = "bucket"


@dataclass(frozen=True, eq=False)
class NodeTimes:
    """The result of a search, one value per graph node.

    Attributes:
        time_s: float64 (n,), seconds from the node to its destination;
            ``inf`` when no destination can be reached (or none within the
            search limit).
        site: int32 (n,), the destination reached (its ``dest_index`` value),
            ``NO_SITE`` (-1) where ``time_s`` is ``inf``.
    """

    time_s: np.ndarray
    site: np.ndarray

    def __len__(self) -> int:
        return int(self.time_s.shape[0])

    def take(self, nodes: np.ndarray) -> NodeTimes:
        """The values at ``nodes`` only (e.g. the snap nodes of the origins)."""
        return NodeTimes(self.time_s[nodes], self.site[nodes])


@dataclass(frozen=True, eq=False)
class ReachPairs:
    """(node, destination) pairs within a destination's search radius.

    Attributes:
        node: int64 (e,), graph node.
        site: int32 (e,), destination (its ``dest_index`` value).
        time_s: float64 (e,), seconds from the node to that destination (exact).
    """

    node: np.ndarray
    site: np.ndarray
    time_s: np.ndarray

    def __len__(self) -> int:
        return int(self.node.shape[0])


class RoutingGraph:
    """The reversed graph of a :class:`RoadGraph`, ready for repeated searches.

    Plain arrays only, so it pickles cheaply to worker processes. Parallel
    edges are kept at their minimum time (see :meth:`RoadGraph.csr`).

    Attributes:
        n_nodes: number of road nodes.
        indptr, indices, data: CSR (int32, int32, float64) of the reversed graph: row ``u`` lists the
            forward edges ``v -> u`` as (``v``, time in seconds).
        row: int32 (m,), the row of each reversed edge (``indices`` are the
            other ends).
    """

    def __init__(self, graph: RoadGraph):
        rev = graph.csr("time_s").T.tocsr()
        rev.sort_indices()
        self.n_nodes = graph.n_nodes
        # int32 like scipy's csgraph, so that no call converts (copies) the index arrays
        self.indptr = rev.indptr.astype(np.int32, copy=False)
        self.indices = rev.indices.astype(np.int32, copy=False)
        self.data = rev.data.astype(np.float64, copy=False)
        if self.data.size and not np.all(self.data >= 0):
            raise ValueError("edge times must be >= 0 seconds")
        self.row = np.repeat(np.arange(self.n_nodes, dtype=np.int32), np.diff(self.indptr))
        self._fingerprint: str | None = None
        self._width: float | None = None

    def bucket_width(self) -> float:
        """The bucket queue's width for this graph (:func:`mapapp.access.bucket.bucket_width`), cached."""
        if self._width is None:
            from mapapp.access.bucket import bucket_width

            self._width = bucket_width(self.data)
        return self._width

    def fingerprint(self) -> str:
        """A content hash of the routable graph (structure and times), for digests."""
        if self._fingerprint is None:
            h = hashlib.blake2b(digest_size=16)
            for arr in (self.indptr, self.indices, self.data):
                h.update(np.ascontiguousarray(arr).tobytes())
            self._fingerprint = h.hexdigest()
        return self._fingerprint


_ROUTING: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def routing_graph(graph: RoadGraph | RoutingGraph) -> RoutingGraph:
    """The :class:`RoutingGraph` of ``graph``, built once and cached per graph object."""
    if isinstance(graph, RoutingGraph):
        return graph
    cached = _ROUTING.get(graph)
    if cached is None:
        cached = _ROUTING[graph] = RoutingGraph(graph)
    return cached


def _dest_edges(snap: Snap, n_nodes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(destination k, road node, offset seconds) for every usable snap end."""
    k = np.arange(len(snap), dtype=np.int64)
    ok = np.asarray(snap.snapped, dtype=bool)
    srcs, dsts, ws = [], [], []
    for node, t in ((snap.node_a, snap.time_a_s), (snap.node_b, snap.time_b_s)):
        node = np.asarray(node, dtype=np.int64)
        t = np.asarray(t, dtype=np.float64)
        use = ok & (node >= 0) & np.isfinite(t)
        if np.any(node[use] >= n_nodes) or np.any(t[use] < 0):
            raise ValueError("snap nodes must be graph nodes and snap times >= 0 seconds")
        srcs.append(k[use])
        dsts.append(node[use])
        ws.append(t[use])
    return np.concatenate(srcs), np.concatenate(dsts), np.concatenate(ws)


def _check_index(dest_index, k: int) -> np.ndarray:
    if dest_index is None:
        return np.arange(k, dtype=np.int32)
    idx = np.asarray(dest_index, dtype=np.int32)
    if idx.shape != (k,):
        raise ValueError(f"dest_index must have one value per destination ({k})")
    if np.unique(idx).size != k or (k and idx.min() < 0):
        raise ValueError("dest_index values must be unique and >= 0")
    return idx


def _unreached(n: int) -> NodeTimes:
    return NodeTimes(np.full(n, np.inf), np.full(n, NO_SITE, dtype=np.int32))


def _multi(rg: RoutingGraph, kernel: str, node, time_s, label, n_labels: int, limit_s: float = np.inf,
           cell=None) -> tuple[np.ndarray, np.ndarray]:
    """Multi-source search on ``rg`` from (node, time, label) starts: (time_s, label or -1) per road node."""
    kernel = kernel or KERNEL
    if kernel == "bucket":
        from mapapp.access import bucket

        return bucket.multi_source(rg.indptr, rg.indices, rg.data, rg.n_nodes, node, time_s, label,
                                   limit=limit_s, cell=cell, width=rg.bucket_width())
    if kernel != "scipy":
        raise ValueError(f"unknown kernel {kernel!r} (bucket, scipy)")
    return scipy_kernel.multi(rg, node, time_s, label, n_labels, limit_s, cell)


def nearest_destination(graph: RoadGraph | RoutingGraph, dest_snap: Snap, dest_index=None,
                        *, limit_s: float = np.inf, kernel: str | None = None) -> NodeTimes:
    """Time from every node to its nearest destination, and which one.

    One multi-source Dijkstra on the reversed graph from all destinations, each
    starting with its snap offsets.

    Args:
        graph: the road graph of one mode (or its cached :class:`RoutingGraph`).
        dest_snap: the destinations' Snap (``direction="in"``). Unsnapped
            destinations are ignored.
        dest_index: int (k,), unique non-negative ids reported in ``site``
            (e.g. row numbers in the full site table); default ``0 .. k-1``.
        limit_s: stop searching beyond this many seconds (nodes further are
            ``inf``); default unbounded.
        kernel: ``"bucket"`` (:mod:`mapapp.access.bucket`) or ``"scipy"``
            (the reference); both exact. Default: :data:`KERNEL`, read at
            each call (a benchmark may switch the whole engine).

    Returns:
        :class:`NodeTimes` with ``time_s`` (seconds) and ``site`` per node.
    """
    rg = routing_graph(graph)
    idx = _check_index(dest_index, len(dest_snap))
    src, dst, w = _dest_edges(dest_snap, rg.n_nodes)
    if src.size == 0:
        return _unreached(rg.n_nodes)
    time_s, local = _multi(rg, kernel, dst, w, src, len(dest_snap), limit_s)
    return NodeTimes(time_s, np.where(local >= 0, idx[np.maximum(local, 0)], NO_SITE).astype(np.int32))


def second_nearest_destination(graph: RoadGraph | RoutingGraph, dest_snap: Snap, first: NodeTimes,
                               dest_index=None, *, cells_of=None, kernel: str | None = None) -> NodeTimes:
    """Time from every node to its nearest destination other than ``first.site``.

    Args:
        graph, dest_snap, dest_index: exactly as given to
            :func:`nearest_destination`.
        first: the result of :func:`nearest_destination` for them.
        cells_of: int (q,) nodes; when given, only the nodes whose nearest
            destination is the nearest destination of one of these nodes (their
            *cells*) are computed, the others are left ``inf``/-1. The search
            never leaves a cell, so this is exact for those cells and saves
            the work on the others.
        kernel: as for :func:`nearest_destination`.

    Returns:
        :class:`NodeTimes`: ``time_s`` is ``inf`` and ``site`` -1 where fewer
        than two destinations are reachable. When two destinations tie for
        nearest, the second one has the same time.
    """
    rg = routing_graph(graph)
    n = rg.n_nodes
    k = len(dest_snap)
    idx = _check_index(dest_index, k)
    src, dst, w = _dest_edges(dest_snap, n)
    if src.size == 0:
        return _unreached(n)
    # first.site in local destination numbers
    lookup = np.full(int(idx.max()) + 1, NO_SITE, dtype=np.int32)
    lookup[idx] = np.arange(k, dtype=np.int32)
    s1 = np.where(first.site >= 0, lookup[np.maximum(first.site, 0)], NO_SITE)
    wanted = None
    if cells_of is not None:
        cells = s1[np.asarray(cells_of, dtype=np.int64)]
        wanted = np.zeros(k, dtype=bool)
        wanted[cells[cells >= 0]] = True
    if (kernel or KERNEL) == "bucket":
        from mapapp.access import bucket

        node, time_s, site = bucket.second_starts(rg.indptr, rg.indices, rg.data, s1, first.time_s, dst, src, w,
                                                  wanted)
    else:
        node, time_s, site = scipy_kernel.second_starts(rg, s1, first.time_s, src, dst, w, wanted)
    if node.size == 0:
        return _unreached(n)
    # the cell-boundary nodes start with their candidate; the search never leaves a cell
    d2, local = _multi(rg, kernel, node, time_s, site, k, cell=s1)
    return NodeTimes(d2, np.where(local >= 0, idx[np.maximum(local, 0)], NO_SITE).astype(np.int32))


def destinations_within(graph: RoadGraph | RoutingGraph, dest_snap: Snap, radius_s, nodes=None,
                        dest_index=None, *, kernel: str | None = None) -> ReachPairs:
    """All (node, destination) pairs with a travel time of at most the destination's radius.

    One Dijkstra bounded by ``limit=radius`` per destination: with the bucket
    kernel the cost is the sum of the catchments (scipy adds ~0.35 ms per
    destination on 300k nodes to set up its arrays).

    Args:
        graph, dest_snap, dest_index: as for :func:`nearest_destination`.
        radius_s: float or float (k,), seconds; pairs with ``time <= radius``
            are kept.
        nodes: int (q,), keep pairs at these nodes only (default: all nodes).
        kernel: as for :func:`nearest_destination`.

    Returns:
        :class:`ReachPairs`, grouped by destination.
    """
    rg = routing_graph(graph)
    n, k = rg.n_nodes, len(dest_snap)
    idx = _check_index(dest_index, k)
    radius = np.broadcast_to(np.asarray(radius_s, dtype=np.float64), (k,))
    keep = np.arange(n) if nodes is None else np.asarray(nodes, dtype=np.int64)
    src, dst, w = _dest_edges(dest_snap, n)
    if (kernel or KERNEL) == "bucket":
        from mapapp.access import bucket

        mask = np.zeros(n, dtype=bool)
        mask[keep] = True
        node, group, time_s = bucket.within(rg.indptr, rg.indices, rg.data, n, src, dst, w, radius, mask,
                                            width=rg.bucket_width())
        return ReachPairs(node, idx[group].astype(np.int32), time_s)
    node, local, time_s = scipy_kernel.within(rg, src, dst, w, radius, keep)
    return ReachPairs(node, idx[local].astype(np.int32), time_s)


def read_at_points(times: NodeTimes, snap: Snap) -> NodeTimes:
    """The time (and destination) of each origin point, through its snap.

    ``min(time_a_s + T[node_a], time_b_s + T[node_b])``; ``inf``/-1 for
    unsnapped points. ``times`` may be full (indexed by road node) or any
    array the snap's nodes index into.
    """
    return _read(snap, lambda end: (times.time_s[end], times.site[end]))


def read_second_at_points(first: NodeTimes, second: NodeTimes, snap: Snap,
                          point_site: np.ndarray) -> NodeTimes:
    """The time to the nearest destination other than ``point_site``, per origin point.

    Through each snap end, the best destination other than the point's own
    nearest is the end's nearest if it differs, else the end's second nearest.
    """
    point_site = np.asarray(point_site)

    def at(end, rows):
        s1 = first.site[end]
        other = s1 != point_site[rows]
        return (np.where(other, first.time_s[end], second.time_s[end]),
                np.where(other, s1, second.site[end]))

    return _read(snap, at, with_rows=True)


def _read(snap: Snap, at, with_rows: bool = False) -> NodeTimes:
    k = len(snap)
    best_t = np.full(k, np.inf)
    best_s = np.full(k, NO_SITE, dtype=np.int32)
    ok = np.asarray(snap.snapped, dtype=bool)
    for node, off in ((snap.node_a, snap.time_a_s), (snap.node_b, snap.time_b_s)):
        node = np.asarray(node, dtype=np.int64)
        rows = np.flatnonzero(ok & (node >= 0))
        t_end, s_end = at(node[rows], rows) if with_rows else at(node[rows])
        t = np.asarray(off, dtype=np.float64)[rows] + t_end
        better = t < best_t[rows]
        best_t[rows[better]] = t[better]
        best_s[rows[better]] = s_end[better]
    best_s[~np.isfinite(best_t)] = NO_SITE
    return NodeTimes(best_t, best_s)

"""The routable graph of one travel mode, held as compact arrays (CSR).

This module is the contract between :mod:`mapapp.network` (which builds graphs
from OpenStreetMap files and snaps points onto them) and :mod:`mapapp.access`
(which routes on them). It has no dependency on Flask, the database or osmnx.

Conventions:

- nodes are numbered ``0 .. n-1``; edges ``0 .. m-1``;
- the forward adjacency is CSR: the edges leaving node ``u`` are
  ``indptr[u]:indptr[u + 1]``, their target nodes are ``head[...]``;
- ``time_s`` is the free-flow travel time of each directed edge, in seconds;
  a two-way road is two directed edges;
- coordinates are WGS84 degrees (EPSG:4326).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

MODES = ("car", "walk", "bike")

#: Road classes known to the profile; ``road_class`` arrays index into this tuple.
ROAD_CLASSES = (
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "road",
    "track",
    "pedestrian",
    "footway",
    "path",
    "cycleway",
    "steps",
    "bridleway",
    "busway",
    "other",
)
ROAD_CLASS_INDEX = {name: i for i, name in enumerate(ROAD_CLASSES)}


@dataclass(frozen=True, eq=False)
class EdgeGeometry:
    """The true shape of each edge, for graphs whose edges span several OSM nodes.

    :mod:`mapapp.network.build` keeps only intersections and dead ends as graph
    nodes; the OSM nodes in between become shape points, so that snapping still
    works on the real road. The shape of edge ``e`` is the run of points
    ``start[e], start[e] ± 1, ..., end[e]`` (``end < start`` when the edge runs
    against the stored order): the two directions of a road share one run.

    Attributes:
        lon, lat: float64 (p,), shape point coordinates in degrees (WGS84).
        start, end: int64 (m,), index of the edge's first and last shape point;
            the first is at the edge's tail node, the last at its head node.
    """

    lon: np.ndarray
    lat: np.ndarray
    start: np.ndarray
    end: np.ndarray


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """A directed road graph for one mode.

    Attributes:
        mode: ``"car"``, ``"walk"`` or ``"bike"``.
        node_id: int64 (n,), the OSM id of each node (any unique id for synthetic graphs).
        lon, lat: float64 (n,), node coordinates in degrees.
        indptr: int64 (n + 1,), CSR row pointers of the forward adjacency.
        head: int32 (m,), the target node of each edge.
        time_s: float64 (m,), travel time of each edge in seconds (> 0).
        length_m: float64 (m,), length of each edge in metres.
        road_class: uint8 (m,), index into :data:`ROAD_CLASSES`.
        meta: provenance and build report (source hash, profile version, what
            was dropped and why...). Plain JSON-serialisable values only.
        geometry: the edges' true shapes (:class:`EdgeGeometry`), or ``None``
            when every edge is the straight segment from its tail to its head.
            Routing ignores it; snapping uses it.
    """

    mode: str
    node_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    indptr: np.ndarray
    head: np.ndarray
    time_s: np.ndarray
    length_m: np.ndarray
    road_class: np.ndarray
    meta: dict = field(default_factory=dict)
    geometry: EdgeGeometry | None = None

    @property
    def n_nodes(self) -> int:
        return int(self.lon.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.head.shape[0])

    def tail(self) -> np.ndarray:
        """int32 (m,): the source node of each edge (expanded from ``indptr``)."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), np.diff(self.indptr))

    def csr(self, weight: str = "time_s") -> sp.csr_matrix:
        """The forward graph as a ``scipy.sparse.csr_matrix`` weighted by ``weight``.

        Parallel edges are kept at their minimum weight (csgraph reads the
        explicit entries; duplicates would otherwise be summed).
        """
        w = getattr(self, weight)
        mat = sp.csr_matrix((np.asarray(w, dtype=np.float64), self.head, self.indptr),
                            shape=(self.n_nodes, self.n_nodes))
        if mat.has_canonical_format:
            return mat
        coo = mat.tocoo()
        order = np.lexsort((coo.data, coo.col, coo.row))
        r, c, d = coo.row[order], coo.col[order], coo.data[order]
        keep = np.ones(r.shape[0], dtype=bool)
        keep[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
        return sp.csr_matrix((d[keep], (r[keep], c[keep])), shape=mat.shape)


@dataclass(frozen=True, eq=False)
class Snap:
    """How k points join a graph: each point reaches up to two graph nodes.

    A point is projected onto the nearest suitable edge; it then reaches the
    edge's end nodes. ``time_a_s``/``time_b_s`` include the access leg (straight
    line from the point to the projection, charged by the mode's policy:
    :mod:`mapapp.network.access_leg`) plus the travel along the edge between
    the projection and the node, in the direction allowed for the mode (see
    ``direction`` of :func:`mapapp.network.snap.snap_points`).

    Attributes:
        node_a, node_b: int64 (k,), graph nodes; -1 where there is none (a
            oneway edge gives one usable end; an unsnapped point gives none).
        time_a_s, time_b_s: float64 (k,), seconds; ``inf`` where the node is -1.
        access_m: float64 (k,), straight-line distance from the point to the
            road in metres; ``nan`` for unsnapped points.
        snapped: bool (k,), False when no suitable road lies within the
            maximum snapping distance.
        access_s: float64 (k,) or None, the seconds of the access leg
            included in both times (``nan`` for unsnapped points; None when
            unknown, e.g. a snap read back from a table).
    """

    node_a: np.ndarray
    time_a_s: np.ndarray
    node_b: np.ndarray
    time_b_s: np.ndarray
    access_m: np.ndarray
    snapped: np.ndarray
    access_s: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.node_a.shape[0])

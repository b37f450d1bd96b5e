"""Join points (homes, sites) to a road graph: nearest road segment, then its end nodes.

Each point is projected onto the *exactly* nearest segment of a suitable road
(the true road shape when the graph carries
:class:`~mapapp.network.graph.EdgeGeometry`). From the projection it reaches
the two end nodes of that road's edge, each in the direction the mode allows:

- ``direction="out"``: the point is an origin; a node is usable when it can be
  reached *from* the projection (along a oneway road, only the node ahead);
- ``direction="in"``: the point is a destination; a node is usable when the
  projection can be reached *from* it.

The time to a node is the access leg (straight line from the point to the
projection), charged as the mode's :class:`~mapapp.network.access_leg.AccessLeg`
policy says (``none`` for car by default, the field's convention; walked at
:data:`~mapapp.network.profile.WALK_KMH` for walk and bike), plus the travel
along the edge between the projection and the node, in proportion to the
edge's length.

Nearest-segment search: segments are sampled every at most
:data:`SAMPLE_SPACING_M` metres and the samples put in a
:class:`scipy.spatial.cKDTree`. Every point of a segment lies within half a
spacing ``h`` of one of its samples, so once a segment at distance ``d`` is
found, every segment that could be nearer has a sample within ``d + h``: the
search asks for more neighbours until that ball is covered, hence exact.
Distances are computed in Earth-centred 3D coordinates on the sphere of
:data:`~mapapp.network.build.EARTH_RADIUS_M`: no projection to choose, and
the straight 3D distance equals the ground distance to a millimetre at the
scale of a snap.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from .access_leg import WALK, AccessLeg
from .build import EARTH_RADIUS_M, haversine_m
from .graph import ROAD_CLASS_INDEX, ROAD_CLASSES, RoadGraph, Snap

#: Points farther than this from any suitable road are left unsnapped, metres.
#: 3 km is already a 40-minute walk: a population point that far from any road
#: (a mountain square, a point at sea) is better reported than silently tied
#: to a distant road.
MAX_SNAP_M = 3000.0

#: Classes a point is never snapped onto: nobody lives on, or reaches a site
#: from, a motorway or a slip road; French trunk roads (routes nationales,
#: routes territoriales in Corsica) do cross villages and keep their houses,
#: so ``trunk`` stays snappable but ``trunk_link`` (ramps) does not.
NO_SNAP_CLASSES = ("motorway", "motorway_link", "trunk_link")

#: Spacing of the sample points of the KD-tree along segments, metres. Smaller
#: means more samples (memory) but fewer neighbours to ask per point.
SAMPLE_SPACING_M = 40.0

#: Another edge joining the same two nodes as the nearest one (the other
#: carriageway of a road drawn as two oneway ways) is used too when it lies
#: at most this much farther than the nearest, metres: the point can join
#: the road in either direction, as it could on a single two-way way.
TWIN_TOLERANCE_M = 15.0

_FIRST_K = 16
_MAX_K = 4096
_CHUNK = 20_000


@dataclass(frozen=True, eq=False)
class _SnapIndex:
    """Segments of the snappable links of a graph, with a KD-tree of their samples."""

    tree: cKDTree | None
    half_spacing_m: float
    sample_seg: np.ndarray  # int64 (s,), segment of each sample
    seg_a: np.ndarray  # float64 (q, 3), segment start (3D, metres)
    seg_b: np.ndarray  # float64 (q, 3), segment end
    seg_link: np.ndarray  # int64 (q,)
    seg_offset_m: np.ndarray  # float64 (q,), distance along the link to the segment start
    seg_len_m: np.ndarray  # float64 (q,)
    link_len_m: np.ndarray  # float64 (L,)
    link_lo: np.ndarray  # int64 (L,), graph node at the start of the link's shape
    link_hi: np.ndarray  # int64 (L,), graph node at its end
    time_fwd_s: np.ndarray  # float64 (L,), edge time lo -> hi (inf when none)
    time_bwd_s: np.ndarray  # float64 (L,), edge time hi -> lo (inf when none)
    link_class: np.ndarray  # uint8 (L,), road class of the link


_INDEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _xyz(lon, lat) -> np.ndarray:
    """Earth-centred coordinates in metres on the sphere, (n, 3)."""
    lon, lat = np.radians(lon), np.radians(lat)
    cos_lat = np.cos(lat)
    return EARTH_RADIUS_M * np.column_stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)])


def _links(graph: RoadGraph):
    """Per edge: link key, whether it runs along the link, and shape arrays.

    A *link* is one road stretch between two graph nodes; its two directions
    are two edges sharing the link's shape.
    """
    tail = graph.tail().astype(np.int64)
    head = graph.head.astype(np.int64)
    geom = graph.geometry
    if geom is not None:
        along = geom.start <= geom.end
        lo_row, hi_row = np.minimum(geom.start, geom.end), np.maximum(geom.start, geom.end)
        key = lo_row * (geom.lon.shape[0] + 1) + hi_row
        return key, along, tail, head, geom.lon, geom.lat, lo_row, hi_row
    # straight edges: the link of u -> v and v -> u is the segment between them
    along = tail <= head
    lo_node, hi_node = np.minimum(tail, head), np.maximum(tail, head)
    key = lo_node * (graph.n_nodes + 1) + hi_node
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    shape_lon = np.column_stack([graph.lon[lo_node[first]], graph.lon[hi_node[first]]]).ravel()
    shape_lat = np.column_stack([graph.lat[lo_node[first]], graph.lat[hi_node[first]]]).ravel()
    return key, along, tail, head, shape_lon, shape_lat, 2 * inverse, 2 * inverse + 1


def _build_index(graph: RoadGraph, exclude: frozenset[int]) -> _SnapIndex:
    key, along, tail, head, shape_lon, shape_lat, lo_row, hi_row = _links(graph)
    ok = ~np.isin(graph.road_class, list(exclude)) & (tail != head if graph.geometry is None else True)
    edges = np.flatnonzero(ok)
    keys, link_of_edge = np.unique(key[edges], return_inverse=True)
    n_links = keys.shape[0]
    link_lo = np.empty(n_links, dtype=np.int64)
    link_hi = np.empty(n_links, dtype=np.int64)
    e_along = along[edges]
    link_lo[link_of_edge] = np.where(e_along, tail[edges], head[edges])
    link_hi[link_of_edge] = np.where(e_along, head[edges], tail[edges])
    time_fwd = np.full(n_links, np.inf)
    time_bwd = np.full(n_links, np.inf)
    np.minimum.at(time_fwd, link_of_edge[e_along], graph.time_s[edges[e_along]])
    np.minimum.at(time_bwd, link_of_edge[~e_along], graph.time_s[edges[~e_along]])
    first_edge = edges[np.unique(link_of_edge, return_index=True)[1]]
    lo, hi = lo_row[first_edge], hi_row[first_edge]
    link_class = graph.road_class[first_edge].astype(np.uint8)

    # segments: rows lo .. hi - 1 of each link, each to the next row
    n_seg = hi - lo
    seg_link = np.repeat(np.arange(n_links), n_seg)
    seg_start = np.arange(int(n_seg.sum())) + np.repeat(lo - (np.cumsum(n_seg) - n_seg), n_seg)
    seg_len = haversine_m(shape_lon[seg_start], shape_lat[seg_start],
                          shape_lon[seg_start + 1], shape_lat[seg_start + 1])
    cum = np.cumsum(seg_len)
    link_end_cum = cum[np.cumsum(n_seg) - 1] if n_seg.size else np.empty(0)
    link_len = np.diff(np.concatenate([[0.0], link_end_cum]))
    seg_offset = cum - seg_len - np.repeat(link_end_cum - link_len, n_seg)
    xyz = _xyz(shape_lon, shape_lat)
    seg_a, seg_b = xyz[seg_start], xyz[seg_start + 1]

    # samples: midpoints of k equal parts of each segment, k = ceil(len / spacing)
    k = np.maximum(1, np.ceil(seg_len / SAMPLE_SPACING_M)).astype(np.int64)
    sample_seg = np.repeat(np.arange(seg_len.shape[0]), k)
    part = np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k)
    t = (part + 0.5) / k[sample_seg]
    samples = seg_a[sample_seg] + t[:, None] * (seg_b[sample_seg] - seg_a[sample_seg])
    half = float((seg_len / (2 * k)).max()) if seg_len.size else 0.0
    return _SnapIndex(
        tree=cKDTree(samples) if samples.shape[0] else None,
        half_spacing_m=half, sample_seg=sample_seg, seg_a=seg_a, seg_b=seg_b,
        seg_link=seg_link, seg_offset_m=seg_offset, seg_len_m=seg_len, link_len_m=link_len,
        link_lo=link_lo, link_hi=link_hi, time_fwd_s=time_fwd, time_bwd_s=time_bwd, link_class=link_class,
    )


def snap_index(graph: RoadGraph, exclude_classes: Iterable[str] = NO_SNAP_CLASSES) -> _SnapIndex:
    """The (cached) snapping index of ``graph`` without the ``exclude_classes`` roads."""
    unknown = [c for c in exclude_classes if c not in ROAD_CLASS_INDEX]
    if unknown:
        raise ValueError(f"unknown road class(es) {unknown}")
    exclude = frozenset(ROAD_CLASS_INDEX[c] for c in exclude_classes)
    per_graph = _INDEXES.setdefault(graph, {})
    if exclude not in per_graph:
        per_graph[exclude] = _build_index(graph, exclude)
    return per_graph[exclude]


def _project(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from points ``p`` to segments ``a``-``b`` and the projection's parameter t in [0, 1]."""
    ab = b - a
    denom = np.einsum("...i,...i->...", ab, ab)
    t = np.einsum("...i,...i->...", p - a, ab) / np.where(denom > 0, denom, 1.0)
    t = np.clip(np.where(denom > 0, t, 0.0), 0.0, 1.0)
    dist = np.linalg.norm(a + t[..., None] * ab - p, axis=-1)
    return dist, t


def _nearest(index: _SnapIndex, p: np.ndarray, bound_m: float):
    """Per point: nearest segment, its distance and t, and the nearest twin candidate."""
    n = p.shape[0]
    best_seg = np.full(n, -1, dtype=np.int64)
    best_d = np.full(n, np.inf)
    best_t = np.zeros(n)
    twin_seg = np.full(n, -1, dtype=np.int64)
    twin_d = np.full(n, np.inf)
    twin_t = np.zeros(n)
    n_samples = index.sample_seg.shape[0]
    todo = np.arange(n)
    k = _FIRST_K
    while todo.size:
        k_eff = min(k, n_samples)
        sd, si = index.tree.query(p[todo], k=k_eff, distance_upper_bound=bound_m)
        sd, si = sd.reshape(todo.size, k_eff), si.reshape(todo.size, k_eff)
        found = si < n_samples
        seg = np.where(found, index.sample_seg[np.minimum(si, n_samples - 1)], 0)
        d, t = _project(p[todo][:, None, :], index.seg_a[seg], index.seg_b[seg])
        d = np.where(found, d, np.inf)
        j = np.argmin(d, axis=1)
        rows = np.arange(todo.size)
        d0, s0 = d[rows, j], seg[rows, j]
        # twin: nearest candidate on another link joining the same two nodes
        link, link0 = index.seg_link[seg], index.seg_link[s0][:, None]
        lo, hi = index.link_lo[link], index.link_hi[link]
        lo0, hi0 = index.link_lo[link0], index.link_hi[link0]
        same_pair = ((lo == lo0) & (hi == hi0)) | ((lo == hi0) & (hi == lo0))
        twin_d_all = np.where(same_pair & (link != link0) & (d <= d0[:, None] + TWIN_TOLERANCE_M), d, np.inf)
        jt = np.argmin(twin_d_all, axis=1)
        # exact once the ball of radius d0 + tolerance + h holds no unseen sample
        covered = (sd[:, -1] > d0 + TWIN_TOLERANCE_M + index.half_spacing_m) | (k_eff >= n_samples) \
            | ~np.isfinite(sd[:, -1]) | (k >= _MAX_K)
        done = todo[covered]
        best_seg[done], best_d[done], best_t[done] = np.where(np.isfinite(d0), s0, -1)[covered], \
            d0[covered], t[rows, j][covered]
        tw = np.isfinite(twin_d_all[rows, jt]) & covered
        twin_seg[todo[tw]] = seg[rows, jt][tw]
        twin_d[todo[tw]] = twin_d_all[rows, jt][tw]
        twin_t[todo[tw]] = t[rows, jt][tw]
        todo = todo[~covered]
        k *= 4
    return best_seg, best_d, best_t, twin_seg, twin_d, twin_t


def _times(index: _SnapIndex, seg, d, t, direction: str, access_leg: AccessLeg):
    """Times from (``out``) or to (``in``) the link's lo and hi nodes, access leg included."""
    link = index.seg_link[seg]
    length = index.link_len_m[link]
    f = np.where(length > 0, (index.seg_offset_m[seg] + t * index.seg_len_m[seg]) / np.where(length > 0, length, 1), 0.0)
    # cumulated rounding can put f a hair outside [0, 1]: 1 - f would be a negative time (-1e-11 s),
    # hidden while every leg was walked, refused by the engine once it is free
    f = np.clip(f, 0.0, 1.0)
    fwd, bwd = index.time_fwd_s[link], index.time_bwd_s[link]
    if direction == "out":  # reach hi going along the link, lo going against it
        via_lo, via_hi, f_lo, f_hi = bwd, fwd, f, 1 - f
    else:  # come from lo going along, from hi going against
        via_lo, via_hi, f_lo, f_hi = fwd, bwd, f, 1 - f
    # a missing direction (inf) stays inf even at the very node (inf * 0 would be nan)
    to_lo = np.where(np.isfinite(via_lo), np.where(np.isfinite(via_lo), via_lo, 0.0) * f_lo, np.inf)
    to_hi = np.where(np.isfinite(via_hi), np.where(np.isfinite(via_hi), via_hi, 0.0) * f_hi, np.inf)
    access = access_leg.seconds(d)
    return link, access + to_lo, access + to_hi


def snap_points(
    graph: RoadGraph,
    lon,
    lat,
    direction: str = "out",
    max_snap_m: float = MAX_SNAP_M,
    exclude_classes: Iterable[str] = NO_SNAP_CLASSES,
    access_leg: AccessLeg = WALK,
) -> Snap:
    """Snap points onto the nearest suitable road of ``graph``.

    Args:
        graph: the mode's graph.
        lon, lat: array-like (k,), WGS84 degrees.
        direction: ``"out"`` for origins (times from the point to the nodes),
            ``"in"`` for destinations (times from the nodes to the point).
        max_snap_m: points farther than this from every suitable road are
            unsnapped, metres (default :data:`MAX_SNAP_M`).
        exclude_classes: road classes never snapped onto (default
            :data:`NO_SNAP_CLASSES`: motorways, their ramps and trunk ramps).
        access_leg: how the straight line from the point to the road is
            charged (:mod:`mapapp.network.access_leg`). Default ``walk`` (at
            walking speed); :func:`mapapp.compute.run_compute` passes the
            territory's policy per mode (``none`` for car by default).

    Returns:
        A :class:`~mapapp.network.graph.Snap`: ``node_a``/``node_b`` are the
        two ends of the nearest road's edge (-1 where the direction forbids),
        with the times in seconds; ``access_m`` is the distance to the road,
        ``access_s`` the seconds of it included in both times.
    """
    if direction not in ("out", "in"):
        raise ValueError(f"direction must be 'out' or 'in', not {direction!r}")
    lon = np.asarray(lon, dtype=np.float64).ravel()
    lat = np.asarray(lat, dtype=np.float64).ravel()
    if lon.shape != lat.shape:
        raise ValueError("lon and lat must have the same length")
    n = lon.shape[0]
    node_a = np.full(n, -1, dtype=np.int64)
    node_b = np.full(n, -1, dtype=np.int64)
    time_a = np.full(n, np.inf)
    time_b = np.full(n, np.inf)
    access_m = np.full(n, np.nan)
    access_s = np.full(n, np.nan)
    snapped = np.zeros(n, dtype=bool)
    index = snap_index(graph, exclude_classes)
    valid = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if index.tree is None or valid.size == 0:
        return Snap(node_a, time_a, node_b, time_b, access_m, snapped, access_s)

    bound = max_snap_m + TWIN_TOLERANCE_M + index.half_spacing_m
    # chunks bound the (points x neighbours x 3) temporaries to a few tens of MB
    parts = [_nearest(index, _xyz(lon[chunk], lat[chunk]), bound)
             for chunk in np.array_split(valid, max(1, -(-valid.size // _CHUNK)))]
    seg, d, t, tseg, td, tt = (np.concatenate(arrays) for arrays in zip(*parts))
    ok = (seg >= 0) & (d <= max_snap_m)
    pts, seg, d, t, tseg, td, tt = valid[ok], seg[ok], d[ok], t[ok], tseg[ok], td[ok], tt[ok]
    link, t_lo, t_hi = _times(index, seg, d, t, direction, access_leg)
    has_twin = np.flatnonzero(tseg >= 0)
    if has_twin.size:
        # the twin is at most TWIN_TOLERANCE_M farther: charged the nearest road's leg, so that
        # every time of a point carries the same access leg (what ``access_s`` reports)
        tlink, tw_lo, tw_hi = _times(index, tseg[has_twin], d[has_twin], tt[has_twin], direction, access_leg)
        same = index.link_lo[tlink] == index.link_lo[link[has_twin]]
        t_lo[has_twin] = np.minimum(t_lo[has_twin], np.where(same, tw_lo, tw_hi))
        t_hi[has_twin] = np.minimum(t_hi[has_twin], np.where(same, tw_hi, tw_lo))
    fin_lo, fin_hi = np.isfinite(t_lo), np.isfinite(t_hi)
    node_a[pts] = np.where(fin_lo, index.link_lo[link], -1)
    node_b[pts] = np.where(fin_hi, index.link_hi[link], -1)
    time_a[pts], time_b[pts] = t_lo, t_hi
    access_m[pts] = d
    access_s[pts] = access_leg.seconds(d)
    snapped[pts] = True
    return Snap(node_a, time_a, node_b, time_b, access_m, snapped, access_s)


def road_segments(graph: RoadGraph, exclude_classes: Iterable[str] = NO_SNAP_CLASSES):
    """The straight segments of ``graph``'s roads, once per road (not per direction), with their class.

    The segments of the snapping index (true road shapes), so that points
    placed on them (:mod:`mapapp.territory.dasymetric`) snap back onto the
    same road at zero distance.

    Returns:
        ``(lon_a, lat_a, lon_b, lat_b, road_class)``: float64 arrays of the
        segment ends in WGS84 degrees and an object array of class names
        (the fields of :class:`mapapp.territory.dasymetric.RoadSegments`).
    """
    index = snap_index(graph, exclude_classes)

    def lonlat(xyz):
        lon = np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0]))
        lat = np.degrees(np.arcsin(np.clip(xyz[:, 2] / EARTH_RADIUS_M, -1.0, 1.0)))
        return lon, lat

    lon_a, lat_a = lonlat(index.seg_a)
    lon_b, lat_b = lonlat(index.seg_b)
    names = np.asarray(ROAD_CLASSES, dtype=object)[index.link_class[index.seg_link]]
    return lon_a, lat_a, lon_b, lat_b, names

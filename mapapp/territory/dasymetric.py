"""Dasymetric placement: put the inhabitants of a population square where people live inside it.

An INSEE square (1 km or 200 m) tells how many people live in it, not where.
Its centre is an arbitrary point: in a rural 1 km square it may lie 2 km by
road from the village of the square, or in a forest far from any road. Routing
from the centre and charging a walk to the nearest road (mapapp before issue 10)
made a mountainous département look 6 points worse than the field's figures.

*Dasymetric mapping* redistributes a count known over a coarse zone onto the
parts of that zone where the phenomenon can be, using ancillary data (Wright,
1936, "A method of mapping densities of population", *Geographical Review*
26(1); Mennis, 2003, "Generating surface models of population using dasymetric
mapping", *The Professional Geographer* 55(1); Eicher & Brewer, 2001,
*Cartography and GIS* 28(2)). Here the ancillary data are the OpenStreetMap
roads where people live and, when the file has them, its buildings:

1. **Roads of the square.** The road segments of the territory's car graph are
   clipped to the square. The *populated* classes (:data:`POPULATED_CLASSES`:
   residential, living_street, unclassified, tertiary, road) are used when the
   square has any; otherwise the other roads one can live on
   (:data:`OTHER_CLASSES`: trunk, primary, secondary, service, track...; never
   motorways or ramps, :data:`NEVER_CLASSES`).
2. **Sample points.** ``K`` points are spaced evenly along the clipped roads
   (systematic sampling at ``(i + 1/2) L / K`` along their total length ``L``),
   with ``K = min(round(L / spacing_m), points_per_km2 × area)``, at least 1:
   4 points for a 1 km square with 1 km of road or more, 1 for a 200 m square.
   Each point stands for an equal length of road.
3. **Weights.** Without buildings in the square, each point carries ``1/K`` of
   the population (weight by road length). With OSM buildings in the square,
   each building counts once for the nearest sample point of its square, and
   the population is shared in proportion (points with no building are dropped):
   a house and a block of flats weigh the same, OSM rarely says more.
4. **Fallbacks.** A square without any road but with buildings gets one point
   at the mean of its buildings; a square with neither keeps its point (the
   centre, or the on-land point :mod:`mapapp.territory.population` chose).

Every point keeps its square's commune and ``square_id``; the square's
population is conserved exactly. Points that are not squares (one point per
commune, a ready-made CSV) are left as they are.

Pure: plain arrays and data frames in and out (shapely, pyproj); the road
segments come from :func:`mapapp.network.snap.road_segments` of a built graph,
the buildings from :func:`mapapp.network.buildings.building_points`.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

#: Bump when the placement rules or numbers change (part of every result's digest).
PLACEMENT_VERSION = "dasymetric-1"

#: Road classes where people live: the streets of towns, villages and hamlets.
POPULATED_CLASSES = frozenset({"residential", "living_street", "unclassified", "tertiary", "road"})
#: Classes nobody lives on.
NEVER_CLASSES = frozenset({"motorway", "motorway_link", "trunk_link", "primary_link", "secondary_link",
                           "tertiary_link", "steps", "busway"})
#: Every other class: used only in squares without any populated road (a farm on a main road...).
OTHER_CLASSES = "every class not in POPULATED_CLASSES or NEVER_CLASSES"

#: Most sample points per km² of square (4 for a 1 km square, 1 for a 200 m one).
POINTS_PER_KM2 = 4.0
#: One sample point per this much road, metres (a square with 300 m of road gets 1).
SPACING_M = 250.0

#: Values of the ``placement`` column.
ON_POPULATED_ROADS, ON_OTHER_ROADS, AT_BUILDINGS, AT_CENTRE, NOT_A_SQUARE = (
    "routes_habitees", "autres_routes", "batiments", "centre", "point")


@dataclass(frozen=True)
class RoadSegments:
    """Straight road segments (WGS84 degrees) with the OSM class name of each."""

    lon_a: np.ndarray
    lat_a: np.ndarray
    lon_b: np.ndarray
    lat_b: np.ndarray
    road_class: np.ndarray  # str (object) per segment


def place_population(points: pd.DataFrame, roads: RoadSegments, buildings: tuple[np.ndarray, np.ndarray] | None = None,
                     *, points_per_km2: float = POINTS_PER_KM2, spacing_m: float = SPACING_M) -> pd.DataFrame:
    """Spread each square's population over its populated roads (see the module docstring).

    Args:
        points: ``lon, lat, population, commune`` and, for squares,
            ``square_id`` and ``square_wkb`` (the square's polygon, WGS84 WKB;
            None for points that are not squares). Other columns are kept.
        roads: the road segments to place on.
        buildings: ``(lon, lat)`` of the OSM buildings, or None / empty.
        points_per_km2, spacing_m: see :data:`POINTS_PER_KM2`, :data:`SPACING_M`.

    Returns:
        The points, several per square: the input columns (``square_wkb``
        dropped), ``lon``/``lat``/``population`` replaced, plus ``placement``
        (:data:`ON_POPULATED_ROADS`... ) and ``source_row`` (the input row).
    """
    points = points.reset_index(drop=True)
    wkb = points["square_wkb"] if "square_wkb" in points.columns else pd.Series(None, index=points.index)
    is_square = wkb.notna().to_numpy()
    base = points.drop(columns=[c for c in ("square_wkb",) if c in points.columns])
    base = base.assign(placement=np.where(is_square, AT_CENTRE, NOT_A_SQUARE), source_row=np.arange(len(points)))
    rows = np.flatnonzero(is_square)
    if rows.size == 0:
        return base
    squares = shapely.from_wkb(wkb.to_numpy()[rows])
    crs = gpd.GeoSeries(squares, crs=4326).estimate_utm_crs()
    to_m = Transformer.from_crs(4326, crs, always_xy=True)
    sq_m = shapely.transform(squares, lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))

    samples = _road_samples(sq_m, squares, roads, to_m, points_per_km2, spacing_m)
    sx, sy, s_sq, s_tier = samples
    weight = np.ones(sx.shape[0])
    kind = np.where(s_tier == 0, ON_POPULATED_ROADS, ON_OTHER_ROADS).astype(object)
    bx = by = b_sq = np.zeros(0)
    if buildings is not None and len(buildings[0]):
        bx, by, b_sq = _buildings_in_squares(sq_m, buildings, to_m)
    if b_sq.size:
        weight, extra = _building_weights(sx, sy, s_sq, bx, by, b_sq, len(rows))
        if extra[0].size:  # squares without roads but with buildings: their mean position
            sx, sy, s_sq = np.r_[sx, extra[0]], np.r_[sy, extra[1]], np.r_[s_sq, extra[2]]
            weight = np.r_[weight, np.ones(extra[2].size)]
            kind = np.r_[kind, np.full(extra[2].size, AT_BUILDINGS, dtype=object)]
    keep = weight > 0
    sx, sy, s_sq, weight, kind = sx[keep], sy[keep], s_sq[keep], weight[keep], kind[keep]
    total = np.bincount(s_sq, weights=weight, minlength=len(rows))
    share = weight / total[s_sq]

    to_deg = Transformer.from_crs(crs, 4326, always_xy=True)
    lon, lat = to_deg.transform(sx, sy)
    src = rows[s_sq]
    placed = base.iloc[src].copy()
    placed["lon"], placed["lat"] = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    placed["population"] = points["population"].to_numpy(dtype=float)[src] * share
    placed["placement"] = kind
    done = np.zeros(len(points), dtype=bool)
    done[src] = True
    out = pd.concat([base[~done], placed]).sort_values("source_row", kind="stable")
    return out.reset_index(drop=True)


def placement_summary(placed: pd.DataFrame) -> dict[str, dict[str, float]]:
    """``{placement: {"squares": n, "population": p}}`` of a :func:`place_population` result."""
    out = {}
    for kind, g in placed.groupby("placement"):
        out[str(kind)] = {"squares": int(g["source_row"].nunique()), "population": float(g["population"].sum())}
    return out


def _road_samples(sq_m, squares_deg, roads: RoadSegments, to_m, points_per_km2, spacing_m):
    """Sample points on the clipped roads of each square: x, y (metres), square, tier (0 populated, 1 other)."""
    empty = (np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    cls = np.asarray(roads.road_class, dtype=object)
    usable = ~np.isin(cls, list(NEVER_CLASSES))
    # segments in the squares' extent only (a regional file holds far more roads)
    x0, y0, x1, y1 = shapely.total_bounds(squares_deg)
    lo_lon, hi_lon = np.minimum(roads.lon_a, roads.lon_b), np.maximum(roads.lon_a, roads.lon_b)
    lo_lat, hi_lat = np.minimum(roads.lat_a, roads.lat_b), np.maximum(roads.lat_a, roads.lat_b)
    usable &= (hi_lon >= x0) & (lo_lon <= x1) & (hi_lat >= y0) & (lo_lat <= y1)
    seg = np.flatnonzero(usable)
    if seg.size == 0:
        return empty
    ax, ay = to_m.transform(roads.lon_a[seg], roads.lat_a[seg])
    bx, by = to_m.transform(roads.lon_b[seg], roads.lat_b[seg])
    lines = shapely.linestrings(np.stack([np.column_stack([ax, ay]), np.column_stack([bx, by])], axis=1))
    pair_seg, pair_sq = shapely.STRtree(sq_m).query(lines, predicate="intersects")
    if pair_seg.size == 0:
        return empty
    clipped = shapely.intersection(lines[pair_seg], sq_m[pair_sq])
    parts, part_of = shapely.get_parts(clipped, return_index=True)
    is_line = (shapely.get_type_id(parts) == 1) & (shapely.length(parts) > 0)
    parts, part_of = parts[is_line], part_of[is_line]
    # a straight segment clipped by a polygon gives straight pieces: their two ends say it all
    start = shapely.get_coordinates(shapely.get_point(parts, 0))
    end = shapely.get_coordinates(shapely.get_point(parts, -1))
    length = shapely.length(parts)
    sq = pair_sq[part_of]
    tier = np.where(np.isin(cls[seg[pair_seg[part_of]]], list(POPULATED_CLASSES)), 0, 1)
    # per square, the best tier present
    best = np.full(len(sq_m), 2)
    np.minimum.at(best, sq, tier)
    use = tier == best[sq]
    start, end, length, sq, tier = start[use], end[use], length[use], sq[use], tier[use]
    order = np.lexsort((pair_seg[part_of][use], sq))  # by square, then along the road order
    start, end, length, sq, tier = start[order], end[order], length[order], sq[order], tier[order]

    total = np.bincount(sq, weights=length, minlength=len(sq_m))
    area_km2 = shapely.area(sq_m) / 1e6
    max_k = np.maximum(1, np.round(points_per_km2 * area_km2)).astype(np.int64)
    k = np.where(total > 0, np.clip(np.round(total / spacing_m), 1, max_k), 0).astype(np.int64)
    s_sq = np.repeat(np.arange(len(sq_m)), k)
    i = np.arange(s_sq.size) - np.repeat(np.cumsum(k) - k, k)
    cum = np.cumsum(length)
    square_base = np.zeros(len(sq_m))
    first = np.searchsorted(sq, np.arange(len(sq_m)))  # first piece of each square (sq is sorted)
    has = k > 0
    square_base[has] = cum[first[has]] - length[first[has]]
    pos = square_base[s_sq] + (i + 0.5) * total[s_sq] / k[s_sq]
    piece = np.minimum(np.searchsorted(cum, pos, side="right"), cum.size - 1)
    t = np.clip((pos - (cum[piece] - length[piece])) / length[piece], 0.0, 1.0)
    xy = start[piece] + t[:, None] * (end[piece] - start[piece])
    return xy[:, 0], xy[:, 1], s_sq, tier[piece]


def _buildings_in_squares(sq_m, buildings, to_m):
    """Buildings lying in a square: x, y (metres) and the square (the first one on a shared edge)."""
    lon, lat = (np.asarray(a, dtype=float) for a in buildings)
    x, y = to_m.transform(lon, lat)
    b, sq = shapely.STRtree(sq_m).query(shapely.points(x, y), predicate="intersects")
    first = np.unique(b, return_index=True)[1]
    b, sq = b[first], sq[first]
    return np.asarray(x)[b], np.asarray(y)[b], sq


def _building_weights(sx, sy, s_sq, bx, by, b_sq, n_squares):
    """Per sample: buildings of its square nearest to it (length weights in squares without building).

    Returns the weights and ``(x, y, square)`` of one extra point per square
    with buildings but no sample (the mean of its buildings).
    """
    weight = np.ones(sx.shape[0])
    n_samples = np.bincount(s_sq, minlength=n_squares)
    first = np.cumsum(n_samples) - n_samples  # samples are grouped by square, in order
    with_samples = n_samples[b_sq] > 0
    wb = np.flatnonzero(with_samples)
    if wb.size:
        sq = b_sq[wb]
        k_max = int(n_samples[sq].max())
        cand = first[sq][:, None] + np.arange(k_max)[None, :]
        valid = np.arange(k_max)[None, :] < n_samples[sq][:, None]
        cand = np.where(valid, cand, first[sq][:, None])
        d = np.hypot(sx[cand] - bx[wb][:, None], sy[cand] - by[wb][:, None])
        nearest = cand[np.arange(wb.size), np.argmin(np.where(valid, d, np.inf), axis=1)]
        counts = np.bincount(nearest, minlength=sx.shape[0]).astype(float)
        has_buildings = np.bincount(sq, minlength=n_squares) > 0
        weight = np.where(has_buildings[s_sq], counts, 1.0)
    nb = np.flatnonzero(~with_samples)
    if nb.size == 0:
        return weight, (np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64))
    squares, inverse = np.unique(b_sq[nb], return_inverse=True)
    n = np.bincount(inverse)
    mx = np.bincount(inverse, weights=bx[nb]) / n
    my = np.bincount(inverse, weights=by[nb]) / n
    return weight, (mx, my, squares)

"""The shape of the fictional département: outline, commune seats, polygons, populations.

Everything is computed in Lambert-93 metres (EPSG:2154) and converted to WGS84
only when files are written. The département (~80 × 70 km) sits, imaginarily,
in the Massif central; a ring of *buffer* communes surrounds it. A mountain
corner holds a few remote valley communes reached by a single winding road.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPoint, Point, Polygon

from . import names

LAMBERT93 = "EPSG:2154"
CENTER_LONLAT = (1.95, 45.20)
HALF_AXES_M = (40_000.0, 35_000.0)
BUFFER_WIDTH_M = 9_000.0
N_COMMUNES = 150
MOUNTAIN_RADIUS_M = 17_000.0

_TO_WGS84 = Transformer.from_crs(LAMBERT93, "EPSG:4326", always_xy=True)
_TO_L93 = Transformer.from_crs("EPSG:4326", LAMBERT93, always_xy=True)


def to_wgs84(x, y):
    return _TO_WGS84.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def rng_for(seed: int, *keys: int) -> np.random.Generator:
    """An independent random stream per component, so that changing one part
    (e.g. the road detail) never reshuffles another (e.g. the communes)."""
    return np.random.default_rng([seed, *keys])


@dataclass
class Commune:
    index: int
    code: str
    nom: str
    seat: np.ndarray  # (2,) Lambert-93
    kind: str  # prefecture, town, bourg, village
    population: int
    is_buffer: bool
    polygon: Polygon | None = None
    remote: bool = False
    urban_radius: float = 0.0  # radius of the built-up area around the seat (m)
    hamlets: list[tuple[float, float, float]] = field(default_factory=list)  # x, y, share


@dataclass
class Geography:
    seed: int
    outline: Polygon
    ring: Polygon
    communes: list[Commune]
    mountain_center: np.ndarray
    valley_gateway: int  # index of the non-remote commune where the valley road starts

    @property
    def inner(self) -> list[Commune]:
        return [c for c in self.communes if not c.is_buffer]

    @property
    def buffer(self) -> list[Commune]:
        return [c for c in self.communes if c.is_buffer]


def _outline(rng: np.random.Generator, center: np.ndarray) -> Polygon:
    theta = np.linspace(0, 2 * np.pi, 240, endpoint=False)
    r = np.ones_like(theta)
    for k in range(2, 9):
        r += rng.normal(0, 0.11 / k) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r = np.clip(r, 0.7, 1.3)
    rot = rng.uniform(-0.3, 0.3)
    x = HALF_AXES_M[0] * r * np.cos(theta)
    y = HALF_AXES_M[1] * r * np.sin(theta)
    xr = center[0] + x * np.cos(rot) - y * np.sin(rot)
    yr = center[1] + x * np.sin(rot) + y * np.cos(rot)
    return shapely.make_valid(Polygon(np.column_stack([np.round(xr, 1), np.round(yr, 1)])))


def _dart(
    rng, region: Polygon, existing: list[np.ndarray], count: int, min_dist, margin: float, max_tries: int = 200_000
) -> list[np.ndarray]:
    """Dart throwing: ``count`` points in ``region`` at least ``min_dist(p)`` apart."""
    inner = region.buffer(-margin)
    x0, y0, x1, y1 = inner.bounds
    pts = list(existing)
    out: list[np.ndarray] = []
    shapely.prepare(inner)
    for _ in range(max_tries):
        if len(out) == count:
            break
        p = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
        if not inner.contains(Point(p)):
            continue
        if pts:
            d = np.hypot(*(np.asarray(pts) - p).T)
            if d.min() < min_dist(p):
                continue
        pts.append(p)
        out.append(p)
    if len(out) < count:
        raise RuntimeError(f"could only place {len(out)} of {count} points")
    return out


def _tile(seats: np.ndarray, region: Polygon) -> list[Polygon]:
    """Voronoi cells of ``seats`` clipped to ``region``: a tiling without gaps or overlaps.

    A clipped cell may fall apart in several pieces; the pieces without the seat
    are handed to the neighbouring cell sharing the longest border with them.
    """
    extent = region.envelope.buffer(50_000)
    vor = shapely.voronoi_polygons(MultiPoint(seats), extend_to=extent, ordered=True)
    cells = [c.intersection(region) for c in vor.geoms]
    for _ in range(5):
        moved = False
        for i, cell in enumerate(cells):
            if cell.geom_type == "Polygon":
                continue
            parts = sorted(getattr(cell, "geoms", []), key=lambda g: -g.area)
            parts = [g for g in parts if g.geom_type == "Polygon"]
            keep = next((g for g in parts if g.contains(Point(seats[i]))), parts[0])
            cells[i] = keep
            for part in parts:
                if part is keep:
                    continue
                shared = [
                    (part.boundary.intersection(cells[j].boundary).length, j)
                    for j in range(len(cells))
                    if j != i and part.distance(cells[j]) < 1e-6
                ]
                best = max(shared)[1] if shared else i
                cells[best] = shapely.union(cells[best], part)
                moved = True
        if not moved:
            break
    return [shapely.normalize(shapely.make_valid(c)) for c in cells]


def build_geography(seed: int = 96) -> Geography:
    rng = rng_for(seed, 1)
    cx, cy = _TO_L93.transform(*CENTER_LONLAT)
    center = np.array([round(cx, 1), round(cy, 1)])
    outline = _outline(rng, center)
    ring = shapely.normalize(outline.buffer(BUFFER_WIDTH_M, quad_segs=6).difference(outline))

    # the mountain corner: towards the south-east, a little inside the border
    ang = -np.pi / 4 + rng.uniform(-0.3, 0.3)
    far = center + 80_000 * np.array([np.cos(ang), np.sin(ang)])
    edge = shapely.intersection(outline.exterior, shapely.LineString([center, far]))
    edge_pt = np.array(shapely.get_coordinates(edge)[0])
    toward_center = (center - edge_pt) / np.linalg.norm(center - edge_pt)
    mountain = edge_pt + 6_000 * toward_center

    # remote valley seats: a chain along the valley, and one lone side valley
    side = np.array([-toward_center[1], toward_center[0]])
    valley = [
        edge_pt + toward_center * d + side * s for d, s in ((3_500, 0), (8_500, 1_500), (13_500, 0), (6_000, -9_000))
    ]
    well_inside = outline.buffer(-2_000)
    for v in valley:  # a side valley may fall outside a concave border: move it inwards
        while not well_inside.contains(Point(v)):
            v += 500 * toward_center
    # the préfecture: across the département from the mountains, well inside the border
    exits = shapely.get_coordinates(
        shapely.intersection(outline.exterior, shapely.LineString([mountain, mountain + 150_000 * toward_center]))
    )
    d_max = float(np.max(np.linalg.norm(exits - mountain, axis=1)))
    d_pref = min(max(30_000.0, float(np.linalg.norm(center - mountain)) + 4_000), d_max - 12_000)
    prefecture = mountain + toward_center * d_pref + rng.uniform(-3_000, 3_000, 2)
    lowlands = outline.difference(Point(mountain).buffer(MOUNTAIN_RADIUS_M + 11_000))
    towns = _dart(rng, lowlands, [prefecture], 5, lambda p: 13_000, margin=6_000)

    def inner_spacing(p):
        if np.linalg.norm(p - prefecture) < 6_500:
            return 6_500
        if np.linalg.norm(p - mountain) < MOUNTAIN_RADIUS_M:
            return 6_500
        return 3_700

    fixed = [prefecture, *towns, *valley]
    others = _dart(rng, outline, fixed, N_COMMUNES - len(fixed), inner_spacing, margin=1_600)
    seats_in = np.array(fixed + others)
    kinds = ["prefecture"] + ["town"] * 5 + ["village"] * (N_COMMUNES - 6)
    remote = [False] * 6 + [True] * 4 + [False] * (N_COMMUNES - 10)
    bourg_idx = 10 + rng.choice(len(others), 14, replace=False)
    for i in bourg_idx:
        if np.linalg.norm(seats_in[i] - mountain) > MOUNTAIN_RADIUS_M:
            kinds[i] = "bourg"

    def ring_spacing(p):
        return 8_000 if np.linalg.norm(p - mountain) < MOUNTAIN_RADIUS_M + 6_000 else 5_200

    seats_out = np.array(_dart(rng, ring, [], 40, ring_spacing, margin=1_200))

    # populations
    pops = np.zeros(N_COMMUNES)
    pops[0] = rng.integers(48_500, 51_500)
    pops[1:6] = np.sort(rng.uniform(5_200, 14_500, 5))[::-1]
    for i in range(6, N_COMMUNES):
        d_pref = np.linalg.norm(seats_in[i] - prefecture)
        if kinds[i] == "bourg":
            pops[i] = rng.uniform(1_500, 4_200)
        else:
            pops[i] = np.clip(rng.lognormal(np.log(400), 0.75), 45, 1_400)
            if d_pref < 13_000:
                pops[i] *= 2.0  # the préfecture's suburbs
            if remote[i] or np.linalg.norm(seats_in[i] - mountain) < MOUNTAIN_RADIUS_M:
                pops[i] = max(40, pops[i] * 0.45)
    # villages absorb the difference to a total drawn between 205,000 and 235,000
    village = np.array([k == "village" for k in kinds])
    target = rng.uniform(205_000, 235_000)
    pops[village] *= (target - pops[~village].sum()) / pops[village].sum()
    pops = np.maximum(pops, 30)
    pops_out = np.clip(rng.lognormal(np.log(420), 0.8, len(seats_out)), 50, 2_500)
    far_from_mountain = [
        j for j, s in enumerate(seats_out) if np.linalg.norm(s - mountain) > MOUNTAIN_RADIUS_M + 15_000
    ]
    big = rng.choice(np.array(far_from_mountain), 2, replace=False)
    pops_out[big] = rng.uniform(4_500, 9_000, 2)

    # names, then INSEE-like codes in alphabetical order
    name_rng = rng_for(seed, 2)
    reserved = {names.PREFECTURE_NAME, names.ISLE_NAME}
    all_names = names.commune_names(N_COMMUNES + len(seats_out), name_rng, reserved)
    in_names = all_names[:N_COMMUNES]
    in_names[0] = names.PREFECTURE_NAME
    in_names[2] = names.ISLE_NAME
    out_names = all_names[N_COMMUNES:]

    communes: list[Commune] = []
    for i in range(N_COMMUNES):
        communes.append(
            Commune(i, "", in_names[i], seats_in[i], kinds[i], int(round(pops[i])), False, remote=remote[i])
        )
    for j, s in enumerate(seats_out):
        kind = "town" if j in set(big.tolist()) else "village"
        communes.append(Commune(N_COMMUNES + j, "", out_names[j], s, kind, int(round(pops_out[j])), True))
    for group, base in ((communes[:N_COMMUNES], 96_001), (communes[N_COMMUNES:], 96_501)):
        for k, c in enumerate(sorted(group, key=lambda c: names.sort_key(c.nom))):
            c.code = f"{base + k:05d}"

    for c, poly in zip(communes[:N_COMMUNES], _tile(seats_in, outline)):
        c.polygon = poly
    for c, poly in zip(communes[N_COMMUNES:], _tile(seats_out, ring)):
        c.polygon = poly

    _settlements(communes, rng_for(seed, 3))
    gateway = _nearest_non_remote(communes, valley[2])
    return Geography(seed, outline, ring, communes, mountain, gateway)


def _nearest_non_remote(communes: list[Commune], p: np.ndarray) -> int:
    cands = [c for c in communes if not c.remote and not c.is_buffer and c.kind == "village"]
    return min(cands, key=lambda c: float(np.linalg.norm(c.seat - p))).index


def _settlements(communes: list[Commune], rng: np.random.Generator) -> None:
    """Built-up radius around each seat, and hamlets (position and share of population)."""
    for c in communes:
        room = c.polygon.exterior.distance(Point(c.seat))
        c.urban_radius = float(max(150.0, min(120 + 9.5 * np.sqrt(c.population), 0.8 * room - 100)))
        n_hamlets = {"prefecture": 4, "town": 4, "bourg": 3}.get(c.kind, int(rng.integers(1, 4)))
        share_total = {"prefecture": 0.04, "town": 0.08, "bourg": 0.15}.get(c.kind, float(rng.uniform(0.25, 0.5)))
        inside = c.polygon.buffer(-350)
        if inside.is_empty:
            continue
        x0, y0, x1, y1 = inside.bounds
        found: list[np.ndarray] = []
        for _ in range(400):
            if len(found) == n_hamlets:
                break
            p = np.array([rng.uniform(x0, x1), rng.uniform(y0, y1)])
            if not inside.contains(Point(p)):
                continue
            if np.linalg.norm(p - c.seat) < c.urban_radius + 700:
                continue
            if any(np.linalg.norm(p - q) < 900 for q in found):
                continue
            found.append(p)
        if found:
            w = rng.uniform(0.5, 1.5, len(found))
            w = w / w.sum() * share_total
            c.hamlets = [(float(p[0]), float(p[1]), float(s)) for p, s in zip(found, w)]

"""Statistical grids (EPCI, cantons, bassins de vie, territoires d'action sociale)
and population points of the demo territory.

Each grid is a partition of the département's communes (buffer communes
excluded) into contiguous groups, grown from seed communes over the commune
adjacency graph. Population points mimic INSEE's gridded population: 200 m
squares where people live (towns, villages, hamlets) and a few 1 km squares for
scattered farms; their integer populations add up exactly to each commune's.
"""

from __future__ import annotations

import heapq

import numpy as np
import shapely
from shapely.geometry import Point

from . import names
from .geography import Commune, Geography

GRID_SPECS = {
    # grid: number of units
    "territoire_action_sociale": 4,
    "epci": 10,
    "canton": 12,
    "bassin_de_vie": 10,
}


def adjacency(communes: list[Commune], min_shared_m: float = 1.0) -> dict[int, list[int]]:
    """Communes sharing a border of at least ``min_shared_m`` metres (by list position)."""
    polys = [c.polygon for c in communes]
    tree = shapely.STRtree(polys)
    adj: dict[int, list[int]] = {i: [] for i in range(len(polys))}
    for i, poly in enumerate(polys):
        for j in sorted(int(k) for k in tree.query(poly, predicate="intersects")):
            if j > i and poly.boundary.intersection(polys[j].boundary).length >= min_shared_m:
                adj[i].append(j)
                adj[j].append(i)
    return {i: sorted(v) for i, v in adj.items()}


def _weight(c: Commune) -> float:
    return 1.0 + np.sqrt(c.population) / 10.0


def grow_regions(communes: list[Commune], adj: dict[int, list[int]], seeds: list[int]) -> list[int]:
    """Partition by balanced region growing: the lightest region takes its nearest
    unassigned neighbour. A commune weighs ``1 + sqrt(population) / 10``, between
    counting communes and counting inhabitants. Regions are contiguous by construction."""
    n = len(communes)
    label = [-1] * n
    pop = [0.0] * len(seeds)
    frontier: list[list[tuple[float, int]]] = [[] for _ in seeds]

    def push(r: int, i: int) -> None:
        for j in adj[i]:
            if label[j] < 0:
                d = float(np.linalg.norm(communes[j].seat - communes[seeds[r]].seat))
                heapq.heappush(frontier[r], (d, j))

    for r, s in enumerate(seeds):
        label[s] = r
        pop[r] += _weight(communes[s])
    for r, s in enumerate(seeds):
        push(r, s)
    remaining = n - len(seeds)
    while remaining:
        order = sorted(range(len(seeds)), key=lambda r: (pop[r], r))
        for r in order:
            heap = frontier[r]
            while heap and label[heap[0][1]] >= 0:
                heapq.heappop(heap)
            if heap:
                _, j = heapq.heappop(heap)
                label[j] = r
                pop[r] += _weight(communes[j])
                remaining -= 1
                push(r, j)
                break
        else:  # pragma: no cover - the adjacency graph is connected
            raise RuntimeError("commune adjacency graph is not connected")
    return label


def _spread_seeds(communes: list[Commune], k: int, first: list[int], rng) -> list[int]:
    """``first`` then farthest-point sampling (with a little jitter) up to ``k`` seeds."""
    seeds = list(first[:k])
    xy = np.array([c.seat for c in communes])
    if not seeds:
        seeds = [int(rng.integers(len(communes)))]
    while len(seeds) < k:
        d = np.min(np.linalg.norm(xy[:, None, :] - xy[seeds][None, :, :], axis=2), axis=1)
        d = d * rng.uniform(0.85, 1.0, len(d))
        seeds.append(int(np.argmax(d)))
    return seeds


def build_grids(geo: Geography, rng) -> list[dict]:
    """Rows ``{grid, code, nom, commune}`` for the four grids."""
    inner = geo.inner
    adj = adjacency(inner)
    by_size = sorted(range(len(inner)), key=lambda i: -inner[i].population)
    rows: list[dict] = []
    epci_counter = 0
    for grid, k in GRID_SPECS.items():
        if grid == "territoire_action_sociale":
            first = [by_size[0]]
            towns = list(by_size[1:6])
            while len(first) < k:
                best = max(
                    towns, key=lambda t: min(float(np.linalg.norm(inner[t].seat - inner[f].seat)) for f in first)
                )
                first.append(best)
                towns.remove(best)
        elif grid == "epci":
            first = by_size[:6]
        elif grid == "bassin_de_vie":
            first = by_size[:8]
        else:
            first = by_size[:3]
        seeds = _spread_seeds(inner, k, first, rng)
        labels = grow_regions(inner, adj, seeds)
        # units numbered by the alphabetical order of their chef-lieu
        order = sorted(range(k), key=lambda r: inner[seeds[r]].code)
        for rank, r in enumerate(order):
            head = inner[seeds[r]]
            if grid == "epci":
                epci_counter += 1
                code = f"200096{epci_counter:03d}"
                kind = "Communauté d'agglomération" if head.kind == "prefecture" else "Communauté de communes"
                nom = f"{kind} {names.de(head.nom)}"
            elif grid == "canton":
                code, nom = f"96{rank + 1:02d}", f"Canton {names.de(head.nom)}"
            elif grid == "bassin_de_vie":
                code, nom = head.code, head.nom
            else:
                code, nom = f"TAS{rank + 1}", f"Territoire d'action sociale {names.de(head.nom)}"
            for i in sorted((i for i in range(len(inner)) if labels[i] == r), key=lambda i: inner[i].code):
                rows.append({"grid": grid, "code": code, "nom": nom, "commune": inner[i].code})
    return rows


def _add_disc(cells: dict, inside, rng, cx: float, cy: float, radius: float, share: float, step: float = 200.0):
    """Spread ``share`` over the ``step``-metre squares of a disc, denser at its centre."""
    r = max(radius, step * 0.75)
    xs = np.arange(np.floor((cx - r) / step), np.ceil((cx + r) / step) + 1) * step + step / 2
    ys = np.arange(np.floor((cy - r) / step), np.ceil((cy + r) / step) + 1) * step + step / 2
    gx, gy = np.meshgrid(xs, ys)
    d = np.hypot(gx - cx, gy - cy)
    keep = d <= r
    gx, gy, d = gx[keep], gy[keep], d[keep]
    ok = shapely.contains_xy(inside, gx, gy)
    gx, gy, d = gx[ok], gy[ok], d[ok]
    if len(gx) == 0:  # at least one point, on the settlement itself
        gx, gy, d = np.array([cx]), np.array([cy]), np.array([0.0])
    w = np.exp(-d / (0.45 * r)) * rng.uniform(0.6, 1.4, len(d))
    _add(cells, gx, gy, w / w.sum() * share)


def _add(cells: dict, xs, ys, values) -> None:
    for x, y, v in zip(xs.tolist(), ys.tolist(), values.tolist()):
        cells[(x, y)] = cells.get((x, y), 0.0) + v


def _add_farms(cells: dict, inside, rng, share: float) -> bool:
    """Scattered farms: a third of the 1 km squares of the commune. False if none fits."""
    x0, y0, x1, y1 = inside.bounds
    xs = np.arange(np.floor(x0 / 1000), np.ceil(x1 / 1000)) * 1000 + 500
    ys = np.arange(np.floor(y0 / 1000), np.ceil(y1 / 1000)) * 1000 + 500
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    ok = shapely.contains_xy(inside, gx, gy)
    gx, gy = gx[ok], gy[ok]
    if not len(gx):
        return False
    pick = rng.random(len(gx)) < 0.35
    pick[0] |= not pick.any()
    w = rng.uniform(0.3, 1.0, int(pick.sum()))
    _add(cells, gx[pick], gy[pick], w / w.sum() * share)
    return True


def population_points(communes: list[Commune], rng) -> list[tuple[float, float, int, str]]:
    """Gridded population points ``(x, y, population, commune)`` in Lambert-93.

    Integers, summing exactly to each commune's population; only for the
    département's communes (buffer communes have none).
    """
    out: list[tuple[float, float, int, str]] = []
    for c in communes:
        if c.is_buffer or c.population <= 0:
            continue
        inside = c.polygon.buffer(-15)
        shapely.prepare(inside)
        cells: dict[tuple[float, float], float] = {}
        hamlet_share = sum(h[2] for h in c.hamlets)
        farm_share = 0.0 if c.kind in ("prefecture", "town") else 0.06
        _add_disc(cells, inside, rng, c.seat[0], c.seat[1], c.urban_radius, 1.0 - hamlet_share - farm_share)
        for hx, hy, share in c.hamlets:
            _add_disc(cells, inside, rng, hx, hy, float(rng.uniform(150, 320)), share)
        if farm_share and not _add_farms(cells, inside, rng, farm_share):
            _add_disc(cells, inside, rng, c.seat[0], c.seat[1], c.urban_radius, farm_share)
        keys = sorted(cells)
        shares = np.array([cells[k] for k in keys])
        counts = _largest_remainder(shares / shares.sum() * c.population, c.population)
        out.extend((x, y, int(n), c.code) for (x, y), n in zip(keys, counts) if n > 0)
    return out


def _largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    base = np.floor(values).astype(np.int64)
    rest = int(total - base.sum())
    if rest > 0:
        order = np.lexsort((np.arange(len(values)), -(values - base)))
        base[order[:rest]] += 1
    return base


def is_inside(point: tuple[float, float], commune: Commune) -> bool:
    return commune.polygon.contains(Point(point))

"""Local streets of the demo road network: town grids, village streets, a roundabout,
hamlet roads, and the minor ways (footways, paths, tracks, service roads)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from . import names

if TYPE_CHECKING:  # pragma: no cover
    from .geography import Commune
    from .roads import RoadBuilder

GRID_MIN_POPULATION = 2_000
ROUNDABOUT_RADIUS_M = 22.0


class Streets:
    def __init__(self, rb: RoadBuilder):
        self.rb = rb
        self.seat_node: dict[int, int] = {}
        self.grid: dict[int, dict] = {}  # commune index -> lattice (coords, ids, boundary mask)
        self.ring: dict[int, np.ndarray] = {}  # commune index -> roundabout node ids

    # -- where roads join a commune ------------------------------------------------------
    def attach(self, c: Commune, toward) -> int:
        """The node where a road coming from ``toward`` enters commune ``c``'s streets."""
        toward = np.asarray(toward, dtype=float)
        v = toward - c.seat
        v = v / (np.linalg.norm(v) or 1.0)
        if c.index in self.grid:
            g = self.grid[c.index]
            target = c.seat + v * c.urban_radius
            cand = np.flatnonzero(g["boundary"])
            return int(g["ids"][cand[np.argmin(np.linalg.norm(g["xy"][cand] - target, axis=1))]])
        if c.index in self.ring:
            ids = self.ring[c.index]
            xy = self.rb.net.xy(ids)
            return int(ids[np.argmin(np.linalg.norm(xy - (c.seat + v * ROUNDABOUT_RADIUS_M), axis=1))])
        return self.seat_node[c.index]

    def place_towns(self) -> None:
        geo, net = self.rb.geo, self.rb.net
        plain = [c for c in geo.communes if not c.remote and not c.is_buffer and c.population < GRID_MIN_POPULATION]
        roundabout = max(plain, key=lambda c: (c.population, -c.index))
        for c in geo.communes:
            if c.population >= GRID_MIN_POPULATION and not c.remote:
                self._grid(c)
            elif c is roundabout:
                ang = np.linspace(0, 2 * np.pi, 12, endpoint=False)  # counter-clockwise
                ids = net.add_nodes(c.seat + ROUNDABOUT_RADIUS_M * np.column_stack([np.cos(ang), np.sin(ang)]))
                net.add_way(
                    np.concatenate([ids, ids[:1]]),
                    {"highway": "tertiary", "junction": "roundabout", "name": f"Rond-point {c.nom}"},
                )
                self.ring[c.index] = ids
                self.rb.connectable.append(ids)
                self.rb.info["roundabout_commune"] = c.code
            else:
                self.seat_node[c.index] = net.add_node(*c.seat)
                if not c.remote:
                    self.rb.connectable.append(np.array([self.seat_node[c.index]]))

    def _grid(self, c: Commune) -> None:
        rb, net = self.rb, self.rb.net
        rng = rb.rng(10, c.index)
        step = (130.0 if c.kind == "prefecture" else 150.0) / rb.detail**0.25
        radius = c.urban_radius
        k = int(radius // step)
        rot = rng.uniform(0, np.pi / 2)
        e1 = np.array([np.cos(rot), np.sin(rot)])
        e2 = np.array([-e1[1], e1[0]])
        ii, jj = np.meshgrid(np.arange(-k, k + 1), np.arange(-k, k + 1), indexing="ij")
        inside = (ii**2 + jj**2) * step**2 <= radius**2
        ii, jj = ii[inside], jj[inside]
        jitter = rng.uniform(-0.08, 0.08, (len(ii), 2)) * step
        jitter[(ii == 0) & (jj == 0)] = 0.0
        xy = c.seat + step * (ii[:, None] * e1 + jj[:, None] * e2) + jitter
        ids = net.add_nodes(xy)
        index = {(int(a), int(b)): n for n, (a, b) in enumerate(zip(ii, jj))}
        boundary = np.array(
            [
                any((a + da, b + db) not in index for da, db in ((1, 0), (-1, 0), (0, 1), (0, -1)))
                for a, b in zip(ii.tolist(), jj.tolist())
            ]
        )
        self.grid[c.index] = {"xy": xy, "ids": ids, "boundary": boundary, "index": index}
        rb.connectable.append(ids)
        mids = max(1, int(round(rb.sq)))
        axis_cls = "secondary" if c.kind == "prefecture" else "tertiary"
        for line_axis in (0, 1):
            for lane in sorted({key[line_axis] for key in index}):
                keys = sorted((key for key in index if key[line_axis] == lane), key=lambda t: t[1 - line_axis])
                if len(keys) < 2:
                    continue
                chain = [int(ids[index[keys[0]]])]
                for a, b in zip(keys[:-1], keys[1:]):
                    pa, pb = xy[index[a]], xy[index[b]]
                    t = np.arange(1, mids + 1)[:, None] / (mids + 1)
                    inner = pa + t * (pb - pa) + rng.normal(0, step * 0.02, (mids, 2))
                    chain.extend(net.add_nodes(inner).tolist())
                    chain.append(int(ids[index[b]]))
                tags = self._street_tags(c, lane, axis_cls, rng)
                if tags.pop("_reverse", False):
                    chain = chain[::-1]
                net.add_way(chain, tags)
                rb.connectable.append(np.array(chain))
        if c.kind == "prefecture":  # footways across a park
            for a, b in ((1, 1), (1, 2), (2, 1), (-2, -1)):
                if (a, b) in index and (a + 1, b + 1) in index:
                    net.add_way(
                        [int(ids[index[(a, b)]]), int(ids[index[(a + 1, b + 1)]])],
                        {"highway": "footway", "name": "Allée du Parc"},
                    )

    def _street_tags(self, c: Commune, lane: int, axis_cls: str, rng) -> dict:
        street = names.STREET_NAMES[int(rng.integers(len(names.STREET_NAMES)))]
        if lane == 0:
            return {"highway": axis_cls, "maxspeed": "50", "name": f"Avenue {street}"}
        tags: dict = {"highway": "residential", "name": f"Rue {street}"}
        roll = rng.random()
        tags["maxspeed"] = "FR:urban" if roll < 0.35 else ("50" if roll < 0.5 else None)
        if abs(lane) >= 2 and lane % 3 == 0:
            tags["oneway"] = "yes"
            tags["_reverse"] = bool((lane // 3) % 2)
        return tags

    def one_oneway_minus_one(self) -> None:
        """Write one one-way street of the préfecture the other way round (``oneway=-1``,
        nodes reversed): same traffic, but a tag value routers must understand."""
        net = self.rb.net
        pref = next(c for c in self.rb.geo.communes if c.kind == "prefecture")
        pref_ids = set(self.grid[pref.index]["ids"].tolist())
        for k, (ids, tags) in enumerate(net.ways):
            if tags.get("oneway") == "yes" and tags.get("highway") == "residential" and int(ids[0]) in pref_ids:
                net.ways[k] = (ids[::-1].copy(), {**tags, "oneway": "-1"})
                return

    # -- villages and hamlets ------------------------------------------------------------------
    def _stub(
        self, start: int, angle: float, length: float, cls: str, rng, tags=None, connectable: bool = True
    ) -> np.ndarray:
        p = self.rb.net.xy([start])[0]
        end = self.rb.net.add_node(*(p + length * np.array([np.cos(angle), np.sin(angle)])))
        return self.rb.road(start, end, cls, rng, tags, amp=0.05, kmax=2, connectable=connectable)

    def village_streets(self) -> None:
        rb = self.rb
        for c in rb.geo.communes:
            if c.index in self.grid:
                continue
            rng = rb.rng(11, c.index)
            scale = 1.0 + min(c.population, 2_000) / 1_500
            for _ in range(max(1, int(round(rng.integers(2, 5) * rb.sq)))):
                ang = rng.uniform(0, 2 * np.pi)
                start = self.attach(c, c.seat + np.array([np.cos(ang), np.sin(ang)]))
                street = names.STREET_NAMES[int(rng.integers(len(names.STREET_NAMES)))]
                tags = {"name": f"Rue {street}", "maxspeed": "FR:urban" if rng.random() < 0.3 else None}
                way = self._stub(
                    start, ang, rng.uniform(120, 320) * scale, "residential", rng, tags, connectable=not c.remote
                )
                if len(way) > 3 and rng.random() < 0.35:
                    self._stub(
                        int(way[len(way) // 2]),
                        ang + rng.choice([-1.3, 1.3]),
                        rng.uniform(80, 200),
                        "residential",
                        rng,
                        {"name": f"Impasse {street}"},
                        connectable=not c.remote,
                    )

    def hamlets(self) -> None:
        rb, net = self.rb, self.rb.net
        main = np.unique(np.concatenate(rb.connectable))
        tree = cKDTree(net.xy(main))
        private_done = False
        for c in rb.geo.communes:
            for h, (hx, hy, _share) in enumerate(c.hamlets):
                rng = rb.rng(12, c.index, h)
                node = net.add_node(hx, hy)
                if c.remote:
                    target = self.attach(c, (hx, hy))
                else:
                    _, k = tree.query((hx, hy))
                    target = int(main[k])
                    straight = LineString(net.xy([node, target]))
                    if straight.length < 60 or rb.remote_zone.intersects(straight):
                        target = self.attach(c, (hx, hy))
                rb.road(
                    node,
                    target,
                    "unclassified",
                    rng,
                    {"maxspeed": rb.maxspeed("unclassified", rng)},
                    amp=0.06,
                    kmax=4,
                    connectable=False,
                    avoid=None if c.remote else rb.remote_zone,
                )
                for _ in range(int(round(rng.integers(1, 3) * rb.sq))):
                    self._stub(
                        node, rng.uniform(0, 2 * np.pi), rng.uniform(70, 220), "residential", rng, connectable=False
                    )
                if rng.random() < 0.3:
                    tags = {"tracktype": "grade3"}
                    if not private_done and not c.is_buffer and not c.remote:
                        tags.update(access="private", name="Chemin privé de la ferme")
                        private_done = True
                    self._stub(
                        node, rng.uniform(0, 2 * np.pi), rng.uniform(300, 800), "track", rng, tags, connectable=False
                    )

    def minor_ways(self) -> None:
        """Paths from some villages, parking aisles and a private drive in towns."""
        rb = self.rb
        rng = rb.rng(13)
        villages = [c for c in rb.geo.communes if c.index in self.seat_node and not c.remote]
        for k in rng.choice(len(villages), 6, replace=False):
            c = villages[int(k)]
            rb.road(
                self.seat_node[c.index],
                rb.net.add_node(*(c.seat + rng.uniform(-900, 900, 2))),
                "path",
                rng,
                {"name": "Sentier de randonnée"},
                amp=0.1,
                kmax=6,
                connectable=False,
            )
        private = True
        for _idx, g in sorted(self.grid.items()):
            interior = np.flatnonzero(~g["boundary"])
            for j in rng.choice(interior, min(2, len(interior)), replace=False):
                tags = {"service": "parking_aisle"}
                if private:
                    tags = {"service": "driveway", "access": "private"}
                    private = False
                self._stub(
                    int(g["ids"][j]),
                    rng.uniform(0, 2 * np.pi),
                    rng.uniform(40, 90),
                    "service",
                    rng,
                    tags,
                    connectable=False,
                )

"""The road network of the demo territory, as an in-memory :class:`Network`.

Hierarchy: a motorway crossing the département with three interchanges
(``motorway_link`` ramps); trunk and primary roads along the shortest routes
between the préfecture and the towns; secondary, tertiary and unclassified roads
between neighbouring villages (a Gabriel graph of the commune seats); grid-like
streets in towns (some one-way, one ``oneway=-1``), short streets in villages, a
roundabout; roads out to hamlets; winding mountain roads; and the remote
valleys, reached by one winding dead-end road. Also a few footways, paths,
tracks (one ``access=private``), service roads, a river and a railway (non-road
ways), and one deliberately disconnected street fragment in the buffer ring.

``detail`` scales the network (see :func:`mapapp.demo.generate.generate_roads`):
node spacing shrinks as ``1/sqrt(detail)`` and the number of streets grows as
``sqrt(detail)``, so the node count grows roughly like ``detail ** 0.7``.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import minimum_spanning_tree, shortest_path
from scipy.spatial import Delaunay, cKDTree
from shapely.geometry import LineString

from .geography import MOUNTAIN_RADIUS_M, Geography, rng_for
from .osm import ISLAND_NOTE, Network, make_strongly_connected
from .streets import Streets

SPACING = {
    "motorway": 250.0,
    "trunk": 180.0,
    "primary": 150.0,
    "secondary": 120.0,
    "tertiary": 100.0,
    "unclassified": 90.0,
    "residential": 45.0,
    "service": 30.0,
    "track": 60.0,
    "path": 40.0,
    "footway": 30.0,
    "winding": 35.0,
}
#: where long lines (motorway, river, railway) stop: inside the buffer ring
LINES_END_BEYOND_BORDER_M = 6_500.0
MAXSPEED = {  # class: (value, probability of the tag being present)
    "trunk": ("110", 0.6),
    "primary": ("80", 0.7),
    "secondary": ("80", 0.5),
    "tertiary": ("80", 0.3),
    "unclassified": ("80", 0.1),
}


def curve(p, q, spacing: float, rng, amp: float = 0.03, kmax: int = 3, kmin: int = 1) -> np.ndarray:
    """Interior points of a gently (or strongly) meandering line from ``p`` to ``q``,
    resampled every ``spacing`` metres; the end points themselves are excluded."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    v = q - p
    length = float(np.hypot(*v))
    if length < 1.0:
        return np.zeros((0, 2))
    nrm = np.array([-v[1], v[0]]) / length
    m = int(min(200_000, max(40 * kmax, 8 * length / spacing)))
    t = np.linspace(0.0, 1.0, m + 1)
    off = np.zeros_like(t)
    for k in range(kmin, kmax + 1):
        off += rng.normal(0.0, amp * length / k) * np.sin(k * np.pi * t)
    pts = p + t[:, None] * v + off[:, None] * nrm
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])
    n = max(1, int(round(cum[-1] / spacing)))
    s = np.linspace(0.0, cum[-1], n + 1)[1:-1]
    return np.column_stack([np.interp(s, cum, pts[:, 0]), np.interp(s, cum, pts[:, 1])])


class RoadBuilder:
    def __init__(self, geo: Geography, detail: float = 1.0):
        if detail < 1.0:
            raise ValueError("detail must be >= 1")
        self.geo = geo
        self.detail = detail
        self.sq = float(np.sqrt(detail))
        self.net = Network()
        self.streets = Streets(self)
        self.refs = iter(range(1, 10_000))
        self.connectable: list[np.ndarray] = []  # node ids hamlet roads may join
        self.info: dict = {}

    def rng(self, *keys: int):
        return rng_for(self.geo.seed, 20, *keys)

    def spacing(self, cls: str) -> float:
        return SPACING[cls] / self.sq

    def road(
        self,
        a: int,
        b: int,
        cls: str,
        rng,
        tags: dict | None = None,
        amp: float = 0.03,
        kmax: int = 3,
        kmin: int = 1,
        spacing: float | None = None,
        connectable=True,
        avoid=None,
    ) -> np.ndarray:
        """A road from node ``a`` to node ``b``; ``avoid``: a (prepared) geometry it must not cross."""
        pa, pb = self.net.xy([a, b])
        mid = curve(pa, pb, spacing or self.spacing(cls), rng, amp, kmax, kmin)
        while avoid is not None and amp > 0 and avoid.intersects(LineString(np.vstack([pa, mid, pb]))):
            amp = amp / 2 if amp > 0.01 else 0.0  # meander less, until the road keeps out
            mid = curve(pa, pb, spacing or self.spacing(cls), rng, amp, kmax, kmin)
        ids = np.concatenate([[a], self.net.add_nodes(mid), [b]])
        self.net.add_way(ids, {"highway": cls, **(tags or {})})
        if connectable:
            self.connectable.append(ids)
        return ids

    def maxspeed(self, cls: str, rng) -> str | None:
        value, p = MAXSPEED.get(cls, (None, 0.0))
        return value if rng.random() < p else None

    # -- the whole network -------------------------------------------------------------
    def build(self) -> tuple[Network, dict]:
        geo = self.geo
        self.streets.place_towns()
        self.intercommunal()
        self.valleys()
        self.motorway()
        self.streets.village_streets()
        self.streets.hamlets()
        self.streets.minor_ways()
        self.non_roads()
        changed = make_strongly_connected(
            self.net, lambda t: t.get("highway", "").startswith("motorway") or "junction" in t
        )
        self.streets.one_oneway_minus_one()
        self.info.update(
            nodes=self.net.n, ways=len(self.net.ways), oneway_relaxed=changed, detail=self.detail, seed=geo.seed
        )
        return self.net, self.info

    def intercommunal(self) -> None:
        geo = self.geo
        seats = [c for c in geo.communes if not c.remote]
        pts = np.array([c.seat for c in seats])
        remote_zone = shapely.union_all([c.polygon for c in geo.communes if c.remote]).buffer(300)
        shapely.prepare(remote_zone)
        self.remote_zone = shapely.union_all([c.polygon for c in geo.communes if c.remote]).buffer(30)
        shapely.prepare(self.remote_zone)
        tri = Delaunay(pts)
        cand = set()
        for s in tri.simplices:
            for a, b in ((s[0], s[1]), (s[1], s[2]), (s[0], s[2])):
                cand.add((min(a, b), max(a, b)))
        cand = sorted(e for e in cand if not remote_zone.intersects(LineString(pts[list(e)])))
        tree = cKDTree(pts)
        length = {e: float(np.linalg.norm(pts[e[0]] - pts[e[1]])) for e in cand}
        gabriel = set()
        for a, b in cand:
            mid, r = (pts[a] + pts[b]) / 2, length[(a, b)] / 2
            if all(k in (a, b) for k in tree.query_ball_point(mid, r * 0.999)):
                gabriel.add((a, b))
        n = len(pts)
        w = csr_matrix(([length[e] for e in cand], ([e[0] for e in cand], [e[1] for e in cand])), shape=(n, n))
        mst = minimum_spanning_tree(w).tocoo()
        edges = sorted(gabriel | {(min(a, b), max(a, b)) for a, b in zip(mst.row, mst.col)})

        # classify: shortest routes préfecture -> towns are primary (two of them trunk),
        # bourgs -> nearest town secondary, the rest tertiary or unclassified
        g = csr_matrix(([length[e] for e in edges], ([e[0] for e in edges], [e[1] for e in edges])), shape=(n, n))
        cls = {e: "unclassified" for e in edges}
        for e in edges:
            if (
                min(seats[e[0]].population, seats[e[1]].population) >= 300
                or max(seats[e[0]].population, seats[e[1]].population) >= 1500
            ):
                cls[e] = "tertiary"
        big = [i for i, c in enumerate(seats) if c.kind in ("prefecture", "town")]
        pref = next(i for i, c in enumerate(seats) if c.kind == "prefecture")
        _, pred = shortest_path(g, directed=False, indices=big, return_predecessors=True)
        rank = {"unclassified": 0, "tertiary": 1, "secondary": 2, "primary": 3, "trunk": 4}

        def mark(path_pred, target, value):
            j = target
            while path_pred[j] >= 0:
                i = path_pred[j]
                e = (min(i, j), max(i, j))
                if rank[value] > rank[cls[e]]:
                    cls[e] = value
                j = i

        trunk_towns = sorted(
            (i for i in big if i != pref and not seats[i].is_buffer), key=lambda i: -seats[i].population
        )[:2]
        for i in big:
            if i != pref:
                mark(pred[big.index(pref)], i, "trunk" if i in trunk_towns else "primary")
        for i, c in enumerate(seats):
            if c.kind == "bourg":
                near = min(big, key=lambda t: np.linalg.norm(pts[t] - pts[i]))
                mark(pred[big.index(near)], i, "secondary")

        rng = self.rng(1)
        refs = {"trunk": "N 1096", "primary": "D 9", "secondary": "D 1", "tertiary": "D 2"}
        for e in edges:
            ca, cb = seats[e[0]], seats[e[1]]
            k = cls[e]
            a = self.streets.attach(ca, cb.seat)
            b = self.streets.attach(cb, ca.seat)
            mid = (ca.seat + cb.seat) / 2
            mountain = np.linalg.norm(mid - geo.mountain_center) < MOUNTAIN_RADIUS_M
            tags = {"maxspeed": None if mountain else self.maxspeed(k, rng)}
            if k in refs:
                tags["ref"] = refs[k] + (f"{next(self.refs)}" if k != "trunk" else "")
            if mountain:
                self.road(
                    a,
                    b,
                    k,
                    rng,
                    tags,
                    amp=0.12,
                    kmin=3,
                    kmax=16,
                    spacing=SPACING["winding"] / self.sq,
                    avoid=self.remote_zone,
                )
            else:
                self.road(
                    a,
                    b,
                    k,
                    rng,
                    tags,
                    amp={"trunk": 0.02, "primary": 0.03}.get(k, 0.05),
                    kmax={"trunk": 2, "primary": 3}.get(k, 5),
                    avoid=self.remote_zone,
                )
        self.info["intercommunal_edges"] = len(edges)

    def valleys(self) -> None:
        """The remote valleys: a tree of winding roads from the gateway village,
        so each remote commune is reached by one road only."""
        geo = self.geo
        gateway = geo.communes[geo.valley_gateway]
        remote = [c for c in geo.communes if c.remote]
        pts = np.array([c.seat for c in remote])
        d = np.linalg.norm(pts[:, None] - pts[None], axis=2)
        mst = minimum_spanning_tree(csr_matrix(np.triu(d))).tocoo()
        pairs = [(remote[i], remote[j]) for i, j in sorted(zip(mst.row.tolist(), mst.col.tolist()))]
        # a single entrance: the gateway village joins the nearest remote commune only
        first = min(remote, key=lambda c: float(np.linalg.norm(c.seat - gateway.seat)))
        rng = self.rng(2)
        ways = []
        for ca, cb in [(gateway, first), *pairs]:
            a = self.streets.attach(ca, cb.seat)
            b = self.streets.attach(cb, ca.seat)
            cls = "tertiary" if ca is gateway else "unclassified"
            self.road(
                a,
                b,
                cls,
                rng,
                {"ref": f"D 9{next(self.refs)}", "name": "Route de la vallée"},
                amp=0.16,
                kmin=3,
                kmax=20,
                spacing=SPACING["winding"] / self.sq,
                connectable=False,
            )
            ways.append(len(self.net.ways))
        self.info["valley_way_ids"] = ways
        self.info["remote_communes"] = [c.code for c in remote]

    def motorway(self) -> None:
        geo = self.geo
        rng = self.rng(3)
        pref = next(c for c in geo.communes if c.kind == "prefecture")
        away = pref.seat - geo.mountain_center
        away /= np.linalg.norm(away)
        u = np.array([-away[1], away[0]])
        via = pref.seat + away * (pref.urban_radius + 1_500)
        limit = geo.outline.buffer(LINES_END_BEYOND_BORDER_M)
        ends = []
        for sgn in (-1, 1):
            far = LineString([via, via + sgn * 150_000 * u])
            hit = shapely.get_coordinates(far.intersection(limit.exterior))
            ends.append(hit[np.argmin(np.linalg.norm(hit - via, axis=1))])
        centre = np.concatenate(
            [
                [ends[0]],
                curve(ends[0], via, self.spacing("motorway"), rng, 0.02, 2),
                [via],
                curve(via, ends[1], self.spacing("motorway"), rng, 0.02, 2),
                [ends[1]],
            ]
        )
        tangent = np.gradient(centre, axis=0)
        tangent /= np.linalg.norm(tangent, axis=1)[:, None]
        normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
        s_id, e_id = self.net.add_nodes(centre[[0, -1]])
        fwd = self.net.add_nodes(centre[1:-1] - 12 * normal[1:-1])  # right-hand traffic
        bwd = self.net.add_nodes(centre[1:-1] + 12 * normal[1:-1])
        tags = {
            "highway": "motorway",
            "oneway": "yes",
            "maxspeed": "130",
            "ref": "A 960",
            "name": "Autoroute du Val-d'Arlenc",
        }
        self.net.add_way(np.concatenate([[s_id], fwd, [e_id]]), tags)
        self.net.add_way(np.concatenate([[e_id], bwd[::-1], [s_id]]), tags)
        n = len(centre)
        near_via = int(np.argmin(np.linalg.norm(centre - via, axis=1)))
        reachable = [c for c in geo.communes if not c.remote]
        seat_xy = np.array([c.seat for c in reachable])
        k = max(3, int(round(900 / self.spacing("motorway"))))
        for idx in (int(n * 0.28), near_via, int(n * 0.74)):
            nearest = reachable[int(np.argmin(np.linalg.norm(seat_xy - centre[idx], axis=1)))]
            side = np.sign(np.dot(nearest.seat - centre[idx], normal[idx])) or 1.0
            x = self.net.add_node(*(centre[idx] + side * 250 * normal[idx]))
            f, b = idx - 1, idx - 1  # index into fwd/bwd (which start at centre[1])
            for a_, b_ in ((fwd[f - k], x), (x, fwd[f + k]), (bwd[b + k], x), (x, bwd[b - k])):
                self.road(
                    int(a_),
                    int(b_),
                    "motorway_link",
                    rng,
                    {"oneway": "yes"},
                    amp=0.05,
                    kmax=1,
                    spacing=40,
                    connectable=False,
                )
            self.road(
                x,
                self.streets.attach(nearest, centre[idx]),
                "primary",
                rng,
                {"maxspeed": "80", "ref": f"D 9{next(self.refs)}"},
                amp=0.02,
            )
        for end in (s_id, e_id):
            p = self.net.xy([end])[0]
            c = min(reachable, key=lambda c: np.linalg.norm(c.seat - p))
            self.road(
                int(end),
                self.streets.attach(c, p),
                "trunk",
                rng,
                {"maxspeed": "110", "ref": "N 1096"},
                amp=0.02,
                kmax=2,
                connectable=False,
            )
        self.info["motorway_interchanges"] = 3

    def non_roads(self) -> None:
        """A river and a railway line: ways a road graph must ignore."""
        geo = self.geo
        rng = self.rng(4)
        pref = next(c for c in geo.communes if c.kind == "prefecture")
        ang = rng.uniform(0, np.pi)
        d = np.array([np.cos(ang), np.sin(ang)])
        limit = geo.outline.buffer(LINES_END_BEYOND_BORDER_M)
        via = pref.seat + np.array([180.0, -120.0])
        ends = []
        for sgn in (-1, 1):
            hit = shapely.get_coordinates(LineString([via, via + sgn * 150_000 * d]).intersection(limit.exterior))
            ends.append(hit[np.argmin(np.linalg.norm(hit - via, axis=1))])
        pts = np.concatenate(
            [[ends[0]], curve(ends[0], via, 80, rng, 0.06, 8), [via], curve(via, ends[1], 80, rng, 0.06, 8), [ends[1]]]
        )
        self.net.add_way(self.net.add_nodes(pts), {"waterway": "river", "name": "L'Arlenc"})
        town = max((c for c in geo.communes if c.kind == "town"), key=lambda c: c.population)
        a = pref.seat + np.array([-400.0, 500.0])
        pts = np.concatenate([[a], curve(a, town.seat, 120, rng, 0.02, 2), [town.seat]])
        self.net.add_way(
            self.net.add_nodes(pts), {"railway": "rail", "usage": "branch", "name": f"Ligne d'Arlenc à {town.nom}"}
        )
        # the documented exception: a street fragment joined to nothing, on the outer edge
        # of the buffer ring (where no site and no population point lies)
        far = [c for c in geo.buffer if c.kind == "village" and np.linalg.norm(c.seat - geo.mountain_center) > 30_000]
        host = max(far, key=lambda c: (geo.outline.exterior.distance(shapely.Point(c.seat)), c.code))
        p = np.array(host.polygon.representative_point().coords[0])
        if np.linalg.norm(p - host.seat) < 400:
            p = host.seat + np.array([600.0, 0.0])
        ids = self.net.add_nodes(p + np.array([[0, 0], [90, 10], [180, 0], [260, -15]]))
        branch = self.net.add_nodes(p + np.array([[90, 110], [95, 220]]))
        tags = {"highway": "residential", "note": ISLAND_NOTE}
        self.net.add_way(ids, tags)
        self.net.add_way(np.concatenate([[ids[1]], branch]), dict(tags))
        self.info["island_commune"] = host.code


def build_roads(geo: Geography, detail: float = 1.0) -> tuple[Network, dict]:
    return RoadBuilder(geo, detail).build()

"""Synthetic road graphs, territories and catalogs for tests and benchmarks.

Nothing here is used by the engine itself. The snaps made here are stand-ins
for :func:`mapapp.network.snap_points` (each point reaches its two nearest
nodes, at walking speed in a straight line): good enough to exercise and time
the engine, not a model of real snapping.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from mapapp.access.frames import attach_snap
from mapapp.network.graph import ROAD_CLASS_INDEX, RoadGraph, Snap

#: Speeds in km/h of the synthetic profile: car by road class, one speed otherwise.
CAR_KMH = {"primary": 80.0, "secondary": 60.0, "residential": 40.0}
WALK_KMH = 4.5
BIKE_KMH = 15.0
M_PER_DEG_LAT = 110_574.0


def _to_lonlat(x_m, y_m, lon0, lat0):
    return (lon0 + x_m / (111_320.0 * np.cos(np.radians(lat0))), lat0 + y_m / M_PER_DEG_LAT)


def _to_xy(lon, lat, lon0, lat0):
    return ((np.asarray(lon) - lon0) * 111_320.0 * np.cos(np.radians(lat0)),
            (np.asarray(lat) - lat0) * M_PER_DEG_LAT)


def graph_from_edges(n_nodes: int, tail, head, time_s, *, lon=None, lat=None, length_m=None,
                     road_class=None, mode: str = "car", meta: dict | None = None) -> RoadGraph:
    """A RoadGraph from an edge list (edges are sorted into CSR order).

    Missing lengths are 10 m per second of travel, missing classes ``residential``.
    """
    tail = np.asarray(tail, dtype=np.int64)
    head = np.asarray(head, dtype=np.int64)
    time_s = np.asarray(time_s, dtype=np.float64)
    order = np.lexsort((head, tail))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(tail, minlength=n_nodes))]).astype(np.int64)
    length = time_s * 10.0 if length_m is None else np.asarray(length_m, dtype=np.float64)
    rc = np.full(tail.size, ROAD_CLASS_INDEX["residential"], np.uint8) if road_class is None \
        else np.asarray(road_class, dtype=np.uint8)
    return RoadGraph(
        mode=mode, node_id=np.arange(n_nodes, dtype=np.int64),
        lon=np.zeros(n_nodes) if lon is None else np.asarray(lon, dtype=np.float64),
        lat=np.zeros(n_nodes) if lat is None else np.asarray(lat, dtype=np.float64),
        indptr=indptr, head=head[order].astype(np.int32), time_s=time_s[order],
        length_m=length[order], road_class=rc[order], meta=meta or {"synthetic": True})


def grid_graph(n_rows: int, n_cols: int, *, spacing_m: float = 150.0, seed: int = 0, mode: str = "car",
               drop_share: float = 0.08, oneway_share: float = 0.05, lon0: float = 0.45,
               lat0: float = 44.35, largest_component: bool = True) -> RoadGraph:
    """A jittered grid of roads, like a rural département with a road hierarchy.

    Every 24th row/column is a ``primary`` road (80 km/h by car), every 6th a
    ``secondary`` (60 km/h), the rest ``residential`` (40 km/h). ``drop_share``
    of the minor links are removed and ``oneway_share`` of all links keep one
    direction. Walk and bike graphs have the same topology with one speed
    (4.5 and 15 km/h). Edge lengths are 1.0-1.3 times the straight line.
    With ``largest_component``, only the largest strongly connected component
    is kept (as the network builder does).
    """
    rng = np.random.default_rng(seed)
    n = n_rows * n_cols
    r, c = np.divmod(np.arange(n), n_cols)
    x = (c + rng.uniform(-0.2, 0.2, n)) * spacing_m
    y = (r + rng.uniform(-0.2, 0.2, n)) * spacing_m
    idx = np.arange(n).reshape(n_rows, n_cols)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    line = np.concatenate([np.repeat(np.arange(n_rows), n_cols - 1), np.tile(np.arange(n_cols), n_rows - 1)])
    cls = np.where(line % 24 == 0, 0, np.where(line % 6 == 0, 1, 2))  # index into CAR_KMH
    keep = (rng.random(a.size) >= drop_share) | (cls != 2)
    a, b, cls = a[keep], b[keep], cls[keep]
    length = np.hypot(x[a] - x[b], y[a] - y[b]) * rng.uniform(1.0, 1.3, a.size)
    if mode == "car":
        kmh = np.array(list(CAR_KMH.values()))[cls]
    else:
        kmh = np.full(a.size, WALK_KMH if mode == "walk" else BIKE_KMH)
    t = length / (kmh / 3.6)
    two = rng.random(a.size) >= oneway_share
    tail = np.concatenate([a, b[two]])
    head = np.concatenate([b, a[two]])
    time_s = np.concatenate([t, t[two]])
    length = np.concatenate([length, length[two]])
    road_class = np.concatenate([cls, cls[two]])
    if largest_component:
        m = csr_matrix((np.ones(tail.size), (tail, head)), shape=(n, n))
        _, label = connected_components(m, directed=True, connection="strong")
        kept = label == np.bincount(label).argmax()
        new = np.cumsum(kept) - 1
        e = kept[tail] & kept[head]
        tail, head, time_s, length, road_class = new[tail[e]], new[head[e]], time_s[e], length[e], road_class[e]
        x, y, n = x[kept], y[kept], int(kept.sum())
    lon, lat = _to_lonlat(x, y, lon0, lat0)
    class_index = np.array([ROAD_CLASS_INDEX[k] for k in CAR_KMH], dtype=np.uint8)[road_class]
    meta = {"synthetic": True, "generator": "grid_graph", "seed": seed, "n_rows": n_rows, "n_cols": n_cols,
            "spacing_m": spacing_m}
    return graph_from_edges(n, tail, head, time_s, lon=lon, lat=lat, length_m=length,
                            road_class=class_index, mode=mode, meta=meta)


def nearest_nodes_snap(graph: RoadGraph, lon, lat, *, access_speed_m_s: float = 1.25,
                       max_distance_m: float = 2_000.0) -> Snap:
    """Join points to their two nearest graph nodes, at walking speed in a straight line.

    A stand-in for the network package's snapping, valid for both directions
    (the access leg is symmetric). Points farther than ``max_distance_m``
    from any node are left unsnapped.
    """
    lon0, lat0 = float(np.mean(graph.lon)), float(np.mean(graph.lat))
    gx, gy = _to_xy(graph.lon, graph.lat, lon0, lat0)
    px, py = _to_xy(lon, lat, lon0, lat0)
    dist, node = cKDTree(np.c_[gx, gy]).query(np.c_[px, py], k=2)
    ok = dist[:, 0] <= max_distance_m
    time_s = np.where(ok[:, None], dist / access_speed_m_s, np.inf)
    return Snap(node_a=np.where(ok, node[:, 0], -1).astype(np.int64), time_a_s=time_s[:, 0],
                node_b=np.where(ok, node[:, 1], -1).astype(np.int64), time_b_s=time_s[:, 1],
                access_m=np.where(ok, dist[:, 0], np.nan), snapped=ok)


def territory(graph: RoadGraph, *, n_communes: int = 150, n_points: int = 5_000, n_sites: int = 500,
              seed: int = 0, departement: str = "47") -> dict[str, pd.DataFrame]:
    """A synthetic département on ``graph``: communes, population points, sites, offers, grids.

    Returns a dict of DataFrames ``communes``, ``points``, ``sites``,
    ``offers``, ``grids`` with lon/lat columns and no snap (use
    :func:`snap_frames` for each mode's graph). Offers follow the
    :mod:`mapapp.access.themes` columns, with a realistic mix: 25 France
    Services sites, ~40 Département sites, partners; ~10 % remote, a few
    département-wide, planned and closed offers, and ~10 % with an
    eligibility zone (one EPCI or a few communes).
    """
    from data_inclusion.schema import v1  # the vocabulary of offers

    rng = np.random.default_rng(seed)
    lon0, lat0 = float(np.mean(graph.lon)), float(np.mean(graph.lat))
    gx, gy = _to_xy(graph.lon, graph.lat, lon0, lat0)
    lo, hi = np.array([gx.min(), gy.min()]), np.array([gx.max(), gy.max()])
    inner = lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo)  # the rest is the buffer beyond the border
    centre = rng.uniform(inner[0], inner[1], (n_communes, 2))
    codes = np.array([f"{departement}{i + 1:03d}" for i in range(n_communes)])
    n_epci = max(1, n_communes // 15)
    epci = np.array([f"2000{departement}{k:03d}" for k in range(n_epci)])[
        np.argsort(np.argsort(centre[:, 0] + 0.3 * centre[:, 1])) * n_epci // n_communes]
    weight = rng.lognormal(0.0, 1.2, n_communes)
    owner = rng.choice(n_communes, n_points, p=weight / weight.sum())
    spread = np.where(rng.random(n_points) < 0.7, 600.0, 2500.0)
    pxy = centre[owner] + rng.normal(0, 1, (n_points, 2)) * spread[:, None]
    pxy = np.clip(pxy, inner[0], inner[1])
    own = cKDTree(centre).query(pxy)[1]  # a point belongs to the commune of the nearest centre
    pop = np.round(rng.lognormal(2.5, 1.0, n_points), 1)
    plon, plat = _to_lonlat(pxy[:, 0], pxy[:, 1], lon0, lat0)
    clon, clat = _to_lonlat(centre[:, 0], centre[:, 1], lon0, lat0)
    communes = pd.DataFrame({"commune": codes, "epci": epci, "departement": departement,
                             "lon": clon, "lat": clat})
    points = pd.DataFrame({"point_id": np.arange(n_points), "commune": codes[own], "population": pop,
                           "lon": plon, "lat": plat})
    communes["population"] = points.groupby("commune")["population"].sum().reindex(codes).fillna(0).to_numpy()
    # sites near commune centres (bigger communes get more), some in the buffer
    host = rng.choice(n_communes, n_sites, p=weight / weight.sum())
    sxy = centre[host] + rng.normal(0, 400, (n_sites, 2))
    outside = rng.random(n_sites) < 0.06
    sxy[outside] = rng.uniform(lo, hi, (int(outside.sum()), 2))
    slon, slat = _to_lonlat(sxy[:, 0], sxy[:, 1], lon0, lat0)
    kind = rng.choice(["siege", "antenne", "permanence", "itinerant_stop"], n_sites, p=[0.5, 0.2, 0.25, 0.05])
    network = np.full(n_sites, None, dtype=object)
    network[:25] = "france-service"
    network[25:65] = "maisons-des-solidarites"
    partners = ["france-travail", "mission-locale", "ccas-cias", "caf", "conseillers-numeriques",
                "restos-du-coeur", "wimoov", "cpam", "aci", "plie"]
    network[65:] = rng.choice(partners, n_sites - 65)
    sites = pd.DataFrame({"site_id": [f"S{i:04d}" for i in range(n_sites)], "kind": kind,
                          "lon": slon, "lat": slat, "commune": codes[host]})
    cats = [c.value for c in v1.Categorie]
    themes_by_cat = {c: [t.value for t in v1.Thematique if t.value.startswith(c + "--")] for c in cats}
    pop_cat = rng.dirichlet(np.full(len(cats), 0.8))
    publics = [p.value for p in v1.Public]
    rows = []
    for i in range(n_sites):
        for j in range(int(rng.integers(1, 5)) + (6 if i < 65 else 0)):
            chosen = rng.choice(cats, int(rng.integers(1, 3)), replace=False, p=pop_cat)
            them = sorted({str(rng.choice(themes_by_cat[c])) for c in chosen})
            u = rng.random()
            mode = "remote" if u < 0.09 else "departement_wide" if u < 0.11 else \
                "itinerant" if kind[i] == "itinerant_stop" else "on_site"
            status = rng.choice(["active", "experimental", "planned", "temporarily_closed", "closed"],
                                p=[0.85, 0.05, 0.04, 0.03, 0.03])
            zone = None
            z = rng.random()
            if z < 0.06:
                zone = [str(epci[host[i]])]
            elif z < 0.10:
                near = cKDTree(centre).query(sxy[i], k=5)[1]
                zone = [str(codes[k]) for k in near]
            rows.append({"offer_id": f"O{i:04d}-{j}", "site_id": sites.site_id[i], "thematiques": them,
                         "publics": None if rng.random() < 0.6 else [str(rng.choice(publics))],
                         "delivery_mode": mode, "status": str(status), "zone_eligibilite": zone,
                         "reseaux_porteurs": [network[i]]})
    offers = pd.DataFrame(rows)
    quadrant = np.where(centre[:, 0] > np.median(centre[:, 0]), 1, 0) + 2 * (centre[:, 1] > np.median(centre[:, 1]))
    grids = pd.concat([
        pd.DataFrame({"grid": "epci", "code": epci, "commune": codes}),
        pd.DataFrame({"grid": "canton", "code": [f"C{k:02d}" for k in rng.integers(0, 20, n_communes)],
                      "commune": codes}),
        pd.DataFrame({"grid": "territoire_action_sociale", "code": [f"TAS{q + 1}" for q in quadrant],
                      "commune": codes}),
    ], ignore_index=True)
    return {"communes": communes, "points": points, "sites": sites, "offers": offers, "grids": grids}


def snap_frames(graph: RoadGraph, frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The territory's points, sites and communes (main point at the centre) snapped on ``graph``."""
    out = dict(frames)
    for name, prefix in (("points", ""), ("sites", ""), ("communes", "main_")):
        f = frames[name]
        out[name] = attach_snap(f, nearest_nodes_snap(graph, f.lon.to_numpy(), f.lat.to_numpy()), prefix)
    return out

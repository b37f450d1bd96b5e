"""Brute-force references (networkx) and small hand-made inputs for the access tests."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from mapapp.access.frames import attach_snap
from mapapp.access.synthetic import graph_from_edges
from mapapp.network.graph import RoadGraph, Snap


def snap(node_a, time_a, node_b=None, time_b=None, snapped=None) -> Snap:
    """A Snap from lists; missing ``node_b`` means -1/inf."""
    node_a = np.asarray(node_a, dtype=np.int64)
    k = node_a.size
    node_b = np.full(k, -1, np.int64) if node_b is None else np.asarray(node_b, dtype=np.int64)
    time_a = np.asarray(time_a, dtype=float)
    time_b = np.full(k, np.inf) if time_b is None else np.asarray(time_b, dtype=float)
    time_a = np.where(node_a >= 0, time_a, np.inf)
    time_b = np.where(node_b >= 0, time_b, np.inf)
    ok = (node_a >= 0) | (node_b >= 0) if snapped is None else np.asarray(snapped, dtype=bool)
    return Snap(node_a, time_a, node_b, time_b, np.zeros(k), ok)


def graph(n: int, edges, mode: str = "car") -> RoadGraph:
    """A RoadGraph from (tail, head, seconds) triples."""
    e = np.asarray(edges, dtype=float).reshape(-1, 3)
    return graph_from_edges(n, e[:, 0].astype(int), e[:, 1].astype(int), e[:, 2], mode=mode)


def random_graph(n: int, m: int, seed: int, mode: str = "car") -> RoadGraph:
    """A random directed graph (often not strongly connected), integer times 1..60 s, parallel edges."""
    rng = np.random.default_rng(seed)
    tail = rng.integers(0, n, m)
    head = rng.integers(0, n, m)
    keep = tail != head
    return graph_from_edges(n, tail[keep], head[keep], rng.integers(1, 61, keep.sum()).astype(float), mode=mode)


def to_nx(g: RoadGraph) -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from(range(g.n_nodes))
    for u, v, t in zip(g.tail().tolist(), g.head.tolist(), g.time_s.tolist()):
        if not G.has_edge(u, v) or G[u][v]["w"] > t:
            G.add_edge(u, v, w=t)
    return G


def node_to_site_s(g: RoadGraph, dest: Snap) -> np.ndarray:
    """float (k, n): seconds from every node to every destination, by networkx, one search each."""
    G = to_nx(g)
    for j in range(len(dest)):
        if not dest.snapped[j]:
            continue
        for nd, t in ((dest.node_a[j], dest.time_a_s[j]), (dest.node_b[j], dest.time_b_s[j])):
            if nd >= 0 and (not G.has_edge(int(nd), ("site", j)) or G[int(nd)][("site", j)]["w"] > t):
                G.add_edge(int(nd), ("site", j), w=float(t))
    R = G.reverse(copy=False)
    out = np.full((len(dest), g.n_nodes), np.inf)
    for j in range(len(dest)):
        if ("site", j) in R:
            for v, d in nx.single_source_dijkstra_path_length(R, ("site", j), weight="w").items():
                if not isinstance(v, tuple):
                    out[j, v] = d
    return out


def origin_to_site_s(node_site_s: np.ndarray, origins: Snap) -> np.ndarray:
    """float (p, k): seconds from each origin to each destination, through its snap ends."""
    out = np.full((len(origins), node_site_s.shape[0]), np.inf)
    for i in range(len(origins)):
        if not origins.snapped[i]:
            continue
        for nd, t in ((origins.node_a[i], origins.time_a_s[i]), (origins.node_b[i], origins.time_b_s[i])):
            if nd >= 0:
                out[i] = np.minimum(out[i], t + node_site_s[:, nd])
    return out


def two_smallest(row: np.ndarray) -> tuple[float, float]:
    s = np.sort(row)
    return (s[0] if s.size else np.inf), (s[1] if s.size > 1 else np.inf)


def offer(offer_id, site_id, thematiques, *, publics=None, mode="on_site", status="active", zone=None,
          networks=None) -> dict:
    return {"offer_id": offer_id, "site_id": site_id, "thematiques": list(thematiques), "publics": publics,
            "delivery_mode": mode, "status": status, "zone_eligibilite": zone, "reseaux_porteurs": networks}


def frames(points_snap: Snap, point_communes, population, site_snap: Snap, communes, *, main_snap=None,
           epci=None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """points, communes, sites tables with their snap columns."""
    points = attach_snap(pd.DataFrame({"point_id": np.arange(len(points_snap)), "commune": point_communes,
                                       "population": np.asarray(population, dtype=float)}), points_snap)
    com = pd.DataFrame({"commune": communes})
    if epci is not None:
        com["epci"] = epci
    if main_snap is not None:
        com = attach_snap(com, main_snap, "main_")
    sites = attach_snap(pd.DataFrame({"site_id": [f"S{j}" for j in range(len(site_snap))]}), site_snap)
    return points, com, sites

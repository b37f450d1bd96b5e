"""Shortest times on our graph equal networkx shortest paths on osmnx's graph of the same file.

osmnx reads the OSM XML on its own (its own parser, oneway rules and
great-circle lengths), without simplification; the test gives each of its edges
the speed the French profile should give the way, and compares all-pairs
Dijkstra times with ``scipy.sparse.csgraph`` on our (simplified) graph.
"""

import networkx as nx
import numpy as np
import pytest
from network_fixtures import grid, write_osm
from scipy.sparse.csgraph import dijkstra

from mapapp.network import build_graph
from mapapp.network.profile import MAXSPEED_FACTOR

osmnx = pytest.importorskip("osmnx")


def node_id(i, j):
    return 1000 + 10 * i + j


def town():
    """A 5 x 4 street grid with oneways, varied speeds, shape nodes and a roundabout."""
    nodes = {node_id(i, j): grid(i, j) for i in range(5) for j in range(4)}
    nodes.update({2001: grid(3.4, 0.5), 2002: grid(0.5, 2.6)})  # shape nodes
    rb = {3001: grid(5.5, 1.0), 3002: grid(6.0, 1.5), 3003: grid(5.5, 2.0), 3004: grid(5.0, 1.5)}
    nodes.update(rb)
    row = lambda j: [node_id(i, j) for i in range(5)]  # noqa: E731
    col = lambda i: [node_id(i, j) for j in range(4)]  # noqa: E731
    ways = [  # (id, refs, tags, expected car km/h)
        (1, row(0), {"highway": "residential"}, 30.0),
        (2, row(1), {"highway": "primary", "maxspeed": "50"}, 50 * MAXSPEED_FACTOR),
        (3, row(2), {"highway": "residential", "oneway": "yes"}, 30.0),
        (4, row(3), {"highway": "tertiary", "maxspeed": "FR:zone30", "oneway": "-1"}, 30 * MAXSPEED_FACTOR),
        (5, col(0)[:2] + [2002] + col(0)[2:], {"highway": "residential"}, 30.0),
        (6, col(1), {"highway": "secondary", "maxspeed": "70"}, 70 * MAXSPEED_FACTOR),
        (7, col(2), {"highway": "residential", "oneway": "yes"}, 30.0),
        (8, [node_id(3, 0), 2001] + col(3)[1:], {"highway": "unclassified"}, 40.0),
        (9, col(4), {"highway": "residential", "oneway": "-1"}, 30.0),
        (10, [3001, 3002, 3003, 3004, 3001], {"highway": "primary", "junction": "roundabout"}, 68.0),
        (11, [node_id(4, 1), 3004], {"highway": "residential"}, 30.0),
        (12, [node_id(4, 2), 3003], {"highway": "service", "maxspeed": "20"}, 20 * MAXSPEED_FACTOR),
    ]
    return nodes, ways


def test_times_equal_networkx_on_osmnx_graph(tmp_path):
    nodes, ways = town()
    path = write_osm(tmp_path / "town.osm", nodes, [w[:3] for w in ways])
    ours = build_graph(path, "car")
    assert ours.n_nodes < len(nodes)  # shape nodes were contracted

    reference = osmnx.graph_from_xml(path, simplify=False, retain_all=True)
    kmh = {w[0]: w[3] for w in ways}
    for _, _, data in reference.edges(data=True):
        data["time_s"] = data["length"] / (kmh[data["osmid"]] / 3.6)

    ids = ours.node_id.tolist()
    ours_s = dijkstra(ours.csr("time_s"))
    ours_m = dijkstra(ours.csr("length_m"))
    checked = 0
    for i, source in enumerate(ids):
        times = nx.single_source_dijkstra_path_length(reference, source, weight="time_s")
        lengths = nx.single_source_dijkstra_path_length(reference, source, weight="length")
        for j, target in enumerate(ids):
            assert ours_s[i, j] == pytest.approx(times[target], rel=1e-6, abs=1e-6)
            checked += 1
        # the pair-wise shortest lengths agree as well (length-weighted Dijkstra)
        assert [ours_m[i, j] for j in range(len(ids))] == pytest.approx(
            [lengths[t] for t in ids], rel=1e-6, abs=1e-6)
    assert checked == len(ids) ** 2
    # oneway rules really matter here: some pairs are much longer one way
    assert np.abs(ours_s - ours_s.T).max() > 30

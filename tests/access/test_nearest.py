"""Nearest destinations from one origin: by hand, against networkx, and against the batch engine."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from mapapp.access.dijkstra import nearest_destination, read_at_points
from mapapp.access.nearest import nearest_sites_from_origin, times_from_origin
from mapapp.access.synthetic import grid_graph, nearest_nodes_snap
from tests.access.helpers import graph, random_graph, snap

# 0 -> 1 -> 2 -> 3 oneway chain, plus 3 -> 0 (60 s) and a two-way spur 1 <-> 4; node 5 isolated.
HAND = [(0, 1, 10), (1, 2, 20), (2, 3, 30), (3, 0, 60), (1, 4, 5), (4, 1, 5)]


def _nx_times(g, origin, sites) -> np.ndarray:
    """Seconds from the origin to each site: networkx on the graph plus explicit origin and site nodes."""
    G = nx.DiGraph()
    G.add_nodes_from(range(g.n_nodes))
    for u, v, t in zip(g.tail().tolist(), g.head.tolist(), g.time_s.tolist()):
        if not G.has_edge(u, v) or G[u][v]["w"] > t:
            G.add_edge(u, v, w=t)
    if origin.snapped[0]:
        for nd, t in ((origin.node_a[0], origin.time_a_s[0]), (origin.node_b[0], origin.time_b_s[0])):
            if nd >= 0:
                G.add_edge("origin", int(nd), w=float(t))
    for k in range(len(sites)):
        if not sites.snapped[k]:
            continue
        for nd, t in ((sites.node_a[k], sites.time_a_s[k]), (sites.node_b[k], sites.time_b_s[k])):
            if nd >= 0 and (not G.has_edge(int(nd), ("site", k)) or G[int(nd)][("site", k)]["w"] > t):
                G.add_edge(int(nd), ("site", k), w=float(t))
    if "origin" not in G:
        return np.full(len(sites), np.inf)
    dist = nx.single_source_dijkstra_path_length(G, "origin", weight="w")
    return np.array([dist.get(("site", k), np.inf) for k in range(len(sites))])


def test_hand_made_graph_oneway_offsets_and_order():
    g = graph(6, HAND)
    origin = snap([1], [3.0])  # leaves at node 1 after 3 s
    sites = snap([2, 0, 4, 5], [7.0, 1.0, 0.0, 0.0])
    times = times_from_origin(g, origin, sites)
    # node 0 only round the oneway loop 1-2-3-0; node 5 is isolated
    assert times.tolist() == [3 + 20 + 7, 3 + 20 + 30 + 60 + 1, 3 + 5, np.inf]
    near = nearest_sites_from_origin(g, origin, sites, n=5)
    assert near.index.tolist() == [2, 0, 1] and near.time_s.tolist() == [8, 30, 114]
    assert nearest_sites_from_origin(g, origin, sites, n=1).index.tolist() == [2]
    assert nearest_sites_from_origin(g, origin, sites, n=None).index.tolist() == [2, 0, 1]


def test_origin_with_two_ends_takes_the_cheaper_one():
    g = graph(6, HAND)
    origin = snap([3], [1.0], [2], [50.0])  # from node 3 (1 s) or node 2 (50 s)
    sites = snap([2], [0.0])
    # 3 -> 0 -> 1 -> 2 costs 1 + 60 + 10 + 20 = 91 s; leaving at node 2 costs 50 s
    assert times_from_origin(g, origin, sites).tolist() == [50.0]


def test_limit_candidates_and_ties():
    g = graph(6, HAND)
    origin = snap([1], [0.0])
    sites = snap([2, 4, 4], [0.0, 15.0, 15.0])  # 20 s, 20 s, 20 s: ties keep the index order
    assert nearest_sites_from_origin(g, origin, sites).index.tolist() == [0, 1, 2]
    near = nearest_sites_from_origin(g, origin, sites, candidates=[False, True, True], n=1)
    assert near.index.tolist() == [1] and near.time_s.tolist() == [20.0]
    assert np.isinf(times_from_origin(g, origin, sites, limit_s=19.0)).all()
    assert times_from_origin(g, origin, sites, limit_s=20.0).tolist() == [20.0, 20.0, 20.0]
    # an origin whose access leg alone exceeds the limit reaches nothing
    assert np.isinf(times_from_origin(g, snap([1], [30.0]), sites, limit_s=25.0)).all()


def test_unsnapped_origin_or_sites_reach_nothing():
    g = graph(6, HAND)
    sites = snap([2], [0.0])
    assert np.isinf(times_from_origin(g, snap([1], [0.0], snapped=[False]), sites)).all()
    assert np.isinf(times_from_origin(g, snap([1], [0.0]), snap([2], [0.0], snapped=[False]))).all()
    assert len(nearest_sites_from_origin(g, snap([5], [0.0]), sites)) == 0  # isolated node
    assert times_from_origin(g, snap([1], [0.0]), snap([], [])).shape == (0,)


def test_bad_inputs_are_refused():
    g = graph(6, HAND)
    with pytest.raises(ValueError, match="exactly one row"):
        times_from_origin(g, snap([1, 2], [0.0, 0.0]), snap([2], [0.0]))
    with pytest.raises(ValueError, match="another graph"):
        times_from_origin(g, snap([9], [0.0]), snap([2], [0.0]))
    with pytest.raises(ValueError, match="another graph"):
        times_from_origin(g, snap([1], [0.0]), snap([9], [0.0]))
    with pytest.raises(ValueError, match="one value per destination"):
        nearest_sites_from_origin(g, snap([1], [0.0]), snap([2], [0.0]), candidates=[True, False])


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_match_networkx(seed):
    rng = np.random.default_rng(seed)
    g = random_graph(40, 120, seed)
    csr = g.csr()
    sites = snap(rng.integers(0, 40, 12), rng.uniform(0, 30, 12), rng.integers(-1, 40, 12), rng.uniform(0, 30, 12))
    for _ in range(5):
        origin = snap([rng.integers(0, 40)], [rng.uniform(0, 20)], [rng.integers(-1, 40)], [rng.uniform(0, 20)])
        expected = _nx_times(g, origin, sites)
        got = times_from_origin(csr, origin, sites)
        np.testing.assert_allclose(got, expected, rtol=1e-12)
        near = nearest_sites_from_origin(csr, origin, sites, n=4)
        reachable = np.flatnonzero(np.isfinite(expected))
        assert len(near) == min(4, reachable.size)
        np.testing.assert_allclose(near.time_s, np.sort(expected[reachable])[:4], rtol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_agrees_with_the_batch_engine_on_a_grid(seed):
    """The nearest site of an origin is the one the multi-source engine finds, at the same time."""
    g = grid_graph(12, 12, seed=seed)
    rng = np.random.default_rng(seed)
    k = rng.integers(0, g.n_nodes, 8)
    sites = nearest_nodes_snap(g, g.lon[k] + 1e-4, g.lat[k] + 1e-4)
    origins = nearest_nodes_snap(g, g.lon[rng.integers(0, g.n_nodes, 10)] - 1e-4,
                                 g.lat[rng.integers(0, g.n_nodes, 10)] - 1e-4)
    batch = read_at_points(nearest_destination(g, sites), origins)
    csr = g.csr()
    for i in range(len(origins)):
        one = snap([origins.node_a[i]], [origins.time_a_s[i]], [origins.node_b[i]], [origins.time_b_s[i]],
                   snapped=[origins.snapped[i]])
        near = nearest_sites_from_origin(csr, one, sites, n=1)
        if np.isfinite(batch.time_s[i]):
            assert near.time_s[0] == pytest.approx(batch.time_s[i], rel=1e-12)
        else:
            assert len(near) == 0

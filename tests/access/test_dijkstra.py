"""The kernel against hand computations and networkx."""

from __future__ import annotations

import numpy as np
import pytest

from mapapp.access.dijkstra import (NO_SITE, destinations_within, nearest_destination, read_at_points,
                                    read_second_at_points, routing_graph, second_nearest_destination)
from mapapp.access.synthetic import grid_graph, nearest_nodes_snap
from tests.access.helpers import (graph, node_to_site_s, origin_to_site_s, random_graph, snap, two_smallest)

# 0 -> 1 -> 2 -> 3 oneway chain, plus 3 -> 0 (60 s) and a two-way spur 1 <-> 4; node 5 isolated.
HAND = [(0, 1, 10), (1, 2, 20), (2, 3, 30), (3, 0, 60), (1, 4, 5), (4, 1, 5)]


def test_hand_made_graph_oneway_and_offsets():
    g = graph(6, HAND)
    # one site beside node 2, reached from node 2 after 7 s
    t = nearest_destination(g, snap([2], [7.0]))
    expected = [10 + 20 + 7, 20 + 7, 7, 60 + 10 + 20 + 7, 5 + 20 + 7, np.inf]
    assert t.time_s.tolist() == expected
    assert t.site.tolist() == [0, 0, 0, 0, 0, NO_SITE]


def test_offsets_pick_the_cheaper_end_and_zero_offset_is_an_edge():
    g = graph(6, HAND)
    # site reached from node 3 after 100 s or from node 1 after 0 s
    t = nearest_destination(g, snap([3], [100.0], [1], [0.0]))
    assert t.time_s[1] == 0.0 and t.time_s[0] == 10.0
    assert t.time_s[3] == 60 + 10  # 3 -> 0 -> 1 beats the 100 s end
    assert t.time_s[2] == 30 + 60 + 10


def test_two_sites_nearest_and_second_by_hand():
    g = graph(6, HAND)
    dest = snap([0, 2], [0.0, 0.0])
    first = nearest_destination(g, dest, dest_index=[7, 9])
    second = second_nearest_destination(g, dest, first, dest_index=[7, 9])
    assert first.time_s.tolist() == [0, 20, 0, 60, 25, np.inf]
    assert first.site.tolist() == [7, 9, 9, 7, 9, NO_SITE]
    # node 1 reaches node 0 only round the oneway loop 1-2-3-0 (110 s)
    assert second.time_s.tolist() == [30, 110, 90, 90, 115, np.inf]
    assert second.site.tolist() == [9, 7, 7, 9, 7, NO_SITE]


def test_empty_and_unsnapped_destinations_reach_nothing():
    g = graph(6, HAND)
    for dest in (snap([], []), snap([2], [1.0], snapped=[False])):
        t = nearest_destination(g, dest)
        assert np.isinf(t.time_s).all() and (t.site == NO_SITE).all()
        assert np.isinf(second_nearest_destination(g, dest, t).time_s).all()
        assert len(destinations_within(g, dest, 1e9)) == 0


def test_parallel_edges_keep_the_fastest():
    g = graph(2, [(0, 1, 50), (0, 1, 20), (1, 0, 5)])
    assert nearest_destination(g, snap([1], [0.0])).time_s[0] == 20


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_match_networkx(seed):
    g = random_graph(70, 200, seed)  # sparse: several components, oneway everywhere
    rng = np.random.default_rng(seed)
    k = 6
    dest = snap(rng.integers(0, 70, k), rng.integers(0, 30, k), rng.integers(-1, 70, k), rng.integers(0, 30, k))
    D = node_to_site_s(g, dest)
    first = nearest_destination(g, dest)
    second = second_nearest_destination(g, dest, first)
    ref = np.sort(D, axis=0)
    np.testing.assert_allclose(first.time_s, ref[0], rtol=1e-12)
    np.testing.assert_allclose(second.time_s, ref[1], rtol=1e-12)
    reach = np.isfinite(first.time_s)
    assert np.isinf(ref[0]).any()  # the graph really has unreachable nodes
    assert (first.site[~reach] == NO_SITE).all()
    cols = np.flatnonzero(reach)
    np.testing.assert_allclose(D[first.site[cols], cols], first.time_s[cols], rtol=1e-12)
    two = np.flatnonzero(np.isfinite(second.time_s))
    assert (second.site[two] != first.site[two]).all()
    np.testing.assert_allclose(D[second.site[two], two], second.time_s[two], rtol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_grid_graphs_match_networkx(seed):
    g = grid_graph(18, 22, seed=seed, oneway_share=0.25)
    rng = np.random.default_rng(seed)
    nodes = rng.choice(g.n_nodes, 9, replace=False)
    dest = nearest_nodes_snap(g, g.lon[nodes] + 4e-4, g.lat[nodes])
    D = node_to_site_s(g, dest)
    first = nearest_destination(g, dest)
    second = second_nearest_destination(g, dest, first)
    ref = np.sort(D, axis=0)
    np.testing.assert_allclose(first.time_s, ref[0], rtol=1e-12)
    np.testing.assert_allclose(second.time_s, ref[1], rtol=1e-12)
    # points read their times through their own two ends
    pts = nearest_nodes_snap(g, g.lon[:50] + 3e-4, g.lat[:50] - 2e-4)
    P = origin_to_site_s(D, pts)
    at = read_at_points(first, pts)
    np.testing.assert_allclose(at.time_s, P.min(axis=1), rtol=1e-12)
    np.testing.assert_allclose(P[np.arange(50), at.site], at.time_s, rtol=1e-12)
    sec = read_second_at_points(first, second, pts, at.site)
    np.testing.assert_allclose(sec.time_s, [two_smallest(r)[1] for r in P], rtol=1e-12)
    assert (sec.site != at.site).all()


def test_ties_give_equal_second_time():
    g = graph(3, [(0, 1, 10), (1, 0, 10), (1, 2, 10), (2, 1, 10)])
    dest = snap([0, 2], [0.0, 0.0])
    first = nearest_destination(g, dest)
    second = second_nearest_destination(g, dest, first)
    assert first.time_s[1] == second.time_s[1] == 10
    assert {first.site[1], second.site[1]} == {0, 1}


@pytest.mark.parametrize("seed", range(3))
def test_second_nearest_restricted_to_cells_is_exact_there(seed):
    g = grid_graph(15, 15, seed=seed, oneway_share=0.2)
    rng = np.random.default_rng(seed)
    dest = snap(rng.choice(g.n_nodes, 7, replace=False), rng.uniform(0, 20, 7))
    first = nearest_destination(g, dest)
    full = second_nearest_destination(g, dest, first)
    probe = rng.choice(g.n_nodes, 3, replace=False)
    part = second_nearest_destination(g, dest, first, cells_of=probe)
    in_cells = np.isin(first.site, first.site[probe])
    np.testing.assert_array_equal(part.time_s[in_cells], full.time_s[in_cells])
    assert np.isinf(part.time_s[~in_cells]).all()
    assert in_cells.sum() < g.n_nodes  # the restriction did skip something


@pytest.mark.parametrize("seed", range(4))
def test_destinations_within_matches_brute_force(seed):
    g = random_graph(60, 220, seed + 10)
    rng = np.random.default_rng(seed)
    k = 5
    dest = snap(rng.integers(0, 60, k), rng.integers(0, 10, k), rng.integers(0, 60, k), rng.integers(0, 10, k))
    radius = rng.integers(20, 90, k).astype(float)
    radius[0] = 55.0
    D = node_to_site_s(g, dest)
    nodes = rng.choice(60, 25, replace=False)
    pairs = destinations_within(g, dest, radius, nodes=nodes, dest_index=np.arange(k) + 100)
    got = {(int(n), int(s)): t for n, s, t in zip(pairs.node, pairs.site, pairs.time_s)}
    want = {(int(n), j + 100): D[j, n] for j in range(k) for n in nodes if D[j, n] <= radius[j]}
    assert got.keys() == want.keys() and len(want) > 0
    for key, t in want.items():
        assert got[key] == pytest.approx(t, rel=1e-12)


def test_radius_boundary_is_inclusive():
    g = graph(3, [(0, 1, 30), (1, 2, 30)])
    pairs = destinations_within(g, snap([2], [0.0]), 60.0)
    assert sorted(pairs.node.tolist()) == [0, 1, 2]
    assert sorted(destinations_within(g, snap([2], [0.0]), 59.999).node.tolist()) == [1, 2]


def test_unsnapped_origin_reads_inf_and_offsets_add():
    g = graph(6, HAND)
    t = nearest_destination(g, snap([2], [0.0]))
    pts = snap([0, 4, 1, -1], [5, 1, 2, 0], [3, -1, 4, -1], [1, 0, 0, 0])
    at = read_at_points(t, pts)
    assert at.time_s.tolist() == [min(5 + 30, 1 + 90), 1 + 25, 2 + 20, np.inf]
    assert at.site.tolist() == [0, 0, 0, NO_SITE]


def test_bad_inputs_are_refused():
    g = graph(6, HAND)
    with pytest.raises(ValueError):
        nearest_destination(g, snap([99], [0.0]))
    with pytest.raises(ValueError):
        nearest_destination(g, snap([1, 2], [0.0, 0.0]), dest_index=[3, 3])
    with pytest.raises(ValueError):
        nearest_destination(g, snap([1], [-1.0]))


def test_routing_graph_is_cached_per_graph():
    g = graph(6, HAND)
    assert routing_graph(g) is routing_graph(g)
    assert routing_graph(g).fingerprint() == routing_graph(graph(6, HAND)).fingerprint()
    assert routing_graph(g).fingerprint() != routing_graph(graph(6, HAND[:-1])).fingerprint()

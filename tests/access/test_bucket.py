"""The bucket-queue kernel (mapapp.access.bucket) against scipy's Dijkstra: exact times, labels, limits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from mapapp.access import bucket, searches
from mapapp.access.dijkstra import (destinations_within, nearest_destination, routing_graph,
                                    second_nearest_destination)
from mapapp.access.run import compute_access
from mapapp.access.synthetic import grid_graph
from tests.access.helpers import snap


def _csr(n, tail, head, w):
    m = sp.csr_matrix((np.asarray(w, float), (tail, head)), shape=(n, n))
    m.sum_duplicates()
    return m


def _random_csr(n, m, seed, low=0.0, high=60.0, zero_share=0.05):
    """Random directed graph with float times (some zero), as a CSR with minimum parallel edges."""
    rng = np.random.default_rng(seed)
    tail, head = rng.integers(0, n, m), rng.integers(0, n, m)
    w = rng.uniform(low, high, m)
    w[rng.random(m) < zero_share] = 0.0
    # keep the minimum of parallel edges, as RoadGraph.csr does
    order = np.lexsort((w, head, tail))
    t, h, ww = tail[order], head[order], w[order]
    first = np.r_[True, (t[1:] != t[:-1]) | (h[1:] != h[:-1])]
    coo = sp.csr_matrix((ww[first], (t[first], h[first])), shape=(n, n))
    coo.sort_indices()
    return coo.indptr.astype(np.int32), coo.indices.astype(np.int32), coo.data.astype(np.float64)


def _scipy_multi(indptr, indices, w, n, s_node, s_time):
    """Reference: scipy from one virtual node joined to each source by its start time."""
    mat = sp.csr_matrix((np.r_[w, s_time], np.r_[indices, s_node],
                         np.r_[indptr, indptr[-1] + len(s_node)]), shape=(n + 1, n + 1))
    return dijkstra(mat, directed=True, indices=n)[:n]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("width", [None, 0.01, 7.0, 200.0])
def test_multi_source_equals_scipy_on_random_graphs(seed, width):
    """Exact for any bucket width: wider buckets only re-scan nodes (label-correcting inside a bucket)."""
    n = 300
    indptr, indices, w = _random_csr(n, 1200, seed)
    rng = np.random.default_rng(100 + seed)
    k = 6
    s_node = rng.choice(n, k, replace=False)
    s_time = rng.uniform(0, 500, k)  # starts spread far beyond one edge
    dist, label = bucket.multi_source(indptr, indices, w, n, s_node, s_time, np.arange(k) + 10, width=width)
    ref = _scipy_multi(indptr, indices, w, n, s_node, s_time)
    np.testing.assert_array_equal(np.isinf(dist), np.isinf(ref))
    fin = np.isfinite(ref)
    np.testing.assert_allclose(dist[fin], ref[fin], rtol=1e-12, atol=1e-9)
    assert (label[~fin] == -1).all()
    # the label is a source whose start + distance gives the time
    per = np.stack([dijkstra(_csr(n, np.repeat(np.arange(n), np.diff(indptr)), indices, w),
                             indices=s) + t for s, t in zip(s_node, s_time)])
    got = per[label[fin] - 10, np.flatnonzero(fin)]
    np.testing.assert_allclose(got, dist[fin], rtol=1e-12, atol=1e-9)


def test_ties_unreachable_and_zero_edges():
    # 0 -> 1 -> 2 <- 3, node 4 isolated; sources at 0 and 3, both 10 s from node 2
    indptr, indices, w = (np.array(x) for x in ([0, 1, 2, 2, 3, 3], [1, 2, 2], [4.0, 6.0, 10.0]))
    indptr, indices = indptr.astype(np.int32), indices.astype(np.int32)
    dist, label = bucket.multi_source(indptr, indices, w, 5, [0, 3], [0.0, 0.0], [7, 9])
    np.testing.assert_array_equal(dist, [0.0, 4.0, 10.0, 0.0, np.inf])
    assert label[2] in (7, 9) and label[1] == 7 and label[4] == -1
    # zero-time edge and a start of 0 s
    dist, label = bucket.multi_source(np.array([0, 1, 1], np.int32), np.array([1], np.int32), np.array([0.0]),
                                      2, [0], [0.0], [3])
    np.testing.assert_array_equal(dist, [0.0, 0.0])
    np.testing.assert_array_equal(label, [3, 3])
    # no source at all
    dist, label = bucket.multi_source(indptr, indices, w, 5, [], [], [])
    assert np.isinf(dist).all() and (label == -1).all()


@pytest.mark.parametrize("seed", range(4))
def test_limit_cuts_like_scipy(seed):
    n = 400
    indptr, indices, w = _random_csr(n, 1600, seed)
    s_node, s_time = np.array([3, 50]), np.array([0.0, 20.0])
    ref = _scipy_multi(indptr, indices, w, n, s_node, s_time)
    limit = float(np.median(ref[np.isfinite(ref)]))
    dist, label = bucket.multi_source(indptr, indices, w, n, s_node, s_time, [0, 1], limit=limit)
    inside = ref <= limit
    np.testing.assert_allclose(dist[inside], ref[inside], rtol=1e-12)
    assert np.isinf(dist[~inside]).all() and (label[~inside] == -1).all()
    # a source beyond the limit starts nothing
    dist, _ = bucket.multi_source(indptr, indices, w, n, [7], [limit + 1], [0], limit=limit)
    assert np.isinf(dist).all()


def test_cells_restrict_the_search():
    # chain 0 -> 1 -> 2 -> 3, cells {0, 1} and {2, 3}: a start at 0 does not cross into cell 1
    indptr = np.array([0, 1, 2, 3, 3], np.int32)
    indices = np.array([1, 2, 3], np.int32)
    w = np.array([1.0, 1.0, 1.0])
    dist, label = bucket.multi_source(indptr, indices, w, 4, [0], [5.0], [2], cell=np.array([0, 0, 1, 1]))
    np.testing.assert_array_equal(dist, [5.0, 6.0, np.inf, np.inf])
    np.testing.assert_array_equal(label, [2, 2, -1, -1])


@pytest.mark.parametrize("seed", range(4))
def test_within_equals_one_scipy_search_per_group(seed):
    n = 300
    indptr, indices, w = _random_csr(n, 1100, seed)
    rng = np.random.default_rng(seed)
    group = np.array([0, 0, 1, 2, 4])  # group 3 has no source; group 2 has a negative radius
    s_node = rng.choice(n, group.size, replace=False)
    s_time = rng.uniform(0, 30, group.size)
    radius = np.array([120.0, 60.0, -1.0, 80.0, 0.0])
    keep = rng.random(n) < 0.5
    node, grp, t = bucket.within(indptr, indices, w, n, group, s_node, s_time, radius, keep)
    got = {(int(a), int(b)): c for a, b, c in zip(node, grp, t)}
    want = {}
    for j in (0, 1, 4):
        ref = _scipy_multi(indptr, indices, w, n, s_node[group == j], s_time[group == j])
        for v in np.flatnonzero(keep & (ref <= radius[j])):
            want[(int(v), j)] = ref[v]
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-12)


def _sites(g, k, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.choice(g.n_nodes, k, replace=False), rng.choice(g.n_nodes, k, replace=False)
    return snap(a, rng.uniform(0, 120, k), b, rng.uniform(0, 120, k))


@pytest.mark.parametrize("seed", range(3))
def test_engine_searches_equal_the_scipy_kernel(seed):
    """The three searches of mapapp.access.dijkstra give the same results with both kernels."""
    g = grid_graph(40, 40, seed=seed)
    dest = _sites(g, 12, seed)
    idx = np.arange(12) * 3 + 5
    first = {k: nearest_destination(g, dest, idx, kernel=k) for k in ("bucket", "scipy")}
    np.testing.assert_allclose(first["bucket"].time_s, first["scipy"].time_s, rtol=1e-12)
    # nearest site: equal wherever the nearest is unique (a tie may name either)
    t = first["scipy"].time_s
    np.testing.assert_array_equal(first["bucket"].site, first["scipy"].site)  # no tie on float times here
    probe = np.arange(0, g.n_nodes, 37)
    for cells_of in (None, probe):
        sec = {k: second_nearest_destination(g, dest, first["scipy"], idx, cells_of=cells_of, kernel=k)
               for k in ("bucket", "scipy")}
        np.testing.assert_allclose(sec["bucket"].time_s, sec["scipy"].time_s, rtol=1e-12)
        np.testing.assert_array_equal(sec["bucket"].site, sec["scipy"].site)
        assert (sec["bucket"].site != first["scipy"].site)[np.isfinite(sec["bucket"].time_s)].all()
    radius = np.linspace(60, 400, 12)
    pairs = {k: destinations_within(g, dest, radius, nodes=probe, dest_index=idx, kernel=k)
             for k in ("bucket", "scipy")}
    frames = {k: pd.DataFrame({"node": p.node, "site": p.site, "t": p.time_s}).sort_values(["node", "site"])
              .reset_index(drop=True) for k, p in pairs.items()}
    pd.testing.assert_frame_equal(frames["bucket"], frames["scipy"], rtol=1e-12)
    assert len(frames["bucket"]) > 0 and np.isfinite(t).all()


def test_second_starts_twin_of_numpy():
    from mapapp.access import scipy_kernel
    from mapapp.access.dijkstra import _dest_edges

    g = grid_graph(30, 30, seed=4)
    rg = routing_graph(g)
    dest = _sites(g, 8, 4)
    first = nearest_destination(g, dest)
    src, dst, w = _dest_edges(dest, rg.n_nodes)
    wanted = np.array([True, False] * 4)
    for want in (None, wanted):
        a = bucket.second_starts(rg.indptr, rg.indices, rg.data, first.site, first.time_s, dst, src, w, want)
        b = scipy_kernel.second_starts(rg, first.site, first.time_s, src, dst, w, want)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_allclose(a[1], b[1], rtol=0)


def test_search_workers_follow_the_graph_size():
    assert searches.search_workers(2, 10_000) == 1
    assert searches.search_workers(2, 10 ** 6) == min(2, __import__("os").cpu_count() or 1)
    assert searches.search_workers(1, 10 ** 6) == 1


def test_threads_give_the_same_tables(monkeypatch):
    """Two search threads on one shared graph: the same tables as one thread."""
    from tests.access.test_run_brute_force import THEMES, build

    g, points, communes, sites, offers, *_ = build(7)
    one = compute_access(g, points, communes, sites, offers, THEMES, workers=1)
    monkeypatch.setattr(searches, "THREADS_MIN_NODES", 0)
    monkeypatch.setattr(searches.os, "cpu_count", lambda: 2)
    seen = []
    real = searches.ThreadPoolExecutor

    def spy(*a, **k):
        seen.append(a[0])
        return real(*a, **k)

    monkeypatch.setattr(searches, "ThreadPoolExecutor", spy)
    two = compute_access(g, points, communes, sites, offers, THEMES, workers=2)
    assert seen == [2]
    for name in ("points", "communes", "sites", "territories", "site_communes"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name))


def test_bounded_searches_beyond_the_initial_queue_capacity():
    """More queue entries than the bounded searches' first allocation (65,536): the queue grows."""
    g = grid_graph(200, 200, seed=3)
    dest = _sites(g, 3, 3)
    radius = np.full(3, 1e6)
    a = destinations_within(g, dest, radius, kernel="bucket")
    b = destinations_within(g, dest, radius, kernel="scipy")
    assert len(a) == len(b) > 3 * 30_000
    fa = pd.DataFrame({"n": a.node, "s": a.site, "t": a.time_s}).sort_values(["s", "n"]).reset_index(drop=True)
    fb = pd.DataFrame({"n": b.node, "s": b.site, "t": b.time_s}).sort_values(["s", "n"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(fa, fb, check_dtype=False, rtol=1e-12)


def test_one_huge_bucket_rescans_and_grows_the_queue():
    """Width 1e9 s: every node in one bucket, a pure label-correcting search whose re-scans overflow the
    first queue (more pushes than edges); the search restarts with a larger one and stays exact."""
    n = 2000
    indptr, indices, w = _random_csr(n, 20000, 1)
    cap = indices.size + 3 + 16
    first = bucket._search(indptr, indices, w, np.zeros(1, np.int32), False, np.array([0, 5, 9]), np.zeros(3),
                           np.arange(3, dtype=np.int32), np.inf, 1e-9, 3, np.full(n, np.inf),
                           np.full(n, -1, np.int32), np.full(n, np.inf), np.full(3, -1, np.int32),
                           np.empty(cap, np.int32), np.empty(cap, np.int32), np.empty(n, np.int32), 0)
    assert first == -1  # the case under test happens
    dist, _ = bucket.multi_source(indptr, indices, w, n, [0, 5, 9], [0.0, 0.0, 0.0], [0, 1, 2], width=1e9)
    ref = _scipy_multi(indptr, indices, w, n, np.array([0, 5, 9]), np.zeros(3))
    np.testing.assert_array_equal(np.isinf(dist), np.isinf(ref))
    np.testing.assert_allclose(dist[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-12)

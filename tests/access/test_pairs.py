"""Pair lists and top-two selection against a plain Python reference."""

from __future__ import annotations

import numpy as np
import pytest

from mapapp.access.dijkstra import ReachPairs
from mapapp.access.pairs import merge_pairs, merge_top2, origin_pairs, top2_of_pairs
from tests.access.helpers import snap


def reference_top2(cands: dict[int, dict[int, float]], k: int):
    out = []
    for o in range(k):
        items = sorted((t, s) for s, t in cands.get(o, {}).items() if np.isfinite(t) and s >= 0)
        out.append([items[0][0] if items else np.inf, items[1][0] if len(items) > 1 else np.inf])
    return np.array(out).reshape(k, 2)


@pytest.mark.parametrize("seed", range(5))
def test_origin_pairs_and_top2(seed):
    rng = np.random.default_rng(seed)
    n_nodes, n_sites, k = 12, 7, 15
    e = 40
    reach = ReachPairs(rng.integers(0, n_nodes, e), rng.integers(0, n_sites, e).astype(np.int32),
                       rng.integers(0, 5, e).astype(float))  # integer times: many ties
    key = reach.node * n_sites + reach.site
    _, first = np.unique(key, return_index=True)  # the kernel never repeats a (node, site)
    reach = ReachPairs(reach.node[first], reach.site[first], reach.time_s[first])
    org = snap(rng.integers(-1, n_nodes, k), rng.integers(0, 3, k), rng.integers(-1, n_nodes, k),
               rng.integers(0, 3, k))
    pairs = origin_pairs(reach, org, n_nodes, n_sites)
    ref: dict[int, dict[int, float]] = {}
    for o in range(k):
        if not org.snapped[o]:
            continue
        for nd, off in ((org.node_a[o], org.time_a_s[o]), (org.node_b[o], org.time_b_s[o])):
            for n, s, t in zip(reach.node, reach.site, reach.time_s):
                if nd >= 0 and n == nd:
                    ref.setdefault(o, {})
                    ref[o][int(s)] = min(ref[o].get(int(s), np.inf), off + t)
    got = {(int(o), int(s)): t for o, s, t in zip(pairs.origin, pairs.site, pairs.time_s)}
    assert got == {(o, s): t for o, d in ref.items() for s, t in d.items()}
    assert np.all(np.diff(pairs.origin * n_sites + pairs.site) > 0)  # sorted, unique
    t1, s1, t2, s2 = top2_of_pairs(k, pairs)
    want = reference_top2(ref, k)
    np.testing.assert_array_equal(np.c_[t1, t2], want)
    has = np.isfinite(t1)
    assert all(ref[o][s1[o]] == t1[o] for o in np.flatnonzero(has))
    two = np.isfinite(t2)
    assert all(ref[o][s2[o]] == t2[o] and s2[o] != s1[o] for o in np.flatnonzero(two))
    assert (s1[~has] == -1).all() and (s2[~two] == -1).all()


@pytest.mark.parametrize("seed", range(5))
def test_merge_top2_keeps_distinct_sites(seed):
    rng = np.random.default_rng(seed)
    k = 30
    tops = []
    cands: dict[int, dict[int, float]] = {}
    for _ in range(3):
        t = rng.integers(0, 6, (k, 2)).astype(float)
        t[rng.random((k, 2)) < 0.2] = np.inf
        s = rng.integers(0, 4, (k, 2)).astype(np.int32)
        s[:, 1] = np.where(s[:, 1] == s[:, 0], (s[:, 0] + 1) % 4, s[:, 1])  # a top-two never repeats a site
        s[~np.isfinite(t)] = -1
        tops.append((t[:, 0], s[:, 0], t[:, 1], s[:, 1]))
        for o in range(k):
            for j in range(2):
                if s[o, j] >= 0:
                    d = cands.setdefault(o, {})
                    d[int(s[o, j])] = min(d.get(int(s[o, j]), np.inf), t[o, j])
    t1, s1, t2, s2 = merge_top2(*tops)
    np.testing.assert_array_equal(np.c_[t1, t2], reference_top2(cands, k))
    two = np.isfinite(t2)
    assert (s1[two] != s2[two]).all()


def test_merge_pairs_keeps_the_smaller_time():
    a = origin_pairs(ReachPairs(np.array([0, 0]), np.array([1, 2], np.int32), np.array([5.0, 9.0])),
                     snap([0], [0.0]), 1, 3)
    b = origin_pairs(ReachPairs(np.array([0]), np.array([2], np.int32), np.array([4.0])), snap([0], [0.0]), 1, 3)
    m = merge_pairs(a, b, 3)
    assert m.site.tolist() == [1, 2] and m.time_s.tolist() == [5.0, 4.0]


@pytest.mark.parametrize("seed", range(6))
def test_merge_top2_kernel_equals_its_numpy_twin(seed):
    """Random candidates with many ties (integer times) and repeated sites: the same two best."""
    from mapapp.access.pairs import merge_top2_numpy

    rng = np.random.default_rng(seed)
    k = 400
    tops = []
    for _ in range(3):
        t1 = rng.integers(0, 5, k).astype(float)
        t2 = t1 + rng.integers(0, 3, k)
        s1, s2 = rng.integers(-1, 6, k).astype(np.int32), rng.integers(-1, 6, k).astype(np.int32)
        t1[rng.random(k) < 0.1] = np.inf
        tops.append((t1, s1, t2, s2))
    got, want = merge_top2(*tops), merge_top2_numpy(*tops)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    assert (got[1] != got[3])[got[3] >= 0].all()

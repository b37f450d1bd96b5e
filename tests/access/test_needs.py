"""Needs beside offers: proportional spreading, need-weighted shares, supply per 100, 2SFCA by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from mapapp.access.needs import distribute_needs, need_shares, supply_per_100, two_step_fca, unplaced_needs

NEEDS = pd.DataFrame({"zone": ["A", "B", "C"], "count": [80.0, np.nan, 40.0], "secret": [None, "primaire", None]})
POINTS = pd.DataFrame({"point_id": [1, 2, 3, 4], "commune": ["A", "A", "B", "C"],
                       "population": [100.0, 300.0, 200.0, 100.0], "time_min": [5.0, 30.0, 25.0, np.inf]})
GRIDS = pd.DataFrame({"grid": ["epci", "epci", "epci"], "code": ["E1", "E1", "E2"], "commune": ["A", "B", "C"]})


def test_counts_are_spread_in_proportion_to_inhabitants():
    p = distribute_needs(POINTS, NEEDS).set_index("point_id")
    assert p.loc[1, "need"] == pytest.approx(20) and p.loc[2, "need"] == pytest.approx(60)
    assert math.isnan(p.loc[3, "need"]) and p.loc[3, "need_secret"]
    assert p.loc[4, "need"] == pytest.approx(40)


def test_need_weighted_share_beside_the_share_of_inhabitants():
    out = need_shares(POINTS, NEEDS, 20, GRIDS).set_index(["grid", "code"])
    whole = out.loc[("all", "all")]
    # beneficiaries: A 20 within + 60 beyond, C 40 beyond (unreachable); B secret, left out
    assert whole["need_total"] == pytest.approx(120) and whole["share_need_beyond"] == pytest.approx(100 / 120)
    assert whole["share_population_beyond"] == pytest.approx(600 / 700) and whole["n_secret"] == 1
    assert out.loc[("epci", "E1"), "share_need_beyond"] == pytest.approx(60 / 80)
    assert out.loc[("epci", "E1"), "n_secret"] == 1 and out.loc[("epci", "E2"), "share_need_beyond"] == 1.0


def test_a_unit_whose_counts_are_all_secret_has_no_figure():
    grids = pd.DataFrame({"grid": ["canton"], "code": ["K"], "commune": ["B"]})
    out = need_shares(POINTS, NEEDS, 20, grids).set_index(["grid", "code"])
    assert math.isnan(out.loc[("canton", "K"), "need_total"])
    assert math.isnan(out.loc[("canton", "K"), "share_need_beyond"])


def test_unplaced_counts_are_reported():
    needs = pd.concat([NEEDS, pd.DataFrame({"zone": ["D"], "count": [15.0], "secret": [None]})])
    assert unplaced_needs(POINTS, needs)["zone"].tolist() == ["D"]


def test_supply_per_100_beneficiaries():
    supply = pd.DataFrame({"offer_id": ["o1", "o2", "o3"], "site_id": ["s1", "s1", "s2"], "commune": ["A", "A", "C"],
                           "weekly_hours": [10.0, 10.0, np.nan]})
    out = supply_per_100(NEEDS, supply, GRIDS).set_index(["grid", "code"])
    whole = out.loc[("all", "all")]
    assert whole["n_offers"] == 3 and whole["weekly_hours"] == 10  # s1's hours once
    assert whole["offers_per_100"] == pytest.approx(300 / 120) and whole["hours_per_100"] == pytest.approx(1000 / 120)
    assert whole["n_sites_without_hours"] == 1 and whole["n_secret"] == 1
    assert out.loc[("epci", "E1"), "offers_per_100"] == pytest.approx(200 / 80)


def test_two_step_fca_by_hand():
    # Points: P1 (commune A, 100 beneficiaries), P2 (A, 50), P3 (B, 50). Sites: S1 capacity 30, S2 capacity 10,
    # S3 unknown capacity, S4 capacity 5 reached by nobody. Catchment 20 min.
    pairs = pd.DataFrame({"point_id": ["P1", "P2", "P2", "P3", "P3", "P1", "P1"],
                          "site_id": ["S1", "S1", "S2", "S2", "S1", "S3", "S4"],
                          "time_min": [10, 15, 20, 5, 25, 3, 40]})
    demand = pd.DataFrame({"point_id": ["P1", "P2", "P3"], "commune": ["A", "A", "B"], "need": [100.0, 50.0, 50.0]})
    capacity = pd.DataFrame({"site_id": ["S1", "S2", "S3", "S4"], "capacite": [30, 10, np.nan, 5]})
    communes, sites = two_step_fca(pairs, demand, capacity, 20)
    # Step 1: R1 = 30 / (100 + 50) = 0.2 (P3 is at 25 min: out); R2 = 10 / (50 + 50) = 0.1 (20 min is within)
    sites = sites.set_index("site_id")
    assert sites.loc["S1", "ratio"] == pytest.approx(0.2) and sites.loc["S2", "ratio"] == pytest.approx(0.1)
    assert "S3" not in sites.index and math.isnan(sites.loc["S4", "ratio"])
    # Step 2: A(P1) = 0.2, A(P2) = 0.2 + 0.1 = 0.3, A(P3) = 0.1
    communes = communes.set_index("commune")
    assert communes.loc["A", "score"] == pytest.approx((100 * 0.2 + 50 * 0.3) / 150)
    assert communes.loc["A", "score_per_100"] == pytest.approx(100 * 35 / 150)
    assert communes.loc["B", "score"] == pytest.approx(0.1)
    # every reachable place is shared out exactly once: Σ A_i D_i = capacity of the reached sites
    assert (communes["score"] * communes["need"]).sum() == pytest.approx(40)


def test_catchment_pairs_read_both_snap_nodes_and_keep_the_radius():
    from mapapp.access.needs import catchment_pairs
    from tests.access.helpers import graph, snap

    # 0 <-> 1 <-> 2, 60 s each way; the site sits on node 1; P0 on node 0, P1 10 s from node 2 (or 200 s from 0).
    g = graph(3, [(0, 1, 60), (1, 0, 60), (1, 2, 60), (2, 1, 60)])
    points = snap([0, 2], [0.0, 10.0], [-1, 0], [np.inf, 200.0])
    sites = snap([1], [0.0])
    pairs = catchment_pairs(g, points, sites, 70 / 60).sort_values("point")
    assert pairs[["point", "site"]].values.tolist() == [[0, 0], [1, 0]]
    assert pairs["time_min"].tolist() == pytest.approx([1.0, 70 / 60])  # P1: min(10 + 60, 200 + 60)
    assert catchment_pairs(g, points, sites, 65 / 60)["point"].tolist() == [0]

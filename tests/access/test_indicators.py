"""Indicators on a territory small enough to compute by hand.

Road: a two-way line 0-1-2-3-4, 60 s per link; nodes 5-6 form another
component. Site S0 at node 0 (0 s), S1 at node 4 (10 s), S2 at node 2 with
only a remote and a closed offer (must not count). Thresholds: main 2 min,
bands 1 and 3 min.

point  commune  pop  node (+s)     nearest   second     sites <= 120 s
p0     X        10   0             S0 0      S1 250     1
p1     X        20   1             S0 60     S1 190     1
p2     X        30   2 (+60)       S0 180    S1 190     0
p3     Y        40   3             S1 70     S0 180     1
p4     Y        50   5             -         -          0   (other component)
p5     Z         5   unsnapped     -         -          0
p6     Y         0   2             S0 120    S1 130     1   (exactly on the threshold: within)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mapapp.access.run import compute_access
from mapapp.access.themes import Theme, Thresholds
from tests.access.helpers import frames, graph, offer, snap

PERMIS = "mobilite--preparer-un-permis"
LINE = [(a, b, 60) for a, b in ((0, 1), (1, 2), (2, 3), (3, 4))]
EDGES = LINE + [(b, a, t) for a, b, t in LINE] + [(5, 6, 30), (6, 5, 30)]
THEME = Theme("permis", "Permis", thematiques={PERMIS}, thresholds={"car": Thresholds(2, (1, 3))})


@pytest.fixture(scope="module")
def res():
    g = graph(7, EDGES)
    pts = snap([0, 1, 2, 3, 5, -1, 2], [0, 0, 60, 0, 0, 0, 0])
    points, communes, sites = frames(pts, ["X", "X", "X", "Y", "Y", "Z", "Y"], [10, 20, 30, 40, 50, 5, 0],
                                     snap([0, 4, 2], [0, 10, 0]), ["X", "Y", "Z", "W"],
                                     main_snap=snap([1, 3, -1, 6], [0, 0, 0, 0]))
    communes["population"] = [100, 90, 5, 12]
    offers = pd.DataFrame([offer("a", "S0", [PERMIS]), offer("b", "S1", [PERMIS]),
                           offer("c", "S2", [PERMIS], mode="remote"), offer("d", "S2", [PERMIS], status="closed")])
    grids = pd.DataFrame({"grid": ["tas"] * 4 + ["epci"], "code": ["T1", "T1", "T2", "T2", "E"],
                          "commune": ["X", "Y", "Z", "W", "X"]})
    return compute_access(g, points, communes, sites, offers, [THEME], grids)


def row(df, **keys):
    sel = np.ones(len(df), bool)
    for k, v in keys.items():
        sel &= (df[k] == v).to_numpy()
    assert sel.sum() == 1
    return df[sel].iloc[0]


def test_points(res):
    p = res.points
    assert (p.time_min * 60).tolist() == pytest.approx([0, 60, 180, 70, math.inf, math.inf, 120], rel=1e-12)
    assert (p.second_time_min * 60).tolist() == pytest.approx([250, 190, 190, 180, math.inf, math.inf, 130],
                                                               rel=1e-12)
    assert p.site_id.fillna("-").tolist() == ["S0", "S0", "S0", "S1", "-", "-", "S0"]
    assert p.n_sites_within.tolist() == [1, 1, 0, 1, 0, 0, 1]
    assert p.snapped.tolist() == [True] * 5 + [False, True]


def test_commune_means_skip_unreachable_and_report_them(res):
    x, y, z, w = (row(res.communes, commune=c) for c in "XYZW")
    assert x.population == 100 and x.population_points == 60  # official figure kept beside the points'
    assert x.mean_time_min == pytest.approx((10 * 0 + 20 * 60 + 30 * 180) / 60 / 60)
    assert y.population_points == 90 and y.population_reachable == 40 and y.population_unreachable == 50
    assert y.mean_time_min == pytest.approx(70 / 60)  # p6 weighs 0, p4 is unreachable: not averaged
    assert z.population_unreachable == 5 and z.population_unsnapped == 5 and math.isnan(z.mean_time_min)
    assert w.population_points == 0 and math.isnan(w.mean_time_min) and math.isnan(w.share_beyond_main)


def test_beyond_is_strict_and_counts_unreachable(res):
    b = res.commune_bands
    assert row(b, commune="X", threshold_min=1.0).population_beyond == 30  # p1 at exactly 60 s is within
    assert row(b, commune="X", threshold_min=3.0).population_beyond == 0  # p2 at exactly 180 s is within
    assert row(b, commune="Y", threshold_min=1.0).population_beyond == 90  # 70 s > 60 s, and unreachable
    assert row(b, commune="Y", threshold_min=3.0).share_beyond == pytest.approx(50 / 90)
    x = row(res.communes, commune="X")
    assert x.main_threshold_min == 2 and x.population_beyond_main == 30 and x.share_beyond_main == 0.5


def test_zone_blanche(res):
    zb = dict(zip(res.communes.commune, res.communes.zone_blanche))
    assert [zb["X"], zb["Y"], zb["Z"]] == [False, False, True] and pd.isna(zb["W"])


def test_second_overlap_and_main_point(res):
    x, y, w = (row(res.communes, commune=c) for c in "XYW")
    assert x.mean_second_time_min == pytest.approx((10 * 250 + 20 * 190 + 30 * 190) / 60 / 60)
    assert y.population_without_second == 50
    assert x.mean_sites_within == pytest.approx((10 + 20) / 60) and x.share_population_2plus == 0
    assert x.n_sites_reaching == 1 and y.n_sites_reaching == 1 and x.n_eligible_sites == 2
    assert x.nearest_site_id == "S0" and y.nearest_site_id == "S1"
    assert x.main_point_time_min * 60 == pytest.approx(60) and x.main_point_site_id == "S0"
    assert x.main_point_second_time_min * 60 == pytest.approx(190) and x.main_point_n_sites_within == 1
    assert y.main_point_time_min * 60 == pytest.approx(70) and math.isinf(w.main_point_time_min)


def test_territories_by_hand_and_population_conserved(res):
    t1 = row(res.territories, grid="tas", code="T1")
    assert t1.n_communes == 2 and t1.population_points == 150 and t1.population_unreachable == 50
    assert t1.mean_time_min == pytest.approx((20 * 60 + 30 * 180 + 40 * 70) / 100 / 60)
    assert t1.population_beyond_main == 30 + 50 and t1.n_zones_blanches == 0
    t2 = row(res.territories, grid="tas", code="T2")
    assert t2.population_points == 5 and t2.n_zones_blanches == 1 and t2.share_beyond_main == 1
    every = row(res.territories, grid="all", code="all")
    assert every.population_points == res.points.population.sum() == res.communes.population_points.sum() == 155
    assert every.population_reachable == 100 and every.n_communes == 4
    assert row(res.territories, grid="epci", code="E").population_points == 60
    bands = res.territory_bands
    assert row(bands, grid="all", threshold_min=1.0).population_beyond == 30 + 90 + 5
    for grid in ("tas", "all"):
        sel = res.territories.grid == grid
        assert res.territories[sel].population_points.sum() == 155


def test_sites_catchments(res):
    s0, s1 = row(res.sites, site_id="S0"), row(res.sites, site_id="S1")
    assert "S2" not in set(res.sites.site_id)  # remote and closed offers make no destination
    assert s0.population_nearest == 60 and s1.population_nearest == 40
    assert s0.population_nearest + s1.population_nearest == row(res.territories, grid="all").population_reachable
    assert s0.mean_time_min == pytest.approx((20 * 60 + 30 * 180) / 60 / 60)
    assert s0.population_nearest_within_main == 30 and s1.population_nearest_within_main == 40
    assert s0.population_reached == 30 and s0.population_only_site == 30 and s1.population_only_site == 40
    assert s0.n_communes_nearest == 1
    assert row(res.site_bands, site_id="S0", threshold_min=3.0).population_nearest_within == 60
    assert row(res.site_bands, site_id="S0", threshold_min=1.0).population_nearest_within == 30
    sc = res.site_communes
    assert sc[["site_id", "commune", "population"]].values.tolist() == [["S0", "X", 60.0], ["S1", "Y", 40.0]]

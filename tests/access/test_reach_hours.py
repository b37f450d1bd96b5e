"""Opening hours per week reachable within the threshold, on a line small enough to check by hand.

Line 0-1-2-3-4, 60 s per link, two-way; main threshold 2 min (120 s).

site  node  hours                       h/week
S0    0     Mo 09:00-12:00               3
S1    2     Mo 10:00-13:00               3   (overlaps S0 on Mo 10-12)
S2    4     Th[1,3] 14:00-16:00          1   (2 × 2 h per 4 weeks)
S3    4     (no hours)                   unknown: adds nothing

point  commune  pop  node  sites within 120 s   reachable h/week
p0     X        10   0     S0, S1               4  (Mo 9-13, overlap counted once)
p1     X        30   1     S0, S1               4
p2     Y        20   3     S1, S2, S3           4  (3 + 1, disjoint)
p3     Y        40   4     S1, S2, S3           4
p4     Z         5   -     (unsnapped)          0
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mapapp.access.reach_hours import HoursMasks, reachable_hours
from mapapp.access.run import compute_access
from mapapp.access.themes import Theme, Thresholds
from mapapp.catalog.hour_slots import HOURS_PER_SLOT_WEEK, mask_hours, mask_table, slot_mask
from mapapp.catalog.weekly_hours import union_weekly_hours, weekly_hours
from tests.access.helpers import frames, graph, offer, snap

PERMIS = "mobilite--preparer-un-permis"
LINE = [(a, b, 60) for a, b in ((0, 1), (1, 2), (2, 3), (3, 4))]
EDGES = LINE + [(b, a, t) for a, b, t in LINE]
HOURS = ["Mo 09:00-12:00", "Mo 10:00-13:00", "Th[1,3] 14:00-16:00", None]


def masks(default_h=0.0) -> HoursMasks:
    index, table = mask_table(HOURS)
    return HoursMasks(index, table, HOURS_PER_SLOT_WEEK, default_h)


def test_masks_give_the_weekly_hours_and_count_overlaps_once():
    assert mask_hours(slot_mask("Th[1,3] 14:00-16:00")) == pytest.approx(1.0)
    assert weekly_hours("Th[1,3] 14:00-16:00") == pytest.approx(1.0)
    union = slot_mask("Mo 09:00-12:00") | slot_mask("Mo 10:00-13:00")
    assert mask_hours(union) == pytest.approx(4.0)
    assert union_weekly_hours(["Mo 09:00-12:00", "Mo 10:00-13:00"]) == pytest.approx(4.0)
    assert mask_hours(slot_mask("Mo-Fr 09:00-12:00,14:00-17:00")) == pytest.approx(30.0)
    assert slot_mask("") is None and slot_mask(None) is None and slot_mask("pas des horaires") is None


def test_union_kernel_on_unsorted_pairs():
    m = masks()
    site_masks = np.stack([m.masks[m.index[e]] for e in HOURS[:3]])
    got = reachable_hours(3, np.array([2, 0, 0, 2]), np.array([2, 1, 0, 0]), site_masks, m.hours_per_bit)
    assert got == pytest.approx([4.0, 0.0, 4.0])  # origin 1 has no pair


@pytest.fixture(scope="module")
def res():
    pts = snap([0, 1, 3, 4, -1], [0, 0, 0, 0, 0])
    points, communes, sites = frames(pts, ["X", "X", "Y", "Y", "Z"], [10, 30, 20, 40, 5],
                                     snap([0, 2, 4, 4], [0, 0, 0, 0]), ["X", "Y", "Z"])
    offers = pd.DataFrame([offer(o, s, [PERMIS]) for o, s in zip("abcd", ["S0", "S1", "S2", "S3"])])
    offers["opening_hours"] = HOURS
    theme = Theme("permis", "Permis", thematiques={PERMIS}, thresholds={"car": Thresholds(2)})
    own = Theme("permis5", "Permis H=5", thematiques={PERMIS}, thresholds={"car": Thresholds(2)},
                min_weekly_hours=5)
    return compute_access(graph(5, EDGES), points, communes, sites, offers, [theme, own], hours=masks(3.0))


def test_reachable_hours_per_point_and_commune_by_hand(res):
    p = res.points[res.points.theme == "permis"].set_index("point_id")
    assert p["weekly_hours_reachable"].to_numpy() == pytest.approx([4, 4, 4, 4, 0])
    c = res.communes[res.communes.theme == "permis"].set_index("commune")
    assert c.loc["X", "weekly_hours_reachable"] == pytest.approx(4.0)
    assert c.loc["Z", "weekly_hours_reachable"] == pytest.approx(0.0)
    assert c.loc["X", "share_below_min_hours"] == pytest.approx(0.0)  # 4 h >= H = 3 h
    assert c.loc["Z", "share_below_min_hours"] == pytest.approx(1.0)
    assert c.loc["X", "min_weekly_hours"] == 3.0
    whole = res.territories[(res.territories.theme == "permis") & (res.territories.grid == "all")].iloc[0]
    assert whole["weekly_hours_reachable"] == pytest.approx((10 + 30 + 20 + 40) * 4 / 105)
    assert whole["share_below_min_hours"] == pytest.approx(5 / 105)


def test_a_theme_own_hours_sets_the_share_below(res):
    c = res.communes[res.communes.theme == "permis5"].set_index("commune")
    assert c.loc["X", "min_weekly_hours"] == 5.0
    assert c.loc["X", "share_below_min_hours"] == pytest.approx(1.0)  # 4 h < 5 h


def test_without_masks_no_column_and_the_digests_differ(res):
    assert res.digests["permis"] != res.digests["permis5"]

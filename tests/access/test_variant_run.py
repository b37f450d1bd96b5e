"""A theme with its own « H » keeps other sites under the schedule rule than its neighbours (issue 11 §3).

Line 0-1-2-3-4, 60 s per link. S0 at node 0 is a permanence open 1 h a week
(``Th[1,3] 14:00-16:00``), S1 at node 4 a site open 6 h a week. One point at
node 0. With H = 3 h (global) only S1 counts: nearest 240 s. A theme with its
own H = 0.5 h keeps S0 too: nearest 0 s.
"""

from __future__ import annotations

import pandas as pd
import pytest

from mapapp.access.settings import EVERYONE_KEY, PublicGroup, ScheduleRule
from mapapp.access.themes import Theme, Thresholds
from mapapp.access.variant_run import compute_variant_modes
from mapapp.access.variants import Variant, theme_hour_groups
from tests.access.helpers import frames, graph, offer, snap

PERMIS = "mobilite--preparer-un-permis"
LINE = [(a, b, 60) for a, b in ((0, 1), (1, 2), (2, 3), (3, 4))]
EDGES = LINE + [(b, a, t) for a, b, t in LINE]
CAR = {"car": Thresholds(5, (5,))}
GLOBAL = Theme("permis", "Permis", thematiques={PERMIS}, thresholds=CAR)
OWN = Theme("permis_bis", "Permis (H propre)", thematiques={PERMIS}, thresholds=CAR, min_weekly_hours=0.5)
EVERYONE = PublicGroup(EVERYONE_KEY, "Tous")


@pytest.fixture(scope="module")
def tables():
    points, communes, sites = frames(snap([0], [0]), ["X"], [10], snap([0, 4], [0, 0]), ["X"])
    offers = pd.DataFrame([offer("a", "S0", [PERMIS]), offer("b", "S1", [PERMIS])]).assign(weekly_hours=[1.0, 6.0])
    return {"car": {"points": points, "communes": communes, "sites": sites, "offers": offers}}


def test_themes_are_grouped_by_their_own_hours_under_the_rule_only():
    rule = ScheduleRule(3.0)
    groups = theme_hour_groups([GLOBAL, OWN], Variant(EVERYONE, True), rule)
    assert [(r.min_weekly_hours, [t.key for t in ts]) for r, ts in groups] == [(3.0, ["permis"]),
                                                                              (0.5, ["permis_bis"])]
    assert len(theme_hour_groups([GLOBAL, OWN], Variant(EVERYONE), rule)) == 1
    assert rule.hours_for(OWN) == 0.5 and rule.hours_for(GLOBAL) == 3.0


def test_a_theme_with_its_own_hours_counts_the_permanence(tables):
    res = compute_variant_modes({"car": graph(5, EDGES)}, tables, [GLOBAL, OWN], Variant(EVERYONE, True),
                                ScheduleRule(3.0))["car"]
    pts = res.points.set_index("theme")
    assert pts.loc["permis", "time_min"] == pytest.approx(4.0)  # S0 (1 h a week) does not count under 3 h
    assert pts.loc["permis", "site_id"] == "S1"
    assert pts.loc["permis_bis", "time_min"] == pytest.approx(0.0)  # its own H (0.5 h) keeps S0
    assert list(res.communes["theme"]) == ["permis", "permis_bis"]  # the order of the themes
    assert set(res.digests) == {"permis", "permis_bis"}


def test_theme_spec_records_its_own_hours_only_when_given():
    assert "min_weekly_hours" not in GLOBAL.spec()
    assert OWN.spec()["min_weekly_hours"] == 0.5
    with pytest.raises(ValueError):
        Theme("x", "X", min_weekly_hours=-1)

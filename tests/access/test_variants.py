"""Variants: an offer counts for a public only when it is open to it; the schedule rule on weekly hours;
a variant's results equal a fresh compute on its offers and reuse exactly the themes whose sites did not change."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mapapp.access.run import compute_access
from mapapp.access.settings import AccessSettings, PublicGroup, ScheduleRule, default_settings
from mapapp.access.themes import select_destinations
from mapapp.access.variants import Variant, effective_weekly_hours, open_to, variant_offers, variants
from mapapp.catalog.weekly_hours import weekly_hours
from tests.access.test_run_brute_force import THEMES, build

MINIMA = PublicGroup("minima_sociaux", "Minima", frozenset({"beneficiaires-des-minimas-sociaux"}))
EVERYONE = default_settings().publics[0]


def test_an_offer_counts_for_a_public_when_it_is_for_everyone_or_for_that_public():
    assert open_to(None, MINIMA) and open_to([], MINIMA) and open_to(["tous-publics"], MINIMA)
    assert open_to(["jeunes", "beneficiaires-des-minimas-sociaux"], MINIMA)
    assert not open_to(["jeunes"], MINIMA)
    assert open_to(["jeunes"], EVERYONE)


def test_the_schedule_rule_keeps_sites_open_long_enough_and_applies_its_rule_to_unknown_hours():
    assert weekly_hours("Th[1,3] 14:00-16:00") == pytest.approx(1.0)  # 2 × 2 h per 4 weeks
    rows = pd.DataFrame({"offer_id": list("abcd"), "site_id": list("wxyz"), "publics": [None] * 4,
                         "weekly_hours": [effective_weekly_hours(None, "Th[1,3] 14:00-16:00", weekly_hours),
                                          effective_weekly_hours("Mo-Fr 09:00-12:00,14:00-17:00", "Mo 09:00-10:00",
                                                                 weekly_hours),
                                          effective_weekly_hours(None, "Tu 09:00-12:00", weekly_hours),
                                          effective_weekly_hours(None, None, weekly_hours)]})
    assert rows["weekly_hours"].iloc[1] == pytest.approx(30.0)  # the offer's own hours win over its site's
    assert math.isnan(rows["weekly_hours"].iloc[3])
    rule = ScheduleRule(3.0)
    kept = variant_offers(rows, Variant(EVERYONE, schedule=True), rule)
    assert list(kept["offer_id"]) == ["b", "c", "d"]  # 1 h a week is out, exactly 3 h is in, unknown counts
    kept = variant_offers(rows, Variant(EVERYONE, schedule=True), ScheduleRule(3.0, "exclude"))
    assert list(kept["offer_id"]) == ["b", "c"]
    assert list(variant_offers(rows, Variant(EVERYONE), rule)["offer_id"]) == list("abcd")  # no rule: all


def test_default_settings_ask_for_four_publics_with_and_without_the_rule():
    keys = [v.key for v in variants(default_settings())]
    assert keys[0] == "tous" and len(keys) == 8
    assert {"minima_sociaux", "jeunes", "handicap", "tous+horaires", "minima_sociaux+horaires"} <= set(keys)
    assert [v.key for v in variants(AccessSettings(schedule=ScheduleRule(0)))] == \
        ["tous", "minima_sociaux", "jeunes", "handicap"]


@pytest.fixture(scope="module")
def world():
    g, points, communes, sites, offers, *_ = build(5)
    rng = np.random.default_rng(7)
    # a third of the offers are reserved to young people
    offers = offers.assign(publics=[["jeunes"] if rng.random() < 0.33 else None for _ in range(len(offers))])
    base = compute_access(g, points, communes, sites, offers, THEMES)
    return g, points, communes, sites, offers, base


def test_a_variant_equals_a_fresh_compute_and_reuses_exactly_the_unchanged_themes(world):
    g, points, communes, sites, offers, base = world
    mine = variant_offers(offers, Variant(MINIMA), ScheduleRule(0))
    assert len(mine) < len(offers)
    fresh = compute_access(g, points, communes, sites, mine, THEMES)
    reused = compute_access(g, points, communes, sites, mine, THEMES, previous=[None, base])
    for name in ("points", "communes", "territories", "sites", "site_bands"):
        pd.testing.assert_frame_equal(getattr(reused, name), getattr(fresh, name))

    def site_set(table, theme):
        return set(select_destinations(table, sites, theme)["site_id"])
    same = {t.key for t in THEMES if site_set(offers, t) == site_set(mine, t)}
    assert set(reused.reused_themes) == same and 0 < len(same) < len(THEMES)


def test_fewer_offers_never_bring_a_site_nearer(world):
    g, points, communes, sites, offers, base = world
    mine = compute_access(g, points, communes, sites, variant_offers(offers, Variant(MINIMA), ScheduleRule(0)),
                          THEMES, previous=base)
    both = base.points.merge(mine.points, on=["theme", "point_id"], suffixes=("", "_m"))
    assert (both["time_min_m"] >= both["time_min"] - 1e-9).all()
    assert (both["time_min_m"] > both["time_min"] + 1e-9).any()  # the reserved offers mattered somewhere


def test_a_previous_list_takes_each_theme_from_the_first_result_that_has_its_digest(world):
    g, points, communes, sites, offers, base = world
    other = compute_access(g, points, communes, sites, offers.iloc[: len(offers) // 2], THEMES)
    again = compute_access(g, points, communes, sites, offers, THEMES, previous=[other, base])
    assert again.reused_themes == tuple(t.key for t in THEMES)
    pd.testing.assert_frame_equal(again.points, base.points)

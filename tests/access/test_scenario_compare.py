"""A scenario's changes on the engine's tables, and its gains and losses on a hand-made line of roads."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from mapapp.access.frames import attach_snap
from mapapp.access.run import compute_access
from mapapp.access.scenario_changes import ChangeError, apply_changes
from mapapp.access.scenario_compare import gains_and_losses, headline
from mapapp.access.themes import Theme, Thresholds
from tests.access.helpers import graph, offer, snap

FOOD = "equipement-et-alimentation--alimentation"
THEME = Theme("alim", "Alimentation", thematiques={FOOD}, thresholds={"car": Thresholds(10, (10,))})
NODE = {"S0": 0, "S1": 4, "S2": 1}  # where each site is on the line 0-1-2-3-4-5


def line():
    edges = [(a, a + 1, 300) for a in range(5)] + [(a + 1, a, 300) for a in range(5)]  # 5 min per edge
    return graph(6, edges)


def live():
    sites = pd.DataFrame({"site_id": ["S0"], "nom": ["Épicerie"], "kind": ["partner"], "status": ["active"],
                          "lon": [0.0], "lat": [0.0], "commune_code": ["A"], "structure_id": ["st1"]})
    offers = pd.DataFrame([{**offer("O0", "S0", [FOOD]), "offer_nom": "Colis"}])
    return sites, offers


def engine_tables():
    points = attach_snap(pd.DataFrame({"point_id": [0, 1, 2], "commune": ["A", "A", "B"],
                                       "population": [100.0, 50.0, 30.0]}), snap([0, 2, 5], [0, 0, 0]))
    communes = pd.DataFrame({"commune": ["A", "B"]})
    grids = pd.DataFrame({"grid": ["epci", "epci"], "code": ["E1", "E1"], "commune": ["A", "B"]})
    return points, communes, grids


def run(sites, offers, previous=None):
    points, communes, grids = engine_tables()
    snapped = attach_snap(sites, snap([NODE[s] for s in sites["site_id"]], [0.0] * len(sites)))
    return compute_access(line(), points, communes, snapped, offers, [THEME], grids, previous=previous)


def add(site_id, commune="B"):
    return {"kind": "add_site", "site_id": site_id, "nom": "Nouveau", "kind_site": "departement_permanence",
            "lon": 1.0, "lat": 1.0, "commune_code": commune, "thematiques": [FOOD]}


def test_changes_make_new_tables_and_leave_the_live_ones_alone():
    sites, offers = live()
    before_sites, before_offers = sites.copy(), offers.copy()
    new_sites, new_offers = apply_changes(sites, offers, [add("S1"), {"kind": "close_site", "site_id": "S0"}])
    assert list(new_sites["site_id"]) == ["S1"]
    assert list(new_offers["site_id"]) == ["S1"] and new_offers["thematiques"].iloc[0] == [FOOD]
    pd.testing.assert_frame_equal(sites, before_sites)
    pd.testing.assert_frame_equal(offers, before_offers)


def test_move_hours_planned_offers_and_structure():
    sites, offers = live()
    sites = pd.concat([sites, sites.assign(site_id="S9", status="planned")], ignore_index=True)
    offers = pd.concat([offers, offers.assign(offer_id="O9", site_id="S9", status="planned")], ignore_index=True)
    s, o = apply_changes(sites, offers, [{"kind": "move_site", "site_id": "S0", "lon": 3.5, "lat": 44.0},
                                         {"kind": "set_hours", "site_id": "S0", "horaires_accueil": "Mo 09:00-12:00"},
                                         {"kind": "include_planned"},
                                         {"kind": "add_offer", "site_id": "S9", "offer_id": "X", "nom": "x",
                                          "thematiques": [FOOD]},
                                         {"kind": "remove_offer", "site_id": "S0", "offer_id": "O0"}])
    s0 = s.set_index("site_id").loc["S0"]
    assert (s0["lon"], s0["lat"], s0["horaires_accueil"]) == (3.5, 44.0, "Mo 09:00-12:00")
    assert set(s["status"]) == {"active"} and set(o["status"]) == {"active"}
    assert sorted(o["offer_id"]) == ["O9", "X"]
    s, o = apply_changes(sites, offers, [{"kind": "close_structure", "structure_id": "st1"}])
    assert s.empty and o.empty


@pytest.mark.parametrize("change, words", [
    ({"kind": "close_site", "site_id": "nope"}, "modification n° 2 (Fermer un lieu) : lieu inconnu"),
    ({"kind": "remove_offer", "site_id": "S0", "offer_id": "O7"}, "l'offre 'O7' n'est pas proposée"),
    ({"kind": "close_structure", "structure_id": "st2"}, "aucun lieu ouvert pour la structure"),
    ({"kind": "move_site", "site_id": "S0"}, "champ manquant 'lon'"),
])
def test_bad_changes_name_the_change(change, words):
    sites, offers = live()
    with pytest.raises(ChangeError, match=re.escape(words)):
        apply_changes(sites, offers, [add("S1"), change])


def test_gains_losses_and_zones_blanches_on_a_hand_made_case():
    sites, offers = live()
    before = run(sites, offers)
    # Baseline: point 0 at 0 min, point 1 at 10 min (within, at the threshold), point 2 at 25 min.
    new_sites, new_offers = apply_changes(sites, offers, [add("S1"), {"kind": "close_site", "site_id": "S0"}])
    after = run(new_sites, new_offers, previous=before)
    # After: point 0 at 20 min (lost), point 1 at 10 min (still within), point 2 at 5 min (gained).
    communes, territories = gains_and_losses(before, after, engine_tables()[2])
    c = communes.set_index("commune")
    assert (c.loc["A", "population_gained"], c.loc["A", "population_lost"]) == (0, 100)
    assert (c.loc["B", "population_gained"], c.loc["B", "population_lost"]) == (30, 0)
    assert bool(c.loc["B", "zone_blanche_removed"]) and not bool(c.loc["B", "zone_blanche_created"])
    assert not c["zone_blanche_created"].any()
    assert c.loc["A", "mean_time_min_before"] == pytest.approx((100 * 0 + 50 * 10) / 150)
    assert c.loc["A", "mean_time_min_after"] == pytest.approx((100 * 20 + 50 * 10) / 150)
    for grid, code in (("epci", "E1"), ("all", "all")):
        t = territories[(territories["grid"] == grid) & (territories["code"] == code)].iloc[0]
        assert (t["population_gained"], t["population_lost"]) == (30, 100)
        assert (t["zones_blanches_created"], t["zones_blanches_removed"]) == (0, 1)
        assert t["mean_time_min_change"] == pytest.approx((100 * 20 + 50 * 10 + 30 * 5) / 180 - (500 + 30 * 25) / 180)
    assert bool(headline(territories)["changed"].iloc[0])


def test_overlaps_created():
    sites, offers = live()
    before = run(sites, offers)
    s2 = apply_changes(sites, offers, [{**add("S2", "A")}])
    after = run(*s2, previous=before)
    communes, territories = gains_and_losses(before, after)
    c = communes.set_index("commune")
    # S2 at node 1: point 0 has S0 (0 min) and S2 (5 min), point 1 has S0 (10 min) and S2 (5 min).
    assert c.loc["A", "overlap_created"] == 150 and c.loc["B", "overlap_created"] == 0
    assert c.loc["A", "population_2plus_after"] == 150 and c.loc["A", "population_2plus_before"] == 0
    assert (c["population_gained"] == 0).all() and (c["population_lost"] == 0).all()
    whole = territories[territories["grid"] == "all"].iloc[0]
    assert whole["overlap_created"] == 150 and np.isclose(whole["mean_time_min_change"],
                                                            (100 * 0 + 50 * 5 + 30 * 20) / 180 - (500 + 750) / 180)


def test_two_scenarios_compared_directly():
    """A opens S1 (node 4), B opens S2 (node 1): from A to B, point 2 (30 inhabitants, node 5) is lost and
    nobody is gained (point 1 was within 10 min of S0 already); from B to A the reverse; A to A: nothing."""
    from mapapp.access.scenario_compare import compare_catalogs

    sites, offers = live()
    points, communes, grids = engine_tables()

    def snapped(changes):
        s, o = apply_changes(sites, offers, changes)
        return attach_snap(s, snap([NODE[i] for i in s["site_id"]], [0.0] * len(s))), o

    a, b = snapped([add("S1")]), snapped([add("S2", "A")])
    live_results = run(sites, offers)
    _, _, _, ab = compare_catalogs(line(), points, communes, a, b, [THEME], grids, previous=live_results)
    _, _, _, ba = compare_catalogs(line(), points, communes, b, a, [THEME], grids)
    whole = {name: t[t["grid"] == "all"].iloc[0] for name, t in (("ab", ab), ("ba", ba))}
    assert (whole["ab"]["population_gained"], whole["ab"]["population_lost"]) == (0, 30)
    assert (whole["ba"]["population_gained"], whole["ba"]["population_lost"]) == (30, 0)
    assert whole["ab"]["mean_time_min_change"] == pytest.approx(-whole["ba"]["mean_time_min_change"])
    assert (whole["ab"]["zones_blanches_created"], whole["ba"]["zones_blanches_removed"]) == (1, 1)
    _, after, _, aa = compare_catalogs(line(), points, communes, a, a, [THEME], grids)
    assert aa[["population_gained", "population_lost"]].to_numpy().sum() == 0
    assert after.reused_themes  # the same catalog twice: « after » copies « before »

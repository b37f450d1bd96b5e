"""Digests, reuse of unchanged themes, and open/close-a-site scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mapapp.access.frames import attach_snap
from mapapp.access.run import compute_access
from mapapp.access.scenario import apply_scenario, run_scenario
from mapapp.access.synthetic import nearest_nodes_snap
from mapapp.access.themes import Theme
from tests.access.helpers import offer
from tests.access.test_run_brute_force import FOOD, PERMIS, THEMES, build


@pytest.fixture(scope="module")
def world():
    g, points, communes, sites, offers, *_ = build(5)
    base = compute_access(g, points, communes, sites, offers, THEMES)
    return g, points, communes, sites, offers, base


def test_digests_are_stable_and_local(world):
    g, points, communes, sites, offers, base = world
    again = compute_access(g, points, communes, sites, offers, THEMES)
    assert again.digests == base.digests and len(set(base.digests.values())) == len(THEMES)
    moved = sites.copy()
    moved.loc[moved.site_id == "S9", "time_a_s"] += 5.0  # S9 only serves numerique and alimentation
    changed = compute_access(g, points, communes, moved, offers, THEMES).digests
    assert {k for k in changed if changed[k] != base.digests[k]} == {"numerique", "alimentation"}
    fewer = points.assign(population=points.population + 1)
    assert all(v != base.digests[k] for k, v in compute_access(g, fewer, communes, sites, offers, THEMES)
               .digests.items())
    other = [THEMES[0], Theme("permis_large", "Autre libellé", thematiques={PERMIS}, thresholds=THEMES[1].thresholds)]
    d = compute_access(g, points, communes, sites, offers, other).digests
    assert d["permis_court"] == base.digests["permis_court"] and d["permis_large"] != base.digests["permis_large"]


def test_previous_results_are_reused_when_nothing_changed(world):
    g, points, communes, sites, offers, base = world
    again = compute_access(g, points, communes, sites, offers, THEMES, previous=base)
    assert again.reused_themes == tuple(t.key for t in THEMES)
    for name in ("points", "communes", "territories", "sites", "destinations"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(base, name))


def new_site(g, points, site_id, near_point):
    p = points.iloc[near_point]
    node = int(p.node_a)
    s = nearest_nodes_snap(g, np.array([g.lon[node]]), np.array([g.lat[node]]))
    return attach_snap(pd.DataFrame({"site_id": [site_id]}), s)


def test_opening_a_site_recomputes_its_theme_only_and_never_worsens(world):
    g, points, communes, sites, offers, base = world
    far = int(base.points[base.points.theme == "alimentation"].time_min.to_numpy().argmax())
    add = new_site(g, points, "NEW", far)
    res = run_scenario(g, points, communes, sites, offers, THEMES, add_sites=add,
                       add_offers=pd.DataFrame([offer("new", "NEW", [FOOD])]), baseline=base)
    assert set(res.scenario.reused_themes) == {t.key for t in THEMES} - {"alimentation"}
    fresh = compute_access(g, points, communes, *apply_scenario(
        sites, offers, add_sites=add, add_offers=pd.DataFrame([offer("new", "NEW", [FOOD])])), THEMES)
    for name in ("points", "communes", "territories"):
        pd.testing.assert_frame_equal(getattr(res.scenario, name), getattr(fresh, name))
    food = res.communes[res.communes.theme == "alimentation"]
    assert (food.mean_time_min_change <= 1e-9).all() and (food.mean_time_min_change < -1e-9).any()
    other = res.communes[res.communes.theme != "alimentation"]
    assert (other.mean_time_min_change.fillna(0) == 0).all()
    p = res.scenario.points
    assert p[(p.theme == "alimentation")].iloc[far].site_id == "NEW"


def test_closing_a_site_never_improves(world):
    g, points, communes, sites, offers, base = world
    used = base.sites[(base.sites.theme == "permis_court")].sort_values("population_nearest").iloc[-1].site_id
    res = run_scenario(g, points, communes, sites, offers, THEMES, remove_site_ids=[used], baseline=base)
    after, before = res.scenario.points, base.points
    assert (after.time_min.to_numpy() >= before.time_min.to_numpy() - 1e-9).all()
    assert used not in set(res.scenario.destinations.site_id)
    changed = res.territories[(res.territories.grid == "all") & (res.territories.theme == "permis_court")]
    assert changed.mean_time_min_change.iloc[0] > 0
    with pytest.raises(ValueError, match="unknown"):
        apply_scenario(sites, offers, remove_site_ids=["nope"])
    with pytest.raises(ValueError, match="already"):
        apply_scenario(sites, offers, add_sites=sites.iloc[:1])


def test_reused_theme_still_lists_todays_offers(world):
    g, points, communes, sites, offers, base = world
    extra = pd.DataFrame([offer("twin", "S0", [PERMIS])])  # same site, same results, one more offer
    again = compute_access(g, points, communes, sites, pd.concat([offers, extra], ignore_index=True), THEMES,
                           previous=base)
    assert "permis_court" in again.reused_themes
    assert "twin" in set(again.destinations[again.destinations.theme == "permis_court"].offer_id)

"""compute_access against networkx brute force, eligibility zones included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mapapp.access.run import compute_access
from mapapp.access.synthetic import grid_graph, nearest_nodes_snap
from mapapp.access.themes import Theme, Thresholds
from tests.access.helpers import frames, node_to_site_s, offer, origin_to_site_s

COMMUNES = ["47001", "47002", "47003", "47004", "47005"]
EPCI = ["200000001", "200000001", "200000002", "200000002", "200000002"]
PERMIS, SOINS, NUM, FOOD = ("mobilite--preparer-un-permis", "sante--acces-aux-soins",
                            "numerique--acceder-a-une-connexion-internet", "equipement-et-alimentation--alimentation")


def small(main_min):
    return {"car": Thresholds(main_min, (main_min / 2, main_min * 2))}


THEMES = [
    Theme("permis_court", "Permis", thematiques={PERMIS}, thresholds=small(0.6)),
    Theme("permis_large", "Permis", thematiques={PERMIS}, thresholds=small(8.0)),  # all covered: no pass needed
    Theme("sante", "Santé", thematiques={SOINS}, thresholds=small(0.8)),  # only restricted sites
    Theme("numerique", "Num", thematiques={NUM}, thresholds=small(1.0)),  # one site for all + restricted
    Theme("alimentation", "Food", thematiques={FOOD}, thresholds=small(0.5)),  # 2 for all + restricted
    Theme("garde", "Garde", thematiques={"famille--garde-denfants"}, thresholds=small(1.0)),  # nothing open
]
# site -> (thématique, zone) of each offer; zones are what the brute force below expands by hand
SPEC = {
    0: [(PERMIS, None)], 1: [(PERMIS, None), (SOINS, ["47002"])], 2: [(PERMIS, None)], 3: [(PERMIS, None)],
    4: [(PERMIS, ["47001"])], 5: [(PERMIS, ["200000002"])], 6: [(PERMIS, ["47003", "47004"])],
    7: [(FOOD, ["200000001"])], 8: [(FOOD, ["47003"]), (SOINS, ["47"])], 9: [(NUM, None), (FOOD, None)],
    10: [(NUM, ["47005"]), (SOINS, ["200000002"])],
    11: [(NUM, ["47001"]), (PERMIS, ["47005"])],
    13: [(FOOD, None)],
}
SPEC[0] = SPEC[0] + [(FOOD, None)]
ZONE = {None: set(COMMUNES), "47": set(COMMUNES), "200000001": {"47001", "47002"},
        "200000002": {"47003", "47004", "47005"}}


def zone_communes(zone):
    if zone is None:
        return set(COMMUNES)
    return set().union(*(ZONE.get(z, {z}) for z in zone))


def build(seed):
    g = grid_graph(16, 17, seed=seed, oneway_share=0.2)
    rng = np.random.default_rng(seed)
    n_sites = 14
    s_nodes = rng.choice(g.n_nodes, n_sites, replace=False)
    site_snap = nearest_nodes_snap(g, g.lon[s_nodes] + rng.normal(0, 3e-4, n_sites), g.lat[s_nodes])
    site_snap.snapped[13] = False  # an unsnapped site with open offers is never reached
    p_nodes = rng.integers(0, g.n_nodes, 90)
    pts = nearest_nodes_snap(g, g.lon[p_nodes] + rng.normal(0, 4e-4, 90), g.lat[p_nodes] + rng.normal(0, 4e-4, 90))
    pop = rng.integers(0, 40, 90).astype(float)
    m_nodes = rng.integers(0, g.n_nodes, len(COMMUNES))
    mains = nearest_nodes_snap(g, g.lon[m_nodes], g.lat[m_nodes])
    points, communes, sites = frames(pts, rng.choice(COMMUNES, 90), pop, site_snap, COMMUNES, main_snap=mains,
                                     epci=EPCI)
    rows = [offer(f"O{s}-{i}", f"S{s}", [th], zone=z) for s, offers in SPEC.items() for i, (th, z) in
            enumerate(offers)]
    rows += [offer("remote", "S12", [PERMIS, SOINS, NUM], mode="remote"),
             offer("closed", "S12", [PERMIS, SOINS, NUM], status="closed"),
             offer("wide", "S12", [PERMIS], mode="departement_wide"),
             offer("ghost", "S13", [PERMIS, SOINS, NUM])]
    return g, points, communes, sites, pd.DataFrame(rows), site_snap, pts, mains


def expected(theme, point_commune, P):
    """Brute force per origin: times to the eligible sites of its commune."""
    th = next(iter(theme.thematiques))
    out = []
    for c, row in zip(point_commune, P):
        elig = sorted({s for s, offers in SPEC.items() for t, z in offers if t == th and c in zone_communes(z)})
        times = np.sort(row[elig]) if elig else np.zeros(0)
        main_s = theme.thresholds_for("car").main_min * 60
        out.append((times[0] if times.size else np.inf, times[1] if times.size > 1 else np.inf,
                    int((times <= main_s).sum())))
    return np.array(out)


@pytest.mark.parametrize("seed", range(4))
def test_points_and_main_points_match_brute_force(seed):
    g, points, communes, sites, offers, site_snap, pts, mains = build(seed)
    D = node_to_site_s(g, site_snap)
    res = compute_access(g, points, communes, sites, offers, THEMES)
    n_uncovered = 0
    for theme in THEMES:
        got = res.points[res.points.theme == theme.key]
        want = expected(theme, points.commune, origin_to_site_s(D, pts))
        np.testing.assert_allclose(got.time_min.to_numpy() * 60, want[:, 0], rtol=1e-12)
        np.testing.assert_allclose(got.second_time_min.to_numpy() * 60, want[:, 1], rtol=1e-12)
        np.testing.assert_array_equal(got.n_sites_within.to_numpy(), want[:, 2])
        com = res.communes[res.communes.theme == theme.key]
        want_m = expected(theme, COMMUNES, origin_to_site_s(D, mains))
        np.testing.assert_allclose(com.main_point_time_min.to_numpy() * 60, want_m[:, 0], rtol=1e-12)
        np.testing.assert_allclose(com.main_point_second_time_min.to_numpy() * 60, want_m[:, 1], rtol=1e-12)
        np.testing.assert_array_equal(com.main_point_n_sites_within.to_numpy(), want_m[:, 2])
        n_uncovered += int((want[:, 2] < 2).sum())
        # the reported site is one at the reported time (ties may pick either)
        P = origin_to_site_s(D, pts)
        ok = got.site_id.notna().to_numpy()
        idx = got.site_id[ok].str[1:].astype(int).to_numpy()
        np.testing.assert_allclose(P[np.flatnonzero(ok), idx], got.time_min.to_numpy()[ok] * 60, rtol=1e-12)
    assert n_uncovered > 0  # the searches beyond the thresholds were exercised
    empty = res.points[res.points.theme == "garde"]
    assert np.isinf(empty.time_min).all() and empty.site_id.isna().all()
    # every search branch was used: passes, restricted sites bounded and unbounded
    t = res.timings_s
    assert t["n_passes"] > 0 and t["n_restricted_sites"] > t["n_restricted_unbounded"] > 0


def test_workers_give_the_same_tables():
    g, points, communes, sites, offers, *_ = build(7)
    one = compute_access(g, points, communes, sites, offers, THEMES, workers=1)
    two = compute_access(g, points, communes, sites, offers, THEMES, workers=2)
    for name in ("points", "communes", "sites", "territories", "site_communes"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name))


def test_remote_closed_and_unsnapped_never_count():
    g, points, communes, sites, offers, *_ = build(3)
    res = compute_access(g, points, communes, sites, offers, THEMES)
    used = set(res.destinations.site_id)
    assert "S12" not in used  # only remote, closed and département-wide offers there
    assert "S13" in used  # open offer, but the site is not on the road network
    assert "S13" not in set(res.points.site_id.dropna()) | set(res.points.second_site_id.dropna())
    row = res.sites[(res.sites.site_id == "S13") & (res.sites.theme == "permis_court")].iloc[0]
    assert not row.snapped and row.population_nearest == 0


@pytest.mark.parametrize("seed", range(4))
def test_half_covered_theme_matches_brute_force(seed):
    """A threshold at the median second-nearest time: half the points are settled by the bounded
    searches alone, the others need the second-nearest search in their cells only."""
    g, points, communes, sites, offers, site_snap, pts, mains = build(seed)
    P = origin_to_site_s(node_to_site_s(g, site_snap), pts)
    u = [s for s, o in SPEC.items() if (PERMIS, None) in o]
    second = np.sort(P[:, u], axis=1)[:, 1]
    main_min = float(np.median(second)) / 60
    theme = Theme("permis_median", "Permis", thematiques={PERMIS}, thresholds=small(main_min))
    only_u = offers[offers.zone_eligibilite.isna() | (offers.thematiques.str[0] != PERMIS)]
    res = compute_access(g, points, communes, sites, only_u, [theme])
    ranked = np.sort(P[:, u], axis=1)  # no zone left: every commune sees the same sites
    n_within = (ranked <= main_min * 60).sum(axis=1)
    np.testing.assert_allclose(res.points.time_min.to_numpy() * 60, ranked[:, 0], rtol=1e-12)
    np.testing.assert_allclose(res.points.second_time_min.to_numpy() * 60, ranked[:, 1], rtol=1e-12)
    np.testing.assert_array_equal(res.points.n_sites_within.to_numpy(), n_within)
    assert 0 < (n_within >= 2).sum() < len(points) and res.timings_s["n_passes"] == 1


def test_empty_destination_set_is_all_unreachable_and_clear():
    g, points, communes, sites, offers, *_ = build(1)
    res = compute_access(g, points, communes, sites, offers, [THEMES[-1]])
    c = res.communes
    assert (c.population_unreachable == c.population_points).all() and c.mean_time_min.isna().all()
    assert (c.zone_blanche == (c.population_points > 0)).all() and (c.n_eligible_sites == 0).all()
    assert len(res.sites) == 0 and len(res.destinations) == 0
    every = res.territories[res.territories.grid == "all"].iloc[0]
    assert every.population_unreachable == points.population.sum() and every.share_beyond_main == 1


def test_inputs_are_checked():
    g, points, communes, sites, offers, *_ = build(1)
    with pytest.raises(ValueError, match="communes not in"):
        compute_access(g, points.assign(commune="99999"), communes, sites, offers, THEMES)
    with pytest.raises(ValueError, match="population"):
        compute_access(g, points.assign(population=-1.0), communes, sites, offers, THEMES)
    with pytest.raises(ValueError, match="duplicated site_id"):
        compute_access(g, points, communes, pd.concat([sites, sites]), offers, THEMES)
    with pytest.raises(ValueError, match="another graph"):
        compute_access(g, points.assign(node_a=g.n_nodes + 5), communes, sites, offers, THEMES)
    with pytest.raises(ValueError, match="unique"):
        compute_access(g, points, communes, sites, offers, [THEMES[0], THEMES[0]])
    with pytest.raises(ValueError, match="missing columns"):
        compute_access(g, points.drop(columns="time_b_s"), communes, sites, offers, THEMES)


@pytest.mark.parametrize("workers", [1, 2])
def test_several_modes_share_a_pool_and_match_single_calls(workers):
    from mapapp.access.run import compute_access_modes

    g, points, communes, sites, offers, *_ = build(2)
    bike = grid_graph(16, 17, seed=2, oneway_share=0.2, mode="bike")  # same topology: the snaps stay valid
    themes = [Theme(t.key, t.label, thematiques=t.thematiques,
                    thresholds={"car": t.thresholds_for("car"), "bike": t.thresholds_for("car")}) for t in THEMES]
    tables = {"car": {"points": points, "communes": communes, "sites": sites, "offers": offers},
              "bike": {"points": points, "communes": communes, "sites": sites, "offers": offers}}
    both = compute_access_modes({"car": g, "bike": bike}, tables, themes, workers=workers)
    assert set(both) == {"car", "bike"}
    for mode, graph in (("car", g), ("bike", bike)):
        alone = compute_access(graph, points, communes, sites, offers, themes)
        for name in ("points", "communes", "territories", "sites"):
            pd.testing.assert_frame_equal(getattr(both[mode], name), getattr(alone, name))
    assert not both["car"].points.time_min.equals(both["bike"].points.time_min)  # the modes really differ


def test_nearest_only_run_matches_and_marks_second_as_not_computed():
    g, points, communes, sites, offers, site_snap, pts, mains = build(6)
    full = compute_access(g, points, communes, sites, offers, THEMES)
    fast = compute_access(g, points, communes, sites, offers, THEMES, second_nearest=False)
    for col in ("time_min", "site_id", "n_sites_within"):
        pd.testing.assert_series_equal(fast.points[col], full.points[col])
    for col in ("mean_time_min", "share_beyond_main", "zone_blanche", "main_point_time_min", "mean_sites_within"):
        pd.testing.assert_series_equal(fast.communes[col], full.communes[col])
    assert fast.points.second_time_min.isna().all() and fast.points.second_site_id.isna().all()
    assert fast.communes.population_without_second.isna().all()
    assert fast.territories.mean_second_time_min.isna().all()
    assert set(fast.digests.values()).isdisjoint(full.digests.values())  # never reused for a full run

"""Incremental what-if: the same tables as a full recompute on the changed catalog."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mapapp.access.frames import attach_snap
from mapapp.access.run import TABLES, compute_access
from mapapp.access.scenario import apply_scenario
from mapapp.access.synthetic import grid_graph, nearest_nodes_snap, snap_frames, territory
from mapapp.access.themes import Theme, default_themes
from tests.access.helpers import offer
from tests.access.test_run_brute_force import FOOD, NUM, PERMIS, THEMES, build

GARDE = "famille--garde-denfants"


def assert_same(got, want):
    """Every table equal (floats to 1e-9 relative: summation order may differ)."""
    for name in TABLES:
        a, b = getattr(got, name), getattr(want, name)
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=False,
                                      rtol=1e-9, obj=name)
    assert got.digests == want.digests


def full(state, **change):
    sites, offers = apply_scenario(state.sites, state.offers, **change)
    return compute_access(state.graph, state.points, state.communes, sites, offers, state.themes, state.grids,
                          statuses=state.statuses, second_nearest=state.second)


@pytest.fixture(scope="module", params=[True, False], ids=["second", "nearest-only"])
def world(request):
    from mapapp.access.whatif import whatif_state

    g, points, communes, sites, offers, *_ = build(3)
    # "garde": unrestricted sites only, so that closing one is incremental
    offers = pd.concat([offers, pd.DataFrame([offer(f"G{s}", f"S{s}", [GARDE]) for s in (2, 3, 5, 9, 12)])],
                       ignore_index=True)
    state = whatif_state(g, points, communes, sites, offers, THEMES, second_nearest=request.param)
    return state


def new_site(g, node, site_id):
    s = nearest_nodes_snap(g, np.array([g.lon[node]]), np.array([g.lat[node]]))
    return attach_snap(pd.DataFrame({"site_id": [site_id]}), s)


def test_state_results_are_the_engine_results(world):
    assert_same(world.results, compute_access(world.graph, world.points, world.communes, world.sites,
                                              world.offers, world.themes, second_nearest=world.second))


def test_adding_an_unrestricted_site_is_incremental_and_exact(world):
    from mapapp.access.whatif import what_if

    far = int(world.results.points[world.results.points.theme == "alimentation"].time_min.to_numpy().argmax())
    node = int(world.points.node_a.iloc[far])
    change = dict(add_sites=new_site(world.graph, node, "NEW"), add_offers=pd.DataFrame([offer("n", "NEW", [FOOD])]))
    out = what_if(world, **change)
    assert out.incremental == ("alimentation",) and not out.recomputed
    assert set(out.unchanged) == {t.key for t in THEMES} - {"alimentation"}
    assert_same(out.results, full(world, **change))
    food = out.results.points[out.results.points.theme == "alimentation"]
    assert food.site_id.iloc[far] == "NEW"  # the change is really there


def test_adding_restricted_sites_and_an_offer_at_an_existing_site(world):
    from mapapp.access.whatif import what_if

    g = world.graph
    add = pd.concat([new_site(g, 5, "A1"), new_site(g, 200, "A2")], ignore_index=True)
    offers = pd.DataFrame([offer("a1", "A1", [NUM], zone=["47002", "47003"]), offer("a2", "A2", [PERMIS, NUM]),
                           offer("a3", "S4", [PERMIS])])  # S4: PERMIS only for 47001 so far, now for all
    out = what_if(world, add_sites=add, add_offers=offers)
    assert set(out.incremental) == {"numerique", "permis_court", "permis_large"} and not out.recomputed
    assert_same(out.results, full(world, add_sites=add, add_offers=offers))


def test_closing_sites(world):
    from mapapp.access.whatif import what_if

    busiest = world.results.sites[world.results.sites.theme == "garde"].sort_values("population_nearest")
    gone = busiest.site_id.iloc[-2:].tolist()
    out = what_if(world, remove_site_ids=gone)
    assert "garde" in out.incremental
    # S9, S12 also serve themes with eligibility zones: those are recomputed, and say why
    touched = {t.key for t in THEMES if (world.results.destinations.theme == t.key).any()
               and world.results.destinations[world.results.destinations.theme == t.key].site_id.isin(gone).any()}
    assert set(out.recomputed) == touched - {"garde"}
    assert all("zones d'éligibilité" in r for r in out.recomputed.values())
    assert_same(out.results, full(world, remove_site_ids=gone))
    after = out.results.points[out.results.points.theme == "garde"].time_min.to_numpy()
    before = world.results.points[world.results.points.theme == "garde"].time_min.to_numpy()
    assert (after >= before - 1e-12).all() and (after > before).any()


def test_chained_what_ifs_and_add_with_remove(world):
    from mapapp.access.whatif import what_if

    g = world.graph
    first = what_if(world, add_sites=new_site(g, 17, "N1"), add_offers=pd.DataFrame([offer("n1", "N1", [GARDE])]))
    second = what_if(first.state, remove_site_ids=["S3"], add_sites=new_site(g, 150, "N2"),
                     add_offers=pd.DataFrame([offer("n2", "N2", [GARDE, FOOD])]))
    assert "garde" in second.incremental
    s1, o1 = apply_scenario(world.sites, world.offers, add_sites=new_site(g, 17, "N1"),
                            add_offers=pd.DataFrame([offer("n1", "N1", [GARDE])]))
    s2, o2 = apply_scenario(s1, o1, remove_site_ids=["S3"], add_sites=new_site(g, 150, "N2"),
                            add_offers=pd.DataFrame([offer("n2", "N2", [GARDE, FOOD])]))
    assert_same(second.results, compute_access(g, world.points, world.communes, s2, o2, THEMES,
                                               second_nearest=world.second))


@pytest.mark.parametrize("seed", range(3))
def test_random_territories(seed):
    """Synthetic départements (zones, planned and closed offers): random openings and closings."""
    from mapapp.access.whatif import what_if, whatif_state

    g = grid_graph(40, 45, seed=seed, oneway_share=0.1)
    f = snap_frames(g, territory(g, n_communes=25, n_points=600, n_sites=90, seed=seed))
    themes = [t for t in default_themes() if t.thresholds_for("car")][:6]
    state = whatif_state(g, f["points"], f["communes"], f["sites"], f["offers"], themes, f["grids"])
    rng = np.random.default_rng(seed)
    nodes = rng.choice(g.n_nodes, 3, replace=False)
    add = pd.concat([new_site(g, int(n), f"X{i}") for i, n in enumerate(nodes)], ignore_index=True)
    cats = sorted({th for t in themes for th in t.thematiques})
    offers = pd.DataFrame([offer(f"x{i}", f"X{i}", [cats[int(rng.integers(len(cats)))]],
                                 zone=None if i else [str(f["communes"].commune.iloc[0])]) for i in range(3)])
    removed = rng.choice(f["sites"].site_id.to_numpy(), 2, replace=False).tolist()
    out = what_if(state, add_sites=add, add_offers=offers, remove_site_ids=removed)
    assert out.incremental or out.recomputed
    sites, offers2 = apply_scenario(f["sites"], f["offers"], add_sites=add, add_offers=offers,
                                    remove_site_ids=removed)
    assert_same(out.results, compute_access(g, f["points"], f["communes"], sites, offers2, themes, f["grids"]))


def test_random_graph_float_times():
    """A random directed graph, not strongly connected (unreachable points, inf second times)."""
    from mapapp.access.synthetic import graph_from_edges
    from mapapp.access.whatif import what_if, whatif_state
    from tests.access.helpers import frames, snap

    rng = np.random.default_rng(7)
    n, m = 120, 150
    tail, head = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = tail != head
    g = graph_from_edges(n, tail[keep], head[keep], rng.uniform(1, 60, keep.sum()))
    pts = snap(rng.integers(0, n, 50), rng.uniform(0, 5, 50), rng.integers(0, n, 50), rng.uniform(0, 5, 50))
    ss = snap(rng.integers(0, n, 8), rng.uniform(0, 5, 8))
    points, communes, sites = frames(pts, rng.choice(["47001", "47002"], 50), rng.integers(1, 9, 50), ss,
                                     ["47001", "47002"])
    offers = pd.DataFrame([offer(f"O{j}", f"S{j}", [GARDE]) for j in range(8)])
    theme = [Theme("garde", "Garde", thematiques={GARDE})]
    state = whatif_state(g, points, communes, sites, offers, theme)
    add = attach_snap(pd.DataFrame({"site_id": ["N"]}), snap([3], [1.0]))
    out = what_if(state, add_sites=add, add_offers=pd.DataFrame([offer("n", "N", [GARDE])]),
                  remove_site_ids=["S0", "S5"])
    assert out.incremental == ("garde",)
    s2, o2 = apply_scenario(sites, offers, add_sites=add, add_offers=pd.DataFrame([offer("n", "N", [GARDE])]),
                            remove_site_ids=["S0", "S5"])
    assert_same(out.results, compute_access(g, points, communes, s2, o2, theme))
    assert np.isinf(out.results.points.second_time_min).any()  # fewer than two sites reachable


def test_theme_blocks_of_a_new_state_match_its_tables(world):
    from mapapp.access.whatif import _theme_blocks, what_if

    out = what_if(world, add_sites=new_site(world.graph, 40, "B1"), add_offers=pd.DataFrame([offer("b", "B1", [NUM])]),
                  remove_site_ids=["S2"])
    for name in TABLES:
        assert out.state.blocks[name] == _theme_blocks(getattr(out.results, name)), name

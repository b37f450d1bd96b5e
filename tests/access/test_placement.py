"""Best place (maximal covering location) and the inverse, on hand-made and random cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from mapapp.access.frames import attach_snap
from mapapp.access.placement import (_greedy, as_new_sites, best_places, closure_losses, commune_candidates,
                                     exhaustive_mclp, site_candidates, solve_mclp)
from mapapp.access.themes import Theme, Thresholds
from mapapp.access.whatif import whatif_state
from tests.access.helpers import frames, graph, offer, snap

GARDE = "famille--garde-denfants"
THEME = [Theme("garde", "Garde", thematiques={GARDE}, thresholds={"car": Thresholds(1.0, (1.0,))})]


def line_world():
    """Nodes 0..8 on a line, 60 s apart both ways; points a, b, c, d at nodes 0, 2, 4, 6 (2, 3, 3, 2 inhabitants).

    Within 1 min: a candidate at node 1 covers {a, b}, at 3 {b, c}, at 5 {c, d}. The one
    site today is at node 8: it covers nobody (d is 2 min away).
    """
    g = graph(9, [e for i in range(8) for e in ((i, i + 1, 60.0), (i + 1, i, 60.0))])
    pts = snap([0, 2, 4, 6], [0, 0, 0, 0])
    points, communes, sites = frames(pts, ["47001", "47002", "47003", "47004"], [2, 3, 3, 2], snap([8], [0.0]),
                                     ["47001", "47002", "47003", "47004"])
    offers = pd.DataFrame([offer("O0", "S0", [GARDE])])
    return whatif_state(g, points, communes, sites, offers, THEME)


def candidates(nodes):
    return attach_snap(pd.DataFrame({"candidate_id": [f"C{n}" for n in nodes]}), snap(nodes, [0.0] * len(nodes)))


def test_hand_case_optimum_beats_greedy():
    state = line_world()
    res = best_places(state, "garde", 2, candidates=candidates([1, 3, 5]), method="milp")
    s = res.summary.set_index("k")
    assert s.loc[1, "population_newly_covered"] == 6 and s.loc[2, "population_newly_covered"] == 10
    assert set(res.choices[res.choices.k == 1].candidate_id) == {"C3"}
    assert set(res.choices[res.choices.k == 2].candidate_id) == {"C1", "C5"}  # not nested: greedy keeps C3
    assert bool(s.loc[2, "optimal"]) and s.loc[2, "population_covered_after"] == 10
    two = res.choices[res.choices.k == 2].set_index("candidate_id")
    assert two.loc["C1", "population_new"] == 5 and two.loc["C1", "population_only_new"] == 5
    greedy = best_places(state, "garde", 2, candidates=candidates([1, 3, 5]), method="greedy").summary.set_index("k")
    assert greedy.loc[2, "population_newly_covered"] == 8
    assert 8 >= (1 - 1 / np.e) * 10 and greedy.loc[2, "upper_bound"] >= 10 and not greedy.loc[2, "optimal"]


def test_current_coverage_is_not_counted_again():
    state = line_world()
    offers = pd.concat([state.offers, pd.DataFrame([offer("O1", "S1", [GARDE])])], ignore_index=True)
    sites = pd.concat([state.sites, attach_snap(pd.DataFrame({"site_id": ["S1"]}), snap([1], [0.0]))],
                      ignore_index=True)  # a site at node 1 already covers a and b
    st = whatif_state(state.graph, state.points, state.communes, sites, offers, THEME)
    res = best_places(st, "garde", 1, candidates=candidates([1, 3, 5]))
    assert res.summary.population_covered_before.iloc[0] == 5
    assert res.summary.population_newly_covered.iloc[0] == 5  # C5 (c, d); C3 would add c only
    assert res.choices.candidate_id.tolist() == ["C5"]


def test_commune_candidates_need_main_points():
    state = line_world()
    with pytest.raises(ValueError, match="point principal"):
        commune_candidates(state.communes)


@pytest.mark.parametrize("seed", range(12))
def test_random_small_cases_milp_equals_enumeration_and_greedy_within_bound(seed):
    rng = np.random.default_rng(seed)
    n_r, n_c = int(rng.integers(5, 25)), int(rng.integers(3, 9))
    a = sp.csr_matrix((rng.random((n_r, n_c)) < 0.3).astype(float))
    w = rng.integers(1, 50, n_r).astype(float)
    for k in range(1, min(4, n_c) + 1):
        best = exhaustive_mclp(a, w, k)
        sol = solve_mclp(a, w, k, "milp")
        assert sol["optimal"] and sol["value"] == pytest.approx(best) and len(sol["chosen"]) <= k
        chosen, value, bound = _greedy(a, w, k)
        assert (1 - 1 / np.e) * best - 1e-9 <= value <= best + 1e-9 and bound >= best - 1e-9


def test_inverse_hand_case():
    """Sites at nodes 1 and 3 (threshold 1 min): a only by S1, b by both, c only by S3; S8 covers nobody."""
    state = line_world()
    sites = pd.concat([state.sites, attach_snap(pd.DataFrame({"site_id": ["S1", "S3"]}), snap([1, 3], [0.0, 0.0]))],
                      ignore_index=True)
    offers = pd.DataFrame([offer(f"O{s}", s, [GARDE]) for s in ("S0", "S1", "S3")])
    st = whatif_state(state.graph, state.points, state.communes, sites, offers, THEME)
    out = closure_losses(st.results, "garde")
    assert out.site_id.tolist() == ["S0", "S1", "S3"]
    assert out.population_only_site.tolist() == [0, 2, 3]
    with pytest.raises(ValueError, match="thème inconnu"):
        closure_losses(st.results, "nope")


def test_existing_sites_as_candidates():
    state = line_world()
    sites = pd.concat([state.sites, attach_snap(pd.DataFrame({"site_id": ["P3", "P5"]}), snap([3, 5], [0.0, 0.0]))],
                      ignore_index=True)  # partner premises with no offer of the theme
    cand = site_candidates(sites, exclude=["S0"])
    assert cand.candidate_id.tolist() == ["P3", "P5"]
    res = best_places(state, "garde", 1, candidates=cand)
    assert res.choices.candidate_id.tolist() == ["P3"] and res.summary.population_newly_covered.iloc[0] == 6


def test_chosen_places_feed_a_what_if():
    from mapapp.access.whatif import what_if

    state = line_world()
    cand = candidates([1, 3, 5])
    res = best_places(state, "garde", 2, candidates=cand)
    chosen = res.choices[res.choices.k == 2].candidate_id.tolist()
    add = as_new_sites(cand, chosen)
    out = what_if(state, add_sites=add, add_offers=pd.DataFrame([offer(f"o{s}", s, [GARDE]) for s in add.site_id]))
    com = out.results.communes
    covered = com.population_points.sum() - com.population_beyond_main.sum()
    assert covered == res.summary.set_index("k").loc[2, "population_covered_after"]

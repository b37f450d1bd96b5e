"""The default candidates of « meilleur emplacement »: town halls and the territory's active partner sites.

A hand-made line (nodes 0..8, 60 s apart both ways, threshold 1 min): inhabitants
a, b, c, d at nodes 0, 2, 4, 6 (2, 3, 3, 2), each commune's town hall at its own
point (it covers its own inhabitants only). Existing premises: an active partner
site at node 3 (covers b and c: 6), a site of another kind at node 1 (a and b:
5), a closed partner site at node 5 (c and d: 5), an active partner site of a
commune outside the territory at node 7 (d: 2). The optimum for k = 1 is the
partner site at node 3 (6 > 3); for k = 2 among the right candidates it is 8
(the partner site and a town hall at an end) — with the other kind or the closed
partner site allowed, 10 would be reachable.
"""

from __future__ import annotations

import pandas as pd
import pytest

from mapapp.access.frames import attach_snap
from mapapp.access.placement import exhaustive_mclp
from mapapp.access.whatif import whatif_state
from mapapp.placement_run import _Loaded, default_candidates
from tests.access.helpers import frames, graph, offer, snap
from tests.access.test_placement import GARDE, THEME

CODES = ["47001", "47002", "47003", "47004"]


def _world():
    g = graph(9, [e for i in range(8) for e in ((i, i + 1, 60.0), (i + 1, i, 60.0))])
    points, communes, sites = frames(snap([0, 2, 4, 6], [0] * 4), CODES, [2, 3, 3, 2], snap([8], [0.0]), CODES,
                                     main_snap=snap([0, 2, 4, 6], [0] * 4))
    communes = communes.assign(main_lon=[0.0, 0.02, 0.04, 0.06], main_lat=45.0)
    state = whatif_state(g, points, communes, sites, pd.DataFrame([offer("O0", "S0", [GARDE])]), THEME)
    premises = attach_snap(pd.DataFrame({
        "site_id": ["S0", "P3", "X1", "P5", "P7", "P4"],
        "nom": ["Siège", "Centre social des Lilas", "Mairie annexe", "Ancienne antenne", "Voisin", "Double"],
        "kind": ["departement_permanence", "partner", "other", "partner", "partner", "partner"],
        "status": ["active", "active", "active", "closed", "active", "active"],
        "lon": [0.08, 0.03, 0.01, 0.05, 0.07, 0.04], "lat": 45.0,
        "commune_code": ["47004", "47002", "47001", "47003", "99999", "47003"]}),
        snap([8, 3, 1, 5, 7, 4], [0.0] * 6))
    names = pd.DataFrame({"code": CODES, "nom": ["Aval", "Bourg", "Centre", "Daval"],
                          "lon": [0.0, 0.02, 0.04, 0.06], "lat": 45.0})
    tables = {"communes": communes}
    return _Loaded(THEME[0], "car", "tous", state, tables, names, premises, premises)


def test_partner_sites_join_the_town_halls_and_win_when_they_are_the_optimum():
    from mapapp.access.placement import best_places, coverage_matrix, _patterns

    loaded = _world()
    cand, places = default_candidates(loaded)
    by_id = places.set_index("id")
    # Active partner sites of the territory, then the town halls; P4 stands where Centre's town hall is:
    # the town hall is left out (the partner site names the premises).
    assert list(cand["candidate_id"]) == ["P3", "P4", "47001", "47002", "47004"]
    assert by_id.loc["P3", "nom"] == "Centre social des Lilas" and by_id.loc["P3", "origine"] == "lieu partenaire"
    assert by_id.loc["P3", "commune_nom"] == "Bourg"
    assert by_id.loc["47001", "nom"] == "Aval" and by_id.loc["47001", "origine"] == "mairie"

    res = best_places(loaded.state, "garde", 2, candidates=cand, method="milp")
    s = res.summary.set_index("k")
    assert res.choices[res.choices.k == 1].candidate_id.tolist() == ["P3"]
    assert s.loc[1, "population_newly_covered"] == 6
    # The known optimum, by enumeration of every pair of these candidates.
    threshold_s = 60.0
    cover = coverage_matrix(loaded.state, cand, threshold_s)
    covered = loaded.state.times["garde"].p_time_s <= threshold_s
    a, w = _patterns(cover, (~covered) * loaded.state.inp.terr.population)
    assert s.loc[2, "population_newly_covered"] == pytest.approx(exhaustive_mclp(a, w, 2)) == 8
    assert "P3" in res.choices[res.choices.k == 2].candidate_id.tolist()

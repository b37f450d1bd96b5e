"""The incremental what-if and best place on the demo département (its real engine tables, car)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mapapp.access.frames import attach_snap
from mapapp.access.placement import best_places, closure_losses
from mapapp.access.run import compute_access
from mapapp.access.scenario import apply_scenario
from mapapp.access.themes import default_themes
from mapapp.access.whatif import what_if, whatif_state
from tests.access.test_whatif import assert_same
from tests.access.helpers import offer


def _bench():
    path = Path(__file__).resolve().parents[2] / "scripts" / "bench_placement.py"
    spec = importlib.util.spec_from_file_location("bench_placement", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def demo(demo_env):
    env, _ = demo_env
    graphs, tables, snapper, method = _bench().engine_tables(env, ["car"])
    t = tables["car"]
    themes = default_themes()[:6]
    state = whatif_state(graphs["car"], t["points"], t["communes"], t["sites"], t["offers"], themes, t["grids"],
                         method=method)
    return state, snapper, method


def test_demo_open_and_close(demo):
    state, snapper, method = demo
    theme = next(t for t in state.themes if len(state.plans[t.key].dest))
    com = state.results.communes
    worst = com[com.theme == theme.key].sort_values("mean_time_min").commune.iloc[-1]
    c = state.communes.set_index("commune").loc[worst]
    add = attach_snap(pd.DataFrame({"site_id": ["NOUVEAU"]}), snapper("car", float(c.main_lon), float(c.main_lat)))
    offers = pd.DataFrame([offer("nouveau", "NOUVEAU", sorted(theme.thematiques)[:1])])
    used = state.results.sites[state.results.sites.theme == theme.key].sort_values("population_nearest")
    gone = [used.site_id.iloc[-1]]
    out = what_if(state, add_sites=add, add_offers=offers, remove_site_ids=gone)
    assert theme.key in set(out.incremental) | set(out.recomputed)
    sites, offers2 = apply_scenario(state.sites, state.offers, add_sites=add, add_offers=offers, remove_site_ids=gone)
    want = compute_access(state.graph, state.points, state.communes, sites, offers2, state.themes, state.grids,
                          method=method)
    assert_same(out.results, want)
    before = state.results.points[state.results.points.theme == theme.key].time_min.to_numpy()
    after = out.results.points[out.results.points.theme == theme.key].time_min.to_numpy()
    assert (after != before).any()


def test_demo_best_places(demo):
    state, _, _ = demo
    theme = next(t for t in state.themes if len(state.plans[t.key].dest))
    exact = best_places(state, theme.key, 3)
    greedy = best_places(state, theme.key, 3, method="greedy")
    assert len(exact.choices.query("k == 1")) == 1 and exact.timings_s["n_candidates"] == len(state.communes)
    e, g = exact.summary.set_index("k"), greedy.summary.set_index("k")
    assert (e.method == "milp").all() and e.optimal.all()
    assert (e.population_newly_covered >= g.population_newly_covered - 1e-6).all()
    assert (g.population_newly_covered >= (1 - 1 / np.e) * e.population_newly_covered - 1e-6).all()
    assert (np.diff(e.population_newly_covered.to_numpy()) >= -1e-6).all()
    worst_first = closure_losses(state.results, theme.key)
    assert worst_first.population_only_site.is_monotonic_increasing

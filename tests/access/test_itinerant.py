"""Schedule proposals for an itinerant bus: small cases whose optimum is known (by hand and by enumeration)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from mapapp.access.itinerant import _served, greedy_schedule, propose_schedule, schedule_from_state
from tests.access.test_placement import candidates, line_world


def test_line_world_two_half_days_serve_both_ends_not_the_middle():
    """Stops at nodes 1, 3, 5 cover {a,b}, {b,c}, {c,d} (2, 3, 3, 2 inhabitants, nobody covered today).

    One half-day: the middle stop (6). Two half-days: both ends (10), which the greedy misses (8).
    """
    state = line_world()
    one = schedule_from_state(state, "garde", candidates([1, 3, 5]), 1)
    assert one.stops["stop_id"].tolist() == ["C3"] and one.population_served == 6 and one.optimal
    two = schedule_from_state(state, "garde", candidates([1, 3, 5]), 2)
    assert sorted(two.stops["stop_id"]) == ["C1", "C5"] and two.population_reached == 10
    assert two.stops["visits"].tolist() == [1, 1] and two.method == "milp" and two.population_beyond == 10
    assert two.stops.set_index("stop_id").loc["C1", "population_only"] == 5


def test_frequency_goes_where_people_are_once_a_week_is_needed():
    """Weekly need on a month (4 visits): 4 half-days give 4 visits to the stop covering 5 people
    rather than 2 + 2 (5·1 vs (5 + 1)·0.5), and the third stop (1 person) gets nothing."""
    cover = sp.csr_matrix(np.array([[1, 1, 1, 1, 1, 0], [0, 0, 0, 0, 0, 1]], dtype=bool))
    res = propose_schedule(cover, np.ones(6), ["grand", "petit"], 4, max_per_stop=4, visits_needed=4)
    assert res.stops[["stop_id", "visits"]].values.tolist() == [["grand", 4]]
    assert res.population_served == 5 and res.optimal
    capped = propose_schedule(cover, np.ones(6), ["grand", "petit"], 4, max_per_stop=3, visits_needed=4)
    assert capped.stops.set_index("stop_id")["visits"].to_dict() == {"grand": 3, "petit": 1}
    assert capped.population_served == pytest.approx(5 * 0.75 + 0.25)


@pytest.mark.parametrize("seed", range(6))
def test_random_cases_equal_enumeration_and_greedy_within_its_bound(seed):
    rng = np.random.default_rng(seed)
    n_stops, n_points, budget, cap, needed = 4, 25, 5, 3, 2
    cover = sp.csr_matrix(rng.random((n_stops, n_points)) < 0.35)
    w = rng.integers(0, 20, n_points).astype(float)
    best = max(_served(cover.T.tocsr().astype(float), w, np.array(f), needed)
               for f in itertools.product(range(cap + 1), repeat=n_stops) if sum(f) <= budget)
    res = propose_schedule(cover, w, [f"S{j}" for j in range(n_stops)], budget, max_per_stop=cap,
                           visits_needed=needed)
    assert res.population_served == pytest.approx(best) and res.optimal
    assert res.stops["visits"].sum() <= budget and res.stops["visits"].max() <= cap
    g = greedy_schedule(cover.T.tocsr().astype(float), w, budget, cap, needed)
    assert _served(cover.T.tocsr().astype(float), w, g, needed) >= (1 - 1 / np.e) * best - 1e-9


def test_bad_input_is_a_french_error():
    with pytest.raises(ValueError, match="demi-journées"):
        propose_schedule(sp.csr_matrix((1, 1), dtype=bool), np.ones(1), ["a"], 2, max_per_stop=0)

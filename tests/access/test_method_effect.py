"""What the access-leg choice changes, from stored per-point legs (mapapp.access.method_effect)."""

import math

import numpy as np
import pandas as pd
import pytest

from mapapp.access.method_effect import access_leg_effect


def _points():
    # population, time as stored (leg included), distance to road, leg charged, leg if walked
    return pd.DataFrame({
        "population": [100.0, 50.0, 30.0, 20.0],
        "time_min": [18.0, 21.0, 10.0, np.inf],  # the last point reaches no site
        "access_m": [5.0, 600.0, 0.0, np.nan],
        "access_leg_min": [0.0, 0.0, 0.0, np.nan],  # car: no leg charged ("none" policy)
        "walk_leg_min": [5 / 75, 8.0, 0.0, np.nan],  # 600 m at 4.5 km/h = 8 min
    })


def test_shares_under_each_policy_are_recomputed_from_the_legs():
    e = access_leg_effect(_points(), 20.0)
    assert e.population == 200.0
    assert e.share_current == pytest.approx((50 + 20) / 200)  # 21 min and unreachable
    # walked: 18.07, 29, 10, inf → 50 + 20 beyond
    assert e.share_walked == pytest.approx(70 / 200)
    assert e.share_no_leg == pytest.approx(70 / 200)
    e15 = access_leg_effect(_points(), 15.0)
    assert e15.share_current == pytest.approx(170 / 200)
    assert e.share_points_on_road == pytest.approx(130 / 200)  # 5 m and 0 m
    assert e.mean_walk_leg_min == pytest.approx((100 * 5 / 75 + 50 * 8) / 180)
    assert e.max_walk_leg_min == pytest.approx(8.0)


def test_a_charged_leg_is_removed_for_the_no_leg_variant():
    p = _points().assign(access_leg_min=[0.5, 3.0, 0.0, np.nan], time_min=[19.5, 20.5, 10.0, np.inf])
    e = access_leg_effect(p, 20.0)
    assert e.share_current == pytest.approx(70 / 200)
    assert e.share_no_leg == pytest.approx(20 / 200)  # 19, 17.5, 10, inf
    assert e.share_walked == pytest.approx(70 / 200)  # 19.07, 25.5, 10, inf


def test_results_without_the_columns_or_population_give_none():
    assert access_leg_effect(_points().drop(columns="walk_leg_min"), 20.0) is None
    assert access_leg_effect(_points().iloc[:0], 20.0) is None
    assert access_leg_effect(_points().assign(population=0.0), 20.0) is None
    assert math.isnan(access_leg_effect(_points().iloc[3:], 20.0).mean_walk_leg_min)

"""The car-free modes' rules (mapapp.access.carfree): transit medians against a brute force, TAD, best of."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from mapapp.access.carfree import (MEANS, CarfreeSettings, OnDemand, best_of, median_over, on_demand_times,
                                   transit_times, walk_seconds_to)
from tests.access.transit_helpers import brute_arrival, random_case

LAT = 45.0
M_PER_DEG_LON = 6_371_000.0 * math.radians(1) * math.cos(math.radians(LAT))


def _placed(tt, rng, spacing_m=700.0):
    """The timetable with its stops on a line ``spacing_m`` apart (walks of 1200 m link neighbours)."""
    lon = 2.0 + np.arange(tt.n_stops) * spacing_m / M_PER_DEG_LON
    return dataclasses.replace(tt, stop_lon=lon, stop_lat=np.full(tt.n_stops, LAT))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_transit_medians_equal_a_brute_force_earliest_arrival(seed):
    tt, footpaths, _dest, _origins = random_case(seed, start=(8 * 3600, 9 * 3600))
    rng = np.random.default_rng(seed)
    tt = _placed(tt, rng)
    n_o = 9
    o_lon = rng.uniform(tt.stop_lon.min(), tt.stop_lon.max(), n_o)
    o_lat = np.full(n_o, LAT) + rng.uniform(-0.004, 0.004, n_o)
    s_lon = rng.uniform(tt.stop_lon.min(), tt.stop_lon.max(), 2)
    s_lat = np.full(2, LAT)
    walk_only = np.where(rng.random(n_o) < 0.3, rng.uniform(600, 5000, n_o), np.inf)
    settings = CarfreeSettings(window_start_s=8 * 3600, window_end_s=8 * 3600 + 1800, step_s=300,
                               max_time_s=5400)
    res, *_ = transit_times(tt, o_lon, o_lat, {"t": (s_lon, s_lat)}, {"t": walk_only}, settings)
    med, _share = res["t"]

    oi, os_, osec = walk_seconds_to(o_lon, o_lat, tt.stop_lon, tt.stop_lat, settings.access_m)
    si, _sj, ssec = walk_seconds_to(tt.stop_lon, tt.stop_lat, s_lon, s_lat, settings.access_m)
    targets = {}
    for s, sec in zip(si.tolist(), np.rint(ssec).tolist()):
        targets[s] = min(targets.get(s, math.inf), int(sec))
    for o in range(n_o):
        sources = [(int(s), int(round(sec))) for a, s, sec in zip(oi, os_, osec) if a == o]
        direct = None if not np.isfinite(walk_only[o]) else float(np.rint(walk_only[o]))
        times = []
        for d in settings.departures().tolist():
            arr = brute_arrival(tt, sources, targets, d, direct=direct, footpaths=footpaths, change=120)
            times.append(arr - d if arr - d <= settings.max_time_s else math.inf)
        expected = float(median_over(np.array([times]))[0])
        if math.isinf(expected):
            assert math.isinf(med[o])
        else:
            assert med[o] == pytest.approx(expected)
    assert (np.isfinite(med) & ~np.isfinite(walk_only)).any()  # some journeys ride: not vacuous


def test_transit_never_slower_than_walking_all_the_way():
    tt, *_ = random_case(7, start=(8 * 3600, 9 * 3600))
    tt = _placed(tt, None)
    walk = np.array([900.0, 3000.0, np.inf])
    res, *_ = transit_times(tt, tt.stop_lon[:3], np.full(3, LAT), {"t": (tt.stop_lon[-1:], np.full(1, LAT))},
                            {"t": walk}, CarfreeSettings())
    assert np.all(res["t"][0][:2] <= walk[:2])


def test_tad_serves_only_the_communes_of_its_area():
    car = np.array([600.0, 600.0, np.inf])
    served = np.array([True, False, True])
    rule = OnDemand(speed_factor=1.25, service_start_s=8 * 3600, service_end_s=18 * 3600)
    t = on_demand_times(car, served, rule, np.arange(8 * 3600, 10 * 3600 + 1, 300), weekday=1)
    assert t[0] == pytest.approx(750.0)  # car time × speed factor
    assert math.isinf(t[1])  # commune outside the area
    assert math.isinf(t[2])  # no road to a site


def test_tad_service_hours_and_days():
    deps = np.arange(8 * 3600, 10 * 3600 + 1, 300)  # 25 departures
    car = np.array([1200.0])
    late = OnDemand(1.0, 9 * 3600 + 30 * 60, 18 * 3600)  # 8:00..9:25 unserved: 18 of 25 -> median inf
    assert math.isinf(on_demand_times(car, [True], late, deps, 1)[0])
    early_end = OnDemand(1.0, 8 * 3600, 9 * 3600)  # must arrive by 9:00: 8:00..8:40 served (9 of 25)
    assert math.isinf(on_demand_times(car, [True], early_end, deps, 1)[0])
    most = OnDemand(1.0, 8 * 3600 + 30 * 60, 18 * 3600)  # 8:30..10:00 served: 19 of 25 -> the car time
    assert on_demand_times(car, [True], most, deps, 1)[0] == pytest.approx(1200.0)
    weekdays = OnDemand(1.0, 8 * 3600, 18 * 3600, weekdays=(0, 1, 2, 3, 4))
    assert math.isinf(on_demand_times(car, [True], weekdays, deps, 5)[0])  # Saturday: no service


def test_best_of_picks_the_minimum_and_names_it():
    times = {"walk": np.array([900.0, 2000.0, np.inf, 500.0]),
             "bike": np.array([400.0, 2500.0, np.inf, 500.0]),
             "transit": np.array([np.inf, 1000.0, np.inf, 600.0]),
             "tad": np.array([300.0, np.inf, np.inf, np.inf])}
    best, code = best_of(times)
    assert best.tolist()[:2] == [300.0, 1000.0] and math.isinf(best[2])
    assert [MEANS[c] if c >= 0 else None for c in code] == ["tad", "transit", None, "walk"]  # tie: walk first


def test_settings_validate_the_window():
    with pytest.raises(ValueError):
        CarfreeSettings(window_start_s=10 * 3600, window_end_s=8 * 3600)
    with pytest.raises(ValueError):
        OnDemand(speed_factor=0.5)
    assert len(CarfreeSettings().departures()) == 25

"""The profile Connection Scan equals a brute-force earliest-arrival search (issue 17 §2)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from mapapp.access import transit as T
from mapapp.access.transit_return import can_return
from tests.access.transit_helpers import brute_arrival, random_case, timetable

H8, H10 = 8 * 3600, 10 * 3600


def access_of(origins):
    trip = [(o, s, w) for o, lst in enumerate(origins) for s, w in lst]
    o, s, w = zip(*trip)
    return T.origin_access(o, s, w, len(origins))


def engine_vs_brute(tt, footpaths, dest, origins, departures, change=120, walk=None):
    prof = T.access_profiles(tt, dest, (int(departures.min()), int(departures.max())),
                             footpaths=footpaths, min_change_s=change)
    got = T.arrival_times(prof, access_of(origins), departures, walk)
    want = np.array([[brute_arrival(tt, origins[o], dest, int(t), None if walk is None else walk[o],
                                    footpaths, change) for t in departures] for o in range(len(origins))])
    return got, want


# -- hand-made timetables -----------------------------------------------------------------------

def line_and_branch():
    # trip 0: A(0) 8:00 -> B(1) 8:10 ; trip 1: B 8:12 -> C(2) 8:30 ; trip 2: B 8:11 -> C 8:20
    return timetable([
        [(0, H8, H8), (1, H8 + 600, H8 + 600)],
        [(1, H8 + 720, H8 + 720), (2, H8 + 1800, H8 + 1800)],
        [(1, H8 + 660, H8 + 660), (2, H8 + 1200, H8 + 1200)],
    ], 3)


def test_transfer_needs_the_minimum_change_time():
    tt = line_and_branch()
    acc = access_of([[(0, 0)]])
    # 2 min change: 8:10 + 120 s = 8:12 boards trip 1 (8:12 exactly), not trip 2 (8:11)
    prof = T.access_profiles(tt, {2: 0}, (H8, H8), footpaths=[], min_change_s=120)
    assert T.arrival_times(prof, acc, [H8])[0, 0] == H8 + 1800
    # 1 min change: trip 2 at 8:11 arrives at 8:20
    prof = T.access_profiles(tt, {2: 0}, (H8, H8), footpaths=[], min_change_s=60)
    assert T.arrival_times(prof, acc, [H8])[0, 0] == H8 + 1200
    # 121 s: trip 1 is missed by one second, nothing else reaches C
    prof = T.access_profiles(tt, {2: 0}, (H8, H8), footpaths=[], min_change_s=121)
    assert math.isinf(T.arrival_times(prof, acc, [H8])[0, 0])


def test_missed_first_bus_by_one_second_waits_for_the_next():
    tt = timetable([[(0, H8, H8), (1, H8 + 600, H8 + 600)],
                    [(0, H8 + 1800, H8 + 1800), (1, H8 + 2400, H8 + 2400)]], 2)
    prof = T.access_profiles(tt, {1: 30}, (H8 - 600, H8), footpaths=[])
    acc = access_of([[(0, 300)]])
    got = T.arrival_times(prof, acc, [H8 - 300, H8 - 299])[0]
    assert list(got) == [H8 + 630, H8 + 2430]  # leaves at 7:55 (catches it) / 7:55:01 (waits)
    # float walks (road network) are rounded to whole seconds: 300.4 s is 300 s, 300.6 s is 301 s
    floats = T.origin_access([0, 1], [0, 0], [300.4, 300.6], 2)
    assert list(T.arrival_times(prof, floats, [H8 - 300])[:, 0]) == [H8 + 630, H8 + 2430]
    with pytest.raises(ValueError):
        T.origin_access([0], [0], [math.inf], 1)


def test_footpath_transfer_and_egress_walk():
    # trip 0: A(0) -> B(1); footpath B -> D(3) 200 s; trip 1: D -> C(2)
    tt = timetable([[(0, H8, H8), (1, H8 + 600, H8 + 600)],
                    [(3, H8 + 900, H8 + 900), (2, H8 + 1500, H8 + 1500)]], 4)
    fp = [(1, 3, 200)]
    acc = access_of([[(0, 0)]])
    prof = T.access_profiles(tt, {2: 100}, (H8, H8), footpaths=fp, min_change_s=60)
    assert T.arrival_times(prof, acc, [H8])[0, 0] == H8 + 1600
    assert prof.arrival_at(0, H8) == H8 + 1600 and prof.arrival_at(2, H8) == H8 + 100
    assert math.isinf(prof.arrival_at(0, H8 + 1))
    # 8:10 + 60 + 200 = 8:14:20 <= 8:15; with 101 s change it is 8:15:01: missed
    prof = T.access_profiles(tt, {2: 100}, (H8, H8), footpaths=fp, min_change_s=101)
    assert math.isinf(T.arrival_times(prof, acc, [H8])[0, 0])
    # footpaths are one-way as given
    prof = T.access_profiles(tt, {2: 100}, (H8, H8), footpaths=[(3, 1, 200)], min_change_s=60)
    assert math.isinf(T.arrival_times(prof, acc, [H8])[0, 0])


def test_staying_seated_needs_no_change_time_and_overnight_times():
    # one trip over midnight: A 23:50 -> B 24:05 -> C 24:40 (GTFS times past 24:00)
    tt = timetable([[(0, 85800, 85800), (1, 86700, 86700), (2, 88800, 88800)]], 3)
    prof = T.access_profiles(tt, {2: 0}, (85000, 85800), footpaths=[], min_change_s=3600)
    assert T.arrival_times(prof, access_of([[(0, 0)]]), [85800])[0, 0] == 88800


def test_nearest_of_two_destinations_depends_on_the_departure():
    # from A: the 8:00 bus reaches D1 at 8:20; the 8:30 bus to D2 arrives at 8:40
    tt = timetable([[(0, H8, H8), (1, H8 + 1200, H8 + 1200)],
                    [(0, H8 + 1800, H8 + 1800), (2, H8 + 2400, H8 + 2400)]], 3)
    prof = T.access_profiles(tt, {1: 0, 2: 60}, (H8, H8 + 1800), footpaths=[])
    got = T.arrival_times(prof, access_of([[(0, 0)]]), [H8, H8 + 60])[0]
    assert list(got) == [H8 + 1200, H8 + 2460]


def test_walk_only_and_walk_through_a_stop():
    tt = line_and_branch()
    acc = access_of([[(0, 0)], [(2, 400)]])
    prof = T.access_profiles(tt, {2: 50}, (H8, H8), footpaths=[])
    got = T.arrival_times(prof, acc, [H8], walk_only=[100, math.inf])[:, 0]
    assert list(got) == [H8 + 100, H8 + 450]


# -- random timetables against the brute force --------------------------------------------------

@pytest.mark.parametrize("seed", range(8))
def test_random_timetables_equal_brute_force(seed):
    tt, fp, dest, origins = random_case(seed)
    assert 200 <= tt.n_connections <= 450
    departures = T.departure_times(H8, H10, 300)
    got, want = engine_vs_brute(tt, fp, dest, origins, departures, change=60 * (1 + seed % 3))
    assert np.isfinite(want).sum() > 20  # the case is not trivially empty
    np.testing.assert_array_equal(got, want)


def test_random_overnight_timetable_equals_brute_force():
    tt, fp, dest, origins = random_case(100, start=(23 * 3600, 25 * 3600))
    assert tt.arr_time.max() > 86400
    departures = T.departure_times(23 * 3600, 25 * 3600, 600)
    got, want = engine_vs_brute(tt, fp, dest, origins, departures)
    assert np.isfinite(want).sum() > 20
    np.testing.assert_array_equal(got, want)


def test_transfers_default_to_the_timetable_and_max_time_window_is_exact():
    tt, fp, dest, origins = random_case(7)
    departures = T.departure_times(H8, H10, 300)
    acc = access_of(origins)
    full = T.arrival_times(T.access_profiles(tt, dest, (H8, H10)), acc, departures)
    _, want = engine_vs_brute(tt, fp, dest, origins, departures)
    np.testing.assert_array_equal(full, want)
    capped = T.arrival_times(T.access_profiles(tt, dest, (H8, H10), max_time_s=1800), acc, departures)
    short = (full - departures) <= 1800
    np.testing.assert_array_equal(capped[short], full[short])


# -- median and share ---------------------------------------------------------------------------

def test_median_and_share_semantics():
    # buses from A to B (10 min ride) at 8:00 and 8:30 only; departures 8:00, 8:10, 8:20, 8:30, 8:40
    tt = timetable([[(0, H8, H8), (1, H8 + 600, H8 + 600)],
                    [(0, H8 + 1800, H8 + 1800), (1, H8 + 2400, H8 + 2400)]], 2)
    prof = T.access_profiles(tt, {1: 0}, (H8, H8 + 2400), footpaths=[])
    acc = access_of([[(0, 0)]])
    deps = T.departure_times(H8, H8 + 2400, 600)
    # times: 600, 1800 (waits for 8:30), 1200, 600, unreachable -> 600 600 1200 1800 inf: median 1200
    med, share = T.median_times(prof, acc, deps)
    assert med[0] == 1200 and share[0] == pytest.approx(4 / 5)
    med, share = T.median_times(prof, acc, deps, max_time_s=1200)
    assert med[0] == 1200 and share[0] == pytest.approx(3 / 5)
    med, share = T.median_times(prof, acc, deps, max_time_s=1199)  # 600 600 inf inf inf
    assert math.isinf(med[0]) and share[0] == pytest.approx(2 / 5)
    med, _ = T.median_times(prof, acc, deps[:4])  # even count: mean of the middle two (600 600 1200 1800)
    assert med[0] == (600 + 1200) / 2


def test_many_themes_equals_one_theme_at_a_time():
    tt, fp, _, origins = random_case(3)
    rng = np.random.default_rng(5)
    themes = {f"t{k}": {int(s): int(rng.integers(0, 600)) for s in rng.choice(tt.n_stops, 3, replace=False)}
              for k in range(5)}
    walk = {"t1": rng.choice([600.0, math.inf], size=len(origins))}
    deps = T.departure_times(H8, H10, 300)
    acc = access_of(origins)
    res = T.many_themes(tt, themes, acc, deps, walk_only=walk)
    for name, egress in themes.items():
        med, share = T.median_times(T.access_profiles(tt, egress, (H8, H10)), acc, deps, walk.get(name))
        np.testing.assert_array_equal(res[name][0], med)
        np.testing.assert_array_equal(res[name][1], share)
    assert np.isfinite(res.median_s).any()


def test_bad_inputs_are_refused():
    tt = line_and_branch()
    # a trip A -> B -> C with two zero-second hops at 8:00, stored in the wrong order
    z = timetable([[(0, H8, H8), (1, H8, H8), (2, H8, H8)]], 3)
    swapped = dataclasses.replace(z, dep_stop=z.dep_stop[::-1].copy(), arr_stop=z.arr_stop[::-1].copy())
    with pytest.raises(ValueError, match="T0"):
        T.access_profiles(swapped, {2: 0}, (H8, H8))
    assert T.arrival_times(T.access_profiles(z, {2: 0}, (H8, H8)), access_of([[(0, 0)]]), [H8])[0, 0] == H8
    with pytest.raises(ValueError):
        T.access_profiles(tt, {2: 0}, (H8, H8), min_change_s=0)
    with pytest.raises(ValueError):
        T.access_profiles(tt, {7: 0}, (H8, H8))
    prof = T.access_profiles(tt, {2: 0}, (H8, H8 + 600))
    with pytest.raises(ValueError):
        T.arrival_times(prof, access_of([[(0, 0)]]), [H8 - 1])
    with pytest.raises(ValueError):
        T.arrival_times(prof, access_of([[(0, 0)]]), [H8 + 60, H8])


# -- coming back the same half-day --------------------------------------------------------------

def brute_latest_departure(tt, fp, group, home, home_by, walk=None, change=120):
    """Latest departure from the group's sites that is home by ``home_by`` (brute force)."""
    sources = list(group.items())
    targets = dict(home)
    cands = {home_by - walk} if walk is not None and math.isfinite(walk) else set()
    for s, e in group.items():
        cands |= {int(d) - e for d, st in zip(tt.dep_time, tt.dep_stop) if st == s}
        if s in targets:
            cands.add(home_by - e - targets[s])
    ok = [c for c in cands if brute_arrival(tt, sources, targets, c, walk, fp, change) <= home_by]
    return max(ok, default=-math.inf)


@pytest.mark.parametrize("seed", range(4))
def test_return_rule_equals_brute_force(seed):
    tt, fp, _, origins = random_case(seed + 20, start=(7 * 3600, 13 * 3600))
    rng = np.random.default_rng(seed)
    groups = [{int(s): int(rng.integers(0, 300))} for s in rng.choice(tt.n_stops, 3, replace=False)]
    leave, home_by, stay = H8, 12 * 3600 + 1800, 3600
    res = can_return(tt, groups, access_of(origins), stay, leave, home_by, footpaths=fp)
    checked = 0
    for g, group in enumerate(groups):
        for o, home in enumerate(origins):
            early = brute_arrival(tt, home, group, leave, None, fp)
            late = brute_latest_departure(tt, fp, group, home, home_by)
            assert res.earliest_arrival_s[g, o] == early
            assert res.latest_departure_s[g, o] == late
            checked += math.isfinite(early) and math.isfinite(late)
    assert checked > 5
    want = np.any(res.earliest_arrival_s + stay <= res.latest_departure_s, axis=0)
    np.testing.assert_array_equal(res.possible, want)


def test_return_needs_the_stay_and_the_same_group():
    # A(0) -> S1(1) at 9:00-9:20; back S1 -> A at 11:00-11:20; S2(2) has no way back
    tt = timetable([[(0, 9 * 3600, 9 * 3600), (1, 9 * 3600 + 1200, 9 * 3600 + 1200)],
                    [(1, 11 * 3600, 11 * 3600), (0, 11 * 3600 + 1200, 11 * 3600 + 1200)],
                    [(0, 8 * 3600, 8 * 3600), (2, 8 * 3600 + 600, 8 * 3600 + 600)]], 3)
    acc = access_of([[(0, 0)]])
    assert can_return(tt, [{1: 0}], acc, stay_s=100 * 60, footpaths=[]).possible[0]
    assert not can_return(tt, [{1: 0}], acc, stay_s=100 * 60 + 1, footpaths=[]).possible[0]
    assert not can_return(tt, [{1: 0}], acc, stay_s=3600, home_by_s=11 * 3600 + 1199, footpaths=[]).possible[0]
    # one site per group: S2 is reached first but has no return; S1 still allows it
    res = can_return(tt, [{2: 0}, {1: 0}], acc, stay_s=3600, footpaths=[])
    assert res.possible[0] and res.latest_departure_s[0, 0] == -math.inf
    # S2 and S1 as one group: outbound reaches S2 at 8:10, "back" from S1 at 11:00 (optimistic)
    res = can_return(tt, [{2: 0, 1: 0}], acc, stay_s=160 * 60, footpaths=[])
    assert res.earliest_arrival_s[0, 0] == 8 * 3600 + 600 and res.possible[0]


def test_return_by_walking_only():
    tt = timetable([[(0, 9 * 3600, 9 * 3600), (1, 9 * 3600 + 600, 9 * 3600 + 600)]], 2)
    acc = access_of([[(1, 0)], [(1, 0)]])
    res = can_return(tt, [{0: 0}], acc, stay_s=3600, walk_only=[[1800, math.inf]], footpaths=[])
    assert list(res.earliest_arrival_s[0]) == [H8 + 1800, math.inf]
    # origin 0 walks back (leaves by 12:00); origin 1 has the 9:00 bus home but no way there
    assert list(res.latest_departure_s[0]) == [12 * 3600, 9 * 3600]
    assert list(res.possible) == [True, False]

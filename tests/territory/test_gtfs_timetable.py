"""One service day of GTFS feeds as elementary connections: calendars, frequencies, merges, transfers."""

from __future__ import annotations

import datetime as dt

import numpy as np

from mapapp.territory.gtfs import read_gtfs, timetable_for_day
from tests.territory.gtfs_fixtures import BASE, TUESDAY, write_feed, with_rows


def _feed(tmp_path, name="f.zip", changes=None, **kw):
    return read_gtfs(write_feed(tmp_path / name, changes, **kw), today=dt.date(2026, 9, 1))


def _hm(seconds):
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _rows(tt):
    return [(tt.trip_ids[t], tt.stop_ids[a], _hm(d), tt.stop_ids[b], _hm(r))
            for t, a, d, b, r in zip(tt.trip, tt.dep_stop, tt.dep_time, tt.arr_stop, tt.arr_time)]


def test_a_tuesday_gives_consecutive_stop_pairs_sorted_by_departure(tmp_path):
    tt = timetable_for_day([_feed(tmp_path)], TUESDAY)
    assert tt.service_date == "2026-09-15" and tt.feeds == ("f",)
    assert list(tt.stop_ids) == ["A", "B", "C"] and list(tt.stop_names) == ["Alpha", "Bravo", "Charlie"]
    assert _rows(tt) == [("T1", "A", "07:00", "B", "07:10"), ("T1", "B", "07:11", "C", "07:21"),
                         ("T2", "A", "08:00", "B", "08:10"), ("T2", "B", "08:10", "C", "08:20")]
    assert list(tt.route_names) == ["L1", "L1"]
    assert tt.transfers is None


def test_calendar_dates_remove_and_add_days(tmp_path):
    feed = _feed(tmp_path)
    assert timetable_for_day([feed], dt.date(2026, 11, 11)).n_connections == 0  # removed Wednesday
    assert timetable_for_day([feed], dt.date(2026, 11, 12)).n_connections == 4
    assert timetable_for_day([feed], dt.date(2026, 9, 5)).n_connections == 4  # added Saturday
    assert timetable_for_day([feed], dt.date(2026, 9, 12)).n_connections == 0  # ordinary Saturday
    assert timetable_for_day([feed], dt.date(2026, 12, 21)).n_connections == 0  # after end_date
    empty = timetable_for_day([feed], dt.date(2026, 9, 12))
    assert empty.n_stops == 3  # stops are there every day: indices do not move


def test_frequencies_are_expanded(tmp_path):
    changes = {"frequencies.txt": [["trip_id", "start_time", "end_time", "headway_secs"],
                                   ["T1", "06:00:00", "07:00:00", "1200"]]}
    tt = timetable_for_day([_feed(tmp_path, changes=changes)], TUESDAY)
    departures_from_a = sorted(_hm(d) for d, s in zip(tt.dep_time, tt.dep_stop) if tt.stop_ids[s] == "A")
    # T1 becomes 06:00, 06:20, 06:40 (end time excluded); T2 stays at 08:00
    assert departures_from_a == ["06:00", "06:20", "06:40", "08:00"]
    arrivals_at_c = sorted(_hm(a) for a, s in zip(tt.arr_time, tt.arr_stop) if tt.stop_ids[s] == "C")
    assert arrivals_at_c == ["06:21", "06:41", "07:01", "08:20"]  # the template's 21 minutes kept
    assert len(set(tt.trip)) == 4


def test_intermediate_stops_without_times_are_interpolated(tmp_path):
    rows = [list(r) for r in BASE["stop_times.txt"]]
    rows[5][1] = rows[5][2] = ""  # T2 at B
    tt = timetable_for_day([_feed(tmp_path, changes={"stop_times.txt": rows})], TUESDAY)
    assert _rows(tt)[2:] == [("T2", "A", "08:00", "B", "08:10"), ("T2", "B", "08:10", "C", "08:20")]


def test_times_after_midnight_stay_above_24_hours(tmp_path):
    changes = with_rows("trips.txt", ["R1", "SEM", "T3"])
    changes.update(with_rows("stop_times.txt", ["T3", "23:50:00", "23:50:00", "A", "1"],
                             ["T3", "24:05:00", "24:05:00", "B", "2"]))
    tt = timetable_for_day([_feed(tmp_path, changes=changes)], TUESDAY)
    assert tt.arr_time.max() == 24 * 3600 + 5 * 60
    assert np.all(np.diff(tt.dep_time) >= 0)


def test_merged_feeds_keep_their_stops_apart(tmp_path):
    coach, bus = _feed(tmp_path, "cars.zip"), _feed(tmp_path, "bus.zip", drop=("calendar_dates.txt",))
    tt = timetable_for_day([coach, bus], TUESDAY)
    assert tt.feeds == ("cars", "bus")
    assert list(tt.stop_ids) == ["cars:A", "cars:B", "cars:C", "bus:A", "bus:B", "bus:C"]
    assert tt.n_connections == 8
    assert set(tt.trip_ids) == {"cars:T1", "cars:T2", "bus:T1", "bus:T2"}
    for trip in range(len(tt.trip_ids)):
        feed = tt.trip_ids[trip].split(":")[0]
        assert all(tt.stop_ids[s].startswith(feed + ":") for s in tt.dep_stop[tt.trip == trip])
    # on the 5th of September only the coaches' added Saturday runs
    saturday = timetable_for_day([coach, bus], dt.date(2026, 9, 5))
    assert {tt.trip_ids[t].split(":")[0] for t in saturday.trip} == {"cars"}


def test_transfers_are_read(tmp_path):
    changes = {"transfers.txt": [["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"],
                                 ["A", "B", "2", "300"], ["B", "C", "0", ""], ["C", "A", "3", ""]]}
    tt = timetable_for_day([_feed(tmp_path, changes=changes)], TUESDAY)
    assert tt.transfers.shape == (2, 3)
    assert list(tt.transfers[0]) == [0, 1, 300]
    # B -> C: 1.36 km in a straight line at 4.5 km/h
    assert tt.transfers[1][:2].tolist() == [1, 2]
    assert 1050 <= tt.transfers[1][2] <= 1120


def test_stations_are_not_timetable_stops(tmp_path):
    stops = [BASE["stops.txt"][0] + ["location_type", "parent_station"], ["GARE", "Gare", "45.0", "2.0", "1", ""]]
    stops += [row + ["0", "GARE" if row[0] == "A" else ""] for row in BASE["stops.txt"][1:]]
    tt = timetable_for_day([_feed(tmp_path, changes={"stops.txt": stops})], TUESDAY)
    assert list(tt.stop_ids) == ["A", "B", "C"] and tt.n_connections == 4

"""The demo's GTFS feeds: valid, on the demo's roads and towns, running on school-term weekdays."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from mapapp.demo.geography import LAMBERT93
from mapapp.demo.transit import FILES
from mapapp.territory.gtfs import read_gtfs_files, territory_area, timetable_for_day
from mapapp.territory.validation import ImportReport

TERM_TUESDAY = dt.date(2026, 9, 15)
HOLIDAY_TUESDAY = dt.date(2026, 10, 20)


@pytest.fixture(scope="module")
def feeds(demo_dir, communes):
    report = ImportReport()
    feeds = read_gtfs_files([demo_dir / name for name in FILES], report, territory_area(communes),
                            today=dt.date(2026, 9, 1))
    assert report.errors == [] and report.warnings == [], report.summary()
    return feeds


def test_feeds_are_valid_for_the_school_year(feeds):
    assert [f.name for f in feeds] == ["cars-arlenc", "bus-arlenc"]
    for feed in feeds:
        assert (feed.first_date, feed.last_date) == (dt.date(2026, 8, 31), dt.date(2027, 7, 2))


def test_a_term_tuesday_has_coaches_and_town_buses_between_6_and_20(feeds):
    tt = timetable_for_day(feeds, TERM_TUESDAY)
    by_feed = {name: int(sum(tt.trip_ids[t].startswith(name + ":") for t in set(tt.trip.tolist())))
               for name in tt.feeds}
    assert by_feed["cars-arlenc"] == 3 * 10  # three lines, five trips each way
    assert by_feed["bus-arlenc"] > 100  # every 15 or 30 minutes on two lines, both ways
    assert tt.dep_time.min() >= 6 * 3600 and tt.arr_time.max() <= 20 * 3600 + 30 * 60
    morning = (tt.dep_time >= 8 * 3600) & (tt.dep_time < 10 * 3600)
    assert morning.sum() > 50
    assert tt.transfers is not None and len(tt.transfers) == 1


def test_holidays_and_sundays_have_less_or_nothing(feeds):
    term = timetable_for_day(feeds, TERM_TUESDAY)
    holiday = timetable_for_day(feeds, HOLIDAY_TUESDAY)
    coach_trips = lambda tt: {tt.trip_ids[t] for t in tt.trip if tt.trip_ids[t].startswith("cars-arlenc:")}  # noqa: E731
    assert 0 < len(coach_trips(holiday)) < len(coach_trips(term))
    assert timetable_for_day(feeds, dt.date(2026, 9, 20)).n_connections == 0  # Sunday
    assert timetable_for_day(feeds, dt.date(2026, 11, 11)).n_connections == 0  # public holiday


def _l93(lon, lat):
    from pyproj import Transformer

    return np.column_stack(Transformer.from_crs(4326, LAMBERT93, always_xy=True).transform(lon, lat))


def test_stops_are_on_the_demo_roads_in_its_towns(feeds, osm, communes):
    nodes = cKDTree(_l93(osm.lon, osm.lat))
    for feed in feeds:
        stops = feed.feed.stops
        distance, _ = nodes.query(_l93(stops["stop_lon"].to_numpy(float), stops["stop_lat"].to_numpy(float)))
        assert distance.max() < 25.0, (feed.name, distance.max())  # bus stops on street-grid nodes (jittered)
    coach = {str(s)[1:] for s in feeds[0].feed.stops["stop_id"]}
    names = dict(zip(communes["code"], communes["nom"]))
    inner = set(communes.loc[~communes["is_buffer"].astype(bool), "code"])
    assert coach <= inner
    assert {"Arlenc", "Calade", "Jalinut", "L'Isle-sur-Arlenc"} <= {names[c] for c in coach}
    assert "Belerette" not in {names[c] for c in coach}  # a town left to the car, on purpose


def test_feed_files_are_real_gtfs_zips(demo_dir):
    for name in FILES:
        with zipfile.ZipFile(demo_dir / name) as zf:
            assert {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt",
                    "calendar.txt", "calendar_dates.txt"} <= set(zf.namelist())
            assert zf.read("agency.txt").decode("utf-8").startswith("agency_id,agency_name,")


def test_demo_load_stores_the_feeds(demo_env):
    env, output = demo_env
    assert "Horaires GTFS : bus-arlenc, cars-arlenc ajoutés" in output
    manifest = json.loads((Path(env["MAPAPP_DATA_DIR"]) / "gtfs" / "feeds.json").read_text(encoding="utf-8"))
    assert [(f["name"], f["first_date"], f["departement"]) for f in manifest["feeds"]] == \
        [("bus-arlenc", "2026-08-31", "96"), ("cars-arlenc", "2026-08-31", "96")]


def test_each_trip_is_a_chain_of_connections(feeds):
    tt = timetable_for_day(feeds, TERM_TUESDAY)
    for trip in np.unique(tt.trip):
        k = np.flatnonzero(tt.trip == trip)  # in departure order
        assert np.all(tt.arr_stop[k[:-1]] == tt.dep_stop[k[1:]]), tt.trip_ids[trip]
        assert np.all(tt.arr_time[k[:-1]] <= tt.dep_time[k[1:]]), tt.trip_ids[trip]
    coach = feeds[0].feed
    running = coach.trips[coach.trips["service_id"] == "SCOL"]["trip_id"]
    hops = coach.stop_times[coach.stop_times["trip_id"].isin(running)].groupby("trip_id").size() - 1
    in_timetable = sum(tt.trip_ids[t].startswith("cars-arlenc:") for t in tt.trip)
    assert in_timetable == hops.sum()

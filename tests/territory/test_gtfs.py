"""GTFS feeds: every validation problem is named with its file and line, the feed's validity dates."""

from __future__ import annotations

import datetime as dt

import gtfs_kit
import numpy as np
import pytest
from shapely.geometry import box

from mapapp.territory.gtfs import feed_name, read_gtfs
from mapapp.territory.validation import ImportReport, TerritoryImportError
from tests.territory.gtfs_fixtures import BASE, write_feed, with_rows

TODAY = dt.date(2026, 9, 1)


def _read(path, **kwargs):
    report = ImportReport()
    feed = read_gtfs(path, report=report, today=kwargs.pop("today", TODAY), **kwargs)
    return feed, report


def _texts(issues):
    return [str(i) for i in issues]


def test_base_feed_is_clean_and_knows_its_validity(tmp_path):
    feed, report = _read(write_feed(tmp_path / "Cars du Test.zip"))
    assert report.errors == [] and report.warnings == []
    assert feed.name == "cars-du-test"
    # the calendar says 2026-09-01 … 2026-12-18, and calendar_dates adds Saturday 2026-09-05 (still inside)
    assert (feed.first_date, feed.last_date) == (dt.date(2026, 9, 1), dt.date(2026, 12, 18))
    assert feed.counts == {"agencies": 1, "stops": 3, "routes": 1, "trips": 2}


def test_validity_is_stretched_by_an_added_date(tmp_path):
    path = write_feed(tmp_path / "f.zip", with_rows("calendar_dates.txt", ["SEM", "20270104", "1"]))
    feed, _ = _read(path)
    assert feed.last_date == dt.date(2027, 1, 4)


@pytest.mark.parametrize("missing", ["agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt"])
def test_each_missing_required_file_is_named(tmp_path, missing):
    feed, report = _read(write_feed(tmp_path / "f.zip", drop=(missing,)))
    assert feed is None
    assert _texts(report.errors) == [f"f.zip ({missing}) : fichier obligatoire absent ou vide"]


def test_calendar_or_calendar_dates_is_required_but_either_is_enough(tmp_path):
    feed, report = _read(write_feed(tmp_path / "none.zip", drop=("calendar.txt", "calendar_dates.txt")))
    assert feed is None and "ni calendar.txt ni calendar_dates.txt" in report.errors[0].message
    only_dates = write_feed(tmp_path / "dates.zip", drop=("calendar.txt",))
    feed, report = _read(only_dates)
    assert report.errors == []
    assert feed.first_date == feed.last_date == dt.date(2026, 9, 5)  # the one added date


def test_not_a_zip(tmp_path):
    path = tmp_path / "horaires.zip"
    path.write_text("stop_id,stop_name\n", encoding="utf-8")
    feed, report = _read(path)
    assert feed is None and "n'est pas une archive ZIP" in report.errors[0].message


def test_without_a_report_errors_raise(tmp_path):
    with pytest.raises(TerritoryImportError, match="stops.txt"):
        read_gtfs(write_feed(tmp_path / "f.zip", drop=("stops.txt",)))


def test_stop_times_of_unknown_trips_and_stops_name_their_lines(tmp_path):
    path = write_feed(tmp_path / "f.zip", with_rows("stop_times.txt", ["T9", "09:00:00", "09:00:00", "A", "1"],
                                                    ["T2", "08:30:00", "08:30:00", "Z", "4"]))
    feed, report = _read(path)
    assert feed is None
    assert _texts(report.errors) == ["f.zip/stop_times.txt (ligne 8) : course « T9 » absente de trips.txt",
                                     "f.zip/stop_times.txt (ligne 9) : arrêt « Z » absent de stops.txt"]
    assert report.errors[1].column == "stop_id" and report.errors[1].value == "Z"


def test_unreadable_times_name_their_line(tmp_path):
    rows = [list(r) for r in BASE["stop_times.txt"]]
    rows[2][1] = "7h10"
    feed, report = _read(write_feed(tmp_path / "f.zip", {"stop_times.txt": rows}))
    assert feed is None
    assert any(str(i).startswith("f.zip/stop_times.txt (ligne 3) : heure illisible « 7h10 »") for i in report.errors)


def test_times_going_back_are_errors(tmp_path):
    rows = [list(r) for r in BASE["stop_times.txt"]]
    rows[3][1] = rows[3][2] = "07:05:00"  # C before B's departure 07:11
    feed, report = _read(write_feed(tmp_path / "f.zip", {"stop_times.txt": rows}))
    assert feed is None
    assert _texts(report.errors) == ["f.zip/stop_times.txt (ligne 4) : course « T1 » : heure antérieure à celle de "
                                     "l'arrêt précédent"]


def test_a_text_in_a_number_column_names_the_line(tmp_path):
    rows = [list(r) for r in BASE["stops.txt"]]
    rows[2][2] = "45,010"  # a French decimal comma
    feed, report = _read(write_feed(tmp_path / "f.zip", {"stops.txt": [[f'"{v}"' for v in r] for r in rows]}))
    assert feed is None
    assert _texts(report.errors) == ["f.zip/stops.txt (ligne 3) : « stop_lat » doit être un nombre"]


def test_a_file_not_in_utf8_is_named(tmp_path):
    text = "stop_id,stop_name,stop_lat,stop_lon\r\nA,Alpha,45.0,2.0\r\nB,Brévent,45.01,2.01\r\nC,C,45.02,2.02\r\n"
    feed, report = _read(write_feed(tmp_path / "f.zip", raw={"stops.txt": text.encode("cp1252")}))
    assert feed is None
    assert _texts(report.errors) == ["f.zip/stops.txt (ligne 3) : fichier non encodé en UTF-8 (GTFS impose l'UTF-8) "
                                     ": réenregistrez-le en UTF-8"]


def test_missing_required_column(tmp_path):
    rows = [r[:3] for r in BASE["stops.txt"]]  # no stop_lon
    feed, report = _read(write_feed(tmp_path / "f.zip", {"stops.txt": rows}))
    assert feed is None
    assert _texts(report.errors) == ["f.zip/stops.txt (ligne 1) : colonne obligatoire « stop_lon » absente"]


def test_a_calendar_that_never_runs_is_a_warning_and_a_feed_that_never_runs_an_error(tmp_path):
    never = ["NUL", "0", "0", "0", "0", "0", "0", "0", "20260901", "20261218"]
    changes = {**with_rows("calendar.txt", never), **with_rows("trips.txt", ["R1", "NUL", "T3"]),
               **with_rows("stop_times.txt", ["T3", "09:00:00", "09:00:00", "A", "1"],
                           ["T3", "09:10:00", "09:10:00", "B", "2"])}
    feed, report = _read(write_feed(tmp_path / "f.zip", changes))
    assert feed is not None
    assert "le service « NUL » ne circule aucun jour" in _texts(report.warnings)[0]
    # the only service removed on its only day
    only = {"calendar_dates.txt": BASE["calendar_dates.txt"][:1] + [["SEM", "20260905", "2"]]}
    feed, report = _read(write_feed(tmp_path / "g.zip", only, drop=("calendar.txt",)))
    assert feed is None
    assert "aucune course ne circule jamais" in _texts(report.errors)[-1]


def test_unknown_service_and_route(tmp_path):
    feed, report = _read(write_feed(tmp_path / "f.zip", with_rows("trips.txt", ["R9", "XX", "T3"])))
    assert feed is None
    assert _texts(report.errors) == ["f.zip/trips.txt (ligne 4) : course « T3 » : ligne « R9 » absente de routes.txt"]
    assert "service « XX » absent de calendar.txt et de calendar_dates.txt" in _texts(report.warnings)[0]


def test_bad_calendar_dates_and_values(tmp_path):
    changes = {**with_rows("calendar.txt", ["X", "1", "1", "2", "1", "1", "0", "0", "2026-09-01", "20261218"]),
               **with_rows("calendar_dates.txt", ["SEM", "20260931", "1"], ["SEM", "20261001", "3"])}
    feed, report = _read(write_feed(tmp_path / "f.zip", changes))
    assert feed is None
    texts = _texts(report.errors)
    assert "f.zip/calendar.txt (ligne 3) : date illisible « 2026-09-01 » (attendu AAAAMMJJ, par exemple 20260915)" in texts
    assert "f.zip/calendar.txt (ligne 3) : « wednesday » doit valoir 0 ou 1" in texts
    assert any(t.startswith("f.zip/calendar_dates.txt (ligne 4) : date illisible « 20260931 »") for t in texts)
    assert any(t.startswith("f.zip/calendar_dates.txt (ligne 5) : « exception_type »") for t in texts)


def test_expired_feed_is_a_warning(tmp_path):
    feed, report = _read(write_feed(tmp_path / "f.zip"), today=dt.date(2027, 3, 1))
    assert feed is not None
    assert _texts(report.warnings) == ["f.zip : horaires périmés : dernier jour de circulation le 18/12/2026"]


def test_stops_outside_the_territory_are_listed(tmp_path):
    area = box(1.99, 44.99, 2.015, 45.015)  # holds A and B, not C
    feed, report = _read(write_feed(tmp_path / "f.zip"), area=area)
    assert feed is not None and report.errors == []
    texts = _texts(report.warnings)
    assert texts[0].startswith("f.zip : 1 arrêt(s) hors du territoire")
    assert texts[1] == "f.zip/stops.txt (ligne 4) : arrêt « C » (Charlie) hors du territoire (45.02000, 2.02000)"


def test_many_bad_lines_are_counted_not_all_listed(tmp_path):
    rows = [["T9", "09:00:00", "09:00:00", "A", str(k)] for k in range(1, 31)]
    feed, report = _read(write_feed(tmp_path / "f.zip", with_rows("stop_times.txt", *rows)))
    assert len(report.errors) == 21
    assert report.errors[-1].message.startswith("… et 10 autres lignes avec le même problème")


def test_service_days_agree_with_gtfs_kit(tmp_path):
    feed, _ = _read(write_feed(tmp_path / "f.zip"))
    for offset in range(-3, 120):
        day = dt.date(2026, 9, 1) + dt.timedelta(days=offset)
        ours = {sid for sid, days in feed.service_days.items() if np.datetime64(day) in days}
        assert ours == set(gtfs_kit.get_active_services(feed.feed, day.strftime("%Y%m%d"))), day
        assert feed.runs_on(day) == bool(ours)


def test_feed_name():
    assert feed_name("/x/TER Nouvelle-Aquitaine.GTFS.zip") == "ter-nouvelle-aquitaine"
    assert feed_name("___.zip") == "___"
    assert feed_name("é.zip") == "gtfs"


def test_a_stop_without_coordinates_names_its_line(tmp_path):
    rows = [list(r) for r in BASE["stops.txt"]]
    rows[3][2] = ""  # C without stop_lat
    feed, report = _read(write_feed(tmp_path / "f.zip", {"stops.txt": rows}))
    assert feed is None
    assert _texts(report.errors) == ["f.zip/stops.txt (ligne 4) : arrêt « C » sans coordonnées valables "
                                     "(stop_lat vide, stop_lon 2.02)"]

"""Public-transport timetables: read and check GTFS feeds (zip files).

    feed = read_gtfs(Path("lio.zip"), report=report, area=territory_polygon)
    timetable = timetable_for_day([feed, other], dt.date(2026, 9, 15))

Parsing is gtfs-kit's (:func:`gtfs_kit.read_feed`: typed pandas tables, the
calendar rules of :func:`gtfs_kit.get_active_services`, frequencies expanded by
:func:`gtfs_kit.expand_frequencies`). What this module adds is the checking, in
French and with the file and the line (or the id) of every problem, following
the conventions of :mod:`mapapp.territory.validation`: errors make the feed
unusable (nothing is stored), warnings are shown and the feed is kept.

gtfs-kit keeps the rows of each file in order, so the row at index ``i`` of a
table is line ``i + 2`` of its file (line 1 is the header). When gtfs-kit
cannot read a file at all (a number column holding text, a file not in UTF-8),
the file is read again as plain text to name the first offending lines.

Beside it: :mod:`.gtfs_calendar` (the days each service runs, validity dates),
:mod:`.gtfs_columns` (vectorised time parsing and id lookups, naming offending
rows), :mod:`.gtfs_timetable` (one day as a Timetable), :mod:`.gtfs_store`
(the stored feeds).

Pure: files in, data frames and :class:`GtfsFeed` out; no database.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import gtfs_kit
import numpy as np
import pandas as pd

from mapapp.territory.gtfs_calendar import WEEKDAYS, service_days, validity
from mapapp.territory.gtfs_columns import LINES_PER_PROBLEM, flag_rows, isin, time_seconds, unreadable_times
from mapapp.territory.validation import ImportReport, TerritoryImportError, finish, start

__all__ = ["GtfsFeed", "feed_name", "isin", "read_gtfs", "read_gtfs_files", "service_days", "territory_area",
           "time_seconds", "timetable_for_day"]

#: Files every feed must have; it must also have calendar.txt or calendar_dates.txt (or both).
REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
CALENDAR_FILES = ("calendar.txt", "calendar_dates.txt")
#: Columns without which a file cannot be used (GTFS « Required » fields that the timetable reads).
REQUIRED_COLUMNS = {
    "stops": ("stop_id", "stop_lat", "stop_lon"),
    "routes": ("route_id",),
    "trips": ("route_id", "service_id", "trip_id"),
    "stop_times": ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"),
    "calendar": ("service_id", *WEEKDAYS, "start_date", "end_date"),
    "calendar_dates": ("service_id", "date", "exception_type"),
    "frequencies": ("trip_id", "start_time", "end_time", "headway_secs"),
    "transfers": ("from_stop_id", "to_stop_id"),
}
@dataclass
class GtfsFeed:
    """A checked GTFS feed.

    Attributes:
        name: short name (letters, digits, ``-``, ``_``), the prefix of its ids when feeds are merged.
        path: the zip file it was read from.
        feed: the gtfs-kit feed (typed tables).
        first_date, last_date: first and last day on which at least one trip runs.
        service_days: per ``service_id``, the sorted ``datetime64[D]`` days it runs.
    """

    name: str
    path: Path
    feed: gtfs_kit.Feed
    first_date: dt.date
    last_date: dt.date
    service_days: dict[str, np.ndarray] = field(repr=False, default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        f = self.feed
        return {"agencies": len(f.agency), "stops": len(f.stops), "routes": len(f.routes), "trips": len(f.trips)}

    def runs_on(self, day: dt.date) -> bool:
        d = np.datetime64(day, "D")
        return any(np.isin(d, days) for days in self.service_days.values())


def feed_name(path: Path) -> str:
    """The default name of a feed: its file name without extension, reduced to ``[a-z0-9_-]``."""
    stem = Path(path).name
    for suffix in (".zip", ".gtfs"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    name = re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-")
    return name or "gtfs"


def _txt_members(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Non-empty ``.txt`` members by base name (gtfs-kit reads them the same way, folders ignored)."""
    return {Path(i.filename).name: i for i in zf.infolist()
            if not i.is_dir() and i.filename.endswith(".txt") and i.file_size}


def _diagnose_unreadable(zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], source: str,
                         report: ImportReport) -> None:
    """gtfs-kit failed: find which file and which lines, by reading each one as text."""
    found = False
    for base, info in sorted(members.items()):
        table = base[:-4]
        if table not in gtfs_kit.DTYPES:
            continue
        where = f"{source}/{base}"
        raw_bytes = zf.read(info)
        try:
            raw_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw_bytes[: exc.start].count(b"\n") + 1
            report.error(where, line, "fichier non encodé en UTF-8 (GTFS impose l'UTF-8) : réenregistrez-le en UTF-8")
            found = True
            continue
        try:
            from io import BytesIO

            raw = pd.read_csv(BytesIO(raw_bytes), dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (pd.errors.ParserError, ValueError) as exc:
            report.error(where, None, f"fichier CSV illisible ({exc})")
            found = True
            continue
        raw.columns = [c.strip() for c in raw.columns]
        for column, dtype in gtfs_kit.DTYPES[table].items():
            if column not in raw.columns or dtype == "string":
                continue
            values = raw[column].str.strip()
            bad = raw[(values != "") & pd.to_numeric(values, errors="coerce").isna()]
            if len(bad):
                found = True
                flag_rows(report, where, bad, f"« {column} » doit être un nombre", column=column)
    if not found:
        report.error(source, None, "archive GTFS illisible par gtfs-kit (aucune ligne fautive trouvée)")


def _open_feed(path: Path, source: str, report: ImportReport) -> gtfs_kit.Feed:
    """The gtfs-kit feed, after checking the zip and its files; raises when it cannot be read."""
    if not path.is_file():
        raise_fatal(report, source, "fichier introuvable")
    if not zipfile.is_zipfile(path):
        raise_fatal(report, source, "n'est pas une archive ZIP (un fichier GTFS est un .zip de fichiers .txt)")
    with zipfile.ZipFile(path) as zf:
        members = _txt_members(zf)
        missing = [name for name in REQUIRED_FILES if name not in members]
        for name in missing:
            report.error(source, name, "fichier obligatoire absent ou vide")
        if not any(name in members for name in CALENDAR_FILES):
            report.error(source, "calendar.txt", "ni calendar.txt ni calendar_dates.txt : aucun jour de circulation")
            missing.append("calendar.txt")
        if missing:
            raise TerritoryImportError(report.errors, report.warnings)
        try:
            feed = gtfs_kit.read_feed(path, dist_units="km")
        except (ValueError, TypeError, UnicodeDecodeError, pd.errors.ParserError):
            _diagnose_unreadable(zf, members, source, report)
            raise TerritoryImportError(report.errors, report.warnings) from None
    absent = False
    for table, columns in REQUIRED_COLUMNS.items():
        frame = getattr(feed, table)
        for column in columns:
            if frame is not None and column not in frame.columns:
                report.error(f"{source}/{table}.txt", 1, f"colonne obligatoire « {column} » absente")
                absent = True
    if absent:
        raise TerritoryImportError(report.errors, report.warnings)
    return feed


def raise_fatal(report: ImportReport, source: str, message: str):
    report.error(source, None, message)
    raise TerritoryImportError(report.errors, report.warnings)


def _check_ids(report: ImportReport, source: str, frame: pd.DataFrame, column: str, what: str) -> None:
    ids = frame[column].astype("string").str.strip()
    flag_rows(report, source, frame[ids.isna() | (ids == "")], f"{what} sans identifiant « {column} »", column=column)
    duplicated = frame[ids.duplicated(keep="first") & ids.notna()]
    flag_rows(report, source, duplicated, lambda r: f"identifiant « {r[column]} » en double", column=column)


def _check_stops(feed: gtfs_kit.Feed, source: str, report: ImportReport) -> None:
    stops = feed.stops
    where = f"{source}/stops.txt"
    _check_ids(report, where, stops, "stop_id", "arrêt")
    kind = stops["location_type"] if "location_type" in stops else pd.Series(0, index=stops.index)
    located = kind.isna() | kind.isin([0, 1, 2])  # stops, stations, entrances need coordinates
    lat, lon = stops["stop_lat"], stops["stop_lon"]
    bad = stops[located & (lat.isna() | lon.isna() | ~lat.between(-90, 90) | ~lon.between(-180, 180)
                           | ((lat == 0) & (lon == 0)))]
    shown = lambda v: "vide" if pd.isna(v) else f"{v:g}"  # noqa: E731
    flag_rows(report, where, bad, lambda r: f"arrêt « {r['stop_id']} » sans coordonnées valables "
                                            f"(stop_lat {shown(r['stop_lat'])}, stop_lon {shown(r['stop_lon'])})")


def _check_trips(feed: gtfs_kit.Feed, source: str, report: ImportReport, services: set[str]) -> None:
    where = f"{source}/trips.txt"
    _check_ids(report, f"{source}/routes.txt", feed.routes, "route_id", "ligne")
    _check_ids(report, where, feed.trips, "trip_id", "course")
    trips = feed.trips
    flag_rows(report, where, trips[~isin(trips["route_id"], feed.routes["route_id"])],
              lambda r: f"course « {r['trip_id']} » : ligne « {r['route_id']} » absente de routes.txt", column="route_id")
    flag_rows(report, where, trips[~trips["service_id"].isin(services)],
              lambda r: f"course « {r['trip_id']} » : service « {r['service_id']} » absent de calendar.txt et de "
                        "calendar_dates.txt, elle ne circule jamais", column="service_id", warning=True)


def _check_stop_times(feed: gtfs_kit.Feed, source: str, report: ImportReport) -> None:
    st = feed.stop_times
    where = f"{source}/stop_times.txt"
    flag_rows(report, where, st[~isin(st["trip_id"], feed.trips["trip_id"])],
              lambda r: f"course « {r['trip_id']} » absente de trips.txt", column="trip_id")
    flag_rows(report, where, st[~isin(st["stop_id"], feed.stops["stop_id"])],
              lambda r: f"arrêt « {r['stop_id']} » absent de stops.txt", column="stop_id")
    flag_rows(report, where, st[st["stop_sequence"].isna()], "« stop_sequence » vide", column="stop_sequence")
    arrival, departure = time_seconds(st["arrival_time"]), time_seconds(st["departure_time"])
    for column, seconds in (("arrival_time", arrival), ("departure_time", departure)):
        flag_rows(report, where, unreadable_times(st, column, seconds),
                  lambda r, c=column: f"heure illisible « {r[c]} » (attendu HH:MM:SS, par exemple 07:05:00 ou 25:10:00)",
                  column=column)
    times = pd.DataFrame({"trip_id": st["trip_id"], "seq": st["stop_sequence"],
                          "arr": arrival.fillna(departure), "dep": departure.fillna(arrival)}, index=st.index)
    times = times.dropna(subset=["seq"]).sort_values(["trip_id", "seq"], kind="stable")
    first = ~times["trip_id"].duplicated(keep="first")
    last = ~times["trip_id"].duplicated(keep="last")
    flag_rows(report, where, st.loc[times.index[(first | last) & times["dep"].isna()]],
              lambda r: f"course « {r['trip_id']} » : premier et dernier arrêts sans heure", column="departure_time")
    previous = times.groupby("trip_id", sort=False)["dep"].shift().ffill().where(~first)
    bad = times.index[(times["arr"] < previous) | (times["dep"] < times["arr"])]
    flag_rows(report, where, st.loc[bad], lambda r: f"course « {r['trip_id']} » : heure antérieure à celle de l'arrêt "
                                                    "précédent", column="arrival_time")
    single = times.groupby("trip_id").size()
    for trip_id in single.index[single < 2][:LINES_PER_PROBLEM]:
        report.warning(where, str(trip_id), "course avec un seul arrêt : ignorée")
    no_stops = feed.trips[~isin(feed.trips["trip_id"], st["trip_id"])]
    flag_rows(report, f"{source}/trips.txt", no_stops, lambda r: f"course « {r['trip_id']} » sans horaires dans "
                                                                 "stop_times.txt : ignorée", warning=True)


def _check_frequencies(feed: gtfs_kit.Feed, source: str, report: ImportReport) -> None:
    if feed.frequencies is None:
        return
    fr = feed.frequencies
    where = f"{source}/frequencies.txt"
    flag_rows(report, where, fr[~isin(fr["trip_id"], feed.trips["trip_id"])],
              lambda r: f"course « {r['trip_id']} » absente de trips.txt", column="trip_id")
    for column in ("start_time", "end_time"):
        flag_rows(report, where, fr[time_seconds(fr[column]).isna()], lambda r, c=column: f"heure illisible « {r[c]} »",
                  column=column)
    flag_rows(report, where, fr[~(fr["headway_secs"] > 0).fillna(False)], "« headway_secs » doit être positif",
              column="headway_secs")


def _check_transfers(feed: gtfs_kit.Feed, source: str, report: ImportReport) -> None:
    if feed.transfers is None:
        return
    tr = feed.transfers
    unknown = tr[~isin(tr["from_stop_id"], feed.stops["stop_id"]) | ~isin(tr["to_stop_id"], feed.stops["stop_id"])]
    flag_rows(report, f"{source}/transfers.txt", unknown, lambda r: f"correspondance « {r['from_stop_id']} » → "
              f"« {r['to_stop_id']} » vers un arrêt absent de stops.txt : ignorée", warning=True)


def _check_area(feed: gtfs_kit.Feed, source: str, report: ImportReport, area) -> None:
    """Warn about every stop outside ``area`` (a shapely geometry in WGS84 lon/lat)."""
    import shapely

    stops = feed.stops.dropna(subset=["stop_lat", "stop_lon"])
    used = stops[isin(stops["stop_id"], feed.stop_times["stop_id"])]
    shapely.prepare(area)
    inside = shapely.contains_xy(area, used["stop_lon"].to_numpy(float), used["stop_lat"].to_numpy(float))
    outside = used[~inside]
    if len(outside):
        report.warning(source, None, f"{len(outside)} arrêt(s) hors du territoire et de sa zone tampon (sur "
                                     f"{len(used)}) : ils restent dans les horaires mais ne desservent personne")
    flag_rows(report, f"{source}/stops.txt", outside, lambda r: f"arrêt « {r['stop_id']} » ({r.get('stop_name')}) hors "
              f"du territoire ({r['stop_lat']:.5f}, {r['stop_lon']:.5f})", warning=True)


def read_gtfs(path: Path, name: str | None = None, report: ImportReport | None = None, area=None,
              today: dt.date | None = None) -> GtfsFeed | None:
    """Read and check one GTFS zip file.

    Args:
        path: the ``.zip`` file.
        name: the feed's short name (default: :func:`feed_name` of the file).
        report: collects the problems (see :mod:`mapapp.territory.validation`); without one,
            errors raise :class:`TerritoryImportError`.
        area: the territory and its buffer as a shapely geometry in WGS84 (lon, lat); stops
            outside it are listed as warnings. ``None``: not checked.
        today: the date against which « horaires périmés » is judged (default: today).

    Returns:
        The checked feed, or ``None`` when the report holds errors for it.
    """
    report, owned = start(report)
    path = Path(path)
    source = path.name
    errors_before = len(report.errors)
    try:
        feed = _open_feed(path, source, report)
    except TerritoryImportError:
        finish(report, owned)
        return None
    _check_stops(feed, source, report)
    days = service_days(feed, source, report)
    _check_trips(feed, source, report, set(days))
    _check_stop_times(feed, source, report)
    _check_frequencies(feed, source, report)
    _check_transfers(feed, source, report)
    span = validity(days, feed, source, report, today or dt.date.today())
    if area is not None:
        _check_area(feed, source, report, area)
    failed = len(report.errors) > errors_before or span is None
    if not failed:
        report.info(source, None, f"{len(feed.routes)} ligne(s), {len(feed.trips)} course(s), {len(feed.stops)} "
                                  f"arrêt(s), du {span[0]:%d/%m/%Y} au {span[1]:%d/%m/%Y}")
    finish(report, owned)
    if failed:
        return None
    return GtfsFeed(name or feed_name(path), path, feed, span[0], span[1], days)


def read_gtfs_files(paths: list[Path], report: ImportReport, area=None, today: dt.date | None = None) -> list[GtfsFeed]:
    """:func:`read_gtfs` for each file into ``report``; two feeds with the same name are an error."""
    feeds = [f for f in (read_gtfs(p, report=report, area=area, today=today) for p in paths) if f is not None]
    seen: dict[str, Path] = {}
    for feed in feeds:
        if feed.name in seen:
            report.error(feed.path.name, None, f"même nom de réseau « {feed.name} » que {seen[feed.name].name} : "
                                               "renommez l'un des fichiers")
        seen.setdefault(feed.name, feed.path)
    return feeds


def territory_area(communes):
    """The territory and its buffer (a communes GeoDataFrame) as one WGS84 geometry, for ``area``."""
    import shapely

    return shapely.union_all(shapely.make_valid(communes.to_crs(4326).geometry.to_numpy()))


def timetable_for_day(feeds, date):
    """The :class:`mapapp.access.timetable.Timetable` of ``feeds`` on ``date``; see
    :func:`mapapp.territory.gtfs_timetable.timetable_for_day`."""
    from mapapp.territory.gtfs_timetable import timetable_for_day as build

    return build(feeds, date)

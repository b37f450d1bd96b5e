"""GTFS calendars: the days each service runs, and a feed's first and last day of service."""

from __future__ import annotations

import datetime as dt

import gtfs_kit
import numpy as np
import pandas as pd

from mapapp.territory.gtfs_columns import flag_rows
from mapapp.territory.validation import ImportReport

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _dates(frame: pd.DataFrame, column: str, where: str, report: ImportReport) -> pd.Series:
    text = frame[column].astype("string").str.strip()
    parsed = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    flag_rows(report, where, frame[parsed.isna()], lambda r: f"date illisible « {r[column]} » (attendu AAAAMMJJ, "
                                                             "par exemple 20260915)", column=column)
    return parsed


def service_days(feed: gtfs_kit.Feed, source: str, report: ImportReport) -> dict[str, np.ndarray]:
    """The days each service runs: calendar.txt's weekly rule, then calendar_dates.txt's exceptions.

    Hand-written (vectorised per service) because gtfs-kit answers one date at a
    time (:func:`gtfs_kit.get_active_services`), and the validity dates need every day.
    """
    days: dict[str, set] = {}
    if feed.calendar is not None:
        cal = feed.calendar
        where = f"{source}/calendar.txt"
        starts, ends = _dates(cal, "start_date", where, report), _dates(cal, "end_date", where, report)
        for column in WEEKDAYS:
            flag_rows(report, where, cal[~cal[column].isin([0, 1])], f"« {column} » doit valoir 0 ou 1", column=column)
        flag_rows(report, where, cal[starts > ends], lambda r: f"service « {r['service_id']} » : start_date après end_date")
        for index, row in cal.iterrows():
            if pd.isna(starts[index]) or pd.isna(ends[index]) or starts[index] > ends[index]:
                continue
            span = np.arange(np.datetime64(starts[index].date()), np.datetime64(ends[index].date()) + 1)
            weekday = (span.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
            flags = np.array([row[d] == 1 for d in WEEKDAYS])
            days.setdefault(str(row["service_id"]), set()).update(span[flags[weekday]].tolist())
    if feed.calendar_dates is not None:
        cd = feed.calendar_dates
        where = f"{source}/calendar_dates.txt"
        dates = _dates(cd, "date", where, report)
        flag_rows(report, where, cd[~cd["exception_type"].isin([1, 2])], "« exception_type » doit valoir 1 (ajout) ou "
                                                                          "2 (suppression)", column="exception_type")
        for kind in (1, 2):
            rows = cd[(cd["exception_type"] == kind) & dates.notna()]
            for service_id, day in zip(rows["service_id"], dates[rows.index]):
                bucket = days.setdefault(str(service_id), set())
                (bucket.add if kind == 1 else bucket.discard)(day.date())
    return {k: np.array(sorted(v), dtype="datetime64[D]") for k, v in sorted(days.items())}


def validity(days: dict[str, np.ndarray], feed: gtfs_kit.Feed, source: str, report: ImportReport,
              today: dt.date) -> tuple[dt.date, dt.date] | None:
    used = set(feed.trips["service_id"].astype(str))
    for service_id, run in days.items():
        if not len(run) and service_id in used:
            report.warning(source, service_id, f"le service « {service_id} » ne circule aucun jour (calendrier vide "
                                               "ou entièrement supprimé par calendar_dates.txt)")
    running = [run for sid, run in days.items() if sid in used and len(run)]
    if not running:
        report.error(source, None, "aucune course ne circule jamais : les calendriers ne comptent aucun jour")
        return None
    first = min(run[0] for run in running).astype(dt.date)
    last = max(run[-1] for run in running).astype(dt.date)
    if last < today:
        report.warning(source, None, f"horaires périmés : dernier jour de circulation le {last:%d/%m/%Y}")
    elif first > today:
        report.info(source, None, f"horaires valables à partir du {first:%d/%m/%Y}")
    return first, last

"""The demo's public transport, as two small GTFS feeds (fictional, deterministic).

- ``cars-arlenc.gtfs.zip``: three coach lines from the préfecture (Arlenc) to
  towns, stopping at the seats of the communes along the way (seats are road
  nodes of ``roads.osm``). School-term weekdays have the full timetable (early
  trips into Arlenc, a midday pair, the evening return), holiday weekdays and
  Saturdays a few trips, Sundays and public holidays none. One town, Belerette,
  has no coach on purpose: « desservie seulement en voiture ».
- ``bus-arlenc.gtfs.zip``: the préfecture's town network, two lines crossing at
  the centre along the axes of its street grid (stops on grid nodes every three
  blocks), every 15 minutes at peak hours and 30 off-peak, written with
  frequencies.txt, and a transfers.txt for the change at the centre.

The calendar is a fictional 2026-2027 school year (close to a French zone A
calendar, not an official one): school holidays and public holidays are
calendar_dates.txt exceptions. Times run from 6:20 to 20:00.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from .geography import Commune, Geography, rng_for, to_wgs84

FILES = ("cars-arlenc.gtfs.zip", "bus-arlenc.gtfs.zip")
START, END = "20260831", "20270702"
#: Weekdays without school (Monday to Friday), first and last day of each break.
SCHOOL_BREAKS = (("2026-10-19", "2026-10-30"), ("2026-12-21", "2027-01-01"), ("2027-02-08", "2027-02-19"),
                 ("2027-04-05", "2027-04-16"))
#: Public holidays (and the Ascension bridge) in the period.
PUBLIC_HOLIDAYS = ("2026-11-11", "2026-12-25", "2027-01-01", "2027-03-29", "2027-05-01", "2027-05-06",
                   "2027-05-07", "2027-05-08", "2027-05-17")
#: Coach lines: the communes (by index in the geography) each one links, in order.
COACH_LINES = (("1", (0, 1)), ("2", (0, 5, 3)), ("3", (0, 2, 61)))
COACH_KMH, COACH_DETOUR = 60.0, 1.25
#: Seats within this distance of a leg are served on the way (m).
ON_THE_WAY_M = 2_200.0
#: Departures (HH:MM) from the préfecture (« aller ») and towards it (« retour », from the far end).
COACH_TIMES = {
    "SCOL": {"aller": ("06:45", "12:15", "16:50", "17:50", "19:00"),
             "retour": ("06:20", "07:05", "08:30", "13:10", "17:20")},
    "VAC": {"aller": ("12:15", "17:50"), "retour": ("07:05", "13:10", "17:20")},
    "SAM": {"aller": ("12:15", "17:50"), "retour": ("08:30",)},
}
BUS_KMH = 18.0
BUS_STOP_BLOCKS = 3
#: (start, end, headway_s) of the town buses, weekdays then Saturdays.
BUS_FREQUENCIES = {"LAV": (("06:30:00", "09:00:00", 900), ("09:00:00", "16:00:00", 1800),
                           ("16:00:00", "19:00:00", 900), ("19:00:00", "20:00:00", 1800)),
                   "SAM": (("08:00:00", "19:00:00", 1800),)}
BUS_STOP_NAMES = ("Hôpital", "Lycée Jean-Rouvière", "Les Vignes", "Piscine", "Collège", "Place du Marché",
                  "Médiathèque", "Stade", "Le Moulin", "Zone d'activités", "Cimetière", "Les Tilleuls",
                  "Maison des solidarités", "Résidence du Parc", "La Croix-Blanche", "Gare SNCF", "Champ de foire",
                  "Les Hauts d'Arlenc", "Pôle emploi", "Le Pont-Vieux")
AGENCY_HEADER = ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"]


def _days(first: str, last: str) -> list[np.datetime64]:
    return list(np.arange(np.datetime64(first), np.datetime64(last) + 1))


def _weekdays(first: str, last: str) -> list[str]:
    return [str(d).replace("-", "") for d in _days(first, last) if (d.astype("int64") + 3) % 7 < 5]


def _school_breaks() -> list[str]:
    return [d for first, last in SCHOOL_BREAKS for d in _weekdays(first, last)]


def _holidays() -> list[str]:
    return [d.replace("-", "") for d in PUBLIC_HOLIDAYS]


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _seconds(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 3600 + int(m) * 60


def _lonlat(xy) -> tuple[str, str]:
    lon, lat = to_wgs84([xy[0]], [xy[1]])
    return f"{float(lat[0]):.6f}", f"{float(lon[0]):.6f}"


def _write_zip(path: Path, tables: dict[str, list[list]]) -> None:
    """Byte-identical for identical tables: fixed member dates and order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, rows in tables.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 8, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            text = "".join(",".join(_csv(v) for v in row) + "\r\n" for row in rows)
            zf.writestr(info, text.encode("utf-8"))
    path.write_bytes(buffer.getvalue())


def _csv(value) -> str:
    text = str(value)
    return f'"{text}"' if any(ch in text for ch in ',"\n') else text


def _feed_info() -> list[list]:
    return [["feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_start_date", "feed_end_date"],
            ["mapapp — démonstration fictive", "https://www.val-darlenc.example/mapapp", "fr", START, END]]


def _coach_stops(geo: Geography, line: tuple[int, ...]) -> list[Commune]:
    """The line's communes, with the seats near each leg inserted in order along it."""
    inner = [c for c in geo.inner if not c.remote]
    stops: list[Commune] = []
    for a, b in zip(line[:-1], line[1:]):
        p, q = geo.communes[a].seat, geo.communes[b].seat
        v = q - p
        length = float(np.hypot(*v))
        on_the_way = []
        for c in inner:
            t = float(np.dot(c.seat - p, v) / length**2)
            w = c.seat - p
            distance = abs(float(v[0] * w[1] - v[1] * w[0])) / length
            if 0.08 < t < 0.92 and distance < ON_THE_WAY_M and c.index not in line:
                on_the_way.append((t, c.index))
        stops.append(geo.communes[a])
        stops.extend(geo.communes[i] for _, i in sorted(on_the_way))
    stops.append(geo.communes[line[-1]])
    return stops


def _calendar(rows: list[tuple[str, tuple[int, ...]]]) -> list[list]:
    header = ["service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
              "start_date", "end_date"]
    return [header] + [[sid, *days, START, END] for sid, days in rows]


def build_coaches(geo: Geography) -> dict[str, list[list]]:
    stops_rows = [["stop_id", "stop_name", "stop_lat", "stop_lon"]]
    routes = [["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"]]
    trips = [["route_id", "service_id", "trip_id", "trip_headsign", "direction_id"]]
    stop_times = [["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"]]
    seen: set[str] = set()
    for number, line in COACH_LINES:
        stops = _coach_stops(geo, line)
        for c in stops:
            if c.code not in seen:
                seen.add(c.code)
                label = "Gare routière" if c.kind == "prefecture" else "Centre"
                stops_rows.append([f"C{c.code}", f"{c.nom} – {label}", *_lonlat(c.seat)])
        hops = [float(np.linalg.norm(b.seat - a.seat)) * COACH_DETOUR / (COACH_KMH / 3.6)
                for a, b in zip(stops[:-1], stops[1:])]
        routes.append([f"L{number}", "CVA", number, f"{stops[0].nom} – {stops[-1].nom}", "3"])
        for service, directions in COACH_TIMES.items():
            for direction, times in directions.items():
                order = stops if direction == "aller" else stops[::-1]
                legs = hops if direction == "aller" else hops[::-1]
                for k, hhmm in enumerate(times):
                    trip_id = f"L{number}-{service}-{direction[0].upper()}{k + 1}"
                    trips.append([f"L{number}", service, trip_id, order[-1].nom, 0 if direction == "aller" else 1])
                    t = float(_seconds(hhmm))
                    for seq, c in enumerate(order):
                        if seq:
                            t = np.ceil((t + legs[seq - 1]) / 60) * 60
                        dwell = 60 if 0 < seq < len(order) - 1 else 0
                        stop_times.append([trip_id, _hms(t), _hms(t + dwell), f"C{c.code}", seq + 1])
                        t += dwell
    removed_scol = sorted(set(_school_breaks()) | set(_holidays()))
    added_vac = sorted(set(_school_breaks()) - set(_holidays()))
    dates = [["service_id", "date", "exception_type"]]
    dates += [["SCOL", d, 2] for d in removed_scol] + [["VAC", d, 1] for d in added_vac]
    dates += [["SAM", d, 2] for d in _holidays()]
    return {
        "agency.txt": [AGENCY_HEADER, ["CVA", "Cars du Val-d'Arlenc (fictif)", "https://cars.val-darlenc.example",
                                       "Europe/Paris", "fr"]],
        "stops.txt": stops_rows, "routes.txt": routes, "trips.txt": trips, "stop_times.txt": stop_times,
        "calendar.txt": _calendar([("SCOL", (1, 1, 1, 1, 1, 0, 0)), ("SAM", (0, 0, 0, 0, 0, 1, 0))]),
        "calendar_dates.txt": dates, "feed_info.txt": _feed_info(),
    }


def _grid_axes(geo: Geography, c: Commune) -> tuple[float, np.ndarray, np.ndarray]:
    """Block size and the two axes of a town's street grid: the first draws of the same random
    stream as :meth:`mapapp.demo.streets.Streets._grid` (at the demo's road detail, 1)."""
    step = 130.0 if c.kind == "prefecture" else 150.0
    rot = rng_for(geo.seed, 20, 10, c.index).uniform(0, np.pi / 2)
    e1 = np.array([np.cos(rot), np.sin(rot)])
    return step, e1, np.array([-e1[1], e1[0]])


def build_town_bus(geo: Geography) -> dict[str, list[list]]:
    town = geo.communes[0]
    step, e1, e2 = _grid_axes(geo, town)
    k = int(town.urban_radius * 0.95 // step) // BUS_STOP_BLOCKS * BUS_STOP_BLOCKS
    offsets = range(-k, k + 1, BUS_STOP_BLOCKS)
    names = iter(BUS_STOP_NAMES)
    stops_rows = [["stop_id", "stop_name", "stop_lat", "stop_lon"]]
    stops_rows.append(["CENTRE", f"{town.nom} – Centre", *_lonlat(town.seat)])
    lines = {}
    for letter, axis in (("A", e1), ("B", e2)):
        ids = []
        for i in offsets:
            if i == 0:
                ids.append("CENTRE")
                continue
            stop_id = f"{letter}{i + k:02d}"
            stops_rows.append([stop_id, f"{town.nom} – {next(names)}", *_lonlat(town.seat + i * step * axis)])
            ids.append(stop_id)
        lines[letter] = ids
    hop_s = BUS_STOP_BLOCKS * step / (BUS_KMH / 3.6)
    routes = [["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"]]
    trips = [["route_id", "service_id", "trip_id", "direction_id"]]
    stop_times = [["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"]]
    frequencies = [["trip_id", "start_time", "end_time", "headway_secs", "exact_times"]]
    for letter, ids in lines.items():
        name = {row[0]: row[1].split(" – ", 1)[1] for row in stops_rows[1:]}
        routes.append([letter, "TUA", letter, f"{name[ids[0]]} – {name[ids[-1]]}", "3"])
        for direction, order in ((0, ids), (1, ids[::-1])):
            for service, windows in BUS_FREQUENCIES.items():
                trip_id = f"{letter}-{service}-{direction}"
                trips.append([letter, service, trip_id, direction])
                for seq, stop_id in enumerate(order):
                    t = _seconds(windows[0][0][:5]) + np.ceil(seq * hop_s / 60) * 60
                    stop_times.append([trip_id, _hms(t), _hms(t), stop_id, seq + 1])
                frequencies += [[trip_id, a, b, h, 1] for a, b, h in windows]
    return {
        "agency.txt": [AGENCY_HEADER, ["TUA", "Transports urbains d'Arlenc (fictif)", "https://bus.val-darlenc.example",
                                       "Europe/Paris", "fr"]],
        "stops.txt": stops_rows, "routes.txt": routes, "trips.txt": trips, "stop_times.txt": stop_times,
        "frequencies.txt": frequencies,
        "calendar.txt": _calendar([("LAV", (1, 1, 1, 1, 1, 0, 0)), ("SAM", (0, 0, 0, 0, 0, 1, 0))]),
        "calendar_dates.txt": [["service_id", "date", "exception_type"]]
        + [[sid, d, 2] for d in _holidays() for sid in ("LAV", "SAM")],
        "transfers.txt": [["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"],
                          ["CENTRE", "CENTRE", 2, 120]],
        "feed_info.txt": _feed_info(),
    }


def write_transit(geo: Geography, out: Path) -> dict:
    """Write :data:`FILES` into ``out``; return counts for the generator's summary."""
    coaches, buses = build_coaches(geo), build_town_bus(geo)
    for name, tables in zip(FILES, (coaches, buses)):
        _write_zip(out / name, tables)
    return {"gtfs_feeds": len(FILES), "gtfs_stops": len(coaches["stops.txt"]) + len(buses["stops.txt"]) - 2,
            "gtfs_coach_trips": len(coaches["trips.txt"]) - 1}

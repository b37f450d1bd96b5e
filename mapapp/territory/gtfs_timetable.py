"""One service day of one or several checked GTFS feeds as a :class:`~mapapp.access.timetable.Timetable`.

    timetable = timetable_for_day([coaches, town_bus], dt.date(2026, 9, 15))

Steps, per feed: the services running that day (:func:`gtfs_kit.get_active_services`:
calendar.txt's weekly rule and date range, then calendar_dates.txt's additions and
removals), their trips, frequencies.txt expanded into ordinary trips
(:func:`gtfs_kit.expand_frequencies`), then one elementary connection per pair of
consecutive stop_times of a trip (departure at the first stop, arrival at the
next). Intermediate stops without times (allowed by GTFS for non-timepoints) get
times interpolated linearly between the surrounding timed stops, by stop order.

Merged feeds keep every stop apart: ``stop_id`` and ``trip_id`` become
``<feed name>:<id>`` when there is more than one feed (two operators serving the
same square have two stops; walking between them is the engine's job, or
transfers.txt's).

Stops are all the feed's stops and platforms (``location_type`` empty or 0),
not only those served that day, so that stop indices are the same every day.

Known simplifications (documented for the engine): trips of the previous service
day running past midnight are not included (the departure windows are daytime);
``pickup_type``/``drop_off_type`` are not carried (a connection may be boarded at
a drop-off-only stop).
"""

from __future__ import annotations

import datetime as dt

import gtfs_kit
import numpy as np
import pandas as pd

from mapapp.access.timetable import Timetable
from mapapp.network.build import haversine_m
from mapapp.network.profile import WALK_KMH
from mapapp.territory.gtfs import GtfsFeed
from mapapp.territory.gtfs_columns import isin, time_seconds

#: transfers.txt types that are a walk between stops (3: no transfer; 4 and 5: in-seat, same vehicle).
WALKABLE_TRANSFER_TYPES = (0, 1, 2)


def _stops(feed: gtfs_kit.Feed) -> pd.DataFrame:
    stops = feed.stops
    kind = stops["location_type"] if "location_type" in stops else pd.Series(pd.NA, index=stops.index)
    stops = stops[(kind.isna() | (kind == 0)) & stops["stop_lat"].notna() & stops["stop_lon"].notna()]
    names = stops["stop_name"] if "stop_name" in stops else pd.Series("", index=stops.index)
    return pd.DataFrame({"stop_id": stops["stop_id"].astype(str), "stop_name": names.fillna("").astype(str),
                         "lon": stops["stop_lon"].astype(float), "lat": stops["stop_lat"].astype(float)})


def _interpolate(st: pd.DataFrame) -> pd.DataFrame:
    """``arr_s``/``dep_s`` float seconds per stop_time, rows grouped by trip (in order of first
    appearance) and sorted by ``stop_sequence``; missing intermediate times interpolated by stop order."""
    trip_code = pd.factorize(st["trip_id"])[0]
    order = np.lexsort((st["stop_sequence"].to_numpy(dtype=np.int64, na_value=-1), trip_code))
    st = st.iloc[order].reset_index(drop=True)
    arrival, departure = time_seconds(st["arrival_time"]), time_seconds(st["departure_time"])
    st["arr_s"], st["dep_s"] = arrival.fillna(departure), departure.fillna(arrival)
    if st["dep_s"].isna().any():
        filled = st.groupby("trip_id", sort=False)["dep_s"].transform(lambda s: s.interpolate(limit_area="inside"))
        missing = st["arr_s"].isna()
        st.loc[missing, "arr_s"] = filled[missing]
        st.loc[missing, "dep_s"] = filled[missing]
    return st.dropna(subset=["arr_s", "dep_s"]).reset_index(drop=True)


def _route_names(feed: gtfs_kit.Feed) -> dict[str, str]:
    routes = feed.routes
    short = routes["route_short_name"] if "route_short_name" in routes else pd.Series(pd.NA, index=routes.index)
    long_ = routes["route_long_name"] if "route_long_name" in routes else pd.Series(pd.NA, index=routes.index)
    label = short.where(short.notna() & (short.astype("string").str.strip() != ""), long_)
    return dict(zip(routes["route_id"].astype(str), label.fillna(routes["route_id"]).astype(str)))


def _day_connections(feed: gtfs_kit.Feed, day: dt.date, stop_ids: pd.Index) -> tuple[pd.DataFrame, dict]:
    """(trips running on ``day`` with their route name, their connections as arrays) of one feed.

    Connection stops are indices into ``stop_ids`` (the feed's own), trips indices into the
    returned frame: strings are hashed once per column, not carried through the sort.
    """
    services = pd.Series(gtfs_kit.get_active_services(feed, day.strftime("%Y%m%d")), dtype="string")
    # not gtfs_kit.restrict_to_trips: it also subsets stops, shapes, calendars... in Python loops
    # (seconds on a département's feed); the day needs only its trips, their stop_times and frequencies
    trips = feed.trips[isin(feed.trips["service_id"], services)]
    st = feed.stop_times[isin(feed.stop_times["trip_id"], trips["trip_id"])]
    frequencies = feed.frequencies
    if frequencies is not None:
        frequencies = frequencies[isin(frequencies["trip_id"], trips["trip_id"])]
    if frequencies is not None and len(frequencies):
        # expand_frequencies shifts the template's time strings: give it every stop's time first
        st = _interpolate(st)
        st["arrival_time"] = st["arr_s"].map(gtfs_kit.seconds_to_timestr)
        st["departure_time"] = st["dep_s"].map(gtfs_kit.seconds_to_timestr)
        running = gtfs_kit.Feed(dist_units=feed.dist_units, trips=trips, stop_times=st.drop(columns=["arr_s", "dep_s"]),
                                frequencies=frequencies)
        running = gtfs_kit.expand_frequencies(running)
        trips, st = running.trips, running.stop_times
    st = _interpolate(st)
    trip_code, trip_ids = pd.factorize(st["trip_id"])
    route_of = pd.Series(trips["route_id"].to_numpy(dtype=object), index=trips["trip_id"].to_numpy(dtype=object))
    route_ids = route_of[~route_of.index.duplicated()].reindex(np.asarray(trip_ids, dtype=object))
    day_trips = pd.DataFrame({"trip_id": np.asarray(trip_ids, dtype=object),
                              "route_name": route_ids.map(_route_names(feed)).fillna("").to_numpy(dtype=object)})
    stop_code = stop_ids.get_indexer(st["stop_id"].to_numpy(dtype=object))
    same = (trip_code[1:] == trip_code[:-1]) & (stop_code[:-1] >= 0) & (stop_code[1:] >= 0)
    connections = {"trip": trip_code[:-1][same], "dep_stop": stop_code[:-1][same], "arr_stop": stop_code[1:][same],
                   "dep_time": st["dep_s"].to_numpy()[:-1][same], "arr_time": st["arr_s"].to_numpy()[1:][same]}
    connections["order"] = np.arange(len(connections["trip"]))
    return day_trips, connections


def _transfers(feed: gtfs_kit.Feed, stops: pd.DataFrame) -> pd.DataFrame:
    """transfers.txt rows between two known stops, with a time: ``min_transfer_time``, else the
    straight-line distance at the walking speed of :data:`mapapp.network.profile.WALK_KMH`."""
    tr = feed.transfers
    empty = pd.DataFrame({"from": pd.Series(dtype=str), "to": pd.Series(dtype=str), "s": pd.Series(dtype=float)})
    if tr is None or tr.empty:
        return empty
    kind = tr["transfer_type"].fillna(0) if "transfer_type" in tr else pd.Series(0, index=tr.index)
    tr = tr[kind.isin(WALKABLE_TRANSFER_TYPES)]
    where = stops.set_index("stop_id")
    tr = tr[tr["from_stop_id"].isin(where.index) & tr["to_stop_id"].isin(where.index)]
    if tr.empty:
        return empty
    a, b = where.loc[tr["from_stop_id"]], where.loc[tr["to_stop_id"]]
    walk_s = haversine_m(a["lon"].to_numpy(), a["lat"].to_numpy(), b["lon"].to_numpy(), b["lat"].to_numpy()) \
        / (WALK_KMH / 3.6)
    given = tr["min_transfer_time"].astype(float).to_numpy() if "min_transfer_time" in tr else np.full(len(tr), np.nan)
    seconds = np.where(np.isnan(given), np.round(walk_s), given)
    return pd.DataFrame({"from": tr["from_stop_id"].astype(str).to_numpy(),
                         "to": tr["to_stop_id"].astype(str).to_numpy(), "s": seconds})


def timetable_for_day(feeds: list[GtfsFeed], date: dt.date | str) -> Timetable:
    """Merge ``feeds`` into the timetable of the service day ``date`` (a date or ``AAAA-MM-JJ``).

    A feed that does not run that day contributes its stops and no connection.
    Connections are sorted by departure time, then arrival time, then trip and
    stop order, so that a trip's zero-duration connections stay in order.
    """
    day = dt.date.fromisoformat(date) if isinstance(date, str) else date
    names = [f.name for f in feeds]
    if len(set(names)) != len(names):
        raise ValueError(f"deux fichiers GTFS portent le même nom : {names}")
    prefix = (lambda name: f"{name}:") if len(feeds) > 1 else (lambda name: "")
    all_stops, all_trips, parts, all_transfers = [], [], [], []
    n_stops = n_trips = 0
    for feed in feeds:
        p = prefix(feed.name)
        stops = _stops(feed.feed)
        trips, connections = _day_connections(feed.feed, day, pd.Index(stops["stop_id"].to_numpy(dtype=object)))
        transfers = _transfers(feed.feed, stops)
        connections["dep_stop"] = connections["dep_stop"] + n_stops
        connections["arr_stop"] = connections["arr_stop"] + n_stops
        connections["trip"] = connections["trip"] + n_trips
        n_stops, n_trips = n_stops + len(stops), n_trips + len(trips)
        for frame, columns in ((stops, ["stop_id"]), (trips, ["trip_id"]), (transfers, ["from", "to"])):
            for column in columns:
                frame[column] = p + frame[column].astype(str)
        all_stops.append(stops)
        all_trips.append(trips)
        parts.append(connections)
        all_transfers.append(transfers)
    stops = pd.concat(all_stops, ignore_index=True) if all_stops else _stops_empty()
    trips = pd.concat(all_trips, ignore_index=True) if all_trips else pd.DataFrame(
        {"trip_id": pd.Series(dtype=object), "route_name": pd.Series(dtype=object)})
    conns = {k: np.concatenate([c[k] for c in parts]) if parts else np.zeros(0, dtype=np.int64)
             for k in ("trip", "dep_stop", "arr_stop", "dep_time", "arr_time", "order")}
    dep_time, arr_time = conns["dep_time"].astype(np.int64), conns["arr_time"].astype(np.int64)
    order = np.lexsort((conns["order"], conns["trip"], arr_time, dep_time))
    transfers = None
    if any(len(t) for t in all_transfers):
        stop_index = pd.Index(stops["stop_id"].to_numpy(dtype=object))
        tr = pd.concat(all_transfers, ignore_index=True)
        transfers = np.column_stack([stop_index.get_indexer(tr["from"].to_numpy(dtype=object)),
                                     stop_index.get_indexer(tr["to"].to_numpy(dtype=object)),
                                     tr["s"].to_numpy()]).astype(np.int32)
    return Timetable(
        service_date=day.isoformat(),
        stop_ids=stops["stop_id"].to_numpy(dtype=object),
        stop_names=stops["stop_name"].to_numpy(dtype=object),
        stop_lon=stops["lon"].to_numpy(dtype=np.float64),
        stop_lat=stops["lat"].to_numpy(dtype=np.float64),
        dep_stop=conns["dep_stop"][order].astype(np.int32),
        arr_stop=conns["arr_stop"][order].astype(np.int32),
        dep_time=dep_time[order].astype(np.int32),
        arr_time=arr_time[order].astype(np.int32),
        trip=conns["trip"][order].astype(np.int32),
        trip_ids=trips["trip_id"].to_numpy(dtype=object),
        route_names=trips["route_name"].to_numpy(dtype=object),
        transfers=transfers,
        feeds=tuple(names),
    )


def _stops_empty() -> pd.DataFrame:
    return pd.DataFrame({"stop_id": pd.Series(dtype=str), "stop_name": pd.Series(dtype=str),
                         "lon": pd.Series(dtype=float), "lat": pd.Series(dtype=float)})

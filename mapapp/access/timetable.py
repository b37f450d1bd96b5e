"""A public-transport timetable for one service day, as the transit engine reads it.

Shared interface between the GTFS import (:mod:`mapapp.territory.gtfs`, which
builds it from one or several feeds for a date) and the transit search
(:mod:`mapapp.access.transit`). Pure data: numpy arrays, no GTFS files.

Times are integer seconds after midnight of the service day (GTFS times past
24:00:00 stay above 86,400). Connections are one vehicle going from one stop
to the next without stopping (the elementary connection of the Connection Scan
Algorithm), sorted by departure time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Timetable:
    """Stops and elementary connections of one service day.

    Attributes:
        service_date: ISO date of the service day (``2026-09-15``).
        stop_ids: GTFS ``stop_id`` (prefixed with the feed's name when several
            feeds are merged), object array of length ``n_stops``.
        stop_names: GTFS ``stop_name``, same length.
        stop_lon, stop_lat: WGS84 coordinates, float64.
        dep_stop, arr_stop: int32 stop indices of each connection.
        dep_time, arr_time: int32 seconds after midnight, ``dep_time <= arr_time``.
        trip: int32 trip index of each connection (consecutive connections of a
            trip share it); ``trip_ids`` gives the GTFS ``trip_id`` per index.
        route_names: per trip index, the route's short or long name (for display).
        transfers: optional footpaths between stops as int32 array (k, 3):
            ``from_stop, to_stop, seconds`` (GTFS ``transfers.txt`` or computed
            from distances); walking between stops is otherwise the engine's job.
        feeds: names of the feeds merged into this timetable.
    """

    service_date: str
    stop_ids: np.ndarray
    stop_names: np.ndarray
    stop_lon: np.ndarray
    stop_lat: np.ndarray
    dep_stop: np.ndarray
    arr_stop: np.ndarray
    dep_time: np.ndarray
    arr_time: np.ndarray
    trip: np.ndarray
    trip_ids: np.ndarray
    route_names: np.ndarray
    transfers: np.ndarray | None = None
    feeds: tuple[str, ...] = ()

    def __post_init__(self):
        n_stops = len(self.stop_ids)
        for name in ("stop_names", "stop_lon", "stop_lat"):
            if len(getattr(self, name)) != n_stops:
                raise ValueError(f"{name}: {len(getattr(self, name))} values for {n_stops} stops")
        n = len(self.dep_stop)
        for name in ("arr_stop", "dep_time", "arr_time", "trip"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name}: {len(getattr(self, name))} values for {n} connections")
        if n:
            if np.any(self.arr_time < self.dep_time):
                raise ValueError("a connection arrives before it departs")
            if np.any(np.diff(self.dep_time) < 0):
                raise ValueError("connections must be sorted by departure time")
            if min(self.dep_stop.min(), self.arr_stop.min()) < 0 or max(self.dep_stop.max(),
                                                                         self.arr_stop.max()) >= n_stops:
                raise ValueError("connection stop index out of range")

    @property
    def n_stops(self) -> int:
        return len(self.stop_ids)

    @property
    def n_connections(self) -> int:
        return len(self.dep_stop)

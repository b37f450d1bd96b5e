"""Travel without a car: walk + public transport, transport à la demande, and the best of all (pure engine).

Three result modes are derived here from arrays (no database, no GTFS file,
no Flask); :mod:`mapapp.compute_carfree` feeds them and stores their tables.

``transit`` — walk + public transport
    Per population point and theme: the **median** travel time to the nearest
    site over departures every ``step_s`` in the window (default 08:00–10:00
    every 5 min) of the service day, by the profile Connection Scan of
    :mod:`mapapp.access.transit` (its docstring gives the journey model). The
    walk from home to a stop (``access``) and from a stop to a site
    (``egress``) is the straight-line distance × :data:`WALK_DETOUR` at
    :data:`~mapapp.network.profile.WALK_KMH`, up to :attr:`CarfreeSettings.access_m`
    (the :func:`~mapapp.access.transit.footpaths_by_distance` model); walking
    all the way (the walk mode's time on the road network) is always one of
    the options, so ``transit <= walk`` (journeys longer than
    :attr:`CarfreeSettings.max_time_s`, 3 h by default, count as unreached, walks too). Only the sites every commune may use
    are destinations (offers without eligibility zone): a site restricted to
    some communes counts by walk, bike, car and TAD, not here.
    Besides the median: whether the person can **come back the same half-day**
    (:func:`mapapp.access.transit_return.can_return`: leave at the window's
    start, stay :attr:`CarfreeSettings.stay_s`, home by
    :attr:`CarfreeSettings.home_by_s`; theme-level answer, one group per theme).

``tad`` — transport à la demande and transport solidaire
    A mobility solution of the catalog counts for a point when it is an area
    (``kind = "area"``) of category ``transport_a_la_demande`` or
    ``transport_solidaire``, active, open to the public computed (no publics
    or « tous publics » for the headline), and its ``served_communes`` hold the
    point's commune. The trip is driven on the **car** graph: time = car time
    × ``speed_factor`` (default 1.25 for TAD: 80 % of the car speeds, for the
    detours of a shared minibus; 1.0 for a volunteer's car). A departure ``t``
    of the window is served when ``service_start <= t`` and
    ``t + time <= service_end`` (default service 08:30–17:30 for TAD,
    09:00–17:00 for solidarity transport) and the service day is one of its
    weekdays; the figure is the median over the window's departures, an
    unserved departure counting as infinite, as for ``transit``. The **booking
    delay** is not a wait on the day (one books ahead): it is reported beside
    the time (the solution's ``conditions`` text, « Réservation la veille
    avant 17 h »).

``sans_voiture`` — the best without a car
    Per point: the minimum of walk, bike, transit and tad, and **which one**
    (:data:`MEANS`; ties go to the first of walk, bike, transit, tad: the
    simplest means). Its site is the winner's nearest site (unknown, ``None``,
    when the winner is ``transit``: the profile search finds the earliest
    site, not which one). The car vs car-free comparison of a commune is done
    at the same threshold: a commune is *desservie seulement en voiture* when
    it is not a zone blanche by car and is one without a car
    (:func:`car_only_class`).

The thresholds of these modes are the theme's for the mode if the settings
give them, else the car ones (same ``T``: the comparison « within ``T`` by car,
beyond ``T`` without »).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from mapapp.access.indicators import ThemeTimes
from mapapp.access.themes import Theme, Thresholds
from mapapp.network.profile import WALK_KMH

#: The car-free result modes, in display order.
CARFREE_MODES = ("transit", "tad", "sans_voiture")
#: Values of the ``means`` column of ``sans_voiture`` (codes 0..4; -1: nothing reached).
MEANS = ("walk", "bike", "transit", "tad", "solidaire")
MEANS_FR = {"walk": "à pied", "bike": "à vélo", "transit": "en transport en commun", "tad": "en transport à la demande",
            "solidaire": "en transport solidaire"}
#: Straight line → walked distance, for the walks to and from stops.
WALK_DETOUR = 1.3
TAD_CATEGORIES = ("transport_a_la_demande", "transport_solidaire")


def _hhmm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 3600 + int(m) * 60


@dataclass(frozen=True)
class OnDemand:
    """Service rules of one kind of on-demand transport (TAD or transport solidaire)."""

    speed_factor: float = 1.25
    service_start_s: int = 8 * 3600 + 30 * 60
    service_end_s: int = 17 * 3600 + 30 * 60
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0

    def __post_init__(self):
        if not self.speed_factor >= 1.0:
            raise ValueError("speed_factor must be >= 1 (on-demand transport is not faster than a car)")
        if not 0 <= self.service_start_s < self.service_end_s <= 30 * 3600:
            raise ValueError("service hours: start must be before end")

    def spec(self) -> dict:
        return {"speed_factor": self.speed_factor, "service": [self.service_start_s, self.service_end_s],
                "weekdays": list(self.weekdays)}


@dataclass(frozen=True)
class CarfreeSettings:
    """The departure window and the rules of the car-free modes (file section ``[sans_voiture]``).

    Attributes:
        service_date: the day of the timetables (ISO); ``None``: the Tuesday on which
            the stored feeds run the most trips (a school-term Tuesday).
        window_start_s, window_end_s, step_s: departures, both ends included.
        max_time_s: journeys longer than this count as unreached.
        access_m: longest walk (straight line) to or from a stop.
        stay_s, home_by_s: the return rule (stay at the site, be home by).
        tad, solidaire: :class:`OnDemand` rules of each category.
    """

    service_date: str | None = None
    window_start_s: int = 8 * 3600
    window_end_s: int = 10 * 3600
    step_s: int = 300
    max_time_s: int = 3 * 3600
    access_m: float = 1200.0
    stay_s: int = 3600
    home_by_s: int = 12 * 3600 + 30 * 60
    tad: OnDemand = field(default_factory=OnDemand)
    solidaire: OnDemand = field(default_factory=lambda: OnDemand(1.0, 9 * 3600, 17 * 3600))

    def __post_init__(self):
        if self.service_date is not None:
            dt.date.fromisoformat(self.service_date)
        if not 0 <= self.window_start_s <= self.window_end_s <= 30 * 3600:
            raise ValueError("departure window: start must not be after end")
        if self.step_s <= 0 or self.max_time_s <= 0 or self.access_m <= 0 or self.stay_s < 0:
            raise ValueError("step, longest journey and walk to a stop must be > 0")
        if self.home_by_s < self.window_start_s:
            raise ValueError("home_by must not be before the window's start")

    def departures(self) -> np.ndarray:
        return np.arange(self.window_start_s, self.window_end_s + 1, self.step_s, dtype=np.int64)

    def spec(self) -> dict:
        return {"service_date": self.service_date, "window": [self.window_start_s, self.window_end_s],
                "step_s": self.step_s, "max_time_s": self.max_time_s, "access_m": self.access_m,
                "stay_s": self.stay_s, "home_by_s": self.home_by_s, "tad": self.tad.spec(),
                "solidaire": self.solidaire.spec()}

    def rule(self, category: str) -> OnDemand:
        return self.solidaire if category == "transport_solidaire" else self.tad


def thresholds_for(theme: Theme, mode: str) -> Thresholds:
    """The theme's thresholds for a car-free mode: its own if given, else the car ones (module docstring)."""
    return theme.thresholds.get(mode) or theme.thresholds_for("car")


def with_carfree_thresholds(theme_spec: dict, theme: Theme) -> dict:
    """A theme spec (:meth:`Theme.spec`) with the thresholds of :data:`CARFREE_MODES` added."""
    thr = dict(theme_spec.get("thresholds") or {})
    for mode in CARFREE_MODES:
        t = thresholds_for(theme, mode)
        thr.setdefault(mode, {"main_min": t.main_min, "bands_min": list(t.bands_min)})
    return {**theme_spec, "thresholds": thr}


def median_over(times_s: np.ndarray) -> np.ndarray:
    """Median over axis 1 with ``inf`` for unserved departures (even count: mean of the two middle values)."""
    s = np.sort(np.asarray(times_s, dtype=float), axis=1)
    k = s.shape[1]
    if k == 0:
        return np.full(s.shape[0], np.inf)
    lo, hi = s[:, (k - 1) // 2], s[:, k // 2]
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(hi), np.inf, (lo + hi) / 2.0)


def on_demand_times(car_s: np.ndarray, served: np.ndarray, rule: OnDemand, departures: np.ndarray,
                    weekday: int) -> np.ndarray:
    """Median seconds by one on-demand service per point (``inf``: not served; module docstring).

    ``car_s``: car time per point (``inf``: unreachable); ``served``: bool, the
    point's commune is in the service's area.
    """
    car_s = np.asarray(car_s, dtype=float)
    out = np.full(car_s.shape, np.inf)
    if weekday not in rule.weekdays:
        return out
    travel = car_s * rule.speed_factor
    d = np.asarray(departures, dtype=float)[None, :]
    ok = (d >= rule.service_start_s) & (d + travel[:, None] <= rule.service_end_s) & np.isfinite(travel)[:, None]
    per = np.where(ok, travel[:, None], np.inf)
    med = median_over(per)
    return np.where(np.asarray(served, bool), med, np.inf)


def best_of(times: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per point, the smallest time of ``times`` (``{means: seconds}``, keys in :data:`MEANS`) and its means code.

    Ties go to the means first in :data:`MEANS`; code ``-1`` when every time is ``inf``.
    """
    keys = [m for m in MEANS if m in times]
    if not keys:
        raise ValueError("no means to compare")
    stack = np.stack([np.asarray(times[k], dtype=float) for k in keys])
    pick = np.argmin(stack, axis=0)  # first minimum: ties to the earlier means
    best = stack[pick, np.arange(stack.shape[1])]
    codes = np.array([MEANS.index(k) for k in keys])[pick]
    return best, np.where(np.isfinite(best), codes, -1)


def walk_seconds_to(from_lon, from_lat, to_lon, to_lat, max_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(from index, to index, seconds) of the walks shorter than ``max_m`` (straight line × detour, walking speed)."""
    from scipy.spatial import cKDTree

    from_lon, from_lat = np.asarray(from_lon, float), np.asarray(from_lat, float)
    to_lon, to_lat = np.asarray(to_lon, float), np.asarray(to_lat, float)
    if not len(from_lon) or not len(to_lon):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    lat0 = np.radians(np.nanmean(np.r_[from_lat, to_lat]))

    def xy(lon, lat):
        return np.column_stack([np.radians(lon) * np.cos(lat0), np.radians(lat)]) * 6_371_000.0

    a, b = xy(from_lon, from_lat), xy(to_lon, to_lat)
    pairs = cKDTree(a).sparse_distance_matrix(cKDTree(b), max_m, output_type="ndarray")
    seconds = pairs["v"] * WALK_DETOUR / (WALK_KMH / 3.6)
    return pairs["i"].astype(np.int64), pairs["j"].astype(np.int64), seconds


def transit_times(tt, origin_lon, origin_lat, theme_sites: dict, walk_only: dict, settings: CarfreeSettings):
    """Walk + public transport per origin and theme (module docstring): ``(ThemeTimes, access, egress, footpaths)``.

    ``theme_sites``: ``{theme: (lon, lat)}`` of its destination sites; ``walk_only``:
    ``{theme: seconds}`` of walking all the way per origin (``inf``: none). The
    returned :class:`mapapp.access.transit.ThemeTimes` has medians above
    ``settings.max_time_s`` set to ``inf``; ``access``, ``egress`` (per theme) and
    ``footpaths`` are what the return check needs.
    """
    from mapapp.access import transit as pt

    n = len(origin_lon)
    i, j, sec = walk_seconds_to(origin_lon, origin_lat, tt.stop_lon, tt.stop_lat, settings.access_m)
    access = pt.origin_access(i, j, sec, n, tt.n_stops)
    egress = {}
    for key, (lon, lat) in theme_sites.items():
        a, _b, s = walk_seconds_to(tt.stop_lon, tt.stop_lat, lon, lat, settings.access_m)
        egress[key] = (a, s)
    footpaths = tt.transfers if tt.transfers is not None else pt.footpaths_by_distance(tt)
    res = pt.many_themes(tt, egress, access, settings.departures(), walk_only=walk_only, footpaths=footpaths,
                         max_time_s=settings.max_time_s)
    med = np.where(res.median_s <= settings.max_time_s, res.median_s, np.inf)
    return pt.ThemeTimes(res.names, med, res.share), access, egress, footpaths


def theme_times(time_s: np.ndarray, site_row: np.ndarray, main_s: float, site_rows: np.ndarray,
                n_eligible_sites: np.ndarray, n_communes: int) -> ThemeTimes:
    """:class:`~mapapp.access.indicators.ThemeTimes` of a car-free mode from its per-point times and sites.

    Only the nearest site is known: ``n_sites_within`` is 0 or 1 (1: within the
    main threshold), the second nearest is not computed (NaN columns), the main
    points (town halls) are not routed (NaN).
    """
    t = np.asarray(time_s, dtype=float)
    site = np.asarray(site_row, dtype=np.int64)
    within = np.isfinite(t) & (t <= main_s)
    pp = np.flatnonzero(within & (site >= 0))
    nan = np.full(n_communes, np.nan)
    return ThemeTimes(p_time_s=t, p_site=site, p_second_s=np.full(t.shape, np.inf),
                      p_second_site=np.full(t.shape, -1, np.int64), p_n_within=within.astype(np.int64),
                      m_time_s=nan, m_site=np.full(n_communes, -1, np.int64), m_second_s=nan,
                      m_n_within=np.zeros(n_communes, np.int64), pairs_within=(pp, site[pp]),
                      site_rows=np.asarray(site_rows, dtype=np.int64),
                      n_eligible_sites=np.asarray(n_eligible_sites), has_second=False)

"""`mapapp compute`, part two: the car-free modes (``transit``, ``tad``, ``sans_voiture``) stored as results.

Called by :func:`mapapp.compute.run_compute` once the road modes are computed
(it needs the walk, bike and car results of the same run). The rules are those
of :mod:`mapapp.access.carfree`; here the inputs are gathered (the stored GTFS
feeds, :mod:`mapapp.territory.gtfs_store`; the catalog's mobility solutions)
and the engine's indicator tables (:func:`mapapp.access.indicators.theme_tables`)
are built and written with :class:`mapapp.results.ResultStore`, like the road
modes, so pages, reports and exports read them and never route.

Without stored GTFS feeds there is no ``transit`` mode (the pages say « aucun
horaire de transport importé ») and ``sans_voiture`` is the best of walk, bike
and tad. Extra columns (beside :mod:`mapapp.access.indicators`'):

- ``transit`` points: ``share_departures`` (fraction of the window's
  departures reaching a site within the longest journey), ``can_return``
  (same half-day, :func:`mapapp.access.transit_return.can_return`);
  communes: ``population_can_return``;
- ``tad`` points: ``solution_id`` (the mobility solution used), ``booking``
  (its conditions: the booking delay);
- ``sans_voiture`` points: ``means`` (:data:`mapapp.access.carfree.MEANS`,
  ``None``: nothing reached), ``means_detail`` (« ligne 2 (arrêt Mairie) »,
  the lines at the nearest stop, or the TAD's name), ``car_time_min``;
  communes: ``car_mean_time_min``, ``gap_mean_min`` (car-free minus car mean
  time), ``car_zone_blanche``, ``car_only`` (desservie seulement en voiture),
  ``population_car_only`` (within the main threshold by car, beyond it
  without), ``main_means`` (the means of most inhabitants).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mapapp.access.carfree import (CARFREE_MODES, MEANS, TAD_CATEGORIES, CarfreeSettings, best_of,
                                   on_demand_times, theme_times, thresholds_for, walk_seconds_to,
                                   with_carfree_thresholds)
from mapapp.access.indicators import frame_from_parts, theme_tables
from mapapp.access.run import TABLES, AccessResults
from mapapp.access.themes import EVERYONE, Theme
from mapapp.formats import count, duration
from mapapp.formats import date as date_fr

NO_GTFS_MESSAGE = "aucun horaire de transport importé"


@dataclass
class CarfreeReport:
    modes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    service_date: str | None = None
    lines: list[str] = field(default_factory=list)  # French lines for the compute summary


@dataclass(frozen=True)
class Solution:
    """An on-demand mobility solution of the catalog that counts (:mod:`mapapp.access.carfree`)."""

    id: str
    name: str
    category: str
    communes: frozenset[str]
    conditions: str


def on_demand_solutions(session, publics: frozenset[str] | None = None) -> list[Solution]:
    """Active area solutions of a TAD / solidarity category open to ``publics`` (None: everyone)."""
    from sqlalchemy import select

    from mapapp.catalog.models import MobilitySolution

    rows = session.scalars(select(MobilitySolution).where(MobilitySolution.kind == "area",
                                                          MobilitySolution.category.in_(TAD_CATEGORIES),
                                                          MobilitySolution.status == "active")
                           .order_by(MobilitySolution.id)).all()
    out = []
    for r in rows:
        for_all = not r.publics or EVERYONE in r.publics
        if for_all or (publics is not None and set(r.publics) & publics):
            out.append(Solution(r.id, r.nom, r.category, frozenset(r.served_communes or ()), r.conditions or ""))
    return out


def service_day(feeds, settings: CarfreeSettings) -> dt.date:
    """The settings' day, else the Tuesday on which the feeds run the most trips (earliest on ties)."""
    if settings.service_date:
        return dt.date.fromisoformat(settings.service_date)
    first, last = min(f.first_date for f in feeds), max(f.last_date for f in feeds)
    days = np.arange(np.datetime64(first), np.datetime64(last) + 1)
    tuesdays = days[(days.astype("int64") + 3) % 7 == 1]
    if not len(tuesdays):
        return first
    counts = np.zeros(len(tuesdays))
    for f in feeds:
        per_service = f.feed.trips["service_id"].astype(str).value_counts()
        for sid, run in f.service_days.items():
            counts += np.isin(tuesdays, run) * float(per_service.get(sid, 0))
    return tuesdays[int(np.argmax(counts))].astype(dt.date)


def _theme_rows(res: AccessResults, theme: str, order: np.ndarray) -> pd.DataFrame:
    pts = res.points[res.points["theme"] == theme]
    return pts.set_index("point_id").reindex(order)


def _frames(parts: dict[str, list]) -> dict[str, pd.DataFrame]:
    return {name: frame_from_parts(cols) for name, cols in parts.items()}


def _results(mode: str, parts: dict, destinations: pd.DataFrame, extra_points: list, extra_communes: list,
             digests: dict, seconds: float) -> AccessResults:
    tables = _frames(parts)
    if extra_points:
        tables["points"] = pd.concat([tables["points"], pd.concat(extra_points, ignore_index=True)], axis=1)
    if extra_communes:
        tables["communes"] = pd.concat([tables["communes"], pd.concat(extra_communes, ignore_index=True)], axis=1)
    tables["destinations"] = destinations.assign(mode=mode)
    return AccessResults(mode=mode, **tables, digests=digests, timings_s={"total": seconds})


def _route_labels(tt, stops_near: np.ndarray) -> np.ndarray:
    """« ligne 2, 3 (arrêt Mairie) » per stop index in ``stops_near`` (-1: ``None``)."""
    routes: dict[int, set] = {}
    names = tt.route_names[tt.trip]
    for s, r in zip(tt.dep_stop.tolist(), names.tolist()):
        if r:
            routes.setdefault(s, set()).add(str(r))
    labels = {}
    for s in np.unique(stops_near[stops_near >= 0]).tolist():
        lines = sorted(routes.get(s, ()), key=lambda x: (len(x), x))
        word = "ligne" if len(lines) == 1 else "lignes"
        labels[s] = (f"{word} {', '.join(lines)} " if lines else "") + f"(arrêt {tt.stop_names[s]})"
    return np.array([labels.get(s) for s in stops_near.tolist()], dtype=object)


def compute_carfree(*, data_dir: Path, session_factory, store, results: dict[str, AccessResults],
                    tables: dict, terr, themes: list[Theme], sites: pd.DataFrame, settings: CarfreeSettings,
                    write_kwargs: dict, theme_specs: list[dict], say=lambda _m: None) -> CarfreeReport:
    """Compute and store the car-free modes; needs ``results`` for walk, bike and car (else does nothing).

    Args:
        terr: the :class:`~mapapp.access.indicators.Territory` of the walk run (points, communes, sites).
        tables: the snapped tables of the road modes (points with ``lon, lat, commune``).
        sites: the catalog's sites (``site_id, lon, lat``).
        write_kwargs: what :meth:`ResultStore.write` records besides results, graph and themes.
    """
    report = CarfreeReport()
    if not {"walk", "car"} <= set(results):
        return report
    from mapapp.territory.gtfs_store import load_stored_feeds, stored_feeds

    order = np.asarray(terr.point_id)
    points = tables["walk"]["points"].set_index("point_id").reindex(order)
    n, nc = len(order), len(terr.commune)
    site_index = pd.Index(terr.site_id)
    departures = settings.departures()
    walk, bike, car = results["walk"], results.get("bike"), results["car"]
    dests = walk.destinations
    everywhere = dests[dests["zone_eligibilite"].isna()] if "zone_eligibilite" in dests.columns else dests
    n_eligible = {t: walk.communes[walk.communes["theme"] == t]["n_eligible_sites"].to_numpy() for t in
                  [th.key for th in themes]}
    site_rows = {t: np.sort(site_index.get_indexer(walk.sites[walk.sites["theme"] == t]["site_id"]))
                 for t in n_eligible}
    per = {th.key: {m: _theme_rows(r, th.key, order) for m, r in (("walk", walk), ("bike", bike), ("car", car))
                    if r is not None} for th in themes}

    # ------------------------------------------------------------------ transit
    transit_s: dict[str, np.ndarray] = {}
    feeds_stored = stored_feeds(data_dir)
    with session_factory() as session:
        solutions = on_demand_solutions(session)
    tt = None
    if feeds_stored:
        start = time.perf_counter()
        feeds = load_stored_feeds(data_dir)
        day = service_day(feeds, settings) if feeds else None
        if day is not None:
            from mapapp.territory.gtfs_timetable import timetable_for_day
            tt = timetable_for_day(feeds, day)
            report.service_date = day.isoformat()
        if tt is not None and tt.n_connections:
            say(f"Transports en commun : {len(themes)} thèmes, horaires du {date_fr(day)}")
            parts, extra_p, extra_c, digests = _transit(tt, points, sites, everywhere, per, themes, terr, settings,
                                                        departures, site_index, site_rows, n_eligible, transit_s)
            res = _results("transit", parts, dests, extra_p, extra_c, digests, time.perf_counter() - start)
            res.timings_s["n_connections"] = float(tt.n_connections)
            store.write(res, graph_meta={"service_date": report.service_date, "feeds": list(tt.feeds),
                                    "n_stops": tt.n_stops, "n_connections": tt.n_connections,
                                    "carfree": settings.spec()}, **write_kwargs, themes=theme_specs)
            report.modes.append("transit")
            report.seconds["transit"] = time.perf_counter() - start
            report.lines.append(f"transport en commun : horaires du {date_fr(day)} ({', '.join(tt.feeds)}), "
                                f"{count(tt.n_connections, 'liaison')}")
    if "transit" not in report.modes:
        store.remove_mode("transit")
        if tt is not None:  # feeds stored, but no trip that day (settings' « jour » outside their dates?)
            report.lines.append(f"transport en commun : aucune course le {date_fr(report.service_date)} dans les horaires "
                                "importés (réglage « jour » de [sans_voiture] ?), mode non calculé")
        else:
            report.lines.append(f"transport en commun : {NO_GTFS_MESSAGE}")

    # ------------------------------------------------------------------ tad
    start = time.perf_counter()
    weekday = (dt.date.fromisoformat(report.service_date) if report.service_date else _next_tuesday()).weekday()
    communes_of_points = points["commune"].astype(str).to_numpy()
    tad_s, tad_solution = {}, {}
    parts = {t: [] for t in TABLES[:-1]}
    extra_p = []
    for th in themes:
        car_rows = per[th.key]["car"]
        car_time = car_rows["time_min"].to_numpy(dtype=float) * 60.0
        best = np.full(n, np.inf)
        which = np.full(n, -1)
        for k, sol in enumerate(solutions):
            served = np.isin(communes_of_points, list(sol.communes))
            t = on_demand_times(car_time, served, settings.rule(sol.category), departures, weekday)
            better = t < best
            best[better], which[better] = t[better], k
        tad_s[th.key], tad_solution[th.key] = best, which
        site = np.where(np.isfinite(best), site_index.get_indexer(car_rows["site_id"].astype(object)), -1)
        thr = thresholds_for(th, "tad")
        tt_ = theme_times(best, site, thr.main_min * 60.0, site_rows[th.key], n_eligible[th.key], nc)
        for name, cols in theme_tables(terr, tt_, "tad", th.key, thr.main_min, thr.bands_min).items():
            parts[name].append(cols)
        extra_p.append(pd.DataFrame({
            "solution_id": [solutions[k].id if k >= 0 else None for k in which.tolist()],
            "booking": [solutions[k].conditions if k >= 0 else None for k in which.tolist()]}))
    res = _results("tad", parts, car.destinations, extra_p, [], {}, time.perf_counter() - start)
    store.write(res, graph_meta={"solutions": [s.id for s in solutions], "carfree": settings.spec()}, **write_kwargs,
                themes=theme_specs)
    report.modes.append("tad")
    report.seconds["tad"] = time.perf_counter() - start
    report.lines.append("transport à la demande et solidaire : "
                        f"{count(len(solutions), 'solution ouverte à tous', 'solutions ouvertes à tous')}")

    # ------------------------------------------------------------------ sans_voiture
    start = time.perf_counter()
    nearest_stop = None
    if tt is not None and tt.n_stops:
        i, j, sec = walk_seconds_to(points["lon"], points["lat"], tt.stop_lon, tt.stop_lat, settings.access_m)
        nearest_stop = np.full(n, -1)
        by = np.lexsort((sec, i))
        first = np.ones(by.size, bool)
        first[1:] = i[by][1:] != i[by][:-1]
        nearest_stop[i[by][first]] = j[by][first]
        stop_label = _route_labels(tt, nearest_stop)
    parts = {t: [] for t in TABLES[:-1]}
    extra_p, extra_c = [], []
    for th in themes:
        rows = per[th.key]
        times = {"walk": rows["walk"]["time_min"].to_numpy(float) * 60.0}
        if "bike" in rows:
            times["bike"] = rows["bike"]["time_min"].to_numpy(float) * 60.0
        if th.key in transit_s:
            times["transit"] = transit_s[th.key]
        sol = tad_solution[th.key]
        is_solidaire = np.array([k >= 0 and solutions[k].category == "transport_solidaire" for k in sol.tolist()],
                                bool)
        times["tad"] = np.where(is_solidaire, np.inf, tad_s[th.key])
        times["solidaire"] = np.where(is_solidaire, tad_s[th.key], np.inf)
        best, code = best_of(times)
        site = np.full(n, -1)
        for m, src in (("walk", "walk"), ("bike", "bike"), ("tad", "car"), ("solidaire", "car")):
            if src in rows:
                sel = code == MEANS.index(m)
                site[sel] = site_index.get_indexer(rows[src]["site_id"].astype(object).to_numpy()[sel])
        thr = thresholds_for(th, "sans_voiture")
        tt_ = theme_times(best, site, thr.main_min * 60.0, site_rows[th.key], n_eligible[th.key], nc)
        for name, cols in theme_tables(terr, tt_, "sans_voiture", th.key, thr.main_min, thr.bands_min).items():
            parts[name].append(cols)
        means = np.array([MEANS[c] if c >= 0 else None for c in code.tolist()], dtype=object)
        detail = np.full(n, None, dtype=object)
        if nearest_stop is not None:
            sel = code == MEANS.index("transit")
            detail[sel] = stop_label[sel]
        for k in np.unique(sol[sol >= 0]).tolist():
            sel = ((code == MEANS.index("tad")) | (code == MEANS.index("solidaire"))) & (sol == k)
            detail[sel] = solutions[k].name
        car_s = rows["car"]["time_min"].to_numpy(float) * 60.0
        extra_p.append(pd.DataFrame({"means": means, "means_detail": detail, "car_time_min": car_s / 60.0}))
        extra_c.append(_gap(terr, best, car_s, code, thr.main_min * 60.0,
                            thresholds_for(th, "car").main_min * 60.0))
    res = _results("sans_voiture", parts, dests, extra_p, extra_c, {}, time.perf_counter() - start)
    store.write(res, graph_meta={"means": [m for m in MEANS], "transit": "transit" in report.modes,
                            "carfree": settings.spec()}, **write_kwargs, themes=theme_specs)
    report.modes.append("sans_voiture")
    report.seconds["sans_voiture"] = time.perf_counter() - start
    report.lines.append("calcul : " + ", ".join(f"{m} {duration(s)}" for m, s in report.seconds.items()))
    return report


def _next_tuesday() -> dt.date:
    today = dt.date.today()
    return today + dt.timedelta(days=(1 - today.weekday()) % 7)


def _gap(terr, best_s, car_s, code, main_s: float, car_main_s: float) -> pd.DataFrame:
    """Per commune: the car vs car-free comparison columns (module docstring), in the communes' order."""
    ci, w, nc = terr.point_commune, terr.population, len(terr.commune)
    pop = np.bincount(ci, weights=w, minlength=nc)

    def mean(t):
        ok = np.isfinite(t)
        s = np.bincount(ci, weights=w * np.where(ok, t, 0.0), minlength=nc)
        r = np.bincount(ci, weights=w * ok, minlength=nc)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(r > 0, s / r, np.nan) / 60.0

    car_within = np.bincount(ci, weights=w * (car_s <= car_main_s), minlength=nc)
    free_within = np.bincount(ci, weights=w * (best_s <= main_s), minlength=nc)
    car_only_pop = np.bincount(ci, weights=w * ((car_s <= car_main_s) & ~(best_s <= main_s)), minlength=nc)
    inhabited = pop > 0
    car_zb = np.where(inhabited, (car_within <= 0).astype(float), np.nan)
    car_only = np.where(inhabited, ((car_within > 0) & (free_within <= 0)).astype(float), np.nan)
    main = np.full(nc, None, dtype=object)
    ok = code >= 0
    if ok.any():
        key = ci[ok] * len(MEANS) + code[ok]
        wsum = np.bincount(key, weights=w[ok], minlength=nc * len(MEANS)).reshape(nc, len(MEANS))
        has = wsum.sum(axis=1) > 0
        main[has] = np.array(MEANS, dtype=object)[np.argmax(wsum[has], axis=1)]
    car_mean, free_mean = mean(car_s), mean(best_s)
    return pd.DataFrame({"car_mean_time_min": car_mean, "gap_mean_min": free_mean - car_mean,
                         "car_zone_blanche": car_zb, "car_only": car_only, "population_car_only": car_only_pop,
                         "main_means": main})


def _transit(tt, points, sites, everywhere, per, themes, terr, settings, departures, site_index, site_rows,
             n_eligible, transit_s):
    from mapapp.access.carfree import transit_times
    from mapapp.access.transit_return import can_return

    nc = len(terr.commune)
    site_xy = sites.set_index("site_id")[["lon", "lat"]]
    theme_sites, walk_only = {}, {}
    for th in themes:
        ids = everywhere[everywhere["theme"] == th.key]["site_id"].drop_duplicates()
        xy = site_xy.loc[ids[ids.isin(site_xy.index)]]
        theme_sites[th.key] = (xy["lon"].to_numpy(float), xy["lat"].to_numpy(float))
        walk_only[th.key] = per[th.key]["walk"]["time_min"].to_numpy(float) * 60.0
    res, access, egress, footpaths = transit_times(tt, points["lon"].to_numpy(float), points["lat"].to_numpy(float),
                                                   theme_sites, walk_only, settings)
    parts = {t: [] for t in TABLES[:-1]}
    extra_p, extra_c, digests = [], [], {}
    for th in themes:
        med, share = res[th.key]
        transit_s[th.key] = med
        walk_s = walk_only[th.key]
        # the walk's site when walking all the way is the best; otherwise unknown (module docstring)
        site = np.where(np.isfinite(med) & (walk_s <= med),
                        site_index.get_indexer(per[th.key]["walk"]["site_id"].astype(object)), -1)
        thr = thresholds_for(th, "transit")
        tt_ = theme_times(med, site, thr.main_min * 60.0, site_rows[th.key], n_eligible[th.key], nc)
        for name, cols in theme_tables(terr, tt_, "transit", th.key, thr.main_min, thr.bands_min).items():
            parts[name].append(cols)
        back = can_return(tt, [egress[th.key]], access, settings.stay_s, settings.window_start_s,
                          settings.home_by_s, walk_only=[walk_s], footpaths=footpaths)
        extra_p.append(pd.DataFrame({"share_departures": share, "can_return": back.possible}))
        extra_c.append(pd.DataFrame({"population_can_return": np.bincount(
            terr.point_commune, weights=terr.population * back.possible, minlength=nc)}))
    return parts, extra_p, extra_c, digests


def run_carfree(settings, store, results, tables, graphs, memo, method_digest: str, sites, themes, carfree,
                write_kwargs: dict, say=lambda _m: None) -> CarfreeReport:
    """The hook of :func:`mapapp.compute.run_compute`: :func:`compute_carfree` on that run's objects."""
    from mapapp.catalog.db import make_engine, make_sessionmaker

    if "walk" not in graphs or "car" not in results:
        return CarfreeReport()
    t = tables["walk"]
    terr = memo.inputs(graphs["walk"], t["points"], t["communes"], t["sites"], t.get("grids"), method_digest).terr
    engine = make_engine(settings.database_url)
    try:
        return compute_carfree(data_dir=settings.data_dir, session_factory=make_sessionmaker(engine), store=store,
                               results=results, tables=tables, terr=terr, themes=themes, sites=sites,
                               settings=carfree or CarfreeSettings(), write_kwargs=write_kwargs,
                               theme_specs=carfree_theme_specs(themes), say=say)
    finally:
        engine.dispose()


def carfree_theme_specs(themes: list[Theme]) -> list[dict]:
    """The theme specs written in the car-free modes' manifests (with their thresholds)."""
    return [with_carfree_thresholds(t.spec(), t) for t in themes]


__all__ = ["CARFREE_MODES", "NO_GTFS_MESSAGE", "CarfreeReport", "compute_carfree", "carfree_theme_specs",
           "on_demand_solutions", "service_day"]

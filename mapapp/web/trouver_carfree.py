"""« Trouver une offre », mode « sans voiture »: the transport à la demande per answer and the stored car-free
figure of the person's place (issue 17). No public-transport routing here: pages read stored results.

- Per answer: besides walking and cycling (routed as before), when a TAD area (or a solidarity transport open
  to everyone) of the catalog serves the origin's commune, the place's car time is turned into the TAD time
  with the rules the compute used (:func:`mapapp.access.carfree.on_demand_times`, read from the stored
  ``tad`` manifest), and the answer says « en transport à la demande » when it is the fastest.
- Above the list (:func:`stored_hint`): the stored ``sans_voiture`` result of the population point nearest to
  the origin — its means (« car ou bus, ligne 2 (arrêt Mairie) », à vélo...) and median time to the nearest
  place of the theme, over the departure window of the compute.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from mapapp.access.carfree import CarfreeSettings, OnDemand, on_demand_times
from mapapp.compute_carfree import on_demand_solutions
from mapapp.web import access_data as ad


def _rule(spec: dict | None, default: OnDemand) -> OnDemand:
    if not spec:
        return default
    start, end = spec.get("service") or (default.service_start_s, default.service_end_s)
    return OnDemand(float(spec.get("speed_factor", default.speed_factor)), int(start), int(end),
                    tuple(spec.get("weekdays") or default.weekdays))


def tad_rules(results: ad.Results) -> tuple[CarfreeSettings, dict] | None:
    """The settings the stored ``tad`` results were computed with (None: no car-free results)."""
    if "tad" not in results.modes:
        return None
    spec = (results.manifests["tad"].graph or {}).get("carfree") or {}
    base = CarfreeSettings()
    window = spec.get("window") or (base.window_start_s, base.window_end_s)
    settings = CarfreeSettings(window_start_s=int(window[0]), window_end_s=int(window[1]),
                               step_s=int(spec.get("step_s", base.step_s)), tad=_rule(spec.get("tad"), base.tad),
                               solidaire=_rule(spec.get("solidaire"), base.solidaire))
    return settings, spec


def serving(session, commune: str | None) -> list:
    """The on-demand solutions open to everyone that serve ``commune``."""
    if not commune:
        return []
    return [s for s in on_demand_solutions(session) if commune in s.communes]


def tad_minutes(results: ad.Results, solutions: list, car_min: float, day: dt.date | None) -> tuple[float, str] | None:
    """(minutes, solution name) of the fastest serving solution from a car time, or None."""
    rules = tad_rules(results)
    if rules is None or not solutions or not np.isfinite(car_min):
        return None
    settings, spec = rules
    weekday = (day or dt.date.fromisoformat(spec.get("service_date") or dt.date.today().isoformat())).weekday() \
        if day or spec.get("service_date") else dt.date.today().weekday()
    best = None
    for s in solutions:
        t = float(on_demand_times(np.array([car_min * 60.0]), np.array([True]), settings.rule(s.category),
                                  settings.departures(), weekday)[0])
        if np.isfinite(t) and (best is None or t / 60.0 < best[0]):
            best = (t / 60.0, s.name)
    return best


def stored_hint(results: ad.Results, theme_key: str, origin: dict) -> dict | None:
    """The stored car-free answer of the population point nearest to ``origin`` (same commune when it has one)."""
    if "sans_voiture" not in results.modes or "walk" not in results.modes:
        return None
    try:
        free = results.table("sans_voiture", "points", theme_key)
        where = results.table("walk", "points", theme_key)
    except (FileNotFoundError, ad.AccessError):
        return None
    if "means" not in free.columns or not {"lon", "lat"} <= set(where.columns) or free.empty:
        return None
    pts = where[["point_id", "lon", "lat", "commune"]]
    same = pts[pts["commune"].astype(str) == str(origin.get("commune"))] if origin.get("commune") else pts
    pts = same if len(same) else pts
    lat0 = np.radians(float(origin["lat"]))
    d = np.hypot((pts["lon"].to_numpy() - float(origin["lon"])) * np.cos(lat0), pts["lat"].to_numpy()
                 - float(origin["lat"]))
    pid = pts["point_id"].to_numpy()[int(np.argmin(d))]
    row = free[free["point_id"] == pid]
    if row.empty:
        return None
    r = row.iloc[0]
    means = r["means"] if isinstance(r["means"], str) else None
    return {"time_min": float(r["time_min"]), "means": means,
            "means_label": ad.MEANS_LABEL.get(means, means) if means else None,
            "detail": r["means_detail"] if isinstance(r.get("means_detail"), str) else None,
            "transit": "transit" in results.modes}

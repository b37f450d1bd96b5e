"""Accessibility in the JSON API: stored indicators per commune and territory, nearest offers from a place.

- ``/api/accessibilite/communes`` and ``/api/accessibilite/territoires`` read
  the stored results (:mod:`mapapp.web.access_data`); they never route.
- ``/api/plus-proches`` answers "the n nearest offers from this commune (or
  point) by travel time", which the stored results cannot (they keep two sites
  per point): it routes from that ONE origin with
  :func:`mapapp.access.nearest.nearest_sites_from_origin` on the mode's road
  graph, loaded once per process from the disk cache of ``mapapp compute``
  (:func:`mapapp.network.load_cached`).

Times are minutes; an unreachable value is ``null`` with a ``status``
(never a number), and the record lists such fields in ``injoignables``.
Errors are ``{"error": "..."}``: 400 for a value the OpenAPI document does not
allow (mode, malformed number, coordinates out of range...), 404 for a
well-formed name of nothing (unknown commune, theme, grid, threshold not
computed) or missing results.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from flask import Blueprint, current_app, request
from shapely.geometry import mapping
from sqlalchemy import select

from mapapp import formats
from mapapp.access.eligibility import ZoneIndex
from mapapp.access.nearest import nearest_sites_from_origin
from mapapp.access.themes import Theme, default_themes, select_destinations
from mapapp.catalog import vocab
from mapapp.catalog.filters import FilterError, parse_coordinate, parse_filters
from mapapp.catalog.frames import catalog_tables, commune_zone_table
from mapapp.catalog.models import Commune, Territory
from mapapp.catalog.query import PlaceNotFound, open_pairs
from mapapp.catalog.territory_store import read_grids
from mapapp.method import MethodError, MethodSettings
from mapapp.network import MAXSPEED_FACTOR, load_cached, snap_points
from mapapp.web import access_data as ad
from mapapp.web import access_tables as at
from mapapp.web import catalog_cache as cc
from mapapp import results_variants as variants
from mapapp.web import lookup, snapshot_param
from mapapp.web.accessibilite import results_store, variant_results
from mapapp.web.api import GEOJSON, _flag, error_response, json_response, register_api
from mapapp.web.db import close_session, get_session

bp = Blueprint("api_access", __name__, url_prefix="/api")
bp.teardown_app_request(close_session)

#: Largest ``n`` of /api/plus-proches.
MAX_NEAREST = 50


@bp.errorhandler(ad.AccessError)
def _access_error(exc: ad.AccessError):
    return error_response(exc.message, exc.status)


register_api(bp)


def _clean(value):
    """JSON-safe scalar: NaN/inf/NA → None, numpy → Python."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _record(row: dict, drop=("mode", "theme")) -> dict:
    """One result row as JSON; fields that are unreachable (``inf``) are ``null`` AND listed in
    ``injoignables``, so that "unreachable" is never confused with "not computed"."""
    out = {k: _clean(v) for k, v in row.items() if k not in drop}
    unreachable = [k for k, v in row.items() if k not in drop and isinstance(v, (float, np.floating))
                   and math.isinf(float(v)) and float(v) > 0]
    if unreachable:
        out["injoignables"] = unreachable
    return out


def _selection(results: ad.Results):
    theme = results.theme(request.args.get("theme"))
    mode = results.mode(request.args.get("mode"), strict=True)
    main, bands = results.thresholds(theme, mode)
    threshold = ad.strict_threshold(request.args.get("seuil"), main, bands)
    return theme, mode, main, bands, threshold


def _meta(results: ad.Results, theme: dict, mode: str, main: float, bands, threshold: float,
          info: variants.VariantInfo | None = None) -> dict:
    out = {"theme": {"key": theme["key"], "label": theme.get("label")}, "mode": ad.MODE_PARAM[mode],
           "threshold_min": threshold, "main_threshold_min": main, "thresholds_min": list(bands),
           "computed_at": results.manifests[mode].computed_at}
    snap = snapshot_param.situation()
    out["situation"] = snap.key if snap is not None else None  # the snapshot's date (?date=), None: live
    if info is not None:
        out["public"] = {"key": info.public, "label": info.public_label, "publics": list(info.publics)}
        out["horaires"] = {"rule": "ouverts" if info.schedule else "tous", "label": info.hours_label,
                           "min_weekly_hours": info.min_weekly_hours}
    return out


def _variant_results() -> tuple[ad.Results, variants.VariantInfo | None]:
    results, info = variant_results(request.args, strict=True)
    if results.empty:
        raise ad.AccessError(ad.NO_RESULTS_MESSAGE, 404)
    return results, info


def _bands_by(df: pd.DataFrame, keys: list[str]) -> dict:
    out: dict = {}
    for r in df.itertuples(index=False):
        out.setdefault(tuple(getattr(r, k) for k in keys), []).append(
            {"threshold_min": float(r.threshold_min), "population_beyond": _clean(r.population_beyond),
             "share_beyond": _clean(r.share_beyond)})
    return out


@bp.route("/accessibilite/communes")
def communes():
    """Indicators per commune for one theme and mode (JSON; GeoJSON with ``geometry=1``), for the public and
    schedule rule asked (``public``, ``horaires``: :mod:`mapapp.web.variants`)."""
    results, info = _variant_results()
    theme, mode, main, bands, threshold = _selection(results)
    with_geometry = _flag("geometry", default=False)
    session = get_session()
    table = at.commune_table(results, mode, theme["key"], threshold, main)
    names = cc.memo(session, ("commune_names",), lambda: lookup.commune_names(session))
    urls = lookup.FicheUrls(external=True)
    band_rows = _bands_by(results.table(mode, "commune_bands", theme["key"]), ["commune"])
    items = []
    for row in table.to_dict("records"):
        code = row["commune"]
        item = {"commune": code, "nom": names.get(code), **_record(row, drop=("mode", "theme", "commune",
                                                                              "zone_blanche_t")),
                "threshold_min": threshold, "zone_blanche_at_threshold": row["zone_blanche_t"],
                "bands": band_rows.get((code,), []), "url": urls.commune(code)}
        items.append(item)
    meta = _meta(results, theme, mode, main, bands, threshold, info)
    if not with_geometry:
        return json_response({**meta, "communes": items})
    shapes = lookup.commune_shapes(session, [i["commune"] for i in items])
    features = [{"type": "Feature", "id": i["commune"],
                 "geometry": mapping(shapes[i["commune"]]) if i["commune"] in shapes else None, "properties": i}
                for i in items]
    return json_response({"type": "FeatureCollection", **meta, "features": features}, mimetype=GEOJSON)


@bp.route("/accessibilite/territoires")
def territoires():
    """Indicators per territory unit (one grid, or all) and for the whole département (``grid = "all"``),
    for the public and schedule rule asked."""
    results, info = _variant_results()
    theme, mode, main, bands, threshold = _selection(results)
    grids = at.available_grids(results, mode, theme["key"])
    wanted = request.args.get("grid")
    if wanted and wanted not in grids:
        raise ad.AccessError(f"découpage « {wanted} » inconnu : " + ", ".join(grids), 404)
    session = get_session()
    members = read_grids(session)
    communes = at.commune_table(results, mode, theme["key"], threshold, main)
    band_rows = _bands_by(results.table(mode, "territory_bands", theme["key"]), ["grid", "code"])
    items, seen_all = [], False
    for grid in [wanted] if wanted else grids:
        table = at.territory_table(results, mode, theme["key"], threshold, grid, members, communes)
        for row in table.to_dict("records"):
            if row["grid"] == ad.ALL:
                if seen_all:
                    continue
                seen_all = True
            items.append({**_record(row), "grid_label": "Département" if row["grid"] == ad.ALL
                          else lookup.grid_label(row["grid"]), "threshold_min": threshold,
                          "bands": band_rows.get((row["grid"], row["code"]), [])})
    items.sort(key=lambda i: i["grid"] == ad.ALL)  # the reference row last
    return json_response({**_meta(results, theme, mode, main, bands, threshold, info), "territories": items})


# --------------------------------------------------------------------------- nearest offers


_GRAPHS: dict[tuple, tuple] = {}
_GRAPHS_LOCK = threading.Lock()


def road_graph(osm_path: str, mode: str, maxspeed_factor: float = MAXSPEED_FACTOR):
    """(graph, forward CSR) of ``mode``, loaded once per process (and per version of the OSM file).

    ``maxspeed_factor`` is the one the stored results were computed with (their manifest), so that
    the graph is the cached one of ``mapapp compute``.
    """
    settings = current_app.config["MAPAPP_SETTINGS"]
    path = Path(osm_path)
    try:
        stat = path.stat()
    except OSError:
        raise ad.AccessError("réseau routier introuvable : chargez un territoire puis lancez « mapapp compute »",
                             404) from None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, mode, str(settings.cache_dir), maxspeed_factor)
    with _GRAPHS_LOCK:
        hit = _GRAPHS.get(key)
        if hit is None:
            # Never build in a request (minutes on a real département): that is `mapapp compute`'s job.
            graph = load_cached(path, mode, settings.cache_dir, maxspeed_factor=maxspeed_factor)
            if graph is None:
                raise ad.AccessError(f"réseau routier « {mode} » pas encore construit : lancez « mapapp compute »",
                                     503)
            for old in [k for k in _GRAPHS if k[0] == key[0] and k[3] == mode]:
                del _GRAPHS[old]
            hit = _GRAPHS[key] = (graph, graph.csr())
    return hit


def catalog_frames(session) -> tuple[pd.DataFrame, pd.DataFrame, ZoneIndex]:
    """(sites, offers, eligibility zones) of the catalog, kept per catalog version (:mod:`mapapp.web.catalog_cache`:
    the change mark and the day, since a site's status is the one in force today). Reading them was most of a
    /api/plus-proches or « Trouver une offre » request. Needs a request (or app) context.

    Callers must not modify the frames in place (they are shared between requests).
    """
    today = dt.date.fromisoformat(cc.catalog_version(session)[3])
    sites, offers = cc.memo(session, ("catalog_tables",), lambda: catalog_tables(session, today))
    zones = cc.memo(session, ("zones",), lambda: ZoneIndex(commune_zone_table(session)))
    return sites, offers, zones


def _method(results: ad.Results, mode: str, territory: Territory) -> MethodSettings:
    """The method of the stored results of ``mode`` (their manifest), else the territory's settings."""
    manifest = results.manifests.get(mode)
    try:
        return MethodSettings.from_manifest(manifest.method if manifest else None) \
            or MethodSettings.from_json(territory.method)
    except MethodError as exc:
        raise ad.AccessError(f"réglages de méthode invalides : {exc}", 503) from None


def _themes(results: ad.Results) -> list[Theme]:
    if results.themes:
        return [ad.theme_from_spec(t) for t in results.themes]
    return default_themes()


def _origin(session) -> dict:
    return parse_origin(session, request.args)


def parse_origin(session, args) -> dict:
    """The origin of /api/plus-proches (and « Trouver une offre »): a commune's main point, or a point and the
    commune containing it, from ``commune`` or ``lon`` and ``lat`` in ``args``."""
    code = args.get("commune")
    has_point = "lon" in args or "lat" in args
    if code is not None and has_point:
        raise ad.AccessError("indiquez soit « commune », soit « lon » et « lat », pas les deux", 400)
    if code == "":
        raise FilterError("commune", "", "commune vide : un code INSEE est attendu")
    if code is not None:
        commune = session.get(Commune, code)
        if commune is None:
            raise PlaceNotFound(f"commune inconnue : « {code} »")
        lon, lat = commune.point_lon, commune.point_lat
        if lon is None or lat is None:
            p = shapely.from_wkb(commune.geometry_wkb).representative_point()
            lon, lat = p.x, p.y
        return {"type": "commune", "commune": commune.code, "nom": commune.nom, "lon": lon, "lat": lat}
    if not has_point:
        raise ad.AccessError("origine manquante : « commune » (code INSEE) ou « lon » et « lat »", 400)
    lon = parse_coordinate("lon", args.get("lon", ""), latitude=False)
    lat = parse_coordinate("lat", args.get("lat", ""), latitude=True)
    point = shapely.Point(lon, lat)
    found = None
    for c in session.scalars(select(Commune).where(Commune.min_lon <= lon, Commune.max_lon >= lon,
                                                   Commune.min_lat <= lat, Commune.max_lat >= lat)
                             .order_by(Commune.code)):
        if shapely.from_wkb(c.geometry_wkb).covers(point):
            found = c
            break
    return {"type": "point", "commune": found.code if found else None, "nom": found.nom if found else None,
            "lon": lon, "lat": lat}


def _int(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    if not re.fullmatch(r"-?[0-9]+", text):  # int() also takes " 5", "5_0", "٥"
        raise ad.AccessError(f"« {name} » invalide : « {text} » n'est pas un entier", 400)
    value = int(text)
    if not low <= value <= high:
        raise ad.AccessError(f"« {name} » hors limites : « {text} » (de {low} à {high})", 400)
    return value


def _destinations(session, sites: pd.DataFrame, offers: pd.DataFrame, theme: Theme, public: str | None,
                  commune: str | None, day: dt.date | None = None, half_day: str | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(site rows, offer rows with their names) of ``theme`` (and ``public``) eligible from ``commune``, and
    open on ``day`` (and ``half_day``) when given (:func:`mapapp.catalog.query.offer_open_at`: unknown hours
    are left out).

    Catalog data only: cached per catalog version (:mod:`mapapp.web.catalog_cache`).
    """
    dest = select_destinations(offers, sites, theme)
    if public is not None:
        by_public = select_destinations(offers, sites, Theme("public", "public", publics={public}))
        dest = dest.merge(by_public[["offer_id", "site_id"]], on=["offer_id", "site_id"])
    zones = cc.memo(session, ("zones",), lambda: ZoneIndex(commune_zone_table(session)))
    eligible = [zones.expand(z) is None or (commune is not None and commune in zones.expand(z))
                for z in dest["zone_eligibilite"]]
    dest = dest[np.asarray(eligible, dtype=bool)] if len(dest) else dest
    if day is not None and len(dest):
        state = open_pairs(session, zip(dest["offer_id"], dest["site_id"]), day, half_day)
        dest = dest[np.array([s is True for s in state], dtype=bool)]
    site_rows = sites[sites["site_id"].isin(set(dest["site_id"]))].reset_index(drop=True)
    offer_names = dest.merge(offers[["offer_id", "site_id", "offer_nom"]], on=["offer_id", "site_id"])
    return site_rows, offer_names.sort_values("offer_nom")


@bp.route("/plus-proches")
def plus_proches():
    """The ``n`` nearest eligible sites of a theme (and public) by travel time from a commune or a point."""
    results = results_store()
    theme = resolve_theme(results, request.args.get("theme"))
    mode = ad.parse_mode(request.args.get("mode"), default="car", strict=True)
    if mode not in ("car", "bike", "walk"):  # routed live on a road graph; the car-free modes are stored only
        raise ad.AccessError("« mode » : voiture, velo ou marche (les temps sans voiture, en transport et en "
                             "transport à la demande sont dans /api/communes)", 400)
    public = request.args.get("public")
    check_public(public)
    n = _int("n", 5, 1, MAX_NEAREST)
    filters = parse_filters({k: request.args.getlist(k) for k in ("ouvert_le", "demi_journee") if k in request.args},
                            strict=True)
    session = get_session()
    origin = _origin(session)
    return json_response(nearest_payload(session, results, theme, mode, public, n, origin,
                                         day=filters.open_day, half_day=filters.half_day))


def resolve_theme(results: ad.Results, key: str | None) -> Theme:
    """The theme ``key`` among the computed ones (the default theme when ``key`` is empty).

    Raises:
        AccessError: 404 for an unknown key (French message listing the known ones).
    """
    themes = _themes(results)
    wanted = key or ad.DEFAULT_THEME
    theme = next((t for t in themes if t.key == wanted), None)
    if theme is None:
        if key:
            raise ad.AccessError(f"thème « {wanted} » inconnu : " + ", ".join(t.key for t in themes), 404)
        theme = themes[0]
    return theme


def check_public(public: str | None) -> None:
    if public is not None and public not in vocab.PUBLICS:
        raise FilterError("public", public, f"public « {public} » inconnu")


def nearest_payload(session, results: ad.Results, theme: Theme, mode: str, public: str | None, n: int,
                    origin: dict, *, day: dt.date | None = None, half_day: str | None = None,
                    only_offers: frozenset[str] | None = None) -> dict:
    """The answer of /api/plus-proches as a dict: the ``n`` nearest eligible sites of ``theme`` (and ``public``)
    by travel time in ``mode`` from ``origin`` (:func:`parse_origin`), with their offers; with ``day``, only
    offers open that day (and ``half_day``) at their site; with ``only_offers`` (« Trouver une offre »'s
    « mots-clés »), only those offers count.

    Raises:
        AccessError: no territory, no road network or graph not built yet (French message).
    """
    territory = session.scalar(select(Territory))
    if territory is None:
        raise ad.AccessError("aucun territoire chargé : lancez « mapapp demo load » ou importez un territoire", 404)
    if not territory.osm_path:
        raise ad.AccessError("le territoire n'a pas de réseau routier (fichier OpenStreetMap) : importez-le", 404)
    method = _method(results, mode, territory)
    graph, csr = road_graph(territory.osm_path, mode, method.maxspeed_factor)
    leg = method.access_leg(mode)

    sites, offers, _ = catalog_frames(session)
    site_rows, offer_names = cc.memo(
        session, ("plus-proches", results.version, theme.key, public, origin["commune"], day, half_day),
        lambda: _destinations(session, sites, offers, theme, public, origin["commune"], day, half_day))
    if only_offers is not None:
        offer_names = offer_names[offer_names["offer_id"].isin(only_offers)]
        site_rows = site_rows[site_rows["site_id"].isin(set(offer_names["site_id"]))].reset_index(drop=True)

    o_snap = snap_points(graph, [origin["lon"]], [origin["lat"]], direction="out", access_leg=leg)
    origin_out = {**origin, "snapped": bool(o_snap.snapped[0]),
                  "distance_to_road_m": _clean(round(float(o_snap.access_m[0]), 1))}
    payload = {"origin": origin_out, "theme": {"key": theme.key, "label": theme.label}, "public": public,
               "mode": ad.MODE_PARAM[mode], "n": n, "results": []}
    if day is not None:
        payload["ouvert_le"] = day.isoformat()
        payload["demi_journee"] = half_day
    if not o_snap.snapped[0]:
        payload["message"] = "Le point est trop loin du réseau routier pour calculer un temps de trajet."
        return payload
    if site_rows.empty:
        payload["message"] = ("Aucune offre ouverte de ce thème (et de ce public) ne contient ces mots-clés depuis "
                              "cette commune" if only_offers is not None else
                              "Aucune offre ouverte de ce thème (et de ce public) n'est accessible depuis cette commune"
                              ) + (f" le {formats.date(day)}" if day else "") + "."
        return payload
    s_snap = snap_points(graph, site_rows["lon"].to_numpy(), site_rows["lat"].to_numpy(), direction="in",
                         access_leg=leg)
    near = nearest_sites_from_origin(csr, o_snap, s_snap, n=n)
    names = cc.memo(session, ("commune_names",), lambda: lookup.commune_names(session))
    urls = lookup.FicheUrls(external=True)
    by_site: dict[str, list[dict]] = {}
    for r in offer_names.itertuples(index=False):
        by_site.setdefault(r.site_id, []).append({"id": r.offer_id, "nom": r.offer_nom, "url": urls.offer(r.offer_id)})
    for rank, (i, t) in enumerate(zip(near.index, near.time_s), start=1):
        s = site_rows.iloc[int(i)]
        payload["results"].append({
            "rank": rank, "site_id": s.site_id, "nom": s.nom, "kind": s.kind,
            "kind_label": vocab.SITE_KINDS.get(s.kind, s.kind), "status": s.status,
            "commune_code": s.commune_code, "commune_nom": names.get(s.commune_code),
            "lon": float(s.lon), "lat": float(s.lat), "time_min": round(float(t) / 60.0, 2),
            "url": urls.site(s.site_id), "offers": by_site.get(s.site_id, [])})
    if not payload["results"]:
        payload["message"] = "Aucun lieu de ce thème n'est joignable par le réseau routier dans ce mode."
    return payload

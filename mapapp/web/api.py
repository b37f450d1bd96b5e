"""The JSON API (``/api``): GeoJSON of sites, offers, mobility solutions and communes, and vocabularies.

Filters are the carte's (same parameters, same code: :mod:`mapapp.catalog.query`),
read strictly: exactly what the OpenAPI document (:mod:`mapapp.web.openapi`)
allows, which a bounded schemathesis run checks (``tests/web/test_api_contract.py``).
Errors are ``{"error": "message en français"}`` with the HTTP status: 400 for a
value the document does not allow (outside a vocabulary, malformed number or
coordinate), 404 for a well-formed name of nothing (unknown commune, territory,
theme, grid, threshold not computed, resource).

Offers are served as **one feature per (offer, site) pair** with a Point
geometry: each site has its own address, hours and status, and GIS clients
(QGIS) handle points better than MultiPoints. The feature id is
``<offer id>@<site id>``; ``offer_id`` groups the pairs back. Offers without a
site (remote, département-wide) are one feature each with ``geometry: null``
(RFC 7946 §3.2: an unlocated feature), so a client sees the whole offer.
"""

from __future__ import annotations

import json
import re

import shapely
from flask import Blueprint, Response, request
from shapely.geometry import mapping
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mapapp.catalog import vocab
from mapapp.catalog.models import Commune, MobilitySolution, Offer, Site
from mapapp.catalog.filters import CatalogFilters, FilterError, parse_coordinate, parse_filters, parse_number
from mapapp.catalog.query import PlaceNotFound, SiteEntry, select_catalog, select_mobility
from mapapp.web import lookup
from mapapp.web.db import get_session
from mapapp.web.openapi import openapi_spec, query_parameters

bp = Blueprint("api", __name__, url_prefix="/api")

GEOJSON = "application/geo+json"
#: Largest simplification tolerance accepted, degrees (~5 km): beyond, outlines are meaningless.
MAX_TOLERANCE_DEG = 0.05


def json_response(payload, status: int = 200, mimetype: str = "application/json") -> Response:
    """Compact UTF-8 JSON; ``<``, ``>`` and ``&`` escaped (``\\u003c``...) so no client can mistake it for HTML."""
    text = (json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
    return Response(text, status=status, mimetype=mimetype)


def error_response(message: str, status: int) -> Response:
    return json_response({"error": message}, status)


_QUERY_PARAMETERS = query_parameters(openapi_spec())


def _refuse_unknown_parameters() -> Response | None:
    """400 for a query parameter the OpenAPI document does not list for this path (see :func:`query_parameters`)."""
    if request.url_rule is None:
        return None
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", request.url_rule.rule)
    allowed = _QUERY_PARAMETERS.get(path)
    if allowed is None:
        return None
    unknown = sorted(set(request.args) - allowed)
    if not unknown:
        return None
    names = ", ".join(f"« {name} »" for name in unknown)
    admitted = ", ".join(sorted(allowed)) or "aucun"
    return error_response(f"paramètre(s) inconnu(s) : {names} ; paramètres admis : {admitted}", 400)


def register_json_errors(blueprint: Blueprint) -> None:
    """Bad filter values and unknown parameters (400) and unknown places (404) answered as JSON in French."""
    blueprint.register_error_handler(FilterError, lambda exc: error_response(str(exc), 400))
    blueprint.register_error_handler(PlaceNotFound, lambda exc: error_response(str(exc), 404))
    blueprint.before_request(_refuse_unknown_parameters)


def conditional_get(response: Response) -> Response:
    """ETag on every successful API GET; ``If-None-Match`` with the same tag gets 304 and no body.

    The tag is a hash of the body itself, so it can never announce a stale
    answer as current: a publication that changes the answer changes the tag.
    The answer is still built (the catalog and results caches make that cheap);
    the client is spared the transfer and parsing.
    """
    if request.method in ("GET", "HEAD") and response.status_code == 200 and not response.is_streamed:
        response.add_etag()
        response.make_conditional(request)
    return response


def register_api(blueprint: Blueprint) -> None:
    """JSON errors (:func:`register_json_errors`) and conditional GETs (:func:`conditional_get`)."""
    register_json_errors(blueprint)
    blueprint.after_request(conditional_get)


#: Answers that read no catalog (built faster than the catalog's change mark is read): never cached.
_NOT_CATALOG = {"api.openapi", "api.thematiques", "api.vocabulaires"}


def _cached_answer():
    from mapapp.web import catalog_cache

    if request.endpoint in _NOT_CATALOG:
        return None
    return catalog_cache.cached_response(get_session())


def _store_answer(response: Response) -> Response:
    from mapapp.web import catalog_cache

    if request.endpoint in _NOT_CATALOG:
        return response
    return catalog_cache.store_response(get_session(), response)


register_api(bp)
# The catalog API answers depend on the catalog and the URL only: kept per catalog version
# (mapapp.web.catalog_cache). After the parameter check (registered first, runs first); stored
# before conditional_get (after_request hooks run in reverse order) turns a match into a 304.
bp.before_request(_cached_answer)
bp.after_request(_store_answer)


def _filters() -> CatalogFilters:
    return parse_filters(request.args.to_dict(flat=False), strict=True)


def _flag(name: str, default: bool = True) -> bool:
    """A ``0``/``1`` parameter (exactly: the OpenAPI document's enum); absent, ``default``."""
    value = request.args.get(name)
    if value is None:
        return default
    if value in ("0", "1"):
        return value == "1"
    raise FilterError(name, value, f"valeur « {value} » invalide pour « {name} » : attendu 0 ou 1")


def _feature_collection(features: list[dict], **extra) -> Response:
    return json_response({"type": "FeatureCollection", **extra, "features": features}, mimetype=GEOJSON)


def _point(lon, lat) -> dict | None:
    return None if lon is None or lat is None else {"type": "Point", "coordinates": [lon, lat]}


def _date(value) -> str | None:
    return value.isoformat() if value else None


# --------------------------------------------------------------------------- features


def site_properties(site: Site, commune_names: dict[str, str], urls: lookup.FicheUrls,
                    entry: SiteEntry | None = None) -> dict:
    offers = entry.offers if entry is not None else [o for o in site.offers if o.status != "closed"]
    entry = entry or SiteEntry(site, offers)
    return {
        "id": site.id, "nom": site.nom, "kind": site.kind, "kind_label": vocab.SITE_KINDS.get(site.kind, site.kind),
        "structure_id": site.structure_id, "structure_nom": site.structure.nom if site.structure else None,
        "adresse": site.adresse, "code_postal": site.code_postal, "commune_code": site.commune_code,
        "commune_nom": commune_names.get(site.commune_code), "horaires_accueil": site.horaires_accueil,
        "horaires_fr": lookup.hours_fr(site.horaires_accueil), "status": site.status,
        "status_label": vocab.STATUSES.get(site.status, site.status), "closed_from": _date(site.closed_from),
        "closed_until": _date(site.closed_until), "itinerant_route": site.itinerant_route,
        "thematiques": entry.thematiques, "publics": entry.publics, "offer_ids": [o.id for o in offers],
        "date_maj": _date(site.date_maj), "date_verification": _date(site.date_verification),
        "url": urls.site(site.id),
    }


def offer_properties(offer: Offer, site: Site | None, urls: lookup.FicheUrls) -> dict:
    return {
        "offer_id": offer.id, "site_id": site.id if site else None, "nom": offer.nom,
        "description": offer.description, "type": offer.type,
        "structure_id": offer.structure_id, "structure_nom": offer.structure.nom if offer.structure else None,
        "thematiques": offer.thematiques or [], "publics": offer.publics or [],
        "modes_accueil": offer.modes_accueil or [], "frais": offer.frais,
        "delivery_mode": offer.delivery_mode, "zone_eligibilite": offer.zone_eligibilite,
        "horaires_accueil": offer.horaires_accueil, "horaires_fr": lookup.hours_fr(offer.horaires_accueil),
        "status": offer.status, "status_label": vocab.STATUSES.get(offer.status, offer.status),
        "site_nom": site.nom if site else None, "site_kind": site.kind if site else None,
        "commune_code": site.commune_code if site else None,
        "site_horaires_accueil": site.horaires_accueil if site else None,
        "date_maj": _date(offer.date_maj),
        "url": urls.offer(offer.id),
    }


def mobility_feature(solution: MobilitySolution, shapes: dict, with_geometry: bool = True) -> dict:
    geometry = None
    if with_geometry:
        if solution.kind == "point":
            geometry = _point(solution.lon, solution.lat)
        elif solution.kind == "area":
            parts = [shapes[c] for c in solution.served_communes if c in shapes]
            geometry = mapping(shapely.union_all(parts)) if parts else None
    return {"type": "Feature", "id": solution.id, "geometry": geometry, "properties": {
        "id": solution.id, "nom": solution.nom, "kind": solution.kind,
        "kind_label": vocab.MOBILITY_KINDS.get(solution.kind, solution.kind), "category": solution.category,
        "category_label": vocab.MOBILITY_CATEGORIES.get(solution.category, solution.category),
        "structure_id": solution.structure_id, "structure_nom": solution.structure.nom if solution.structure else None,
        "description": solution.description, "commune_code": solution.commune_code,
        "served_communes": solution.served_communes or [], "publics": solution.publics or [],
        "conditions": solution.conditions, "status": solution.status,
        "status_label": vocab.STATUSES.get(solution.status, solution.status),
    }}


def commune_properties(c: Commune, urls: lookup.FicheUrls) -> dict:
    return {"code": c.code, "nom": c.nom, "population": c.population, "departement": c.departement,
            "is_buffer": c.is_buffer, "point_lon": c.point_lon, "point_lat": c.point_lat,
            "url": urls.commune(c.code)}


# --------------------------------------------------------------------------- endpoints


@bp.route("/sites")
def sites():
    session = get_session()
    selection = select_catalog(session, _filters())
    names = lookup.commune_names(session)
    urls = lookup.FicheUrls(external=True)
    features = [{"type": "Feature", "id": e.site.id, "geometry": _point(e.site.lon, e.site.lat),
                 "properties": site_properties(e.site, names, urls, e)} for e in selection.sites]
    return _feature_collection(features)


@bp.route("/offers")
def offers():
    selection = select_catalog(get_session(), _filters())
    urls = lookup.FicheUrls(external=True)
    features = []
    for offer in selection.offers:
        sites = selection.offer_sites.get(offer.id) or []
        for site in sites:
            features.append({"type": "Feature", "id": f"{offer.id}@{site.id}",
                             "geometry": _point(site.lon, site.lat), "properties": offer_properties(offer, site, urls)})
        if not sites:
            features.append({"type": "Feature", "id": offer.id, "geometry": None,
                             "properties": offer_properties(offer, None, urls)})
    return _feature_collection(features)


@bp.route("/mobility")
def mobility():
    session = get_session()
    with_geometry = _flag("geometry")
    solutions = select_mobility(session, _filters())
    codes = {c for s in solutions if s.kind == "area" for c in s.served_communes} if with_geometry else set()
    shapes = lookup.commune_shapes(session, codes)
    return _feature_collection([mobility_feature(s, shapes, with_geometry) for s in solutions])


def _tolerance() -> float:
    text = request.args.get("tolerance")
    if text is None:
        return 0.0
    value = parse_number(text)
    if value is None:
        raise FilterError("tolerance", text, f"tolérance invalide « {text} » : un nombre de degrés est attendu")
    if not (0 <= value <= MAX_TOLERANCE_DEG):
        raise FilterError("tolerance", text, f"tolérance « {text} » hors limites : entre 0 et {MAX_TOLERANCE_DEG} degré")
    return value


@bp.route("/communes")
def communes():
    """Communes with population; ``geometry=0`` drops the polygons, ``lon``+``lat`` finds the commune at a point."""
    session = get_session()
    with_geometry = _flag("geometry")
    tolerance = _tolerance()
    query = select(Commune).order_by(Commune.code)
    point = None
    if "lon" in request.args or "lat" in request.args:
        lon = parse_coordinate("lon", request.args.get("lon", ""), latitude=False)
        lat = parse_coordinate("lat", request.args.get("lat", ""), latitude=True)
        point = shapely.Point(lon, lat)
        query = query.where(Commune.min_lon <= lon, Commune.max_lon >= lon, Commune.min_lat <= lat,
                            Commune.max_lat >= lat)
    if not _flag("buffer"):
        query = query.where(Commune.is_buffer.is_(False))
    rows = session.scalars(query).all()
    urls = lookup.FicheUrls(external=True)
    geoms = shapely.from_wkb([c.geometry_wkb for c in rows]) if rows and (with_geometry or point) else [None] * len(rows)
    features = []
    for c, geom in zip(rows, geoms):
        if point is not None and not geom.covers(point):
            continue
        geometry = None
        if with_geometry:
            if tolerance:
                geom = shapely.set_precision(geom.simplify(tolerance, preserve_topology=True), 1e-5)
            geometry = mapping(geom)
        features.append({"type": "Feature", "id": c.code, "geometry": geometry, "properties": commune_properties(c, urls)})
    response = _feature_collection(features)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/communes/<code>")
def commune(code: str):
    session = get_session()
    c = session.get(Commune, code)
    if c is None:
        raise PlaceNotFound(f"commune inconnue : « {code} »")
    properties = commune_properties(c, lookup.FicheUrls(external=True))
    properties["territoires"] = [{"grid": u.grid, "grid_label": lookup.grid_label(u.grid), "code": u.code,
                                  "nom": u.nom} for u in lookup.grid_units_of(session, code)]
    properties["site_ids"] = list(session.scalars(select(Site.id).where(Site.commune_code == code,
                                                                        Site.status != "closed").order_by(Site.id)))
    solutions = session.scalars(select(MobilitySolution).where(MobilitySolution.status != "closed")
                                .options(selectinload(MobilitySolution.structure))
                                .order_by(MobilitySolution.id)).all()
    properties["mobility"] = {
        "areas": [s.id for s in solutions if s.kind == "area" and code in s.served_communes],
        "points": [s.id for s in solutions if s.kind == "point" and s.commune_code == code],
        "aids": [s.id for s in solutions if s.kind == "aid" and (not s.served_communes or code in s.served_communes)],
    }
    geometry = mapping(shapely.from_wkb(c.geometry_wkb)) if _flag("geometry") else None
    return json_response({"type": "Feature", "id": c.code, "geometry": geometry, "properties": properties},
                         mimetype=GEOJSON)


@bp.route("/thematiques")
def thematiques():
    """The data·inclusion thématiques grouped by category, with their French labels."""
    categories = [{"value": cat, "label": label, "thematiques": []} for cat, label in vocab.CATEGORIES.items()]
    by_value = {c["value"]: c for c in categories}
    for value, label in vocab.THEMATIQUES.items():
        by_value[vocab.category_of(value)]["thematiques"].append({"value": value, "label": label})
    return json_response({"categories": categories})


@bp.route("/vocabulaires")
def vocabulaires():
    """Every vocabulary a filter or a field uses: value -> French label."""
    return json_response({
        "publics": vocab.PUBLICS, "modes_accueil": vocab.MODES_ACCUEIL, "delivery_modes": vocab.DELIVERY_MODES,
        "statuses": vocab.STATUSES, "site_kinds": vocab.SITE_KINDS, "mobility_kinds": vocab.MOBILITY_KINDS,
        "mobility_categories": vocab.MOBILITY_CATEGORIES, "frais": vocab.FRAIS, "types_service": vocab.TYPES_SERVICE,
    })


@bp.route("/openapi.json")
def openapi():
    return json_response(openapi_spec(server_url=request.url_root.rstrip("/")))

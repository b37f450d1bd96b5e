"""Detail pages (fiches): a site, an offer, a commune."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mapapp.catalog import vocab
from mapapp.catalog.models import Commune, MobilitySolution, Offer, Site
from mapapp.catalog.query import itinerant_routes
from mapapp.web import lookup
from mapapp.web.access_maps import commune_link
from mapapp.web.accessibilite import commune_section, site_section
from mapapp.web.db import get_session
from mapapp.web.nearby import distance_fr, nearby_alternatives, verification
from mapapp.web.maps import PointMarker, build_small_map, mobility_popup
from mapapp.web.symbols import MOBILITY_POINT, site_symbol, symbols_css

bp = Blueprint("fiches", __name__)


def _site_marker(site: Site, offers=None) -> PointMarker:
    return PointMarker(site.lat, site.lon, site_symbol(site, offers if offers is not None else site.offers), site.nom)


@bp.route("/site/<site_id>")
def site(site_id: str):
    session = get_session()
    site = session.get(Site, site_id, options=[selectinload(Site.offers).selectinload(Offer.structure),
                                               selectinload(Site.structure)])
    if site is None:
        abort(404, description=f"Aucun lieu n'a l'identifiant « {site_id} ».")
    route_stops: list[Site] = []
    if site.itinerant_route:
        same_route = session.scalars(select(Site).where(Site.itinerant_route == site.itinerant_route,
                                                        Site.status != "closed")).all()
        route_stops = itinerant_routes(list(same_route) + ([site] if site not in same_route else [])).get(
            site.itinerant_route, [])
    offers = sorted(site.offers, key=lambda o: (o.status == "closed", o.nom))
    markers = [_site_marker(site, offers)] + [_site_marker(s) for s in route_stops if s.id != site.id]
    desserte = site_section(session, site.id, request.args)
    layers = [desserte["layer"]] if desserte.get("layer") else []
    parts = build_small_map(markers, default_bounds=lookup.departement_bounds(session), commune_layers=layers,
                            commune_shapes=lookup.commune_shapes(session, [e["id"] for lay in layers
                                                                           for e in lay.entries]),
                            commune_names=desserte.get("names"), commune_link=commune_link(lookup.FicheUrls().commune))
    commune = session.get(Commune, site.commune_code)
    open_offers = [o for o in offers if o.status != "closed"]
    alternatives = nearby_alternatives(session, [site], {t for o in open_offers for t in o.thematiques or []},
                                       exclude_sites=[site.id])
    return render_template("site.html", site=site, offers=offers, route_stops=route_stops, commune=commune,
                           parts=parts, symbols_css=symbols_css(), vocab=vocab, desserte=desserte,
                           open_offers=open_offers, check=verification(site), alternatives=alternatives,
                           distance_fr=distance_fr)


@bp.route("/offre/<offer_id>")
def offre(offer_id: str):
    session = get_session()
    offer = session.get(Offer, offer_id, options=[selectinload(Offer.sites).selectinload(Site.structure),
                                                  selectinload(Offer.structure)])
    if offer is None:
        abort(404, description=f"Aucune offre n'a l'identifiant « {offer_id} ».")
    names = lookup.commune_names(session)
    parts = None
    if offer.sites:
        parts = build_small_map([_site_marker(s, [offer]) for s in offer.sites],
                                default_bounds=lookup.departement_bounds(session))
    thematiques: dict[str, list[str]] = {}
    for t in offer.thematiques or []:
        thematiques.setdefault(vocab.CATEGORIES.get(vocab.category_of(t), vocab.category_of(t)), []).append(
            vocab.THEMATIQUES.get(t, t))
    return render_template("offre.html", offer=offer, parts=parts, symbols_css=symbols_css(), vocab=vocab,
                           commune_names=names, thematiques=thematiques,
                           eligibility=lookup.eligibility_labels(session, offer.zone_eligibilite),
                           check=verification(offer), distance_fr=distance_fr,
                           alternatives=nearby_alternatives(session, offer.sites, offer.thematiques or [],
                                                            exclude_sites=[s.id for s in offer.sites],
                                                            exclude_offers=[offer.id]))


@bp.route("/commune/<code>")
def commune(code: str):
    session = get_session()
    commune = session.get(Commune, code)
    if commune is None:
        abort(404, description=f"Aucune commune n'a le code « {code} ».")
    units = lookup.grid_units_of(session, code)
    sites = session.scalars(select(Site).where(Site.commune_code == code, Site.status != "closed")
                            .options(selectinload(Site.offers), selectinload(Site.structure))
                            .order_by(Site.nom)).all()
    solutions = session.scalars(select(MobilitySolution).where(MobilitySolution.status != "closed")
                                .options(selectinload(MobilitySolution.structure))
                                .order_by(MobilitySolution.nom)).all()
    areas = [s for s in solutions if s.kind == "area" and code in (s.served_communes or [])]
    points = [s for s in solutions if s.kind == "point" and s.commune_code == code]
    aids = [s for s in solutions if s.kind == "aid" and (not s.served_communes or code in s.served_communes)]
    names = lookup.commune_names(session)
    markers = [_site_marker(s) for s in sites]
    markers += [PointMarker(s.lat, s.lon, MOBILITY_POINT, s.nom, mobility_popup(s, names)) for s in points]
    outline = lookup.commune_shapes(session, [code]).get(code)
    parts = build_small_map(markers, outline=outline, outline_label=commune.nom)
    return render_template("commune.html", commune=commune, units=units, sites=sites, areas=areas, points=points,
                           aids=aids, parts=parts, symbols_css=symbols_css(), vocab=vocab,
                           grid_label=lookup.grid_label, access=commune_section(session, code),
                           carte_url=url_for("pages.carte", commune=f"{commune.nom} ({commune.code})"))

"""Public pages: home and the carte de l'offre (map, filters, equivalent tables)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for

from mapapp.catalog import vocab
from mapapp.catalog.filters import CatalogFilters, FilterError, parse_filters
from mapapp.catalog.query import Area, PlaceNotFound, Selection, select_catalog
from mapapp.catalog.stats import catalog_stats
from mapapp.web import catalog_cache as cc
from mapapp.web import lookup
from mapapp.web.db import close_session, get_session
from mapapp.web.maps import build_offer_map
from mapapp.web.symbols import symbols_css

bp = Blueprint("pages", __name__)
bp.teardown_app_request(close_session)

#: Simplification of the commune outlines drawn behind the markers, degrees (~100 m).
OUTLINE_TOLERANCE_DEG = 0.001


@bp.route("/")
def home():
    stats = catalog_stats(get_session())
    return render_template("home.html", stats=stats, vocab=vocab)


@bp.route("/carte")
def carte():
    """The map of the offer, its filters (GET form: shareable URL) and the same content as tables."""
    session = get_session()
    error, status = None, 200
    filters = CatalogFilters()
    selection = None
    try:
        filters = parse_filters(request.args.to_dict(flat=False))
        selection = select_catalog(session, filters)
    except FilterError as exc:
        error, status = str(exc), 400
    except PlaceNotFound as exc:
        error, status = str(exc), 404
    if selection is None:  # nothing shown rather than everything: the user asked for something else
        selection = Selection(filters, Area(), [], [], {}, [])

    names = cc.commune_names(session)
    urls = lookup.FicheUrls()
    needed = set(selection.area.codes or ())
    for s in selection.mobility:
        if s.kind == "area":
            needed.update(s.served_communes)
    has_communes = bool(names)
    parts = build_offer_map(
        selection,
        site_url=urls.site,
        commune_url=urls.commune,
        commune_names=names,
        commune_shapes=cc.commune_shapes(session, needed),
        communes_geojson_url=(url_for("api.communes", tolerance=OUTLINE_TOLERANCE_DEG)
                              if has_communes else None),
        default_bounds=cc.departement_bounds(session),
    )
    query = filters.query_string()
    embedded, embed_args, full_url = embedding()
    return render_template(
        "carte.html", selection=selection, filters=filters, parts=parts, symbols_css=symbols_css(),
        embedded=embedded, embed_args=embed_args, embedded_full_url=full_url,
        error=error, args=request.args, vocab=vocab, commune_names=names, urls=urls,
        commune_options=[commune_label_of(code, nom) for code, nom in sorted(names.items(), key=lambda kv: kv[1])],
        grid_options=cc.grid_options(session),
        api_sites_url=url_for("api.sites") + (f"?{query}" if query else ""),
        api_offers_url=url_for("api.offers") + (f"?{query}" if query else ""),
        thematiques_by_category=thematiques_by_category(),
    ), status


#: Query parameter of the « intégrer » mode: the page without header nor navigation, for another site's iframe
#: (allowed by ``MAPAPP_FRAME_ANCESTORS``, see :mod:`mapapp.web.basemap`).
EMBED_PARAM = "integrer"


def embedding() -> tuple[bool, dict, str | None]:
    """For a page that can be embedded: (embedded?, the parameter to keep in its links, the same page not embedded)."""
    if request.args.get(EMBED_PARAM) != "1":
        return False, {}, None
    others = [(k, v) for k, v in request.args.items(multi=True) if k != EMBED_PARAM]
    full = request.path + ("?" + urlencode(others) if others else "")
    return True, {EMBED_PARAM: "1"}, full


def commune_label_of(code: str, nom: str) -> str:
    """The label of :func:`mapapp.catalog.query.commune_label` from a name and a code (no ORM object)."""
    return f"{nom} ({code})"


def thematiques_by_category() -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {c: [] for c in vocab.CATEGORIES}
    for value, label in vocab.THEMATIQUES.items():
        out.setdefault(vocab.category_of(value), []).append((value, label))
    return out

"""« Trouver une offre » : for one person, the nearest suitable places by travel time, as a list to act on.

A GET form (shareable URL): où (``adresse``: an address, street, lieu-dit or
commune of the département's BAN file, chosen in the combobox or geocoded when
the form is sent, see :mod:`mapapp.web.addresses`; or ``commune``; or ``lon``
and ``lat`` from « ma position »), quoi (``theme``, one of the computed themes;
``mots``, words every listed offer's name or description holds, matched before
routing; ``public``), comment
(``mode``: voiture, marche, velo or sans-voiture), quand (``date``, optional,
AAAA-MM-JJ). ``imprimer=1`` gives the first :data:`PRINT_SHOWN` places of the same
answer laid out for one A4 page for the person (without the form, the navigation, the map and
the professionals' mobilisation details, which stay on screen); ``integrer=1`` the page
without the site's header, for an iframe. A map shows the start and the listed places.

The ranking is the one of ``/api/plus-proches``: this page calls its Python
function (:func:`mapapp.web.api_access.nearest_payload`), never the API over
HTTP. « Sans voiture » ranks each place by the smaller of its walking and
cycling times and says which one; the top ``n`` of that minimum is always
inside the top ``n`` of one of the two modes, so asking each mode for its
nearest places is enough.

With a date, places closed that day (hours, or a temporary closure covering it)
are left out; places without hours are kept and marked « horaires non
renseignés », never counted as open.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from flask import Blueprint, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mapapp import formats
from mapapp.catalog import vocab
from mapapp.catalog.addresses_store import address_version
from mapapp.catalog.filters import FilterError
from mapapp.catalog.models import Commune, Offer, Site
from mapapp.catalog.query import PlaceNotFound, resolve_commune
from mapapp.catalog.weekly_hours import open_on
from mapapp.territory.address_search import STOP_WORDS, words
from mapapp.web import access_data as ad
from mapapp.web import catalog_cache as cc
from mapapp.web import lookup, trouver_cache
from mapapp.web.accessibilite import live_results
from mapapp.web.addresses import address_index
from mapapp.web.api_access import MAX_NEAREST, check_public, nearest_payload, parse_origin, resolve_theme
from mapapp.web.db import close_session, get_session
from mapapp.web.maps import PointMarker, build_small_map
from mapapp.web.pages import commune_label_of, embedding
from mapapp.web.symbols import Symbol, site_symbol, symbols_css

bp = Blueprint("trouver", __name__)
bp.teardown_app_request(close_session)
trouver_cache.register(bp)  # anonymous answers kept per catalog, results and addresses version

#: The « comment » choices: URL value → (label, road modes whose best time counts).
HOW = {"voiture": ("En voiture", ("car",)), "marche": ("À pied", ("walk",)), "velo": ("À vélo", ("bike",)),
       "sans-voiture": ("Sans voiture (à pied, à vélo ou en transport à la demande, le plus rapide)",
                        ("walk", "bike"))}
DEFAULT_HOW = "sans-voiture"
#: How many places the answer lists (on screen, and in the print view: one A4 page for the person).
SHOWN = 10
PRINT_SHOWN = 4
#: The parameters of the form (what a shared address keeps).
FORM_FIELDS = ("adresse", "commune", "lon", "lat", "theme", "public", "mode", "mots", "date")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BadRequest(Exception):
    """A form value the page cannot use: French message, HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


@dataclass
class Place:
    """One line of the answer."""

    rank: int
    site: Site
    time_min: float
    mode: str  # the road mode of ``time_min``
    other_times: dict[str, float] = field(default_factory=dict)  # the other modes' times, when known
    offers: list[Offer] = field(default_factory=list)
    #: True / False on the day asked (or today), None when the place gives no hours.
    open_state: bool | None = None


@dataclass
class Query:
    theme: object
    how: str
    public: str | None
    origin: dict
    day: dt.date | None
    #: Folded words that an offer's name or description must all contain (« mots-clés »), empty for none.
    keywords: tuple[str, ...] = ()


def parse_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        if not _DATE_RE.fullmatch(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"date invalide : « {text} » (attendu : une date du calendrier, AAAA-MM-JJ)") from None


def parse_query(session, results: ad.Results, args) -> Query | None:
    """The form's values, or None when no place was given yet (the empty form)."""
    how = args.get("mode") or DEFAULT_HOW
    if how not in HOW:
        raise BadRequest(f"mode « {how} » inconnu : " + ", ".join(HOW))
    public = args.get("public") or None
    try:
        check_public(public)
        theme = resolve_theme(results, args.get("theme") or None)
    except FilterError as exc:
        raise BadRequest(str(exc)) from None
    except ad.AccessError as exc:  # an unknown theme: a bad value of the form
        raise BadRequest(exc.message) from None
    day = parse_date(args.get("date"))
    where = {k: args[k] for k in ("lon", "lat") if args.get(k)}
    text = (args.get("commune") or "").strip()
    address_text = (args.get("adresse") or "").strip()
    if address_text and (text or where):
        raise BadRequest("indiquez une seule origine : une adresse, une commune ou « ma position »")
    found = None
    if address_text:
        found = geocode(session, address_text)
        if found.kind == "commune":
            text = found.code_insee
        else:
            where = {"lon": repr(found.lon), "lat": repr(found.lat)}
    if text:
        if where:
            raise BadRequest("indiquez soit une commune, soit « ma position », pas les deux")
        try:
            where["commune"] = resolve_commune(session, text).code
        except PlaceNotFound as exc:
            raise BadRequest(str(exc)) from None
    if not where:
        return None
    try:
        origin = parse_origin(session, where)
    except FilterError as exc:
        raise BadRequest(str(exc)) from None
    except ad.AccessError as exc:
        raise BadRequest(exc.message, exc.status) from None
    if found is not None and found.kind != "commune":
        if origin["commune"] is None and session.get(Commune, found.code_insee) is not None:
            origin.update(commune=found.code_insee, nom=found.nom_commune)  # the BAN's commune of the address
        origin.update(type="adresse", label=found.label)
    return Query(theme, how, public, origin, day, parse_keywords(args.get("mots")))


def offers_matching(session, keywords: tuple[str, ...]) -> frozenset[str]:
    """Ids of the offers whose name or description holds every one of ``keywords`` (folded words, each the
    start of a word: « aliment » finds « alimentaire »). The folded words of every offer are kept per catalog
    version."""
    def offer_words():
        return {i: frozenset(words(f"{nom} {description or ''}"))
                for i, nom, description in session.execute(select(Offer.id, Offer.nom, Offer.description))}

    table = cc.memo(session, ("offer_words",), offer_words)
    return frozenset(i for i, ws in table.items() if all(any(w.startswith(k) for w in ws) for k in keywords))


def parse_keywords(text: str | None) -> tuple[str, ...]:
    """The « mots-clés » as folded words (accents and case ignored; « de », « la »… dropped)."""
    if not text:
        return ()
    if len(text) > 200:
        raise BadRequest("mots-clés trop longs (au plus 200 caractères)")
    return tuple(dict.fromkeys(w for w in words(text) if w not in STOP_WORDS))


def geocode(session, text: str):
    """The BAN suggestion for ``text`` (the chosen label, or what was typed without JavaScript)."""
    index = address_index(session)
    if index is None:
        raise BadRequest("la recherche d'adresse n'est pas disponible (aucune adresse importée) : "
                         "indiquez la commune", 404)
    found = index.geocode(text)
    if found is None:
        raise BadRequest(f"adresse introuvable : « {text} » ; vérifiez l'orthographe ou indiquez la commune")
    return found


def site_open(site: Site, offers: list[Offer], day: dt.date) -> bool | None:
    """Open on ``day``: closed by status (or a temporary closure) → False; no hours at all → None."""
    if site.status_on(day) not in ("active", "experimental"):
        return False
    hours = site.horaires_accueil or next((o.horaires_accueil for o in offers if o.horaires_accueil), None)
    try:
        return open_on(hours, day)
    except ValueError:  # unreadable hours are unknown hours
        return None


def find_places(session, results: ad.Results, q: Query, n: int = SHOWN) -> tuple[list[Place], str | None]:
    """The ``n`` nearest places for ``q``, and a French message when there are none."""
    best: dict[str, tuple[float, str]] = {}
    times: dict[str, dict[str, float]] = {}
    order: list[str] = []
    offer_ids: dict[str, list[str]] = {}
    messages = []
    only = offers_matching(session, q.keywords) if q.keywords else None
    for mode in HOW[q.how][1]:
        payload = nearest_payload(session, results, q.theme, mode, q.public, MAX_NEAREST, q.origin, only_offers=only)
        if payload.get("message"):
            messages.append(payload["message"])
        for r in payload["results"]:
            sid, t = r["site_id"], r["time_min"]
            times.setdefault(sid, {})[mode] = t
            offer_ids.setdefault(sid, [o["id"] for o in r["offers"]])
            if sid not in best:
                order.append(sid)
            if sid not in best or t < best[sid][0]:
                best[sid] = (t, mode)
    if q.how == "sans-voiture":  # issue 17: the TAD serving the origin's commune, from the place's car time
        from mapapp.web.trouver_carfree import serving, tad_minutes
        solutions = serving(session, q.origin.get("commune")) if "tad" in results.modes else []
        if solutions and "car" in results.modes:
            payload = nearest_payload(session, results, q.theme, "car", q.public, MAX_NEAREST, q.origin,
                                      only_offers=only)
            for r in payload["results"]:
                tad = tad_minutes(results, solutions, r["time_min"], q.day)
                if tad is None:
                    continue
                sid = r["site_id"]
                times.setdefault(sid, {})["tad"] = tad[0]
                offer_ids.setdefault(sid, [o["id"] for o in r["offers"]])
                if sid not in best:
                    order.append(sid)
                if sid not in best or tad[0] < best[sid][0]:
                    best[sid] = (tad[0], "tad")
        # Stable: ties keep the order of the first mode's ranking (that of /api/plus-proches).
    ranked = sorted(order, key=lambda s: best[s][0])
    sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(ranked))
                                              .options(selectinload(Site.structure)))}
    wanted_offers = {i for ids in offer_ids.values() for i in ids}
    offers = {o.id: o for o in session.scalars(select(Offer).where(Offer.id.in_(wanted_offers))
                                               .options(selectinload(Offer.structure)))}
    day = q.day or dt.date.today()
    places: list[Place] = []
    for sid in ranked:
        site = sites[sid]
        site_offers = [offers[i] for i in offer_ids[sid] if i in offers]
        state = site_open(site, site_offers, day)
        if q.day is not None and state is False:
            continue
        t, mode = best[sid]
        others = {m: v for m, v in times[sid].items() if m != mode}
        places.append(Place(len(places) + 1, site, t, mode, others, site_offers, state))
        if len(places) == n:
            break
    message = None
    if not places:
        if q.day is not None and ranked:
            message = (f"Aucun des lieux joignables n'est ouvert le {formats.date(q.day)} : "
                       "essayez un autre jour.")
        else:
            message = messages[0] if messages else "Aucun lieu ne correspond à cette recherche."
    return places, message


#: The person's starting point on the map.
ORIGIN_SYMBOL = Symbol("origine", "Point de départ", "circle", "#ce0500", "D")


def answer_map(session, q: Query, places: list[Place]):
    """The origin and the ranked places on a small map (a complement: the list is the answer)."""
    from markupsafe import escape

    o = q.origin
    where = o.get("label") or o.get("nom") or "Position indiquée"
    markers = [PointMarker(o["lat"], o["lon"], ORIGIN_SYMBOL, f"Départ : {where}")]
    for p in places:
        title = f"{p.rank}. {p.site.nom} – {formats.travel_time(p.time_min)} {ad.MODE_PHRASE[p.mode]}"
        popup = (f'<div class="popup"><p><strong>{escape(title)}</strong></p>'
                 f'<p><a href="{escape(url_for("fiches.site", site_id=p.site.id))}">Voir la fiche du lieu</a></p></div>')
        markers.append(PointMarker(p.site.lat, p.site.lon, site_symbol(p.site, p.offers), title, popup))
    return build_small_map(markers, default_bounds=lookup.departement_bounds(session))


@bp.route("/trouver")
def page():
    """The form and, once a place is given, the ranked list."""
    session = get_session()
    results = live_results()
    args = request.args
    names = lookup.commune_names(session)
    ctx = {"how": HOW, "mode_phrases": ad.MODE_PHRASE, "publics": vocab.PUBLICS, "vocab": vocab,
           "commune_options": [commune_label_of(code, nom) for code, nom in sorted(names.items(),
                                                                                    key=lambda kv: kv[1])],
           "args": args, "printing": args.get("imprimer") == "1", "commune_names": names,
           "themes": results.themes, "query": None, "places": None, "message": None, "error": None,
           "default_how": DEFAULT_HOW, "addresses_available": address_version(session) is not None,
           "parts": None, "symbols_css": symbols_css()}
    ctx["embedded"], ctx["embed_args"], ctx["embedded_full_url"] = embedding()
    if results.empty:
        ctx["message"] = ad.NO_RESULTS_MESSAGE
        return render_template("trouver.html", no_results=True, **ctx)
    try:
        q = parse_query(session, results, args)
        ctx["query"] = q
        if q is not None:
            # The shareable address: only the filled fields (a GET form sends the empty ones too).
            kept = {k: v for k, v in args.items() if v and k in FORM_FIELDS}
            ctx["share_url"] = url_for("trouver.page", _external=True, **kept)
            ctx["print_url"] = url_for("trouver.page", **kept, imprimer="1")
            ctx["places"], ctx["message"] = find_places(session, results, q,
                                                          PRINT_SHOWN if ctx["printing"] else SHOWN)
            if q.how == "sans-voiture":  # issue 17: the stored car-free figure of the person's place
                from mapapp.web.trouver_carfree import stored_hint
                ctx["carfree_hint"] = stored_hint(results, q.theme.key, q.origin)
                ctx["no_transit"] = None if "transit" in results.modes else ad.NO_TRANSIT_MESSAGE
            if ctx["places"] and not ctx["printing"]:
                ctx["parts"] = answer_map(session, q, ctx["places"])
    except BadRequest as exc:
        ctx["error"] = exc.message
        return render_template("trouver.html", **ctx), exc.status
    except ad.AccessError as exc:  # no network or graph not built: the service, not the form
        ctx["error"] = exc.message
        return render_template("trouver.html", **ctx), exc.status
    return render_template("trouver.html", **ctx)

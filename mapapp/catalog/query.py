"""Select what a map, a table or an API answer shows, from one set of filters.

The carte page, the site/offer tables under it and the JSON API all call
:func:`select_catalog` with a :class:`~mapapp.catalog.filters.CatalogFilters`,
so the same question always gets the same answer; :mod:`mapapp.catalog.filters`
says what each filter means. This module resolves the places the filters name
(communes, grid units), selects sites, offers and mobility solutions, and
orders the stops of itinerant routes.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mapapp.catalog import vocab
from mapapp.catalog.filters import CatalogFilters
from mapapp.catalog.models import Commune, GridUnit, MobilitySolution, Offer, Site, grid_member, offer_site
from mapapp.catalog.weekly_hours import open_on


class PlaceNotFound(LookupError):
    """A commune or grid unit that does not exist (HTTP 404); the message is in French."""


# --------------------------------------------------------------------------- places

_CODE_IN_TEXT_RE = re.compile(r"\(((?:\d{2}|2[AB])\d{3})\)\s*$")


def normalize_name(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a place name (``Saint-Jo l'Ancien`` → ``saint jo l ancien``)."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def commune_label(commune: Commune) -> str:
    """The label the commune search offers (and :func:`resolve_commune` reads back)."""
    return f"{commune.nom} ({commune.code})"


def resolve_commune(session: Session, text: str) -> Commune:
    """The commune a search text designates: an INSEE code, ``Nom (code)``, or an unambiguous name.

    Raises:
        PlaceNotFound: no commune, or several communes with that name (the message lists them).
    """
    text = text.strip()
    m = _CODE_IN_TEXT_RE.search(text)
    code = m.group(1) if m else (text.upper() if vocab.INSEE_COMMUNE_RE.match(text.upper()) else None)
    if code:
        commune = session.get(Commune, code)
        if commune is None:
            raise PlaceNotFound(f"commune inconnue : « {text} »")
        return commune
    wanted = normalize_name(text)
    matches = [c for c in session.scalars(select(Commune).order_by(Commune.code)) if normalize_name(c.nom) == wanted]
    if not matches:
        raise PlaceNotFound(f"aucune commune ne s'appelle « {text} »")
    if len(matches) > 1:
        raise PlaceNotFound(f"plusieurs communes s'appellent « {text} » : "
                            + ", ".join(commune_label(c) for c in matches) + " ; précisez le code")
    return matches[0]


def resolve_territory(session: Session, grid: str, code: str) -> GridUnit:
    unit = session.scalar(select(GridUnit).where(GridUnit.grid == grid, GridUnit.code == code)
                          .options(selectinload(GridUnit.communes)))
    if unit is None:
        raise PlaceNotFound(f"territoire inconnu : « {grid}:{code} »")
    return unit


@dataclass
class Area:
    """The place the area filters restrict to: a commune, a grid unit, or both (their intersection)."""

    commune: Commune | None = None
    territory: GridUnit | None = None
    codes: frozenset[str] | None = None

    @property
    def restricted(self) -> bool:
        return self.codes is not None


def resolve_area(session: Session, filters: CatalogFilters) -> Area:
    area = Area()
    codes: set[str] | None = None
    if filters.territory:
        area.territory = resolve_territory(session, *filters.territory)
        codes = {c.code for c in area.territory.communes}
    if filters.commune:
        area.commune = resolve_commune(session, filters.commune)
        codes = {area.commune.code} if codes is None else codes & {area.commune.code}
    area.codes = frozenset(codes) if codes is not None else None
    return area


def _eligibility_codes(session: Session, communes: frozenset[str]) -> set[str]:
    """Every code a zone_eligibilite may use to include one of ``communes``."""
    codes = set(communes) | {"france"}
    if communes:
        codes |= set(session.scalars(select(Commune.departement).where(Commune.code.in_(communes))))
        codes |= set(session.scalars(
            select(GridUnit.code).join(grid_member, grid_member.c.grid_unit_id == GridUnit.id)
            .where(GridUnit.grid == "epci", grid_member.c.commune_code.in_(communes))))
    return codes


def eligible_in(offer: Offer, codes: set[str]) -> bool:
    """The offer is open to someone living in the area whose codes (communes, EPCI, départements) are given."""
    return offer.zone_eligibilite is None or bool(set(offer.zone_eligibilite) & codes)


# --------------------------------------------------------------------------- selection


@dataclass
class SiteEntry:
    """A shown site and the shown offers delivered there."""

    site: Site
    offers: list[Offer] = field(default_factory=list)

    @cached_property
    def categories(self) -> list[str]:
        """Thématique categories of the shown offers, most frequent first (ties by name).

        Computed once: read it after the offers are attached (as :func:`select_catalog` returns them).
        """
        counts = Counter(vocab.category_of(t) for o in self.offers for t in dict.fromkeys(o.thematiques or []))
        return [c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    @property
    def main_category(self) -> str | None:
        cats = self.categories
        return cats[0] if cats else None

    @property
    def thematiques(self) -> list[str]:
        return list(dict.fromkeys(t for o in self.offers for t in o.thematiques or []))

    @property
    def publics(self) -> list[str]:
        return list(dict.fromkeys(p for o in self.offers for p in o.publics or []))


@dataclass
class Selection:
    filters: CatalogFilters
    area: Area
    sites: list[SiteEntry]
    #: Physical offers with at least one shown site, then offers without a site.
    offers: list[Offer]
    #: Offer id -> its shown sites.
    offer_sites: dict[str, list[Site]]
    mobility: list[MobilitySolution]
    #: With ``ouvert_le``: offer-site pairs left out because no hours are given (unknown, not open).
    unknown_hours: int = 0

    @property
    def offers_without_site(self) -> list[Offer]:
        return [o for o in self.offers if not o.is_physical]


def select_catalog(session: Session, filters: CatalogFilters) -> Selection:
    """Sites, offers and mobility solutions that ``filters`` select (see the module docstring).

    Raises:
        PlaceNotFound: the commune or territory filter names nothing known.
    """
    area = resolve_area(session, filters)

    site_query = select(Site).where(Site.status.in_(filters.statuses)).options(selectinload(Site.structure))
    if filters.site_kinds:
        site_query = site_query.where(Site.kind.in_(filters.site_kinds))
    if area.codes is not None:
        site_query = site_query.where(Site.commune_code.in_(area.codes))
    if filters.bbox:
        min_lon, min_lat, max_lon, max_lat = filters.bbox
        site_query = site_query.where(Site.lon.between(min_lon, max_lon), Site.lat.between(min_lat, max_lat))
    sites = {s.id: SiteEntry(s) for s in session.scalars(site_query.order_by(Site.nom, Site.id))}

    offer_query = (select(Offer).where(Offer.status.in_(filters.statuses))
                   .options(selectinload(Offer.structure)).order_by(Offer.nom, Offer.id))
    if filters.delivery_modes:
        offer_query = offer_query.where(Offer.delivery_mode.in_(filters.delivery_modes))
    # The offer-site links straight from the association table: the sites are already loaded above,
    # and a relationship load would fetch them again (the slowest part on a real catalog).
    links: dict[str, list[str]] = {}
    for offer_id, site_id in session.execute(select(offer_site.c.offer_id, offer_site.c.site_id)
                                             .order_by(offer_site.c.site_id)):
        links.setdefault(offer_id, []).append(site_id)
    offers: list[Offer] = []
    without_site: list[Offer] = []
    offer_sites: dict[str, list[Site]] = {}
    eligibility = _eligibility_codes(session, area.codes) if area.restricted else None
    for offer in session.scalars(offer_query):
        if not filters.offer_matches(offer):
            continue
        if offer.is_physical:
            shown = [sites[sid].site for sid in links.get(offer.id, ()) if sid in sites]
            if not shown:
                continue
            for s in shown:
                sites[s.id].offers.append(offer)
            offer_sites[offer.id] = shown
            offers.append(offer)
        elif not filters.site_kinds and not filters.bbox and (eligibility is None or eligible_in(offer, eligibility)):
            offer_sites[offer.id] = []
            without_site.append(offer)

    unknown = 0
    if filters.open_day is not None:
        offers, unknown = _open_that_day(sites, offers, offer_sites, filters.open_day, filters.half_day)
    entries = [e for e in sites.values() if e.offers or not filters.filters_offers]
    return Selection(filters=filters, area=area, sites=entries, offers=offers + without_site,
                     offer_sites=offer_sites, mobility=select_mobility(session, filters, area), unknown_hours=unknown)


def offer_open_at(offer: Offer, site: Site, day: dt.date, half_day: str | None = None) -> bool | None:
    """Whether ``offer`` is open at ``site`` on ``day`` (or its half-day): the site's status that day, then the
    offer's hours, else the site's (:func:`mapapp.catalog.weekly_hours.open_on`); None when no hours are given."""
    if site.status_on(day) not in ("active", "experimental"):
        return False
    try:
        return open_on(offer.horaires_accueil or site.horaires_accueil, day, half_day)
    except ValueError:  # hours that no longer parse are unknown hours
        return None


def open_pairs(session: Session, pairs, day: dt.date, half_day: str | None = None) -> list[bool | None]:
    """:func:`offer_open_at` for each ``(offer_id, site_id)`` of ``pairs`` (an iterable of 2-tuples)."""
    pairs = list(pairs)
    offers = {o.id: o for o in session.scalars(select(Offer).where(Offer.id.in_({o for o, _ in pairs})))}
    sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_({s for _, s in pairs})))}
    return [offer_open_at(offers[o], sites[s], day, half_day) for o, s in pairs]


def _open_that_day(sites: dict, offers: list[Offer], offer_sites: dict, day: dt.date, half_day: str | None):
    """Keep, at each site, the offers open there that day; (offers kept, offer-site pairs of unknown hours)."""
    unknown = 0
    for entry in sites.values():
        kept = []
        for offer in entry.offers:
            state = offer_open_at(offer, entry.site, day, half_day)
            unknown += state is None
            if state:
                kept.append(offer)
        entry.offers[:] = kept
    kept_offers = []
    for offer in offers:
        shown = [s for s in offer_sites[offer.id] if offer in sites[s.id].offers]
        if shown:
            offer_sites[offer.id] = shown
            kept_offers.append(offer)
        else:
            del offer_sites[offer.id]
    return kept_offers, unknown


def select_mobility(session: Session, filters: CatalogFilters, area: Area | None = None) -> list[MobilitySolution]:
    """Mobility solutions that ``filters`` select (status, public, thématique, area, bbox)."""
    area = area if area is not None else resolve_area(session, filters)
    query = (select(MobilitySolution).where(MobilitySolution.status.in_(filters.statuses))
             .options(selectinload(MobilitySolution.structure)).order_by(MobilitySolution.nom, MobilitySolution.id))
    boxes: dict[str, tuple[float, float, float, float]] = {}
    if filters.bbox:
        boxes = {c: (a, b, x, y) for c, a, b, x, y in session.execute(
            select(Commune.code, Commune.min_lon, Commune.min_lat, Commune.max_lon, Commune.max_lat))}
    out = []
    for solution in session.scalars(query):
        if not filters.mobility_matches(solution):
            continue
        if area.codes is not None and not _mobility_in_area(solution, area.codes):
            continue
        if filters.bbox and not _mobility_in_bbox(solution, filters.bbox, boxes):
            continue
        out.append(solution)
    return out


def _mobility_in_area(solution: MobilitySolution, codes: frozenset[str]) -> bool:
    if solution.kind == "point":
        return solution.commune_code in codes
    if solution.kind == "area":
        return bool(set(solution.served_communes or []) & codes)
    return not solution.served_communes or bool(set(solution.served_communes) & codes)


def _boxes_overlap(a, b) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _mobility_in_bbox(solution: MobilitySolution, bbox, boxes) -> bool:
    if solution.kind == "point":
        return bbox[0] <= solution.lon <= bbox[2] and bbox[1] <= solution.lat <= bbox[3]
    if solution.kind == "area":
        return any(c in boxes and _boxes_overlap(boxes[c], bbox) for c in solution.served_communes or [])
    return False  # an aid has no location: a bounding box cannot contain it


# --------------------------------------------------------------------------- itinerant routes

#: Reference period to order stops: four weeks starting on a Monday that is the 1st of a month,
#: so that "2nd Thursday" patterns fall in order too (July 2024: no public holiday in its first
#: five weeks but the 14th, a Sunday).
_REFERENCE_START = dt.datetime(2024, 7, 1)


def first_opening_offset(expression: str | None) -> dt.timedelta | None:
    """Time from the start of a reference month (Monday 1st, 00:00) to the first opening, or None."""
    if not expression:
        return None
    from opening_hours import OpeningHours, State

    try:
        intervals = OpeningHours(expression).intervals(_REFERENCE_START, _REFERENCE_START + dt.timedelta(days=35))
        for start, _end, state, _comment in intervals:
            if state == State.OPEN:
                return start - _REFERENCE_START
    except Exception:  # an expression the parser accepts but cannot evaluate: no order from it
        return None
    return None


def itinerant_routes(sites: Sequence[Site]) -> dict[str, list[Site]]:
    """Itinerant stops grouped by route, in stop order.

    The order is derived from the weekly schedule: stops are sorted by their
    first opening in a reference month (Monday first, then by hour), stops
    without opening hours last, by id. Only the given sites are used.
    """
    routes: dict[str, list[Site]] = {}
    for site in sites:
        if site.kind == "france_services_itinerant_stop" and site.itinerant_route:
            routes.setdefault(site.itinerant_route, []).append(site)
    def key(site: Site):
        offset = first_opening_offset(site.horaires_accueil)
        return (offset is None, offset or dt.timedelta(0), site.id)

    return {name: sorted(stops, key=key) for name, stops in sorted(routes.items())}

"""Filters of the carte, its tables and the API: one dataclass, read from and written to URLs.

Filters travel in URL query strings (GET forms, shareable links):
:func:`parse_filters` reads them, :meth:`CatalogFilters.to_params` writes them
back, and the two round-trip. :func:`mapapp.catalog.query.select_catalog`
applies them.

Semantics (what each filter means):

* ``thematique`` — a thématique value (``mobilite--preparer-un-permis``) or a
  whole category (``mobilite``); an offer matches when one of its thématiques
  matches one of the given values.
* ``public`` — an offer matches when it names one of the given publics or is
  open to ``tous-publics``; an offer without publics does not match.
* ``mode_accueil`` (``en-presentiel``, ``a-distance``) and ``delivrance``
  (``on_site``, ``itinerant``, ``remote``, ``departement_wide``) — offer fields.
* ``statut`` — applies to sites, offers and mobility solutions; by default
  everything except ``closed`` (what the public should see); ``tous`` shows all.
* ``type_lieu`` — site kinds.
* ``commune`` (an INSEE code, ``Nom (code)`` as the datalist offers it, or a
  name) and ``territoire`` (``grid:code``, a grid unit such as ``epci:200096001``
  or ``territoire_action_sociale:TAS1``) — sites located in that area. Offers
  without a site (remote, département-wide) are kept when their
  ``zone_eligibilite`` covers the area.
* ``bbox`` (``min_lon,min_lat,max_lon,max_lat``, WGS84) — sites located in the box
  (two opposite corners: the order of each pair does not matter).
* ``ouvert_le`` (``AAAA-MM-JJ``) and ``demi_journee`` (``matin``, ``apres-midi``;
  only with ``ouvert_le``) — an offer is kept at a site when it is open there
  that day (or half-day): the site is open on that date (status, temporary
  closure) and the offer's hours, else the site's, say so
  (:func:`mapapp.catalog.weekly_hours.open_on`, French public holidays
  applied). Hours not given are unknown: such an offer is left out and counted
  (:attr:`mapapp.catalog.query.Selection.unknown_hours`), never shown as open.
  Offers without a site are not filtered by day.

Pages read filters leniently (a GET form sends empty strings for "no choice";
values are trimmed). The API reads them strictly (``strict=True``): exactly the
values its OpenAPI description allows, so that the document and the code agree.

A site is shown when it passes the site filters and, if any offer filter is
set, when at least one shown offer is delivered there. A physical offer is
shown when at least one of its sites is shown; offers without a site are never
on the map (they are not a physical presence) but are listed.

Mobility solutions follow ``statut``, ``public`` and the area filters; a
``thematique`` filter keeps them only when it names the ``mobilite`` category
or one of its values. Offer-only filters (``mode_accueil``, ``delivrance``,
``type_lieu``) do not apply to them. Financial aids (``kind="aid"``) are not
located: they are kept under an area filter when they have no
``served_communes`` (open everywhere) or serve a commune of the area.

JSON list fields (thématiques, publics...) are matched in Python rather than
SQL: a département's catalog is a few thousand rows, and this keeps the same
code on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from mapapp.catalog import vocab
from mapapp.catalog.models import MobilitySolution, Offer

#: What the public sees by default: everything but closed records.
PUBLIC_STATUSES: tuple[str, ...] = tuple(s for s in vocab.STATUSES if s != "closed")
#: ``statut=tous`` selects every status.
ALL_STATUSES_TOKEN = "tous"

#: A number as JSON (and OpenAPI) writes it: what the API accepts where a number is expected.
NUMBER_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
#: ``grid:code`` (both non-empty; the code may contain ``:``; no NUL, see mapapp.web.input_guard).
TERRITORY_PATTERN = r"^[^:\u0000]+:[^\u0000]+$"

#: Query-string parameter names (French: users share these URLs).
PARAM_NAMES = ("thematique", "public", "mode_accueil", "delivrance", "statut", "type_lieu", "commune",
               "territoire", "bbox", "ouvert_le", "demi_journee")
#: Values of ``demi_journee``.
HALF_DAYS = ("matin", "apres-midi")


class FilterError(ValueError):
    """A filter value that is not allowed (HTTP 400); the message is in French and names the value."""

    def __init__(self, param: str, value: object, message: str | None = None):
        self.param = param
        self.value = value
        super().__init__(message or f"valeur inconnue « {value} » pour le filtre « {param} »")


@dataclass(frozen=True)
class CatalogFilters:
    """What to show. Empty tuples mean "no restriction"; see the module docstring."""

    thematiques: tuple[str, ...] = ()
    publics: tuple[str, ...] = ()
    modes_accueil: tuple[str, ...] = ()
    delivery_modes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = PUBLIC_STATUSES
    site_kinds: tuple[str, ...] = ()
    #: Commune as typed (code, ``Nom (code)`` or name); resolved by :func:`resolve_commune`.
    commune: str | None = None
    #: ``(grid, code)`` of a grid unit.
    territory: tuple[str, str] | None = None
    #: ``(min_lon, min_lat, max_lon, max_lat)`` in degrees (WGS84).
    bbox: tuple[float, float, float, float] | None = None
    #: Only offers open that day at the site (``ouvert_le``), and that half-day (``demi_journee``).
    open_day: dt.date | None = None
    half_day: str | None = None

    @property
    def filters_offers(self) -> bool:
        """True when a filter on offer fields is set (then sites need a matching offer)."""
        return bool(self.thematiques or self.publics or self.modes_accueil or self.delivery_modes or self.open_day)

    @property
    def is_default(self) -> bool:
        return self == CatalogFilters()

    def to_params(self) -> list[tuple[str, str]]:
        """Query-string pairs (defaults omitted); ``parse_filters(to_params())`` gives back ``self``."""
        out: list[tuple[str, str]] = []
        out += [("thematique", v) for v in self.thematiques]
        out += [("public", v) for v in self.publics]
        out += [("mode_accueil", v) for v in self.modes_accueil]
        out += [("delivrance", v) for v in self.delivery_modes]
        if set(self.statuses) == set(vocab.STATUSES):
            out.append(("statut", ALL_STATUSES_TOKEN))
        elif self.statuses != PUBLIC_STATUSES:
            out += [("statut", v) for v in self.statuses]
        out += [("type_lieu", v) for v in self.site_kinds]
        if self.commune:
            out.append(("commune", self.commune))
        if self.territory:
            out.append(("territoire", f"{self.territory[0]}:{self.territory[1]}"))
        if self.bbox:
            out.append(("bbox", ",".join(f"{x:g}" for x in self.bbox)))
        if self.open_day:
            out.append(("ouvert_le", self.open_day.isoformat()))
        if self.half_day:
            out.append(("demi_journee", self.half_day))
        return out

    def query_string(self) -> str:
        return urlencode(self.to_params())

    def without(self, *names: str) -> CatalogFilters:
        """A copy with the given fields back to their defaults."""
        default = CatalogFilters()
        return replace(self, **{n: getattr(default, n) for n in names})

    # -- matching (pure: no database) -------------------------------------------------

    def offer_matches(self, offer: Offer) -> bool:
        """The offer passes the status and offer-field filters (not the area ones)."""
        if offer.status not in self.statuses:
            return False
        if self.thematiques and not _thematiques_match(offer.thematiques or [], self.thematiques):
            return False
        if self.publics and not _publics_match(offer.publics or [], self.publics):
            return False
        if self.modes_accueil and not set(offer.modes_accueil or []) & set(self.modes_accueil):
            return False
        if self.delivery_modes and offer.delivery_mode not in self.delivery_modes:
            return False
        return True

    def mobility_matches(self, solution: MobilitySolution) -> bool:
        """The solution passes the status, public and thématique filters (not the area ones)."""
        if solution.status not in self.statuses:
            return False
        if self.publics and not _publics_match(solution.publics or [], self.publics):
            return False
        if self.thematiques and not any(vocab.category_of(t) == "mobilite" for t in self.thematiques):
            return False
        return True


def _thematiques_match(values: Sequence[str], wanted: Sequence[str]) -> bool:
    wanted = set(wanted)
    return any(t in wanted or vocab.category_of(t) in wanted for t in values)


def _publics_match(values: Sequence[str], wanted: Sequence[str]) -> bool:
    return "tous-publics" in values or bool(set(values) & set(wanted))


def _values(params: Mapping[str, Sequence[str] | str], strict: bool, name: str) -> list[str]:
    raw = params.get(name)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    if strict:
        return list(dict.fromkeys(items))
    # A GET form sends empty strings for "no choice" selects.
    return list(dict.fromkeys(v.strip() for v in items if v and v.strip()))


def _check(param: str, values: list[str], allowed: Mapping[str, str] | set[str]) -> tuple[str, ...]:
    for v in values:
        if v not in allowed:
            raise FilterError(param, v)
    return tuple(values)


def parse_filters(params: Mapping[str, Sequence[str] | str], *, strict: bool = False) -> CatalogFilters:
    """Read filters from query-string parameters (``name -> list of values``).

    With ``strict`` (the API), values are taken as sent: an empty or padded value is an error.

    Raises:
        FilterError: a value outside its vocabulary, or a malformed ``commune``/``territoire``/``bbox``.
    """
    thematiques = _check("thematique", _values(params, strict, "thematique"),
                         set(vocab.THEMATIQUES) | set(vocab.CATEGORIES))
    publics = _check("public", _values(params, strict, "public"), vocab.PUBLICS)
    modes = _check("mode_accueil", _values(params, strict, "mode_accueil"), vocab.MODES_ACCUEIL)
    delivery = _check("delivrance", _values(params, strict, "delivrance"), vocab.DELIVERY_MODES)
    kinds = _check("type_lieu", _values(params, strict, "type_lieu"), vocab.SITE_KINDS)
    status_values = _values(params, strict, "statut")
    if ALL_STATUSES_TOKEN in status_values:
        statuses = tuple(vocab.STATUSES)
    elif status_values:
        statuses = _check("statut", status_values, vocab.STATUSES)
    else:
        statuses = PUBLIC_STATUSES

    communes = _values(params, strict, "commune")
    if communes and not communes[0]:
        raise FilterError("commune", "", "commune vide : code INSEE, « Nom (code) » ou nom attendu")
    if len(communes) > 1:
        raise FilterError("commune", ", ".join(communes),
                          f"une seule commune à la fois pour le filtre « commune » (reçu : {', '.join(communes)})")
    territories = _values(params, strict, "territoire")
    territory = None
    if len(territories) > 1:
        raise FilterError("territoire", ", ".join(territories),
                          f"un seul territoire à la fois pour le filtre « territoire » (reçu : {', '.join(territories)})")
    if territories:
        grid, sep, code = territories[0].partition(":")
        if not sep or not grid or not code:
            raise FilterError("territoire", territories[0],
                              f"territoire « {territories[0]} » mal formé : attendu « découpage:code », "
                              "par exemple « epci:200096001 »")
        territory = (grid, code)
    bboxes = _values(params, strict, "bbox")
    bbox = parse_bbox(bboxes[0], strict=strict) if bboxes else None
    open_day = parse_day(_single(params, strict, "ouvert_le"))
    half = _single(params, strict, "demi_journee")
    if half is not None and half not in HALF_DAYS:
        raise FilterError("demi_journee", half, f"demi-journée « {half} » inconnue : matin ou apres-midi")
    if half is not None and open_day is None:
        raise FilterError("demi_journee", half, "« demi_journee » demande aussi « ouvert_le » (une date)")
    return CatalogFilters(thematiques=thematiques, publics=publics, modes_accueil=modes, delivery_modes=delivery,
                          statuses=statuses, site_kinds=kinds, commune=communes[0] if communes else None,
                          territory=territory, bbox=bbox, open_day=open_day, half_day=half)


def _single(params, strict: bool, name: str) -> str | None:
    values = _values(params, strict, name)
    if len(values) > 1:
        raise FilterError(name, ", ".join(values), f"une seule valeur pour « {name} » (reçu : {', '.join(values)})")
    return values[0] if values and values[0] else None


def parse_day(text: str | None) -> dt.date | None:
    """``AAAA-MM-JJ`` → a date; None when empty; FilterError (French) otherwise."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else _bad_day(text)
    except ValueError:
        return _bad_day(text)


def _bad_day(text: str):
    raise FilterError("ouvert_le", text, f"date invalide « {text} » pour « ouvert_le » : une date du calendrier, "
                      "AAAA-MM-JJ (par exemple 2026-12-08)")


def parse_number(text: str | None) -> float | None:
    """``text`` as a number if it is written as JSON writes one (``-2.5``, ``1e-05``), else None.

    Stricter than :func:`float`, which also takes ``" 2"``, ``"1_0"``, ``"nan"`` or ``"١"``:
    the API accepts what its OpenAPI description says a number is, nothing else.
    """
    if text is None or not NUMBER_RE.fullmatch(text):
        return None
    value = float(text)
    return value if value == value and abs(value) != float("inf") else None


def parse_coordinate(param: str, text: str, *, latitude: bool) -> float:
    """A longitude or latitude in degrees; raise :class:`FilterError` when malformed or out of range."""
    value = parse_number(text)
    if value is None:
        raise FilterError(param, text, f"coordonnée invalide « {text} » pour « {param} » : un nombre est attendu")
    limit = 90 if latitude else 180
    if not (-limit <= value <= limit):  # also rejects nan
        raise FilterError(param, text, f"coordonnée hors limites « {text} » pour « {param} » : "
                                       f"entre -{limit} et {limit} degrés")
    return value


def parse_bbox(text: str, *, strict: bool = False) -> tuple[float, float, float, float]:
    parts = [p if strict else p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise FilterError("bbox", text, f"bbox invalide « {text} » : attendu « lon_min,lat_min,lon_max,lat_max »")
    lon_a, lon_b = (parse_coordinate("bbox", parts[i], latitude=False) for i in (0, 2))
    lat_a, lat_b = (parse_coordinate("bbox", parts[i], latitude=True) for i in (1, 3))
    # Two opposite corners, in either order (a map client may send the north-east one first).
    return (min(lon_a, lon_b), min(lat_a, lat_b), max(lon_a, lon_b), max(lat_a, lat_b))

"""Small read helpers the views share: commune names and shapes, grid units, display formats."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote

from flask import url_for

import shapely
from markupsafe import Markup, escape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mapapp.catalog.hours import describe_fr
from mapapp.catalog.weekly_hours import weekly_hours_fr
from mapapp.catalog.models import Commune, GridUnit, grid_member
from mapapp.territory.bundle import GRID_LABELS



def commune_names(session: Session) -> dict[str, str]:
    """INSEE code -> name, for every stored commune (buffer included)."""
    return dict(session.execute(select(Commune.code, Commune.nom).order_by(Commune.nom)).all())


def commune_shapes(session: Session, codes: Iterable[str]) -> dict[str, BaseGeometry]:
    codes = sorted(set(codes))
    if not codes:
        return {}
    rows = session.execute(select(Commune.code, Commune.geometry_wkb).where(Commune.code.in_(codes))).all()
    return dict(zip([r[0] for r in rows], shapely.from_wkb([r[1] for r in rows])))


def departement_bounds(session: Session):
    """((south, west), (north, east)) of the département's communes (buffer excluded), or None."""
    row = session.execute(select(func.min(Commune.min_lat), func.min(Commune.min_lon), func.max(Commune.max_lat),
                                 func.max(Commune.max_lon)).where(Commune.is_buffer.is_(False))).one()
    return None if row[0] is None else ((row[0], row[1]), (row[2], row[3]))


def grid_label(grid: str) -> str:
    return GRID_LABELS.get(grid, grid.replace("_", " ").capitalize())


def grid_options(session: Session) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grid units for a select: ``[(grid label, [(value "grid:code", name), ...]), ...]``."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for unit in session.scalars(select(GridUnit).order_by(GridUnit.grid, GridUnit.nom, GridUnit.code)):
        groups.setdefault(unit.grid, []).append((f"{unit.grid}:{unit.code}", unit.nom))
    order = list(GRID_LABELS)
    return [(grid_label(g), groups[g]) for g in sorted(groups, key=lambda g: (order.index(g) if g in order else 99, g))]


def grid_units_of(session: Session, code: str) -> list[GridUnit]:
    """The grid units a commune belongs to (EPCI, canton, territoire d'action sociale...)."""
    return list(session.scalars(
        select(GridUnit).join(grid_member, grid_member.c.grid_unit_id == GridUnit.id)
        .where(grid_member.c.commune_code == code).order_by(GridUnit.grid, GridUnit.nom)))


def zone_choices(session: Session, *, with_epci: bool = True) -> list[tuple[str, list[tuple[str, str]]]]:
    """The picker of a zone d'éligibilité: ``[(group label, [(code, name), ...])]``, EPCI then communes.

    Communes of the buffer (neighbouring départements) are left out: a zone is
    chosen within the territory.
    """
    groups = []
    if with_epci:
        epci = session.execute(select(GridUnit.code, GridUnit.nom).where(GridUnit.grid == "epci")
                               .order_by(GridUnit.nom)).all()
        if epci:
            groups.append(("Intercommunalités (EPCI)", [(code, f"{nom} (EPCI)") for code, nom in epci]))
    communes = session.execute(select(Commune.code, Commune.nom).where(Commune.is_buffer.is_(False))
                               .order_by(Commune.nom)).all()
    groups.append(("Communes", [(code, f"{nom} ({code})") for code, nom in communes]))
    return groups


def eligibility_labels(session: Session, codes: list[str] | None) -> list[str]:
    """A zone d'éligibilité in words: commune, EPCI and département names where known."""
    if codes is None:
        return ["Sans restriction géographique"]
    names = commune_names(session)
    epci = dict(session.execute(select(GridUnit.code, GridUnit.nom).where(GridUnit.grid == "epci")).all())
    out = []
    for code in codes:
        if code == "france":
            out.append("France entière")
        elif code in names:
            out.append(f"{names[code]} ({code})")
        elif code in epci:
            out.append(f"{epci[code]} (EPCI {code})")
        elif len(code) in (2, 3):
            out.append(f"Département {code}")
        else:
            out.append(code)
    return out


def safe_link(url: str | None, text: str | None = None) -> Markup:
    """A link only for http(s) URLs (never ``javascript:``); other values as plain text."""
    if not url:
        return Markup("")
    if url.lower().startswith(("http://", "https://")):
        return Markup('<a href="{0}" rel="noopener noreferrer">{1}</a>').format(url, text or url)
    return escape(url)


class FicheUrls:
    """URLs of the fiches for long tables and marker popups: one ``url_for`` per kind, then string work.

    ``url_for`` costs ~30 µs; a carte with a thousand sites and offers calls it thousands of times.
    """

    _MARK = "__mapapp_id__"

    def __init__(self, external: bool = False):
        self._site = url_for("fiches.site", site_id=self._MARK, _external=external)
        self._offer = url_for("fiches.offre", offer_id=self._MARK, _external=external)
        self._commune = url_for("fiches.commune", code=self._MARK, _external=external)

    def site(self, site_id: str) -> str:
        return self._site.replace(self._MARK, quote(site_id, safe=""))

    def offer(self, offer_id: str) -> str:
        return self._offer.replace(self._MARK, quote(offer_id, safe=""))

    def commune(self, code: str) -> str:
        return self._commune.replace(self._MARK, quote(code, safe=""))


@lru_cache(maxsize=4096)
def hours_fr(expression: str | None) -> str:
    """:func:`mapapp.catalog.hours.describe_fr`, memoised: the same few expressions repeat across sites."""
    return describe_fr(expression)


@lru_cache(maxsize=4096)
def weekly_hours_text(expression: str | None) -> str | None:
    """:func:`mapapp.catalog.weekly_hours.weekly_hours_fr`, memoised; ``None`` when no hours are given."""
    return weekly_hours_fr(expression)

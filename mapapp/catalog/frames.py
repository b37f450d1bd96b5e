"""The catalog and territory as the plain tables the access engine reads.

Columns follow :mod:`mapapp.access.frames` and :mod:`mapapp.access.themes`,
plus ``lon``/``lat`` for snapping. Only the département's communes are
origins; sites anywhere (buffer communes included) are destinations, because
people cross borders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mapapp.access.eligibility import ZoneIndex
from mapapp.access.variants import effective_expression, effective_weekly_hours
from mapapp.catalog.models import Offer, Site
from mapapp.catalog.weekly_hours import weekly_hours
from mapapp.catalog.territory_store import read_communes, read_grids, read_population_points


@dataclass
class EngineInputs:
    points: pd.DataFrame    # commune, population, lon, lat
    communes: pd.DataFrame  # commune, population, departement, epci, main_lon, main_lat
    sites: pd.DataFrame     # see catalog_tables
    offers: pd.DataFrame    # see catalog_tables
    grids: pd.DataFrame     # grid, code, commune


def engine_inputs(session: Session, today: dt.date | None = None) -> EngineInputs:
    """The engine's tables; ``today``: the day sites' temporary closures are judged on (default: today)."""
    communes = read_communes(session, include_buffer=False)
    grids = read_grids(session)
    grids = grids[grids["commune"].isin(set(communes["code"]))]
    commune_table = _zone_columns(communes, grids).assign(
        population=communes["population"].to_numpy(dtype=float),
        main_lon=communes["point_lon"].to_numpy(), main_lat=communes["point_lat"].to_numpy(),
    )
    points = read_population_points(session)
    points = points[points["commune"].isin(set(commune_table["commune"]))].reset_index(drop=True)

    site_table, offer_table = catalog_tables(session, today)
    return EngineInputs(points=points, communes=commune_table, sites=site_table, offers=offer_table,
                        grids=grids[["grid", "code", "commune"]].reset_index(drop=True))


def catalog_tables(session: Session, today: dt.date | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sites and offers as the engine reads them (one offer row per site), with names for display.

    A site's ``status`` is the one in force ``today`` (:meth:`Site.status_on`): a
    temporary closure counts between its dates only, so results follow the
    calendar without anyone editing the record.

    sites: ``site_id, nom, kind, status, lon, lat, commune_code``;
    offers: ``offer_id, offer_nom, site_id, thematiques, publics, delivery_mode, status,
    zone_eligibilite, reseaux_porteurs`` (the structure's networks), ``weekly_hours``
    (hours open per week of the offer at that site: its own hours, else the site's,
    NaN when neither is given; :mod:`mapapp.catalog.weekly_hours`) and ``opening_hours`` (the
    expression those hours come from, None when unknown: :mod:`mapapp.access.reach_hours`).
    """
    day = today or dt.date.today()
    sites = pd.DataFrame(
        [(s.id, s.nom, s.kind, s.status_on(day), s.lon, s.lat, s.commune_code)
         for s in session.scalars(select(Site).order_by(Site.id))],
        columns=["site_id", "nom", "kind", "status", "lon", "lat", "commune_code"],
    )
    rows = []
    offers = session.scalars(
        select(Offer).options(selectinload(Offer.sites), selectinload(Offer.structure)).order_by(Offer.id)
    ).all()
    for o in offers:
        networks = list(o.structure.reseaux_porteurs or [])
        zone = None if o.zone_eligibilite is None else list(o.zone_eligibilite)
        for site in sorted(o.sites, key=lambda x: x.id) or [None]:
            hours = effective_weekly_hours(o.horaires_accueil, site.horaires_accueil if site else None,
                                           weekly_hours)
            expression = effective_expression(o.horaires_accueil, site.horaires_accueil if site else None,
                                              weekly_hours) if hours == hours else None
            rows.append((o.id, o.nom, site.id if site else None, list(o.thematiques or []), list(o.publics or []),
                         o.delivery_mode, o.status, zone, networks, hours, expression))
    offer_table = pd.DataFrame(rows, columns=["offer_id", "offer_nom", "site_id", "thematiques", "publics",
                                              "delivery_mode", "status", "zone_eligibilite", "reseaux_porteurs",
                                              "weekly_hours", "opening_hours"])
    return sites, offer_table


def commune_zone_table(session: Session, include_buffer: bool = True) -> pd.DataFrame:
    """``commune, departement, epci`` of the stored communes: what eligibility zones expand against."""
    return _zone_columns(read_communes(session, include_buffer=include_buffer), read_grids(session))


def _zone_columns(communes: pd.DataFrame, grids: pd.DataFrame) -> pd.DataFrame:
    epci = grids[grids["grid"] == "epci"].drop_duplicates("commune").set_index("commune")["code"]
    return pd.DataFrame({"commune": communes["code"].to_numpy(), "departement": communes["departement"].to_numpy(),
                         "epci": communes["code"].map(epci).to_numpy()})


def offers_with_empty_zone(offers: pd.DataFrame, communes: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """Offers whose zone d'éligibilité names no commune of the territory: ``[(offer_id, codes)]``.

    Such an offer counts for nobody, which makes false zones blanches when the
    zone was meant to match (an EPCI code while the territory has no ``epci``
    grid, a mistyped code...): callers report them.
    """
    zones = ZoneIndex(communes)
    out = []
    for offer_id, zone in offers.drop_duplicates("offer_id")[["offer_id", "zone_eligibilite"]].itertuples(index=False):
        if isinstance(zone, list) and zones.expand(zone) == frozenset():
            out.append((offer_id, list(zone)))
    return out

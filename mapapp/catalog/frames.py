"""The catalog and territory as the plain tables the access engine reads.

Columns follow :mod:`mapapp.access.frames` and :mod:`mapapp.access.themes`,
plus ``lon``/``lat`` for snapping. Only the département's communes are
origins; sites anywhere (buffer communes included) are destinations, because
people cross borders.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mapapp.catalog.models import Offer, Site, Structure
from mapapp.catalog.territory_store import read_communes, read_grids, read_population_points


@dataclass
class EngineInputs:
    points: pd.DataFrame    # commune, population, lon, lat
    communes: pd.DataFrame  # commune, population, departement, epci, main_lon, main_lat
    sites: pd.DataFrame     # site_id, kind, status, lon, lat
    offers: pd.DataFrame    # offer_id, site_id, thematiques, publics, delivery_mode, status, zone_eligibilite, reseaux_porteurs
    grids: pd.DataFrame     # grid, code, commune


def engine_inputs(session: Session) -> EngineInputs:
    communes = read_communes(session, include_buffer=False)
    grids = read_grids(session)
    grids = grids[grids["commune"].isin(set(communes["code"]))]
    epci = grids[grids["grid"] == "epci"].drop_duplicates("commune").set_index("commune")["code"]
    commune_table = pd.DataFrame({
        "commune": communes["code"].to_numpy(),
        "population": communes["population"].to_numpy(dtype=float),
        "departement": communes["departement"].to_numpy(),
        "epci": communes["code"].map(epci).to_numpy(),
        "main_lon": communes["point_lon"].to_numpy(), "main_lat": communes["point_lat"].to_numpy(),
    })
    points = read_population_points(session)
    points = points[points["commune"].isin(set(commune_table["commune"]))].reset_index(drop=True)

    sites = session.scalars(select(Site).order_by(Site.id)).all()
    site_table = pd.DataFrame(
        [(s.id, s.kind, s.status, s.lon, s.lat) for s in sites],
        columns=["site_id", "kind", "status", "lon", "lat"],
    )
    rows = []
    offers = session.scalars(
        select(Offer).options(selectinload(Offer.sites), selectinload(Offer.structure)).order_by(Offer.id)
    ).all()
    for o in offers:
        networks = list(o.structure.reseaux_porteurs or []) if isinstance(o.structure, Structure) else []
        base = (o.id, list(o.thematiques or []), list(o.publics or []), o.delivery_mode, o.status,
                None if o.zone_eligibilite is None else list(o.zone_eligibilite), networks)
        for site in o.sites or [None]:
            rows.append((base[0], site.id if site else None, *base[1:]))
    offer_table = pd.DataFrame(rows, columns=["offer_id", "site_id", "thematiques", "publics", "delivery_mode",
                                              "status", "zone_eligibilite", "reseaux_porteurs"])
    return EngineInputs(points=points, communes=commune_table, sites=site_table, offers=offer_table,
                        grids=grids[["grid", "code", "commune"]].reset_index(drop=True))

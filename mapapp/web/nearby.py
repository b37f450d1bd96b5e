"""« Autres lieux proches » on the fiches: the nearest other places offering the same thématiques.

Distances are straight-line (great-circle) from the fiche's place(s): the
stored results keep travel times per population point, not between sites, and
``/api/plus-proches`` routes from one origin on a road graph that only
``mapapp compute`` builds, which a fiche must not depend on. The page says the
distance is « à vol d'oiseau ».
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mapapp import formats
from mapapp.catalog import vocab
from mapapp.catalog.freshness import months_before, stale_months
from mapapp.catalog.models import Offer, Site
from mapapp.network.build import haversine_m

#: How many alternatives a fiche lists.
NEARBY_COUNT = 5


@dataclass
class Alternative:
    site: Site
    distance_m: float
    offers: list[Offer] = field(default_factory=list)
    thematiques: list[str] = field(default_factory=list)  # French labels of the shared thématiques


def nearby_alternatives(session: Session, origins: Iterable[Site], thematiques: Iterable[str], *,
                        exclude_sites: Iterable[str] = (), exclude_offers: Iterable[str] = (),
                        n: int = NEARBY_COUNT) -> list[Alternative]:
    """The ``n`` nearest open sites (not excluded) with an open physical offer sharing a thématique.

    Distance: the smallest straight-line distance to any of ``origins``.
    """
    origins = [s for s in origins if s.lon is not None and s.lat is not None]
    wanted = set(thematiques)
    if not origins or not wanted:
        return []
    skip_sites, skip_offers = set(exclude_sites), set(exclude_offers)
    candidates: list[Alternative] = []
    sites = session.scalars(select(Site).where(Site.status != "closed")
                            .options(selectinload(Site.offers))).all()
    for site in sites:
        if site.id in skip_sites:
            continue
        offers = [o for o in site.offers if o.id not in skip_offers and o.status != "closed"
                  and o.delivery_mode in vocab.PHYSICAL_DELIVERY_MODES and wanted & set(o.thematiques or [])]
        if not offers:
            continue
        shared = [t for t in vocab.THEMATIQUES if any(t in (o.thematiques or []) for o in offers) and t in wanted]
        candidates.append(Alternative(site, 0.0, sorted(offers, key=lambda o: o.nom),
                                      [vocab.THEMATIQUES[t] for t in shared]))
    if not candidates:
        return []
    lon = np.array([c.site.lon for c in candidates])
    lat = np.array([c.site.lat for c in candidates])
    dist = np.min([haversine_m(lon, lat, o.lon, o.lat) for o in origins], axis=0)
    for c, d in zip(candidates, dist):
        c.distance_m = float(d)
    return sorted(candidates, key=lambda c: (c.distance_m, c.site.nom))[:n]


def distance_fr(metres: float) -> str:
    """``850`` → « 850 m », ``12345`` → « 12,3 km » (straight-line distances on the fiches)."""
    if metres < 1000:
        return f"{round(metres / 10) * 10:.0f}\u00a0m"
    return f"{formats.number(metres / 1000, 1)}\u00a0km"


@dataclass(frozen=True)
class Verification:
    """When a record was last confirmed, and whether that is past the freshness limit."""

    date: dt.date | None
    months: int
    stale: bool


def verification(record, today: dt.date | None = None) -> Verification:
    """The record's ``date_verification`` against :func:`mapapp.catalog.freshness.stale_months`."""
    months = stale_months()
    limit = months_before(today or dt.date.today(), months)
    checked = record.date_verification
    return Verification(checked, months, checked is None or checked < limit)

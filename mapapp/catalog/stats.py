"""Counts of the catalog by family, for the home page and reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mapapp.catalog import vocab
from mapapp.catalog.models import Commune, MobilitySolution, Offer, PopulationPoint, Site, Territory

#: Site kinds grouped into the families shown to users.
SITE_FAMILIES: dict[str, tuple[str, ...]] = {
    "Département": ("departement_siege", "departement_antenne", "departement_permanence"),
    "France Services": ("france_services", "france_services_itinerant_stop"),
    "Partenaires": ("partner", "other"),
}


@dataclass
class CatalogStats:
    territory: Territory | None
    communes: int
    buffer_communes: int
    population: int
    population_points: int
    sites_by_family: dict[str, int]
    sites_by_kind: dict[str, int]
    offers: int
    offers_by_category: dict[str, int]
    offers_by_delivery_mode: dict[str, int]
    mobility_by_kind: dict[str, int]


def catalog_stats(session: Session) -> CatalogStats:
    territory = session.scalar(select(Territory))
    communes = session.scalar(select(func.count()).where(Commune.is_buffer.is_(False))) or 0
    buffer = session.scalar(select(func.count()).where(Commune.is_buffer.is_(True))) or 0
    population = session.scalar(select(func.coalesce(func.sum(Commune.population), 0)).where(Commune.is_buffer.is_(False)))
    points = session.scalar(select(func.count()).select_from(PopulationPoint)) or 0
    by_kind = dict(session.execute(select(Site.kind, func.count()).group_by(Site.kind)).all())
    by_family = {fam: sum(by_kind.get(k, 0) for k in kinds) for fam, kinds in SITE_FAMILIES.items()}
    categories: Counter = Counter()
    delivery: Counter = Counter()
    n_offers = 0
    for thematiques, mode in session.execute(select(Offer.thematiques, Offer.delivery_mode)):
        n_offers += 1
        delivery[mode] += 1
        for cat in {vocab.category_of(t) for t in thematiques or []}:
            categories[cat] += 1
    mobility = dict(session.execute(select(MobilitySolution.kind, func.count()).group_by(MobilitySolution.kind)).all())
    return CatalogStats(
        territory=territory, communes=communes, buffer_communes=buffer, population=int(population or 0),
        population_points=points, sites_by_family=by_family, sites_by_kind=by_kind, offers=n_offers,
        offers_by_category=dict(sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))),
        offers_by_delivery_mode=dict(delivery), mobility_by_kind=mobility,
    )

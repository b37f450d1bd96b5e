"""The catalog seen from one unit: sites, offers and mobility solutions there, counts by family, freshness.

Counting rules, the engine's (:mod:`mapapp.access.themes`):

- a site or an offer is *open* when its status is ``active`` or
  ``experimental``; planned, temporarily closed and closed ones are counted
  apart, never as presence;
- an offer is *present* in a unit when it is on site or itinerant and open,
  at an open site of one of the unit's communes;
- remote and département-wide offers are never presence: they are counted
  apart, when their zone d'éligibilité covers at least one commune of the unit.

Freshness: a record is *to verify* when a person has never confirmed it
(``date_verification`` empty) or last did so more than ``stale_months``
calendar months before ``today``. Closed records are archives and left out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mapapp.access.eligibility import ZoneIndex
from mapapp.access.themes import OPEN_STATUSES, PRESENCE_MODES
from mapapp.catalog import vocab
from mapapp.catalog.models import MobilitySolution, Offer, Site, Structure
from mapapp.catalog.stats import SITE_FAMILIES

FAMILY_OF_KIND = {kind: family for family, kinds in SITE_FAMILIES.items() for kind in kinds}

#: French names of the record kinds in the freshness tables.
RECORD_KINDS = {"structure": "Structure", "site": "Lieu d'accueil", "offer": "Offre",
                "mobility": "Solution de mobilité"}


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    year, month = divmod(day.year * 12 + (day.month - 1) - months, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, d))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class UnitCatalog:
    """The catalog of one unit, as plain tables (no ORM object escapes).

    Attributes:
        sites: every site of the territory (buffer included): ``site_id, nom,
            kind, family, status, commune, lon, lat, structure, n_open_offers,
            in_unit, in_departement, date_verification, date_maj``.
        offers_present: open physical offers with an open site in the unit:
            ``offer_id, nom, structure, categories`` (list), ``delivery_mode``.
        offers_distance: open remote / département-wide offers open to the unit:
            ``offer_id, nom, structure, delivery_mode``.
        offers_not_open: offers of the unit (by site, or by zone for unlocated
            ones) that are planned, temporarily closed or closed: ``offer_id, status``.
        mobility: open mobility solutions concerning the unit: ``id, nom, kind,
            category, lon, lat, served_communes``.
        records: every record of the unit for freshness: ``kind, id, nom,
            structure, commune, status, date_verification, date_maj``.
    """

    sites: pd.DataFrame
    offers_present: pd.DataFrame
    offers_distance: pd.DataFrame
    offers_not_open: pd.DataFrame
    mobility: pd.DataFrame
    records: pd.DataFrame

    def sites_by_family(self) -> dict[str, int]:
        s = self.sites[self.sites["in_unit"] & self.sites["status"].isin(OPEN_STATUSES)]
        counts = Counter(s["family"])
        return {family: counts.get(family, 0) for family in SITE_FAMILIES}

    def offers_by_category(self) -> dict[str, int]:
        counts: Counter = Counter()
        for cats in self.offers_present["categories"]:
            counts.update(cats)
        return {c: counts[c] for c in sorted(counts, key=lambda c: (-counts[c], c))}

    def mobility_by_kind(self) -> dict[str, int]:
        counts = Counter(self.mobility["kind"])
        return {k: counts.get(k, 0) for k in vocab.MOBILITY_KINDS}


def unit_catalog(session: Session, unit_communes: set[str], departement_communes: set[str],
                 commune_epci: dict[str, str]) -> UnitCatalog:
    """Read the catalog and place it with respect to the unit's communes."""
    zones = ZoneIndex(pd.DataFrame({
        "commune": sorted(departement_communes),
        "epci": [commune_epci.get(c) for c in sorted(departement_communes)],
    }))

    def zone_covers_unit(codes) -> bool:
        expanded = zones.expand(codes)
        return expanded is None or bool(expanded & unit_communes)

    structures = {s.id: s for s in session.scalars(select(Structure))}
    sites = session.scalars(select(Site).order_by(Site.id)).all()
    offers = session.scalars(select(Offer).options(selectinload(Offer.sites)).order_by(Offer.id)).all()
    mobility = session.scalars(select(MobilitySolution).order_by(MobilitySolution.id)).all()

    open_offers_at: Counter = Counter()
    present, distance, not_open, records = [], [], [], []
    unit_structures: set[str] = set()
    for o in offers:
        struct = structures.get(o.structure_id)
        sname = struct.nom if struct else o.structure_id
        site_ids_in_unit = [s.id for s in o.sites if s.commune_code in unit_communes]
        physical = o.delivery_mode in PRESENCE_MODES
        concerns = bool(site_ids_in_unit) if physical else zone_covers_unit(o.zone_eligibilite)
        is_open = o.status in OPEN_STATUSES
        if physical and is_open:
            for s in o.sites:
                if s.status in OPEN_STATUSES:
                    open_offers_at[s.id] += 1
        if not concerns:
            continue
        unit_structures.add(o.structure_id)
        if o.status != "closed":
            records.append(("offer", o.id, o.nom, sname, site_ids_in_unit[0] if site_ids_in_unit else None,
                            o.status, o.date_verification, o.date_maj))
        if not is_open:
            not_open.append((o.id, o.status))
        elif physical:
            open_sites = [s for s in o.sites if s.commune_code in unit_communes and s.status in OPEN_STATUSES]
            if open_sites:
                present.append((o.id, o.nom, sname, sorted({vocab.category_of(t) for t in o.thematiques or []}),
                                o.delivery_mode))
        else:
            distance.append((o.id, o.nom, sname, o.delivery_mode))

    site_rows = []
    for s in sites:
        struct = structures.get(s.structure_id)
        in_unit = s.commune_code in unit_communes
        site_rows.append((s.id, s.nom, s.kind, FAMILY_OF_KIND.get(s.kind, "Partenaires"), s.status, s.commune_code,
                          s.lon, s.lat, struct.nom if struct else s.structure_id, open_offers_at.get(s.id, 0),
                          in_unit, s.commune_code in departement_communes, s.date_verification, s.date_maj))
        if in_unit:
            unit_structures.add(s.structure_id)
            if s.status != "closed":
                records.append(("site", s.id, s.nom, struct.nom if struct else s.structure_id, s.commune_code,
                                s.status, s.date_verification, s.date_maj))

    mob_rows = []
    for m in mobility:
        if m.kind == "point":
            concerns = m.commune_code in unit_communes
        elif m.kind == "area":
            concerns = bool(set(m.served_communes or []) & unit_communes)
        else:  # an aid is not located: it concerns every unit
            concerns = True
        if not concerns:
            continue
        struct = structures.get(m.structure_id)
        if m.status != "closed":
            records.append(("mobility", m.id, m.nom, struct.nom if struct else m.structure_id, m.commune_code,
                            m.status, m.date_verification, m.date_maj))
        if m.status in OPEN_STATUSES:
            mob_rows.append((m.id, m.nom, m.kind, m.category, m.lon, m.lat, list(m.served_communes or [])))

    for sid in sorted(unit_structures | {s.id for s in structures.values() if s.commune_code in unit_communes}):
        s = structures.get(sid)
        if s is not None:
            records.append(("structure", s.id, s.nom, s.nom, s.commune_code, "active", s.date_verification,
                            s.date_maj))

    return UnitCatalog(
        sites=pd.DataFrame(site_rows, columns=["site_id", "nom", "kind", "family", "status", "commune", "lon", "lat",
                                               "structure", "n_open_offers", "in_unit", "in_departement",
                                               "date_verification", "date_maj"]),
        offers_present=pd.DataFrame(present, columns=["offer_id", "nom", "structure", "categories", "delivery_mode"]),
        offers_distance=pd.DataFrame(distance, columns=["offer_id", "nom", "structure", "delivery_mode"]),
        offers_not_open=pd.DataFrame(not_open, columns=["offer_id", "status"]),
        mobility=pd.DataFrame(mob_rows, columns=["id", "nom", "kind", "category", "lon", "lat", "served_communes"]),
        records=pd.DataFrame(records, columns=["kind", "id", "nom", "structure", "commune", "status",
                                               "date_verification", "date_maj"]),
    )


def freshness(records: pd.DataFrame, today: dt.date, stale_months: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts per record kind and the list of records to verify.

    Returns:
        ``summary``: ``kind, total, never_verified, verified_before, up_to_date`` (one
        row per kind of :data:`RECORD_KINDS`); ``stale``: the records to verify,
        never-verified first, then the oldest verification first.
    """
    cutoff = months_before(today, stale_months)
    # Compare as Timestamps: ``.dt.date`` of an all-missing column stays datetime64 with
    # some pandas versions, and datetime64 cannot be compared with a ``date``.
    dates = pd.to_datetime(records["date_verification"].astype(object), errors="coerce")
    never = dates.isna()
    old = ~never & (dates < pd.Timestamp(cutoff))
    rows = []
    for kind in RECORD_KINDS:
        k = records["kind"] == kind
        rows.append((kind, int(k.sum()), int((k & never).sum()), int((k & old).sum()), int((k & ~never & ~old).sum())))
    summary = pd.DataFrame(rows, columns=["kind", "total", "never_verified", "verified_before", "up_to_date"])
    stale = records[never | old].copy()
    stale["never"] = never[never | old]
    kind_rank = {k: i for i, k in enumerate(RECORD_KINDS)}
    stale["_k"] = stale["kind"].map(kind_rank)
    stale["_d"] = dates[never | old]
    stale = stale.sort_values(["_k", "never", "_d", "nom"], ascending=[True, False, True, True])
    return summary, stale.drop(columns=["_k", "_d", "never"]).reset_index(drop=True)

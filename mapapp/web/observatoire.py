"""The observatoire's additions to the accessibility page: reference values and needs beside the figures.

- **References**: the imported reference values (:class:`~mapapp.catalog.models.ReferenceValue`)
  whose key is the page's indicator, « part des habitants au-delà du seuil »
  (:func:`mapapp.territory.references.share_beyond_key`), shown as
  « France métropolitaine : 5 % (source, 2021) ».
- **Needs**: for every imported need indicator (its latest year), the share of its
  beneficiaries beyond the threshold (:func:`mapapp.access.needs.need_shares`), beside the
  share of all inhabitants. Secret counts take no part (the number of communes left out is said).
"""

from __future__ import annotations

import math

import pandas as pd
from sqlalchemy.orm import Session

from mapapp.access.needs import need_shares
from mapapp.catalog.needs_store import need_series, read_need_counts, reference_values
from mapapp.formats import number
from mapapp.territory.references import format_reference, share_beyond_key


def number_fr(value, missing: str = "—") -> str:
    """A ratio with one decimal in French (« 2,5 »), ``missing`` when unknown."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return missing
    return missing if math.isnan(value) or math.isinf(value) else number(value, 1)


def references_for(session: Session, theme: str, mode: str, threshold: float) -> list[str]:
    """The formatted reference values of « share beyond ``threshold`` » for this theme and mode."""
    return [format_reference(r) for r in reference_values(session, share_beyond_key(theme, mode, threshold))]


def need_figures(session: Session, points: pd.DataFrame, threshold: float) -> list[dict]:
    """Per need indicator (latest year): ``label, year, share, need_beyond, n_secret`` for the whole territory.

    Only series by commune are used here (square series need the points' squares); an
    indicator whose published counts are all zero or absent gives no figure.
    """
    out = []
    seen = set()
    for series in need_series(session)[::-1]:  # latest year first
        if series.indicator in seen or series.zone_kind != "commune":
            continue
        seen.add(series.indicator)
        _, counts = read_need_counts(session, series.indicator, series.year)
        shares = need_shares(points, counts, threshold)
        whole = shares[shares["grid"] == "all"].iloc[0]
        if not isinstance(whole["share_need_beyond"], float) or math.isnan(whole["share_need_beyond"]):
            continue
        out.append({"label": series.label, "year": series.year, "share": whole["share_need_beyond"],
                    "need_beyond": whole["need_beyond"], "n_secret": int(whole["n_secret"])})
    return sorted(out, key=lambda f: f["label"].lower())


def _theme_of(spec: dict):
    from mapapp.access.themes import Theme

    return Theme(spec["key"], spec["label"], thematiques=spec.get("thematiques"), publics=spec.get("publics"),
                 networks=spec.get("networks"), site_kinds=spec.get("site_kinds"))


def _hours(expression) -> float:
    from mapapp.catalog.weekly_hours import weekly_hours

    try:
        value = weekly_hours(expression)
    except ValueError:
        return math.nan
    return math.nan if value is None else value


def theme_supply(session: Session, spec: dict) -> pd.DataFrame:
    """``offer_id, site_id, commune, weekly_hours`` of the theme's open on-site offers (offer hours, else the
    site's)."""
    from sqlalchemy import select

    from mapapp.access.themes import select_destinations
    from mapapp.catalog.frames import catalog_tables
    from mapapp.catalog.models import Offer, Site

    sites, offers = catalog_tables(session)
    chosen = select_destinations(offers, sites, _theme_of(spec))
    site_hours = dict(session.execute(select(Site.id, Site.horaires_accueil)).all())
    offer_hours = dict(session.execute(select(Offer.id, Offer.horaires_accueil)).all())
    commune = sites.set_index("site_id")["commune_code"]
    return pd.DataFrame({
        "offer_id": chosen["offer_id"], "site_id": chosen["site_id"],
        "commune": chosen["site_id"].map(commune).to_numpy(),
        "weekly_hours": [_hours(offer_hours.get(o) or site_hours.get(s))
                         for o, s in zip(chosen["offer_id"], chosen["site_id"])],
    })


def need_tables(session: Session, points: pd.DataFrame, spec: dict, threshold: float, grid: str,
                grids: pd.DataFrame, unit_names: dict) -> list[dict]:
    """Per need indicator (latest year, by commune): one row per unit of ``grid`` and the whole territory,
    with the share of beneficiaries beyond ``threshold`` and the theme's offers and weekly hours per 100."""
    from mapapp.access.needs import supply_per_100

    grids = grids[grids["grid"] == grid][["grid", "code", "commune"]] if grids is not None else None
    supply = None
    out, seen = [], set()
    for series in need_series(session)[::-1]:
        if series.indicator in seen or series.zone_kind != "commune":
            continue
        seen.add(series.indicator)
        _, counts = read_need_counts(session, series.indicator, series.year)
        supply = theme_supply(session, spec) if supply is None else supply
        shares = need_shares(points, counts, threshold, grids)
        ratios = supply_per_100(counts, supply[supply["commune"].isin(set(points["commune"]))], grids)
        table = shares.merge(ratios.drop(columns=["need_total", "n_secret"]), on=["grid", "code"], how="left")
        table["nom"] = [unit_names.get((g, c), c) for g, c in zip(table["grid"], table["code"])]
        rows = table[table["grid"] != "all"].sort_values("nom").to_dict("records")
        whole = table[table["grid"] == "all"].to_dict("records")
        out.append({"label": series.label, "year": series.year, "rows": rows, "whole": whole[0] if whole else None})
    return sorted(out, key=lambda t: t["label"].lower())

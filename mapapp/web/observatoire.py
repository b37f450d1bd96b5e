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
from mapapp.formats import number, percent
from mapapp.territory.references import share_beyond_key


def format_reference(ref) -> str:
    """« France métropolitaine : 5 % (Insee Première, 2021) »."""
    if ref.unit == "%":
        value = percent(ref.value / 100, 0 if float(ref.value).is_integer() else 1)
    elif ref.unit == "min":
        value = f"{number(ref.value)}\u00a0min"
    else:
        value = number(ref.value)
    return f"{ref.zone_label} : {value} ({ref.source}, {ref.year})"


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

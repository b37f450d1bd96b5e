"""The report's « Besoins et valeurs de référence » section (issue 16 §3–4).

For every imported need indicator (latest year, by commune) and every theme and
mode of the report, at the theme's main threshold: the share of the
beneficiaries beyond it in the unit and in the département, beside the share of
all inhabitants (:func:`mapapp.access.needs.need_shares`), and the reference
values whose key matches (:func:`mapapp.territory.references.share_beyond_key`).
Secret counts take no part (:mod:`mapapp.territory.needs`).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from mapapp.access.needs import need_shares
from mapapp.catalog.needs_store import need_series, read_need_counts, reference_values
from mapapp.results import ResultStore

NEED_COLUMNS = ["indicator", "label", "year", "theme", "mode", "threshold_min", "share_need_unit",
                "share_population_unit", "share_need_departement", "n_secret", "references"]


def build_needs(session: Session, store: ResultStore, themes, modes: list[str], unit_codes: set[str]) -> pd.DataFrame:
    """:data:`NEED_COLUMNS`, one row per indicator × theme × mode; empty when no need was imported."""
    from mapapp.territory.references import format_reference, share_beyond_key

    latest: dict[str, object] = {}
    for series in need_series(session):
        if series.zone_kind == "commune":
            latest[series.indicator] = series  # ordered by year: the last one wins
    rows = []
    for indicator, series in sorted(latest.items()):
        _, counts = read_need_counts(session, indicator, series.year)
        for mode in modes:
            points = store.table(mode, "points")
            for theme in themes:
                threshold = theme.main_min.get(mode)
                if threshold is None:
                    continue
                p = points[points["theme"] == theme.key]
                whole = need_shares(p, counts, threshold).iloc[-1]
                unit = need_shares(p[p["commune"].isin(unit_codes)], counts[counts["zone"].isin(unit_codes)],
                                   threshold).iloc[-1]
                refs = [format_reference(r) for r in reference_values(session, share_beyond_key(theme.key, mode,
                                                                                                threshold))]
                rows.append((indicator, series.label, series.year, theme.key, mode, threshold,
                             unit["share_need_beyond"], unit["share_population_beyond"], whole["share_need_beyond"],
                             int(unit["n_secret"]), " ; ".join(refs)))
    return pd.DataFrame(rows, columns=NEED_COLUMNS)


def needs_table(r) -> dict | None:
    """The section's table (French strings), or None when no need was imported."""
    from mapapp.formats import MODE_PHRASES
    from mapapp.formats import percent as fr_pct
    from mapapp.formats import threshold as fr_threshold
    from mapapp.reports.render import _table

    needs = getattr(r, "needs", None)
    if needs is None or needs.empty:
        return None
    labels = r.theme_labels
    rows = [[f"{n.label} ({n.year})", labels.get(n.theme, n.theme), f"{MODE_PHRASES.get(n.mode, n.mode)}, "
             f"{fr_threshold(n.threshold_min)}", fr_pct(n.share_need_unit), fr_pct(n.share_population_unit),
             fr_pct(n.share_need_departement), str(n.n_secret), n.references or "—"]
            for n in needs.itertuples(index=False)]
    return _table("Part des bénéficiaires au-delà du seuil principal, à côté de celle des habitants",
                  ["Indicateur", "Thème", "Mode et seuil", "Bénéficiaires au-delà (unité)", "Habitants au-delà (unité)",
                   "Bénéficiaires au-delà (département)", "Communes sous secret", "Références"],
                  rows, num=[False, False, False, True, True, True, True, False],
                  note="Effectifs agrégés par commune, répartis sur les points de population au prorata des "
                       "habitants ; les effectifs sous secret statistique (primaire et secondaire) ne "
                       "sont comptés nulle part.")

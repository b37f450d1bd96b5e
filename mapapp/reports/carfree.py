"""The report's « Sans voiture » section and export table (issue 17): car vs car-free, per commune.

Read from the stored ``sans_voiture`` results (:mod:`mapapp.compute_carfree`):
per theme of the report and commune of its unit, the mean time by car and
without a car, their gap, the means of most inhabitants and whether the
commune is *desservie seulement en voiture*. Nothing is routed here.
"""

from __future__ import annotations

import pandas as pd

from mapapp import formats

MEANS_FR = {"walk": "à pied", "bike": "à vélo", "transit": "car ou bus", "tad": "transport à la demande",
            "solidaire": "transport solidaire"}
COLUMNS = ["theme", "commune", "nom", "population_points", "car_mean_time_min", "mean_time_min", "gap_mean_min",
           "main_means", "car_only", "population_car_only"]


def carfree_rows(store, modes, unit_codes, themes, names: dict) -> pd.DataFrame | None:
    """The section's rows (:data:`COLUMNS`), or None when the car-free mode is not in the report's modes."""
    if "sans_voiture" not in modes:
        return None
    c = store.table("sans_voiture", "communes")
    if "car_only" not in c.columns:
        return None
    c = c[c["theme"].isin(list(themes)) & c["commune"].isin(set(unit_codes))].copy()
    c["nom"] = c["commune"].map(names).fillna(c["commune"])
    c["main_means"] = c["main_means"].map(lambda m: MEANS_FR.get(m, m) if isinstance(m, str) else None)
    rank = {t: i for i, t in enumerate(themes)}
    c = c.assign(_r=c["theme"].map(rank)).sort_values(["_r", "nom"]).drop(columns="_r")
    return c[COLUMNS].reset_index(drop=True)


def carfree_view(r) -> dict | None:
    """For the HTML/PDF report: the counts of car-only communes per theme and their list (short)."""
    rows = getattr(r, "carfree", None)
    if rows is None or rows.empty:
        return None
    labels = {t.key: t.label for t in r.themes}
    lines = []
    for theme, g in rows.groupby("theme", sort=False):
        only = g[g["car_only"] == 1]
        lines.append({"theme": labels.get(theme, theme), "n": int(len(only)),
                      "population": formats.integer(float(g["population_car_only"].sum())),
                      "communes": ", ".join(only["nom"].tolist()[:15]) + (" …" if len(only) > 15 else ""),
                      "gap": formats.minutes(float((g["gap_mean_min"] * g["population_points"]).sum()
                                                   / max(g["population_points"].sum(), 1.0)))})
    return {"lines": lines}


def merged_theme_specs(manifests: dict, modes) -> list[dict]:
    """The first mode's theme specs with every mode's thresholds (the car-free modes write theirs)."""
    first = manifests[modes[0]].themes
    out = []
    for spec in first:
        thr = dict(spec.get("thresholds") or {})
        for m in modes[1:]:
            for other in manifests[m].themes:
                if other["key"] == spec["key"]:
                    for mode, t in (other.get("thresholds") or {}).items():
                        thr.setdefault(mode, t)
        out.append({**spec, "thresholds": thr})
    return out

"""Need against supply per commune (bivariate classes) and territories cumulating vulnerability factors
(issue 16 §3), from stored results and imported need counts: plain tables, no routing.

**Need** of a commune: the beneficiaries of a need indicator per 100 inhabitants
(``count / population_points × 100``); a count under statistical secrecy is unknown,
never 0. **Supply**: the mean number of the theme's eligible sites within the main
threshold of its inhabitants (``mean_sites_within`` of the results: the *superposition*
indicator), which counts both distance and the density of the offer.

**Bivariate classes** (:func:`bivariate`): each axis cut in terciles over the communes
where it is known (1 = lowest third, 3 = highest), giving 3 × 3 classes
``need-supply`` (``3-1``: strong need, weak supply: the cell to look at first), drawn
with the usual 3 × 3 bivariate palette (:data:`BIVARIATE_COLOURS`). Communes with a
secret count or without inhabitants have no class.

**Vulnerability factors** per territory unit (:func:`vulnerability`): *distance* (its
share of inhabitants beyond the theme's main threshold in the highest tercile of the
units), *need* (beneficiaries per 100 inhabitants in the highest tercile), *supply*
(population-weighted mean of sites within reach in the lowest tercile). ``n_factors``
(0–3) counts them: a unit with 3 cumulates the three.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: ``(need class, supply class)`` → colour; rows need 1..3 (low → high), columns supply 1..3.
BIVARIATE_COLOURS = {
    (1, 1): "#e8e8e8", (1, 2): "#b0d5df", (1, 3): "#64acbe",
    (2, 1): "#e4acac", (2, 2): "#ad9ea5", (2, 3): "#627f8c",
    (3, 1): "#c85a5a", (3, 2): "#985356", (3, 3): "#574249",
}
CLASS_WORDS = {1: "faible", 2: "moyen", 3: "fort"}


def tercile_breaks(values) -> tuple[float, float] | None:
    """The two cuts of the terciles of the finite ``values`` (None when fewer than 3)."""
    v = np.asarray([x for x in values if x is not None and not pd.isna(x) and math.isfinite(float(x))], dtype=float)
    if len(v) < 3:
        return None
    return float(np.quantile(v, 1 / 3)), float(np.quantile(v, 2 / 3))


def tercile(value, breaks: tuple[float, float] | None) -> int | None:
    """1, 2 or 3 (``value <= low`` is 1, ``> high`` is 3); None when unknown."""
    if breaks is None or value is None or pd.isna(value) or not math.isfinite(float(value)):
        return None
    return 1 if value <= breaks[0] else (2 if value <= breaks[1] else 3)


def need_rates(communes: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """``commune, population, need, need_rate`` (per 100 inhabitants; NaN when secret or no inhabitant)."""
    published = counts[counts["secret"].isna()] if "secret" in counts.columns else counts
    need = communes["commune"].map(dict(zip(published["zone"], published["count"]))).astype(float)
    population = communes["population_points"].astype(float)
    rate = np.where(population > 0, need / population.where(population > 0) * 100.0, np.nan)
    return pd.DataFrame({"commune": communes["commune"].to_numpy(), "population": population.to_numpy(),
                         "need": need.to_numpy(), "need_rate": rate})


def bivariate(communes: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """Per commune of one theme's results: ``need_rate, supply, need_class, supply_class, colour``."""
    rates = need_rates(communes, counts)
    supply = communes["mean_sites_within"].astype(float).to_numpy()
    need_breaks, supply_breaks = tercile_breaks(rates["need_rate"]), tercile_breaks(supply)
    out = rates.assign(supply=supply)
    out["need_class"] = [tercile(v, need_breaks) for v in out["need_rate"]]
    out["supply_class"] = [tercile(v, supply_breaks) if p > 0 else None for v, p in zip(supply, out["population"])]
    out["colour"] = [BIVARIATE_COLOURS.get((n, s)) if n and s else None
                     for n, s in zip(out["need_class"], out["supply_class"])]
    out.attrs["need_breaks"], out.attrs["supply_breaks"] = need_breaks, supply_breaks
    return out


def vulnerability(territories: pd.DataFrame, communes: pd.DataFrame, counts: pd.DataFrame, members: pd.DataFrame,
                  grid: str) -> pd.DataFrame:
    """Per unit of ``grid`` (one theme's results): ``code, share_beyond_main, need_rate, supply``, a flag per
    factor (``f_distance, f_need, f_supply``) and ``n_factors``, most vulnerable first."""
    rates = need_rates(communes, counts).assign(supply=communes["mean_sites_within"].astype(float).to_numpy())
    m = members[members["grid"] == grid][["code", "commune"]].merge(rates, on="commune")
    rows = []
    for code, g in m.groupby("code", sort=True):
        known = g[g["need"].notna()]
        pop = g["population"].sum()
        need_rate = known["need"].sum() / known["population"].sum() * 100 if known["population"].sum() > 0 \
            else np.nan
        supply = (g["supply"] * g["population"]).sum() / pop if pop > 0 else np.nan
        rows.append((code, need_rate, supply, int(len(g) - len(known))))
    units = pd.DataFrame(rows, columns=["code", "need_rate", "supply", "n_secret"])
    share = territories[territories["grid"] == grid].set_index("code")["share_beyond_main"]
    units["share_beyond_main"] = units["code"].map(share).astype(float)
    d, n, s = (tercile_breaks(units[c]) for c in ("share_beyond_main", "need_rate", "supply"))
    units["f_distance"] = [tercile(v, d) == 3 for v in units["share_beyond_main"]]
    units["f_need"] = [tercile(v, n) == 3 for v in units["need_rate"]]
    units["f_supply"] = [tercile(v, s) == 1 for v in units["supply"]]
    units["n_factors"] = units[["f_distance", "f_need", "f_supply"]].sum(axis=1).astype(int)
    return units.sort_values(["n_factors", "share_beyond_main"], ascending=[False, False]).reset_index(drop=True)

"""Tables derived from the stored accessibility results for one theme, one mode and one threshold ``T``.

They read the :class:`~mapapp.web.access_data.Results` tables (columns:
:mod:`mapapp.access.indicators`); the commune and territory tables and the car
comparison are kept in its memo (:meth:`~mapapp.web.access_data.Results.memo`,
shared between requests: never modify them).

- **Any threshold.** At one of the theme's bands, inhabitants beyond ``T`` are
  the stored ``commune_bands`` / ``territory_bands``. At any other ``T`` (45 min
  when the bands stop at 30) they are summed from the stored per-point times
  (``points``: ``population`` where ``time_min > T``, unreachable included) —
  the same rule the engine applies to its bands (tested equal at the bands).

- **Zone blanche at T.** The stored ``zone_blanche`` is for the theme's *main*
  threshold. For another band ``T`` it is derived from ``commune_bands``: a
  commune is a zone blanche at ``T`` when it has inhabitants and all of them
  are beyond ``T`` (``population_beyond == population_points``, i.e.
  ``share_beyond == 1``), unreachable inhabitants included. At the main
  threshold both rules give the same communes (tested).
- **Superposition des offres** (overlap) is stored for the main threshold
  only (``mean_sites_within``, ``share_population_2plus``): views say so.
- **Car versus no car** at ``T``: per population point (same points in every
  mode), within ``T`` by car and beyond ``T`` on foot (or bike) gives the
  *inhabitants covered only by car*. A commune is *desservie seulement en
  voiture* when it is not a zone blanche by car at ``T`` and is one on foot
  (or bike) at ``T``: someone can drive there within ``T``, nobody can walk.
- Times are minutes; ``inf`` means unreachable and is never shown as a number;
  a commune with inhabitants none of whom can reach an eligible site has
  ``mean_time_min = NaN`` and the status ``injoignable``; one without
  inhabitant in the population points has the status ``sans_habitant``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mapapp import formats
from mapapp.web.access_data import (
    ALL,
    CAR_ONLY,
    COVERED_WITHOUT_CAR,
    MODE_PARAM,
    MODE_PHRASE,
    NO_POPULATION,
    NOT_COVERED,
    OK,
    UNREACHABLE,
    AccessError,
    Results,
    grid_order,
    is_number,
)


# --------------------------------------------------------------------------- communes


def commune_status(population_points, population_reachable) -> str:
    if not is_number(population_points) or population_points <= 0:
        return NO_POPULATION
    if not is_number(population_reachable) or population_reachable <= 0:
        return UNREACHABLE
    return OK


def _zone_blanche(pop: np.ndarray, beyond: np.ndarray) -> np.ndarray:
    """object array of True/False/None: all inhabitants beyond (None without inhabitant)."""
    out = np.where(beyond >= pop, True, False).astype(object)
    out[~(pop > 0)] = None
    return out


def commune_table(results: Results, mode: str, theme: str, threshold: float, main: float) -> pd.DataFrame:
    """One row per commune of the département: the stored indicators plus those at ``threshold``.

    Added columns: ``population_beyond``, ``share_beyond`` (at the threshold),
    ``zone_blanche_t`` (True/False/None), ``status`` (ok, injoignable, sans_habitant).
    Shared between requests (:meth:`Results.memo`): do not modify it.
    """
    return results.memo(("communes", mode, theme, threshold, main),
                        lambda: _commune_table(results, mode, theme, threshold, main))


def commune_beyond(results: Results, mode: str, theme: str, threshold: float) -> pd.DataFrame:
    """Per commune (index): ``population_beyond``, ``share_beyond`` at ``threshold`` (any value, see module doc)."""
    bands = results.table(mode, "commune_bands", theme)
    at = bands[np.isclose(bands["threshold_min"].to_numpy(dtype=float), threshold)]
    if len(at):
        return at.set_index("commune")[["population_beyond", "share_beyond"]]
    return results.memo(("beyond", mode, theme, threshold), lambda: _beyond_from_points(results, mode, theme,
                                                                                        threshold))


def _beyond_from_points(results: Results, mode: str, theme: str, threshold: float) -> pd.DataFrame:
    points = results.table(mode, "points", theme)
    w = points["population"].to_numpy(dtype=float)
    beyond = w * (points["time_min"].to_numpy(dtype=float) > threshold)  # inf (unreachable) is beyond
    frame = pd.DataFrame({"commune": points["commune"].to_numpy(), "pop": w, "population_beyond": beyond})
    sums = frame.groupby("commune").sum()
    communes = results.table(mode, "communes", theme)["commune"]
    sums = sums.reindex(communes, fill_value=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sums["share_beyond"] = np.where(sums["pop"] > 0, sums["population_beyond"] / sums["pop"].where(
            sums["pop"] > 0, 1.0), np.nan)
    return sums[["population_beyond", "share_beyond"]]


def _commune_table(results: Results, mode: str, theme: str, threshold: float, main: float) -> pd.DataFrame:
    communes = results.table(mode, "communes", theme).reset_index(drop=True)
    at = commune_beyond(results, mode, theme, threshold)
    if not communes["commune"].isin(at.index).all():
        raise AccessError(f"seuil de {formats.threshold(threshold)} absent des résultats : relancez « mapapp compute »",
                          404)
    out = communes.copy()
    out["population_beyond"] = at["population_beyond"].reindex(out["commune"]).to_numpy(dtype=float)
    out["share_beyond"] = at["share_beyond"].reindex(out["commune"]).to_numpy(dtype=float)
    pop = out["population_points"].to_numpy(dtype=float)
    if abs(threshold - main) < 1e-9:
        zb = np.array([None if pd.isna(v) else bool(v) for v in out["zone_blanche"]], dtype=object)
    else:
        zb = _zone_blanche(pop, out["population_beyond"].to_numpy(dtype=float))
    out["zone_blanche_t"] = zb
    # object dtype: with pandas 3 a string column turns None back into NaN, which templates take for an id
    out["nearest_site_id"] = pd.Series([v if isinstance(v, str) and v else None for v in out["nearest_site_id"]],
                                       index=out.index, dtype=object)
    out["status"] = [commune_status(p, r) for p, r in zip(out["population_points"], out["population_reachable"])]
    return out


def territory_table(results: Results, mode: str, theme: str, threshold: float, grid: str,
                    members: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``grid`` (and the whole département, ``grid = code = "all"``, last) at ``threshold``.

    Args:
        members: ``grid, code, nom, commune`` (:func:`mapapp.catalog.territory_store.read_grids`).
        communes: :func:`commune_table` for the same theme, mode and threshold
            (for the number of zones blanches at the threshold).

    Columns: the stored ``territories`` ones, ``nom``, ``population_beyond``,
    ``share_beyond`` (at the threshold) and ``n_zones_blanches_t``. Shared
    between requests (:meth:`Results.memo`, keyed by the grids' content too): do not modify it.
    """
    grids_key = hashlib.sha256(pd.util.hash_pandas_object(members, index=False).to_numpy().tobytes()).hexdigest()
    return results.memo(("territories", mode, theme, threshold, grid, grids_key),
                        lambda: _territory_table(results, mode, theme, threshold, grid, members, communes))


def _territory_table(results: Results, mode: str, theme: str, threshold: float, grid: str,
                     members: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    terr = results.table(mode, "territories", theme)
    rows = terr[(terr["grid"] == grid) | (terr["grid"] == ALL)].copy()
    if not (rows["grid"] == grid).any():
        raise AccessError(f"découpage « {grid} » inconnu dans les résultats", 400)
    bands = results.table(mode, "territory_bands", theme)
    at = bands[np.isclose(bands["threshold_min"].to_numpy(dtype=float), threshold)
               & ((bands["grid"] == grid) | (bands["grid"] == ALL))]
    key = pd.MultiIndex.from_frame(rows[["grid", "code"]])
    m = members[members["grid"] == grid]
    if len(at):
        at = at.set_index(["grid", "code"])
        rows["population_beyond"] = at["population_beyond"].reindex(key).to_numpy(dtype=float)
        rows["share_beyond"] = at["share_beyond"].reindex(key).to_numpy(dtype=float)
    else:  # a threshold outside the bands: the units' sums of their communes (from the points)
        beyond = communes.set_index("commune")["population_beyond"]
        per_unit = m.assign(b=m["commune"].map(beyond).fillna(0.0)).groupby("code")["b"].sum()
        rows["population_beyond"] = np.where(rows["grid"] == ALL, float(beyond.sum()),
                                             rows["code"].map(per_unit).fillna(0.0).to_numpy(dtype=float))
        pop = rows["population_points"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            rows["share_beyond"] = np.where(pop > 0, rows["population_beyond"].to_numpy(dtype=float)
                                            / np.where(pop > 0, pop, 1.0), np.nan)
    zb = communes.set_index("commune")["zone_blanche_t"].map(lambda v: v is True)
    per_unit = m.assign(zb=m["commune"].map(zb).fillna(False).astype(bool)).groupby("code")["zb"].sum()
    names = m.drop_duplicates("code").set_index("code")["nom"]
    is_all = rows["grid"] == ALL
    rows["n_zones_blanches_t"] = np.where(is_all, int(zb.sum()),
                                          rows["code"].map(per_unit).fillna(0).to_numpy()).astype(int)
    rows["nom"] = np.where(is_all, "Ensemble du département", rows["code"].map(names).fillna(rows["code"]))
    rows = pd.concat([rows[~is_all].sort_values("nom", key=lambda s: s.str.lower()), rows[is_all]])
    return rows.reset_index(drop=True)


def available_grids(results: Results, mode: str, theme: str) -> list[str]:
    terr = results.table(mode, "territories", theme)
    return grid_order(g for g in terr["grid"].unique() if g != ALL)


# --------------------------------------------------------------------------- car versus no car


@dataclass
class Comparison:
    """Per commune: car versus ``other`` mode at one threshold (see the module doc)."""

    other: str
    threshold: float
    table: pd.DataFrame  # commune, population_points, within_car, within_other, car_only_population, class

    def counts(self) -> dict[str, int]:
        return self.table["class"].value_counts().to_dict()


def compare_car(results: Results, theme: str, threshold: float, other: str) -> Comparison:
    """Communes and inhabitants within ``threshold`` by car but not by ``other`` (walk or bike).

    Shared between requests (:meth:`Results.memo`): do not modify it.

    Raises:
        AccessError: 404 when a mode is missing or the two modes' points differ
            (results computed from different territories).
    """
    return results.memo(("compare", theme, threshold, other), lambda: _compare_car(results, theme, threshold, other))


def _compare_car(results: Results, theme: str, threshold: float, other: str) -> Comparison:
    for m in ("car", other):
        if m not in results.modes:
            raise AccessError(f"aucun résultat pour le mode « {MODE_PARAM.get(m, m)} » : lancez « mapapp compute »",
                              404)
        results.theme_in(m, theme)
    cols = ["point_id", "commune", "population", "time_min"]
    car = results.table("car", "points", theme)[cols]
    alt = results.table(other, "points", theme)[cols]
    merged = car.merge(alt, on=["point_id", "commune"], how="outer", suffixes=("_car", "_alt"), indicator=True)
    if (merged["_merge"] != "both").any() or not np.allclose(merged["population_car"], merged["population_alt"]):
        raise AccessError("les résultats voiture et " + MODE_PHRASE.get(other, other) + " ne portent pas sur les "
                          "mêmes points de population : relancez « mapapp compute » pour tous les modes", 404)
    w = merged["population_car"].to_numpy(dtype=float)
    in_car = merged["time_min_car"].to_numpy(dtype=float) <= threshold
    in_alt = merged["time_min_alt"].to_numpy(dtype=float) <= threshold
    frame = pd.DataFrame({"commune": merged["commune"].to_numpy(), "population_points": w,
                          "within_car": w * in_car, "within_other": w * in_alt,
                          "car_only_population": w * (in_car & ~in_alt)})
    table = frame.groupby("commune", sort=True).sum().reset_index()
    pop = table["population_points"].to_numpy()
    zb_car = table["within_car"].to_numpy() <= 0
    zb_alt = table["within_other"].to_numpy() <= 0
    table["class"] = np.select([~(pop > 0), ~zb_alt, ~zb_car], [NO_POPULATION, COVERED_WITHOUT_CAR, CAR_ONLY],
                               NOT_COVERED)
    with np.errstate(invalid="ignore", divide="ignore"):
        for col in ("within_car", "within_other", "car_only_population"):
            table["share_" + col] = np.where(pop > 0, table[col] / np.where(pop > 0, pop, 1), np.nan)
    return Comparison(other, threshold, table)


# --------------------------------------------------------------------------- fiches


def commune_access(results: Results, code: str) -> list[dict]:
    """For the fiche commune: per theme, per computed mode, the commune's row (``None`` if absent).

    Each item: ``{"theme": spec, "modes": {mode: dict | None}}``; a mode's dict
    has the stored columns plus ``status`` and ``main_min``.
    """
    by_mode: dict[str, dict[str, dict]] = {}
    for mode in results.modes:
        df = results.store.table(mode, "communes")
        rows = df[df["commune"] == code]
        by_mode[mode] = {r["theme"]: r for r in rows.to_dict("records")}
    out = []
    for spec in results.themes:
        modes = {}
        for mode in results.modes:
            row = by_mode[mode].get(spec["key"])
            if row is not None:
                row = dict(row, status=commune_status(row["population_points"], row["population_reachable"]))
                zb = row.get("zone_blanche")
                row["zone_blanche"] = None if zb is None or pd.isna(zb) else bool(zb)
            modes[mode] = row
        if any(v is not None for v in modes.values()):
            out.append({"theme": spec, "modes": modes})
    return out


def site_access(results: Results, site_id: str, mode: str) -> pd.DataFrame:
    """The ``sites`` rows of ``site_id`` for ``mode``, one per theme it serves, in the themes' order."""
    df = results.store.table(mode, "sites")
    rows = df[df["site_id"] == site_id]
    order = {t["key"]: i for i, t in enumerate(results.themes)}
    return rows.assign(_o=rows["theme"].map(order).fillna(len(order))).sort_values("_o").drop(columns="_o")


def site_detail(results: Results, site_id: str, mode: str, theme: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(catchment bands, communes whose inhabitants have it nearest) of a site for one theme."""
    bands = results.table(mode, "site_bands", theme)
    bands = bands[bands["site_id"] == site_id].sort_values("threshold_min")
    communes = results.table(mode, "site_communes", theme)
    communes = communes[communes["site_id"] == site_id].sort_values(["population", "commune"],
                                                                      ascending=[False, True])
    return bands, communes

"""Population-weighted access indicators, from per-point times to communes, territories and sites.

Conventions (every table):

- times are in **minutes** (``_min``), float, not rounded; an unreachable
  point has ``time_min = inf`` (never 0, never a large finite number);
- *within* a threshold ``T`` means ``time <= T``; *beyond* means ``time > T``
  (strictly). Unreachable inhabitants are beyond every threshold;
- means of times are over the **reachable** population only; the unreachable
  population is always reported beside them (``population_unreachable``);
- shares are fractions in [0, 1] of ``population_points`` (the inhabitants
  carried by the population points), ``NaN`` when that is 0;
- the second-nearest columns are ``NaN`` when the run did not compute them
  (``second_nearest=False``), never a guess;
- a commune is a **zone blanche** when it has inhabitants and none of them is
  within the theme's main threshold of an eligible site
  (``population_points > 0`` and ``share_beyond_main == 1``); ``<NA>`` when
  it has no inhabitant in the points. ``share_beyond_main`` allows softer rules.

Tables, one row per (theme, ...), each also with ``mode`` and ``theme`` columns:

points: ``point_id, commune, population, snapped, time_min, site_id,
second_time_min, second_site_id, n_sites_within`` (sites within the main
threshold; second = nearest site other than ``site_id``).

communes: ``commune, population`` (official, if given), ``population_points,
population_reachable, population_unreachable, population_unsnapped,
mean_time_min, main_threshold_min, population_beyond_main, share_beyond_main,
zone_blanche, nearest_site_id`` (the site nearest for most inhabitants),
``n_eligible_sites, mean_second_time_min, population_without_second,
mean_sites_within, share_population_2plus`` (within the main threshold of 2
sites or more: *superposition*), ``n_sites_reaching`` (distinct sites within
the main threshold of at least one inhabited point), and for the main point
(town hall), ``main_point_time_min, main_point_site_id,
main_point_second_time_min, main_point_n_sites_within``.

commune_bands / territory_bands: ``commune`` (or ``grid, code``),
``threshold_min, population_beyond, share_beyond``.

territories: ``grid, code, n_communes, population_points, population_reachable,
population_unreachable, mean_time_min, main_threshold_min,
population_beyond_main, share_beyond_main, n_zones_blanches,
mean_second_time_min``; the whole territory is ``grid = code = "all"``.

sites: ``site_id, snapped, population_nearest`` (inhabitants whose nearest
site it is), ``mean_time_min`` (theirs), ``population_nearest_within_main,
n_communes_nearest, population_reached`` (within the main threshold of it,
nearest or not), ``population_only_site`` (within the main threshold of it and
of no other eligible site: what closing it would uncover).

site_bands: ``site_id, threshold_min, population_nearest_within`` (catchment
by time band). site_communes: ``site_id, commune, population, mean_time_min``
(inhabitants of the commune whose nearest site it is).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

ALL = "all"


@dataclass(frozen=True, eq=False)
class Territory:
    """Theme-independent arrays of one run.

    Attributes:
        point_id, point_commune (int index into ``commune``), population,
            point_snapped: per population point.
        commune: commune codes; commune_population: official figures or NaN.
        has_main_point: whether the communes table gave a main point.
        site_id, site_snapped: per site (row of the sites table).
        units: ``grid, code`` of each territory unit, the whole territory last.
        unit_matrix: sparse (n_units, n_communes), 1 where the commune is in the unit.
    """

    point_id: np.ndarray
    point_commune: np.ndarray
    population: np.ndarray
    point_snapped: np.ndarray
    commune: np.ndarray
    commune_population: np.ndarray
    has_main_point: bool
    site_id: np.ndarray
    site_snapped: np.ndarray
    units: pd.DataFrame
    unit_matrix: sp.csr_matrix


def unit_matrix(grids: pd.DataFrame, n_communes: int) -> tuple[pd.DataFrame, sp.csr_matrix]:
    """Units and membership matrix from ``grid, code, commune_index`` rows, plus the whole territory."""
    g = grids[["grid", "code", "commune_index"]].drop_duplicates()
    units = g[["grid", "code"]].drop_duplicates().sort_values(["grid", "code"]).reset_index(drop=True)
    row = pd.MultiIndex.from_frame(units).get_indexer(pd.MultiIndex.from_frame(g[["grid", "code"]]))
    n = len(units)
    units = pd.concat([units, pd.DataFrame({"grid": [ALL], "code": [ALL]})], ignore_index=True)
    rows = np.r_[row, np.full(n_communes, n)]
    cols = np.r_[g.commune_index.to_numpy(dtype=np.int64), np.arange(n_communes)]
    return units, sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n + 1, n_communes))


@dataclass(frozen=True, eq=False)
class ThemeTimes:
    """Per-theme values, in seconds, at the points (``p_``) and main points (``m_``)."""

    p_time_s: np.ndarray
    p_site: np.ndarray
    p_second_s: np.ndarray
    p_second_site: np.ndarray
    p_n_within: np.ndarray
    m_time_s: np.ndarray
    m_site: np.ndarray
    m_second_s: np.ndarray
    m_n_within: np.ndarray
    pairs_within: tuple[np.ndarray, np.ndarray]  # (point, site) eligible, within main threshold
    site_rows: np.ndarray  # sites eligible for at least one commune
    n_eligible_sites: np.ndarray  # per commune
    has_second: bool = True  # False: second nearest not computed, reported as NaN
    m_second_site: np.ndarray | None = None  # main points' second site (what-if updates, not reported)
    m_pairs_within: tuple[np.ndarray, np.ndarray] | None = None  # (main point, site) within main threshold

#: Columns that are NaN when the second nearest site was not computed (``second_nearest=False``).
SECOND_COLUMNS = {"points": ("second_time_min", "second_site_id"),
                  "communes": ("mean_second_time_min", "population_without_second", "main_point_second_time_min"),
                  "territories": ("mean_second_time_min",)}


@dataclass(frozen=True, eq=False)
class Coded:
    """A text column as codes into a few values (``-1``: missing): ``values[codes]``.

    :func:`frame_from_parts` turns the values (not every row) into pandas
    strings and takes them by code: building pandas' Arrow strings one Python
    string per row was ~15 % of a compute (issue 15).
    """

    codes: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    def array(self) -> np.ndarray:
        """The column as an object array (``None`` where missing)."""
        if len(self.values) == 0:
            return np.full(len(self.codes), None, dtype=object)
        return np.where(self.codes >= 0, self.values[np.maximum(self.codes, 0)], None)


def _ids(ids: np.ndarray, rows: np.ndarray) -> Coded:
    """Site ids of ``rows`` (``-1``: no site, ``None``); works when there is no site at all."""
    return Coded(np.asarray(rows, dtype=np.int64), ids)


def _coded_column(values: list) -> object | None:
    """One pandas column from per-theme :class:`Coded` columns and text scalars, or None when they are not text."""
    vocab, codes, offset, seen = [], [], 0, {}
    for v, n in values:
        if isinstance(v, Coded):
            key = id(v.values)
            if key not in seen:
                seen[key] = offset
                vocab.append(np.asarray(v.values, dtype=object))
                offset += len(v.values)
            codes.append(np.where(v.codes >= 0, v.codes + seen[key], -1))
        else:
            vocab.append(np.array([v], dtype=object))
            codes.append(np.full(n, offset, dtype=np.int64))
            offset += 1
    words = np.concatenate(vocab)
    if words.size == 0 or not all(isinstance(w, str) for w in words):
        return None
    typed = pd.Series(words).array
    if not isinstance(typed.dtype, pd.StringDtype):
        return None
    return typed.take(np.concatenate(codes), allow_fill=True)


def _div(a, b):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def _sums(idx, n, weight, values_by_name):
    return {k: np.bincount(idx, weights=weight * v, minlength=n) for k, v in values_by_name.items()}


Columns = dict  # column name -> array (one value per row) or scalar (same for every row)


def frame_from_parts(parts: list[Columns]) -> pd.DataFrame:
    """One DataFrame from the column dicts of several themes (built once: pandas is slow per frame)."""
    if not parts:
        return pd.DataFrame({"mode": [], "theme": []})
    sizes = [next(len(v) for v in p.values() if isinstance(v, (np.ndarray, list, Coded))) for p in parts]
    cols = {}
    for name in parts[0]:
        if all(isinstance(p[name], (Coded, str)) for p in parts) and \
                any(isinstance(p[name], Coded) for p in parts) or all(isinstance(p[name], str) for p in parts):
            col = _coded_column([(p[name], n) for p, n in zip(parts, sizes)])
            if col is not None:
                cols[name] = col
                continue
        values = [p[name].array() if isinstance(p[name], Coded) else
                  p[name] if isinstance(p[name], (np.ndarray, list)) else
                  np.full(n, p[name], dtype=object if isinstance(p[name], str) else None)
                  for p, n in zip(parts, sizes)]
        col = np.concatenate(values) if values else np.zeros(0)
        if col.dtype.kind == "U":  # fixed-width numpy text converts to pandas strings 3x slower than objects
            col = col.astype(object)
        if name == "zone_blanche":  # 1 / 0 / NaN -> nullable boolean
            col = pd.arrays.BooleanArray(np.nan_to_num(col.astype(float)) == 1, np.isnan(col.astype(float)))
        cols[name] = col
    return pd.DataFrame(cols)


def theme_tables(terr: Territory, tt: ThemeTimes, mode: str, theme: str, main_min: float,
                 bands_min: tuple[float, ...]) -> dict[str, Columns]:
    """All indicator tables of one (mode, theme), as column dicts (see :func:`frame_from_parts`)."""
    w, ci, nc = terr.population, terr.point_commune, len(terr.commune)
    t = tt.p_time_s
    reach = np.isfinite(t)
    t0 = np.where(reach, t, 0.0)
    t2 = tt.p_second_s
    has2 = np.isfinite(t2)
    main_s = main_min * 60.0
    s = _sums(ci, nc, w, {
        "population_points": 1.0, "population_reachable": reach, "time_s": t0,
        "population_unsnapped": ~terr.point_snapped, "within_main": t <= main_s,
        "population_with_second": has2, "second_s": np.where(has2, t2, 0.0),
        "sites_within": tt.p_n_within, "two_plus": tt.p_n_within >= 2})
    for b in bands_min:
        s[b] = np.bincount(ci, weights=w * (t > b * 60.0), minlength=nc)
    # site nearest for most inhabitants of each commune (ties: the smallest site row)
    ns = len(terr.site_id)
    ok = (tt.p_site >= 0) & (w > 0)
    key, inv = np.unique(ci[ok] * ns + tt.p_site[ok], return_inverse=True)
    wsum = np.bincount(inv, weights=w[ok])
    order = np.lexsort((key % ns, -wsum, key // ns))
    com, site = (key // ns)[order], (key % ns)[order]
    first = np.ones(com.size, dtype=bool)
    first[1:] = com[1:] != com[:-1]
    nearest = np.full(nc, -1)
    nearest[com[first]] = site[first]
    # distinct sites within the main threshold of an inhabited point
    pp, ps = tt.pairs_within
    inhabited = w[pp] > 0
    n_reaching = np.bincount(np.unique(ci[pp[inhabited]] * ns + ps[inhabited]) // ns, minlength=nc)
    pop = s["population_points"]
    beyond_main = s[main_min]
    zb = np.where(pop > 0, (s["within_main"] <= 0).astype(float), np.nan)  # 1 / 0 / NaN (no inhabitant)
    communes = {
        "mode": mode, "theme": theme, "commune": terr.commune, "population": terr.commune_population,
        "population_points": pop, "population_reachable": s["population_reachable"],
        "population_unreachable": pop - s["population_reachable"],
        "population_unsnapped": s["population_unsnapped"],
        "mean_time_min": _div(s["time_s"], s["population_reachable"]) / 60.0,
        "main_threshold_min": main_min, "population_beyond_main": beyond_main,
        "share_beyond_main": _div(beyond_main, pop), "zone_blanche": zb,
        "nearest_site_id": _ids(terr.site_id, nearest), "n_eligible_sites": tt.n_eligible_sites,
        "mean_second_time_min": _div(s["second_s"], s["population_with_second"]) / 60.0,
        "population_without_second": pop - s["population_with_second"],
        "mean_sites_within": _div(s["sites_within"], pop), "share_population_2plus": _div(s["two_plus"], pop),
        "n_sites_reaching": n_reaching,
    }
    if terr.has_main_point:
        communes["main_point_time_min"] = tt.m_time_s / 60.0
        communes["main_point_site_id"] = _ids(terr.site_id, tt.m_site)
        communes["main_point_second_time_min"] = tt.m_second_s / 60.0
        communes["main_point_n_sites_within"] = tt.m_n_within
    beyond = np.stack([s[b] for b in bands_min], axis=1).ravel()
    commune_bands = {
        "mode": mode, "theme": theme, "commune": np.repeat(terr.commune, len(bands_min)),
        "threshold_min": np.tile(np.asarray(bands_min, dtype=float), nc),
        "population_beyond": beyond, "share_beyond": _div(beyond, np.repeat(pop, len(bands_min))),
    }
    points = {
        "mode": mode, "theme": theme, "point_id": terr.point_id, "commune": Coded(ci, terr.commune),
        "population": w, "snapped": terr.point_snapped, "time_min": t / 60.0,
        "site_id": _ids(terr.site_id, tt.p_site), "second_time_min": t2 / 60.0,
        "second_site_id": _ids(terr.site_id, tt.p_second_site), "n_sites_within": tt.p_n_within,
    }
    territories, territory_bands = _territories(terr, s, zb, mode, theme, main_min, bands_min)
    sites, site_bands, site_communes = _sites(terr, tt, mode, theme, main_s, bands_min)
    out = {"points": points, "communes": communes, "commune_bands": commune_bands,
           "territories": territories, "territory_bands": territory_bands, "sites": sites,
           "site_bands": site_bands, "site_communes": site_communes}
    if not tt.has_second:
        for name, cols in SECOND_COLUMNS.items():
            n = len(out[name]["population_points" if name != "points" else "population"])
            for c in cols:
                if c in out[name]:
                    out[name][c] = np.full(n, None if c.endswith("_id") else np.nan, dtype=object if
                                           c.endswith("_id") else float)
    return out


def _territories(terr, s, zb, mode, theme, main_min, bands_min):
    cols = ["population_points", "population_reachable", "time_s", "population_with_second", "second_s"]
    per = np.stack([s[k] for k in cols] + [np.nan_to_num(zb), np.ones(len(zb))]
                   + [s[b] for b in bands_min], axis=1)
    agg = terr.unit_matrix @ per
    a = dict(zip(cols + ["zone_blanche", "n_communes"], agg.T))
    beyond = agg[:, len(cols) + 2:]
    pop = a["population_points"]
    beyond_main = beyond[:, list(bands_min).index(main_min)]
    units = terr.units
    out = {
        "mode": mode, "theme": theme, "grid": units.grid.to_numpy(), "code": units.code.to_numpy(),
        "n_communes": a["n_communes"].round().astype(int), "population_points": pop,
        "population_reachable": a["population_reachable"],
        "population_unreachable": pop - a["population_reachable"],
        "mean_time_min": _div(a["time_s"], a["population_reachable"]) / 60.0,
        "main_threshold_min": main_min, "population_beyond_main": beyond_main,
        "share_beyond_main": _div(beyond_main, pop),
        "n_zones_blanches": a["zone_blanche"].round().astype(int),
        "mean_second_time_min": _div(a["second_s"], a["population_with_second"]) / 60.0,
    }
    nb = len(bands_min)
    flat = beyond.ravel()
    bands = {"mode": mode, "theme": theme, "grid": np.repeat(units.grid.to_numpy(), nb),
             "code": np.repeat(units.code.to_numpy(), nb),
             "threshold_min": np.tile(np.asarray(bands_min, dtype=float), len(units)),
             "population_beyond": flat, "share_beyond": _div(flat, np.repeat(pop, nb))}
    return out, bands


def _sites(terr, tt, mode, theme, main_s, bands_min):
    w, site, t = terr.population, tt.p_site, tt.p_time_s
    ns = len(terr.site_id)
    has = site >= 0
    sw, ss, st = w[has], site[has], t[has]
    pop_near = np.bincount(ss, weights=sw, minlength=ns)
    pp, ps = tt.pairs_within
    only = tt.p_n_within[pp] == 1
    rows = tt.site_rows
    nc = len(terr.commune)
    key, inv = np.unique(ss.astype(np.int64) * nc + terr.point_commune[has], return_inverse=True)
    sc_w, sc_wt = np.bincount(inv, weights=sw), np.bincount(inv, weights=sw * st)
    keep = sc_w > 0
    sc_site, sc_commune, sc_w, sc_wt = key[keep] // nc, key[keep] % nc, sc_w[keep], sc_wt[keep]
    sites = {
        "mode": mode, "theme": theme, "site_id": terr.site_id[rows], "snapped": terr.site_snapped[rows],
        "population_nearest": pop_near[rows],
        "mean_time_min": _div(np.bincount(ss, weights=sw * st, minlength=ns), pop_near)[rows] / 60.0,
        "population_nearest_within_main": np.bincount(ss, weights=sw * (st <= main_s), minlength=ns)[rows],
        "n_communes_nearest": np.bincount(sc_site, minlength=ns)[rows],
        "population_reached": np.bincount(ps, weights=w[pp], minlength=ns)[rows],
        "population_only_site": np.bincount(ps[only], weights=w[pp[only]], minlength=ns)[rows],
    }
    nb = len(bands_min)
    within = np.stack([np.bincount(ss, weights=sw * (st <= b * 60.0), minlength=ns)[rows] for b in bands_min],
                      axis=1).ravel() if nb else np.zeros(0)
    site_bands = {"mode": mode, "theme": theme, "site_id": np.repeat(terr.site_id[rows], nb),
                  "threshold_min": np.tile(np.asarray(bands_min, dtype=float), len(rows)),
                  "population_nearest_within": within}
    site_communes = {"mode": mode, "theme": theme, "site_id": terr.site_id[sc_site],
                     "commune": terr.commune[sc_commune], "population": sc_w, "mean_time_min": sc_wt / sc_w / 60.0}
    return sites, site_bands, site_communes

"""Needs beside offers: need-weighted shares, supply per 100 beneficiaries, and the 2SFCA score.

Pure functions over plain tables (no database): the stored results' ``points``
table (:mod:`mapapp.access.indicators`) and the imported need counts
(:mod:`mapapp.territory.needs`, ``zone, count, secret``; a secret count is NaN).

**Where the beneficiaries live** (:func:`distribute_needs`). A count is known per
commune (or per square), not per address. It is spread over the commune's
population points *in proportion to their inhabitants*: a point holding 30 % of
the commune's inhabitants carries 30 % of its RSA beneficiaries. This assumes the
beneficiaries live like the whole population inside a commune — the best that an
aggregated count allows; with counts per square the assumption only holds inside
each square. A commune whose points carry no inhabitant cannot be spread: it is
reported (``need_unplaced``), never silently dropped.

**Secrecy.** A suppressed count takes no part in any figure: aggregates are over
the published counts only (a sum of published numbers reveals nothing more), and
every table says how many zones were left out (``n_secret``). A unit whose counts
are all suppressed has no figure (NaN).

**Share of beneficiaries beyond a threshold** (:func:`need_shares`): the weighted
share of the beneficiaries whose point is more than ``threshold_min`` from the
nearest site, beside the share of all inhabitants. Within one commune the two are
equal by construction (proportional spreading); they differ over territories,
where communes with many beneficiaries weigh more.

**Supply per 100 beneficiaries** (:func:`supply_per_100`): offers and weekly
opening hours of the sites located in each territory, per 100 beneficiaries of
the territory (the GIP « pilotage de l'offre d'insertion » ratio). It ignores
travel: :func:`two_step_fca` is the version that accounts for it.

**2SFCA** (:func:`two_step_fca`; Luo & Wang 2003, « Measures of spatial
accessibility to health care in a GIS environment », *Environment and Planning B*
30(6), 865–884). With ``d0`` the catchment threshold, ``S_j`` the capacity of
site ``j`` and ``D_k`` the beneficiaries at point ``k``:

1. for every site, its capacity per beneficiary within reach:
   ``R_j = S_j / Σ_{k : t_kj ≤ d0} D_k``;
2. for every point, the sum of the ratios of the sites it reaches:
   ``A_i = Σ_{j : t_ij ≤ d0} R_j``.

A commune's score is the beneficiary-weighted mean of its points' ``A_i``,
reported per 100 beneficiaries (« places pour 100 bénéficiaires »). Sites without
a known capacity are left out (unknown is not zero) and counted.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

ALL = "all"


def _div(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def distribute_needs(points: pd.DataFrame, needs: pd.DataFrame, zone_column: str = "commune") -> pd.DataFrame:
    """Spread each zone's count over its points in proportion to their inhabitants.

    Args:
        points: ``point_id, <zone_column>, population`` (the results' ``points`` table of one theme,
            or the population points); ``zone_column`` is ``commune`` or ``square_id``.
        needs: ``zone, count, secret`` (count NaN when secret).

    Returns:
        ``points`` with ``need`` (NaN at points of a secret or absent zone) and ``need_secret`` (bool).
    """
    out = points.copy()
    counts = needs.set_index("zone")["count"]
    secret = needs.set_index("zone")["secret"].map(lambda s: isinstance(s, str))
    zone = out[zone_column]
    pop = out["population"].to_numpy(dtype=float)
    zone_pop = out.groupby(zone_column)["population"].transform("sum").to_numpy(dtype=float)
    out["need"] = zone.map(counts).to_numpy(dtype=float) * _div(pop, zone_pop)
    out["need_secret"] = zone.map(secret).fillna(False).to_numpy(dtype=bool)
    return out


def unplaced_needs(points: pd.DataFrame, needs: pd.DataFrame, zone_column: str = "commune") -> pd.DataFrame:
    """Published counts that no point can carry (zone absent from the points, or without inhabitants)."""
    pop = points.groupby(zone_column)["population"].sum()
    published = needs[needs["count"].notna() & (needs["count"] > 0)]
    return published[published["zone"].map(pop).fillna(0).to_numpy() <= 0].reset_index(drop=True)


def _members(communes: Iterable[str], grids: pd.DataFrame | None) -> pd.DataFrame:
    """``grid, code, commune`` rows for every unit of ``grids`` plus the whole territory (``all``)."""
    communes = sorted(set(communes))
    rows = [] if grids is None or grids.empty else [grids[["grid", "code", "commune"]]]
    rows.append(pd.DataFrame({"grid": ALL, "code": ALL, "commune": communes}))
    return pd.concat(rows, ignore_index=True)


def need_shares(points: pd.DataFrame, needs: pd.DataFrame, threshold_min: float,
                grids: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of the beneficiaries (and of all inhabitants) beyond ``threshold_min`` per territory.

    Args:
        points: one theme and mode of the results' ``points`` table (``commune, population, time_min``).
        needs: counts per commune (``zone, count, secret``).
        grids: ``grid, code, commune`` (the whole territory is always added as ``all``/``all``).

    Returns:
        ``grid, code, need_total, need_beyond, share_need_beyond, population, population_beyond,
        share_population_beyond, n_secret`` (communes of the unit whose count is secret).
        A point beyond means ``time_min > threshold_min`` (unreachable included).
    """
    p = distribute_needs(points, needs)
    beyond = ~(p["time_min"].to_numpy(dtype=float) <= threshold_min)
    p = p.assign(need_beyond=np.where(beyond, p["need"], 0.0),
                 population_beyond=np.where(beyond, p["population"], 0.0),
                 need_known=p["need"].fillna(0.0))
    per_commune = p.groupby("commune").agg(need_total=("need_known", "sum"),
                                           need_beyond=("need_beyond", "sum"),
                                           population=("population", "sum"),
                                           population_beyond=("population_beyond", "sum"),
                                           has_need=("need", lambda s: s.notna().any()))
    secret_zones = set(needs.loc[needs["secret"].map(lambda s: isinstance(s, str)), "zone"])
    per_commune["secret"] = per_commune.index.isin(secret_zones)
    members = _members(per_commune.index, grids)
    members = members[members["commune"].isin(per_commune.index)]
    joined = members.join(per_commune, on="commune")
    out = joined.groupby(["grid", "code"], sort=True).agg(
        need_total=("need_total", "sum"), need_beyond=("need_beyond", "sum"),
        population=("population", "sum"), population_beyond=("population_beyond", "sum"),
        has_need=("has_need", "any"), n_secret=("secret", "sum")).reset_index()
    out.loc[~out["has_need"], ["need_total", "need_beyond"]] = np.nan
    out["share_need_beyond"] = _div(out["need_beyond"], out["need_total"])
    out["share_population_beyond"] = _div(out["population_beyond"], out["population"])
    out["n_secret"] = out["n_secret"].astype(int)
    return out[["grid", "code", "need_total", "need_beyond", "share_need_beyond", "population",
                "population_beyond", "share_population_beyond", "n_secret"]]


def supply_per_100(needs: pd.DataFrame, supply: pd.DataFrame, grids: pd.DataFrame | None = None) -> pd.DataFrame:
    """Offers and weekly opening hours per 100 beneficiaries, per territory (by where the sites are).

    Args:
        needs: counts per commune (``zone, count, secret``).
        supply: one row per (offer, site): ``offer_id, site_id, commune, weekly_hours`` (the site's
            weekly hours, :func:`mapapp.catalog.weekly_hours.weekly_hours`; NaN when unknown).
        grids: ``grid, code, commune``.

    Returns:
        ``grid, code, need_total, n_offers, weekly_hours, n_sites_without_hours, offers_per_100,
        hours_per_100, n_secret``. A site's hours count once however many offers it holds.
    """
    counts = needs.set_index("zone")["count"]
    secret = needs.set_index("zone")["secret"].map(lambda s: isinstance(s, str))
    communes = set(needs["zone"]) | set(supply["commune"])
    members = _members(communes, grids)
    rows = []
    for (grid, code), unit in members.groupby(["grid", "code"], sort=True):
        zones = set(unit["commune"])
        known = counts.reindex(sorted(zones)).dropna()
        here = supply[supply["commune"].isin(zones)]
        sites = here.drop_duplicates("site_id")
        hours = sites["weekly_hours"].astype(float)
        need = float(known.sum()) if len(known) else np.nan
        rows.append((grid, code, need, here["offer_id"].nunique(), float(hours.sum(skipna=True)),
                     int(hours.isna().sum()), int(secret.reindex(sorted(zones)).fillna(False).sum())))
    out = pd.DataFrame(rows, columns=["grid", "code", "need_total", "n_offers", "weekly_hours",
                                      "n_sites_without_hours", "n_secret"])
    out["offers_per_100"] = 100 * _div(out["n_offers"], out["need_total"])
    out["hours_per_100"] = 100 * _div(out["weekly_hours"], out["need_total"])
    return out[["grid", "code", "need_total", "n_offers", "weekly_hours", "n_sites_without_hours",
                "offers_per_100", "hours_per_100", "n_secret"]]


def two_step_fca(pairs: pd.DataFrame, demand: pd.DataFrame, capacity: pd.DataFrame,
                 threshold_min: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two-step floating catchment area score (see the module docstring).

    Args:
        pairs: ``point_id, site_id, time_min`` (travel times from demand points to sites; pairs beyond
            ``threshold_min`` are ignored, so a table within a larger radius is fine).
        demand: ``point_id, commune, need`` (beneficiaries at each point: :func:`distribute_needs`;
            NaN need, a secret zone, is left out).
        capacity: ``site_id, capacite`` (NaN: unknown, the site is left out).
        threshold_min: the catchment ``d0``, inclusive (``t ≤ d0``).

    Returns:
        ``(communes, sites)``: ``commune, need, score, score_per_100`` (beneficiary-weighted mean of
        the points' ``A_i``; NaN when the commune has no known need) and
        ``site_id, capacite, need_in_catchment, ratio`` (``R_j``; NaN when no demand reaches it).
    """
    near = pairs[pairs["time_min"].to_numpy(dtype=float) <= threshold_min][["point_id", "site_id"]]
    d = demand[demand["need"].notna()][["point_id", "commune", "need"]]
    cap = capacity[capacity["capacite"].notna()][["site_id", "capacite"]]
    near = near.merge(d[["point_id", "need"]], on="point_id", how="inner").merge(cap, on="site_id", how="inner")
    catchment = near.groupby("site_id")["need"].sum()
    sites = cap.assign(need_in_catchment=cap["site_id"].map(catchment).fillna(0.0).to_numpy(dtype=float))
    sites["ratio"] = _div(sites["capacite"], sites["need_in_catchment"])
    ratio = sites.set_index("site_id")["ratio"]
    a_i = near.assign(ratio=near["site_id"].map(ratio)).groupby("point_id")["ratio"].sum()
    d = d.assign(score=d["point_id"].map(a_i).fillna(0.0).to_numpy(dtype=float))
    d["weighted"] = d["score"] * d["need"]
    communes = d.groupby("commune").agg(need=("need", "sum"), weighted=("weighted", "sum")).reset_index()
    communes["score"] = _div(communes["weighted"], communes["need"])
    communes["score_per_100"] = 100 * communes["score"]
    return (communes[["commune", "need", "score", "score_per_100"]],
            sites[["site_id", "capacite", "need_in_catchment", "ratio"]].reset_index(drop=True))


def catchment_pairs(graph, point_snap, site_snap, radius_min: float) -> pd.DataFrame:
    """``point, site, time_min`` (row indices of the two snaps) for every pair within ``radius_min``.

    One bounded Dijkstra per site (:func:`mapapp.access.dijkstra.destinations_within`, the engine's
    own search), read at the points' two snap nodes: a point's time to a site is the better of
    « its access time to node a (or b) + the node's time to the site ». This is the input of
    :func:`two_step_fca` (with the points' ``point_id`` and the sites' ``site_id`` mapped in).
    """
    from mapapp.access.dijkstra import destinations_within

    radius_s = float(radius_min) * 60.0
    nodes = np.unique(np.r_[point_snap.node_a[point_snap.node_a >= 0], point_snap.node_b[point_snap.node_b >= 0]])
    reach = destinations_within(graph, site_snap, radius_s, nodes=nodes)
    at_node = pd.DataFrame({"node": reach.node, "site": reach.site.astype(np.int64), "t": reach.time_s})
    sides = []
    for node, time in ((point_snap.node_a, point_snap.time_a_s), (point_snap.node_b, point_snap.time_b_s)):
        ok = node >= 0
        side = pd.DataFrame({"point": np.flatnonzero(ok), "node": node[ok], "access": time[ok]})
        sides.append(side.merge(at_node, on="node").assign(time_s=lambda d: d["access"] + d["t"]))
    pairs = pd.concat(sides, ignore_index=True)
    if pairs.empty:
        return pd.DataFrame({"point": pd.Series(dtype=np.int64), "site": pd.Series(dtype=np.int64),
                             "time_min": pd.Series(dtype=float)})
    pairs = pairs.groupby(["point", "site"], as_index=False)["time_s"].min()
    pairs = pairs[pairs["time_s"] <= radius_s]
    return pd.DataFrame({"point": pairs["point"].to_numpy(), "site": pairs["site"].to_numpy(),
                         "time_min": pairs["time_s"].to_numpy() / 60.0})

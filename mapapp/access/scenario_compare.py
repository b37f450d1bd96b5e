"""What a scenario changes for people: gains and losses per commune and per territory (pure).

:func:`mapapp.access.scenario.compare` gives each indicator before and after;
a commune's ``population_beyond_main`` change is a net figure, which hides a
move that brings some inhabitants within the threshold and takes others out.
:func:`gains_and_losses` counts them apart, from the per-point times of the two
results (same points, same themes):

- ``population_gained``: inhabitants beyond the theme's main threshold before
  and within it after; ``population_lost``: the reverse;
- ``zone_blanche_created`` / ``zone_blanche_removed`` (communes) and their counts
  per territory unit;
- ``mean_time_min_before/after/change`` (the engine's, over the reachable population);
- ``population_2plus_before/after`` (inhabitants within the main threshold of two
  sites or more: the *superposition* the programmes ask to prevent) and
  ``overlap_created`` (inhabitants who had fewer than two sites within the
  threshold and have two or more after).

Territories are the units of every grid (``grid, code``) plus the whole
territory (``all, all``), as in the engine's tables.

:func:`compare_catalogs` is the engine call for any two catalogs (the live one
and a scenario's, or two scenarios'): « before » computed with ``previous``
(stored results: unchanged themes are copied), « after » with « before » as
``previous`` (only the themes whose destinations differ are searched again).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mapapp.access.run import AccessResults, compute_access

KEYS = ["mode", "theme"]
SUMMED = ["population_gained", "population_lost", "overlap_created", "population_2plus_before",
          "population_2plus_after"]


def _per_point(before: AccessResults, after: AccessResults) -> pd.DataFrame:
    cols = ["mode", "theme", "point_id", "commune", "population", "time_min", "n_sites_within"]
    b, a = before.points[cols], after.points[cols[:3] + cols[5:]]
    m = b.merge(a, on=["mode", "theme", "point_id"], suffixes=("_before", "_after"), validate="one_to_one")
    main = before.communes.drop_duplicates(KEYS).set_index(KEYS)["main_threshold_min"]
    limit = main.reindex(pd.MultiIndex.from_frame(m[KEYS])).to_numpy()
    within_b, within_a = m["time_min_before"] <= limit, m["time_min_after"] <= limit
    pop = m["population"].to_numpy(dtype=float)
    two_b, two_a = m["n_sites_within_before"] >= 2, m["n_sites_within_after"] >= 2
    return m[["mode", "theme", "commune"]].assign(
        population_gained=np.where(~within_b & within_a, pop, 0.0),
        population_lost=np.where(within_b & ~within_a, pop, 0.0),
        overlap_created=np.where(~two_b & two_a, pop, 0.0),
        population_2plus_before=np.where(two_b, pop, 0.0), population_2plus_after=np.where(two_a, pop, 0.0))


def gains_and_losses(before: AccessResults, after: AccessResults, grids: pd.DataFrame | None = None
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per commune, per territory unit) gains, losses, zones blanches, mean times and overlaps.

    Args:
        before, after: results of the same mode on the same points and themes.
        grids: ``grid, code, commune`` (the engine's input); the whole territory is always added.
    """
    points = _per_point(before, after)
    by_commune = points.groupby(KEYS + ["commune"], as_index=False)[SUMMED].sum()
    ccols = KEYS + ["commune", "population_points", "mean_time_min", "zone_blanche"]
    c = before.communes[ccols].merge(after.communes[ccols], on=KEYS + ["commune", "population_points"],
                                     how="outer", suffixes=("_before", "_after"))
    c = c.merge(by_commune, on=KEYS + ["commune"], how="left")
    c[SUMMED] = c[SUMMED].fillna(0.0)
    zb_b = c["zone_blanche_before"].fillna(False).astype(bool)
    zb_a = c["zone_blanche_after"].fillna(False).astype(bool)
    c["zone_blanche_created"], c["zone_blanche_removed"] = ~zb_b & zb_a, zb_b & ~zb_a
    c["mean_time_min_change"] = c["mean_time_min_after"] - c["mean_time_min_before"]

    members = grids[["grid", "code", "commune"]] if grids is not None and len(grids) else \
        pd.DataFrame(columns=["grid", "code", "commune"])
    communes = c["commune"].drop_duplicates()
    members = pd.concat([members, pd.DataFrame({"grid": "all", "code": "all", "commune": communes})],
                        ignore_index=True).drop_duplicates()
    per_unit = c.merge(members, on="commune").groupby(KEYS + ["grid", "code"], as_index=False).agg(
        **{k: (k, "sum") for k in SUMMED},
        zones_blanches_created=("zone_blanche_created", "sum"),
        zones_blanches_removed=("zone_blanche_removed", "sum"))
    tcols = KEYS + ["grid", "code", "mean_time_min", "n_zones_blanches"]
    t = before.territories[tcols].merge(after.territories[tcols], on=KEYS + ["grid", "code"], how="outer",
                                        suffixes=("_before", "_after"))
    t = t.merge(per_unit, on=KEYS + ["grid", "code"], how="left")
    t["mean_time_min_change"] = t["mean_time_min_after"] - t["mean_time_min_before"]
    return c.reset_index(drop=True), t.reset_index(drop=True)


def headline(territories: pd.DataFrame) -> pd.DataFrame:
    """The whole territory's row per (mode, theme), themes with any change first (the CLI table)."""
    whole = territories[(territories["grid"] == "all") & (territories["code"] == "all")].copy()
    changed = (whole["population_gained"] > 0) | (whole["population_lost"] > 0) | \
        (whole["mean_time_min_change"].abs() > 1e-9) | (whole["overlap_created"] > 0)
    return whole.assign(changed=changed).sort_values(["changed", "mode", "theme"],
                                                     ascending=[False, True, True]).reset_index(drop=True)


def compare_catalogs(graph, points: pd.DataFrame, communes: pd.DataFrame, before: tuple[pd.DataFrame, pd.DataFrame],
                     after: tuple[pd.DataFrame, pd.DataFrame], themes, grids: pd.DataFrame | None = None, *,
                     previous: AccessResults | None = None, method: str = "", workers: int = 1
                     ) -> tuple[AccessResults, AccessResults, pd.DataFrame, pd.DataFrame]:
    """(results before, results after, per commune, per territory) for two (sites, offers) catalogs.

    Both catalogs' sites carry their snap on ``graph``; ``previous`` is reused for « before »
    when it was computed with the same inputs (:func:`mapapp.access.run.compute_access`).
    """
    themes = list(themes)
    b = compute_access(graph, points, communes, before[0], before[1], themes, grids, previous=previous,
                       method=method, workers=workers)
    a = compute_access(graph, points, communes, after[0], after[1], themes, grids, previous=b, method=method,
                       workers=workers)
    by_commune, by_territory = gains_and_losses(b, a, grids)
    return b, a, by_commune, by_territory

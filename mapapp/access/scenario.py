"""What-if scenarios: open or close sites, recompute with the same engine, compare.

A scenario is just other ``sites`` and ``offers`` tables given to
:func:`~mapapp.access.run.compute_access`. The baseline's digests let the
scenario recompute only the themes whose destinations changed (opening a
permanence for "mobilité" leaves "santé" untouched).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from mapapp.access.run import AccessResults, compute_access
from mapapp.access.themes import OPEN_STATUSES, Theme
from mapapp.network.graph import RoadGraph

COMPARED = ("mean_time_min", "share_beyond_main", "population_beyond_main", "population_unreachable",
            "mean_second_time_min", "mean_sites_within")


def apply_scenario(sites: pd.DataFrame, offers: pd.DataFrame, *, add_sites: pd.DataFrame | None = None,
                   add_offers: pd.DataFrame | None = None, remove_site_ids: Iterable = ()
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sites and offers tables after closing ``remove_site_ids`` and opening ``add_sites``.

    Closing a site removes its offers too. Added sites need their snap columns
    (made on the graph of the mode); added offers follow the offers table (give
    them status ``active``, or pass ``statuses`` including ``planned`` to the
    engine).
    """
    removed = set(remove_site_ids)
    missing = removed - set(sites["site_id"])
    if missing:
        raise ValueError(f"unknown site_id to remove: {sorted(map(str, missing))}")
    new_sites = sites[~sites["site_id"].isin(removed)]
    new_offers = offers[~offers["site_id"].isin(removed)]
    if add_sites is not None and len(add_sites):
        clash = set(add_sites["site_id"]) & set(new_sites["site_id"])
        if clash:
            raise ValueError(f"site_id already used: {sorted(map(str, clash))}")
        new_sites = pd.concat([new_sites, add_sites], ignore_index=True)
    if add_offers is not None and len(add_offers):
        new_offers = pd.concat([new_offers, add_offers], ignore_index=True)
    return new_sites.reset_index(drop=True), new_offers.reset_index(drop=True)


def compare(before: AccessResults, after: AccessResults) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per commune and per territory unit: each indicator before, after, and the change.

    Columns: keys (``mode, theme, commune`` or ``mode, theme, grid, code``),
    then ``<indicator>_before``, ``<indicator>_after``, ``<indicator>_change``
    for the indicators in :data:`COMPARED`, and ``zone_blanche_before/after``
    (communes) or ``n_zones_blanches_before/after`` (territories).
    """
    out = []
    for name, keys, flag in (("communes", ["mode", "theme", "commune"], "zone_blanche"),
                             ("territories", ["mode", "theme", "grid", "code"], "n_zones_blanches")):
        cols = [c for c in COMPARED if c in getattr(before, name).columns] + [flag]
        b = getattr(before, name)[keys + cols]
        a = getattr(after, name)[keys + cols]
        m = b.merge(a, on=keys, how="outer", suffixes=("_before", "_after"))
        for c in cols:
            if c != flag:
                m[c + "_change"] = m[c + "_after"] - m[c + "_before"]
        out.append(m)
    return out[0], out[1]


@dataclass
class ScenarioResult:
    """Baseline and scenario results, and their comparison (see :func:`compare`)."""

    baseline: AccessResults
    scenario: AccessResults
    communes: pd.DataFrame
    territories: pd.DataFrame


def run_scenario(graph: RoadGraph, points: pd.DataFrame, communes: pd.DataFrame, sites: pd.DataFrame,
                 offers: pd.DataFrame, themes: Iterable[Theme], grids: pd.DataFrame | None = None, *,
                 add_sites: pd.DataFrame | None = None, add_offers: pd.DataFrame | None = None,
                 remove_site_ids: Iterable = (), baseline: AccessResults | None = None,
                 statuses: Iterable[str] = OPEN_STATUSES, workers: int = 1,
                 second_nearest: bool = True) -> ScenarioResult:
    """Compute (or reuse) the baseline, apply the changes, recompute the changed themes, compare.

    Args: as :func:`compute_access`, plus the changes of :func:`apply_scenario`
    and an optional ``baseline`` already computed for the same inputs (with the
    same ``second_nearest``, or nothing is reused).
    """
    themes = list(themes)
    if baseline is None:
        baseline = compute_access(graph, points, communes, sites, offers, themes, grids,
                                  statuses=statuses, workers=workers, second_nearest=second_nearest)
    new_sites, new_offers = apply_scenario(sites, offers, add_sites=add_sites, add_offers=add_offers,
                                           remove_site_ids=remove_site_ids)
    result = compute_access(graph, points, communes, new_sites, new_offers, themes, grids,
                            statuses=statuses, workers=workers, previous=baseline, second_nearest=second_nearest)
    by_commune, by_territory = compare(baseline, result)
    return ScenarioResult(baseline, result, by_commune, by_territory)

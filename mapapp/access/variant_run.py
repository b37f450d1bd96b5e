"""The engine run of one result variant: its offers filtered, per group of themes sharing a schedule rule.

Under the schedule rule each theme keeps the sites open at least *its* « H »
(:meth:`mapapp.access.settings.ScheduleRule.hours_for`). Themes sharing an H
share one filtered offers table and one engine run; a theme with its own H
gets its own table. The runs' results are merged per mode, in the order of
``themes``, so callers see one :class:`~mapapp.access.run.AccessResults` per
mode as if one run had made them. With one H (the default settings) there is
exactly one run, as before per-theme H existed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mapapp.access.run import TABLES, AccessResults, compute_access_modes
from mapapp.access.settings import ScheduleRule
from mapapp.access.variants import Variant, theme_hour_groups, variant_offers


def merge_results(parts: list[AccessResults], keys: list[str]) -> AccessResults:
    """One mode's results of several runs on disjoint themes, rows in the order of ``keys``."""
    if len(parts) == 1:
        return parts[0]
    tables = {}
    for name in TABLES:
        frames = [getattr(p, name) for p in parts]
        df = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
        if "theme" in df.columns and len(df):
            rank = pd.Index(keys).get_indexer(df["theme"])
            df = df.take(np.argsort(rank, kind="stable")).reset_index(drop=True)
        tables[name] = df
    timings: dict[str, float] = {}
    for p in parts:
        for k, v in p.timings_s.items():
            timings[k] = timings.get(k, 0) + v
    digests = {k: d for p in parts for k, d in p.digests.items()}
    reused = tuple(k for k in keys if any(k in p.reused_themes for p in parts))
    return AccessResults(mode=parts[0].mode, **tables, digests=digests, timings_s=timings, reused_themes=reused)


def compute_variant_modes(graphs, tables, themes, variant: Variant, rule: ScheduleRule, *, previous=None,
                          **kwargs) -> dict[str, AccessResults]:
    """:func:`~mapapp.access.run.compute_access_modes` for ``variant``: offers filtered per theme group.

    ``kwargs`` go to each engine run (workers, method, memo, hours...). Each filtered offers table is
    made once per distinct offers table of ``tables`` (the modes share one).
    """
    themes = list(themes)
    keys = [t.key for t in themes]
    runs: list[dict[str, AccessResults]] = []
    for group_rule, group in theme_hour_groups(themes, variant, rule):
        filtered: dict[int, pd.DataFrame] = {}
        for t in tables.values():
            if id(t["offers"]) not in filtered:
                filtered[id(t["offers"])] = variant_offers(t["offers"], variant, group_rule)
        vtables = {mode: {**t, "offers": filtered[id(t["offers"])]} for mode, t in tables.items()}
        runs.append(compute_access_modes(graphs, vtables, group, previous=previous, **kwargs))
    return {mode: merge_results([r[mode] for r in runs], keys) for mode in runs[0]}

"""Incremental what-if: open or close sites without recomputing a whole mode (issue 14, "Speed").

:func:`whatif_state` runs the engine once (exactly :func:`~mapapp.access.run.compute_access`,
whose tables it keeps in ``state.results``) and keeps, per theme, the per-origin
values the tables are made from (:class:`~mapapp.access.indicators.ThemeTimes`:
the two nearest eligible sites and their times at every population point and
main point, and the (origin, site) pairs within the main threshold).
:func:`what_if` then applies a change (the arguments of
:func:`~mapapp.access.scenario.apply_scenario`) and returns the results the
full recompute on the changed catalog would give, and a new state to chain.

Per theme:

- **untouched** (no added offer matches it, no removed site served it): its
  rows are copied;
- **added sites** (with or without eligibility zone): an origin's two nearest
  sites can only change to a new site that is nearer than its current second
  (first, without second nearest). One bounded search per added site, to the
  largest current second time of the origins allowed to use it (and at least
  the main threshold, for the overlap counts), then a merge of the candidates;
- **removed sites**, when the theme has no restricted site: only the origins
  whose nearest or second-nearest site was removed change. One nearest-site
  search from the remaining sites and a second-nearest search restricted to
  the cells of those origins (:func:`~mapapp.access.dijkstra.second_nearest_destination`
  with ``cells_of``); the others keep their values. Pairs within the main
  threshold lose the removed sites;
- anything else (a removed site in a theme with eligibility zones, a site that
  loses eligibility for a commune without being removed) is **recomputed in
  full** for that theme, and listed in :attr:`WhatIf.recomputed` with the
  reason: never a silent approximation.

Every value is exact (same argument as :mod:`mapapp.access.run`); two equally
near sites may be reported in either order, as in the full engine. The
per-origin updates are in :mod:`mapapp.access.incremental`; which themes a
change touches, and their new destinations, are worked out once for all modes
(:func:`catalog_change`, shared by :func:`what_if_modes`).

Wiring (CLI, web): build the state once per mode for the live catalog (it is
arrays and DataFrames: keep it in memory, one per mode), then call
:func:`what_if` / :func:`what_if_modes` for each scenario; compare with
:func:`mapapp.access.scenario.compare` (``WhatIf.compare()``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from mapapp.access.dijkstra import routing_graph
from mapapp.access.eligibility import ZoneIndex, eligibility_groups
from mapapp.access.frames import SNAP_COLUMNS, require_columns, snap_from_frame
from mapapp.access.incremental import (add_sites as add_sites_to, origin_values, origins, remap_rows, remap_times,
                                       remove_sites, theme_times_of)
from mapapp.access.indicators import ThemeTimes, frame_from_parts, theme_tables
from mapapp.access.prepare import Inputs, ThemePlan, theme_digest
from mapapp.access.run import TABLES, AccessResults, _context, _plan, _run
from mapapp.access.scenario import apply_scenario, compare
from mapapp.access.searches import SearchRunner
from mapapp.access.themes import (OPEN_STATUSES, Theme, _as_set, _matches_thematiques, presence_offers,
                                  select_destinations)
from mapapp.network.graph import RoadGraph

__all__ = ["CatalogChange", "WhatIf", "WhatIfState", "catalog_change", "what_if", "what_if_modes", "whatif_state"]


@dataclass
class WhatIfState:
    """A mode's inputs, per-theme plans and per-origin values, and its result tables."""

    graph: RoadGraph
    points: pd.DataFrame
    communes: pd.DataFrame
    sites: pd.DataFrame
    offers: pd.DataFrame
    grids: pd.DataFrame | None
    themes: list[Theme]
    statuses: frozenset
    second: bool
    method: str
    inp: Inputs
    plans: dict[str, ThemePlan]
    times: dict[str, ThemeTimes]
    results: AccessResults
    zones: ZoneIndex = None
    blocks: dict = field(default_factory=dict)  # table -> {theme: (start, stop)} rows of ``results``


@dataclass
class WhatIf:
    """The results after the change, and how each theme was obtained.

    Attributes:
        results: the tables :func:`~mapapp.access.run.compute_access` gives on the changed catalog.
        state: the state after the change (to chain another :func:`what_if`).
        baseline: the results before.
        incremental: themes updated incrementally; unchanged: themes copied;
        recomputed: {theme: reason} for themes recomputed in full.
        timings_s: seconds per stage.
    """

    results: AccessResults
    state: WhatIfState
    baseline: AccessResults
    incremental: tuple[str, ...]
    unchanged: tuple[str, ...]
    recomputed: dict[str, str] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    change: CatalogChange | None = None

    def compare(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Per commune and per territory unit, before / after / change (:func:`~mapapp.access.scenario.compare`)."""
        return compare(self.baseline, self.results)


def whatif_state(graph: RoadGraph, points: pd.DataFrame, communes: pd.DataFrame, sites: pd.DataFrame,
                 offers: pd.DataFrame, themes: Iterable[Theme], grids: pd.DataFrame | None = None, *,
                 statuses: Iterable[str] = OPEN_STATUSES, second_nearest: bool = True, method: str = "",
                 workers: int = 1) -> WhatIfState:
    """Run the engine once (arguments of :func:`~mapapp.access.run.compute_access`) and keep what what-ifs need."""
    themes = list(themes)
    statuses = frozenset(statuses)
    job = _plan(graph, points, communes, sites, offers, themes, grids, statuses, None, second_nearest, method)
    keep: dict[str, ThemeTimes] = {}
    with SearchRunner({job.mode: _context(job)}, workers) as runner:
        results = _run(job, runner, keep)
    state = WhatIfState(graph, points, communes, sites, offers, grids, themes, statuses, second_nearest, method,
                        job.inp, {p.theme.key: p for p in job.plans}, keep, results, ZoneIndex(communes))
    for name in TABLES:  # index the tables by theme now (part of the full compute, not of each what-if)
        _blocks(state, name)
    return state


def _new_plan(theme: Theme, main_s: float, dest: pd.DataFrame, inp: Inputs, zones: ZoneIndex, mode: str,
              second: bool) -> ThemePlan:
    groups = eligibility_groups(dest, inp.terr.site_id, inp.terr.commune, zones)
    n_sites = len(inp.terr.site_id)
    return ThemePlan(theme, main_s, dest, groups,
                     theme_digest(inp, mode, theme, groups) + ("" if second else "-nearest-only"),
                     groups.everywhere[inp.site_snap.snapped[groups.everywhere]], groups.membership(n_sites))


def _remap_plan(plan: ThemePlan, remap: np.ndarray, n_new: int) -> ThemePlan:
    if np.array_equal(remap, np.arange(remap.size)):  # nothing closed: only new (unused) columns
        return replace(plan, member=np.pad(plan.member, ((0, 0), (0, n_new - remap.size))))
    groups = replace(plan.groups, sites=[remap[s] for s in plan.groups.sites], everywhere=remap[plan.groups.everywhere])
    return replace(plan, groups=groups, u_rows=remap[plan.u_rows], member=groups.membership(n_new))


def _theme_blocks(df: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """{theme: (start, stop)}: the rows of each theme (engine tables keep a theme's rows together)."""
    if df is None or not len(df):
        return {}
    codes, keys = pd.factorize(df["theme"], sort=False)
    change = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True])
    if len(change) - 1 != len(keys):
        raise AssertionError("theme rows are not contiguous")
    return {str(keys[codes[a]]): (int(a), int(b)) for a, b in zip(change[:-1], change[1:])}


def _new_blocks(blocks: dict, keys: list[str], new: dict[str, pd.DataFrame]) -> dict[str, tuple[int, int]]:
    """The theme blocks of :func:`_assemble`'s result, from the pieces' lengths."""
    out, at = {}, 0
    for k in keys:
        n = len(new[k]) if k in new else (blocks[k][1] - blocks[k][0] if k in blocks else 0)
        if n:
            out[k] = (at, at + n)
            at += n
    return out


def _assemble(old: pd.DataFrame, blocks: dict, keys: list[str], new: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The rows of every theme in ``keys`` order: ``new[key]`` where given, else the old rows (runs kept whole)."""
    pieces, run = [], None
    for k in keys:
        if k in new:
            if run is not None:
                pieces.append(old.iloc[run[0]:run[1]])
                run = None
            pieces.append(new[k])
        elif k in blocks:
            a, b = blocks[k]
            if run is not None and run[1] == a:
                run = (run[0], b)
            else:
                if run is not None:
                    pieces.append(old.iloc[run[0]:run[1]])
                run = (a, b)
    if run is not None:
        pieces.append(old.iloc[run[0]:run[1]])
    pieces = [p for p in pieces if len(p)]
    if not pieces:
        return old.iloc[:0].reset_index(drop=True)
    if len(pieces) == 1:
        return pieces[0].reset_index(drop=True)
    return pd.concat(pieces, ignore_index=True)


def _blocks(state: WhatIfState, name: str) -> dict[str, tuple[int, int]]:
    if name not in state.blocks:
        state.blocks[name] = _theme_blocks(getattr(state.results, name))
    return state.blocks[name]


@dataclass
class CatalogChange:
    """What a change does to the catalog, the same for every mode (computed once by :func:`what_if_modes`).

    ``gains``: {theme: destinations the changed offers add} for the themes they
    touch. ``fast``: whether the new destinations are the old ones minus the
    closed sites plus ``gains`` (added offers come last in the offers table);
    otherwise (existing offers at an added site) they are selected again.
    """

    gains: dict[str, pd.DataFrame]
    fast: bool
    new_sites: pd.DataFrame
    new_offers: pd.DataFrame
    statuses: frozenset
    _presence: pd.DataFrame | None = None

    def destinations(self, old: pd.DataFrame, gains: pd.DataFrame | None, theme: Theme, removed: set) -> pd.DataFrame:
        if self.fast:
            kept = old[~old["site_id"].isin(list(removed))] if removed else old
            return pd.concat([kept, gains], ignore_index=True) if gains is not None else kept.reset_index(drop=True)
        if self._presence is None:
            self._presence = presence_offers(self.new_offers, self.new_sites, self.statuses)
        return select_destinations(self.new_offers, self.new_sites, theme, self.statuses, presence=self._presence)


def catalog_change(state: WhatIfState, new_sites: pd.DataFrame, new_offers: pd.DataFrame,
                   add_sites: pd.DataFrame | None, add_offers: pd.DataFrame | None) -> CatalogChange:
    """The themes touched by the added offers (and existing offers at added sites)."""
    added_ids = set(add_sites["site_id"]) if add_sites is not None and len(add_sites) else set()
    existing = state.offers[state.offers["site_id"].isin(added_ids)] if added_ids else state.offers.iloc[:0]
    delta = pd.concat([d for d in (existing, add_offers) if d is not None and len(d)] or [new_offers.iloc[:0]],
                      ignore_index=True)
    gains = {}
    if len(delta):
        near = new_sites[new_sites["site_id"].isin(set(delta["site_id"].dropna()))]
        presence = presence_offers(delta, near, state.statuses)
        if len(presence):
            offered = [_as_set(v) for v in presence["thematiques"]]
            for theme in state.themes:
                if theme.thematiques is not None and not any(_matches_thematiques(v, theme.thematiques)
                                                             for v in offered):
                    continue  # the cheap test first: select_destinations costs ~5 ms of pandas per call
                d = select_destinations(delta, near, theme, state.statuses, presence=presence)
                if len(d):
                    gains[theme.key] = d
    return CatalogChange(gains, len(existing) == 0, new_sites, new_offers, state.statuses)


def what_if(state: WhatIfState, *, add_sites: pd.DataFrame | None = None, add_offers: pd.DataFrame | None = None,
            remove_site_ids: Iterable = (), _shared: CatalogChange | None = None) -> WhatIf:
    """The results after closing ``remove_site_ids`` and opening ``add_sites`` / ``add_offers``.

    Arguments as :func:`~mapapp.access.scenario.apply_scenario` (added sites
    carry their snap columns, made on this mode's graph). The results equal
    :func:`~mapapp.access.run.compute_access` on the changed catalog with the
    state's themes, statuses and options.
    """
    clock = [time.perf_counter()]
    removed = set(remove_site_ids)
    if add_sites is not None and len(add_sites):
        require_columns(add_sites, "sites ajoutés", ("site_id", *SNAP_COLUMNS))
    if _shared is None:
        new_sites, new_offers = apply_scenario(state.sites, state.offers, add_sites=add_sites, add_offers=add_offers,
                                               remove_site_ids=removed)
    else:  # the offers are the same for every mode: only this mode's sites (their snap) are made again
        new_sites = apply_scenario(state.sites, state.offers.iloc[:0], add_sites=add_sites,
                                   remove_site_ids=removed)[0]
        new_offers = _shared.new_offers
    mode, inp_old, second = state.graph.mode, state.inp, state.second
    rg = routing_graph(state.graph)
    keep_old = ~pd.Index(inp_old.terr.site_id).isin(list(removed))
    remap = np.full(keep_old.size, -1, dtype=np.int64)
    remap[keep_old] = np.arange(int(keep_old.sum()))
    n_new = len(new_sites)
    new_snap = snap_from_frame(new_sites)
    if max(new_snap.node_a.max(initial=-1), new_snap.node_b.max(initial=-1)) >= rg.n_nodes:
        raise ValueError("sites ajoutés : nœuds hors du réseau (rattachés à un autre graphe ?)")
    terr = replace(inp_old.terr, site_id=new_sites["site_id"].to_numpy(dtype=object),
                   site_snapped=new_snap.snapped.copy())
    inp = replace(inp_old, terr=terr, site_snap=new_snap)
    change = _shared if _shared is not None else catalog_change(state, new_sites, new_offers, add_sites, add_offers)
    plans, times, parts = {}, {}, {t: [] for t in TABLES[:-1]}
    incremental, unchanged, recomputed = [], [], {}
    clock.append(time.perf_counter())
    for theme in state.themes:
        key, old_plan, old_tt = theme.key, state.plans[theme.key], state.times[theme.key]
        old_rows = np.unique(np.concatenate(old_plan.groups.sites))
        removed_old = old_rows[~keep_old[old_rows]]
        gains = change.gains.get(key)
        if gains is None and removed_old.size == 0:
            plans[key], times[key] = _remap_plan(old_plan, remap, n_new), remap_times(old_tt, remap)
            unchanged.append(key)
            continue
        dest = change.destinations(old_plan.dest, gains, theme, removed)
        plan = _new_plan(theme, old_plan.main_s, dest, inp, state.zones, mode, second)
        restricted = len(old_plan.groups.sites) > 1 or old_plan.groups.sites[0].size != old_plan.groups.everywhere.size
        # eligibility before (old sites still open, in new rows) and after, per commune
        before = np.zeros((len(old_plan.groups.sites), n_new), dtype=bool)
        for g, rows in enumerate(old_plan.groups.sites):
            before[g, remap[rows][remap[rows] >= 0]] = True
        before_c = before[old_plan.groups.group_of_commune]
        after_c = plan.member[plan.groups.group_of_commune]
        if (before_c & ~after_c).any():
            reason = "un lieu perd l'éligibilité d'une commune sans être fermé"
        elif removed_old.size and restricted:
            reason = "fermeture d'un lieu dans un thème à zones d'éligibilité"
        else:
            reason = ""
        if reason:
            recomputed[key] = reason
            plans[key] = plan
            continue
        values = remove_sites(rg, old_tt, removed_old, remap, plan.u_rows, inp, second) if removed_old.size else {
            name: [[remap_rows(x, remap) if i % 2 else x for i, x in enumerate(top)], n_w,
                   (pw[0], remap_rows(pw[1], remap))]
            for name, o in origins(inp) for top, n_w, pw in [origin_values(old_tt, name)]}
        gained = after_c & ~before_c
        added = np.flatnonzero(gained.any(axis=0) & new_snap.snapped)
        if added.size:
            add_sites_to(rg, values, gained[:, added], added, inp, old_plan.main_s, second)
        plans[key], times[key] = plan, theme_times_of(values, plan, second)
        thr = theme.thresholds_for(mode)
        for name, cols in theme_tables(terr, times[key], mode, key, thr.main_min, thr.bands_min).items():
            parts[name].append(cols)
        incremental.append(key)
    clock.append(time.perf_counter())
    full = None
    if recomputed:
        themes = [t for t in state.themes if t.key in recomputed]
        job = _plan(state.graph, state.points, state.communes, new_sites, new_offers, themes, state.grids,
                    state.statuses, None, second, state.method)
        keep: dict[str, ThemeTimes] = {}
        with SearchRunner({mode: _context(job)}, 1) as runner:
            full = _run(job, runner, keep)
        times.update(keep)
        plans.update({p.theme.key: p for p in job.plans})
    clock.append(time.perf_counter())
    order = {t.key: i for i, t in enumerate(state.themes)}
    old = state.results
    keys = [t.key for t in state.themes]
    tables, blocks = {}, {}
    for name in TABLES[:-1]:
        new = {}
        for df in ([frame_from_parts(parts[name])] if parts[name] else []) + ([getattr(full, name)] if full else []):
            new.update({k: df.iloc[a:b] for k, (a, b) in _theme_blocks(df).items()})
        tables[name] = _assemble(getattr(old, name), _blocks(state, name), keys, new)
        blocks[name] = _new_blocks(_blocks(state, name), keys, new)
    dest = {k: plans[k].dest.assign(mode=mode, theme=k)[["mode", "theme", "offer_id", "site_id", "zone_eligibilite"]]
            for k in keys if k not in unchanged}
    tables["destinations"] = _assemble(old.destinations, _blocks(state, "destinations"), keys, dest)
    blocks["destinations"] = _new_blocks(_blocks(state, "destinations"), keys, dest)
    clock.append(time.perf_counter())
    steps = dict(zip(("prepare", "incremental", "recomputed", "tables"), np.diff(clock).tolist()))
    steps["total"] = clock[-1] - clock[0]
    results = AccessResults(mode=mode, **tables, digests={k: plans[k].digest for k in order}, timings_s=steps,
                            reused_themes=tuple(unchanged))
    new_state = replace(state, sites=new_sites, offers=new_offers, inp=inp, plans=plans, times=times,
                        results=results, blocks=blocks)
    return WhatIf(results, new_state, old, tuple(incremental), tuple(unchanged), recomputed, steps, change)


def what_if_modes(states: Mapping[str, WhatIfState], *, add_sites: Mapping[str, pd.DataFrame] | None = None,
                  add_offers: pd.DataFrame | None = None, remove_site_ids: Iterable = ()) -> dict[str, WhatIf]:
    """:func:`what_if` for every mode; ``add_sites`` is {mode: sites snapped on that mode's graph}."""
    removed = list(remove_site_ids)
    out, shared = {}, None
    for mode, st in states.items():
        out[mode] = what_if(st, add_sites=(add_sites or {}).get(mode), add_offers=add_offers,
                            remove_site_ids=removed, _shared=shared)
        shared = out[mode].change
    return out

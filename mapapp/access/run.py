"""The engine's entry points: every indicator of every theme, for one mode or several.

:func:`compute_access` takes the road graph of one mode, the territory
(population points, communes, grids), the catalog (sites, offers) snapped on
that graph, and a list of :class:`~mapapp.access.themes.Theme`; it returns an
:class:`AccessResults` of DataFrames (columns in :mod:`mapapp.access.indicators`).
:func:`compute_access_modes` does the same for several modes sharing one pool
of search threads (a full recompute).

How the work is organised (kernel: :mod:`mapapp.access.dijkstra`; steps:
:mod:`mapapp.access.steps`). For each theme, the destination sites split into
those every commune may use (``U``: an offer without eligibility zone) and
*restricted* ones (eligible for some communes only,
:mod:`mapapp.access.eligibility`).

A. **Reach**: one search per site bounded by the largest main threshold of
   the themes using it, shared by all themes. It gives the overlap counts,
   and the exact two nearest sites of every origin that has two sites within
   the threshold (any other site is beyond it).
B. **Passes**: per distinct ``U`` set, the nearest-site search over the whole
   graph, and the second-nearest search restricted to the Voronoi cells of
   the origins that A did not settle (skipped when A settled every origin).
C. **Restricted sites**: one bounded search per restricted site, to the
   largest second-nearest time of ``U`` over the origins allowed to use it
   (beyond that it can be neither first nor second). One search per site
   instead of two per distinct eligible set: zones such as "CCAS, its own
   commune" would otherwise make one set per commune.

The two nearest sites of an origin are the best two distinct sites among the
candidates of A, B and C. Every candidate time is exact or a real path (an
upper bound), and the true two nearest are always among the exact ones, so
the result is exact. Each theme gets a *digest* of everything its results
depend on; with ``previous=`` the themes whose digest did not change are
copied instead of recomputed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mapapp.access.dijkstra import routing_graph
from mapapp.access.eligibility import ZoneIndex, eligibility_groups
from mapapp.access.indicators import frame_from_parts, theme_tables
from mapapp.access.reach_hours import HoursMasks
from mapapp.access.reach_hours import add_columns as add_hours_columns
from mapapp.access.prepare import ENGINE_VERSION, Inputs, ThemePlan, prepare_inputs, theme_digest
from mapapp.access.searches import SearchRunner
from mapapp.access.steps import run_steps, theme_times
from mapapp.access.themes import OPEN_STATUSES, Theme, presence_offers, select_destinations
from mapapp.network.graph import RoadGraph

__all__ = ["ENGINE_VERSION", "AccessResults", "Memo", "compute_access", "compute_access_modes"]

TABLES = ("points", "communes", "commune_bands", "territories", "territory_bands", "sites",
          "site_bands", "site_communes", "destinations")


@dataclass
class AccessResults:
    """Indicator tables of one mode (columns: :mod:`mapapp.access.indicators`).

    ``destinations`` lists what counted as presence: ``mode, theme, offer_id,
    site_id, zone_eligibilite``. ``digests`` maps theme key to the digest of
    its inputs; ``timings_s`` gives seconds per stage (``search_cpu`` is the
    CPU time of the searches, in whichever thread they ran) and counts of
    searches (``n_...``); ``reused_themes`` lists the themes copied from
    ``previous``.
    """

    mode: str
    points: pd.DataFrame
    communes: pd.DataFrame
    commune_bands: pd.DataFrame
    territories: pd.DataFrame
    territory_bands: pd.DataFrame
    sites: pd.DataFrame
    site_bands: pd.DataFrame
    site_communes: pd.DataFrame
    destinations: pd.DataFrame
    digests: dict[str, str] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    reused_themes: tuple[str, ...] = ()


@dataclass
class _Job:
    """One mode's run: its inputs and theme plans."""

    mode: str
    graph: RoadGraph
    inp: Inputs
    plans: list[ThemePlan]
    reuse: dict  # theme key -> the earlier AccessResults its rows are copied from
    keys: list[str]
    clock: list[float]
    second: bool = True
    hours: HoursMasks | None = None  # reachable-hours columns (mapapp.access.reach_hours)
    site_masks: dict = field(default_factory=dict)  # theme key -> its sites' opening masks


def _candidates(previous) -> list[AccessResults]:
    """``previous`` as a list: one earlier result, several (in order of preference) or none."""
    if previous is None:
        return []
    return [previous] if isinstance(previous, AccessResults) else [p for p in previous if p is not None]


class Memo:
    """What several runs on the same tables share: prepared inputs and theme destinations.

    Pass one to :func:`compute_access_modes` calls made on the same table
    objects (the variants of a compute: same graphs, points and sites, other
    offers). Entries are keyed by the identity of the tables, which the memo
    keeps alive, so a key cannot be reused by another object.
    """

    def __init__(self):
        self._inputs: dict = {}
        self._dest: dict = {}
        self._groups: dict = {}
        self._zones: dict = {}
        self._keep: list = []

    def inputs(self, graph: RoadGraph, points, communes, sites, grids, method: str) -> Inputs:
        key = (id(graph), id(points), id(communes), id(sites), id(grids), method)
        if key not in self._inputs:
            self._keep.append((graph, points, communes, sites, grids))
            self._inputs[key] = prepare_inputs(routing_graph(graph), points, communes, sites, grids, method)
        return self._inputs[key]

    def destinations(self, offers, sites, themes: list[Theme], statuses) -> list[pd.DataFrame]:
        """:func:`select_destinations` of every theme; shared by modes whose sites carry the same ids and kinds
        (each mode has its own snapped copy of the sites table)."""
        cols = [c for c in ("site_id", "kind", "status", "reseaux_porteurs") if c in sites.columns]
        site_key = pd.util.hash_pandas_object(sites[cols].astype(str), index=False).to_numpy().tobytes()
        key = (id(offers), site_key, tuple(t.spec_json() for t in themes), tuple(sorted(statuses)))
        if key not in self._dest:
            self._keep.append(offers)
            presence = presence_offers(offers, sites, statuses)
            self._dest[key] = [select_destinations(offers, sites, t, statuses, presence=presence) for t in themes]
        return self._dest[key]


    def groups(self, dest: pd.DataFrame, inp: Inputs, communes: pd.DataFrame):
        """:func:`eligibility_groups` of one theme's destinations; shared by the modes (same sites and
        communes, other snaps) and by the variants whose offers select the same destinations."""
        cols = [c for c in ("commune", "epci", "departement") if c in communes.columns]
        zkey = tuple(tuple(communes[c].tolist()) for c in cols)
        if zkey not in self._zones:
            self._zones[zkey] = ZoneIndex(communes)
        dkey = tuple(map(tuple, dest[["site_id", "zone_eligibilite"]].astype(str).to_numpy().tolist()))
        key = (dkey, tuple(inp.terr.site_id.tolist()), tuple(inp.terr.commune.tolist()), zkey)
        if key not in self._groups:
            self._groups[key] = eligibility_groups(dest, inp.terr.site_id, inp.terr.commune, self._zones[zkey])
        return self._groups[key]


def _plan(graph: RoadGraph, points, communes, sites, offers, themes: list[Theme], grids, statuses,
          previous, second: bool, method: str = "", memo: Memo | None = None,
          hours: HoursMasks | None = None) -> _Job:
    clock = [time.perf_counter()]
    mode = graph.mode
    keys = [t.key for t in themes]
    if len(set(keys)) != len(keys):
        raise ValueError("theme keys must be unique")
    memo = memo or Memo()
    inp = memo.inputs(graph, points, communes, sites, grids, method)
    dests = memo.destinations(offers, sites, themes, frozenset(statuses))
    n_sites = len(inp.terr.site_id)
    plans, masks = [], {}
    for theme, dest in zip(themes, dests):
        groups = memo.groups(dest, inp, communes)
        if hours is not None:
            masks[theme.key] = hours.site_masks(dest, inp.terr.site_id)
        plans.append(ThemePlan(theme, theme.thresholds_for(mode).main_min * 60.0, dest, groups,
                               theme_digest(inp, mode, theme, groups) + ("" if second else "-nearest-only")
                               + ("" if hours is None else "-hours-" + hours.digest(masks[theme.key], theme)),
                               groups.everywhere[inp.site_snap.snapped[groups.everywhere]],
                               groups.membership(n_sites)))
    reuse = {}
    for plan in plans:
        for old in _candidates(previous):
            if old.mode == mode and old.digests.get(plan.theme.key) == plan.digest:
                reuse[plan.theme.key] = old
                break
    clock.append(time.perf_counter())
    return _Job(mode, graph, inp, plans, reuse, keys, clock, second, hours, masks)


def _context(job: _Job):
    return routing_graph(job.graph), job.inp.site_snap, job.inp.needed


def _run(job: _Job, runner: SearchRunner, keep_times: dict | None = None) -> AccessResults:
    """Search, then tables; ``keep_times`` (a dict) receives each computed theme's ThemeTimes (what-if)."""
    clock = [time.perf_counter()]
    todo = [p for p in job.plans if p.theme.key not in job.reuse]
    pairs, u_tops, counts = run_steps(job.inp, todo, runner, job.second) if todo else ({}, [], {})
    clock.append(time.perf_counter())
    parts: dict[str, list] = {t: [] for t in TABLES[:-1]}
    for plan, u_top in zip(todo, u_tops):
        thr = plan.theme.thresholds_for(job.mode)
        tt = theme_times(plan, job.inp, pairs, u_top, job.second)
        if keep_times is not None:
            keep_times[plan.theme.key] = tt
        cols_by_table = theme_tables(job.inp.terr, tt, job.mode, plan.theme.key, thr.main_min, thr.bands_min)
        if job.hours is not None:
            add_hours_columns(cols_by_table, job.inp.terr, tt, job.site_masks[plan.theme.key], job.hours, plan.theme)
        for name, cols in cols_by_table.items():
            parts[name].append(cols)
    tables = {}
    for name, cols in parts.items():
        df = frame_from_parts(cols)
        if job.reuse:  # copied themes: appended, then the order of ``themes`` restored
            copied = []
            for source in {id(r): r for r in job.reuse.values()}.values():
                old = getattr(source, name)
                copied.append(old[old["theme"].isin([k for k, r in job.reuse.items() if r is source])])
            df = pd.concat([d for d in (df, *copied) if len(d)] or [df], ignore_index=True)
            rank = pd.Index(job.keys).get_indexer(df["theme"])
            df = df.take(np.argsort(rank, kind="stable")).reset_index(drop=True)
        tables[name] = df
    # always today's offers: the same sites (same results) may come from other offers
    tables["destinations"] = pd.concat([plan.dest.assign(mode=job.mode, theme=plan.theme.key)[
        ["mode", "theme", "offer_id", "site_id", "zone_eligibilite"]] for plan in job.plans], ignore_index=True) \
        if job.plans else pd.DataFrame({"mode": [], "theme": []})
    clock.append(time.perf_counter())
    steps = [job.clock[1] - job.clock[0]] + np.diff(clock).tolist()
    timings = dict(zip(("prepare", "search", "indicators"), steps), total=sum(steps),
                   search_cpu=runner.cpu_s.get(job.mode, 0.0),
                   **{f"search_cpu_{k}": runner.cpu_s.get(f"{job.mode}:{k}", 0.0)
                      for k in ("reach", "passes", "restricted")}, **counts)
    return AccessResults(mode=job.mode, **tables, digests={p.theme.key: p.digest for p in job.plans},
                         timings_s=timings, reused_themes=tuple(k for k in job.keys if k in job.reuse))


def compute_access(graph: RoadGraph, points: pd.DataFrame, communes: pd.DataFrame, sites: pd.DataFrame,
                   offers: pd.DataFrame, themes: Iterable[Theme], grids: pd.DataFrame | None = None, *,
                   statuses: Iterable[str] = OPEN_STATUSES, workers: int = 1,
                   previous: AccessResults | None = None, second_nearest: bool = True,
                   method: str = "", hours: HoursMasks | None = None) -> AccessResults:
    """Access indicators of every theme for the mode of ``graph``.

    Args:
        graph: the road graph of one mode (``graph.mode`` picks the thresholds).
        points, communes, sites: tables of :mod:`mapapp.access.frames`, their
            snap columns made on ``graph``.
        offers: table of :mod:`mapapp.access.themes`.
        themes: the themes to measure (keys must be unique).
        grids: long table ``grid, code, commune``; the whole territory
            (``grid = code = "all"``) is always added.
        statuses: offer/site statuses that count as open.
        workers: threads for the searches (1: in this thread), sharing the
            graph; lowered to 1 on graphs below
            :data:`~mapapp.access.searches.THREADS_MIN_NODES` nodes, where a
            second thread costs more than it saves.
        previous: results of an earlier call for the same mode, or a list of
            them in order of preference (a public's run offers its own last
            results and everyone's fresh ones); a theme whose digest equals
            one of theirs is copied from the first that has it.
        second_nearest: compute the second-nearest site (one more search per
            theme); when False its columns are NaN (about half the search time).
        method: text of the method settings that made the inputs (placement,
            access legs...: :meth:`mapapp.method.MethodSettings.digest_spec`),
            hashed into every digest so that a change of method recomputes.
        hours: opening masks of the offers' ``opening_hours``: adds the reachable-hours columns
            (:mod:`mapapp.access.reach_hours`); None: not computed.
    """
    job = _plan(graph, points, communes, sites, offers, list(themes), grids, statuses, previous, second_nearest,
                method, hours=hours)
    with SearchRunner({job.mode: _context(job)}, workers) as runner:
        return _run(job, runner)


def compute_access_modes(graphs: Mapping[str, RoadGraph], tables: Mapping[str, Mapping[str, pd.DataFrame]],
                         themes: Iterable[Theme], *, statuses: Iterable[str] = OPEN_STATUSES, workers: int = 1,
                         previous: Mapping[str, AccessResults] | None = None,
                         second_nearest: bool = True, method: str = "", memo: Memo | None = None,
                         hours: HoursMasks | None = None) -> dict[str, AccessResults]:
    """:func:`compute_access` for several modes, sharing one pool of search threads.

    Each mode is driven from its own thread, so that the work one mode does in
    this process (pairs, indicators) overlaps the searches of the others: the
    workers stay busy. Results are the same as separate calls.

    Args:
        graphs: {mode: RoadGraph}.
        tables: {mode: {"points", "communes", "sites", "offers", optional "grids"}},
            snapped on that mode's graph.
        themes, statuses, workers, second_nearest, method: as :func:`compute_access`.
        previous: {mode: AccessResults or list of them} of earlier calls.
        memo: a :class:`Memo` shared with other calls on the same table objects.
        hours: as :func:`compute_access`.
    """
    themes = list(themes)
    previous = previous or {}
    memo = memo or Memo()
    jobs = [_plan(g, t["points"], t["communes"], t["sites"], t["offers"], themes, t.get("grids"), statuses,
                  previous.get(mode), second_nearest, method, memo, hours) for mode, g in graphs.items()
            for t in [tables[mode]]]
    if len({j.mode for j in jobs}) != len(jobs):
        raise ValueError("one graph per mode")
    with SearchRunner({j.mode: _context(j) for j in jobs}, workers) as runner:
        if runner.pool is None:
            return {j.mode: _run(j, runner.for_mode(j.mode)) for j in jobs}
        with ThreadPoolExecutor(len(jobs)) as threads:
            done = list(threads.map(lambda j: _run(j, runner.for_mode(j.mode)), jobs))
    return {r.mode: r for r in done}

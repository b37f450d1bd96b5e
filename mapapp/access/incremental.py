"""Per-origin updates of a what-if (:mod:`mapapp.access.whatif`): renumber, close sites, open sites.

The values updated are those of :class:`~mapapp.access.indicators.ThemeTimes`
for the population points (``"p"``) and main points (``"m"``): the two nearest
eligible sites and their times, the number of sites within the main threshold
and the (origin, site) pairs within it. A *state* here is
``{"p" | "m": [[time1, site1, time2, site2], n_within, (origin, site) pairs]}``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mapapp.access.dijkstra import (ReachPairs, RoutingGraph, destinations_within, nearest_destination,
                                    read_at_points, read_second_at_points, second_nearest_destination)
from mapapp.access.indicators import ThemeTimes
from mapapp.access.pairs import merge_top2, origin_pairs, top2_of_pairs
from mapapp.access.prepare import Inputs, ThemePlan
from mapapp.access.searches import take_snap


def remap_rows(arr: np.ndarray, remap: np.ndarray) -> np.ndarray:
    """Site rows renumbered by ``remap`` (old row -> new row, -1 closed); -1 stays -1."""
    return np.where(arr >= 0, remap[np.maximum(arr, 0)], -1).astype(arr.dtype)


def remap_times(tt: ThemeTimes, remap: np.ndarray) -> ThemeTimes:
    """A theme's values with its site rows renumbered (a theme none of whose sites closed)."""
    if np.array_equal(remap, np.arange(remap.size)):  # nothing closed: the rows did not move
        return tt
    r = lambda a: remap_rows(a, remap)  # noqa: E731
    return replace(tt, p_site=r(tt.p_site), p_second_site=r(tt.p_second_site), m_site=r(tt.m_site),
                   m_second_site=r(tt.m_second_site), site_rows=r(tt.site_rows),
                   pairs_within=(tt.pairs_within[0], r(tt.pairs_within[1])),
                   m_pairs_within=(tt.m_pairs_within[0], r(tt.m_pairs_within[1])))


def origins(inp: Inputs):
    return (("p", inp.points), ("m", inp.mains))


def origin_values(tt: ThemeTimes, name: str):
    """(top two, n_within, pairs within) of points (``p``) or main points (``m``)."""
    if name == "p":
        return ((tt.p_time_s, tt.p_site, tt.p_second_s, tt.p_second_site), tt.p_n_within, tt.pairs_within)
    return ((tt.m_time_s, tt.m_site, tt.m_second_s, tt.m_second_site), tt.m_n_within, tt.m_pairs_within)


def remove_sites(rg: RoutingGraph, tt: ThemeTimes, removed_old: np.ndarray, remap: np.ndarray,
                 remaining: np.ndarray, inp: Inputs, second: bool) -> dict:
    """Values in new site rows after removing ``removed_old`` (old rows) from a theme without restricted sites."""
    rg_needed = inp.needed
    gone = np.zeros(remap.size, dtype=bool)
    gone[removed_old] = True
    state, affected = {}, {}
    for name, o in origins(inp):
        top, n_within, (pp, ps) = origin_values(tt, name)
        hit = (top[1] >= 0) & gone[np.maximum(top[1], 0)]
        if second:
            hit |= (top[3] >= 0) & gone[np.maximum(top[3], 0)]
        drop = gone[ps]
        n_within = n_within - np.bincount(pp[drop], minlength=len(o))
        state[name] = [[remap_rows(x, remap) if i % 2 else x.copy() for i, x in enumerate(top)], n_within,
                       (pp[~drop], remap_rows(ps[~drop], remap))]
        affected[name] = np.flatnonzero(hit)
    if any(a.size for a in affected.values()):
        snap = take_snap(inp.site_snap, remaining)
        return_first = nearest_destination(rg, snap, remaining)
        first = return_first.take(rg_needed)
        if second:
            ends = np.concatenate([np.r_[o.snap.node_a[affected[k]], o.snap.node_b[affected[k]]]
                                   for k, o in origins(inp)])
            cells = rg_needed[ends[ends >= 0]]
            sec = second_nearest_destination(rg, snap, return_first, remaining, cells_of=cells).take(rg_needed)
        for name, o in origins(inp):
            a = affected[name]
            if not a.size:
                continue
            f = read_at_points(first, o.snap)
            top = state[name][0]
            top[0][a], top[1][a] = f.time_s[a], f.site[a]
            if second:
                s = read_second_at_points(first, sec, o.snap, f.site)
                top[2][a], top[3][a] = s.time_s[a], s.site[a]
            else:
                top[2][a], top[3][a] = np.inf, -1
    return state


def add_sites(rg: RoutingGraph, state: dict, add_mask: np.ndarray, added: np.ndarray, inp: Inputs, main_s: float,
              second: bool) -> None:
    """Merge the added sites (``added`` rows; ``add_mask`` bool (n_communes, len(added)): who may use each)."""
    n_sites = len(inp.terr.site_id)
    radius = np.full(added.size, main_s)
    for name, o in origins(inp):
        top = state[name][0]
        bound = top[2] if second else top[0]
        ok = o.snap.snapped
        for j in range(added.size):
            b = bound[ok & add_mask[o.commune, j]]
            if b.size:
                radius[j] = max(radius[j], float(b.max()))
    reach = destinations_within(rg, take_snap(inp.site_snap, added), radius, nodes=inp.needed, dest_index=added)
    col = np.full(n_sites, -1)
    col[added] = np.arange(added.size)
    local = ReachPairs(np.searchsorted(inp.needed, reach.node), reach.site, reach.time_s)
    for name, o in origins(inp):
        pairs = origin_pairs(local, o.snap, inp.needed.size, n_sites)
        pairs = pairs.where(add_mask[o.commune[pairs.origin], col[pairs.site]])
        top, n_within, (pp, ps) = state[name]
        merged = merge_top2(tuple(top), top2_of_pairs(len(o), pairs))
        within = pairs.where(pairs.time_s <= main_s)
        state[name] = [list(merged), n_within + np.bincount(within.origin, minlength=len(o)),
                       (np.r_[pp, within.origin], np.r_[ps, within.site].astype(ps.dtype))]


def theme_times_of(state: dict, plan: ThemePlan, second: bool) -> ThemeTimes:
    (pt, n_p, pw), (mt, n_m, mw) = state["p"], state["m"]
    sizes = np.array([len(s) for s in plan.groups.sites])
    return ThemeTimes(p_time_s=pt[0], p_site=pt[1], p_second_s=pt[2], p_second_site=pt[3], p_n_within=n_p,
                      m_time_s=mt[0], m_site=mt[1], m_second_s=mt[2], m_n_within=n_m, pairs_within=pw,
                      site_rows=np.unique(np.concatenate(plan.groups.sites)),
                      n_eligible_sites=sizes[plan.groups.group_of_commune], has_second=second,
                      m_second_site=mt[3], m_pairs_within=mw)

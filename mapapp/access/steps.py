"""Steps A, B, C of a run: the searches, and the two nearest sites and overlap of every origin.

Internal to :mod:`mapapp.access.run`, whose docstring explains the method.
"""

from __future__ import annotations

import time

import numpy as np

from mapapp.access.dijkstra import read_at_points, read_second_at_points
from mapapp.access.indicators import ThemeTimes
from mapapp.access.pairs import Pairs, Top2, merge_pairs, merge_top2, origin_pairs, top2_of_pairs
from mapapp.access.prepare import Inputs, Origins, ThemePlan
from mapapp.access.searches import SearchRunner


def _u_top(plan: ThemePlan, o: Origins, pairs: Pairs, passes, u_mask: np.ndarray) -> Top2:
    """The two nearest unrestricted sites of every origin (exact, see module doc)."""
    k = len(o)
    tops = [top2_of_pairs(k, pairs.where(u_mask[pairs.site]))]
    key = tuple(plan.u_rows.tolist())
    if key in passes and k:
        first, second = passes[key]
        f = read_at_points(first, o.snap)
        sec = read_second_at_points(first, second, o.snap, f.site)
        tops.append((f.time_s, f.site, sec.time_s, sec.site))
    return merge_top2(*tops)


def _needs_pass(plan: ThemePlan, o: Origins, pairs: Pairs, u_mask: np.ndarray, inp: Inputs,
                wanted: int) -> np.ndarray:
    """Graph nodes of the origins that A leaves without ``wanted`` U sites within the main threshold."""
    close = u_mask[pairs.site] & (pairs.time_s <= plan.main_s)
    short = o.snap.snapped & (np.bincount(pairs.origin[close], minlength=len(o)) < wanted)
    ends = np.concatenate([o.snap.node_a[short], o.snap.node_b[short]])
    return inp.needed[ends[ends >= 0]]


def _u_mask(plan: ThemePlan, n_sites: int) -> np.ndarray:
    mask = np.zeros(n_sites, dtype=bool)
    mask[plan.u_rows] = True
    return mask


def theme_times(plan: ThemePlan, inp: Inputs, pairs: dict[str, Pairs], u_top: dict[str, Top2],
                second: bool = True) -> ThemeTimes:
    """Final values of one theme at every origin: two nearest eligible sites, sites within the main threshold.

    Candidates: the unrestricted top two (``u_top``) and every eligible
    restricted site found by steps A and C.
    """
    out = {}
    g = plan.groups.group_of_commune
    n_sites = len(inp.terr.site_id)
    u_mask = _u_mask(plan, n_sites)
    site_rows = np.unique(np.concatenate(plan.groups.sites))
    in_theme = np.zeros(n_sites, dtype=bool)
    in_theme[site_rows] = True
    for name, o in (("p", inp.points), ("m", inp.mains)):
        elig = pairs[name].where(in_theme[pairs[name].site])
        if len(plan.groups.sites) > 1:  # keep the sites each origin's commune may use
            elig = elig.where(plan.member[g[o.commune][elig.origin], elig.site])
        restricted = top2_of_pairs(len(o), elig.where(~u_mask[elig.site]))
        within = elig.where(elig.time_s <= plan.main_s)
        out[name] = merge_top2(u_top[name], restricted) + (
            np.bincount(within.origin, minlength=len(o)), (within.origin, within.site))
    sizes = np.array([len(s) for s in plan.groups.sites])
    return ThemeTimes(p_time_s=out["p"][0], p_site=out["p"][1], p_second_s=out["p"][2],
                      p_second_site=out["p"][3], p_n_within=out["p"][4], m_time_s=out["m"][0],
                      m_site=out["m"][1], m_second_s=out["m"][2], m_n_within=out["m"][4],
                      pairs_within=out["p"][5], site_rows=site_rows,
                      n_eligible_sites=sizes[g], has_second=second, m_second_site=out["m"][3],
                      m_pairs_within=out["m"][5])


def run_steps(inp: Inputs, todo: list[ThemePlan], runner: SearchRunner, second: bool = True):
    """Steps A, B, C on ``runner``: candidate pairs, and U-top-two per theme.

    With ``second=False`` only the nearest site is exact (one search per
    unrestricted set instead of two; restricted sites searched as far as the
    nearest unrestricted one).

    Returns:
        (pairs, u_tops, counts): pairs {"p": points, "m": main points}, one
        {"p", "m"} top-two dict per plan of ``todo``, and timings/counts.
    """
    n_sites, q = len(inp.terr.site_id), inp.needed.size
    snapped = inp.site_snap.snapped
    origins = {"p": inp.points, "m": inp.mains}
    clock = [time.perf_counter()]
    # A: every site, bounded by the largest main threshold of the themes using it
    radius_a = np.full(n_sites, -1.0)
    for plan in todo:
        rows = np.unique(np.concatenate(plan.groups.sites))
        radius_a[rows] = np.maximum(radius_a[rows], plan.main_s)
    radius_a[~snapped] = -1.0
    reach = runner.reach(radius_a)
    pairs = {k: origin_pairs(reach, o.snap, q, n_sites) for k, o in origins.items()}
    clock.append(time.perf_counter())
    # B: one pass per distinct unrestricted set, second nearest only in the cells still needed
    masks = [_u_mask(plan, n_sites) for plan in todo]
    needs: dict[tuple[int, ...], list[np.ndarray]] = {}
    for plan, u_mask in zip(todo, masks):
        if plan.u_rows.size:
            need = [_needs_pass(plan, o, pairs[k], u_mask, inp, 2 if second else 1) for k, o in origins.items()]
            if any(n.size for n in need):
                needs.setdefault(tuple(plan.u_rows.tolist()), []).extend(need)
    passes = runner.passes({k: np.unique(np.concatenate(v)) if second else np.zeros(0, np.int64)
                            for k, v in needs.items()})
    u_tops = [{k: _u_top(plan, o, pairs[k], passes, u_mask) for k, o in origins.items()}
              for plan, u_mask in zip(todo, masks)]
    clock.append(time.perf_counter())
    # C: restricted sites, as far as the second-nearest unrestricted site of the origins allowed to use them
    radius_c = np.full(n_sites, -1.0)
    for plan, u_top in zip(todo, u_tops):
        for gi, rows in enumerate(plan.groups.sites):
            restricted = np.setdiff1d(rows[snapped[rows]], plan.u_rows)
            if restricted.size == 0:
                continue
            worst = np.concatenate([u_top[k][2 if second else 0][o.snap.snapped
                                                                 & (plan.groups.group_of_commune[o.commune] == gi)]
                                    for k, o in origins.items()])
            if worst.size:
                need = max(float(worst.max()), plan.main_s)
                grow = restricted[radius_a[restricted] < need]
                radius_c[grow] = np.maximum(radius_c[grow], need)
    if (radius_c >= 0).any():
        more = runner.reach(radius_c, "restricted")
        for k, o in origins.items():
            pairs[k] = merge_pairs(pairs[k], origin_pairs(more, o.snap, q, n_sites), n_sites)
    clock.append(time.perf_counter())
    steps = np.diff(clock)
    return pairs, u_tops, {"search_reach": steps[0], "search_passes": steps[1], "search_restricted": steps[2],
                           "n_passes": len(needs), "n_reach_sites": int((radius_a >= 0).sum()),
                           "n_restricted_sites": int((radius_c >= 0).sum()),
                           "n_restricted_unbounded": int(np.isinf(radius_c).sum())}

"""Best place for new sites (maximal covering location problem), and the sites that could close (issue 14).

:func:`best_places`: for one theme of a :class:`~mapapp.access.whatif.WhatIfState`
(one mode), a threshold (the theme's main threshold by default) and candidate
places (each commune's main point by default, :func:`commune_candidates`; or
any table with snap columns), choose ``k`` new sites maximising the population
*newly* covered: inhabitants of the population points beyond the threshold of
every site they may use today, and within it of a chosen candidate. A new site
is assumed open to everyone (no eligibility zone).

1. Coverage sets: one search per candidate on the reversed graph, bounded by
   the threshold, with the engine's kernel (:class:`~mapapp.access.searches.SearchRunner`,
   in this process or on ``workers`` processes), read at the points through
   their snap exactly as the engine does.
2. Points with the same set of covering candidates are merged (their
   populations summed): the problem only depends on these patterns.
3. Solve, for each ``k = 1 .. k_max`` (the best sets need not be nested):

   - ``"milp"``: the textbook MCLP integer programme (Church & ReVelle 1974):
     ``max sum w_i y_i`` with ``y_i <= sum_{j covers i} x_j``, ``sum x_j = k``,
     ``x`` binary, ``y`` in [0, 1], solved by :func:`scipy.optimize.milp`
     (HiGHS, a maintained branch-and-cut solver, already a dependency through
     scipy: spopt's MCLP would add PuLP and its CBC binary for the same
     model). Exact; measured ~0.45 s per ``k`` for the demo's 150 communes
     (595 merged patterns) and ~0.1 s for 600 synthetic communes, on a loaded
     2-core machine (``scripts/bench_placement.py``);
   - ``"greedy"``: repeatedly the candidate with the largest marginal gain.
     Coverage is monotone submodular, so greedy covers at least
     ``(1 - 1/e)`` ~ 63 % of the optimum (Nemhauser, Wolsey & Fisher 1978); we
     also report the data-dependent bound ``min_i (value_i + sum of the k
     largest gains at step i)`` >= optimum, usually much tighter;
   - ``"auto"`` (default): MILP when the merged problem is small enough to
     solve quickly (<= :data:`MILP_MAX_NONZEROS` nonzeros), greedy otherwise;
     when HiGHS stops at its time limit without proving optimality, the better
     of its incumbent and greedy is returned, flagged ``optimal = False``.

:func:`closure_losses` is the inverse: the theme's sites ranked by the
population that closing each one alone would leave beyond the main threshold
(``population_only_site``, computed by the engine for every run).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from mapapp.access.dijkstra import routing_graph
from mapapp.access.frames import SNAP_COLUMNS, has_snap, require_columns, snap_from_frame
from mapapp.access.pairs import origin_pairs
from mapapp.access.searches import SearchRunner

__all__ = ["MILP_MAX_NONZEROS", "Placement", "as_new_sites", "best_places", "closure_losses", "commune_candidates",
           "coverage_matrix", "site_candidates", "solve_mclp"]

#: Above this many nonzeros in the merged coverage matrix, ``"auto"`` uses greedy.
MILP_MAX_NONZEROS = 2_000_000
MILP_TIME_LIMIT_S = 20.0


def commune_candidates(communes: pd.DataFrame) -> pd.DataFrame:
    """Each commune's main point (town hall) as a candidate: ``candidate_id`` (commune code) and snap columns.

    The main points are snapped as origins (``direction="out"``); on a graph
    with oneway streets, snap the candidates as destinations (``"in"``) instead
    and pass them to :func:`best_places` for exact times at the new site.
    """
    if not has_snap(communes, "main_"):
        raise ValueError("communes : pas de point principal rattaché au réseau (colonnes main_node_a…)")
    snap = snap_from_frame(communes, "main_")
    out = pd.DataFrame({"candidate_id": communes["commune"].astype(str).to_numpy()})
    for col in SNAP_COLUMNS:
        out[col] = getattr(snap, col)
    return out


def site_candidates(sites: pd.DataFrame, exclude=()) -> pd.DataFrame:
    """Existing sites (e.g. partners' premises that could host a permanence) as candidates, minus ``exclude``.

    ``candidate_id`` is the ``site_id``; the sites' snap (``direction="in"``) is the right one for a new site.
    """
    require_columns(sites, "lieux", ("site_id", *SNAP_COLUMNS))
    keep = ~sites["site_id"].isin(list(exclude))
    return sites.loc[keep, ["site_id", *SNAP_COLUMNS]].rename(columns={"site_id": "candidate_id"}) \
        .reset_index(drop=True)


def as_new_sites(candidates: pd.DataFrame, candidate_ids, prefix: str = "NOUVEAU-") -> pd.DataFrame:
    """The chosen candidates as ``add_sites`` rows for :func:`~mapapp.access.whatif.what_if`.

    ``site_id`` is ``prefix`` + the candidate id; the snap columns are the candidates' (same graph, same mode).
    """
    chosen = candidates.set_index("candidate_id").loc[list(candidate_ids)].reset_index()
    return chosen.assign(site_id=prefix + chosen["candidate_id"].astype(str))[["site_id", *SNAP_COLUMNS]]


def coverage_matrix(state, candidates: pd.DataFrame, threshold_s: float, workers: int = 1) -> sp.csr_matrix:
    """bool CSR (n_candidates, n_points): the points within ``threshold_s`` of each candidate."""
    require_columns(candidates, "candidats", ("candidate_id", *SNAP_COLUMNS))
    inp = state.inp
    rg = routing_graph(state.graph)
    snap = snap_from_frame(candidates)
    if max(snap.node_a.max(initial=-1), snap.node_b.max(initial=-1)) >= rg.n_nodes:
        raise ValueError("candidats : nœuds hors du réseau (rattachés à un autre graphe ?)")
    n_c = len(candidates)
    radius = np.where(snap.snapped, float(threshold_s), -1.0)
    with SearchRunner({"placement": (rg, snap, inp.needed)}, workers) as runner:
        reach = runner.reach(radius, "placement")
    pairs = origin_pairs(reach, inp.points.snap, inp.needed.size, n_c)
    pairs = pairs.where(pairs.time_s <= threshold_s)
    return sp.csr_matrix((np.ones(len(pairs), dtype=bool), (pairs.site, pairs.origin)),
                         shape=(n_c, len(inp.points)))


def _patterns(cover: sp.csr_matrix, weight: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Merge points with the same covering candidates: (patterns x candidates) CSR and summed weights."""
    by_point = cover.T.tocsr()
    by_point.sort_indices()
    keep = (np.diff(by_point.indptr) > 0) & (weight > 0)
    rows = np.flatnonzero(keep)
    keys: dict[bytes, int] = {}
    group = np.empty(rows.size, dtype=np.int64)
    for n, r in enumerate(rows):
        key = by_point.indices[by_point.indptr[r]:by_point.indptr[r + 1]].tobytes()
        group[n] = keys.setdefault(key, len(keys))
    w = np.bincount(group, weights=weight[rows], minlength=len(keys))
    first = np.full(len(keys), -1)
    first[group[::-1]] = rows[::-1]
    return (by_point[first] > 0).astype(np.float64).tocsr() if len(keys) else \
        sp.csr_matrix((0, cover.shape[0])), w


def _value(a: sp.csr_matrix, w: np.ndarray, chosen) -> float:
    if not len(chosen):
        return 0.0
    return float(w[np.asarray(a[:, list(chosen)].sum(axis=1)).ravel() > 0].sum())


def _greedy(a: sp.csr_matrix, w: np.ndarray, k: int) -> tuple[list[int], float, float]:
    """Greedy choice, its value and an upper bound on the optimum (submodularity)."""
    at = a.T.tocsr()
    left = w.copy()
    chosen: list[int] = []
    value, bound = 0.0, np.inf
    for _ in range(k):
        gain = at @ left
        gain[chosen] = -1.0
        top = np.sort(gain[gain > 0])[::-1][:k]
        bound = min(bound, value + float(top.sum()))
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        chosen.append(j)
        value += float(gain[j])
        left[a[:, j].nonzero()[0]] = 0.0
    return chosen, value, min(bound, value + float(np.sort(at @ left)[::-1][:k].sum()))


def _milp(a: sp.csr_matrix, w: np.ndarray, k: int, time_limit: float) -> tuple[list[int] | None, bool]:
    n_r, n_c = a.shape
    c = np.r_[np.zeros(n_c), -w]
    cover = LinearConstraint(sp.hstack([-a, sp.identity(n_r)]).tocsr(), -np.inf, 0.0)
    count = LinearConstraint(np.r_[np.ones(n_c), np.zeros(n_r)][None, :], k, k)
    res = milp(c, constraints=[cover, count], integrality=np.r_[np.ones(n_c), np.zeros(n_r)],
               bounds=Bounds(0, 1), options={"time_limit": time_limit, "disp": False})
    if res.x is None:
        return None, False
    return [int(j) for j in np.flatnonzero(res.x[:n_c] > 0.5)], res.status == 0


def solve_mclp(a: sp.csr_matrix, w: np.ndarray, k: int, method: str = "auto",
               time_limit: float = MILP_TIME_LIMIT_S) -> dict:
    """Choose ``k`` columns of ``a`` (patterns x candidates, 0/1) maximising the weight of covered rows.

    Returns ``{"chosen", "value", "method", "optimal", "upper_bound"}``.
    """
    if method not in ("auto", "milp", "greedy"):
        raise ValueError(f"méthode inconnue : {method!r} (auto, milp ou greedy)")
    n_c = a.shape[1]
    k = min(k, n_c)
    g_chosen, g_value, bound = _greedy(a, w, k)
    use_milp = method == "milp" or (method == "auto" and a.nnz <= MILP_MAX_NONZEROS)
    if not use_milp or k == 0 or a.shape[0] == 0:
        exact = g_value >= bound - 1e-9 * max(1.0, bound)
        return {"chosen": g_chosen, "value": g_value, "method": "greedy", "optimal": exact, "upper_bound": bound}
    chosen, optimal = _milp(a, w, k, time_limit)
    value = _value(a, w, chosen) if chosen is not None else -1.0
    if chosen is None or value < g_value:
        chosen, value, optimal = g_chosen, g_value, False
    return {"chosen": chosen, "value": value, "method": "milp", "optimal": optimal,
            "upper_bound": value if optimal else bound}


@dataclass
class Placement:
    """Best new sites for k = 1 .. k_max.

    Attributes:
        choices: ``k, rank, candidate_id, population_new`` (inhabitants not
            covered today that it covers), ``population_only_new`` (of those,
            covered by no other chosen site).
        summary: ``k, population_newly_covered, population_covered_before,
            population_covered_after, population_total, method, optimal,
            upper_bound`` (on the newly covered population).
        threshold_min, theme, mode; timings_s: seconds per stage.
    """

    choices: pd.DataFrame
    summary: pd.DataFrame
    theme: str
    mode: str
    threshold_min: float
    timings_s: dict[str, float] = field(default_factory=dict)


def best_places(state, theme: str, k_max: int = 5, *, threshold_min: float | None = None,
                candidates: pd.DataFrame | None = None, method: str = "auto", workers: int = 1,
                time_limit: float = MILP_TIME_LIMIT_S) -> Placement:
    """The ``k`` best new sites for ``theme`` for each ``k = 1 .. k_max`` (see the module doc).

    Args:
        state: a :class:`~mapapp.access.whatif.WhatIfState` (its mode, current times); one built
            with this theme alone is enough (``whatif_state(..., [theme])``: one theme's compute).
        theme: key of one of the state's themes.
        threshold_min: coverage threshold (minutes); the theme's main threshold by default.
        candidates: ``candidate_id`` and snap columns; default :func:`commune_candidates`
            (concatenate :func:`site_candidates` for partner sites too).
        method: ``"auto"``, ``"milp"`` or ``"greedy"``.
        workers: processes for the coverage searches.
    """
    clock = [time.perf_counter()]
    if theme not in state.times:
        raise ValueError(f"thème inconnu : {theme!r}")
    if k_max < 1:
        raise ValueError("k_max doit valoir au moins 1")
    mode = state.graph.mode
    thr = state.plans[theme].theme.thresholds_for(mode).main_min if threshold_min is None else float(threshold_min)
    cand = commune_candidates(state.communes) if candidates is None else candidates
    if cand["candidate_id"].duplicated().any():
        raise ValueError("candidats : candidate_id en double")
    threshold_s = thr * 60.0
    w = state.inp.terr.population
    covered = state.times[theme].p_time_s <= threshold_s
    cover = coverage_matrix(state, cand, threshold_s, workers)
    clock.append(time.perf_counter())
    a, pw = _patterns(cover, np.where(covered, 0.0, w))
    clock.append(time.perf_counter())
    ids = cand["candidate_id"].to_numpy()
    before = float(w[covered].sum())
    new_w = np.where(covered, 0.0, w)
    rows, summary = [], []
    for k in range(1, k_max + 1):
        sol = solve_mclp(a, pw, k, method, time_limit)
        chosen = sorted(sol["chosen"], key=lambda j: -float(new_w[cover[j].indices].sum()))
        hit = np.asarray(cover[chosen].sum(axis=0)).ravel() if chosen else np.zeros(len(w))
        for rank, j in enumerate(chosen, 1):
            mine = cover[j].indices
            rows.append({"k": k, "rank": rank, "candidate_id": ids[j], "population_new": float(new_w[mine].sum()),
                         "population_only_new": float(new_w[mine][hit[mine] == 1].sum())})
        summary.append({"k": k, "population_newly_covered": sol["value"], "population_covered_before": before,
                        "population_covered_after": before + sol["value"], "population_total": float(w.sum()),
                        "method": sol["method"], "optimal": bool(sol["optimal"]),
                        "upper_bound": float(sol["upper_bound"])})
    clock.append(time.perf_counter())
    steps = dict(zip(("coverage", "patterns", "solve"), np.diff(clock).tolist()), total=clock[-1] - clock[0],
                 n_candidates=len(cand), n_patterns=a.shape[0])
    cols = ["k", "rank", "candidate_id", "population_new", "population_only_new"]
    return Placement(pd.DataFrame(rows, columns=cols), pd.DataFrame(summary), theme, mode, thr, steps)


def closure_losses(results, theme: str) -> pd.DataFrame:
    """The theme's sites, those whose closing alone loses the fewest inhabitants first.

    From the engine's ``sites`` table (:class:`~mapapp.access.run.AccessResults`
    of one mode): ``site_id, population_only_site`` (inhabitants within the main
    threshold of this site and of no other eligible site: who would fall
    beyond it), ``population_reached, population_nearest``; ties by fewer
    ``population_nearest``. Closing several sites may lose more than the sum
    (inhabitants covered by exactly those): check a set with
    :func:`mapapp.access.whatif.what_if`.
    """
    s = results.sites
    if theme not in set(s["theme"]):
        raise ValueError(f"thème inconnu : {theme!r}")
    s = s[s["theme"] == theme]
    cols = ["site_id", "population_only_site", "population_reached", "population_nearest"]
    return s.sort_values(["population_only_site", "population_nearest", "site_id"], kind="stable")[cols] \
        .reset_index(drop=True)


def exhaustive_mclp(a: sp.csr_matrix, w: np.ndarray, k: int) -> float:
    """The optimum by trying every set of ``k`` candidates (tests, tiny cases only)."""
    return max((_value(a, w, c) for c in itertools.combinations(range(a.shape[1]), k)), default=0.0)

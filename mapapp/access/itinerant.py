"""Schedule proposals for itinerant services: which stops, how often (issue 14 §4). Pure: no database.

A bus (an itinerant France Services, a mobile permanence) has candidate stops
and ``half_days`` half-days of service per period (a week or a month); one
half-day is one visit to one stop. Which stops should it serve, and how many
half-days each, to reach the most people who are today beyond the threshold
of every fixed site?

Model. ``a[i, j] = 1`` when stop ``j`` is within the threshold of population
pattern ``i`` (points merged by their set of covering stops, as in
:mod:`mapapp.access.placement`); ``w[i]`` its inhabitants beyond the threshold
today. A stop gets ``f_j`` visits (integer, ``0 <= f_j <= max_per_stop``,
``sum f_j <= half_days``). A pattern is *served* in proportion to the visits
it can reach, up to ``visits_needed`` (1: one visit per period is enough;
4 on a monthly period: once a week)::

    maximise   sum_i w_i y_i
    subject to visits_needed * y_i <= sum_j a_ij f_j,   0 <= y_i <= 1,
               sum_j f_j <= half_days,   f_j integer in [0, max_per_stop].

So the objective counts « people × share of the needed frequency they get »;
with ``visits_needed = 1`` it is the maximal covering problem where each
half-day opens one stop. Solved exactly as an integer programme by
:func:`scipy.optimize.milp` (HiGHS): a bus has tens of stops, so the
programme is tiny and exact in milliseconds, the same solver as the best
place (no new dependency). A greedy over (stop, half-day) — give the next
half-day to the stop with the largest marginal gain — is also computed: the
objective is a sum of concave functions of non-negative linear forms of
``f``, so it is DR-submodular on the integer lattice and the greedy reaches at
least ``1 - 1/e`` of the optimum; it is returned (flagged non optimal) only
when HiGHS fails or stops at its time limit with a worse solution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from mapapp.access.placement import _patterns, coverage_matrix

__all__ = ["Schedule", "greedy_schedule", "propose_schedule", "schedule_from_state", "solve_schedule"]

TIME_LIMIT_S = 20.0


def _served(a: sp.csr_matrix, w: np.ndarray, f: np.ndarray, needed: int) -> float:
    reach = a @ f.astype(float)
    return float((w * np.minimum(1.0, reach / needed)).sum())


def greedy_schedule(a: sp.csr_matrix, w: np.ndarray, half_days: int, max_per_stop: int, needed: int = 1
                    ) -> np.ndarray:
    """Visits per stop, one half-day at a time to the stop with the largest marginal gain."""
    n_s = a.shape[1]
    f = np.zeros(n_s, dtype=int)
    at = a.T.tocsr()
    reach = np.zeros(a.shape[0])
    for _ in range(half_days):
        room = np.minimum(1.0, (reach + 1) / needed) - np.minimum(1.0, reach / needed)  # per pattern, one visit more
        gain = at @ (w * room)
        gain[f >= max_per_stop] = -1.0
        j = int(np.argmax(gain)) if n_s else -1
        if j < 0 or gain[j] <= 1e-12:
            break
        f[j] += 1
        reach += a[:, j].toarray().ravel()
    return f


def solve_schedule(a: sp.csr_matrix, w: np.ndarray, half_days: int, max_per_stop: int, needed: int = 1,
                   time_limit: float = TIME_LIMIT_S) -> tuple[np.ndarray, float, bool, str]:
    """(visits per stop, value, optimal, method) of the programme in the module doc."""
    n_r, n_s = a.shape
    g = greedy_schedule(a, w, half_days, max_per_stop, needed)
    g_value = _served(a, w, g, needed)
    if n_r == 0 or n_s == 0 or half_days == 0:
        return g, g_value, True, "greedy"
    c = np.r_[np.zeros(n_s), -w]
    link = LinearConstraint(sp.hstack([-a, needed * sp.identity(n_r)]).tocsr(), -np.inf, 0.0)
    budget = LinearConstraint(np.r_[np.ones(n_s), np.zeros(n_r)][None, :], 0, half_days)
    upper = np.r_[np.full(n_s, float(max_per_stop)), np.ones(n_r)]
    res = milp(c, constraints=[link, budget], integrality=np.r_[np.ones(n_s), np.zeros(n_r)],
               bounds=Bounds(np.zeros(n_s + n_r), upper), options={"time_limit": time_limit, "disp": False})
    if res.x is None:
        return g, g_value, False, "greedy"
    f = np.round(res.x[:n_s]).astype(int)
    value = _served(a, w, f, needed)
    if value < g_value - 1e-9:
        return g, g_value, False, "greedy"
    return f, value, res.status == 0, "milp"


@dataclass
class Schedule:
    """A proposed schedule.

    Attributes:
        stops: ``stop_id, visits`` (half-days per period, > 0 only), ``population_reached``
            (inhabitants beyond the threshold today within it of the stop), ``population_only``
            (of those, reached by no other chosen stop); most visits first.
        population_beyond: inhabitants beyond the threshold today (of every fixed site);
        population_reached: of those, within the threshold of a chosen stop;
        population_served: the objective (inhabitants × share of the needed visits they get);
        optimal, method (``"milp"`` or ``"greedy"``), threshold_min, half_days, max_per_stop, visits_needed.
    """

    stops: pd.DataFrame
    population_beyond: float
    population_reached: float
    population_served: float
    optimal: bool
    method: str
    threshold_min: float
    half_days: int
    max_per_stop: int
    visits_needed: int


def propose_schedule(cover: sp.csr_matrix, weight: np.ndarray, stop_ids, half_days: int, *, max_per_stop: int = 1,
                     visits_needed: int = 1, threshold_min: float = float("nan"),
                     time_limit: float = TIME_LIMIT_S) -> Schedule:
    """The schedule from a coverage matrix (stops × points, bool) and the points' inhabitants beyond the threshold."""
    if half_days < 0 or max_per_stop < 1 or visits_needed < 1:
        raise ValueError("demi-journées ≥ 0, visites par arrêt ≥ 1 et visites nécessaires ≥ 1")
    stop_ids = np.asarray(list(stop_ids), dtype=object)
    if len(stop_ids) != cover.shape[0]:
        raise ValueError("un identifiant par arrêt candidat")
    weight = np.asarray(weight, dtype=float)
    a, pw = _patterns(cover, weight)
    f, value, optimal, method = solve_schedule(a, pw, half_days, max_per_stop, visits_needed, time_limit)
    chosen = np.flatnonzero(f > 0)
    hit = np.asarray(cover[chosen].sum(axis=0)).ravel() if len(chosen) else np.zeros(cover.shape[1])
    rows = []
    for j in chosen:
        mine = cover[j].indices
        rows.append({"stop_id": stop_ids[j], "visits": int(f[j]), "population_reached": float(weight[mine].sum()),
                     "population_only": float(weight[mine][hit[mine] == 1].sum())})
    stops = pd.DataFrame(rows, columns=["stop_id", "visits", "population_reached", "population_only"])
    stops = stops.sort_values(["visits", "population_reached"], ascending=False, kind="stable").reset_index(drop=True)
    return Schedule(stops, float(weight.sum()), float(weight[hit > 0].sum()), value, bool(optimal), method,
                    float(threshold_min), int(half_days), int(max_per_stop), int(visits_needed))


def schedule_from_state(state, theme: str, stops: pd.DataFrame, half_days: int, *, threshold_min: float | None = None,
                        max_per_stop: int = 1, visits_needed: int = 1, workers: int = 1) -> Schedule:
    """:func:`propose_schedule` for ``theme`` of a :class:`~mapapp.access.whatif.WhatIfState`.

    ``state`` is the situation *without* the bus (its stops removed): the people to reach are those
    beyond the threshold of every other site. ``stops``: ``candidate_id`` and snap columns
    (:func:`mapapp.access.placement.site_candidates` of the bus's stops, or any candidate places).
    """
    if theme not in state.times:
        raise ValueError(f"thème inconnu : {theme!r}")
    mode = state.graph.mode
    thr = state.plans[theme].theme.thresholds_for(mode).main_min if threshold_min is None else float(threshold_min)
    w = state.inp.terr.population
    beyond = np.where(state.times[theme].p_time_s <= thr * 60.0, 0.0, w)
    cover = coverage_matrix(state, stops, thr * 60.0, workers)
    return propose_schedule(cover, beyond, stops["candidate_id"], half_days, max_per_stop=max_per_stop,
                            visits_needed=visits_needed, threshold_min=thr)

"""What the method choices change: the share beyond a threshold with other access legs, from stored points.

Every stored population point carries the access leg it was charged
(``access_leg_min``, by the mode's policy) and what walking it would have
cost (``walk_leg_min``: distance to the road at walking speed). Because an
origin's leg is added to both nodes it reaches, it is a constant of that
origin: removing it, or replacing it by the walked one, gives that origin's
exact time under the other policy **for the same destinations' snaps**
(the sites' own legs are not changed by this comparison; they follow the
mode's policy in every variant). Pure: a data frame in, numbers out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Columns :func:`access_leg_effect` needs (stored by ``mapapp compute`` since issue 10).
LEG_COLUMNS = ("population", "time_min", "access_m", "access_leg_min", "walk_leg_min")


@dataclass(frozen=True)
class LegEffect:
    """Shares of inhabitants strictly beyond ``threshold_min`` (unreachable included) under three policies."""

    threshold_min: float
    population: float
    share_current: float  # the results as stored (the mode's policy)
    share_walked: float  # every origin's leg walked at walking speed
    share_no_leg: float  # no origin pays any leg (tied to the road)
    mean_walk_leg_min: float  # population-weighted walk from the point to its road
    max_walk_leg_min: float
    share_points_on_road: float  # population within 10 m of its road


def access_leg_effect(points: pd.DataFrame, threshold_min: float) -> LegEffect | None:
    """The :class:`LegEffect` of one (mode, theme)'s stored points, or None for results without the columns."""
    if any(c not in points.columns for c in LEG_COLUMNS) or points.empty:
        return None
    w = points["population"].to_numpy(dtype=float)
    t = points["time_min"].to_numpy(dtype=float)
    leg = np.nan_to_num(points["access_leg_min"].to_numpy(dtype=float))
    walk = np.nan_to_num(points["walk_leg_min"].to_numpy(dtype=float))
    total = float(w.sum())
    if total <= 0:
        return None
    snapped = np.isfinite(points["walk_leg_min"].to_numpy(dtype=float))

    def share(times):
        return float((w * (times > threshold_min)).sum() / total)

    base = t - leg  # inf stays inf
    with np.errstate(invalid="ignore"):
        wsn = w[snapped]
        mean_walk = float((wsn * walk[snapped]).sum() / wsn.sum()) if wsn.sum() > 0 else float("nan")
    access_m = points["access_m"].to_numpy(dtype=float)
    on_road = float((w * (np.nan_to_num(access_m, nan=np.inf) <= 10.0)).sum() / total)
    return LegEffect(threshold_min=float(threshold_min), population=total, share_current=share(t),
                     share_walked=share(base + walk), share_no_leg=share(base), mean_walk_leg_min=mean_walk,
                     max_walk_leg_min=float(walk[snapped].max()) if snapped.any() else float("nan"),
                     share_points_on_road=on_road)

"""« Can the person come back the same half-day? » by walk + public transport.

The rule (exact for the journey model of :mod:`mapapp.access.transit`): for a
group of sites ``g`` (one site, or all the sites of a theme), origin ``o`` can
go and come back iff

    E_g(o) + stay_s <= L_g(o)

where ``E_g(o)`` is the earliest arrival at a site of ``g`` leaving home at or
after ``leave_from_s`` (waiting at home included), and ``L_g(o)`` is the
latest departure from a site of ``g`` that is home by ``home_by_s``. The
answer for several groups is "yes" if one group says yes.

Pass **one group per site** for the strict rule (the person comes back from
the site they went to). Passing a theme's sites as **one group** is cheaper
(two scans per theme) but may pair the outbound to one site with a return
from another: an optimistic theme-level answer.

How: ``E_g`` is the profile Connection Scan evaluated at one departure;
``L_g`` is the same scan on the **time-reversed** timetable (times negated,
connection and footpath directions swapped; the change and walking model is
symmetric), which turns "latest departure from ``g`` reaching home by ``H``"
into "earliest reversed arrival at ``g`` leaving home at ``−H``". Only
connections between ``leave_from_s`` and ``home_by_s`` are scanned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mapapp.access.timetable import Timetable
from mapapp.access.transit import (DEFAULT_MIN_CHANGE_S, OriginAccess, _scan_profiles,
                                   arrival_times, egress_vector, prepare)

DEFAULT_LEAVE_FROM_S = 8 * 3600
DEFAULT_HOME_BY_S = 12 * 3600 + 30 * 60


@dataclass(frozen=True, eq=False)
class ReturnCheck:
    """Per group (rows) and origin (columns), seconds after midnight.

    Attributes:
        possible: bool (n_origins,), some group allows the round trip.
        earliest_arrival_s: float (n_groups, n_origins), ``E_g(o)`` (``inf``: unreachable).
        latest_departure_s: float (n_groups, n_origins), ``L_g(o)`` (``-inf``: no way back).
    """

    possible: np.ndarray
    earliest_arrival_s: np.ndarray
    latest_departure_s: np.ndarray


def can_return(tt: Timetable, site_groups: Sequence[object], access: OriginAccess,
               stay_s: int, leave_from_s: int = DEFAULT_LEAVE_FROM_S,
               home_by_s: int = DEFAULT_HOME_BY_S, walk_only: Sequence[object] | None = None,
               footpaths=None, min_change_s: int = DEFAULT_MIN_CHANGE_S) -> ReturnCheck:
    """Apply the module's rule; ``site_groups[g]`` is an egress ``(stops, seconds)`` or mapping.

    ``walk_only[g]`` (optional): per origin, the direct walk to the nearest
    site of group ``g`` (same time both ways).
    """
    if stay_s < 0 or home_by_s < leave_from_s:
        raise ValueError("stay_s must be >= 0 and home_by_s >= leave_from_s")
    fwd = prepare(tt, leave_from_s, home_by_s, footpaths, min_change_s)
    rev = prepare(tt, leave_from_s, home_by_s, footpaths, min_change_s, reverse=True)
    n_g, n_o = len(site_groups), access.n_origins
    early = np.full((n_g, n_o), np.inf)
    late = np.full((n_g, n_o), -np.inf)
    for g, group in enumerate(site_groups):
        egress = egress_vector(group, tt.n_stops)
        walk = None if walk_only is None else walk_only[g]
        out = _scan_profiles(fwd, egress, (leave_from_s, leave_from_s))
        early[g] = arrival_times(out, access, [leave_from_s], walk)[:, 0]
        back = _scan_profiles(rev, egress, (-home_by_s, -home_by_s))
        late[g] = -arrival_times(back, access, [-home_by_s], walk)[:, 0]
    possible = np.any(np.isfinite(early) & (early + stay_s <= late), axis=0)
    return ReturnCheck(possible, early, late)

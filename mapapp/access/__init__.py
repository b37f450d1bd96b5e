"""The accessibility engine: travel times from population points to the nearest offers.

Pure: arrays and DataFrames in, arrays and DataFrames out (no Flask, no
database, no file). Modules, from the kernel up:

- :mod:`~mapapp.access.dijkstra`: multi-source searches on the reversed road
  graph (nearest, second nearest, sites within a radius);
- :mod:`~mapapp.access.themes`: which offers make a destination set, thresholds;
- :mod:`~mapapp.access.eligibility`: eligibility zones (communes, EPCI, départements);
- :mod:`~mapapp.access.frames`: the input tables and their snap columns;
- :mod:`~mapapp.access.indicators`: population-weighted indicator tables;
- :mod:`~mapapp.access.run`: :func:`compute_access` (one mode), the entry point, and
  :func:`compute_access_modes` (several modes sharing one worker pool);
- :mod:`~mapapp.access.scenario`: open/close sites and compare;
- :mod:`~mapapp.access.whatif`: the same, incrementally (:func:`whatif_state` once,
  then :func:`what_if` per change: identical tables, a fraction of the time);
- :mod:`~mapapp.access.placement`: best places for new sites (maximal covering,
  HiGHS MILP or greedy) and the sites whose closing loses the fewest inhabitants;
- :mod:`~mapapp.access.nearest`: the nearest sites of one origin (one search, for the API).
"""

from mapapp.access.dijkstra import (NodeTimes, ReachPairs, destinations_within, nearest_destination,
                                    read_at_points, read_second_at_points, second_nearest_destination)
from mapapp.access.eligibility import ZoneIndex, eligibility_groups
from mapapp.access.frames import SNAP_COLUMNS, attach_snap, snap_from_frame
from mapapp.access.nearest import nearest_sites_from_origin
from mapapp.access.placement import Placement, best_places, closure_losses, commune_candidates
from mapapp.access.run import AccessResults, compute_access, compute_access_modes
from mapapp.access.scenario import ScenarioResult, apply_scenario, compare, run_scenario
from mapapp.access.whatif import WhatIf, WhatIfState, what_if, what_if_modes, whatif_state
from mapapp.access.themes import (EVERYDAY, FRANCE_SERVICES, OPEN_STATUSES, Theme, Thresholds, default_themes,
                                  select_destinations)

__all__ = [
    "AccessResults", "EVERYDAY", "FRANCE_SERVICES", "NodeTimes", "OPEN_STATUSES", "ReachPairs", "SNAP_COLUMNS",
    "ScenarioResult", "Theme", "Thresholds", "ZoneIndex", "apply_scenario", "attach_snap", "compare",
    "compute_access", "compute_access_modes", "default_themes", "destinations_within", "eligibility_groups",
    "nearest_destination", "nearest_sites_from_origin", "read_at_points", "read_second_at_points", "run_scenario", "second_nearest_destination",
    "select_destinations", "snap_from_frame",
    "Placement", "WhatIf", "WhatIfState", "best_places", "closure_losses", "commune_candidates", "what_if",
    "what_if_modes", "whatif_state",
]

"""OpenStreetMap road files to routable graphs per mode (car, walk, bike).

Modules, in pipeline order:

- :mod:`.graph` — the :class:`RoadGraph` / :class:`Snap` contract with :mod:`mapapp.access`;
- :mod:`.profile` — the French speed and access profile (:data:`PROFILE_VERSION`);
- :mod:`.osm` — reading road ways from PBF/XML files with pyosmium;
- :mod:`.build` — graphs per mode, largest strongly connected component;
- :mod:`.snap` — joining points to the nearest suitable road;
- :mod:`.access_leg` — what joining the road costs, per mode (``none``, ``walk``, ``capped``);
- :mod:`.buildings` — building positions of the OSM file (weights of the population placement);
- :mod:`.cache` — built graphs kept on disk, keyed by file hash and profile.

Typical use::

    from mapapp.network import MODES, load_or_build, snap_points
    graphs = load_or_build("roads.osm.pbf", MODES, settings.cache_dir)
    snap = snap_points(graphs["car"], lon, lat, direction="out")
"""

from .access_leg import DEFAULT_ACCESS_LEGS, AccessLeg, AccessLegError
from .build import EARTH_RADIUS_M, build_graph, build_graphs, file_sha256, graph_from_roads, haversine_m
from .cache import cache_key, load_cached, load_graph, load_or_build, save_graph
from .graph import MODES, ROAD_CLASS_INDEX, ROAD_CLASSES, EdgeGeometry, RoadGraph, Snap
from .osm import NetworkError, OsmRoads, read_roads
from .profile import MAXSPEED_FACTOR, PROFILE_VERSION, WALK_KMH, parse_maxspeed, way_rules
from .snap import MAX_SNAP_M, NO_SNAP_CLASSES, snap_points

__all__ = [
    "DEFAULT_ACCESS_LEGS", "MAXSPEED_FACTOR", "AccessLeg", "AccessLegError", "EARTH_RADIUS_M", "MAX_SNAP_M", "MODES", "NO_SNAP_CLASSES", "PROFILE_VERSION", "ROAD_CLASSES",
    "ROAD_CLASS_INDEX", "WALK_KMH", "EdgeGeometry", "NetworkError", "OsmRoads", "RoadGraph", "Snap",
    "build_graph", "build_graphs", "cache_key", "file_sha256", "graph_from_roads", "haversine_m",
    "load_cached", "load_graph", "load_or_build", "parse_maxspeed", "read_roads", "save_graph", "snap_points", "way_rules",
]

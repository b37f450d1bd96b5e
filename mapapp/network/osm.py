"""Read the road ways of an OpenStreetMap file (PBF, XML, ``.osm.bz2``...) into arrays.

The file is read once with pyosmium's :class:`osmium.FileProcessor`: its C++
node-location index stores every node's coordinates (no Python object per
node) and hands each way its node locations; C++ filters drop everything but
ways tagged ``highway`` before Python sees them. Each way's tags go through
:func:`mapapp.network.profile.way_rules` (cached per distinct combination of
relevant tags, since a file has few); ways no mode may use are skipped. What is
left is held in flat numpy arrays, one row per way node.

Clipped extracts (a bounding box or polygon cut of the planet) contain ways
whose nodes lie partly outside the file. Such a way is cut at its missing nodes:
each run of at least two consecutive present nodes is kept as a *piece* and the
rest dropped; :attr:`OsmRoads.report` counts the missing references.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium

from .graph import MODES
from .profile import MAXSPEED_FACTOR, RELEVANT_KEYS, way_rules
from .progress import Progress, make_reporter

#: libosmium's coordinate for a node location it does not know (missing node).
_UNDEFINED_COORDINATE = 2147483647
#: Coordinates are stored by osmium as integers of 1e-7 degree.
_COORDINATE_PRECISION = 10_000_000
#: How many ways between two progress reports.
_REPORT_EVERY = 20_000


class NetworkError(ValueError):
    """An OSM file cannot give a road graph (unreadable, or no usable road in it); the message is in French.

    The message is shown to the person who gave the file (``mapapp compute``,
    ``mapapp territory import``): it names the file and, for a broken file,
    what osmium said (line and column of an XML error, « unexpected EOF » of a
    truncated PBF).
    """


@dataclass(frozen=True, eq=False)
class OsmRoads:
    """The routable ways of one OSM file, cut into pieces of present nodes.

    Attributes:
        path: the file read.
        piece_ptr: int64 (k + 1,), piece ``i``'s nodes are rows
            ``piece_ptr[i]:piece_ptr[i + 1]`` of the node arrays (>= 2 rows each).
        node_ref: int64 (r,), OSM node id of each row.
        lon, lat: float64 (r,), node coordinates in degrees.
        way_id: int64 (k,), the OSM way each piece comes from.
        road_class: uint8 (k,), index into :data:`~mapapp.network.graph.ROAD_CLASSES`.
        speed_kmh: float64 (k, len(MODES), 2), per mode the speed along
            (``[..., 0]``) and against (``[..., 1]``) the node order, km/h;
            0 where the mode may not go in that direction.
        maxspeed_tagged: bool (k,), the car speed came from a ``maxspeed`` tag.
        report: counts for the build report: ``highway_ways`` (ways tagged
            ``highway``), ``road_ways`` (usable by at least one mode),
            ``ignored_ways`` (not usable: footway areas, construction...),
            ``missing_node_refs`` (references of road ways to nodes absent from
            the file), ``ways_cut`` (road ways with such references),
            ``ways_dropped`` (cut ways left with no two consecutive present
            nodes) and ``ways_degenerate`` (ways of one distinct node, ``A A``).
    """

    path: str
    piece_ptr: np.ndarray
    node_ref: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    way_id: np.ndarray
    road_class: np.ndarray
    speed_kmh: np.ndarray
    maxspeed_tagged: np.ndarray
    report: dict = field(default_factory=dict)

    @property
    def n_pieces(self) -> int:
        return int(self.way_id.shape[0])


def read_roads(path: str | Path, progress: Progress = None, *,
               maxspeed_factor: float = MAXSPEED_FACTOR) -> OsmRoads:
    """Read the ways of ``path`` that at least one mode may use.

    Args:
        path: an OSM file; the format comes from the suffix (``.osm.pbf``,
            ``.pbf``, ``.osm``, ``.osm.bz2``, ``.osm.gz``...), as in osmium.
        progress: see :mod:`mapapp.network.progress` (stage ``"read ways"``).
        maxspeed_factor: share of a tagged ``maxspeed`` driven by car
            (:data:`~mapapp.network.profile.MAXSPEED_FACTOR`).

    Returns:
        The road pieces and the report of what was cut or ignored.

    Raises:
        NetworkError: the file is missing or unreadable, or holds no road.
    """
    path = Path(path)
    if not path.is_file():
        raise NetworkError(f"fichier OSM introuvable : {path}")
    report = make_reporter(progress)
    rules_cache: dict[tuple, object] = {}
    way_ids = array("q")
    way_len = array("q")
    classes = array("B")
    speeds = array("d")
    tagged = array("b")
    triples = array("q")  # (ref, x, y) of every way node, flat
    n_highway = 0
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()  # applied before the filters: nodes are indexed, then dropped
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    try:
        for way in processor:
            n_highway += 1
            if n_highway % _REPORT_EVERY == 0:
                report("read ways", n_highway, None)
            tags = way.tags  # a few C++ lookups cost less than building a dict of all tags
            key = tuple([tags.get(k) for k in RELEVANT_KEYS])
            if key in rules_cache:
                rules = rules_cache[key]
            else:
                # only the relevant tags, so that the cache key says it all
                rules = rules_cache[key] = way_rules({k: v for k, v in zip(RELEVANT_KEYS, key) if v is not None},
                                                     maxspeed_factor)
            if rules is None:
                continue
            nodes = way.nodes
            if len(nodes) < 2:
                continue
            road_class, mode_speeds, maxspeed_tagged = rules
            way_ids.append(way.id)
            way_len.append(len(nodes))
            classes.append(road_class)
            for mode in MODES:
                speeds.extend(mode_speeds[mode])
            tagged.append(maxspeed_tagged)
            # one pass over the node list: each access builds a NodeRef object
            triples.extend([v for n in nodes for v in (n.ref, n.x, n.y)])
    except (RuntimeError, ValueError, OSError) as exc:  # osmium: unreadable, unknown format, parse error, truncated
        raise NetworkError(f"fichier OSM illisible {path} (tronqué ou abîmé ?) : {exc}") from exc
    report("read ways", n_highway, n_highway)
    triples_np = _as_numpy(triples, np.int64).reshape(-1, 3)
    roads = _cut_at_missing_nodes(
        path,
        _as_numpy(way_ids, np.int64),
        _as_numpy(way_len, np.int64),
        _as_numpy(classes, np.uint8),
        _as_numpy(speeds, np.float64).reshape(-1, len(MODES), 2),
        _as_numpy(tagged, np.int8).astype(bool),
        triples_np[:, 0],
        triples_np[:, 1],
        triples_np[:, 2],
    )
    roads.report["highway_ways"] = n_highway
    roads.report["maxspeed_factor"] = float(maxspeed_factor)
    roads.report["ignored_ways"] = n_highway - roads.report["road_ways"]
    if roads.n_pieces == 0:
        raise NetworkError(
            f"aucune route utilisable en voiture, à pied ou à vélo dans le fichier OSM {path} "
            f"({n_highway} voies highway, {roads.report['missing_node_refs']} "
            "références à des nœuds absents)"
        )
    return roads


def _as_numpy(values: array, dtype) -> np.ndarray:
    """A zero-copy numpy view of a filled :class:`array.array` (empty-safe)."""
    return np.frombuffer(values, dtype=dtype) if len(values) else np.empty(0, dtype=dtype)


def _cut_at_missing_nodes(path, way_ids, way_len, classes, speeds, tagged, refs, xs, ys) -> OsmRoads:
    """Split ways into pieces of >= 2 consecutive present nodes (vectorised).

    Consecutive repeats of one node (``A A``) are merged: they would make
    zero-length edges.
    """
    n_ways = way_ids.shape[0]
    row_way = np.repeat(np.arange(n_ways, dtype=np.int64), way_len)
    present = xs != _UNDEFINED_COORDINATE
    first_of_way = np.zeros(refs.shape[0], dtype=bool)
    first_of_way[np.cumsum(way_len) - way_len] = True
    # a new run starts at a way's first node or right after a missing node
    new_run = first_of_way.copy()
    new_run[1:] |= ~present[:-1]
    repeat = np.zeros(refs.shape[0], dtype=bool)
    repeat[1:] = (refs[1:] == refs[:-1]) & ~first_of_way[1:]
    keep = present & ~repeat
    run_id = np.cumsum(new_run) - 1
    kept_run = run_id[keep]
    run_size = np.bincount(kept_run, minlength=int(run_id[-1]) + 1 if run_id.size else 0)
    long_enough = run_size >= 2
    rows = np.flatnonzero(keep)[long_enough[kept_run]]
    runs = np.flatnonzero(long_enough)
    sizes = run_size[runs]
    # the way of each kept run: the way of its first row (run ids never decrease)
    run_first_row = np.searchsorted(run_id, runs)
    piece_way = row_way[run_first_row]

    missing = ~present
    missing_per_way = np.bincount(row_way[missing], minlength=n_ways)
    pieces_per_way = np.bincount(piece_way, minlength=n_ways)
    no_piece = pieces_per_way == 0
    report = {
        "road_ways": int(n_ways),
        "missing_node_refs": int(missing.sum()),
        "ways_cut": int((missing_per_way > 0).sum()),
        "ways_dropped": int((no_piece & (missing_per_way > 0)).sum()),
        "ways_degenerate": int((no_piece & (missing_per_way == 0)).sum()),
    }
    piece_ptr = np.zeros(runs.shape[0] + 1, dtype=np.int64)
    np.cumsum(sizes, out=piece_ptr[1:])
    return OsmRoads(
        path=str(path),
        piece_ptr=piece_ptr,
        node_ref=refs[rows].copy(),
        lon=xs[rows] / _COORDINATE_PRECISION,
        lat=ys[rows] / _COORDINATE_PRECISION,
        way_id=way_ids[piece_way].copy(),
        road_class=classes[piece_way].copy(),
        speed_kmh=speeds[piece_way].copy(),
        maxspeed_tagged=tagged[piece_way].copy(),
        report=report,
    )

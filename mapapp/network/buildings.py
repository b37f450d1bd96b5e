"""Where the OSM file's buildings are: one point per building, the weights of the population placement.

:mod:`mapapp.territory.dasymetric` shares a square's inhabitants between the
points placed on its roads in proportion to the buildings nearest to each.
This module reads those buildings: every way tagged ``building=*`` (except
``building=no``) gives the mean of its node positions, every node tagged
``building=*`` its position. Multipolygon relations (large buildings with
courtyards, a few per thousand) are not read. The file is read once with
pyosmium (node locations indexed in C++, only ``building`` objects reach
Python) and the result cached beside the graphs, keyed by the file's SHA-256
and :data:`BUILDINGS_FORMAT`. A file without buildings (the MATSim-derived
extracts of ../shared/realdata hold roads only) gives empty arrays, and the
placement falls back on road length.
"""

from __future__ import annotations

import logging
from array import array
from pathlib import Path

import numpy as np
import osmium

from .build import file_sha256
from .osm import NetworkError

logger = logging.getLogger(__name__)

#: Bump when what is read changes (part of the cache file name).
BUILDINGS_FORMAT = 1
_UNDEFINED = 2147483647
_PRECISION = 10_000_000


def read_building_points(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """``(lon, lat)`` in degrees of every building of an OSM file (see the module docstring).

    Raises:
        NetworkError: the file is missing or unreadable.
    """
    path = Path(path)
    if not path.is_file():
        raise NetworkError(f"OSM file not found: {path}")
    xs, ys = array("d"), array("d")
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("building"))
    )
    try:
        for obj in processor:
            if obj.tags.get("building") == "no":
                continue
            if obj.is_node():
                if obj.location.valid():
                    xs.append(obj.location.lon)
                    ys.append(obj.location.lat)
                continue
            coords = [(n.x, n.y) for n in obj.nodes if n.x != _UNDEFINED]
            if len(coords) > 1 and coords[0] == coords[-1]:
                coords = coords[:-1]  # a closed ring repeats its first node
            if coords:
                xs.append(sum(c[0] for c in coords) / len(coords) / _PRECISION)
                ys.append(sum(c[1] for c in coords) / len(coords) / _PRECISION)
    except RuntimeError as exc:
        raise NetworkError(f"cannot read OSM file {path}: {exc}") from exc
    return np.frombuffer(xs, dtype=np.float64).copy(), np.frombuffer(ys, dtype=np.float64).copy()


def building_points(path: str | Path, cache_dir: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`read_building_points`, cached in ``cache_dir`` (when given) as ``buildings-<sha>.npz``."""
    path = Path(path)
    if cache_dir is None:
        return read_building_points(path)
    cache = Path(cache_dir) / f"buildings-{file_sha256(path)[:24]}-v{BUILDINGS_FORMAT}.npz"
    if cache.exists():
        try:
            with np.load(cache, allow_pickle=False) as npz:
                return npz["lon"], npz["lat"]
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("rereading the buildings of %s: %s", path.name, exc)
    lon, lat = read_building_points(path)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(f".{cache.name}.tmp")
    with open(tmp, "wb") as f:
        np.savez(f, lon=lon, lat=lat)
    tmp.replace(cache)
    return lon, lat

"""Keep built road graphs on disk, so that a restart does not rebuild them.

One graph is two files in ``cache_dir``: ``<key>.npz`` (its arrays, uncompressed:
they are already compact dtypes and an uncompressed archive loads at disk
speed) and ``<key>.json`` (its ``meta``). The key is made of everything the
graph depends on:

- the SHA-256 of the OSM file's bytes (a renamed file still hits, an edited one misses);
- :data:`~mapapp.network.profile.PROFILE_VERSION` (speeds and access rules);
- for car, the maxspeed factor when it is not the profile's default
  :data:`~mapapp.network.profile.MAXSPEED_FACTOR` (a territory may override
  it; walk and bike speeds do not depend on it);
- the mode, whether the graph is simplified, and :data:`CACHE_FORMAT`.

Stale entries are never read (their key differs) and never deleted here: a
cache directory can be emptied at any time. An entry that cannot be read or
fails its consistency checks (truncated write, disk error, manual edit) is
rebuilt and overwritten, with a warning in the log. Writes go to a temporary
file first and are renamed into place, so a crash never leaves half a file
under a valid name.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .build import file_sha256, graph_from_roads
from .graph import MODES, EdgeGeometry, RoadGraph
from .osm import read_roads
from .profile import MAXSPEED_FACTOR, PROFILE_VERSION
from .progress import Progress, close_reporter, make_reporter

logger = logging.getLogger(__name__)

#: Version of the on-disk layout; bump when the arrays or their meaning change.
CACHE_FORMAT = 1

_ARRAYS = ("node_id", "lon", "lat", "indptr", "head", "time_s", "length_m", "road_class")
_DTYPES = {"node_id": np.int64, "lon": np.float64, "lat": np.float64, "indptr": np.int64,
           "head": np.int32, "time_s": np.float64, "length_m": np.float64, "road_class": np.uint8,
           "geom_lon": np.float64, "geom_lat": np.float64, "geom_start": np.int64, "geom_end": np.int64}


def cache_key(source_sha256: str, mode: str, simplify: bool = True,
              maxspeed_factor: float = MAXSPEED_FACTOR) -> str:
    """The file name stem of a cached graph (see the module docstring)."""
    shape = "simple" if simplify else "full"
    profile = PROFILE_VERSION
    if mode == "car" and float(maxspeed_factor) != MAXSPEED_FACTOR:
        profile += f"-ms{float(maxspeed_factor):g}"
    return f"{mode}-{source_sha256[:24]}-{profile}-{shape}-v{CACHE_FORMAT}"


def save_graph(graph: RoadGraph, cache_dir: str | Path, key: str) -> Path:
    """Write ``graph`` as ``<key>.npz`` + ``<key>.json`` in ``cache_dir`` (atomically)."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    arrays = {name: np.ascontiguousarray(getattr(graph, name), dtype=_DTYPES[name]) for name in _ARRAYS}
    if graph.geometry is not None:
        for name in ("lon", "lat", "start", "end"):
            arrays[f"geom_{name}"] = np.ascontiguousarray(getattr(graph.geometry, name),
                                                          dtype=_DTYPES[f"geom_{name}"])
    npz_path = cache_dir / f"{key}.npz"
    _atomic_write(npz_path, lambda f: np.savez(f, **arrays))
    meta = {"key": key, "mode": graph.mode, "meta": graph.meta}
    _atomic_write(cache_dir / f"{key}.json", lambda f: f.write(json.dumps(meta, indent=1).encode()))
    return npz_path


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the cache from other local users
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_graph(cache_dir: str | Path, key: str) -> RoadGraph | None:
    """The cached graph ``key``, or ``None`` when absent.

    Raises:
        ValueError: the entry exists but is unreadable or inconsistent.
    """
    npz_path, json_path = Path(cache_dir) / f"{key}.npz", Path(cache_dir) / f"{key}.json"
    if not npz_path.exists() or not json_path.exists():
        return None
    try:
        stored = json.loads(json_path.read_text())
        with np.load(npz_path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"unreadable cache entry {npz_path}: {exc}") from exc
    if stored.get("key") != key:
        raise ValueError(f"cache entry {json_path} holds key {stored.get('key')!r}")
    missing = [name for name in _ARRAYS if name not in arrays]
    if missing:
        raise ValueError(f"cache entry {npz_path} lacks {missing}")
    geometry = None
    if "geom_lon" in arrays:
        geometry = EdgeGeometry(lon=arrays["geom_lon"], lat=arrays["geom_lat"],
                                start=arrays["geom_start"], end=arrays["geom_end"])
    graph = RoadGraph(mode=stored["mode"], meta=stored["meta"], geometry=geometry,
                      **{name: arrays[name] for name in _ARRAYS})
    _check(graph, npz_path)
    return graph


def _check(graph: RoadGraph, where: Path) -> None:
    """Cheap consistency checks that catch truncated or mixed-up entries."""
    n, m = graph.n_nodes, graph.n_edges
    problems = []
    for name in _ARRAYS:
        if getattr(graph, name).dtype != _DTYPES[name]:
            problems.append(f"{name} dtype {getattr(graph, name).dtype}")
    if graph.node_id.shape != (n,) or graph.lat.shape != (n,) or graph.indptr.shape != (n + 1,):
        problems.append("node array sizes differ")
    if any(getattr(graph, a).shape != (m,) for a in ("time_s", "length_m", "road_class")):
        problems.append("edge array sizes differ")
    if not problems and (graph.indptr[0] != 0 or graph.indptr[-1] != m or np.any(np.diff(graph.indptr) < 0)):
        problems.append("bad indptr")
    if not problems and m and (graph.head.min() < 0 or graph.head.max() >= n or not np.all(graph.time_s > 0)):
        problems.append("bad edges")
    geom = graph.geometry
    if not problems and geom is not None:
        p = geom.lon.shape[0]
        if geom.start.shape != (m,) or geom.end.shape != (m,) or geom.lat.shape != (p,) or (
                m and (min(geom.start.min(), geom.end.min()) < 0 or max(geom.start.max(), geom.end.max()) >= p)):
            problems.append("bad geometry")
    if graph.meta.get("n_nodes") != n or graph.meta.get("n_edges") != m:
        problems.append("meta counts differ from arrays")
    if problems:
        raise ValueError(f"inconsistent cache entry {where}: {', '.join(problems)}")


def load_cached(path: str | Path, mode: str, cache_dir: str | Path, *, simplify: bool = True,
                maxspeed_factor: float = MAXSPEED_FACTOR) -> RoadGraph | None:
    """The cached graph of ``path`` for ``mode``, or ``None`` when it was never built (never builds).

    For callers that must stay fast, such as a web request: building is
    ``mapapp compute``'s job.
    """
    try:
        return load_graph(cache_dir, cache_key(file_sha256(Path(path)), mode, simplify, maxspeed_factor))
    except ValueError as exc:
        logger.warning("unreadable cached %s graph of %s: %s", mode, Path(path).name, exc)
        return None


def load_or_build(
    path: str | Path,
    modes: str | Sequence[str],
    cache_dir: str | Path,
    progress: Progress = None,
    *,
    simplify: bool = True,
    maxspeed_factor: float = MAXSPEED_FACTOR,
) -> RoadGraph | dict[str, RoadGraph]:
    """The graph(s) of ``path`` from ``cache_dir``, building (once) what is missing.

    Args:
        path: OSM file.
        modes: one mode (returns a :class:`RoadGraph`) or several (returns
            ``{mode: RoadGraph}``), e.g. :data:`MODES`.
        cache_dir: where entries live (created if needed); the application
            passes ``Settings.cache_dir``.
        progress: as in :func:`~mapapp.network.build.build_graph`.
        simplify: as in :func:`~mapapp.network.build.build_graph` (part of the key).
        maxspeed_factor: as in :func:`~mapapp.network.build.build_graph` (part of
            the car graph's key).

    Raises:
        NetworkError: the graphs had to be built and the file gives none.
    """
    single = isinstance(modes, str)
    wanted = (modes,) if single else tuple(modes)
    unknown = [m for m in wanted if m not in MODES]
    if unknown:
        raise ValueError(f"unknown mode(s) {unknown}; expected some of {MODES}")
    path = Path(path)
    sha = file_sha256(path)
    graphs: dict[str, RoadGraph] = {}
    for mode in wanted:
        key = cache_key(sha, mode, simplify, maxspeed_factor)
        try:
            graph = load_graph(cache_dir, key)
        except ValueError as exc:
            logger.warning("rebuilding the %s graph of %s: %s", mode, path.name, exc)
            graph = None
        if graph is not None:
            logger.info("loaded the %s graph of %s from cache %s", mode, path.name, key)
            graphs[mode] = graph
    missing = [m for m in wanted if m not in graphs]
    if missing:
        report = make_reporter(progress)
        try:
            roads = read_roads(path, report, maxspeed_factor=maxspeed_factor)  # read once for every missing mode
            for i, mode in enumerate(missing):
                report("build graphs", i, len(missing))
                graph = graph_from_roads(roads, mode, simplify=simplify, source_sha256=sha)
                save_graph(graph, cache_dir, cache_key(sha, mode, simplify, maxspeed_factor))
                logger.info("built and cached the %s graph of %s", mode, path.name)
                graphs[mode] = graph
            report("build graphs", len(missing), len(missing))
        finally:
            close_reporter(report)
    if single:
        return graphs[wanted[0]]
    return {mode: graphs[mode] for mode in wanted}

"""An in-memory road network (nodes and ways) and its streaming OSM XML writer.

Nodes are numbered from 1 in creation order; ways keep node ids and OSM tags.
The writer produces a genuine OSM XML 0.6 file (nodes then ways, ascending ids)
readable by osmnx, pyosmium, osmium-tool and JOSM, in chunks, without building
a DOM, so a network of a million nodes is written in a few seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

#: Highway values a car may use (``access=private``/``no`` ways excepted).
CAR_HIGHWAYS = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
    }
)
GENERATOR = "mapapp.demo (fictional territory, not OpenStreetMap data)"
# the demo's tag marking an intentionally unreachable fragment (see geodata/README.md)
ISLAND_NOTE = "îlot routier sans liaison (exception documentée de la démo)"


class Network:
    def __init__(self) -> None:
        self._xy = np.zeros((1024, 2))
        self.n = 0
        self.ways: list[tuple[np.ndarray, dict[str, str]]] = []

    def add_nodes(self, xy: np.ndarray) -> np.ndarray:
        """Add nodes (k, 2) in Lambert-93 metres; returns their ids (1-based)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        k = len(xy)
        while self.n + k > len(self._xy):
            self._xy = np.concatenate([self._xy, np.zeros_like(self._xy)])
        self._xy[self.n : self.n + k] = xy
        ids = np.arange(self.n + 1, self.n + k + 1, dtype=np.int64)
        self.n += k
        return ids

    def add_node(self, x: float, y: float) -> int:
        return int(self.add_nodes(np.array([[x, y]]))[0])

    def xy(self, ids) -> np.ndarray:
        return self._xy[np.asarray(ids, dtype=np.int64) - 1]

    @property
    def coords(self) -> np.ndarray:
        return self._xy[: self.n]

    def add_way(self, ids, tags: dict[str, str]) -> int:
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) < 2:
            raise ValueError("a way needs at least two nodes")
        self.ways.append((ids, {k: v for k, v in tags.items() if v is not None}))
        return len(self.ways)


def is_car_way(tags: dict[str, str]) -> bool:
    return (
        tags.get("highway") in CAR_HIGHWAYS
        and tags.get("access") not in ("private", "no")
        and tags.get("note") != ISLAND_NOTE
    )


def direction(tags: dict[str, str]) -> int:
    """1 = forward only, -1 = backward only, 0 = both ways."""
    if tags.get("oneway") in ("yes", "true", "1") or tags.get("junction") == "roundabout":
        return 1
    if tags.get("oneway") == "-1":
        return -1
    return 0


def car_arcs(ways) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directed node-to-node arcs (tail, head, way index) of the car network."""
    tails, heads, widx = [], [], []
    for w, (ids, tags) in enumerate(ways):
        if not is_car_way(tags):
            continue
        d = direction(tags)
        a, b = ids[:-1], ids[1:]
        if d >= 0:
            tails.append(a), heads.append(b), widx.append(np.full(len(a), w))
        if d <= 0:
            tails.append(b), heads.append(a), widx.append(np.full(len(a), w))
    return np.concatenate(tails), np.concatenate(heads), np.concatenate(widx)


def strong_components(tail: np.ndarray, head: np.ndarray, n_nodes: int) -> np.ndarray:
    """Label of the strongly connected component of every node id (index = id)."""
    mat = sp.csr_matrix((np.ones(len(tail)), (tail, head)), shape=(n_nodes + 1, n_nodes + 1))
    return connected_components(mat, directed=True, connection="strong")[1]


def make_strongly_connected(net: Network, protected: Callable[[dict], bool]) -> int:
    """Turn one-way ways back into two-way ones until the car network (documented
    island excepted) is strongly connected. Returns the number of ways changed."""
    changed = 0
    for _ in range(50):
        tail, head, _w = car_arcs(net.ways)
        used = np.unique(np.concatenate([tail, head]))
        labels = strong_components(tail, head, net.n)
        giant = np.bincount(labels[used]).argmax()
        bad = used[labels[used] != giant]
        if len(bad) == 0:
            return changed
        bad_set = np.zeros(net.n + 1, dtype=bool)
        bad_set[bad] = True
        for ids, tags in net.ways:
            if direction(tags) and is_car_way(tags) and not protected(tags) and bad_set[ids].any():
                tags.pop("oneway", None)
                changed += 1
    raise RuntimeError("could not make the car network strongly connected")


def write_osm(net: Network, path: Path, to_wgs84, progress=None, chunk: int = 50_000) -> dict:
    """Write ``net`` as OSM XML. ``to_wgs84(x, y) -> (lon, lat)``; ``progress(n)`` is
    called with the number of elements written since the last call."""
    path = Path(path)
    lon, lat = to_wgs84(net.coords[:, 0], net.coords[:, 1])
    tag_cache: dict[tuple, str] = {}
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("<?xml version='1.0' encoding='UTF-8'?>\n")
        f.write(f'<osm version="0.6" generator={quoteattr(GENERATOR)}>\n')
        x0, y0, x1, y1 = lon.min(), lat.min(), lon.max(), lat.max()
        f.write(f'  <bounds minlat="{y0:.7f}" minlon="{x0:.7f}" maxlat="{y1:.7f}" maxlon="{x1:.7f}"/>\n')
        for start in range(0, net.n, chunk):
            stop = min(start + chunk, net.n)
            f.write(
                "".join(
                    f'  <node id="{i + 1}" version="1" lat="{la:.7f}" lon="{lo:.7f}"/>\n'
                    for i, la, lo in zip(range(start, stop), lat[start:stop].tolist(), lon[start:stop].tolist())
                )
            )
            if progress:
                progress(stop - start)
        buf: list[str] = []
        for w, (ids, tags) in enumerate(net.ways, start=1):
            key = tuple(sorted(tags.items()))
            tag_xml = tag_cache.get(key)
            if tag_xml is None:
                tag_xml = "".join(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>\n" for k, v in key)
                tag_cache[key] = tag_xml
            buf.append(f'  <way id="{w}" version="1">\n')
            buf.append("".join(f'    <nd ref="{r}"/>\n' for r in ids.tolist()))
            buf.append(tag_xml)
            buf.append("  </way>\n")
            if len(buf) > 4 * chunk // 10:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))
        f.write("</osm>\n")
    if progress:
        progress(len(net.ways))
    return {"nodes": net.n, "ways": len(net.ways)}

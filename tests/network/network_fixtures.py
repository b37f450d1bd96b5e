"""Small OSM files written by the tests themselves, in genuine OSM XML (0.6).

Nodes sit on a grid near Ajaccio: ``grid(i, j)`` is ``i`` steps east and ``j``
steps north of (8.70 E, 41.90 N), one step = 0.001 degree (about 83 m east,
111 m north).
"""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import osmium

LON0, LAT0, STEP = 8.70, 41.90, 0.001
R = 6_371_008.8


def grid(i: float, j: float) -> tuple[float, float]:
    """(lon, lat) of grid position (i, j)."""
    return (round(LON0 + STEP * i, 7), round(LAT0 + STEP * j, 7))


def osm_xml(nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int], dict]],
            extra: str = "") -> str:
    """An OSM XML document: ``nodes`` {id: (lon, lat)}, ``ways`` [(id, refs, tags)]."""
    lines = ["<?xml version='1.0' encoding='UTF-8'?>",
             '<osm version="0.6" generator="mapapp-tests">']
    for nid, (lon, lat) in sorted(nodes.items()):
        lines.append(f' <node id="{nid}" version="1" timestamp="2024-01-01T00:00:00Z" '
                     f'lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for wid, refs, tags in ways:
        lines.append(f' <way id="{wid}" version="1" timestamp="2024-01-01T00:00:00Z">')
        lines.extend(f'  <nd ref="{r}"/>' for r in refs)
        lines.extend(f"  <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
        lines.append(" </way>")
    if extra:
        lines.append(extra)
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def write_osm(path: Path, nodes, ways, extra: str = "") -> Path:
    path.write_text(osm_xml(nodes, ways, extra), encoding="utf-8")
    return path


def to_pbf(xml_path: Path, pbf_path: Path) -> Path:
    """Copy an OSM file into PBF with osmium's writer."""
    writer = osmium.SimpleWriter(str(pbf_path), overwrite=True)
    try:
        for obj in osmium.FileProcessor(str(xml_path)):
            writer.add(obj)
    finally:
        writer.close()
    return pbf_path


def ring(n_side: int = 2, first_id: int = 1, first_way: int = 1, tags=None):
    """A square ring of two-way residential ways, one way per side step.

    Returns (nodes, ways, corner_ids): corners in order (0,0), (n,0), (n,n), (0,n).
    """
    tags = tags or {"highway": "residential"}
    positions = ([(i, 0) for i in range(n_side)] + [(n_side, j) for j in range(n_side)]
                 + [(n_side - i, n_side) for i in range(n_side)] + [(0, n_side - j) for j in range(n_side)])
    ids = [first_id + k for k in range(len(positions))]
    nodes = {nid: grid(*pos) for nid, pos in zip(ids, positions)}
    ways = [(first_way + k, [ids[k], ids[(k + 1) % len(ids)]], dict(tags)) for k in range(len(ids))]
    return nodes, ways, ids


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Independent great-circle distance in metres between (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * R * math.asin(math.sqrt(h))


def osm_edges(graph) -> dict[tuple[int, int], float]:
    """{(osm tail id, osm head id): smallest time_s} of a graph."""
    tail = graph.node_id[graph.tail()]
    head = graph.node_id[graph.head]
    out: dict[tuple[int, int], float] = {}
    for u, v, t in zip(tail.tolist(), head.tolist(), graph.time_s.tolist()):
        out[(u, v)] = min(t, out.get((u, v), np.inf))
    return out

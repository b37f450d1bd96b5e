"""A cheap check that an OpenStreetMap file can serve a territory, before building a graph.

Building the routable graph (:mod:`mapapp.network`) takes time; this check
answers in a second the two questions that make it pointless: does the file
contain roads at all, and does it cover the communes?

- the extent is the bounding box of the file's header when it has one
  (Geofabrik and openstreetmap.fr extracts do, and ``<bounds>`` in XML),
  otherwise the bounding box of its nodes, in one pass (about half a million
  nodes per second);
- roads: the scan stops at the first way tagged ``highway=*``.

A header box is the box of the extract's *polygon*: a département extract's
box also spans the neighbours' land without their roads. Pass
``use_header=False`` to measure the nodes instead (slower, tighter).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import osmium
import shapely

from mapapp.territory.validation import ImportReport, fatal, finish, start

#: A commune with less of its area inside the file's extent is an error...
MIN_COVERED_SHARE = 0.5
#: ...and below this, a warning (coastal communes often reach beyond the last road).
WARN_COVERED_SHARE = 0.95


def osm_extent(osm_path: str | Path, use_header: bool = True) -> tuple[tuple[float, float, float, float] | None, str, int | None]:
    """``(bbox, source, n_nodes)``: the file's extent (lon/lat) from its header or its nodes.

    ``bbox`` is None when the file has no node; ``n_nodes`` is None when the
    header was used.
    """
    path = str(osm_path)
    if use_header:
        reader = osmium.io.Reader(path, osmium.osm.osm_entity_bits.NOTHING)
        try:
            box = reader.header().box()
        finally:
            reader.close()
        if box.valid():
            return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat), "header", None
    min_lon = min_lat = float("inf")
    max_lon = max_lat = float("-inf")
    n = 0
    for node in osmium.FileProcessor(path, osmium.osm.NODE):
        loc = node.location
        if not loc.valid():
            continue
        lon, lat = loc.lon, loc.lat
        n += 1
        if lon < min_lon:
            min_lon = lon
        if lon > max_lon:
            max_lon = lon
        if lat < min_lat:
            min_lat = lat
        if lat > max_lat:
            max_lat = lat
    if n == 0:
        return None, "nodes", 0
    return (min_lon, min_lat, max_lon, max_lat), "nodes", n


def has_highway(osm_path: str | Path) -> bool:
    """True when the file holds at least one way tagged ``highway=*`` (stops at the first)."""
    processor = osmium.FileProcessor(str(osm_path), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway"))
    for _way in processor:
        return True
    return False


def check_osm_covers(
    osm_path: str | Path,
    communes: gpd.GeoDataFrame,
    *,
    use_header: bool = True,
    min_share: float = MIN_COVERED_SHARE,
    warn_share: float = WARN_COVERED_SHARE,
    report: ImportReport | None = None,
) -> dict:
    """Check that ``osm_path`` (PBF, XML, XML.bz2...) has roads and covers ``communes``.

    Args:
        osm_path: the OpenStreetMap file.
        communes: the territory's communes (any CRS), buffer communes included.
        use_header: trust the header's bounding box when present (see module doc).
        min_share, warn_share: share of a commune's area inside the file's
            extent under which it is an error, a warning.
        report: collects issues.

    Returns:
        ``{"bbox": (min_lon, min_lat, max_lon, max_lat) | None, "bbox_source":
        "header" | "nodes", "n_nodes": int | None, "has_highway": bool,
        "covered_share": {code: share}}``.

    Errors: unreadable file, no node, no ``highway`` way, a commune of the
    département less than ``min_share`` inside the extent. Buffer communes
    (``is_buffer``) only give a warning below ``min_share``: the ring around
    the border is expected to stop somewhere.
    """
    report, owned = start(report)
    path = Path(osm_path)
    source = path.name
    if not path.exists():
        raise fatal(report, source, None, f"fichier introuvable : {path}")
    if path.stat().st_size == 0:
        raise fatal(report, source, None, "fichier vide")
    try:
        bbox, bbox_source, n_nodes = osm_extent(path, use_header=use_header)
        roads = has_highway(path)
    except Exception as exc:  # osmium raises RuntimeError subclasses on corrupt or unknown formats
        raise fatal(report, source, None, f"fichier OSM illisible : {exc}") from None
    result = {"bbox": bbox, "bbox_source": bbox_source, "n_nodes": n_nodes, "has_highway": roads, "covered_share": {}}
    if not roads:
        report.error(source, None, "aucune voie highway=* : ce fichier ne contient pas de réseau routier")
    if bbox is None:
        report.error(source, None, "aucun nœud : fichier OSM sans données")
        finish(report, owned)
        return result

    crs = communes.estimate_utm_crs()
    geoms = communes.to_crs(crs).geometry
    box = gpd.GeoSeries([shapely.box(*bbox)], crs=4326).to_crs(crs).iloc[0]
    areas = shapely.area(geoms.values)
    inside = shapely.area(shapely.intersection(geoms.values, box))
    where = "l'en-tête" if bbox_source == "header" else "les nœuds"
    buffers = communes["is_buffer"].astype(bool).tolist() if "is_buffer" in communes else [False] * len(communes)
    partial_buffer = 0
    for code, nom, is_buffer, area, part in zip(communes["code"], communes["nom"], buffers, areas, inside):
        share = float(part / area) if area > 0 else 0.0
        result["covered_share"][code] = share
        message = f"{nom} n'est couverte par le fichier OSM qu'à {share * 100:.1f} % (étendue d'après {where})"
        if is_buffer:  # the buffer ring is expected to stop somewhere: only a commune left out is worth a word
            if share < min_share:
                report.warning(source, code, f"{message}, commune hors département")
            elif share < warn_share:
                partial_buffer += 1
        elif share < min_share:
            report.error(source, code, message)
        elif share < warn_share:
            report.warning(source, code, message)
    if partial_buffer:
        report.info(source, None, f"{partial_buffer} commune(s) hors département partiellement couverte(s)")
    report.info(source, None, f"étendue OSM ({where}) : {bbox[0]:.4f}, {bbox[1]:.4f}, {bbox[2]:.4f}, {bbox[3]:.4f}")
    finish(report, owned)
    return result

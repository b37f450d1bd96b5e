"""Population points: where people live, as weighted origins for travel times.

Output: the ``population_points`` frame of :mod:`mapapp.territory.bundle`
(``lon, lat, population, commune``), from one of:

- INSEE squares (Filosofi *carroyage* 200 m or 1 km, GeoPackage, any CRS) —
  :func:`read_population_grid`, the method of INSEE and the Observatoire des
  territoires;
- one point per commune (fallback when no grid is available) —
  :func:`population_points_from_communes`;
- a ready-made CSV ``lon,lat,population,commune`` (the demo's
  ``population.csv``) — :func:`read_population_csv`.

How squares become points (:func:`read_population_grid`)
---------------------------------------------------------
Every square keeps its whole population (``Ind``): the sum of the points equals
the sum of the squares that touch the territory. The point is placed and
assigned as follows:

1. centroid inside a commune: the point is the centroid, assigned to that
   commune (the usual case);
2. centroid outside every commune but the square intersects some (coast:
   the centroid is in the sea; border: it is across the département's edge):
   assigned to the commune with the **largest overlap**, and the point moved to
   a point of that overlap (``representative_point``), so it lies on land, in
   its commune, and snaps to a road of that commune rather than to the
   nearest road across a bay. Counted and reported (number, population);
3. square touching no commune: assigned to the **nearest** commune if its
   centroid is within ``max_distance_m`` (an islet missing from simplified
   contours), the point staying at the centroid; farther squares lie outside
   the territory and are dropped, with a warning giving their number and
   population.

Overlap areas and distances are computed in metres, in the grid's own CRS when
it is projected (EPSG:3035 for INSEE), otherwise in the local UTM zone.

Each point also carries its square: ``square_id`` (the file's identifier
column, e.g. ``Id_carr1km`` or ``IdINSPIRE``, or ``row-<n>`` without one) and
``square_wkb`` (the square's polygon in WGS84). ``mapapp compute`` then places
the square's inhabitants on its populated roads
(:mod:`mapapp.territory.dasymetric`); the point above is the fallback for a
square without roads.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapapp import formats
from mapapp.territory.bundle import POPULATION_POINT_COLUMNS, SQUARE_COLUMNS
from mapapp.territory.communes import read_layer
from mapapp.territory.tabular import find_column, parse_number, read_csv_table
from mapapp.territory.validation import INSEE_CODE_RE, ImportReport, fatal, finish, normalize_insee, start

#: Squares touching no commune are kept (nearest commune) up to this distance.
DEFAULT_MAX_DISTANCE_M = 1000.0

#: Identifier columns of INSEE square files (Filosofi 2015 1 km, 200 m, 2017+), first found wins.
SQUARE_ID_COLUMNS = ("Id_carr1km", "Idcar_1km", "Idcar_200m", "Id_carr200m", "IdINSPIRE", "Idcar_nat", "id_carreau")


def _metric_crs(gdf: gpd.GeoDataFrame):
    return gdf.crs if gdf.crs is not None and gdf.crs.is_projected else gdf.estimate_utm_crs()


def read_population_grid(
    gpkg_path: str | Path,
    layer: str | int | None = None,
    weight_col: str = "Ind",
    *,
    communes: gpd.GeoDataFrame,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
    report: ImportReport | None = None,
) -> pd.DataFrame:
    """INSEE population squares → population points assigned to communes (see module doc).

    Args:
        gpkg_path: the squares (GeoPackage or any GIS file), any CRS.
        layer: the layer, when the file has several.
        weight_col: the population column (``Ind`` in Filosofi files; matched
            case-insensitively, ``ind`` in recent ones).
        communes: the territory's communes (EPSG:4326), including buffer
            communes if the points should cover them.
        max_distance_m: squares touching no commune are kept up to this
            distance from the nearest one (metres).
        report: collects issues.

    Returns:
        ``lon, lat, population, commune, square_id, square_wkb``, one row per
        kept square with a positive population.
    """
    report, owned = start(report)
    gpkg_path = Path(gpkg_path)
    source = gpkg_path.name
    squares = read_layer(gpkg_path, layer, source, report)
    weight_c = find_column([c for c in squares.columns if c != squares.geometry.name], (), weight_col)
    if weight_c is None:
        cols = ", ".join(c for c in squares.columns if c != squares.geometry.name)
        raise fatal(report, source, None, f"colonne de population « {weight_col} » absente ; colonnes : {cols}")
    if squares.crs.to_epsg() != 4326:
        report.info(source, None, f"carreaux en {squares.crs.to_string()} : convertis en EPSG:4326")

    weight = pd.to_numeric(squares[weight_c], errors="coerce")
    bad = weight.isna() | (weight < 0)
    if bad.any():
        report.warning(source, None, f"{int(bad.sum())} carreau(x) sans population lisible ou négative ignoré(s)")
    zero = ~bad & (weight == 0)
    keep = ~bad & ~zero
    squares = squares.loc[keep].copy()
    squares["_w"] = weight[keep].astype(float)
    squares = squares[~squares.geometry.isna() & ~squares.geometry.is_empty]
    if squares.empty:
        raise fatal(report, source, None, "aucun carreau peuplé")

    crs = _metric_crs(squares)
    sq = squares.to_crs(crs).reset_index(drop=True)
    com = communes[["code", "geometry"]].to_crs(crs).reset_index(drop=True)
    centroids = gpd.GeoDataFrame({"_w": sq["_w"]}, geometry=sq.geometry.centroid, crs=crs)

    # 1. centroid inside a commune (a centroid exactly on a shared edge goes to the first commune)
    hit = gpd.sjoin(centroids, com, predicate="intersects", how="left")
    hit = hit[~hit.index.duplicated(keep="first")]
    commune_of = hit["code"].reindex(sq.index)
    point = centroids.geometry.copy()

    # 2. centroid outside, square overlapping communes: largest overlap
    outside = commune_of.isna()
    n_moved = 0
    moved_pop = 0.0
    if outside.any():
        pairs = gpd.sjoin(sq.loc[outside, ["geometry"]], com, predicate="intersects", how="inner")
        if len(pairs):
            inter = shapely.intersection(sq.geometry.loc[pairs.index].values, com.geometry.loc[pairs["index_right"]].values)
            pairs = pairs.assign(_area=shapely.area(inter), _inter=inter)
            best = pairs.sort_values("_area", ascending=False, kind="stable")
            best = best[~best.index.duplicated(keep="first")]
            best = best[best["_area"] > 0]
            commune_of.loc[best.index] = best["code"].to_numpy()
            point.loc[best.index] = shapely.point_on_surface(best["_inter"].to_numpy())
            n_moved = len(best)
            moved_pop = float(sq.loc[best.index, "_w"].sum())
    if n_moved:
        report.warning(
            source, None,
            f"{n_moved} carreau(x) ({formats.integer(moved_pop)} hab.) ont leur centre hors des communes (côte ou limite) : "
            f"rattachés à la commune qu'ils recouvrent le plus, point déplacé dans cette commune",
        )

    # 3. squares touching no commune: nearest commune within max_distance_m
    alone = commune_of.isna()
    if alone.any():
        near = gpd.sjoin_nearest(centroids.loc[alone, ["geometry"]], com, how="left", distance_col="_d")
        near = near[~near.index.duplicated(keep="first")]
        close = near[near["_d"] <= max_distance_m]
        commune_of.loc[close.index] = close["code"].to_numpy()
        if len(close):
            report.warning(source, None, f"{len(close)} carreau(x) ({formats.integer(sq.loc[close.index, '_w'].sum())} hab.) hors de toute commune rattaché(s) à la plus proche (≤ {formats.integer(max_distance_m)} m)")
        far = near.index.difference(close.index)
        if len(far):
            report.warning(source, None, f"{len(far)} carreau(x) ({formats.integer(sq.loc[far, '_w'].sum())} hab.) à plus de {formats.integer(max_distance_m)} m du territoire : ignoré(s)")

    kept = commune_of.notna()
    pts = gpd.GeoSeries(point[kept].values, crs=crs).to_crs(4326)
    id_c = find_column(list(squares.columns), SQUARE_ID_COLUMNS)
    square_ids = sq[id_c].astype(str) if id_c else pd.Series([f"row-{i}" for i in sq.index], index=sq.index)
    out = pd.DataFrame(
        {
            "lon": pts.x.to_numpy(),
            "lat": pts.y.to_numpy(),
            "population": sq.loc[kept, "_w"].to_numpy(dtype=float),
            "commune": commune_of[kept].astype(str).to_numpy(),
            "square_id": square_ids[kept].to_numpy(dtype=object),
            "square_wkb": shapely.to_wkb(sq.geometry[kept].to_crs(4326).values),
        }
    )
    report.info(source, None, f"{len(out)} points de population ({formats.integer(out['population'].sum())} hab.) sur {len(squares)} carreaux peuplés")
    finish(report, owned)
    return out[POPULATION_POINT_COLUMNS + SQUARE_COLUMNS]


def population_points_from_communes(communes: gpd.GeoDataFrame, *, report: ImportReport | None = None) -> pd.DataFrame:
    """One point per commune (a point inside its polygon), weighted by its population.

    The fallback when no population grid is available: coarse (everyone lives at
    one point of the commune), so travel times inside large rural communes are
    approximate. Communes with no or zero population give no point (a warning
    lists the ones without population).
    """
    report, owned = start(report)
    pop = pd.to_numeric(communes["population"], errors="coerce")
    missing = communes.loc[pop.isna(), "code"].tolist()
    if missing:
        report.warning("communes", None, f"{len(missing)} commune(s) sans population, sans point : {', '.join(missing[:15])}")
    keep = pop.notna() & (pop > 0)
    sel = communes.loc[keep]
    # representative_point is guaranteed inside the polygon (a centroid is not, e.g. for crescent-shaped communes)
    pts = gpd.GeoSeries(shapely.point_on_surface(sel.geometry.values), crs=communes.crs).to_crs(4326)
    out = pd.DataFrame(
        {
            "lon": pts.x.to_numpy(),
            "lat": pts.y.to_numpy(),
            "population": pop[keep].to_numpy(dtype=float),
            "commune": sel["code"].astype(str).to_numpy(),
        }
    )
    finish(report, owned)
    return out[POPULATION_POINT_COLUMNS]


def read_population_csv(
    path: str | Path,
    *,
    communes: gpd.GeoDataFrame | None = None,
    report: ImportReport | None = None,
) -> pd.DataFrame:
    """Read population points from a CSV ``lon,lat,population,commune`` (WGS84 degrees).

    Validation (errors, with line numbers): unreadable or out-of-range
    coordinates, negative or unreadable population, malformed commune code,
    commune unknown to ``communes``. Warnings: points lying outside their
    commune's polygon (by more than ~100 m), zero-population points (dropped).
    """
    report, owned = start(report)
    path = Path(path)
    source = path.name
    table = read_csv_table(path, report, source, multiline=())
    needed = {name: find_column(table.columns, (), name) for name in POPULATION_POINT_COLUMNS}
    missing = [n for n, c in needed.items() if c is None]
    if missing:
        raise fatal(report, source, 1, f"colonne(s) absente(s) : {', '.join(missing)} ; attendu : {','.join(POPULATION_POINT_COLUMNS)}")
    known = set(communes["code"]) if communes is not None else None
    records, lines = [], []
    for row, line in zip(table.rows, table.lines):
        try:
            lon = parse_number(row[needed["lon"]])
            lat = parse_number(row[needed["lat"]])
            population = parse_number(row[needed["population"]])
        except ValueError:
            report.error(source, line, "valeur non numérique dans lon, lat ou population")
            continue
        if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
            report.error(source, line, f"coordonnées invalides ({row[needed['lon']]}, {row[needed['lat']]}) : degrés WGS84 attendus")
            continue
        if population is None or population < 0:
            report.error(source, line, f"population invalide « {row[needed['population']]} »")
            continue
        commune = normalize_insee(row[needed["commune"]])
        if commune is None or not INSEE_CODE_RE.match(commune):
            report.error(source, line, f"code commune invalide « {row[needed['commune']]} »")
            continue
        if known is not None and commune not in known:
            report.error(source, line, f"commune {commune} inconnue du territoire")
            continue
        if population == 0:
            continue
        records.append((lon, lat, population, commune))
        lines.append(line)
    out = pd.DataFrame(records, columns=POPULATION_POINT_COLUMNS).astype({"lon": float, "lat": float, "population": float, "commune": "str"})
    if communes is not None and len(out):
        _check_points_in_communes(out, lines, communes, source, report)
    finish(report, owned)
    return out


def _check_points_in_communes(points: pd.DataFrame, lines: list[int], communes: gpd.GeoDataFrame, source: str, report: ImportReport, tolerance_m: float = 100.0) -> None:
    crs = communes.estimate_utm_crs()
    geoms = communes.set_index("code").geometry.to_crs(crs)
    pts = gpd.GeoSeries(gpd.points_from_xy(points["lon"], points["lat"]), crs=4326).to_crs(crs)
    dist = shapely.distance(pts.values, geoms.loc[points["commune"]].values)
    far = np.flatnonzero(dist > tolerance_m)
    for i in far[:50]:
        report.warning(source, lines[i], f"point à {formats.integer(dist[i])} m de sa commune {points['commune'].iloc[i]}")
    if len(far) > 50:
        report.warning(source, None, f"... et {len(far) - 50} autre(s) point(s) hors de leur commune")


def top_up_communes_without_squares(
    points: pd.DataFrame,
    communes: gpd.GeoDataFrame,
    *,
    source: str = "carroyage",
    report: ImportReport | None = None,
) -> pd.DataFrame:
    """Give a population point to every commune with a legal population but no populated square.

    INSEE squares omit small populations (statistical secrecy, squares merged
    or left out) and a square whose centre lies in a neighbour goes to that
    neighbour, so a village of 42 legal inhabitants can end up with no point
    and show « sans habitant recensé ». Such a commune (legal population > 0,
    squares' sum within it = 0) gets ONE point at its representative point
    (``point_on_surface``, always inside the polygon; the chef-lieu is not in
    the inputs), carrying the difference between its legal population and the
    squares' sum within it — that is, its whole legal population.

    Conservation: squares are **not** rescaled to the legal populations (the
    squares and the legal populations are different years and methods;
    rescaling would move inhabitants between the squares of a commune for no
    reason). Only the communes without any square are topped up, so the total
    after is the squares' total plus the legal population of the topped-up
    communes, and every other commune keeps exactly its squares' sum. The
    report gives the number of communes and inhabitants added.

    Args:
        points: ``lon, lat, population, commune`` from :func:`read_population_grid`.
        communes: the territory's communes with their legal ``population``.
        source: the name used in the report.
        report: collects the info line.

    Returns:
        ``points`` with the added rows appended (same columns).
    """
    report, owned = start(report)
    legal = pd.to_numeric(communes["population"], errors="coerce").fillna(0)
    squared = points.groupby("commune")["population"].sum()
    in_squares = communes["code"].map(squared).fillna(0.0)
    missing = communes.loc[(legal > 0) & (in_squares <= 0)]
    if missing.empty:
        finish(report, owned)
        return points
    added = population_points_from_communes(missing)
    n_buffer = int(missing["is_buffer"].astype(bool).sum()) if "is_buffer" in missing else 0
    shown = ", ".join(f"{c} ({n})" for c, n in zip(missing["code"][:15], missing["nom"][:15]))
    more = " ..." if len(missing) > 15 else ""
    report.info(
        source, None,
        f"{len(missing)} commune(s) avec une population légale mais sans carreau peuplé "
        f"(dont {n_buffer} hors département) : un point au centre de la commune porte sa population légale "
        f"({formats.integer(added['population'].sum())} hab. ajoutés, carreaux non redimensionnés) : {shown}{more}",
    )
    finish(report, owned)
    return pd.concat([points, added], ignore_index=True)[POPULATION_POINT_COLUMNS]

"""Communes from GIS files (GeoJSON, shapefile, GeoPackage) and population tables.

The output is always the ``communes`` frame of :mod:`mapapp.territory.bundle`:
``code, nom, population, departement, is_buffer, geometry`` in EPSG:4326.

Column names are recognised in the usual French layouts (case-insensitive,
first match wins; pass ``code_col=`` etc. to override):

=============  ===============================================================
bundle column  recognised source columns
=============  ===============================================================
``code``       ``code``, ``INSEE_COM`` (IGN ADMIN EXPRESS), ``code_insee``,
               ``insee``, ``codgeo`` (INSEE), ``com``
``nom``        ``nom`` (france-geojson, ADMIN EXPRESS ≥ 3), ``NOM_COM``
               (ADMIN EXPRESS 2), ``libgeo``, ``nom_com``, ``name``
``population`` ``population`` (ADMIN EXPRESS, geo.api.gouv.fr), ``pmun``,
               ``pop``, ``ptot``
``departement````departement``, ``INSEE_DEP``, ``codeDepartement``
               (geo.api.gouv.fr), ``dep``; else derived from the code
``is_buffer``  ``is_buffer``; else ``departement != departement=`` argument
=============  ===============================================================
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from mapapp.territory.bundle import COMMUNE_COLUMNS
from mapapp.territory.tabular import find_column, parse_number, read_csv_table
from mapapp.territory.validation import (
    INSEE_CODE_RE,
    ImportReport,
    departement_of,
    fatal,
    finish,
    normalize_insee,
    start,
)

CODE_COLUMNS = ("code", "INSEE_COM", "code_insee", "insee", "codgeo", "com", "code_commune")
NAME_COLUMNS = ("nom", "NOM_COM", "libgeo", "nom_com", "name", "nom_commune", "libelle")
POPULATION_COLUMNS = ("population", "pmun", "pop", "ptot", "population_municipale")
DEPARTEMENT_COLUMNS = ("departement", "INSEE_DEP", "codeDepartement", "code_departement", "dep")

#: A repaired geometry is accepted when its area changes by less than this share.
MAX_REPAIR_AREA_CHANGE = 0.01

_TRUE = {"true", "1", "yes", "oui", "vrai", "t", "y", "o"}
_FALSE = {"false", "0", "no", "non", "faux", "f", "n", ""}


def _pick_layer(path: Path, layer: str | int | None, source: str, report: ImportReport) -> str | int | None:
    try:
        layers = [str(name) for name, _geom in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise fatal(report, source, None, f"fichier illisible comme couche SIG : {exc}") from None
    if layer is not None:
        if isinstance(layer, str) and layer not in layers:
            raise fatal(report, source, None, f"couche « {layer} » absente (couches : {', '.join(layers)})")
        return layer
    if len(layers) <= 1:
        return None
    for name in layers:
        if name.lower() in ("commune", "communes"):
            return name
    raise fatal(report, source, None, f"plusieurs couches ({', '.join(layers)}) : précisez layer=")


def read_layer(path: str | Path, layer: str | int | None, source: str, report: ImportReport) -> gpd.GeoDataFrame:
    """Read one GIS layer with the checks every territory layer needs.

    Fatal errors: missing or empty file, unreadable, no feature, no CRS, or a
    CRS declared in degrees with coordinates in metres.
    """
    path = Path(path)
    if not path.exists():
        raise fatal(report, source, None, f"fichier introuvable : {path}")
    if path.is_file() and path.stat().st_size == 0:
        raise fatal(report, source, None, "fichier vide")
    layer = _pick_layer(path, layer, source, report)
    try:
        gdf = gpd.read_file(path, layer=layer) if layer is not None else gpd.read_file(path)
    except Exception as exc:
        raise fatal(report, source, None, f"fichier illisible : {exc}") from None
    if len(gdf) == 0:
        raise fatal(report, source, None, "aucune entité dans le fichier")
    if gdf.crs is None:
        hint = " (fichier .prj manquant à côté du .shp ?)" if path.suffix.lower() == ".shp" else ""
        raise fatal(report, source, None, f"système de coordonnées (CRS) absent{hint} : impossible de placer les géométries")
    if gdf.crs.is_geographic:
        minx, miny, maxx, maxy = gdf.total_bounds
        if min(minx, miny) < -180.5 or max(maxx, maxy) > 180.5:
            raise fatal(
                report, source, None,
                f"CRS déclaré en degrés ({gdf.crs.to_string()}) mais coordonnées en mètres "
                f"(étendue {minx:.0f}, {miny:.0f}, {maxx:.0f}, {maxy:.0f}) : CRS erroné dans le fichier",
            )
    return gdf


def repair_geometries(geoms: gpd.GeoSeries, labels: list[str], source: str, report: ImportReport) -> gpd.GeoSeries:
    """Check polygons; repair invalid ones with ``shapely.make_valid``.

    A repair that changes the area by less than :data:`MAX_REPAIR_AREA_CHANGE`
    is a warning; more is an error (the repaired geometry is still returned so
    a dry run can go on). Missing, empty and non-polygonal geometries are errors.
    """
    out = geoms.copy()
    for i, geom in enumerate(geoms):
        label = labels[i]
        if geom is None or geom.is_empty:
            report.error(source, label, "géométrie absente ou vide")
            continue
        if not isinstance(geom, (shapely.Polygon, shapely.MultiPolygon)):
            polys = _polygonal_part(geom)
            if polys is None:
                report.error(source, label, f"géométrie {geom.geom_type} : un polygone est attendu")
                continue
            geom = polys
            out.iloc[i] = geom
        if geom.is_valid:
            continue
        reason = shapely.is_valid_reason(geom)
        repaired = _polygonal_part(shapely.make_valid(geom))
        if repaired is None:
            report.error(source, label, f"géométrie invalide ({reason}) et irréparable")
            continue
        before, after = abs(geom.area), repaired.area
        change = abs(after - before) / before if before > 0 else float("inf")
        out.iloc[i] = repaired
        if change < MAX_REPAIR_AREA_CHANGE:
            report.warning(source, label, f"géométrie invalide ({reason}) réparée (surface modifiée de {change:.2%})")
        else:
            pct = "surface nulle avant réparation" if change == float("inf") else f"surface modifiée de {change:.0%}"
            report.error(source, label, f"géométrie invalide ({reason}) : la réparation automatique la déforme ({pct}), corrigez-la dans un SIG")
    return out


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry | None:
    if isinstance(geom, (shapely.Polygon, shapely.MultiPolygon)):
        return geom
    if isinstance(geom, shapely.GeometryCollection):
        polys = [g for g in shapely.get_parts(geom) if isinstance(g, (shapely.Polygon, shapely.MultiPolygon)) and not g.is_empty]
        if polys:
            return shapely.union_all(polys)
    return None


def _to_bool(value: object) -> bool | None:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower() if value is not None else ""
    if text in _TRUE:
        return True
    if text in _FALSE or text in ("nan", "none", "<na>"):
        return False
    return None


def read_communes(
    path: str | Path,
    code_col: str | None = None,
    name_col: str | None = None,
    population_col: str | None = None,
    layer: str | int | None = None,
    *,
    departement: str | None = None,
    report: ImportReport | None = None,
) -> gpd.GeoDataFrame:
    """Read commune polygons from a GeoJSON, shapefile or GeoPackage, in any CRS.

    Args:
        path: the file (``.geojson``, ``.shp`` with its ``.prj``, ``.gpkg``...).
        code_col, name_col, population_col: source column names, when the
            defaults (module docstring) do not find them.
        layer: layer name or index for multi-layer files; by default the only
            layer, or the one named ``commune``/``communes`` (ADMIN EXPRESS).
        departement: the département of the territory (``"2A"``); communes of
            other départements are marked ``is_buffer`` unless the file has an
            ``is_buffer`` column.
        report: collects issues (see :mod:`mapapp.territory.validation`).

    Returns:
        The ``communes`` frame (EPSG:4326), sorted by code. ``population`` is
        ``int64``, or nullable ``Int64`` when some are missing (an error, or a
        warning when the file has no population column at all: merge them with
        :func:`read_commune_populations`).

    Raises:
        TerritoryImportError: when no report is passed and errors were found,
            or on fatal errors (unreadable or empty file, missing CRS or code column).
    """
    report, owned = start(report)
    path = Path(path)
    source = path.name
    gdf = read_layer(path, layer, source, report)
    columns = [c for c in gdf.columns if c != gdf.geometry.name]

    code_c = find_column(columns, CODE_COLUMNS, code_col)
    if code_c is None:
        wanted = code_col or " / ".join(CODE_COLUMNS[:4])
        raise fatal(report, source, None, f"colonne du code INSEE introuvable ({wanted}) ; colonnes : {', '.join(columns)}")
    name_c = find_column(columns, NAME_COLUMNS, name_col)
    pop_c = find_column(columns, POPULATION_COLUMNS, population_col)
    dep_c = find_column(columns, DEPARTEMENT_COLUMNS)
    buf_c = find_column(columns, ("is_buffer",))
    for asked, found, what in ((name_col, name_c, "nom"), (population_col, pop_c, "population")):
        if asked is not None and found is None:
            report.error(source, None, f"colonne {what} « {asked} » absente ; colonnes : {', '.join(columns)}")
    if name_c is None:
        report.warning(source, None, "pas de colonne de nom : le code INSEE sert de nom")
    if pop_c is None and population_col is None:
        report.info(source, None, "pas de colonne population : à fusionner avec read_commune_populations()")
    if gdf.crs.to_epsg() != 4326:
        report.info(source, None, f"communes converties de {gdf.crs.to_string()} en EPSG:4326")

    codes: list[str | None] = []
    labels: list[str] = []
    for i, raw in enumerate(gdf[code_c].tolist()):
        code = normalize_insee(raw)
        label = code or f"entité {i + 1}"
        if code is None:
            report.error(source, label, "code INSEE manquant")
        elif not INSEE_CODE_RE.match(code):
            report.error(source, label, f"code INSEE invalide « {raw} » (attendu : 5 caractères, ex. 77288, 2A004, 97411)")
        codes.append(code)
        labels.append(label)
    counts = pd.Series([c for c in codes if c]).value_counts()
    for code in counts[counts > 1].index:
        report.error(source, code, f"code INSEE en double ({counts[code]} entités)")

    populations: list[float | None] = []
    for i, raw in enumerate(gdf[pop_c].tolist() if pop_c else [None] * len(gdf)):
        try:
            value = parse_number(raw)
        except ValueError:
            report.error(source, labels[i], f"population illisible « {raw} »")
            value = None
        if value is None:
            if pop_c is not None:
                report.error(source, labels[i], "commune sans population")
        elif value < 0:
            report.error(source, labels[i], f"population négative ({value:g})")
            value = None
        elif not float(value).is_integer():
            report.warning(source, labels[i], f"population non entière ({value:g}) arrondie")
            value = float(round(value))
        populations.append(value)

    geometry = repair_geometries(gdf.geometry, labels, source, report)

    noms = [str(v).strip() if v is not None and str(v).strip() and str(v) != "nan" else None for v in (gdf[name_c].tolist() if name_c else [None] * len(gdf))]
    deps = []
    for i, code in enumerate(codes):
        dep = str(gdf[dep_c].iloc[i]).strip().upper() if dep_c and gdf[dep_c].iloc[i] is not None else ""
        if dep in ("", "NAN", "NONE"):
            dep = departement_of(code) if code else ""
        if len(dep) == 1:
            dep = "0" + dep
        deps.append(dep)
    buffers = []
    for i, dep in enumerate(deps):
        flag = _to_bool(gdf[buf_c].iloc[i]) if buf_c else None
        if buf_c and flag is None:
            report.error(source, labels[i], f"is_buffer illisible « {gdf[buf_c].iloc[i]} » (true/false attendu)")
        if flag is None:
            flag = departement is not None and dep != departement
        buffers.append(flag)

    out = gpd.GeoDataFrame(
        {
            "code": pd.array(codes, dtype="str"),
            "nom": [n if n is not None else (c or "") for n, c in zip(noms, codes)],
            "population": pd.array(populations, dtype="Float64").round().astype("Int64"),
            "departement": deps,
            "is_buffer": np.array(buffers, dtype=bool),
        },
        geometry=geometry.values,
        crs=gdf.crs,
    )
    if departement is not None and not (~out["is_buffer"]).any():
        report.error(source, None, f"aucune commune du département {departement} dans le fichier")
    out = out.to_crs(4326)
    out = _finalize_population(out).sort_values("code", kind="stable").reset_index(drop=True)
    report.info(source, None, f"{len(out)} communes lues ({int(out['is_buffer'].sum())} hors département)")
    finish(report, owned)
    return out[COMMUNE_COLUMNS]


def _finalize_population(communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``population`` as plain int64 when complete, nullable Int64 otherwise."""
    if communes["population"].notna().all():
        communes["population"] = communes["population"].astype("int64")
    return communes


def read_commune_populations(
    csv_path: str | Path,
    communes: gpd.GeoDataFrame | None = None,
    *,
    code_col: str = "code",
    population_col: str = "population",
    report: ImportReport | None = None,
) -> pd.DataFrame:
    """Read a commune table (e.g. ``code,nom,departement,population,code_epci,nom_epci,codes_postaux``).

    Args:
        csv_path: the CSV (``,`` or ``;``, UTF-8 or Windows-1252).
        communes: when given, the populations are merged into a copy of it
            and the copy is returned; the table wins over populations already
            in ``communes`` (an info says how many changed).
        code_col, population_col: column names (case-insensitive).
        report: collects issues.

    Returns:
        Without ``communes``: the table with ``code`` normalised and
        ``population`` as nullable ``Int64``; its ``line`` column gives the
        source line of each row. With ``communes``: the communes frame.

    Validation: bad or duplicate codes and unreadable or negative populations
    are errors (with line numbers); an empty population is a warning here and
    becomes an error when the commune is left without population after the
    merge (:func:`merge_populations`); table codes absent from ``communes``
    are warnings (one per line).
    """
    report, owned = start(report)
    csv_path = Path(csv_path)
    source = csv_path.name
    table = read_csv_table(csv_path, report, source, multiline=())
    code_c = find_column(table.columns, (), code_col)
    pop_c = find_column(table.columns, (), population_col)
    if code_c is None or pop_c is None:
        missing = [n for n, c in ((code_col, code_c), (population_col, pop_c)) if c is None]
        raise fatal(report, source, 1, f"colonne(s) absente(s) : {', '.join(missing)} ; colonnes : {', '.join(table.columns)}")

    records = []
    seen: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines):
        code = normalize_insee(row[code_c])
        if code is None or not INSEE_CODE_RE.match(code):
            report.error(source, line, f"code INSEE invalide « {row[code_c]} »")
            continue
        if code in seen:
            report.error(source, line, f"code {code} en double (déjà ligne {seen[code]})")
            continue
        seen[code] = line
        try:
            pop = parse_number(row[pop_c])
        except ValueError:
            report.error(source, line, f"population illisible « {row[pop_c]} » pour {code}")
            pop = None
        else:
            if pop is None:
                report.warning(source, line, f"population manquante pour {code}")
            elif pop < 0:
                report.error(source, line, f"population négative pour {code}")
                pop = None
        rec = dict(row)
        rec[code_c] = code
        rec[pop_c] = pop
        rec["line"] = line
        records.append(rec)
    df = pd.DataFrame.from_records(records, columns=[*table.columns, "line"])
    df = df.rename(columns={code_c: "code", pop_c: "population"})
    df["population"] = pd.array(df["population"].tolist(), dtype="Float64").round().astype("Int64")

    if communes is not None:
        df = merge_populations(communes, df, report=report, source=source)
    finish(report, owned)
    return df


def merge_populations(
    communes: gpd.GeoDataFrame,
    table: pd.DataFrame,
    *,
    report: ImportReport | None = None,
    source: str = "table des communes",
) -> gpd.GeoDataFrame:
    """Merge ``table`` (``code``, ``population``, optional ``line``) into a copy of ``communes``.

    The table wins over populations already present (an info counts the
    changes); table codes absent from ``communes`` are warnings; communes left
    without population are errors.
    """
    report, owned = start(report)
    known = set(communes["code"])
    lines = table["line"] if "line" in table.columns else pd.Series([None] * len(table), index=table.index)
    for code, line in zip(table["code"], lines):
        if code not in known:
            report.warning(source, line if line is not None else code, f"commune {code} absente du fichier des communes (ignorée)")
    by_code = table.drop_duplicates("code").set_index("code")["population"]
    out = communes.copy()
    new = out["code"].map(by_code).astype("Int64")
    old = out["population"].astype("Int64")
    changed = int(((old.notna()) & (new.notna()) & (old != new)).sum())
    if changed:
        report.info(source, None, f"population remplacée pour {changed} commune(s) déjà renseignée(s)")
    merged = new.fillna(old)
    for code, nom, pop in zip(out["code"], out["nom"], merged):
        if pd.isna(pop):
            report.error(source, code, f"commune {code} ({nom}) sans population")
    out["population"] = merged.to_numpy()
    out = _finalize_population(out)
    finish(report, owned)
    return out

"""Read a territory from files into a :class:`~mapapp.territory.bundle.TerritoryBundle`.

Two entry points:

:func:`read_bundle` — the demo layout, one directory::

    territory.json      {"name", "departement", "fictional", "description", "sources"}
    communes.geojson    properties code, nom, population, departement, is_buffer (EPSG:4326)
    grids.csv           grid,code,nom,commune (optional)
    population.csv      lon,lat,population,commune (optional: one point per commune otherwise)
    roads.osm           the road network, kept as a path (also roads.osm.pbf / .osm.bz2)

:func:`bundle_from_files` — a real territory from the usual public files
(IGN/france-geojson contours, an INSEE/etalab commune table, an INSEE grid).

The building blocks are re-exported here: :func:`read_communes`,
:func:`read_commune_populations`, :func:`read_grid_csv`,
:func:`grids_from_commune_table`, :func:`read_population_grid`,
:func:`population_points_from_communes`, :func:`read_population_csv`,
:func:`check_osm_covers`. Every one takes ``report=`` (see
:mod:`mapapp.territory.validation`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from mapapp.territory.bundle import GRID_COLUMNS, TerritoryBundle
from mapapp.territory.commune_merge import concat_tables, read_communes_files, restrict_table
from mapapp.territory.communes import merge_populations, read_commune_populations, read_communes
from mapapp.territory.grids import grids_from_commune_table, read_grid_csv
from mapapp.territory.osm_check import check_osm_covers
from mapapp.territory.population import (
    population_points_from_communes,
    read_population_csv,
    read_population_grid,
    top_up_communes_without_squares,
)
from mapapp.territory.textfile import load_json
from mapapp.territory.validation import ImportReport, TerritoryImportError, fatal, finish, start

__all__ = [
    "ImportReport",
    "TerritoryImportError",
    "bundle_from_files",
    "check_osm_covers",
    "grids_from_commune_table",
    "merge_populations",
    "population_points_from_communes",
    "read_bundle",
    "read_commune_populations",
    "read_communes",
    "read_grid_csv",
    "read_population_csv",
    "read_population_grid",
    "read_territory_meta",
]

DEPARTEMENT_CODE_RE = re.compile(r"^(?:\d{2}|2[AB]|97\d)$")
OSM_NAMES = ("roads.osm", "roads.osm.pbf", "roads.osm.bz2", "roads.pbf")


def read_territory_meta(path: str | Path, *, report: ImportReport | None = None) -> dict:
    """Read and check ``territory.json``: ``name`` and ``departement`` are required.

    Returns ``{"name", "departement", "fictional", "description", "sources"}``
    with defaults for the optional keys; unknown keys are ignored (an info).
    """
    report, owned = start(report)
    path = Path(path)
    source = path.name
    if not path.exists():
        raise fatal(report, source, None, f"fichier introuvable : {path}")
    meta = load_json(path, report, source)
    if not isinstance(meta, dict):
        raise fatal(report, source, None, "un objet JSON est attendu")
    name = meta.get("name")
    if not isinstance(name, str) or not name.strip():
        report.error(source, "name", "nom du territoire manquant")
    dep = str(meta.get("departement", "")).strip().upper()
    if not DEPARTEMENT_CODE_RE.match(dep):
        report.error(source, "departement", f"code département invalide « {meta.get('departement')} » (ex. 77, 2A, 974)")
    sources = meta.get("sources") or {}
    if not isinstance(sources, dict):
        report.error(source, "sources", "un objet {nom: description} est attendu")
        sources = {}
    known = {"name", "departement", "fictional", "description", "sources"}
    extra = sorted(set(meta) - known)
    if extra:
        report.info(source, None, f"clés ignorées : {', '.join(extra)}")
    finish(report, owned)
    return {
        "name": str(name or "").strip(),
        "departement": dep,
        "fictional": bool(meta.get("fictional", False)),
        "description": str(meta.get("description") or ""),
        "sources": {str(k): str(v) for k, v in sources.items()},
    }


def _empty_grids() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="str") for c in GRID_COLUMNS})


def _check_points_cover_communes(points: pd.DataFrame, communes: gpd.GeoDataFrame, source: str, report: ImportReport) -> None:
    inside = communes[~communes["is_buffer"] & (pd.to_numeric(communes["population"], errors="coerce").fillna(0) > 0)]
    without = sorted(set(inside["code"]) - set(points["commune"]))
    if without:
        report.warning(source, None, f"{len(without)} commune(s) peuplée(s) sans point de population : {', '.join(without[:15])}")


def read_bundle(directory: str | Path, *, check_osm: bool = False, report: ImportReport | None = None) -> TerritoryBundle:
    """Read the demo layout (module doc) into a :class:`TerritoryBundle`.

    Every file is read even when an earlier one has errors, so the report
    lists all of them. Missing optional files are warnings: no ``grids.csv``
    → no grid; no ``population.csv`` → one point per commune; no roads file →
    ``osm_path=None``.

    Args:
        directory: the territory directory.
        check_osm: also run :func:`check_osm_covers` on the roads file
            (reads the file once; off by default to keep loading instant).
        report: collects issues; without one, any error raises at the end.

    Raises:
        TerritoryImportError: the directory, ``territory.json`` or the
            communes cannot be read (always), or any error when no report is passed.
    """
    report, owned = start(report)
    directory = Path(directory)
    if not directory.is_dir():
        raise fatal(report, str(directory), None, "dossier du territoire introuvable")
    try:
        meta = read_territory_meta(directory / "territory.json", report=report)
    except TerritoryImportError:
        meta = None
    try:
        communes = read_communes(directory / "communes.geojson", departement=(meta or {}).get("departement") or None, report=report)
    except TerritoryImportError:
        communes = None

    grids = _empty_grids()
    grids_path = directory / "grids.csv"
    if grids_path.exists():
        try:
            grids = read_grid_csv(grids_path, communes=communes, report=report)
        except TerritoryImportError:
            pass
    else:
        report.warning("grids.csv", None, "absent : aucune grille (EPCI, cantons...) pour agréger les résultats")

    points = None
    population_path = directory / "population.csv"
    if population_path.exists():
        try:
            points = read_population_csv(population_path, communes=communes, report=report)
        except TerritoryImportError:
            pass
    elif communes is not None:
        report.warning("population.csv", None, "absent : un point de population par commune (moins précis)")
        points = population_points_from_communes(communes, report=report)
    if points is not None and communes is not None:
        _check_points_cover_communes(points, communes, population_path.name, report)

    osm_path = next((directory / n for n in OSM_NAMES if (directory / n).exists()), None)
    if osm_path is None:
        report.warning("roads.osm", None, f"aucun fichier routier ({', '.join(OSM_NAMES)}) : pas de calcul de temps d'accès possible")
    elif check_osm and communes is not None:
        try:
            check_osm_covers(osm_path, communes, report=report)
        except TerritoryImportError:
            pass

    if meta is None or communes is None:
        raise TerritoryImportError(report.errors, report.warnings)
    finish(report, owned)
    return TerritoryBundle(
        name=meta["name"],
        departement=meta["departement"],
        communes=communes,
        grids=grids,
        population_points=points if points is not None else population_points_from_communes(communes),
        osm_path=osm_path,
        fictional=meta["fictional"],
        description=meta["description"],
        sources=meta["sources"],
    )


def bundle_from_files(
    name: str,
    departement: str,
    communes_path: str | Path | Iterable[str | Path],
    *,
    commune_table: str | Path | Iterable[str | Path] | None = None,
    population_grid: str | Path | None = None,
    population_grid_layer: str | None = None,
    population_weight_col: str = "Ind",
    grid_files: Iterable[str | Path] = (),
    osm_path: str | Path | None = None,
    check_osm: bool = True,
    osm_min_share: float | None = None,
    description: str = "",
    sources: dict[str, str] | None = None,
    report: ImportReport | None = None,
) -> TerritoryBundle:
    """Assemble a real territory from public files.

    Args:
        name, departement: the territory's name and département code.
        communes_path: commune polygons (any layout of :func:`read_communes`),
            or several files (one per département: the territory and its
            neighbours), merged by
            :func:`~mapapp.territory.commune_merge.read_communes_files`.
        commune_table: a commune CSV (``code,...,population,code_epci,nom_epci``)
            giving populations (merged) and the EPCI grid (when it has
            ``code_epci``), or several. Rows of communes absent from the
            polygons (a national table) are ignored with one summary info.
        population_grid: INSEE squares; without it, one point per commune.
            A commune with a legal population and no populated square gets one
            point carrying its legal population
            (:func:`~mapapp.territory.population.top_up_communes_without_squares`;
            squares are not rescaled).
        population_grid_layer, population_weight_col: passed to :func:`read_population_grid`.
        grid_files: more grid CSVs (:func:`read_grid_csv`).
        osm_path: the road file, checked with :func:`check_osm_covers` when ``check_osm``.
        osm_min_share: share of a département commune's area the road file must
            cover (default 0.5); below it is an error. Lower it, knowingly, for a
            study area cut from a larger département.
        description, sources: stored with the bundle.
        report: collects issues; without one, any error raises at the end.
    """
    report, owned = start(report)
    paths = [communes_path] if isinstance(communes_path, (str, Path)) else list(communes_path)
    communes = read_communes_files(paths, departement=departement, report=report)
    grids = [_empty_grids()]
    tables = [] if commune_table is None else [commune_table] if isinstance(commune_table, (str, Path)) else list(commune_table)
    if tables:
        table_sources = [Path(t).name for t in tables]
        table = concat_tables([read_commune_populations(t, report=report) for t in tables], table_sources, report=report)
        source = ", ".join(table_sources)
        table = restrict_table(table, communes, source=source, report=report)
        communes = merge_populations(communes, table, report=report, source=source)
        if "code_epci" in table.columns:
            grids.append(grids_from_commune_table(table, communes=communes, report=report))
    for path in grid_files:
        grids.append(read_grid_csv(path, communes=communes, report=report))
    if population_grid is not None:
        points = read_population_grid(population_grid, population_grid_layer, population_weight_col, communes=communes, report=report)
        if communes["population"].notna().any():
            points = top_up_communes_without_squares(points, communes, source=Path(population_grid).name, report=report)
    else:
        report.warning("population", None, "pas de carroyage : un point de population par commune (moins précis)")
        points = population_points_from_communes(communes, report=report)
    if osm_path is not None and check_osm:
        coverage = {} if osm_min_share is None else {"min_share": osm_min_share}
        check_osm_covers(osm_path, communes, report=report, **coverage)
    finish(report, owned)
    return TerritoryBundle(
        name=name,
        departement=departement,
        communes=communes,
        grids=pd.concat([g for g in grids if len(g)] or grids[:1], ignore_index=True),
        population_points=points,
        osm_path=Path(osm_path) if osm_path is not None else None,
        description=description,
        sources=dict(sources or {}),
    )

"""Several commune files as one territory, and commune tables wider than it.

Commune polygons are published one file per département (IGN ADMIN EXPRESS
by département, france-geojson...), and a territory needs its neighbours as a
buffer, so :func:`read_communes_files` reads several files (any format, any
CRS, each through :func:`~mapapp.territory.communes.read_communes`) and merges
them:

- a commune (INSEE code) present in several files is kept once when the
  geometries agree — their symmetric difference is at most
  ``GEOMETRY_TOLERANCE`` of their union, measured in metres (two editions or
  simplifications of the same contour) — and the duplicates are reported in
  ONE info line;
- when the geometries differ more than that (two different communes under one
  code, or a commune merged since), it is an error naming the code and the
  files: nothing is guessed.

:func:`restrict_table` keeps the rows of a commune table (the national INSEE
table is the natural download) that belong to the communes read, and reports
the others in one summary line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from mapapp import formats
from mapapp.territory.communes import read_communes
from mapapp.territory.validation import ImportReport, finish, start

GEOMETRY_TOLERANCE = 0.01
"""Largest share of the union two copies of a commune may differ by (1 %)."""


def read_communes_files(
    paths: Sequence[str | Path],
    *,
    departement: str | None = None,
    report: ImportReport | None = None,
) -> gpd.GeoDataFrame:
    """Read and merge several commune files (module doc for the duplicate rule).

    Args:
        paths: one or more commune files (GeoJSON, shapefile, GeoPackage...).
        departement: the territory's département (others are buffer).
        report: collects issues; without one, any error raises at the end.

    Returns:
        One ``communes`` frame (EPSG:4326), sorted by code, one row per code.

    Raises:
        TerritoryImportError: a file cannot be read at all (always), or any
            error when no report is passed.
    """
    report, owned = start(report)
    paths = [Path(p) for p in paths]
    if len(paths) == 1:
        out = read_communes(paths[0], departement=departement, report=report)
        finish(report, owned)
        return out
    frames = []
    # Read each file without the "no commune of the département" check: only
    # the union must contain some, a neighbour's file alone has none.
    for path in paths:
        frame = read_communes(path, departement=None, report=report)
        frame = frame.assign(_source=path.name)
        frames.append(frame)
    allc = pd.concat(frames, ignore_index=True)
    allc = gpd.GeoDataFrame(allc, geometry="geometry", crs=frames[0].crs)
    if departement is not None:
        allc["is_buffer"] = allc["departement"] != departement
    metric = allc.to_crs(allc.estimate_utm_crs()) if len(allc) else allc
    keep = []
    same: list[str] = []
    for code, idx in allc.groupby("code", sort=True).groups.items():
        idx = list(idx)
        keep.append(idx[0])
        if len(idx) == 1:
            continue
        first = metric.geometry.loc[idx[0]]
        sources = list(allc.loc[idx, "_source"])
        bad = False
        for other_i in idx[1:]:
            other = metric.geometry.loc[other_i]
            union = first.union(other).area
            diff = first.symmetric_difference(other).area
            share = diff / union if union > 0 else 0.0
            if share > GEOMETRY_TOLERANCE:
                report.error(", ".join(sources), code,
                             f"commune {code} présente dans plusieurs fichiers avec des contours différents "
                             f"({share:.1%} de la surface) : gardez-en un seul")
                bad = True
                break
            pop_a, pop_b = allc.loc[idx[0], "population"], allc.loc[other_i, "population"]
            if pd.notna(pop_a) and pd.notna(pop_b) and int(pop_a) != int(pop_b):
                report.error(", ".join(sources), code,
                             f"commune {code} présente dans plusieurs fichiers avec des populations différentes "
                             f"({int(pop_a)} et {int(pop_b)})")
                bad = True
                break
            if pd.isna(pop_a) and pd.notna(pop_b):
                allc.loc[idx[0], "population"] = pop_b
        if not bad:
            same.append(code)
    if same:
        shown = ", ".join(same[:15]) + (" ..." if len(same) > 15 else "")
        report.info(", ".join(p.name for p in paths), None,
                    f"{len(same)} commune(s) présente(s) dans plusieurs fichiers avec le même contour, gardée(s) une fois : {shown}")
    out = allc.loc[keep].drop(columns="_source").sort_values("code", kind="stable").reset_index(drop=True)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=allc.crs)
    if out["population"].notna().all():
        out["population"] = out["population"].astype("int64")
    if departement is not None and not (~out["is_buffer"]).any():
        report.error(", ".join(p.name for p in paths), None, f"aucune commune du département {departement} dans les fichiers")
    report.info(", ".join(p.name for p in paths), None,
                f"{len(out)} communes au total ({int(out['is_buffer'].sum())} hors département)")
    finish(report, owned)
    return out


def restrict_table(table: pd.DataFrame, communes: gpd.GeoDataFrame, *, source: str, report: ImportReport) -> pd.DataFrame:
    """Keep the rows of a commune table whose code is a commune read; one info line counts the others.

    A national table (INSEE's ~35 000 communes) is a normal input: the rows
    outside the polygons are not errors, just not this territory.
    """
    known = set(communes["code"])
    inside = table["code"].isin(known)
    outside = int((~inside).sum())
    if outside:
        report.info(source, None, f"{formats.integer(outside)} ligne(s) de la table hors des communes fournies, ignorée(s)")
    return table.loc[inside].reset_index(drop=True)


def concat_tables(tables: Sequence[pd.DataFrame], sources: Sequence[str], *, report: ImportReport) -> pd.DataFrame:
    """Concatenate several commune tables; a code in two tables with different populations is an error."""
    if len(tables) == 1:
        return tables[0]
    frames = [t.assign(_source=s) for t, s in zip(tables, sources)]
    allt = pd.concat(frames, ignore_index=True)
    for code, grp in allt.groupby("code", sort=True):
        if len(grp) < 2:
            continue
        pops = set(int(p) for p in grp["population"] if pd.notna(p))
        if len(pops) > 1:
            report.error(", ".join(grp["_source"]), code,
                         f"commune {code} dans plusieurs tables avec des populations différentes ({', '.join(map(str, sorted(pops)))})")
    return allt.drop_duplicates("code").drop(columns="_source").reset_index(drop=True)

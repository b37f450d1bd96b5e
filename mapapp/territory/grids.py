"""Grids that group communes: EPCI, cantons, bassins de vie, territoires d'action sociale...

A grid is a list of communes per unit. Output: the ``grids`` frame of
:mod:`mapapp.territory.bundle` (long format, one row per commune in a unit:
``grid, code, nom, commune``).

Two CSV layouts are read by :func:`read_grid_csv`:

**long** (the bundle's own format; several grids in one file)::

    grid,code,nom,commune
    territoire_action_sociale,TAS-N,Territoire Nord,77288
    territoire_action_sociale,TAS-N,Territoire Nord,77152
    epci,247700057,CA Melun Val de Seine,77288

  ``grid`` may be omitted when the ``grid=`` argument names it; ``nom`` may be
  omitted (the unit code is then its name).

**wide** (one row per commune, one column per grid, as planners keep it in Excel)::

    commune,nom_commune,canton,nom_canton,territoire_action_sociale
    77288,Melun,7711,Melun,TAS-N

  ``commune`` holds the INSEE code; every other column is a grid whose cells
  are unit codes, except name columns: ``nom``/``nom_commune``/``libelle``
  (the commune's name, ignored) and ``nom_<grid>`` or ``<grid>_nom`` (the
  unit's name for that grid). An empty cell means "not in this grid".

Grid keys are normalised to lower-case ASCII with underscores
(``Territoire d'action sociale`` → ``territoire_d_action_sociale``); the usual
keys are those of :data:`mapapp.territory.bundle.GRID_LABELS`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import pandas as pd

from mapapp.territory.bundle import GRID_COLUMNS
from mapapp.territory.tabular import find_column, read_csv_table
from mapapp.territory.validation import INSEE_CODE_RE, ImportReport, fatal, finish, normalize_insee, start

_COMMUNE_NAME_COLUMNS = {"nom", "nom_commune", "libelle", "libelle_commune", "commune_nom", "nom_com"}


def grid_key(label: str) -> str:
    """Normalise a grid name to a key: ``"Bassin de vie"`` → ``"bassin_de_vie"``."""
    text = unicodedata.normalize("NFKD", str(label)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def read_grid_csv(
    path: str | Path,
    grid: str | None = None,
    *,
    communes: gpd.GeoDataFrame | pd.DataFrame | None = None,
    report: ImportReport | None = None,
) -> pd.DataFrame:
    """Read commune lists of one or several grids from a CSV (long or wide layout, see module doc).

    Args:
        path: the CSV file.
        grid: the grid key when the file has no ``grid`` column (long layout),
            or to keep only that grid.
        communes: the territory's communes, to check the codes against.
        report: collects issues.

    Returns:
        The ``grids`` frame (``grid, code, nom, commune``).

    Validation: malformed INSEE codes, empty unit codes (long layout) and
    communes unknown to ``communes`` are errors with their line; duplicate
    rows, a commune in several units of one grid (cantons split big towns:
    allowed), and territory communes missing from a grid are warnings.
    """
    report, owned = start(report)
    path = Path(path)
    source = path.name
    table = read_csv_table(path, report, source, multiline=())
    cols = table.columns
    code_c = find_column(cols, ("code", "code_unite", "unite"))
    commune_c = find_column(cols, ("commune", "code_commune", "insee_com", "codgeo"))
    rows: list[tuple[str, str, str, str, int]] = []  # grid, unit code, unit name, commune, line

    if commune_c is None:
        raise fatal(report, source, 1, "colonne « commune » (code INSEE) introuvable ; formats acceptés : "
                    "long « grid,code,nom,commune » ou large « commune,<grille>,... »")
    if code_c is not None:  # long layout
        grid_c = find_column(cols, ("grid", "grille"))
        name_c = find_column(cols, ("nom", "nom_unite", "libelle"))
        if grid_c is None and grid is None:
            raise fatal(report, source, 1, "pas de colonne « grid » : précisez la grille (grid=...)")
        for row, line in zip(table.rows, table.lines):
            key = grid_key(row[grid_c]) if grid_c else grid_key(grid)
            if grid is not None and key != grid_key(grid):
                continue
            if not key:
                report.error(source, line, "nom de grille vide")
                continue
            unit = row[code_c]
            if not unit:
                report.error(source, line, f"code d'unité vide (commune {row[commune_c]})")
                continue
            name = row[name_c] if name_c and row[name_c] else unit
            rows.append((key, unit, name, row[commune_c], line))
    else:  # wide layout
        grid_cols = []
        for col in cols:
            low = col.lower()
            if col == commune_c or low in _COMMUNE_NAME_COLUMNS or low.startswith("nom_") or low.endswith("_nom"):
                continue
            grid_cols.append(col)
        if grid is not None:
            grid_cols = [c for c in grid_cols if grid_key(c) == grid_key(grid)]
        if not grid_cols:
            raise fatal(report, source, 1, f"aucune colonne de grille{f' « {grid} »' if grid else ''} dans {', '.join(cols)}")
        for col in grid_cols:
            name_c = find_column(cols, (f"nom_{col}", f"{col}_nom"))
            empty_lines = []
            for row, line in zip(table.rows, table.lines):
                unit = row[col]
                if not unit:
                    empty_lines.append(line)
                    continue
                name = row[name_c] if name_c and row[name_c] else unit
                rows.append((grid_key(col), unit, name, row[commune_c], line))
            if empty_lines:
                report.warning(source, None, f"grille {grid_key(col)} : {len(empty_lines)} commune(s) sans unité (lignes {_lines(empty_lines)})")

    out = _validate(rows, source, communes, report)
    finish(report, owned)
    return out


def grids_from_commune_table(
    table: str | Path | pd.DataFrame,
    grid: str = "epci",
    code_col: str = "code_epci",
    name_col: str = "nom_epci",
    commune_col: str = "code",
    *,
    communes: gpd.GeoDataFrame | pd.DataFrame | None = None,
    report: ImportReport | None = None,
) -> pd.DataFrame:
    """Derive a grid from unit columns of a commune table (``code_epci,nom_epci`` by default).

    Args:
        table: a CSV path (the realdata ``communes.csv`` layout) or a frame
            (e.g. from :func:`mapapp.territory.communes.read_commune_populations`;
            its ``line`` column, when present, is used in messages).
        grid: the grid key to produce.
        code_col, name_col, commune_col: the unit code, unit name and commune
            code columns.
        communes, report: as in :func:`read_grid_csv`.

    A commune with an empty unit code is left out with a warning (a few
    island communes belong to no EPCI).
    """
    report, owned = start(report)
    if isinstance(table, (str, Path)):
        source = Path(table).name
        tab = read_csv_table(table, report, source, multiline=())
        frame = pd.DataFrame(tab.rows, columns=tab.columns)
        frame["line"] = tab.lines
    else:
        source = "table des communes"
        frame = table.copy()
        if "line" not in frame.columns:
            frame["line"] = [f"ligne {i + 2}" for i in range(len(frame))]
    found = {c: find_column(list(frame.columns), (), c) for c in (code_col, name_col, commune_col)}
    missing = [c for c, f in found.items() if f is None and c != name_col]
    if missing:
        raise fatal(report, source, None, f"colonne(s) absente(s) : {', '.join(missing)}")
    rows = []
    empty = []
    for rec in frame.to_dict("records"):
        unit = rec[found[code_col]]
        unit = "" if unit is None or (isinstance(unit, float) and unit != unit) else str(unit).strip()
        if not unit:
            empty.append(rec["line"])
            continue
        name = rec[found[name_col]] if found[name_col] else None
        name = str(name).strip() if name is not None and str(name).strip() and str(name) != "nan" else unit
        rows.append((grid_key(grid), unit, name, rec[found[commune_col]], rec["line"]))
    if empty:
        report.warning(source, None, f"{len(empty)} commune(s) sans {code_col} (lignes {_lines(empty)}) : hors grille {grid}")
    out = _validate(rows, source, communes, report)
    finish(report, owned)
    return out


def _lines(lines: list, limit: int = 15) -> str:
    shown = ", ".join(str(x) for x in lines[:limit])
    return shown + (f"... (+{len(lines) - limit})" if len(lines) > limit else "")


def _validate(rows, source: str, communes, report: ImportReport) -> pd.DataFrame:
    known = set(communes["code"]) if communes is not None else None
    seen: set[tuple[str, str, str]] = set()
    names: dict[tuple[str, str], str] = {}
    units_of: dict[tuple[str, str], list[str]] = defaultdict(list)
    out = []
    for key, unit, name, raw_commune, line in rows:
        commune = normalize_insee(raw_commune)
        if commune is None or not INSEE_CODE_RE.match(commune):
            report.error(source, line, f"code commune invalide « {raw_commune} »")
            continue
        if known is not None and commune not in known:
            report.error(source, line, f"commune {commune} inconnue du territoire (grille {key}, unité {unit})")
            continue
        if (key, unit, commune) in seen:
            report.warning(source, line, f"ligne en double (grille {key}, unité {unit}, commune {commune}) ignorée")
            continue
        seen.add((key, unit, commune))
        if names.setdefault((key, unit), name) != name:
            report.warning(source, line, f"unité {unit} ({key}) nommée « {name} » et « {names[(key, unit)]} » : premier nom gardé")
        units_of[(key, commune)].append(unit)
        out.append((key, unit, names[(key, unit)], commune))
    for (key, commune), units in units_of.items():
        if len(units) > 1:
            report.warning(source, commune, f"commune dans {len(units)} unités de la grille {key} ({', '.join(units)})")
    frame = pd.DataFrame(out, columns=GRID_COLUMNS)
    if communes is not None and len(frame):
        inside = communes.loc[~communes["is_buffer"].astype(bool), "code"] if "is_buffer" in communes else communes["code"]
        for key, part in frame.groupby("grid"):
            absent = sorted(set(inside) - set(part["commune"]))
            if absent:
                report.warning(source, None, f"grille {key} : {len(absent)} commune(s) du département absente(s) ({_lines(absent)})")
    return frame.astype({"grid": "str", "code": "str", "nom": "str", "commune": "str"})

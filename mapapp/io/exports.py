"""Every export format behind one function, for the CLI (``mapapp export``) and the web (``/export/<format>``).

=======================  ==========================================  ===========================
format                   content                                     single file / several
=======================  ==========================================  ===========================
``xlsx``                 the report's tables, one sheet each         ``.xlsx``
``csv``                  the same tables, one CSV each (French Excel) folder or ``.zip``
``gpkg``                 GIS layers (Lambert-93)                     ``.gpkg``
``geojson``              the spatial layers, one file each (WGS84)   folder or ``.zip``
``datainclusion-json``   the catalog, data·inclusion v1              folder or ``.zip``
``datainclusion-csv``    the same as CSV                             folder or ``.zip``
=======================  ==========================================  ===========================

Table and layer exports cover the report's unit, themes and modes (the same
arguments as :func:`mapapp.reports.build_report`); the data·inclusion
exports cover the whole catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from mapapp.results import ResultStore


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    extension: str  # of the single file, or ".zip" for several
    mimetype: str
    several_files: bool
    needs_report: bool


ZIP = "application/zip"
FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("xlsx", "Tableaux (Excel, XLSX)", ".xlsx",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False, True),
    ExportFormat("csv", "Tableaux (CSV pour Excel)", ".zip", ZIP, True, True),
    ExportFormat("gpkg", "Couches SIG (GeoPackage, QGIS)", ".gpkg", "application/geopackage+sqlite3", False, True),
    ExportFormat("geojson", "Couches SIG (GeoJSON)", ".zip", ZIP, True, True),
    ExportFormat("datainclusion-json", "Catalogue data·inclusion (JSON)", ".zip", ZIP, True, False),
    ExportFormat("datainclusion-csv", "Catalogue data·inclusion (CSV)", ".zip", ZIP, True, False),
)}


def _files(fmt: str, session: Session, store: ResultStore, report_args: dict,
           progress: Callable[[str], None]) -> dict[str, bytes] | bytes:
    """The export as bytes (single file) or ``{file name: bytes}`` (several)."""
    report_args = dict(report_args)
    crs = report_args.pop("crs", None)
    if fmt.startswith("datainclusion-"):
        from mapapp.io.export_datainclusion import datainclusion_files, datainclusion_records

        progress("Conversion du catalogue au schéma data·inclusion v1")
        export = datainclusion_records(session)
        progress(export.summary())
        for kind, rid, message in export.errors:
            progress(f"  refusé ({kind} {rid}) : {message}")
        return datainclusion_files(export, fmt.split("-", 1)[1])

    from mapapp.reports import build_report

    progress("Lecture des résultats et du catalogue")
    report = build_report(session, store, **report_args)
    if fmt in ("xlsx", "csv"):
        from mapapp.io.tables import report_tables

        tables = report_tables(report)
        progress(f"{len(tables)} tableaux")
        if fmt == "xlsx":
            from mapapp.io.export_xlsx import xlsx_bytes

            return xlsx_bytes(tables)
        from mapapp.io.export_csv import ENCODING, csv_text

        return {f"{t.name}.csv": csv_text(t).encode(ENCODING) for t in tables}
    from mapapp.io.export_gpkg import default_crs, geojson_files, gpkg_bytes, report_layers

    layers = report_layers(session, report)
    progress(f"{len(layers)} couches : {', '.join(layers)}")
    if fmt == "gpkg":
        return gpkg_bytes(layers, crs or default_crs(report.departement), report)
    return geojson_files(layers)


def _zip(files: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def export_bytes(fmt: str, session: Session, store: ResultStore, *, progress: Callable[[str], None] | None = None,
                 **report_args) -> bytes:
    """The export as one file's bytes (a ZIP archive for the formats made of several files)."""
    if fmt not in FORMATS:
        raise ValueError(f"format d'export inconnu : {fmt}")
    out = _files(fmt, session, store, report_args, progress or (lambda _m: None))
    return _zip(out) if isinstance(out, dict) else out


def export_to_path(fmt: str, session: Session, store: ResultStore, out: Path, *,
                   progress: Callable[[str], None] | None = None, **report_args) -> list[Path]:
    """Write the export to ``out``: a file, or for several files a folder (or a ``.zip`` if ``out`` ends so)."""
    if fmt not in FORMATS:
        raise ValueError(f"format d'export inconnu : {fmt}")
    out = Path(out)
    data = _files(fmt, session, store, report_args, progress or (lambda _m: None))
    if isinstance(data, dict):
        if out.suffix.lower() == ".zip":
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(_zip(data))
            return [out]
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, content in data.items():
            (out / name).write_bytes(content)
            paths.append(out / name)
        return paths
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return [out]

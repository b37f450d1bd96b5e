"""Read catalog files into the catalog JSON layout, with the line of every record.

Formats (``docs/import.md`` documents each one):

``csv`` / ``xlsx``
    one row per record; the column ``type_fiche`` (``structure``, ``lieu``,
    ``offre``, ``mobilite``) says which; in a workbook, sheets named
    ``structures``, ``lieux``, ``offres``, ``mobilite`` need no such column.
    Other columns are the catalog's field names; lists are separated by ``|``.
``geojson``
    a FeatureCollection of Point features: sites (or mobility points with
    ``"type_fiche": "mobilite"``); the point gives ``lon``/``lat``.
``datainclusion``
    data·inclusion schema v1 structures and services, as JSON (an object with
    ``structures`` and/or ``services``, or a list of either) or CSV (one file
    of structures or of services).
``france-services``
    the ANCT national CSV (:mod:`mapapp.io.france_services`), kept to the
    territory, with one « France Services » offer per structure.
``json``
    the catalog JSON layout itself (``geodata/README.md``).

Every reader returns a :class:`ParsedFile`: the records, where each one comes
from (a line number, or a feature / identifier), and an
:class:`~mapapp.territory.validation.ImportReport` of reading problems.

The readers live in one module per format family (``readers_tabular``,
``readers_geojson``, ``readers_datainclusion``, ``readers_france_services``),
sharing :mod:`mapapp.io.readers_core`; this module detects the format and
dispatches (:func:`read_file`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from mapapp.io.readers_core import TYPE_COLUMN, ParsedFile
from mapapp.io.readers_datainclusion import read_datainclusion
from mapapp.io.readers_france_services import read_france_services
from mapapp.io.readers_geojson import read_catalog_json, read_geojson
from mapapp.io.readers_tabular import read_csv, read_xlsx
from mapapp.territory.textfile import load_json
from mapapp.territory.validation import ImportReport, Issue, TerritoryImportError

FORMATS = {
    "csv": "Tableur CSV (une ligne par fiche)",
    "xlsx": "Classeur Excel XLSX (une ligne par fiche)",
    "geojson": "GeoJSON (lieux ponctuels)",
    "datainclusion": "data·inclusion v1 (JSON ou CSV)",
    "france-services": "Liste nationale France Services (ANCT, CSV)",
    "json": "Catalogue mapapp (JSON)",
}

def detect_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith((".geojson",)):
        return "geojson"
    if name.endswith(".json"):
        try:
            head = load_json(path, ImportReport())
        except TerritoryImportError:
            return "json"  # its reader reports why, with the line
        if isinstance(head, dict) and head.get("type") == "FeatureCollection":
            return "geojson"
        if isinstance(head, dict) and "services" not in head and set(head) & {"sites", "offers", "mobility_solutions"}:
            return "json"
        if isinstance(head, dict) and set(head) == {"structures"}:
            first = (head["structures"] or [{}])[0]
            return "datainclusion" if isinstance(first, dict) and "source" in first else "json"
        return "datainclusion"
    if name.endswith(".csv"):
        first = path.read_bytes()[:4096].decode("utf-8", errors="replace").lower()
        if "id_fs" in first and "lib_fs" in first:
            return "france-services"
        if TYPE_COLUMN in first:
            return "csv"
        if "thematiques" in first or "siret" in first and "source" in first:
            return "datainclusion"
        return "csv"
    raise TerritoryImportError([Issue(path.name, None, "format non reconnu : précisez le format")])

def read_file(path: str | Path, fmt: str | None = None, *, session: Session | None = None,
              source: str | None = None, data_date: dt.date | str | None = None) -> ParsedFile:
    """Read ``path`` in format ``fmt`` (detected from the name and content when None).

    ``data_date`` is the date of a file that carries none (the France Services
    list); the other formats date each record themselves (``date_maj``).
    """
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise TerritoryImportError([Issue(path.name, None, f"format inconnu « {fmt} » ({', '.join(FORMATS)})")])
    readers = {"csv": read_csv, "xlsx": read_xlsx, "geojson": read_geojson, "json": read_catalog_json,
               "datainclusion": read_datainclusion}
    if fmt == "france-services":
        return read_france_services(path, session, source, data_date)
    return readers[fmt](path, source)

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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Date, Float, inspect
from sqlalchemy.orm import Session

from mapapp.catalog.history import TECHNICAL_FIELDS
from mapapp.catalog.load import RELATION_FIELDS, SECTIONS
from mapapp.territory.tabular import find_column, parse_number, read_csv_table
from mapapp.territory.validation import ImportReport, Issue, TerritoryImportError, fatal, normalize_insee

FORMATS = {
    "csv": "Tableur CSV (une ligne par fiche)",
    "xlsx": "Classeur Excel XLSX (une ligne par fiche)",
    "geojson": "GeoJSON (lieux ponctuels)",
    "datainclusion": "data·inclusion v1 (JSON ou CSV)",
    "france-services": "Liste nationale France Services (ANCT, CSV)",
    "json": "Catalogue mapapp (JSON)",
}

#: Values of ``type_fiche`` (and workbook sheet names) -> catalog section.
SECTION_NAMES = {
    "structure": "structures", "structures": "structures",
    "lieu": "sites", "lieux": "sites", "site": "sites", "sites": "sites",
    "offre": "offers", "offres": "offers", "offer": "offers", "offers": "offers", "service": "offers",
    "services": "offers",
    "mobilite": "mobility_solutions", "mobilité": "mobility_solutions", "mobility": "mobility_solutions",
    "mobility_solutions": "mobility_solutions", "solution_mobilite": "mobility_solutions",
}
TYPE_COLUMN = "type_fiche"
LIST_SEPARATOR = "|"
#: Column aliases found in real files -> catalog field.
ALIASES = {"longitude": "lon", "latitude": "lat", "code_insee": "commune_code", "insee": "commune_code",
           "lieux": "site_ids", "horaires": "horaires_accueil"}
INSEE_FIELDS = {"commune_code", "served_communes"}


@dataclass
class ParsedFile:
    source: str
    data: dict[str, list[dict]] = field(default_factory=lambda: {s: [] for s in SECTIONS})
    #: (section, record id) -> line number or identifier in the file.
    where: dict[tuple[str, str], int | str] = field(default_factory=dict)
    #: (section, record id) -> the columns given for it (others keep their current value).
    given: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    report: ImportReport = field(default_factory=ImportReport)

    def add(self, section: str, record: dict, where: int | str, given: set[str] | None = None) -> None:
        rid = str(record.get("id") or "")
        key = (section, rid)
        if not rid:
            self.report.error(self.source, where, "identifiant (id) manquant")
            return
        if key in self.where:
            self.report.error(self.source, where, f"identifiant {rid} en double (déjà {_where_text(self.where[key])})")
            return
        self.data[section].append(record)
        self.where[key] = where
        self.given[key] = set(given if given is not None else record)

    def count(self) -> int:
        return sum(len(v) for v in self.data.values())


def _where_text(where: int | str) -> str:
    return f"ligne {where}" if isinstance(where, int) else str(where)


def detect_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith((".geojson",)):
        return "geojson"
    if name.endswith(".json"):
        try:
            head = json.loads(path.read_text(encoding="utf-8-sig"))
        except (ValueError, UnicodeDecodeError):
            return "json"
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


# --------------------------------------------------------------------------- cell values


def _field_types(section: str) -> dict[str, str]:
    out = {}
    for attr in inspect(SECTIONS[section]).column_attrs:
        col = attr.columns[0]
        if attr.key in TECHNICAL_FIELDS:
            continue
        if isinstance(col.type, JSON):
            out[attr.key] = "list"
        elif isinstance(col.type, Float):
            out[attr.key] = "float"
        elif isinstance(col.type, Date):
            out[attr.key] = "date"
        else:
            out[attr.key] = "text"
    for rel in RELATION_FIELDS.get(section, ()):
        out[rel] = "list"
    return out


FIELD_TYPES = {section: _field_types(section) for section in SECTIONS}


def _parse_date(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if m:
        return dt.date(int(m[3]), int(m[2]), int(m[1])).isoformat()
    return dt.date.fromisoformat(text[:10]).isoformat()


def _parse_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            return [str(v).strip() for v in json.loads(text) if str(v).strip()]
        except ValueError:
            pass
    if text.startswith("{") and text.endswith("}"):  # PostgreSQL array literal in some exports
        text = text[1:-1].replace(",", LIST_SEPARATOR)
    sep = LIST_SEPARATOR if LIST_SEPARATOR in text else ("," if section_commas(text) else LIST_SEPARATOR)
    return [v.strip().strip('"') for v in text.split(sep) if v.strip()]


def section_commas(text: str) -> bool:
    """A comma-separated list of slugs or codes (no spaces after words): ``a,b`` but not ``Rue A, 1``."""
    return "," in text and re.fullmatch(r"[\w.:-]+(\s*,\s*[\w.:-]+)+", text) is not None


def convert(section: str, name: str, value: Any) -> Any:
    """A cell (or GeoJSON property) converted to the field's type; raise ValueError in French."""
    kind = FIELD_TYPES[section].get(name, "text")
    if isinstance(value, str):
        value = value.strip()
    if kind == "list":
        items = _parse_list(value)
        if name in INSEE_FIELDS:
            items = [normalize_insee(v) or v for v in items]
        if name == "zone_eligibilite":
            return [normalize_insee(v) if re.fullmatch(r"\d{4}(\.0)?", str(v)) else v for v in items] or None
        return items
    if value is None or value == "":
        return None
    if kind == "float":
        try:
            return parse_number(value)
        except ValueError:
            raise ValueError(f"{name} : nombre illisible « {value} »") from None
    if kind == "date":
        try:
            return _parse_date(value)
        except ValueError:
            raise ValueError(f"{name} : date illisible « {value} » (AAAA-MM-JJ ou JJ/MM/AAAA)") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if name in INSEE_FIELDS:
        return normalize_insee(text)
    if name == "code_postal" and re.fullmatch(r"\d{4}", text):
        return "0" + text
    return text


def _record_from_cells(parsed: ParsedFile, section: str, cells: dict[str, Any], where: int | str) -> None:
    record: dict[str, Any] = {}
    given: set[str] = set()
    types = FIELD_TYPES[section]
    problems = []
    for column, value in cells.items():
        name = ALIASES.get(column.strip().lower(), column.strip())
        if name == TYPE_COLUMN or name == "":
            continue
        if name not in types:
            if value not in (None, "") and not (isinstance(value, list) and not value):
                problems.append(f"colonne « {column} » inconnue pour une fiche {section_label(section)}")
            continue
        try:
            record[name] = convert(section, name, value)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        given.add(name)
    for message in problems:
        parsed.report.error(parsed.source, where, message)
    if problems:
        return
    parsed.add(section, record, where, given)


def section_label(section: str) -> str:
    return {"structures": "structure", "sites": "lieu", "offers": "offre", "mobility_solutions": "mobilité"}[section]


# --------------------------------------------------------------------------- CSV / XLSX


def read_csv(path: Path, source: str | None = None) -> ParsedFile:
    parsed = ParsedFile(source or path.name)
    table = read_csv_table(path, parsed.report, parsed.source)
    type_col = find_column(table.columns, (TYPE_COLUMN, "type", "section"))
    if type_col is None:
        raise fatal(parsed.report, parsed.source, 1, f"colonne « {TYPE_COLUMN} » absente (structure, lieu, offre ou mobilite)")
    for row, line in zip(table.rows, table.lines):
        section = SECTION_NAMES.get((row.get(type_col) or "").strip().lower())
        if section is None:
            parsed.report.error(parsed.source, line, f"{TYPE_COLUMN} inconnu « {row.get(type_col)} » "
                                                     "(structure, lieu, offre ou mobilite)")
            continue
        _record_from_cells(parsed, section, {k: v for k, v in row.items() if k != type_col}, line)
    return parsed


def read_xlsx(path: Path, source: str | None = None) -> ParsedFile:
    from openpyxl import load_workbook

    parsed = ParsedFile(source or path.name)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for non-XLSX input
        raise fatal(parsed.report, parsed.source, None, f"classeur XLSX illisible : {exc}") from None
    try:
        used = False
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if not header or not any(header):
                continue
            columns = [str(c).strip() if c is not None else "" for c in header]
            sheet_section = SECTION_NAMES.get(sheet.title.strip().lower())
            type_index = next((i for i, c in enumerate(columns) if c.lower() == TYPE_COLUMN), None)
            if sheet_section is None and type_index is None:
                parsed.report.warning(parsed.source, sheet.title, f"feuille « {sheet.title} » ignorée "
                                      f"(ni colonne {TYPE_COLUMN}, ni nom structures/lieux/offres/mobilite)")
                continue
            used = True
            where_prefix = f"{sheet.title}, ligne " if len(workbook.worksheets) > 1 else ""
            for index, values in enumerate(rows, start=2):
                if values is None or all(v is None or str(v).strip() == "" for v in values):
                    continue
                cells = dict(zip(columns, values))
                section = sheet_section
                if type_index is not None:
                    section = SECTION_NAMES.get(str(values[type_index] or "").strip().lower())
                where: int | str = f"{where_prefix}{index}" if where_prefix else index
                if section is None:
                    parsed.report.error(parsed.source, where, f"{TYPE_COLUMN} inconnu « {values[type_index]} »")
                    continue
                _record_from_cells(parsed, section, cells, where)
        if not used:
            raise fatal(parsed.report, parsed.source, None, "aucune feuille à importer "
                        f"(colonne {TYPE_COLUMN}, ou feuilles structures/lieux/offres/mobilite)")
    finally:
        workbook.close()
    return parsed


# --------------------------------------------------------------------------- GeoJSON and catalog JSON


def _load_json(path: Path, parsed: ParsedFile) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise fatal(parsed.report, parsed.source, None, f"JSON illisible : {exc}") from None


def read_geojson(path: Path, source: str | None = None) -> ParsedFile:
    parsed = ParsedFile(source or path.name)
    data = _load_json(path, parsed)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise fatal(parsed.report, parsed.source, None, "FeatureCollection GeoJSON attendue")
    for index, feature in enumerate(data.get("features") or [], start=1):
        props = dict(feature.get("properties") or {})
        where = f"objet {index}" + (f" ({props['id']})" if props.get("id") else "")
        section = SECTION_NAMES.get(str(props.pop(TYPE_COLUMN, "lieu")).strip().lower())
        if section not in ("sites", "mobility_solutions"):
            parsed.report.error(parsed.source, where, f"{TYPE_COLUMN} : un objet GeoJSON est un lieu ou une solution de mobilité")
            continue
        geometry = feature.get("geometry") or {}
        if geometry.get("type") != "Point" or len(geometry.get("coordinates") or []) < 2:
            parsed.report.error(parsed.source, where, "géométrie Point attendue (longitude, latitude)")
            continue
        props["lon"], props["lat"] = geometry["coordinates"][0], geometry["coordinates"][1]
        _record_from_cells(parsed, section, props, where)
    return parsed


def read_catalog_json(path: Path, source: str | None = None) -> ParsedFile:
    parsed = ParsedFile(source or path.name)
    data = _load_json(path, parsed)
    if not isinstance(data, dict):
        raise fatal(parsed.report, parsed.source, None, "objet JSON attendu (structures, sites, offers, mobility_solutions)")
    for name in sorted(set(data) - set(SECTIONS)):
        parsed.report.error(parsed.source, name, "section inconnue")
    for section in SECTIONS:
        for index, record in enumerate(data.get(section) or [], start=1):
            parsed.add(section, dict(record), f"{section} n° {index}" + (f" ({record.get('id')})" if record.get("id") else ""))
    return parsed


# --------------------------------------------------------------------------- data·inclusion


def _site_id(structure_id: str, lon: float, lat: float) -> str:
    digest = hashlib.sha1(f"{lon:.5f},{lat:.5f}".encode()).hexdigest()[:8]
    return f"{structure_id}--lieu-{digest}"


def _di_rows(path: Path, parsed: ParsedFile) -> tuple[list[tuple[Any, dict]], list[tuple[Any, dict]]]:
    """(where, row) of structures and of services."""
    if path.suffix.lower() == ".csv":
        table = read_csv_table(path, parsed.report, parsed.source)
        rows = list(zip(table.lines, table.rows))
        if find_column(table.columns, ("structure_id",)):
            return [], rows
        return rows, []
    data = _load_json(path, parsed)
    if isinstance(data, dict):
        structures = [(f"structures n° {i}", r) for i, r in enumerate(data.get("structures") or [], start=1)]
        services = [(f"services n° {i}", r) for i, r in enumerate(data.get("services") or [], start=1)]
        return structures, services
    if isinstance(data, list):
        services = [(f"objet {i}", r) for i, r in enumerate(data, start=1) if isinstance(r, dict) and "structure_id" in r]
        structures = [(f"objet {i}", r) for i, r in enumerate(data, start=1) if isinstance(r, dict) and "structure_id" not in r]
        return structures, services
    raise fatal(parsed.report, parsed.source, None, "JSON data·inclusion attendu (structures et/ou services)")


def _di_id(row: dict, key: str = "id") -> str:
    source = str(row.get("source") or "di").strip()
    return f"{source}--{str(row.get(key) or '').strip()}" if row.get(key) else ""


def _text(row: dict, key: str) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def read_datainclusion(path: Path, source: str | None = None) -> ParsedFile:
    """data·inclusion v1 structures -> structures; services -> offers, their addresses -> sites.

    Ids become ``<source>--<id>``. A service received in person (``en-presentiel``)
    with coordinates (its own, else its structure's) is an on-site offer at a site
    for that point (one site per structure and point, id derived from the point,
    so re-importing gives the same ids); otherwise it is a remote offer.
    """
    parsed = ParsedFile(source or path.name)
    structures, services = _di_rows(path, parsed)
    locations: dict[str, tuple[float, float, dict]] = {}
    names: dict[str, str] = {}
    for where, row in structures:
        sid = _di_id(row)
        try:
            record = {
                "id": sid, "nom": _text(row, "nom"), "siret": _text(row, "siret"),
                "reseaux_porteurs": convert("structures", "reseaux_porteurs", row.get("reseaux_porteurs")),
                "telephone": _text(row, "telephone"), "courriel": _text(row, "courriel"),
                "site_web": _text(row, "site_web"), "description": _text(row, "description"),
                "adresse": _text(row, "adresse"), "commune_code": normalize_insee(row.get("code_insee")),
                "date_maj": _parse_date(row.get("date_maj")),
            }
            lon, lat = parse_number(row.get("longitude")), parse_number(row.get("latitude"))
        except ValueError as exc:
            parsed.report.error(parsed.source, where, str(exc))
            continue
        if lon is not None and lat is not None:
            locations[sid] = (lon, lat, row)
        names[sid] = record["nom"] or sid
        parsed.add("structures", {k: v for k, v in record.items() if v is not None or k in ("siret",)}, where)
    sites: dict[str, dict] = {}
    for where, row in services:
        oid, structure_id = _di_id(row), _di_id(row, "structure_id")
        try:
            modes = convert("offers", "modes_accueil", row.get("modes_accueil"))
            record = {
                "id": oid, "structure_id": structure_id, "nom": _text(row, "nom"),
                "description": _text(row, "description"), "type": _text(row, "type"),
                "thematiques": convert("offers", "thematiques", row.get("thematiques")),
                "publics": convert("offers", "publics", row.get("publics")),
                "publics_precisions": _text(row, "publics_precisions"),
                "modes_accueil": modes, "frais": _text(row, "frais"),
                "frais_precisions": _text(row, "frais_precisions"),
                "conditions_acces": _text(row, "conditions_acces"),
                "zone_eligibilite": convert("offers", "zone_eligibilite", row.get("zone_eligibilite")),
                "telephone": _text(row, "telephone"), "courriel": _text(row, "courriel"),
                "contact_nom_prenom": _text(row, "contact_nom_prenom"), "lien_source": _text(row, "lien_source"),
                "lien_mobilisation": _text(row, "lien_mobilisation"),
                "modes_mobilisation": convert("offers", "modes_mobilisation", row.get("modes_mobilisation")),
                "mobilisable_par": convert("offers", "mobilisable_par", row.get("mobilisable_par")),
                "mobilisation_precisions": _text(row, "mobilisation_precisions"),
                "horaires_accueil": _text(row, "horaires_accueil"),
                "date_maj": _parse_date(row.get("date_maj")),
            }
            lon, lat = parse_number(row.get("longitude")), parse_number(row.get("latitude"))
        except ValueError as exc:
            parsed.report.error(parsed.source, where, str(exc))
            continue
        code = normalize_insee(row.get("code_insee"))
        address = ", ".join(x for x in (_text(row, "adresse"), _text(row, "complement_adresse")) if x) or None
        if (lon is None or lat is None) and structure_id in locations:
            lon, lat, srow = locations[structure_id]
            code, address = normalize_insee(srow.get("code_insee")), _text(srow, "adresse")
        if "en-presentiel" in modes and lon is not None and lat is not None:
            site_id = _site_id(structure_id, lon, lat)
            if site_id not in sites:
                sites[site_id] = {"id": site_id, "structure_id": structure_id,
                                  "nom": names.get(structure_id) or record["nom"],
                                  "kind": "partner", "adresse": address, "code_postal": _text(row, "code_postal"),
                                  "commune_code": code, "lon": lon, "lat": lat, "status": "active",
                                  "date_maj": record["date_maj"]}
                parsed.add("sites", sites[site_id], where)
            record.update(delivery_mode="on_site", site_ids=[site_id])
        else:
            if "en-presentiel" in modes:
                parsed.report.warning(parsed.source, where, "service en présentiel sans coordonnées (ni les siennes, "
                                      "ni celles de sa structure) : importé comme offre à distance")
            record.update(delivery_mode="remote", site_ids=[])
        parsed.add("offers", {k: v for k, v in record.items() if v is not None}, where)
    if not structures and not services:
        parsed.report.error(parsed.source, None, "aucune structure ni aucun service data·inclusion")
    return parsed


# --------------------------------------------------------------------------- France Services

FRANCE_SERVICES_THEMATIQUES = [
    "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
    "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits",
    "numerique--acceder-a-des-services-en-ligne",
]


def france_services_offer(structure: dict, sites: list[dict]) -> dict:
    """The « France Services » offer of an espace: what the engine counts (it measures access to offers)."""
    itinerant = all(s["kind"] == "france_services_itinerant_stop" for s in sites)
    return {
        "id": f"{structure['id']}--offre",
        "structure_id": structure["id"],
        "nom": "Accompagnement aux démarches administratives (France Services)",
        "description": ("Un accueil de proximité pour vos démarches administratives : emploi, retraite, famille, "
                        "social, santé, logement, énergie, accès au droit. Des conseillers formés vous accompagnent, "
                        "y compris pour les démarches en ligne."),
        "type": "accompagnement",
        "thematiques": list(FRANCE_SERVICES_THEMATIQUES),
        "publics": ["tous-publics"],
        "modes_accueil": ["en-presentiel"],
        "frais": "gratuit",
        "delivery_mode": "itinerant" if itinerant else "on_site",
        "site_ids": sorted(s["id"] for s in sites),
        "status": "active",
        "date_maj": structure.get("date_maj"),
        "date_verification": None,
    }


def read_france_services(path: Path, session: Session | None = None, source: str | None = None) -> ParsedFile:
    """The ANCT CSV kept to the stored territory (when one is loaded), plus one offer per structure."""
    from mapapp.catalog.territory_store import read_communes
    from mapapp.io.france_services import ID_PREFIX, filter_to_territory, parse_france_services

    parsed = ParsedFile(source or path.name)
    records, report = parse_france_services(path)
    parsed.report.extend(report)
    if session is not None:
        communes = read_communes(session)
        if len(communes):
            before = len(records["sites"])
            # Only sites inside a stored commune (buffer communes included): others could not be placed.
            records = filter_to_territory(records, communes, buffer_m=0.0, report=parsed.report)
            parsed.report.info(parsed.source, None, f"{len(records['sites'])} site(s) sur {before} dans le territoire ou à proximité")
    by_structure: dict[str, list[dict]] = {}
    for site in records["sites"]:
        by_structure.setdefault(site["structure_id"], []).append(site)

    def where(record_id: str) -> str:
        return f"id_fs {record_id.removeprefix(ID_PREFIX)}"

    for structure in records["structures"]:
        parsed.add("structures", structure, where(structure["id"]))
    for site in records["sites"]:
        parsed.add("sites", site, where(site["id"]))
    for structure in records["structures"]:
        sites = by_structure.get(structure["id"], [])
        if sites:
            parsed.add("offers", france_services_offer(structure, sites), where(structure["id"]))
    return parsed


def read_file(path: str | Path, fmt: str | None = None, *, session: Session | None = None,
              source: str | None = None) -> ParsedFile:
    """Read ``path`` in format ``fmt`` (detected from the name and content when None)."""
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise TerritoryImportError([Issue(path.name, None, f"format inconnu « {fmt} » ({', '.join(FORMATS)})")])
    readers = {"csv": read_csv, "xlsx": read_xlsx, "geojson": read_geojson, "json": read_catalog_json,
               "datainclusion": read_datainclusion}
    if fmt == "france-services":
        return read_france_services(path, session, source)
    return readers[fmt](path, source)

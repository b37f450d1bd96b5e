"""Shared by the catalog file readers: :class:`ParsedFile` and the conversion of cells to field values.

The readers (:mod:`mapapp.io.catalog_readers` and the ``readers_*`` modules it
dispatches to) turn every cell or property into the catalog JSON layout through
:func:`convert` (field types come from the models) and add records through
:func:`_record_from_cells`, which reports unknown columns and unreadable values
with the line (or feature) they come from.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Date, Float, Integer, Text, inspect

from mapapp.catalog.history import TECHNICAL_FIELDS
from mapapp.catalog.load import RELATION_FIELDS, SECTIONS
from mapapp.territory.tabular import parse_number
from mapapp.territory.textfile import load_json
from mapapp.territory.validation import ImportReport, normalize_insee

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
        for name, value in record.items():
            if _has_nul(value):
                # SQLite would store it, PostgreSQL refuses it: refused here, for both, with the line.
                self.report.error(self.source, where, f"{name} : caractère nul (octet 0) interdit", column=name,
                                  value=str(value).replace("\x00", "\\0"))
                return
        self.data[section].append(record)
        self.where[key] = where
        self.given[key] = set(given if given is not None else record)

    def count(self) -> int:
        return sum(len(v) for v in self.data.values())


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


def _where_text(where: int | str) -> str:
    return f"ligne {where}" if isinstance(where, int) else str(where)


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
        elif isinstance(col.type, Integer):
            out[attr.key] = "int"
        elif isinstance(col.type, Date):
            out[attr.key] = "date"
        else:
            out[attr.key] = "text"
    for rel in RELATION_FIELDS.get(section, ()):
        out[rel] = "list"
    return out


FIELD_TYPES = {section: _field_types(section) for section in SECTIONS}
#: Columns whose CSV values may span several lines (long texts, addresses; data·inclusion's presentations);
#: a multi-line value anywhere else is a quote left open (:func:`~mapapp.territory.tabular.read_csv_table`).
MULTILINE_FIELDS = frozenset(
    {"adresse", "complement_adresse", "presentation_resume", "presentation_detail"}
    | {attr.key for model in SECTIONS.values() for attr in inspect(model).column_attrs
       if isinstance(attr.columns[0].type, Text)})


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
        except (ValueError, TypeError, RecursionError):  # not a JSON list after all: read as text
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
    if isinstance(value, (list, tuple)):  # a JSON list for a one-value field (data·inclusion v0 ``frais``)
        items = [v for v in value if v not in (None, "")]
        if len(items) > 1:
            raise ValueError(f"{name} : une seule valeur est attendue, pas une liste ({', '.join(map(str, items))})")
        value = items[0] if items else None
    if value is None or value == "":
        return None
    if kind == "float":
        try:
            return parse_number(value)
        except ValueError:
            raise ValueError(f"{name} : nombre illisible « {value} »") from None
    if kind == "int":
        try:
            number = parse_number(value)
        except ValueError:
            number = None
        if number is None or not float(number).is_integer():
            raise ValueError(f"{name} : nombre entier attendu, pas « {value} »")
        return int(number)
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
    problems: list[tuple[str, str, Any]] = []
    for column, value in cells.items():
        name = ALIASES.get(column.strip().lower(), column.strip())
        if name == TYPE_COLUMN or name == "":
            continue
        if name not in types:
            if value not in (None, "") and not (isinstance(value, list) and not value):
                problems.append((f"colonne « {column} » inconnue pour une fiche {section_label(section)}", column, value))
            continue
        try:
            record[name] = convert(section, name, value)
        except ValueError as exc:
            problems.append((str(exc), column, value))
            continue
        given.add(name)
    for message, column, value in problems:
        parsed.report.error(parsed.source, where, message, column=column, value=value)
    if problems:
        return
    parsed.add(section, record, where, given)


def section_label(section: str) -> str:
    return {"structures": "structure", "sites": "lieu", "offers": "offre", "mobility_solutions": "mobilité"}[section]


def _load_json(path: Path, parsed: ParsedFile) -> Any:
    """The file's JSON (strict UTF-8, bounded depth: :func:`~mapapp.territory.textfile.load_json`)."""
    return load_json(path, parsed.report, parsed.source)

"""Tabular catalog files: CSV and XLSX, one row per record (``docs/import.md``).

The column ``type_fiche`` says which section a row is; in a workbook, sheets
named ``structures``, ``lieux``, ``offres``, ``mobilite`` need no such column;
the import template's ``Lisez-moi`` and ``Vocabulaires`` sheets are passed over
(:mod:`mapapp.io.import_template`).
"""

from __future__ import annotations

from pathlib import Path

from mapapp.io.import_template import HELP_SHEETS
from mapapp.io.readers_core import MULTILINE_FIELDS, SECTION_NAMES, TYPE_COLUMN, ParsedFile, _record_from_cells
from mapapp.territory.tabular import find_column, read_csv_table
from mapapp.territory.validation import fatal


def read_csv(path: Path, source: str | None = None) -> ParsedFile:
    parsed = ParsedFile(source or path.name)
    table = read_csv_table(path, parsed.report, parsed.source, multiline=MULTILINE_FIELDS)
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
            if sheet.title.strip().lower() in HELP_SHEETS:  # the import template's « Lisez-moi », « Vocabulaires »
                continue
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

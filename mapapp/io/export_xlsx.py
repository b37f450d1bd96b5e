"""The report's tables as one XLSX workbook: one sheet per table (openpyxl).

Each sheet has its French column labels in a bold, frozen header row with an
autofilter, so a planner can sort and filter at once. Values keep their type:

- counts are numbers with a thousands format (``#,##0``, shown ``12 345`` by
  a French Excel); decimals ``0.0``; shares are fractions with a percentage
  format (``0.0%``: the cell holds 0.0535 and shows ``5,4 %``);
- travel times are minutes with ``0.0``; an unreachable time is the text
  « injoignable », never a number; an empty cell means no inhabitant;
- dates are real dates (``jj/mm/aaaa``);
- text cells are always strings (never formulas); those that start with
  ``=``, ``+``, ``-`` or ``@`` are also *quote-prefixed* (:func:`_text_cell`),
  which is what Excel stores for ``'=...`` typed by hand: shown as written,
  kept as text when edited. (CSV has no such flag: it uses the apostrophe of
  :func:`mapapp.io.tables.safe_text`.)

Tables come from :func:`mapapp.io.tables.report_tables`, shared with the CSV export.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from mapapp.io.tables import FORMULA_TRIGGERS, Table, is_missing, minutes_value

NUMBER_FORMATS = {"int": "#,##0", "decimal": "0.0", "minutes": "0.0", "share": "0.0%", "date": "dd/mm/yyyy"}
#: Narrowest width of a column of each kind (in characters): the widest value it holds.
MIN_WIDTHS = {"int": 10, "decimal": 9, "minutes": 12, "share": 9, "date": 11, "bool": 6}
#: A header or text longer than this wraps instead of widening its column.
MAX_WIDTH = 50
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="EEF0FA")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="top")


def _value(value, kind: str):
    if is_missing(value):
        return None
    if kind == "int":
        return int(round(float(value)))
    if kind in ("decimal", "share"):
        return float(value)
    if kind == "minutes":
        return minutes_value(value)
    if kind == "date":
        if isinstance(value, str):
            return dt.date.fromisoformat(value[:10])
        return value
    if kind == "bool":
        return "oui" if bool(value) else "non"
    return str(value)


def _text_cell(ws, text: str) -> WriteOnlyCell:
    """A text cell that is never a formula: typed as a string, and *quote-prefixed* when it starts
    with a formula trigger (what Excel itself stores for ``'=...`` typed by hand: the text shows
    as written, without an apostrophe, and stays text when edited)."""
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def column_widths(table: Table) -> list[float]:
    """Each column as wide as its header (so a planner reads it without resizing), and a text column as
    wide as its longest value, both up to :data:`MAX_WIDTH` (the header wraps beyond)."""
    widths = [max(len(col.label) + 2, MIN_WIDTHS.get(col.kind, 8)) for col in table.columns]
    text_columns = [i for i, col in enumerate(table.columns) if col.kind not in MIN_WIDTHS]
    if text_columns:
        for row in table.rows():
            for i in text_columns:
                if not is_missing(row[i]):
                    widths[i] = max(widths[i], len(str(row[i])) + 2)
    return [min(w, MAX_WIDTH) for w in widths]


def _sheet(wb: Workbook, table: Table) -> None:
    ws = wb.create_sheet(title=table.sheet[:31])
    for i, width in enumerate(column_widths(table), 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{max(len(table.frame), 1) + 1}"
    header = []
    for col in table.columns:
        cell = _text_cell(ws, col.label)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
        header.append(cell)
    ws.append(header)
    kinds = [c.kind for c in table.columns]
    for row in table.rows():
        cells = []
        for value, kind in zip(row, kinds):
            v = _value(value, kind)
            if v is None:
                cells.append(v)
                continue
            if isinstance(v, str):
                cells.append(_text_cell(ws, v))
                continue
            cell = WriteOnlyCell(ws, value=v)
            if kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[kind]
            cells.append(cell)
        ws.append(cells)


def xlsx_bytes(tables: list[Table]) -> bytes:
    """The workbook, one sheet per table, as bytes."""
    wb = Workbook(write_only=True)
    for table in tables:
        _sheet(wb, table)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_xlsx(tables: list[Table], path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(xlsx_bytes(tables))
    return path

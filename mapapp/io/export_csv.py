"""The report's tables as CSV files that Excel opens correctly in French.

One file per table (``chiffres_cles.csv``, ``zones_blanches.csv``...), in a
folder or a ZIP archive. The choices, all for a French Excel opened with a
double click (and still readable by any program that is told them):

- **separator ``;``**: a French Excel expects it (the comma is the decimal
  separator); fields containing ``;``, quotes or line breaks are quoted
  (``"``, doubled inside);
- **UTF-8 with a BOM** (``utf-8-sig``): without the BOM, Excel reads the
  file as Windows-1252 and accents break;
- **decimal comma**: ``7,37``; no thousands separator (``12345``), so that
  Excel reads numbers as numbers;
- **travel times** in minutes with 2 decimals; an unreachable time is the
  text « injoignable », an empty field means no inhabitant;
- **shares as percentages** with 2 decimals, the header says ``(%)``
  (``5,35`` in « Part au-delà du seuil (%) »), since a fraction would be
  read by Excel as a plain number;
- **dates ISO 8601** (``2026-11-22``), which Excel recognises as dates and
  which sort as text;
- booleans ``oui`` / ``non``;
- lines end with CRLF (RFC 4180);
- text cells starting with ``=``, ``+``, ``-`` or ``@`` get an apostrophe in
  front (formula injection: see :func:`mapapp.io.tables.safe_text`).

Read back with pandas: ``pd.read_csv(path, sep=";", decimal=",",
encoding="utf-8-sig")``; add ``na_values=["injoignable"]`` to get the time
columns as numbers (unreachable → NaN).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

from mapapp.io.tables import Table, is_missing, minutes_value, safe_text

ENCODING = "utf-8-sig"
SEPARATOR = ";"


def _number(value: float, digits: int) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def format_value(value, kind: str) -> str:
    """One CSV field, as described in the module doc."""
    if is_missing(value):
        return ""
    if kind == "int":
        return str(int(round(float(value))))
    if kind == "decimal":
        return _number(float(value), 2)
    if kind == "minutes":
        v = minutes_value(value)
        return v if isinstance(v, str) else _number(v, 2)
    if kind == "share":
        return _number(float(value) * 100.0, 2)
    if kind == "date":
        return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)[:10]
    if kind == "bool":
        return "oui" if bool(value) else "non"
    return safe_text(value)


def header_label(label: str, kind: str) -> str:
    return f"{label} (%)" if kind == "share" else label


def csv_text(table: Table) -> str:
    """The table as CSV text (without the BOM: the encoding adds it)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=SEPARATOR, quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([safe_text(header_label(c.label, c.kind)) for c in table.columns])
    kinds = [c.kind for c in table.columns]
    for row in table.rows():
        writer.writerow([format_value(v, k) for v, k in zip(row, kinds)])
    return buf.getvalue()


def write_csv_dir(tables: list[Table], folder: Path) -> list[Path]:
    """One ``<name>.csv`` per table in ``folder`` (created)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for table in tables:
        path = folder / f"{table.name}.csv"
        path.write_text(csv_text(table), encoding=ENCODING, newline="")
        out.append(path)
    return out


def csv_zip_bytes(tables: list[Table]) -> bytes:
    """The same files in a ZIP archive (for downloads)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for table in tables:
            z.writestr(f"{table.name}.csv", csv_text(table).encode(ENCODING))
    return buf.getvalue()

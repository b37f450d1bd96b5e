"""Reading the CSV files people actually produce (Excel in French, LibreOffice, scripts).

One reader for every CSV of the territory and of :mod:`mapapp.io`, so they all
behave the same way:

- encoding: UTF-8 (with or without BOM); Windows-1252 accepted with a warning
  (what Excel "CSV" writes on a French Windows);
- separator: ``,``, ``;`` (French Excel) or tab, detected on the header line;
- line numbers are *physical* lines of the file (header = 1), exact even when a
  quoted field spans several lines, so messages point where the user looks;
- cells are stripped; blank lines are skipped.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mapapp.territory.validation import ImportReport, fatal


@dataclass
class Table:
    """The rows of a CSV file with the line where each row starts."""

    columns: list[str]
    rows: list[dict[str, str]]
    lines: list[int]
    encoding: str
    delimiter: str


def _decode(raw: bytes, source: str, report: ImportReport) -> tuple[str, str]:
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        report.warning(source, None, "fichier non UTF-8 : lu en Windows-1252 (vérifiez les accents)")
        return raw.decode("cp1252", errors="replace"), "cp1252"


def _sniff_delimiter(header: str) -> str:
    counts = {d: 0 for d in (",", ";", "\t")}
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv_table(path: str | Path, report: ImportReport, source: str | None = None) -> Table:
    """Read a CSV file into a :class:`Table`; empty files are a fatal error.

    Raises:
        TerritoryImportError: the file is missing, empty, or has a header and no data.
    """
    path = Path(path)
    source = source or path.name
    if not path.exists():
        raise fatal(report, source, None, f"fichier introuvable : {path}")
    raw = path.read_bytes()
    if not raw.strip():
        raise fatal(report, source, None, "fichier vide")
    text, encoding = _decode(raw, source, report)
    header_line = text.lstrip("\ufeff").splitlines()[0] if text else ""
    delimiter = _sniff_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise fatal(report, source, None, "fichier vide") from None
    columns = [c.strip().lstrip("\ufeff") for c in header]
    if len(set(columns)) != len(columns):
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        report.warning(source, 1, f"colonnes en double : {', '.join(dupes)} (la dernière l'emporte)")
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    previous_end = reader.line_num
    for cells in reader:
        start_line = previous_end + 1
        previous_end = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(columns):
            extra = [c for c in cells[len(columns):] if c.strip()]
            if extra:
                report.error(source, start_line, f"{len(cells)} valeurs pour {len(columns)} colonnes (séparateur « {delimiter} » dans une valeur non entre guillemets ?)")
                continue
        cells = cells + [""] * (len(columns) - len(cells))
        rows.append({col: cell.strip() for col, cell in zip(columns, cells)})
        lines.append(start_line)
    if not rows:
        raise fatal(report, source, None, "aucune ligne de données (seulement l'en-tête)")
    return Table(columns=columns, rows=rows, lines=lines, encoding=encoding, delimiter=delimiter)


def find_column(columns: Sequence[str], candidates: Iterable[str], explicit: str | None = None) -> str | None:
    """The column to use: ``explicit`` if given (exact, then case-insensitive), else the first candidate present.

    Matching is case-insensitive; returns the column's actual name, or None.
    An explicit name that is absent returns None (the caller reports it).
    """
    lowered = {c.lower(): c for c in columns}
    if explicit is not None:
        if explicit in columns:
            return explicit
        return lowered.get(explicit.lower())
    for cand in candidates:
        if cand in columns:
            return cand
        if cand.lower() in lowered:
            return lowered[cand.lower()]
    return None


_SPACES = re.compile(r"[\s\u00a0\u202f]")


def parse_number(text: object) -> float | None:
    """A number as written in a French or English file (``1 234,5``, ``1234.5``), or None.

    Raises:
        ValueError: the text is not empty and not a number.
    """
    if text is None:
        return None
    if isinstance(text, (int, float)):
        value = float(text)
        return None if math.isnan(value) else value
    cleaned = _SPACES.sub("", str(text))
    if not cleaned or cleaned.lower() in ("nan", "na", "<na>", "none"):
        return None
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    value = float(cleaned)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(text)
    return value

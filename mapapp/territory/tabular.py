"""Reading the CSV files people actually produce (Excel in French, LibreOffice, scripts).

One reader for every CSV of the territory and of :mod:`mapapp.io`, so they all
behave the same way:

- encoding: UTF-8 (with or without BOM); Windows-1252 accepted with a warning
  (what Excel "CSV" writes on a French Windows) only when the whole file is
  Windows-1252; mixed encodings are refused with the line of the first bad
  byte (the rule: :mod:`mapapp.territory.textfile`); a workbook, a ZIP or
  UTF-16 text given as CSV is refused at once;
- compression: a gzip file (« .csv.gz », as the Base Adresse Nationale publishes) is read as the CSV it holds;
- separator: ``,``, ``;`` (French Excel) or tab, detected on the header line;
- line numbers are *physical* lines of the file (header = 1), exact even when a
  quoted field spans several lines, so messages point where the user looks;
- cells are stripped; blank lines are skipped;
- nothing is silently repaired: a ragged row (more or fewer values than the
  header), a quote left open or misplaced, an over-long value or a NUL
  character is an error with its line, and reading resumes at the next
  physical line so that every bad row is reported (see :func:`read_csv_table`).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mapapp import formats
from mapapp.territory.textfile import decode_text
from mapapp.territory.validation import ImportReport, TerritoryImportError, fatal


@dataclass
class Table:
    """The rows of a CSV file with the line where each row starts."""

    columns: list[str]
    rows: list[dict[str, str]]
    lines: list[int]
    encoding: str
    delimiter: str


_GZIP_MAGIC = b"\x1f\x8b"
#: Starts of files that are not text: a workbook or any ZIP archive, a UTF-16 text.
_BINARY_MAGIC = {b"PK\x03\x04": "un classeur Excel (XLSX) ou une archive ZIP",
                 b"\xd0\xcf\x11\xe0": "un classeur Excel ancien (XLS)",
                 b"\xff\xfe": "du texte UTF-16", b"\xfe\xff": "du texte UTF-16"}


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


class _LineFeed:
    """The file's physical lines from ``start``, counting how many the csv reader has taken."""

    def __init__(self, lines: list[str], start: int):
        self.lines, self.next = lines, start

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.next >= len(self.lines):
            raise StopIteration
        self.next += 1
        return self.lines[self.next - 1]


def _csv_error_message(exc: csv.Error, delimiter: str) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"valeur de plus de {formats.integer(csv.field_size_limit())} caractères"
    if "unexpected end of data" in text or "EOF" in text:
        return ("guillemet ouvert jamais fermé : la valeur engloberait toute la suite du fichier "
                "(fermez le guillemet ou retirez-le)")
    if "expected after" in text:
        return (f"guillemet mal placé : un guillemet fermant doit être suivi du séparateur « {delimiter} » "
                "(doublez les guillemets à l'intérieur d'une valeur : \"\")")
    return f"ligne illisible en CSV ({text})"


def _swallowed_row(value: str, delimiter: str, n_columns: int) -> bool:
    """A multi-line value one of whose continuation lines has the separators of a whole row."""
    return n_columns > 1 and any(part.count(delimiter) >= n_columns - 1 for part in value.splitlines()[1:])


def read_csv_table(path: str | Path, report: ImportReport, source: str | None = None, *,
                   multiline: Collection[str] | None = None) -> Table:
    """Read a CSV file into a :class:`Table`; rows with a problem are reported with their line and left out.

    Structural problems are errors, never silently repaired: a row with more or
    fewer values than the header, an unterminated or misplaced quote, a value
    longer than :func:`csv.field_size_limit`, a NUL character. After such a row
    reading goes on at the next physical line, so that every bad row is reported
    (a quote left open does not swallow the rows after it).

    Args:
        multiline: the columns whose values may span several lines (quoted). None:
            any column, unless a continuation line holds the separators of a
            whole row (rows swallowed by a quote left open); ``()``: none, so
            every record is one physical line.

    Raises:
        TerritoryImportError: the file is missing, empty, binary, in mixed
            encodings (:func:`~mapapp.territory.textfile.decode_text`), or has a
            header and no data.
    """
    path = Path(path)
    source = source or path.name
    if not path.exists():
        raise fatal(report, source, None, f"fichier introuvable : {path}")
    raw = path.read_bytes()
    if raw.startswith(_GZIP_MAGIC):  # « adresses-2A.csv.gz » as published: read it without unpacking by hand
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise fatal(report, source, None, f"archive gzip illisible ou tronquée ({exc})") from None
    if not raw.strip():
        raise fatal(report, source, None, "fichier vide")
    for magic, what in _BINARY_MAGIC.items():
        if raw.startswith(magic):
            raise fatal(report, source, None, f"ce fichier est {what}, pas un CSV : enregistrez-le au format "
                                              "CSV (UTF-8)")
    text, encoding = decode_text(raw, source, report)
    errors_before = len(report.errors)
    lines = list(io.StringIO(text, newline=""))
    delimiter = _sniff_delimiter(lines[0] if lines else "")
    try:
        header = next(csv.reader(lines[:1], delimiter=delimiter, strict=True))
    except (StopIteration, csv.Error):
        raise fatal(report, source, 1, "en-tête illisible") from None
    columns = [c.strip().lstrip("\ufeff") for c in header]
    if len(set(columns)) != len(columns):
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        report.warning(source, 1, f"colonnes en double : {', '.join(dupes)} (la dernière l'emporte)")
    rows: list[dict[str, str]] = []
    starts: list[int] = []
    position = 1  # index in ``lines`` of the next record's first line (0 is the header)
    while position < len(lines):
        feed = _LineFeed(lines, position)
        reader = csv.reader(feed, delimiter=delimiter, strict=True)
        while True:
            first = feed.next
            try:
                cells = next(reader)
            except StopIteration:
                position = len(lines)
                break
            except csv.Error as exc:
                message = _csv_error_message(exc, delimiter)
                if feed.next - first > 1:
                    message += f" (valeur ouverte ligne {first + 1}, erreur constatée ligne {feed.next})"
                report.error(source, first + 1, message, value=lines[first].rstrip("\r\n"))
                position = first + 1
                break
            if not any(c.strip() for c in cells):
                continue  # blank line (or only separators)
            problem = _row_problem(cells, columns, delimiter, multiline, first, feed.next)
            if problem is not None:
                message, column, value = problem
                report.error(source, first + 1, message, column=column, value=value)
                if feed.next - first > 1:  # the quote may have swallowed real rows: read them again
                    position = first + 1
                    break
                continue
            rows.append({col: cell.strip() for col, cell in zip(columns, cells)})
            starts.append(first + 1)
    if not rows:
        if len(report.errors) > errors_before:  # every row was bad: they are reported, nothing to return
            raise TerritoryImportError(report.errors, report.warnings)
        raise fatal(report, source, None, "aucune ligne de données (seulement l'en-tête)")
    return Table(columns=columns, rows=rows, lines=starts, encoding=encoding, delimiter=delimiter)


def _row_problem(cells: list[str], columns: list[str], delimiter: str, multiline: Collection[str] | None,
                 first: int, end: int) -> tuple[str, str | None, str | None] | None:
    """``(message, column, value)`` of what is wrong with a record of lines ``first`` to ``end`` (0-based), or None."""
    if end - first > 1:
        for column, value in zip(columns, cells):
            if "\n" not in value and "\r" not in value:
                continue
            allowed = multiline is None or column in multiline
            if not allowed or _swallowed_row(value, delimiter, len(columns)):
                return (f"valeur de la colonne « {column} » sur {end - first} lignes (lignes {first + 1} à {end}) : "
                        "guillemet ouvert non fermé ?", column, value)
    if len(cells) != len(columns):
        hint = (f" (séparateur « {delimiter} » dans une valeur non entre guillemets ?)" if len(cells) > len(columns)
                else " (valeurs manquantes ou séparateur différent de l'en-tête ?)")
        return (f"{len(cells)} valeurs pour {len(columns)} colonnes{hint}", None, delimiter.join(cells))
    for column, value in zip(columns, cells):
        if "\x00" in value:
            return (f"caractère nul (octet 0) dans la colonne « {column} »", column, value.replace("\x00", "\\0"))
    return None


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

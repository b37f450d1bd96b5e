"""Text files as people produce them: one deterministic encoding rule, and JSON with a bounded depth.

Every CSV of the territory and of :mod:`mapapp.io` goes through :func:`decode_text`,
every JSON through :func:`load_json`, so that they all accept and refuse the same
files and say the same things.

**Encoding rule** (:func:`decode_text`), decided per file, never guessed per line:

1. the bytes are valid UTF-8 (a byte-order mark, if any, is dropped): UTF-8;
2. otherwise, when ``legacy`` is allowed (CSV, not JSON, which is UTF-8 by its
   RFC 8259) and the file holds **no** valid UTF-8 multi-byte sequence at all
   (only ASCII and lone bytes ``0x80``–``0xFF``), it is Windows-1252, what
   « CSV » from Excel on a French Windows is; this is said in the report. A
   byte Windows-1252 leaves undefined (``0x81``, ``0x8D``, ``0x8F``, ``0x90``,
   ``0x9D``) is an error;
3. otherwise the file mixes encodings (UTF-8 text with a stray Windows-1252
   byte, typically a line pasted from another file): it is refused, with an
   error for every line holding a byte that is not UTF-8 (and its position in
   the line); the rest is still read, as UTF-8, so that the file's other
   problems are reported at the same time. Decoding it either way would
   silently garble part of it (« nÂ°0 â€“ Ã‰ »).

The rule is hand-written on purpose: detectors such as charset-normalizer
score candidate encodings statistically, so a file with one stray byte still
gets *an* answer, which is exactly the silent garbling to refuse; the three
steps above are exact and take a dozen lines.

**JSON** (:func:`load_json`): strict UTF-8 (BOM allowed), nesting bounded by
:data:`MAX_JSON_DEPTH` (checked before parsing: a file nested 100,000 deep
would otherwise exhaust the interpreter's recursion), French messages with the
line and column of a syntax error.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from mapapp.territory.validation import ImportReport, fatal

#: Deepest nesting of arrays/objects accepted in a JSON file (GeoJSON multipolygons need 6, the catalog 4).
MAX_JSON_DEPTH = 64

_BOM = b"\xef\xbb\xbf"
#: A well-formed UTF-8 multi-byte sequence (RFC 3629: no overlong forms, no surrogates, ≤ U+10FFFF).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    """(line, column) of byte ``offset``, both 1-based; the column counts characters, as an editor does."""
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[start:offset].decode("utf-8", errors="replace")) + 1
    return line, column


def _non_utf8_lines(raw: bytes):
    """(line, column, byte) of the first non-UTF-8 byte of every line that has one."""
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield number, len(line[:exc.start].decode("utf-8", errors="replace")) + 1, f"0x{line[exc.start]:02X}"


def decode_text(raw: bytes, source: str, report: ImportReport, *, legacy: bool = True) -> tuple[str, str]:
    """Decode a whole file by the module's rule; return ``(text, encoding)`` (``utf-8`` or ``cp1252``).

    A UTF-8 file with non-ASCII text adds an information naming the encoding
    (a Windows-1252 one, a warning). Mixed encodings add one error per bad line to ``report`` and return the text
    read as UTF-8 (bad bytes replaced): the caller goes on, the errors stop the import.

    Raises:
        TerritoryImportError: not UTF-8 when ``legacy`` is False, or bytes that
            are neither UTF-8 nor Windows-1252 (with the line of the first bad byte).
    """
    body = raw[len(_BOM):] if raw.startswith(_BOM) else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start + (len(raw) - len(body))
    else:
        if not text.isascii():  # which encoding was used is said whenever it matters (accents)
            report.info(source, None, "encodage détecté : UTF-8" + (" (avec BOM)" if body is not raw else ""))
        return text, "utf-8"
    line, column = byte_position(raw, first_bad)
    byte = f"0x{raw[first_bad]:02X}"
    if not legacy:
        raise fatal(report, source, line, f"octet {byte} invalide en UTF-8 (position {column} de la ligne) : "
                                          "enregistrez le fichier en UTF-8")
    if _UTF8_MULTIBYTE.search(body):
        # Mixed: every line holding a byte that is not UTF-8 is an error, and the rest is read as UTF-8
        # (bad bytes replaced) so that the other problems of the file are reported too; the errors stop the import.
        for line, column, byte in _non_utf8_lines(raw):
            report.error(source, line, f"encodages mélangés : le fichier est en UTF-8 mais l'octet {byte} "
                                       f"(position {column} de la ligne) n'en est pas (Windows-1252 ?) ; corrigez "
                                       "cette ligne ou enregistrez tout le fichier en UTF-8")
        return body.decode("utf-8", errors="replace"), "utf-8"
    try:
        text = body.decode("cp1252")
    except UnicodeDecodeError as exc:
        line, column = byte_position(raw, exc.start + (len(raw) - len(body)))
        raise fatal(report, source, line, f"octet 0x{body[exc.start]:02X} (position {column} de la ligne) ni UTF-8 "
                                          "ni Windows-1252 : enregistrez le fichier en UTF-8") from None
    report.warning(source, None, f"fichier non UTF-8 : lu en Windows-1252 (premier caractère non ASCII "
                                 f"ligne {line}) ; vérifiez les accents")
    return text, "cp1252"


def json_depth(raw: bytes) -> tuple[int, int]:
    """(deepest nesting of arrays and objects, byte offset where it is reached); strings are ignored."""
    stripped = _JSON_STRING.sub(b'""', raw)
    codes = np.frombuffer(stripped, dtype=np.uint8)
    if codes.size == 0:
        return 0, 0
    step = ((codes == ord("[")) | (codes == ord("{"))).astype(np.int32) \
        - ((codes == ord("]")) | (codes == ord("}"))).astype(np.int32)
    depth = np.cumsum(step)
    deepest = int(np.argmax(depth))
    # Offsets in ``stripped`` are not those of ``raw``, but lines are: a JSON string holds no raw newline.
    return int(depth[deepest]), stripped.count(b"\n", 0, deepest) + 1


def load_json(path: str | Path, report: ImportReport, source: str | None = None,
              max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Read a JSON file (strict UTF-8, nesting ≤ ``max_depth``).

    Raises:
        TerritoryImportError: missing, not UTF-8, too deeply nested, or not JSON (with its line).
    """
    path = Path(path)
    source = source or path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise fatal(report, source, None, f"fichier illisible : {exc.strerror or exc}") from None
    return loads_json(raw, report, source, max_depth)


def loads_json(raw: bytes, report: ImportReport, source: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """:func:`load_json` on bytes already read."""
    text, _ = decode_text(raw, source, report, legacy=False)
    depth, line = json_depth(raw)
    if depth > max_depth:
        raise fatal(report, source, line, f"JSON imbriqué sur {depth} niveaux (au plus {max_depth})")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise fatal(report, source, exc.lineno, f"JSON invalide (colonne {exc.colno}) : {exc.msg}") from None
    except RecursionError:  # unreachable after the depth check; kept so no traceback can escape
        raise fatal(report, source, None, "JSON trop imbriqué") from None

"""A 1,000-row catalog file mixing valid rows with every kind of malformed row the red team used (issue 12).

Each bad row must be reported with its own line, no valid row may be blamed,
the full list must reach the ``--errors`` CSV, and nothing may be written.
"""

from __future__ import annotations

import csv
import io
import random

from sqlalchemy import func, select

from mapapp.catalog.models import Offer, Site, Structure
from mapapp.catalog.models_users import ChangeLog, Revision
from mapapp.io.catalog_import import run_import
from mapapp.io.issues_csv import issues_csv_bytes
from tests.catalog.contrib import contrib_settings, contrib_template, factory  # noqa: F401  (fixtures)

HEADER = ["type_fiche", "id", "structure_id", "nom", "kind", "commune_code", "lon", "lat", "horaires_accueil"]
FIELD_LIMIT = csv.field_size_limit()


def _good(i: int) -> list[str]:
    return ["lieu", f"fz--{i}", "test--ml", f"Lieu n°{i} – Écoute", "partner", "96001",
            f"2.0{i % 9}", f"45.0{i % 7}", "Mo-Fr 09:00-12:00"]


def _line(cells: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerow(cells)
    return out.getvalue().encode("utf-8")


#: One malformed row of each kind (bytes of a whole line, given the row number).
BAD = {
    "type inconnu": lambda i: _line(["salle", f"fz--{i}"] + _good(i)[2:]),
    "trop peu de colonnes": lambda i: _line(_good(i)[:5]),
    "trop de colonnes": lambda i: _line(_good(i) + ["en trop"]),
    "longitude illisible": lambda i: _line(_good(i)[:6] + ["abc", "45.05", ""]),
    "hors du territoire": lambda i: _line(_good(i)[:6] + ["4.8", "46.1", ""]),
    "code INSEE faux": lambda i: _line(_good(i)[:5] + ["9600A"] + _good(i)[6:]),
    "horaires faux": lambda i: _line(_good(i)[:8] + ["le lundi matin"]),
    "caractère NUL": lambda i: _line(_good(i)[:3] + [f"Lieu\x00{i}"] + _good(i)[4:]),
    "octet Windows-1252": lambda i: _line(_good(i)[:3] + ["Lieu@"] + _good(i)[4:]).replace(b"@", b"\xe9"),
    "champ trop long": lambda i: _line(_good(i)[:8] + ["x" * (FIELD_LIMIT + 10)]),
    "nom absent": lambda i: _line(_good(i)[:3] + [""] + _good(i)[4:]),
}


def _fuzzed_file(path, rows: int = 1000, seed: int = 12) -> set[int]:
    """Write the file; return the physical lines of its bad rows (header = line 1)."""
    rng = random.Random(seed)
    kinds = list(BAD)
    lines, bad = [_line(HEADER)], set()
    for i in range(rows - 1):
        line_no = len(lines) + 1
        if rng.random() < 0.15:
            lines.append(BAD[kinds[len(bad) % len(kinds)]](i))  # every kind, in turn
            bad.add(line_no)
        else:
            lines.append(_line(_good(i)))
    # Last: an unterminated quote, which used to swallow silently what followed it.
    bad.add(len(lines) + 1)
    lines.append(b'lieu;fz--last;test--ml;"Lieu sans fin;partner;96001;2.05;45.05;\n')
    path.write_bytes(b"".join(lines))
    return bad


def _counts(s) -> tuple:
    return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Structure, Site, Offer, ChangeLog, Revision))


def test_every_bad_row_of_a_fuzzed_1000_row_file_is_reported_and_nothing_is_written(factory, tmp_path):
    path = tmp_path / "lieux.csv"
    bad_lines = _fuzzed_file(path)
    assert len(bad_lines) > 100
    with factory() as s:
        before = _counts(s)
        result = run_import(s, path, "csv", dry_run=False)
        s.rollback()
    reported = {e.where for e in result.report.errors}
    assert reported == bad_lines, (sorted(bad_lines - reported)[:10], sorted(reported - bad_lines)[:10])
    assert not result.ok and not result.written
    assert result.summary().startswith("Import refusé")
    with factory() as s:
        assert _counts(s) == before
    # the whole list, not the first few, reaches the CSV of --errors (and of the web report)
    table = list(csv.DictReader(io.StringIO(issues_csv_bytes(result.report).decode("utf-8-sig")), delimiter=";"))
    errors = [r for r in table if r["Gravité"] == "erreur"]
    assert len(errors) == len(result.report.errors) and {int(r["Ligne"]) for r in errors} == bad_lines

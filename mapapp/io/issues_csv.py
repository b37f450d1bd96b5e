"""The full list of an import's problems as a CSV file (``--errors FILE``, the web report's download).

A report of several hundred problems is cut short on screen; this file holds
all of them, one per line, in the Excel-friendly dialect of the project's CSV
exports (:mod:`mapapp.io.export_csv`: ``;``, UTF-8 with BOM, CRLF, formula
injection neutralised). Columns:

``Gravité``  erreur, avertissement or information
``Fichier``  the file (or logical input) the problem is in
``Ligne``    the physical line (header = 1), or the record / feature / INSEE code
``Colonne``  the column or field at fault, when known
``Valeur``   the offending value, when known (cut to 200 characters)
``Message``  the French message, as on screen
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mapapp.io.export_csv import ENCODING, csv_text
from mapapp.io.tables import Column, Table
from mapapp.territory.validation import ImportReport

COLUMNS = [Column("gravite", "Gravité"), Column("fichier", "Fichier"), Column("ligne", "Ligne"),
           Column("colonne", "Colonne"), Column("valeur", "Valeur"), Column("message", "Message")]
KINDS = (("erreur", "errors"), ("avertissement", "warnings"), ("information", "infos"))


def issues_table(report: ImportReport) -> Table:
    """Errors, then warnings, then informations of ``report``, one row each."""
    rows = [{"gravite": label, "fichier": issue.source, "ligne": "" if issue.where is None else str(issue.where),
             "colonne": issue.column or "", "valeur": issue.value or "", "message": issue.message}
            for label, attr in KINDS for issue in getattr(report, attr)]
    frame = pd.DataFrame(rows, columns=[c.key for c in COLUMNS], dtype=object)
    return Table("erreurs", "Erreurs", "Problèmes de l'import", COLUMNS, frame)


def issues_csv_bytes(report: ImportReport) -> bytes:
    return csv_text(issues_table(report)).encode(ENCODING)


def write_issues_csv(report: ImportReport, path: str | Path) -> Path:
    """Write every issue of ``report`` to ``path`` (parent folders created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(issues_csv_bytes(report))
    return path

"""Import issues: collect every problem of a file, not just the first one.

Every reader of :mod:`mapapp.territory` (and the importers of :mod:`mapapp.io`)
takes an optional ``report`` argument, an :class:`ImportReport`:

- when the caller passes one, problems are *collected* into it and the reader
  returns its best-effort result (bad rows dropped, geometries repaired...);
  the caller decides what to do (a dry run prints the report, an import calls
  :meth:`ImportReport.raise_if_errors` after reading every file, so the user
  sees all the problems of all the files at once);
- when the caller passes none, the reader makes its own, raises
  :class:`TerritoryImportError` if it holds errors, and logs the warnings.

Fatal problems (missing, empty or unreadable file, no CRS, no code column)
raise :class:`TerritoryImportError` at once in both cases, after recording the
error in the report, since nothing can be returned.

An issue is ``(source, where, message)``: ``source`` names the file (or the
logical input), ``where`` is a line number (int, 1-based, header = line 1) or a
feature identifier (str, e.g. an INSEE code), or ``None`` for the whole file.
Messages are in French: they are shown to the planners who prepared the files.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

log = logging.getLogger(__name__)

#: INSEE commune code: 2 digits or 2A/2B then 3 digits (metropolitan France,
#: Corsica), or 97x then 2 digits (overseas départements and collectivities).
INSEE_CODE_RE = re.compile(r"^(?:\d{2}|2[AB])\d{3}$|^97\d{3}$")

#: How many issues :meth:`ImportReport.summary` lists before "... and N more".
SUMMARY_LIMIT = 30
#: Longest offending value kept in an :class:`Issue` (a whole swallowed file is not worth repeating).
VALUE_LIMIT = 200
#: Where the whole list is, said after a summary cut short (the commands' ``--errors FICHIER`` option).
MORE_HINT = "liste complète : relancez avec --errors FICHIER.csv"


def _cut(value: object) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= VALUE_LIMIT else text[:VALUE_LIMIT] + "…"


class Issue(NamedTuple):
    """One problem found in an input: ``(source, where, message)``, and the column and value when known.

    ``column`` names the file's column (or field) at fault and ``value`` the
    offending text (cut to :data:`VALUE_LIMIT` characters); both are optional
    and shown in the full error list (``--errors FILE``, the web report).
    """

    source: str
    where: int | str | None
    message: str
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        if self.where is None or self.where == "":
            return f"{self.source} : {self.message}"
        prefix = "ligne " if isinstance(self.where, int) else ""
        return f"{self.source} ({prefix}{self.where}) : {self.message}"


@dataclass
class ImportReport:
    """Errors (the input cannot be used as is) and warnings (it can, but look)."""

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    #: What was done on the way and is worth saying (reprojection, counts).
    infos: list[Issue] = field(default_factory=list)

    def error(self, source: str, where: int | str | None, message: str, *, column: str | None = None,
              value: object = None) -> None:
        self.errors.append(Issue(source, where, message, column, _cut(value)))

    def warning(self, source: str, where: int | str | None, message: str, *, column: str | None = None,
                value: object = None) -> None:
        self.warnings.append(Issue(source, where, message, column, _cut(value)))

    def info(self, source: str, where: int | str | None, message: str) -> None:
        self.infos.append(Issue(source, where, message))

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    def extend(self, other: ImportReport) -> None:
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)
        self.infos.extend(other.infos)

    def summary(self, limit: int = SUMMARY_LIMIT, infos: bool = False, more: str = MORE_HINT) -> str:
        """A readable multi-line French summary (errors first), capped at ``limit`` lines per kind.

        ``more`` follows « … et N de plus » when the list is cut: where to read the rest.
        « Aucun problème. » heads it when there is no error nor warning (informations may follow).
        """
        lines: list[str] = [] if self.errors or self.warnings else ["Aucun problème."]
        kinds = [("Erreurs", self.errors), ("Avertissements", self.warnings)]
        if infos:
            kinds.append(("Informations", self.infos))
        for title, issues in kinds:
            if not issues:
                continue
            lines.append(f"{title} ({len(issues)}) :")
            lines.extend(f"  - {issue}" for issue in issues[:limit])
            if len(issues) > limit:
                lines.append(f"  ... et {len(issues) - limit} de plus" + (f" ({more})" if more else ""))
        return "\n".join(lines)

    def raise_if_errors(self) -> None:
        if self.errors:
            raise TerritoryImportError(self.errors, self.warnings)


class TerritoryImportError(ValueError):
    """The input files cannot be imported; ``issues`` lists every error found.

    Attributes:
        issues: the errors, as :class:`Issue` ``(source, where, message)``.
        warnings: the warnings found on the way (kept apart from the errors).
    """

    def __init__(self, issues: Iterable[Issue], warnings: Iterable[Issue] = ()):
        self.issues = list(issues)
        self.warnings = list(warnings)
        report = ImportReport(errors=self.issues)
        super().__init__(f"Import impossible : {len(self.issues)} erreur(s).\n{report.summary()}")


def start(report: ImportReport | None) -> tuple[ImportReport, bool]:
    """Return ``(report, owned)``: the caller's report, or a fresh one owned by the reader."""
    if report is None:
        return ImportReport(), True
    return report, False


def finish(report: ImportReport, owned: bool) -> None:
    """End of a reader: when it owns the report, raise on errors and log the warnings."""
    if not owned:
        return
    for issue in report.warnings:
        log.warning("%s", issue)
    for issue in report.infos:
        log.info("%s", issue)
    report.raise_if_errors()


def fatal(report: ImportReport, source: str, where: int | str | None, message: str) -> TerritoryImportError:
    """Record an error after which a reader cannot go on, and return the exception to raise.

    The error is appended to ``report`` first, so a caller that collects
    several files (:func:`mapapp.territory.io.read_bundle`) can catch the
    exception, keep the report and go on with the next file.
    """
    report.error(source, where, message)
    return TerritoryImportError(report.errors, report.warnings)


def departement_of(code: str) -> str:
    """The département of an INSEE commune code (``2A004`` → ``2A``, ``97411`` → ``974``)."""
    return code[:3] if code.startswith("97") else code[:2]


def normalize_insee(value: object) -> str | None:
    """An INSEE code as a clean string, or None if empty.

    Tolerates what spreadsheets do to codes: surrounding spaces, a float
    (``1053.0``), a lost leading zero (``1053`` → ``01053``), lower-case
    ``2a``. Does not validate: see :data:`INSEE_CODE_RE`.
    """
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer():
            value = int(value)
    text = str(value).strip()
    if not text or text.lower() in ("nan", "none", "<na>"):
        return None
    if re.fullmatch(r"\d+\.0", text):
        text = text[:-2]
    text = text.upper()
    if re.fullmatch(r"\d{4}", text):
        text = "0" + text
    return text

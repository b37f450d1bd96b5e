"""Bulk import of catalog files: per-line dry-run report, then one all-or-nothing transaction.

:func:`run_import` reads a file (:mod:`mapapp.io.catalog_readers`), checks
every record as the live tables would (:func:`mapapp.catalog.moderation.validate_data`:
required fields, INSEE codes, coordinates inside the territory, vocabulary,
opening hours...) and reports problems **with the line** they come from:

errors
    the file cannot be imported as is; nothing is written.
warnings
    probable duplicates of existing records: same SIRET, same name within
    :data:`DUPLICATE_DISTANCE_M` metres, or the same source identifier (the
    existing record will be updated); a commune code that disagrees with the
    point.

Then the records are written in the session, **also in a dry run** (which
rolls everything back), so that a dry run finds exactly what the real import
would: the real import is one transaction, all or nothing.

Who imports decides how records are written:

- administrators, the command line without ``--as``, and moderators (records of
  their territory only) write live records directly, each change entering the
  history;
- partners (records of their structures only; they cannot create structures)
  create revisions submitted to moderation, one import batch.

Re-importing the same file changes nothing: records equal to the current ones
(ignoring ``date_maj``) are left alone, and a column absent from a CSV/XLSX
file keeps the current value. An import never erases a ``date_verification``
someone set (files without it give none).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.catalog.history import (
    SECTION_LABELS,
    ContributionError,
    ValidationFailed,
    apply_live,
    diff,
    live_object,
    normalized,
    record_to_data,
)
from mapapp.catalog.load import SECTIONS
from mapapp.catalog.models import MobilitySolution, Site, Structure
from mapapp.catalog.models_users import User
from mapapp.catalog.moderation import open_revision, save_draft, withdraw
from mapapp.catalog.moderation_permissions import can_contribute
from mapapp.catalog.moderation_records import commune_at, foreign_sites, owner_of, pending_sites, validate_data
from mapapp.catalog.query import normalize_name
from mapapp.catalog.users import is_member, known_communes
from mapapp.io.catalog_readers import FORMATS, detect_format, read_file
from mapapp.io.readers_core import FIELD_TYPES, ParsedFile
from mapapp.network.build import haversine_m
from mapapp.territory.validation import MORE_HINT, ImportReport

DUPLICATE_DISTANCE_M = 100.0
IGNORED_IN_COMPARISON = {"date_maj"}


@dataclass
class RecordPlan:
    section: str
    record_id: str
    where: int | str
    action: str  # create, update, unchanged
    changes: dict
    data: dict


@dataclass
class ImportResult:
    source: str
    fmt: str
    dry_run: bool
    mode: str  # "direct" or "moderation"
    report: ImportReport
    plans: list[RecordPlan] = field(default_factory=list)
    batch: str | None = None
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.report.errors

    def counts(self) -> dict[str, Counter]:
        out: dict[str, Counter] = {s: Counter() for s in SECTIONS}
        for p in self.plans:
            out[p.section][p.action] += 1
        return out

    @property
    def changed(self) -> int:
        return sum(1 for p in self.plans if p.action != "unchanged")

    def summary(self, more: str = MORE_HINT) -> str:
        """The counts and the report, cut short; ``more`` says where the full list is."""
        planned = self.dry_run or not self.ok  # nothing was written: say what would have been, never « créée(s) »
        verb = {"direct": ("à créer", "à modifier") if planned else ("créée(s)", "modifiée(s)"),
                "moderation": ("à proposer (création)", "à proposer (modification)") if planned
                else ("proposée(s) (création)", "proposée(s) (modification)")}[self.mode]
        title = "Simulation" if self.dry_run else ("Import refusé" if not self.ok else "Import")
        lines = [f"{title} de {self.source} ({FORMATS.get(self.fmt, self.fmt)})"]
        for section, counts in self.counts().items():
            if sum(counts.values()):
                lines.append(f"  {SECTION_LABELS[section]} : {counts['create']} {verb[0]}, {counts['update']} {verb[1]}, "
                             f"{counts['unchanged']} inchangée(s)")
        if self.mode == "moderation" and self.changed:
            lines.append(f"  Les {self.changed} fiche(s) passent par la modération avant publication.")
        lines.append(self.report.summary(infos=True, more=more))
        if not self.ok:
            lines.append("Rien n'a été écrit.")
        elif self.dry_run:
            lines.append("Simulation : rien n'a été écrit.")
        return "\n".join(lines)


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(haversine_m(lon1, lat1, lon2, lat2))


def _duplicates(session: Session, section: str, data: dict) -> list[str]:
    """Probable duplicates among live records with another id (French messages)."""
    out = []
    if section == "structures" and data.get("siret"):
        for other in session.scalars(select(Structure).where(Structure.siret == data["siret"], Structure.id != data["id"])):
            out.append(f"doublon probable : même SIRET que la structure « {other.nom} » ({other.id})")
    if section in ("sites", "mobility_solutions") and data.get("lon") is not None and data.get("lat") is not None:
        model = Site if section == "sites" else MobilitySolution
        lon, lat, d = float(data["lon"]), float(data["lat"]), 0.002
        name = normalize_name(str(data.get("nom") or ""))
        for other in session.scalars(select(model).where(model.id != data["id"], model.lon.between(lon - 2 * d, lon + 2 * d),
                                                         model.lat.between(lat - d, lat + d))):
            metres = _distance_m(lon, lat, other.lon, other.lat)
            if metres <= DUPLICATE_DISTANCE_M and normalize_name(other.nom) == name:
                out.append(f"doublon probable : même nom que « {other.nom} » ({other.id}), à {metres:.0f} m")
    return out


def _permission_error(session: Session, user: User | None, section: str, data: dict, live) -> str | None:
    if user is None or user.is_admin:
        return None
    if user.is_partner:
        if not is_member(user, owner_of(section, data)):
            return f"la structure « {owner_of(section, data)} » n'est pas la vôtre"
        if live is not None:
            # The record this line would update must be the partner's too (not only the data given).
            current_owner = owner_of(section, record_to_data(live, section))
            if not is_member(user, current_owner):
                return (f"la fiche « {data.get('id')} » appartient à la structure « {current_owner} », "
                        f"qui n'est pas la vôtre")
        if section == "structures" and live is None:
            return "une structure ne peut être créée que par un administrateur"
        return None
    if not can_contribute(session, user, section, data) or (
            live is not None and not can_contribute(session, user, section, record_to_data(live, section))):
        return "fiche hors de votre territoire de modération"
    return None


def plan_import(session: Session, parsed: ParsedFile, user: User | None, mode: str, *,
                fix_communes: bool = False) -> list[RecordPlan]:
    """Check every record of ``parsed``; problems go to ``parsed.report``. Nothing is written."""
    report, source = parsed.report, parsed.source
    communes = known_communes(session)
    file_structures = {r["id"] for r in parsed.data["structures"]}
    file_sites: dict[str, dict] = {}
    plans: list[RecordPlan] = []
    for section in SECTIONS:
        for record in parsed.data[section]:
            rid = record["id"]
            where = parsed.where[(section, rid)]
            live = live_object(session, section, rid)
            current = record_to_data(live, section) if live is not None else None
            rev = open_revision(session, section, rid)
            if rev is not None:
                if mode == "moderation" and is_member(user, rev.structure_id):
                    current = dict(rev.data)
                elif mode == "direct":
                    report.warning(source, where, f"une demande de modification de cette fiche attend la modération "
                                                  f"(n° {rev.id}) : sa publication devra tenir compte de cet import")
            given = {k: v for k, v in record.items() if k in parsed.given[(section, rid)]}
            if current is not None and not given.get("date_verification") and current.get("date_verification"):
                given.pop("date_verification", None)
            data = {**(current or {}), **given}
            problem = _permission_error(session, user, section, data, live)
            if problem:
                report.error(source, where, problem)
                continue
            if fix_communes and section == "sites" and communes and data.get("commune_code") not in communes:
                found = commune_at(session, float(data["lon"]), float(data["lat"]))
                if found is not None:
                    report.warning(source, where, f"commune {data.get('commune_code')} inconnue du territoire : "
                                                  f"le point est à {found.nom} ({found.code}), retenue")
                    data["commune_code"] = found.code
            extra_sites = {**(pending_sites(session, owner_of(section, data)) if mode == "moderation" else {}),
                           **file_sites}
            issues = validate_data(session, section, data, extra_sites=extra_sites,
                                   extra_structures=file_structures, communes=communes)
            if not issues and section == "offers" and user is not None and user.is_partner:
                issues = foreign_sites(session, data, allowed=(current or {}).get("site_ids") or [],
                                       extra_sites=extra_sites)
            for name, message in issues:
                known = name in FIELD_TYPES[section]
                if known:
                    message = unknown_value_message(section, name, where, message)
                report.error(source, where, message, column=name if known else None,
                             value=data.get(name) if known and data.get(name) not in (None, "", []) else None)
            if issues:
                continue
            if section == "sites":
                file_sites[rid] = data
            if section in ("sites", "mobility_solutions") and data.get("lon") is not None and "commune_code" in given \
                    and communes:
                found = commune_at(session, float(data["lon"]), float(data["lat"]))
                if found is not None and found.code != data.get("commune_code"):
                    report.warning(source, where, f"le point est à {found.nom} ({found.code}), pas dans la commune "
                                                  f"{data['commune_code']} indiquée")
            for message in _duplicates(session, section, data):
                report.warning(source, where, message)
            changes = {k: v for k, v in diff(current, data).items() if k not in IGNORED_IN_COMPARISON}
            if current is None:
                action = "create"
            elif changes:
                action = "update"
                if live is not None:
                    fields = ", ".join(sorted(changes))
                    report.warning(source, where, f"même identifiant source que la fiche existante « {live.nom} » : "
                                                  f"elle sera mise à jour ({fields})")
            else:
                action = "unchanged"
            plans.append(RecordPlan(section, rid, where, action, changes, data))
    return plans


def _write(session: Session, plans: list[RecordPlan], user: User | None, mode: str, today: dt.date,
           batch: str, report: ImportReport, source: str) -> None:
    communes = known_communes(session)
    for plan in plans:
        if plan.action == "unchanged":
            continue
        data = dict(plan.data)
        try:
            if mode == "direct":
                if not data.get("date_maj"):
                    data["date_maj"] = today.isoformat()
                apply_live(session, plan.section, data, user=user, action=plan.action, known_communes=communes)
            else:
                rev = open_revision(session, plan.section, plan.record_id)
                if rev is not None and rev.status == "submitted":
                    # Reopened to be changed, then submitted again: withdraw() checks the permission
                    # (the user's structure) before changing anything.
                    withdraw(session, user, rev)
                save_draft(session, user, plan.section, data, revision=rev, submit=True, batch=batch,
                           lock_version=rev.lock_version if rev is not None else None)  # read in this transaction
        except ValidationFailed as exc:
            for _f, message in exc.issues:
                report.error(source, plan.where, message)
        except ContributionError as exc:
            report.error(source, plan.where, str(exc))


def _line_key(issue) -> tuple:
    where = issue.where
    return (0, where, "") if isinstance(where, int) else (1, 0, str(where or ""))


def _sort_by_line(report: ImportReport) -> None:
    """Issues in file order (records are checked section by section)."""
    report.errors.sort(key=_line_key)
    report.warnings.sort(key=_line_key)


def run_import(
    session: Session,
    path: str | Path,
    fmt: str | None = None,
    *,
    user: User | None = None,
    dry_run: bool = True,
    today: dt.date | None = None,
    source: str | None = None,
    data_date: dt.date | None = None,
) -> ImportResult:
    """Check, then write (or, in a dry run, write and roll back) the records of a file.

    The session must hold no other pending change: it is rolled back on a dry
    run or on errors. On success (not a dry run) the caller commits.

    ``data_date``: the data's date for a format that carries none (France Services).

    Raises:
        TerritoryImportError: the file cannot be read at all (missing, empty, not the format).
    """
    path = Path(path)
    fmt = fmt or detect_format(path)
    parsed = read_file(path, fmt, session=session, source=source, data_date=data_date)
    mode = "moderation" if user is not None and user.is_partner else "direct"
    result = ImportResult(source=parsed.source, fmt=fmt, dry_run=dry_run, mode=mode, report=parsed.report)
    if parsed.count() == 0 and not parsed.report.errors:
        parsed.report.error(parsed.source, None, "aucune fiche dans le fichier")
    result.plans = plan_import(session, parsed, user, mode, fix_communes=fmt == "france-services")
    _sort_by_line(result.report)
    if result.report.errors:
        session.rollback()
        return result
    result.batch = f"import-{dt.datetime.now():%Y%m%d%H%M%S}-{secrets.token_hex(3)}" if mode == "moderation" else None
    _write(session, result.plans, user, mode, today or dt.date.today(), result.batch or "", result.report, parsed.source)
    if dry_run or result.report.errors:
        session.rollback()
        return result
    session.flush()
    result.written = result.changed > 0
    return result


def plan_rows(result: ImportResult) -> list[dict]:
    """The plan as rows for a report table (section label, id, where, action, changed fields)."""
    labels = {"create": "création", "update": "modification", "unchanged": "inchangée"}
    return [{"section": SECTION_LABELS[p.section], "id": p.record_id, "where": p.where,
             "action": labels[p.action], "fields": ", ".join(sorted(p.changes)) if p.action == "update" else "",
             "nom": normalized(p.data).get("nom", "")} for p in result.plans]


_UNKNOWN_RE = re.compile(r"^(?:[a-z_]+\.)?[a-z_]+ : valeur inconnue « (?P<value>.*?) »"
                         r"(?: \(vouliez-vous dire « (?P<hint>.*) » \?\))?$", re.S)


def _line_text(where: int | str) -> str:
    """``3`` → ``ligne 3``; ``offres, ligne 3`` (a sheet of a workbook) → ``ligne 3 (feuille offres)``."""
    if isinstance(where, int):
        return f"ligne {where}"
    sheet, sep, line = str(where).rpartition(", ligne ")
    return f"ligne {line} (feuille {sheet})" if sep else str(where)


def unknown_value_message(section: str, column: str, where: int | str, message: str) -> str:
    """A vocabulary error said with its column and line, and the closest valid value when there is one.

    « colonne frais, ligne 3 : valeur « gratui » inconnue ; vouliez-vous dire « gratuit » ? »; other
    messages are returned as they are (they already start with their column).
    """
    m = _UNKNOWN_RE.match(message)
    if not m:
        return message
    from mapapp.io.import_template import CONTROLLED, VOCABULARY_SHEET

    text = f"colonne {column}, {_line_text(where)} : valeur « {m['value']} » inconnue"
    if m["hint"]:
        return f"{text} ; vouliez-vous dire « {m['hint']} » ?"
    if (section, column) in CONTROLLED:
        return f"{text} (les codes possibles sont dans la feuille « {VOCABULARY_SHEET} » du modèle d'import)"
    return text

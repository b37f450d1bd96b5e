"""Load catalog records (structures, sites, offers, mobility solutions) into the database.

The input is the catalog JSON layout documented in ``geodata/README.md``: one
object with the lists ``structures``, ``sites``, ``offers`` and
``mobility_solutions``; dates are ISO strings.

Loading is an *upsert by id*: a record whose fields are all equal to the
stored one is left untouched (so loading the same file twice changes nothing),
a changed one is updated, a new one created. Every record is validated; all
problems are collected with the record's id and field, and if there is any,
:class:`CatalogLoadError` is raised so that the caller's transaction rolls
everything back: a failed load changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from mapapp.catalog.datainclusion import check_offer, check_structure
from mapapp.catalog.models import MobilitySolution, Offer, Site, Structure
from mapapp.catalog.vocab import RecordError

#: JSON list name -> model, in loading order (structures first: others refer to them).
SECTIONS: dict[str, type] = {
    "structures": Structure,
    "sites": Site,
    "offers": Offer,
    "mobility_solutions": MobilitySolution,
}
RELATION_FIELDS = {"offers": {"site_ids"}}
#: New or changed records are also validated by the data·inclusion schema package.
SCHEMA_CHECKS = {"structures": check_structure, "offers": check_offer}
DATE_FIELDS = {"date_maj", "date_verification", "closed_from", "closed_until"}


@dataclass(frozen=True)
class Issue:
    section: str
    record_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.section} {self.record_id} : {self.message}"


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    issues: list[Issue] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())

    def summary(self) -> str:
        parts = []
        for section in SECTIONS:
            parts.append(
                f"{section}: {self.created[section]} créé(s), {self.updated[section]} modifié(s), "
                f"{self.unchanged[section]} inchangé(s)"
            )
        return "\n".join(parts)


class CatalogLoadError(ValueError):
    """The input has problems; nothing was written. ``issues`` lists them all."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        head = "\n".join(f"- {i}" for i in issues[:20])
        more = f"\n… et {len(issues) - 20} autre(s)" if len(issues) > 20 else ""
        super().__init__(f"{len(issues)} erreur(s) dans le catalogue :\n{head}{more}")


def _columns(model: type) -> set[str]:
    return {c.key for c in inspect(model).column_attrs}


def _coerce(name: str, value: Any) -> Any:
    if name in DATE_FIELDS and isinstance(value, str) and value:
        return dt.date.fromisoformat(value)
    return value


def _apply(obj: Any, record: dict, columns: set[str]) -> bool:
    """Set the record's fields on obj; return True if anything changed."""
    changed = False
    for name in columns & record.keys():
        value = _coerce(name, record[name])
        old = getattr(obj, name)
        if old != value:
            setattr(obj, name, value)
            # Validators normalise (None -> [], duplicates dropped...): compare what was stored.
            changed = changed or getattr(obj, name) != old
    return changed


def load_catalog(session: Session, data: dict, *, known_communes: set[str] | None = None) -> LoadReport:
    """Validate and upsert ``data`` into ``session`` (the caller commits or rolls back).

    Args:
        session: an open session; nothing is committed here.
        data: the catalog JSON object.
        known_communes: INSEE codes of the territory's communes; when given, a
            site or mobility point in an unknown commune is an error.

    Raises:
        CatalogLoadError: listing every problem (record id, field, value).
    """
    with session.no_autoflush:
        return _load(session, data, known_communes)


def _load(session: Session, data: dict, known_communes: set[str] | None) -> LoadReport:
    report = LoadReport()
    unknown_sections = set(data) - set(SECTIONS)
    for name in sorted(unknown_sections):
        report.issues.append(Issue(name, "-", "section inconnue"))

    for section, model in SECTIONS.items():
        columns = _columns(model)
        allowed = columns | RELATION_FIELDS.get(section, set())
        seen: set[str] = set()
        records = data.get(section) or []
        existing = {o.id: o for o in session.scalars(select(model).where(model.id.in_([r.get("id") for r in records])))}
        for index, record in enumerate(records):
            rid = str(record.get("id") or f"#{index + 1}")
            if not record.get("id"):
                report.issues.append(Issue(section, rid, "identifiant (id) manquant"))
                continue
            if rid in seen:
                report.issues.append(Issue(section, rid, "identifiant en double dans le fichier"))
                continue
            seen.add(rid)
            extra = set(record) - allowed
            if extra:
                report.issues.append(Issue(section, rid, f"champ(s) inconnu(s) : {', '.join(sorted(extra))}"))
                continue
            try:
                _upsert(session, section, model, record, columns, existing.get(rid), report, known_communes)
            except (RecordError, ValueError, TypeError) as exc:
                report.issues.append(Issue(section, rid, str(exc)))
        # Cross-field checks, and the flush that makes the section visible to the next one.
        for obj in list(session.new) + list(session.dirty):
            if isinstance(obj, model):
                try:
                    obj.check()
                    if section in SCHEMA_CHECKS:
                        SCHEMA_CHECKS[section](obj)
                except RecordError as exc:
                    report.issues.append(Issue(section, obj.id, str(exc)))
        if not report.issues:
            session.flush()

    if report.issues:
        raise CatalogLoadError(report.issues)
    return report


def _upsert(session, section, model, record, columns, obj, report, known_communes) -> None:
    if section in ("sites", "mobility_solutions") and known_communes is not None:
        code = record.get("commune_code")
        if code and code not in known_communes:
            raise RecordError(f"{model.__tablename__}.commune_code", f"commune inconnue du territoire « {code} »")
        for c in record.get("served_communes") or []:
            if c not in known_communes:
                raise RecordError("mobility.served_communes", f"commune inconnue du territoire « {c} »")
    if "structure_id" in record and session.get(Structure, record["structure_id"]) is None:
        raise RecordError(f"{model.__tablename__}.structure_id", f"structure inconnue « {record['structure_id']} »")
    created = obj is None
    if created:
        obj = model(id=record["id"])
    changed = _apply(obj, record, columns - {"id"})
    if section == "offers":
        ids = list(dict.fromkeys(record.get("site_ids") or []))
        sites = [session.get(Site, sid) for sid in ids]
        missing = [sid for sid, s in zip(ids, sites) if s is None]
        if missing:
            raise RecordError("offer.site_ids", f"lieu(x) inconnu(s) « {', '.join(missing)} »")
        if sorted(s.id for s in obj.sites) != sorted(ids):
            obj.sites = sites
            changed = True
    if created:
        session.add(obj)
        report.created[section] += 1
    elif changed:
        report.updated[section] += 1
    else:
        report.unchanged[section] += 1

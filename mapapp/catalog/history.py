"""Change history of live records, and the one function that writes them: :func:`apply_live`.

Every change made through the contribution workflow (publication of a
revision, « toujours valable », restoration, import) goes through
:func:`apply_live`, which upserts the record with
:func:`mapapp.catalog.load.load_catalog` (same validation as every other
load) and appends a :class:`~mapapp.catalog.models_users.ChangeLog` row:
who, when, which fields with old and new values, and the whole record after
the change. Any earlier version can therefore be restored
(:func:`restore`), which is itself a change recorded in the history.

Loads that bypass the workflow (``mapapp demo load``) are not recorded; the
history of such a record starts at its first change through the workflow,
whose « old » values are the ones it found.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from mapapp.catalog import vocab
from mapapp.catalog.load import DATE_FIELDS, SECTIONS, CatalogLoadError, load_catalog
from mapapp.catalog.models_users import ChangeLog, Revision, User

#: Technical columns never part of a proposed record.
TECHNICAL_FIELDS = {"version"}

SECTION_LABELS = {
    "structures": "structure",
    "sites": "lieu",
    "offers": "offre",
    "mobility_solutions": "solution de mobilité",
}

#: « création de l'offre », « modification du lieu »: the article goes with the noun (elision, gender).
SECTION_OF = {
    "structures": "de la structure",
    "sites": "du lieu",
    "offers": "de l'offre",
    "mobility_solutions": "de la solution de mobilité",
}

#: Coded fields shown with their French label in history and diff tables (``kind`` covers sites and mobility).
CODED_FIELDS: dict[str, dict[str, str]] = {
    "thematiques": vocab.THEMATIQUES, "publics": vocab.PUBLICS, "modes_accueil": vocab.MODES_ACCUEIL,
    "frais": vocab.FRAIS, "type": vocab.TYPES_SERVICE, "modes_mobilisation": vocab.MODES_MOBILISATION,
    "mobilisable_par": vocab.PERSONNES_MOBILISATRICES, "reseaux_porteurs": vocab.RESEAUX_PORTEURS,
    "kind": {**vocab.SITE_KINDS, **vocab.MOBILITY_KINDS}, "status": vocab.STATUSES,
    "delivery_mode": vocab.DELIVERY_MODES, "category": vocab.MOBILITY_CATEGORIES,
}

#: Fields holding ids, shown by name when the caller knows the names.
ID_FIELDS = frozenset({"structure_id", "site_ids", "commune_code", "served_communes"})

FIELD_LABELS = {
    "id": "Identifiant", "nom": "Nom", "structure_id": "Structure", "siret": "SIRET",
    "reseaux_porteurs": "Réseaux porteurs", "telephone": "Téléphone", "courriel": "Courriel",
    "site_web": "Site web", "description": "Description", "adresse": "Adresse", "commune_code": "Commune (code INSEE)",
    "kind": "Type", "code_postal": "Code postal", "lon": "Longitude", "lat": "Latitude",
    "horaires_accueil": "Horaires d'accueil", "status": "Statut", "closed_from": "Fermé à partir du",
    "closed_until": "Fermé jusqu'au", "itinerant_route": "Tournée", "type": "Type de service",
    "thematiques": "Thématiques", "publics": "Publics", "publics_precisions": "Précisions sur les publics",
    "modes_accueil": "Modes d'accueil", "frais": "Frais", "frais_precisions": "Précisions sur les frais",
    "conditions_acces": "Conditions d'accès", "zone_eligibilite": "Zone d'éligibilité",
    "contact_nom_prenom": "Contact", "lien_source": "Lien source", "lien_mobilisation": "Lien de mobilisation",
    "modes_mobilisation": "Modes de mobilisation", "mobilisable_par": "Mobilisable par",
    "mobilisation_precisions": "Précisions sur la mobilisation", "delivery_mode": "Mode de délivrance",
    "pilote": "Pilote", "financeurs": "Financeurs", "site_ids": "Lieux d'accueil", "category": "Catégorie",
    "served_communes": "Communes desservies", "conditions": "Conditions", "date_maj": "Date de mise à jour",
    "date_verification": "Date de vérification",
    "contact_pro_telephone": "Téléphone direct (professionnels)",
    "contact_pro_courriel": "Courriel direct (professionnels)",
    "note_orientation": "Note d'orientation (professionnels)",
}


class ContributionError(ValueError):
    """A contribution that cannot be done; the message is in French and can be shown as is."""


class PermissionDenied(ContributionError):
    """The user may not do this (HTTP 403)."""


class ConflictError(ContributionError):
    """Someone else changed the record (or the draft) in the meantime: nothing was overwritten."""


class FieldConflict(ConflictError):
    """Someone else saved the same fields since the form was opened; nothing was written.

    ``fields`` lists ``(field, value saved meanwhile, value submitted)``; ``merged``
    is the submission with the other person's changes to other fields taken in,
    what the form shows again so that the user decides field by field.
    """

    def __init__(self, fields: list[tuple[str, Any, Any]], merged: dict):
        self.fields, self.merged = fields, merged
        super().__init__(
            "La fiche a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte, sur les mêmes champs : "
            "rien n'a été enregistré. Le formulaire reprend leurs autres changements et garde votre saisie pour "
            "ces champs : " + "; ".join(f"{FIELD_LABELS.get(name, name)} : enregistré entre-temps "
                                       f"« {display_value(name, theirs)} », votre saisie « {display_value(name, ours)} »"
                                       for name, theirs, ours in fields)
            + ". Vérifiez-les puis enregistrez à nouveau.")

    @property
    def issues(self) -> list[tuple[str, str]]:
        """One ``(field, message)`` per conflicting field, for the form."""
        return [(name, f"Modifié entre-temps par quelqu'un d'autre : « {display_value(name, theirs)} » "
                       f"(votre saisie : « {display_value(name, ours)} »)") for name, theirs, ours in self.fields]


class ValidationFailed(ContributionError):
    """The proposed record is invalid; ``issues`` lists ``(field, message)``."""

    def __init__(self, issues: list[tuple[str, str]]):
        self.issues = issues
        super().__init__("; ".join(m for _f, m in issues) or "fiche invalide")


def columns_of(section: str) -> list[str]:
    return [c.key for c in inspect(SECTIONS[section]).column_attrs if c.key not in TECHNICAL_FIELDS]


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return list(value)
    return value


def record_to_data(obj: Any, section: str) -> dict:
    """A live record in the catalog JSON layout (dates as ISO strings, ``site_ids`` for offers)."""
    data = {name: _json_value(getattr(obj, name)) for name in columns_of(section)}
    if section == "offers":
        data["site_ids"] = sorted(s.id for s in obj.sites)
    return data


def normalized(data: dict | None) -> dict:
    """A record as JSON would give it back (so stored and fresh dicts compare equal)."""
    return json.loads(json.dumps(data or {}, default=str, sort_keys=True))


def diff(before: dict | None, after: dict | None) -> dict[str, list]:
    """``{field: [old, new]}`` for every field whose value differs."""
    before, after = normalized(before), normalized(after)
    out = {}
    for name in list(before) + [k for k in after if k not in before]:
        old, new = before.get(name), after.get(name)
        if name == "site_ids":
            old, new = sorted(old or []), sorted(new or [])
        if old != new:
            out[name] = [old, new]
    return out


def user_label(user: User | None) -> str:
    return user.email if user is not None else "ligne de commande"


def live_object(session: Session, section: str, record_id: str):
    return session.get(SECTIONS[section], record_id)


def apply_live(
    session: Session,
    section: str,
    data: dict,
    *,
    user: User | None,
    action: str,
    revision: Revision | None = None,
    known_communes: set[str] | None = None,
    expected_version: int | None = None,
) -> ChangeLog | None:
    """Create or update one live record and record the change; None if nothing changed.

    Args:
        expected_version: the version the change was based on; another one is a conflict.

    Raises:
        ValidationFailed: the record does not load (same checks as :func:`load_catalog`).
        ConflictError: the live record is not at ``expected_version``, or changed during the write.
    """
    model = SECTIONS[section]
    record_id = data["id"]
    obj = session.get(model, record_id)
    if expected_version is not None and obj is not None and obj.version != expected_version:
        raise ConflictError(f"La fiche « {obj.nom} » a été modifiée par quelqu'un d'autre entre-temps "
                            f"(version {expected_version} → {obj.version}) : rien n'a été écrasé.")
    before = record_to_data(obj, section) if obj is not None else None
    version_before = obj.version if obj is not None else None
    payload = {k: v for k, v in data.items() if k not in TECHNICAL_FIELDS}
    try:
        load_catalog(session, {section: [payload]}, known_communes=known_communes)
        obj = session.get(model, record_id)
        after = record_to_data(obj, section)
        changes = diff(before, after)
        if before is not None and not changes:
            return None
        if version_before is not None and obj.version == version_before:
            # Only a relationship changed (an offer's sites): bump the version all the same.
            flag_modified(obj, "date_maj")
            session.flush()
    except CatalogLoadError as exc:
        raise ValidationFailed([(i.section, i.message) for i in exc.issues]) from None
    except StaleDataError:
        raise ConflictError("La fiche a été modifiée par quelqu'un d'autre pendant l'enregistrement : "
                            "rien n'a été écrasé, rechargez la page.") from None
    entry = ChangeLog(section=section, record_id=record_id, version=obj.version, user_id=user.id if user else None,
                      user_label=user_label(user), action="create" if before is None else action,
                      revision_id=revision.id if revision is not None else None, changes=changes,
                      snapshot=normalized(after))
    session.add(entry)
    session.flush()
    return entry


def version_data(session: Session, section: str, record_id: str, version: int) -> dict | None:
    """The live record as it was at ``version``, from the history; None if the history cannot tell.

    That version's snapshot; else (the version loaded before any recorded
    change, e.g. by ``mapapp catalog load``) the next change undone: its
    snapshot with each changed field put back to its old value.
    """
    def entry(v: int) -> ChangeLog | None:
        return session.scalar(select(ChangeLog).where(ChangeLog.section == section, ChangeLog.record_id == record_id,
                                                      ChangeLog.version == v).order_by(ChangeLog.id.desc()).limit(1))

    if (this := entry(version)) is not None:
        return dict(this.snapshot)
    after = entry(version + 1)
    if after is None or after.action == "create":
        return None
    return {**after.snapshot, **{name: old for name, (old, _new) in after.changes.items()}}


def history_of(session: Session, section: str, record_id: str) -> list[ChangeLog]:
    """Changes of a record, newest first."""
    return list(session.scalars(select(ChangeLog).where(ChangeLog.section == section, ChangeLog.record_id == record_id)
                                .order_by(ChangeLog.id.desc())))


def restore(session: Session, user: User | None, section: str, record_id: str, change_id: int, *,
            expected_version: int | None = None, known_communes: set[str] | None = None,
            today: dt.date | None = None, authorize: Callable[[dict], bool] | None = None) -> ChangeLog | None:
    """Bring a record back to the state after change ``change_id`` (a new change, kept in the history).

    The permission check on the current record is the caller's (moderators of
    the record's territory and administrators). The version restored may put
    the record elsewhere (another commune): ``authorize`` is then asked about
    that version (the snapshot) before anything is written, and
    :class:`PermissionDenied` raised if it answers False.
    """
    entry = session.get(ChangeLog, change_id)
    if entry is None or entry.section != section or entry.record_id != record_id:
        raise ContributionError("Version inconnue pour cette fiche.")
    if authorize is not None and not authorize(dict(entry.snapshot)):
        raise PermissionDenied("Cette version place la fiche hors de votre territoire de modération : "
                               "seuls les modérateurs de ce territoire peuvent la restaurer.")
    data = dict(entry.snapshot)
    data["date_maj"] = (today or dt.date.today()).isoformat()
    return apply_live(session, section, data, user=user, action="restore", known_communes=known_communes,
                      expected_version=expected_version)


def display_value(name: str, value: Any, names: Mapping[str, str] | None = None) -> str:
    """A field value as short French text for history and diff tables.

    Coded values get their French label (:data:`CODED_FIELDS`); ``names`` turns
    ids (structures, sites, communes) into names, the id kept when unknown.
    """
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    labels = CODED_FIELDS.get(name) or (names if name in ID_FIELDS and names else {})
    if isinstance(value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if str(value) in labels:
        return labels[str(value)]
    if name in DATE_FIELDS:
        try:
            return dt.date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)
    return str(value)

"""The moderation queue: partners propose, moderators publish or reject.

A :class:`~mapapp.catalog.models_users.Revision` holds a whole proposed record
in the catalog JSON layout. Its life cycle::

    draft ──submit──▶ submitted ──publish──▶ published
      ▲                  │  └─────reject (reason)──▶ rejected
      └────withdraw──────┘

- Partners create and edit drafts of their own structures' records (the
  structure itself, its sites, offers and mobility solutions), submit them,
  and withdraw a submitted one to change it again. Members of a structure
  share its drafts. A record has at most one open (draft or submitted)
  revision: editing it again continues that revision.
- Moderators of the record's territory (and administrators) edit submitted
  revisions, publish them (the live record is created or updated through
  :func:`mapapp.catalog.history.apply_live`, so validation is that of
  :func:`mapapp.catalog.load.load_catalog` and the change enters the history)
  or reject them with a reason the partner sees. They may also edit live
  records themselves: a revision they publish at once.
- A proposal is validated when saved with the same model validators as the
  live tables (:func:`validate_data`), and again when published.

Optimistic locking, two levels:

- every edit form carries the versions it was opened on (the revision's
  ``lock_version``, 0 without one; the live record's ``version``, 0 for a new
  record) and :func:`save_draft` requires them: a draft saved, or a record
  published, by someone else in the meantime is merged field by field with the
  submission (:func:`merge`, from the version the form showed, read from the
  history), and a field changed on both sides is a
  :class:`~mapapp.catalog.history.FieldConflict` listing both values;
- a revision's ``base_version`` (the live record's version when the draft
  started): if the live record changed since, publication merges field by
  field: fields changed on one side only are taken from that side, a field
  changed on both sides to different values is a conflict listing both
  values; :func:`rebase` then moves the proposal onto the current version so
  the moderator can review it. Nothing is ever overwritten silently.

Where a record is and whether it is valid: :mod:`mapapp.catalog.moderation_records`;
who may do what: :mod:`mapapp.catalog.moderation_permissions`.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.catalog.history import (
    ConflictError,
    ContributionError,
    FieldConflict,
    PermissionDenied,
    ValidationFailed,
    apply_live,
    diff,
    display_value,
    live_object,
    normalized,
    record_to_data,
    version_data,
)
from mapapp.catalog.models import Site
from mapapp.catalog.models_users import OPEN_STATUSES, ChangeLog, Revision, User, utcnow
from mapapp.catalog.moderation_permissions import can_contribute, can_edit, can_moderate_revision, can_view, revision_communes
from mapapp.catalog.moderation_records import derive_commune, foreign_sites, owner_of, pending_sites, validate_data
from mapapp.catalog.users import can_moderate, known_communes, moderated_communes, structure_ids

__all__ = [
    "ConflictError", "ContributionError", "FieldConflict", "PermissionDenied", "ValidationFailed",
    "save_draft", "submit", "withdraw", "publish", "reject", "rebase", "merge", "validate_data",
]

#: Fields whose concurrent changes never conflict: the later date wins (date_maj is set at publication).
BOOKKEEPING_FIELDS = {"date_maj", "date_verification"}
ID_PREFIXES = {"structures": "structure", "sites": "lieu", "offers": "offre", "mobility_solutions": "mobilite"}


def new_record_id(session: Session, section: str, structure_id: str) -> str:
    """A fresh id ``<structure>--<kind>-<random>`` not used by any live record or revision."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", structure_id)[:150]
    while True:
        rid = f"{base}--{ID_PREFIXES[section]}-{secrets.token_hex(4)}"
        if live_object(session, section, rid) is None and session.scalar(
                select(Revision.id).where(Revision.section == section, Revision.record_id == rid)) is None:
            return rid


def _require(condition: bool, message: str = "Vous n'avez pas accès à cette fiche.") -> None:
    if not condition:
        raise PermissionDenied(message)


# --------------------------------------------------------------------------- revisions


def open_revision(session: Session, section: str, record_id: str) -> Revision | None:
    return session.scalar(select(Revision).where(Revision.section == section, Revision.record_id == record_id,
                                                 Revision.status.in_(OPEN_STATUSES)))


def save_draft(
    session: Session,
    user: User | None,
    section: str,
    data: dict,
    *,
    revision: Revision | None = None,
    lock_version: int | None = None,
    base_version: int | None = None,
    seen: dict | None = None,
    submit: bool = False,
    note: str | None = None,
    batch: str | None = None,
) -> Revision:
    """Create or update the open revision of a record with ``data`` (validated); the caller commits.

    Args:
        revision: the record's open revision, continued (None: a new one starts).
        lock_version: the ``lock_version`` of the revision the form was opened
            on, 0 if the record had no open revision then; required with ``revision``.
        base_version: the live record's version the form was opened on (0: the
            record was not published then); None when the caller read the
            record in this same transaction (an import).
        seen: the record as the form showed it, when the caller can vouch for
            it (the web form carries it signed); else it is read from the history.

    When the record or its draft changed since the form was opened, the
    submission is merged field by field with that change (:func:`merge`, from
    what the form showed: ``seen``, else the live version from the history);
    fields changed on both sides raise :class:`~mapapp.catalog.history.FieldConflict`.
    Without ``seen``, against a draft saved meanwhile (its earlier states are
    not kept) every field the two differ on is a conflict.

    Raises:
        PermissionDenied: not the user's structure / territory.
        ConflictError: see above, or the record already has another open revision.
        ValidationFailed: the proposed record is invalid.
    """
    data = dict(data)
    record_id = str(data.get("id") or "")
    if not record_id:
        raise ValidationFailed([("id", "identifiant (id) manquant")])
    derive_commune(session, section, data)  # the territory (and so the moderators) follow from the point
    live = live_object(session, section, record_id)

    def seen_version() -> dict | None:
        """The record as the form showed it."""
        if seen is not None:
            return seen
        if not base_version:
            return None
        if live is not None and live.version == base_version:
            return record_to_data(live, section)
        return version_data(session, section, record_id, base_version)

    if revision is None:
        existing = open_revision(session, section, record_id)
        if existing is not None:
            raise ConflictError(f"Une modification de cette fiche est déjà en cours (demande n° {existing.id}) : "
                                "reprenez-la plutôt que d'en commencer une autre.")
        base = record_to_data(live, section) if live is not None else None
        _require(can_contribute(session, user, section, data)
                 and (base is None or can_contribute(session, user, section, base)))
        if base_version is not None and base_version != (live.version if live is not None else 0):
            if base is None:
                raise ConflictError("La fiche que vous modifiiez n'existe plus.")
            data = _merge_or_conflict(seen_version(), data, base)  # published meanwhile
        revision = Revision(section=section, record_id=record_id, action="update" if live is not None else "create",
                            status="draft", base_version=live.version if live is not None else None,
                            base_data=normalized(base) if base is not None else None,
                            author_id=user.id if user else None, batch=batch, data={})
    else:
        _require(can_edit(session, user, revision), "Cette demande ne peut plus être modifiée par vous.")
        if revision.section != section or revision.record_id != record_id:
            raise ContributionError("La fiche ne correspond pas à cette demande.")
        if lock_version is None:
            raise ContributionError("La version de la demande sur laquelle la modification est faite manque.")
        if int(lock_version) != revision.lock_version:
            # Saved by someone else since: from the live version the form showed if it had no draft yet.
            shown = seen_version() if int(lock_version) == 0 or seen is not None else None
            data = _merge_or_conflict(shown, data, revision.data)
        _require(can_contribute(session, user, section, data))
    owner = owner_of(section, data)
    if revision.structure_id and revision.structure_id != owner:
        raise ContributionError("Une fiche ne peut pas changer de structure.")
    issues = validate_data(session, section, data, extra_sites=pending_sites(session, owner))
    if not issues and section == "offers" and user is not None and user.is_partner:
        # A partner may not attach another structure's site (it would show its offer at someone else's address).
        issues = foreign_sites(session, data, allowed=(revision.base_data or {}).get("site_ids") or [],
                               extra_sites=pending_sites(session, owner))
    if issues:
        raise ValidationFailed(issues)
    revision.structure_id = owner
    revision.data = normalized(data)
    revision.updated_at = utcnow()
    if note is not None:
        revision.note = note.strip() or None
    if submit:
        revision.status = "submitted"
        revision.submitted_at = utcnow()
    session.add(revision)
    session.flush()
    return revision


def submit(session: Session, user: User | None, rev: Revision) -> None:
    _require(can_edit(session, user, rev))
    if rev.status != "draft":
        raise ContributionError("Seul un brouillon peut être soumis.")
    rev.status, rev.submitted_at, rev.updated_at = "submitted", utcnow(), utcnow()
    session.flush()


def withdraw(session: Session, user: User | None, rev: Revision) -> None:
    """Back to draft, to change it again (the author's structure, or a moderator)."""
    _require(can_view(session, user, rev))
    if rev.status != "submitted":
        raise ContributionError("Seule une demande en attente peut être retirée.")
    rev.status, rev.updated_at = "draft", utcnow()
    session.flush()


def merge(base: dict, ours: dict, theirs: dict) -> tuple[dict, list[str]]:
    """Three-way merge of a proposal (``ours``) and the live record (``theirs``) from ``base``.

    Returns the merged record and the fields changed on both sides to different values.
    """
    base, ours, theirs = normalized(base), normalized(ours), normalized(theirs)
    merged, conflicts = {}, []
    for name in list(dict.fromkeys(list(theirs) + list(ours))):
        b, o, t = base.get(name), ours.get(name), theirs.get(name)
        if name == "site_ids":
            b, o, t = sorted(b or []), sorted(o or []), sorted(t or [])
        if name in BOOKKEEPING_FIELDS:
            merged[name] = max((v for v in (o, t) if v), default=None)
        elif o == b or o == t:
            merged[name] = t
        elif t == b:
            merged[name] = o
        else:
            merged[name] = o
            conflicts.append(name)
    return merged, conflicts


def _merge_or_conflict(seen: dict | None, ours: dict, theirs: dict) -> dict:
    """``ours`` (a form opened on ``seen``) merged with ``theirs`` (saved since); FieldConflict if both changed a field.

    ``seen`` None (unknown): every field ``ours`` and ``theirs`` differ on is a conflict.
    """
    merged, conflicts = merge(seen or {}, ours, theirs)
    if conflicts:
        theirs_n, ours_n = normalized(theirs), normalized(ours)
        raise FieldConflict([(name, theirs_n.get(name), ours_n.get(name)) for name in conflicts], merged)
    return merged


def _check_dependencies(session: Session, rev: Revision) -> None:
    if rev.section != "offers":
        return
    for sid in rev.data.get("site_ids") or []:
        if session.get(Site, sid) is None:
            pending = open_revision(session, "sites", sid)
            if pending is not None:
                raise ContributionError(f"Le lieu « {pending.nom} » de cette offre n'est pas encore publié : "
                                        f"publiez d'abord la demande n° {pending.id}.")


def publish(session: Session, user: User | None, rev: Revision, *, today: dt.date | None = None) -> ChangeLog | None:
    """Apply a revision to the live tables (moderators of its territory, administrators); the caller commits.

    ``user`` None is the command line (administrator).

    Raises:
        ConflictError: the record changed on the same fields since the proposal started
            (see :func:`rebase`), or a record with this id was created meanwhile.
    """
    if user is not None:
        _require(can_moderate_revision(session, user, rev),
                 "Seuls les modérateurs de ce territoire peuvent publier cette demande "
                 "(si elle déplace la fiche : ceux de l'ancien et du nouveau territoire).")
    if not rev.is_open:
        raise ContributionError("Cette demande a déjà été traitée.")
    today = today or dt.date.today()
    live = live_object(session, rev.section, rev.record_id)
    data = dict(rev.data)
    expected = rev.base_version
    if rev.action == "create":
        if live is not None:
            raise ConflictError(f"Une fiche « {live.nom} » avec l'identifiant {rev.record_id} a été publiée entre-temps.")
    else:
        if live is None:
            raise ConflictError("La fiche modifiée n'existe plus.")
        if live.version != rev.base_version:
            current = record_to_data(live, rev.section)
            data, conflicts = merge(rev.base_data or {}, rev.data, current)
            if conflicts:
                details = "; ".join(
                    f"{name} : publié entre-temps « {display_value(name, normalized(current).get(name))} », "
                    f"proposé « {display_value(name, rev.data.get(name))} »" for name in conflicts)
                raise ConflictError(f"La fiche a été modifiée depuis le début de cette demande, sur les mêmes champs "
                                    f"({details}). Rien n'a été écrasé : « Reprendre sur la version actuelle » "
                                    f"permet de revoir la demande avant de la publier.")
            expected = live.version
    _check_dependencies(session, rev)
    data["date_maj"] = today.isoformat()
    entry = apply_live(session, rev.section, data, user=user, action=rev.action, revision=rev,
                       known_communes=known_communes(session), expected_version=expected)
    rev.status, rev.decided_at, rev.decided_by_id = "published", utcnow(), user.id if user else None
    rev.updated_at = utcnow()
    session.flush()
    return entry


def reject(session: Session, user: User | None, rev: Revision, reason: str) -> None:
    if user is not None:
        _require(not user.is_partner and can_moderate(session, user, revision_communes(session, rev)),
                 "Seuls les modérateurs de ce territoire peuvent refuser cette demande.")
    if not rev.is_open:
        raise ContributionError("Cette demande a déjà été traitée.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([("reason", "Indiquez la raison du refus : le partenaire la verra.")])
    rev.status, rev.reason = "rejected", reason
    rev.decided_at, rev.decided_by_id, rev.updated_at = utcnow(), user.id if user else None, utcnow()
    session.flush()


def rebase(session: Session, user: User | None, rev: Revision) -> list[str]:
    """Move a conflicting proposal onto the current live version; return the fields changed on both sides.

    The proposal keeps its value for those fields: the moderator reviews them
    (the revision page shows each against the published value) before publishing.
    """
    _require(user is None or can_moderate_revision(session, user, rev))
    live = live_object(session, rev.section, rev.record_id)
    if live is None or rev.action != "update" or not rev.is_open:
        raise ContributionError("Cette demande ne peut pas être reprise.")
    current = record_to_data(live, rev.section)
    merged, conflicts = merge(rev.base_data or {}, rev.data, current)
    rev.data, rev.base_data, rev.base_version = merged, normalized(current), live.version
    rev.updated_at = utcnow()
    session.flush()
    return conflicts


def changes_of(session: Session, rev: Revision) -> dict[str, list]:
    """What publishing would change: ``{field: [live value, proposed value]}``."""
    live = live_object(session, rev.section, rev.record_id)
    before = record_to_data(live, rev.section) if live is not None else None
    changes = diff(before, rev.data)
    changes.pop("date_maj", None)
    return changes


def is_stale(session: Session, rev: Revision) -> bool:
    """The live record changed since the proposal started (publication will merge or conflict)."""
    if rev.action != "update" or not rev.is_open:
        return False
    live = live_object(session, rev.section, rev.record_id)
    return live is not None and live.version != rev.base_version


def visible_revisions(session: Session, user: User, statuses: Iterable[str] = OPEN_STATUSES) -> list[Revision]:
    """Revisions ``user`` may see, newest first: their structures' (partners), their territory's (moderators)."""
    query = select(Revision).where(Revision.status.in_(list(statuses))).order_by(Revision.updated_at.desc(), Revision.id.desc())
    if user.is_partner:
        ids = structure_ids(user)
        if not ids:
            return []
        return list(session.scalars(query.where(Revision.structure_id.in_(sorted(ids)))))
    if moderated_communes(session, user) is None:
        return list(session.scalars(query))
    return [r for r in session.scalars(query) if can_view(session, user, r)]


"""Who may see, edit, propose and moderate what in the moderation queue.

Partners reach their own structures' records and revisions; moderators those
of their territory (a revision that moves its record needs a moderator of both
places); département-wide moderators and administrators everything. Where a
record is comes from :func:`mapapp.catalog.moderation_records.record_communes`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from mapapp.catalog.history import live_object, record_to_data
from mapapp.catalog.models_users import Revision, User
from mapapp.catalog.moderation_records import owner_of, pending_sites, record_communes
from mapapp.catalog.users import can_moderate, is_member, moderated_communes


def revision_communes(session: Session, rev: Revision) -> set[str]:
    codes = record_communes(session, rev.section, rev.data, pending_sites(session, rev.structure_id))
    if rev.base_data:
        codes |= record_communes(session, rev.section, rev.base_data)
    return codes


def can_moderate_revision(session: Session, user: User | None, rev: Revision) -> bool:
    """May ``user`` (a moderator or an administrator) decide on or edit ``rev``?

    A revision that moves its record (its proposed communes differ from those
    of the record it started from, or of the live record) needs a moderator of
    both sides: the moderator of the old place and of the new one (a
    moderator of A alone may not pull a record of B into A, nor push one of
    A into B). Département-wide moderators and administrators moderate
    everything.
    """
    if user is None or not user.is_active or user.is_partner:
        return False
    if moderated_communes(session, user) is None:
        return True
    new = record_communes(session, rev.section, rev.data, pending_sites(session, rev.structure_id))
    olds = []
    if rev.base_data:
        olds.append(record_communes(session, rev.section, rev.base_data))
    live = live_object(session, rev.section, rev.record_id)
    if live is not None:
        olds.append(record_communes(session, rev.section, record_to_data(live, rev.section)))
    moved = [old for old in olds if old and old != new]
    if moved:
        return all(can_moderate(session, user, codes) for codes in [new, *moved])
    return can_moderate(session, user, new.union(*olds))


def can_view(session: Session, user: User | None, rev: Revision) -> bool:
    if user is None or not user.is_active:
        return False
    if user.is_partner:
        return is_member(user, rev.structure_id)
    return can_moderate(session, user, revision_communes(session, rev))


def can_edit(session: Session, user: User | None, rev: Revision) -> bool:
    """Partners edit their structure's drafts; moderators in scope edit open revisions."""
    if user is None or not rev.is_open:
        return False
    if user.is_partner:
        return rev.status == "draft" and is_member(user, rev.structure_id)
    return can_moderate_revision(session, user, rev)


def can_contribute(session: Session, user: User | None, section: str, data: dict) -> bool:
    """May ``user`` propose this record? Partners: their structures only; moderators: their territory."""
    if user is None or not user.is_active:
        return False
    if user.is_partner:
        return is_member(user, owner_of(section, data))
    return can_moderate(session, user, record_communes(session, section, data, pending_sites(session, owner_of(section, data))))


def can_moderate_record(session: Session, user: User | None, section: str, data: dict) -> bool:
    return user is not None and not user.is_partner and can_moderate(session, user, record_communes(session, section, data))

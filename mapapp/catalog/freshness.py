"""Freshness: records nobody has confirmed for N months, « toujours valable », reminders.

A record is *stale* when its ``date_verification`` (a person confirmed it is
still true) is missing or older than ``months`` months (12 by default,
``MAPAPP_STALE_MONTHS`` in the environment). Closed records are never stale.

« Toujours valable » (:func:`mark_verified`) sets ``date_verification`` to today
on the live record **without moderation**: it changes no information the
public reads except the verification date, the partner may only confirm
records of its own structures, and the change is written to the history like
any other (action ``verify``), where moderators see it. A record with a
pending proposal can still be confirmed: publication merges the two (the
later verification date wins, see :func:`mapapp.catalog.moderation.merge`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mapapp.catalog.history import PermissionDenied, apply_live, record_to_data
from mapapp.catalog.load import SECTIONS
from mapapp.catalog.models_users import ChangeLog, User
from mapapp.catalog.moderation_permissions import can_moderate_record
from mapapp.catalog.moderation_records import record_communes
from mapapp.catalog.users import is_member, known_communes

DEFAULT_STALE_MONTHS = 12


def stale_months(environ: dict | None = None) -> int:
    env = os.environ if environ is None else environ
    try:
        months = int(env.get("MAPAPP_STALE_MONTHS") or DEFAULT_STALE_MONTHS)
    except ValueError:
        return DEFAULT_STALE_MONTHS
    return max(1, months)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (clamped to the month's last day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class StaleRecord:
    section: str
    record_id: str
    nom: str
    structure_id: str
    date_verification: dt.date | None
    date_maj: dt.date | None
    communes: frozenset[str]


def stale_records(
    session: Session,
    *,
    months: int = DEFAULT_STALE_MONTHS,
    today: dt.date | None = None,
    structure_ids: Iterable[str] | None = None,
    communes: set[str] | None = None,
) -> list[StaleRecord]:
    """Records not verified since ``months`` months, oldest first.

    Args:
        structure_ids: only these structures' records (a partner's list).
        communes: only records located in these communes (a territory's list); None: everywhere.
    """
    limit = months_before(today or dt.date.today(), months)
    wanted = set(structure_ids) if structure_ids is not None else None
    out: list[StaleRecord] = []
    for section, model in SECTIONS.items():
        query = select(model).where(or_(model.date_verification.is_(None), model.date_verification < limit))
        if section != "structures":
            query = query.where(model.status != "closed")
        if wanted is not None:
            owner = model.id if section == "structures" else model.structure_id
            query = query.where(owner.in_(sorted(wanted)))
        for obj in session.scalars(query):
            data = record_to_data(obj, section)
            where = frozenset(record_communes(session, section, data))
            if communes is not None and not (where & communes):
                continue
            out.append(StaleRecord(section, obj.id, obj.nom, obj.id if section == "structures" else obj.structure_id,
                                   obj.date_verification, obj.date_maj, where))
    out.sort(key=lambda r: (r.date_verification or dt.date.min, r.section, r.nom))
    return out


def can_verify(session: Session, user: User | None, section: str, data: dict) -> bool:
    owner = data["id"] if section == "structures" else data.get("structure_id")
    if user is None:
        return False
    if user.is_partner:
        return is_member(user, owner)
    return can_moderate_record(session, user, section, data)


def mark_verified(session: Session, user: User | None, section: str, record_id: str, *,
                  today: dt.date | None = None) -> ChangeLog | None:
    """« Toujours valable »: date_verification = today on the live record, recorded in the history.

    Raises:
        PermissionDenied: not one of the user's records (``user`` None is the command line).
        LookupError: no such live record.
    """
    model = SECTIONS.get(section)
    obj = session.get(model, record_id) if model is not None else None
    if obj is None:
        raise LookupError(record_id)
    data = record_to_data(obj, section)
    if user is not None and not can_verify(session, user, section, data):
        raise PermissionDenied("Vous ne pouvez confirmer que les fiches de votre structure.")
    today = today or dt.date.today()
    if obj.date_verification == today:
        return None
    # The whole record (a partial one would, for an offer, drop its sites).
    return apply_live(session, section, {**data, "date_verification": today.isoformat()},
                      user=user, action="verify", known_communes=known_communes(session))

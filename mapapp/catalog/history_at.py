"""The catalog as it was at a past moment, rebuilt from the change history (issue 16 §1).

Every change made through the contribution workflow is a
:class:`~mapapp.catalog.models_users.ChangeLog` row holding the whole record
after the change (:func:`mapapp.catalog.history.apply_live`). The state of a
record at a moment ``M`` is therefore:

- the snapshot of its last change made **before** ``M``;
- when all its changes come after ``M``: nothing if the first one created it
  (it did not exist yet), else the first change undone (its snapshot with each
  changed field put back to its old value: the record as loaded before any
  recorded change, :func:`mapapp.catalog.history.version_data`);
- a record with no recorded change at all is taken as it is now (loads that
  bypass the workflow, such as ``mapapp demo load``, leave no history).

Records are never deleted in mapapp (a closure is a status), so nothing else
is needed. :func:`catalog_state` gives the live catalog in the same layout
(:func:`mapapp.catalog.history.record_to_data`, normalised as JSON), so a state
taken live and one rebuilt for the same moment compare equal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.catalog.history import normalized, record_to_data
from mapapp.catalog.load import SECTIONS
from mapapp.catalog.models_users import ChangeLog

#: Sections in load order (offers need their structure and sites).
SECTION_ORDER = ("structures", "sites", "offers", "mobility_solutions")


def day_end(day: dt.date) -> dt.datetime:
    """The moment a date's state is taken at: the end of that day (UTC), every change of the day included."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)


def utc_now() -> dt.datetime:
    """Now in UTC without a time zone, like :attr:`ChangeLog.at`."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def catalog_state(session: Session) -> dict[str, list[dict]]:
    """The live catalog: ``{section: [record, ...]}`` sorted by id, in the history's layout."""
    out = {}
    for section in SECTION_ORDER:
        model = SECTIONS[section]
        out[section] = [normalized(record_to_data(obj, section))
                        for obj in session.scalars(select(model).order_by(model.id))]
    return out


def catalog_at(session: Session, moment: dt.datetime) -> dict[str, list[dict]]:
    """The catalog as it was just before ``moment`` (naive UTC), rebuilt from the change history."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    entries: dict[tuple[str, str], list[ChangeLog]] = defaultdict(list)
    for entry in session.scalars(select(ChangeLog).order_by(ChangeLog.at, ChangeLog.id)):
        entries[(entry.section, entry.record_id)].append(entry)
    live = catalog_state(session)
    out = {}
    for section in SECTION_ORDER:
        now = {r["id"]: r for r in live[section]}
        ids = set(now) | {rid for (sec, rid) in entries if sec == section}
        records = []
        for record_id in sorted(ids):
            state = _state_at(entries.get((section, record_id), []), now.get(record_id), moment)
            if state is not None:
                records.append(state)
        out[section] = records
    return out


def _state_at(entries: list[ChangeLog], live: dict | None, moment: dt.datetime) -> dict | None:
    if not entries:
        return live
    before = [e for e in entries if e.at < moment]
    if before:
        return normalized(before[-1].snapshot)
    first = entries[0]
    if first.action == "create":
        return None
    return normalized({**first.snapshot, **{name: old for name, (old, _new) in first.changes.items()}})


def catalog_counts(state: dict[str, list[dict]]) -> dict[str, int]:
    """Records per section (what a snapshot's listing shows)."""
    return {section: len(records) for section, records in state.items()}

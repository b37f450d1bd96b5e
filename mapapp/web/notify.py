"""The moderation mails of the web pages, sent after the response (:mod:`mapapp.web.mail_queue`).

Views call these right after their commit; the job opens its own session, reads
the revision as committed and sends (:mod:`mapapp.catalog.notifications`). SMTP
can take seconds: the moderator's or partner's page does not wait for it, and a
failed send is logged, never shown as a failed publication.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from mapapp.catalog import notifications
from mapapp.web.mail_queue import mail_queue


def _run(send, *args) -> None:
    from mapapp.catalog.db import transaction

    with transaction(current_app.extensions["mapapp.sessionmaker"]) as db:
        send(db, current_app.config["MAPAPP_SETTINGS"], *args)


def _decision(rev_id: int, decided_by: int | None) -> None:
    _run(lambda db, settings: notifications.notify_decision(db, settings, rev_id, decided_by=decided_by))


def _submitted(rev_ids: list[int]) -> None:
    _run(notifications.notify_submitted, rev_ids)


def _batch(batch: str) -> None:
    from mapapp.catalog.models_users import Revision

    def send(db, settings):
        ids = db.scalars(select(Revision.id).where(Revision.batch == batch, Revision.status == "submitted")
                         .order_by(Revision.id)).all()
        notifications.notify_submitted(db, settings, ids)

    _run(send)


def decision(rev_id: int, decided_by: int | None) -> None:
    """Tell the partners their revision was published or rejected."""
    mail_queue(current_app).submit(_decision, rev_id, decided_by)


def submitted(*rev_ids: int) -> None:
    """Tell the territory's moderators that revisions wait for them."""
    mail_queue(current_app).submit(_submitted, list(rev_ids))


def submitted_batch(batch: str) -> None:
    """The same for every revision an import submitted (one mail per moderator)."""
    mail_queue(current_app).submit(_batch, batch)

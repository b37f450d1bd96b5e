"""The Département's identity (name, logo, colours) and the reminders already sent (issue 18 §2, §5).

- :class:`SiteIdentity`: one row (``id`` 1) an administrator edits at
  ``/admin/identite`` (:mod:`mapapp.web.admin_identity`) or with
  ``mapapp identity set``; no row means the defaults of
  :mod:`mapapp.identity` (``MAPAPP_ORG_NAME``, no logo, neutral colours).
  The logo is stored in the database (checked PNG or SVG bytes), so every
  worker serves the same file and a backup of the database keeps it.
- :class:`ReminderSent`: one row per structure and mail sent by
  ``mapapp freshness remind``, so that a run within the interval does not
  mail the same structure again (:mod:`mapapp.catalog.notifications`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from mapapp.catalog.models import Base
from mapapp.catalog.models_users import utcnow


class SiteIdentity(Base):
    __tablename__ = "site_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: « Département de la Drôme »: shown in the header, the footer, the reports' cover and the mails' signature.
    name: Mapped[str] = mapped_column(String(200))
    #: ``#rrggbb``, each with at least 4.5:1 contrast under white text (checked by :func:`mapapp.identity.check`).
    primary: Mapped[str] = mapped_column(String(7))
    secondary: Mapped[str] = mapped_column(String(7))
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: ``image/png`` or ``image/svg+xml``.
    logo_mime: Mapped[str | None] = mapped_column(String(30), nullable=True)
    logo_alt: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class ReminderSent(Base):
    """A reminder mailed about one structure's records (``kind`` ``freshness``), to ``email``."""

    __tablename__ = "reminder_sent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    structure_id: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    email: Mapped[str] = mapped_column(String(200))
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    #: The ids of the records the mail listed.
    records: Mapped[list] = mapped_column(JSON, default=list)

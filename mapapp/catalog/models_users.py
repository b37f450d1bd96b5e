"""Contribution tables: accounts and roles, the moderation queue, the change history.

Design (see ``docs/contribution.md``):

- :class:`UserSession`: the server side of each login (revocable sessions).
- :class:`User` has one role: ``admin``, ``moderator``, ``partner`` or
  ``professional`` (reads the professional-only fields, edits nothing: see
  :mod:`mapapp.catalog.professional`). A
  partner is attached to structures (:data:`user_structure`); a moderator to
  territories, i.e. grid units named by ``(grid, code)`` (:class:`UserTerritory`,
  names rather than ids so that reloading the territory keeps the scopes), or
  to the whole département (``moderates_all``). The public needs no account.
- :class:`Revision` holds a *proposed* record, in the catalog JSON layout of
  :mod:`mapapp.catalog.load`, with its life cycle ``draft → submitted →
  published | rejected``. Live tables (``structure``, ``site``, ``offer``,
  ``mobility_solution``) only ever contain published data, so public pages,
  :mod:`mapapp.catalog.query` and ``mapapp compute`` read them unchanged. A new
  record proposed by a partner exists only as a revision until published.
- :class:`ChangeLog` records every change applied to a live record: who, when,
  which fields with old and new values, and the full record after the change
  (so any earlier version can be restored).
- Optimistic locking: live records carry ``version`` (``version_id_col``, see
  :class:`mapapp.catalog.models.Record`); a revision remembers the version it
  was based on (``base_version``) and publishing it onto a newer version is a
  conflict. Revisions have their own ``lock_version`` so two people editing the
  same draft cannot overwrite each other either.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mapapp.catalog.models import Base, Structure

ROLES = {
    "admin": "Administrateur",
    "moderator": "Modérateur",
    "partner": "Partenaire",
    "professional": "Professionnel",
}

REVISION_STATUSES = {
    "draft": "Brouillon",
    "submitted": "En attente de modération",
    "published": "Publiée",
    "rejected": "Refusée",
}
#: Revisions still being worked on: at most one per record.
OPEN_STATUSES = ("draft", "submitted")

CHANGE_ACTIONS = {
    "create": "Création",
    "update": "Modification",
    "verify": "Confirmée « toujours valable »",
    "restore": "Restauration d'une version antérieure",
}


def utcnow() -> dt.datetime:
    """Naive UTC now (the database stores naive UTC datetimes)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


user_structure = Table(
    "user_structure",
    Base.metadata,
    Column("user_id", ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("structure_id", ForeignKey("structure.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Login name, stored lower-case.
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    #: werkzeug.security hash (scrypt); None until an invited user chooses a password.
    password_hash: Mapped[str | None] = mapped_column(String(300), nullable=True)
    role: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Moderator of the whole département (otherwise of the territories in :attr:`territories`).
    moderates_all: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    structures: Mapped[list[Structure]] = relationship(secondary=user_structure, order_by=Structure.nom)
    territories: Mapped[list[UserTerritory]] = relationship(cascade="all, delete-orphan",
                                                            order_by="UserTerritory.grid, UserTerritory.code")

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_moderator(self) -> bool:
        return self.role == "moderator"

    @property
    def is_partner(self) -> bool:
        return self.role == "partner"

    @property
    def is_professional(self) -> bool:
        return self.role == "professional"


class UserTerritory(Base):
    """A territory a moderator is responsible for: a grid unit named by (grid, code)."""

    __tablename__ = "user_territory"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    grid: Mapped[str] = mapped_column(String(50), primary_key=True)
    code: Mapped[str] = mapped_column(String(50), primary_key=True)


class AuthToken(Base):
    """A one-time link (password reset or invitation): only its SHA-256 is stored."""

    __tablename__ = "auth_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    user: Mapped[User] = relationship()


class UserSession(Base):
    """One open login: the session cookie holds a random id of which only the SHA-256 is stored here.

    Checked on every request, so a session ends on the server: at logout (its row is
    deleted), at a password change or reset (all the account's rows), at expiry; a copied
    cookie then opens nothing.
    """

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)

    user: Mapped[User] = relationship()


class LoginCounter(Base):
    """Attempts per (IP, login name) in the current window, for rate limiting; in the database so every worker sees them.

    One row per key, incremented by a single ``UPDATE … RETURNING`` (see
    :func:`mapapp.catalog.users.authenticate`): parallel attempts cannot read the same count.
    Password-reset requests are counted here too, under the login name ``reset-request``.
    """

    __tablename__ = "login_counter"

    ip: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: When the window of :data:`mapapp.catalog.users.FAILURE_WINDOW` began (the first attempt of the series).
    window_start: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class Revision(Base):
    """A proposed version of a catalog record, waiting for (or after) moderation."""

    __tablename__ = "revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Catalog section: structures, sites, offers, mobility_solutions.
    section: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[str] = mapped_column(String(200), index=True)
    #: The structure owning the record (the record itself for a structure): who may see and edit it.
    structure_id: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), index=True, default="draft")
    #: The proposed record (catalog JSON layout, dates as ISO strings).
    data: Mapped[dict] = mapped_column(JSON)
    #: Version of the live record this proposal started from (None for a creation).
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The live record as it was then: what the proposal changed, and what changed since.
    base_data: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True)
    #: Why it was rejected (shown to the partner).
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The partner's note to the moderator.
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Revisions created by one import share a batch id.
    batch: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def nom(self) -> str:
        return str(self.data.get("nom") or self.record_id)


class ChangeLog(Base):
    """One change applied to a live record."""

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[str] = mapped_column(String(200), index=True)
    #: The record's ``version`` after the change.
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True)
    #: Who, as text (kept if the account is deleted; "ligne de commande" for the CLI).
    user_label: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(20))
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revision.id", ondelete="SET NULL"), nullable=True)
    #: ``{field: [old, new]}``.
    changes: Mapped[dict] = mapped_column(JSON)
    #: The whole record after the change (catalog JSON layout).
    snapshot: Mapped[dict] = mapped_column(JSON)

    user: Mapped[User | None] = relationship()

"""Planners' scenarios: changes to the live catalog, stored apart from it (issue 14).

A :class:`Scenario` belongs to its author (a moderator or an administrator);
``shared`` makes it visible to every planner of the instance (moderators and
administrators), otherwise only its author (and administrators) see it.
Partners never see scenarios. Its :class:`ScenarioChange` rows are applied in
``position`` order by :func:`mapapp.access.scenario_changes.apply_changes`
(the ``kind`` values and their ``data`` fields are documented there); the
catalog tables are never written. ``revision`` is bumped at every change of
the scenario, so that a stored comparison names the scenario it was made for.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from mapapp.access.scenario_changes import KINDS
from mapapp.catalog import vocab
from mapapp.catalog.models import Base
from mapapp.catalog.models_users import User, utcnow


class Scenario(Base):
    __tablename__ = "scenario"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True,
                                                  index=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    #: Bumped at every change of the scenario (title, changes): part of a comparison's cache key.
    revision: Mapped[int] = mapped_column(Integer, default=1)

    author: Mapped[User | None] = relationship()
    changes: Mapped[list[ScenarioChange]] = relationship(back_populates="scenario", cascade="all, delete-orphan",
                                                         order_by="ScenarioChange.position")

    @validates("title")
    def _v_title(self, _key, value):
        value = (value or "").strip()
        if not value:
            raise vocab.RecordError("scenario.title", "manquant : donnez un titre au scénario")
        return value

    def touch(self) -> None:
        self.revision = (self.revision or 0) + 1
        self.updated_at = utcnow()


class ScenarioChange(Base):
    __tablename__ = "scenario_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenario.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    scenario: Mapped[Scenario] = relationship(back_populates="changes")

    @validates("kind")
    def _v_kind(self, _key, value):
        if value not in KINDS:
            raise vocab.RecordError("scenario_change.kind", f"inconnu : {value!r}")
        return value

    def as_change(self) -> dict:
        """The dict :func:`mapapp.access.scenario_changes.apply_changes` reads."""
        return {**(self.data or {}), "kind": self.kind}

"""The addresses of the Base Adresse Nationale (BAN) of the département, for « Trouver une offre ».

Stored as a plain table (same schema on SQLite and PostgreSQL, no FTS5 nor
``pg_trgm`` extension): the search itself runs on an index built in memory
from this table (:mod:`mapapp.territory.address_search`, cached per import in
:mod:`mapapp.web.addresses`). :class:`AddressImport` (one row) says which file was
imported when; its ``imported_at`` is the version of the table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mapapp.catalog.models import Base


class Address(Base):
    __tablename__ = "address"

    #: The BAN identifier (``2A004_0420_00012``).
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    #: None for an address without number (a lieu-dit).
    numero: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rep: Mapped[str] = mapped_column(String(20), default="")
    nom_voie: Mapped[str] = mapped_column(String(300), default="")
    code_postal: Mapped[str] = mapped_column(String(5), default="")
    code_insee: Mapped[str] = mapped_column(String(5), index=True)
    nom_commune: Mapped[str] = mapped_column(String(200))
    nom_ld: Mapped[str] = mapped_column(String(300), default="")
    nom_ancienne_commune: Mapped[str] = mapped_column(String(200), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class AddressImport(Base):
    """The last address import (one row)."""

    __tablename__ = "address_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(1000))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    count: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer, default=0)

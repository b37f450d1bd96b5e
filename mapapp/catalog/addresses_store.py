"""Storing the BAN addresses read by :mod:`mapapp.territory.addresses`, and reading them back for the search."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from mapapp.catalog.models_addresses import Address as AddressRow
from mapapp.catalog.models_addresses import AddressImport
from mapapp.territory.addresses import Address, AddressFile

#: Rows per INSERT (bounded statements on PostgreSQL and SQLite alike).
BATCH = 5_000
_FIELDS = ("id", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune", "nom_ld",
           "nom_ancienne_commune", "lon", "lat")


def store_addresses(session: Session, found: AddressFile, source: str) -> int:
    """Replace every stored address by ``found`` (in the caller's transaction: all or nothing).

    Returns the number of addresses stored.
    """
    session.execute(delete(AddressRow))
    session.execute(delete(AddressImport))
    rows = [{f: getattr(a, f) for f in _FIELDS} for a in found.addresses]
    for start in range(0, len(rows), BATCH):
        session.execute(insert(AddressRow), rows[start:start + BATCH])
    session.add(AddressImport(id=1, source=source, imported_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
                              count=len(rows), skipped=found.skipped_total))
    session.flush()
    return len(rows)


def address_version(session: Session) -> tuple | None:
    """What identifies the stored addresses (import date and count), or None when none were imported."""
    row = session.execute(select(AddressImport.imported_at, AddressImport.count)  # not the ORM: every page asks
                          .where(AddressImport.id == 1)).first()
    return None if row is None else (row.imported_at.isoformat(), row.count)


def read_addresses(session: Session) -> list[Address]:
    """The stored addresses in identifier order (sorted in Python: the same on every database's collation)."""
    columns = [getattr(AddressRow, f) for f in _FIELDS]
    return sorted((Address(*r) for r in session.execute(select(*columns))), key=lambda a: a.id)

"""Store and read need counts (:class:`NeedSeries`) and reference values (:class:`ReferenceValue`).

Storing a series replaces the one of the same indicator and year, in the
caller's transaction: a failed import changes nothing. Secret counts are
stored without their value (see :mod:`mapapp.territory.needs`).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.catalog.models import NeedCount, NeedSeries, ReferenceValue


def store_needs(session: Session, frame: pd.DataFrame, *, indicator: str, label: str, year: int,
                threshold: int, source: str = "") -> NeedSeries:
    """Replace the series ``(indicator, year)`` by ``frame`` (:data:`mapapp.territory.needs.NEED_COLUMNS`).

    An identical series (same counts, label, threshold and source) is left untouched.
    """
    old = session.scalar(select(NeedSeries).where(NeedSeries.indicator == indicator, NeedSeries.year == year))
    wanted = sorted((str(r.zone), None if isinstance(r.secret, str) else int(r.count),
                     r.secret if isinstance(r.secret, str) else None) for r in frame.itertuples(index=False))
    if old is not None:
        stored = sorted((c.zone, c.count, c.secret) for c in old.counts)
        if stored == wanted and (old.label, old.secrecy_threshold, old.source) == (label, threshold, source):
            return old  # the same import again changes nothing
        session.delete(old)
        session.flush()
    kinds = set(frame["zone_kind"])
    series = NeedSeries(indicator=indicator, label=label, year=year, zone_kind=kinds.pop() if kinds else "commune",
                        secrecy_threshold=threshold, source=source)
    for row in frame.itertuples(index=False):
        secret = row.secret if isinstance(row.secret, str) else None
        series.counts.append(NeedCount(zone=str(row.zone), secret=secret,
                                       count=None if secret else int(row.count)))
    session.add(series)
    session.flush()
    return series


def need_series(session: Session) -> list[NeedSeries]:
    """Every stored series, by indicator then year."""
    return list(session.scalars(select(NeedSeries).order_by(NeedSeries.indicator, NeedSeries.year)))


def read_need_counts(session: Session, indicator: str, year: int | None = None) -> tuple[NeedSeries, pd.DataFrame] | None:
    """The series of ``indicator`` (its latest year unless ``year``) and its counts ``zone, count, secret``."""
    query = select(NeedSeries).where(NeedSeries.indicator == indicator)
    query = query.where(NeedSeries.year == year) if year is not None else query.order_by(NeedSeries.year.desc())
    series = session.scalars(query).first()
    if series is None:
        return None
    rows = [(c.zone, float("nan") if c.count is None else float(c.count), c.secret) for c in series.counts]
    return series, pd.DataFrame(rows, columns=["zone", "count", "secret"])


def store_references(session: Session, frame: pd.DataFrame) -> int:
    """Upsert reference values by ``(indicator, zone, year)``; return how many rows were written."""
    existing = {(r.indicator, r.zone, r.year): r for r in session.scalars(select(ReferenceValue))}
    for row in frame.itertuples(index=False):
        values = dict(zone_label=row.zone_label, value=float(row.value), unit=row.unit, source=row.source)
        ref = existing.get((row.indicator, row.zone, int(row.year)))
        if ref is None:
            session.add(ReferenceValue(indicator=row.indicator, zone=row.zone, year=int(row.year), **values))
        else:
            for key, value in values.items():
                setattr(ref, key, value)
    session.flush()
    return len(frame)


def reference_values(session: Session, indicator: str) -> list[ReferenceValue]:
    """The reference values of ``indicator`` to show beside the territory's figure: the latest year of each zone,
    France first, then France métropolitaine, régions, départements."""
    rows = session.scalars(select(ReferenceValue).where(ReferenceValue.indicator == indicator)
                           .order_by(ReferenceValue.zone, ReferenceValue.year.desc())).all()
    latest: dict[str, ReferenceValue] = {}
    for ref in rows:
        latest.setdefault(ref.zone, ref)
    order = {"france": 0, "france_metro": 1}
    return sorted(latest.values(), key=lambda r: (order.get(r.zone, 2 if r.zone.startswith("region:") else 3), r.zone))


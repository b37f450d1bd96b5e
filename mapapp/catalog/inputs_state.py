"""Whether stored results still describe the catalog: a fingerprint of what the engine reads.

``mapapp compute`` records :func:`inputs_fingerprint` of the tables it read
(:func:`mapapp.catalog.frames.engine_inputs`) and of the territory's method
settings in each mode's manifest. Pages and reports compare it with
:func:`current_fingerprint`: when they differ, a publication, an import, a
territory re-import or a method change happened since, and the figures on
screen are not those the catalog would now give (issue 11: « résultats calculés
avant les dernières publications »). An edit that the engine does not read (a
description, a phone number) leaves the fingerprint, and so the results, valid.

Reading the engine's tables takes a few hundred milliseconds; pages cannot
pay that on every request, so the fingerprint is cached per database under
:func:`change_mark`, a handful of aggregates (row counts, sums of the records'
optimistic-lock versions, population sums) that any such change moves.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mapapp.catalog.frames import EngineInputs, engine_inputs
from mapapp.catalog.models import (AccessSettingsVersion, Commune, GridUnit, MobilitySolution, Offer,
                                   PopulationPoint, Site, Structure, Territory, grid_member, offer_site)

_FRAMES = ("points", "communes", "sites", "offers", "grids")


def inputs_fingerprint(inputs: EngineInputs, method: dict | None, settings_digest: str = "") -> str:
    """SHA-256 of the engine's input tables (row order and column order ignored), of ``method`` and of the
    accessibility settings' digest (:meth:`mapapp.access.settings.AccessSettings.digest`)."""
    digest = hashlib.sha256(json.dumps(method or {}, sort_keys=True, default=str).encode("utf-8"))
    if settings_digest:
        digest.update(b"settings:" + settings_digest.encode())
    for name in _FRAMES:
        frame = getattr(inputs, name)
        frame = frame[sorted(frame.columns)]
        frame = frame.apply(lambda col: col.map(_text) if col.dtype == object else col.astype(str))
        rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
        digest.update(f"{name}:{','.join(frame.columns)}:{len(frame)}".encode())
        digest.update(pd.Series(rows).sort_values().to_numpy().tobytes())
    return digest.hexdigest()


def _text(value) -> str:
    """A cell as text: bytes (the squares' WKB) in hex, lists and the rest by ``str``."""
    return value.hex() if isinstance(value, (bytes, bytearray, memoryview)) else str(value)


def _change_aggregates():
    """The aggregates of :func:`change_mark` as one statement of scalar subqueries (one round trip:
    it runs on every page request, where a dozen separate queries cost more than the page)."""
    columns = []
    for model in (Structure, Site, Offer, MobilitySolution):
        columns += [select(func.count()).select_from(model), select(func.coalesce(func.sum(model.version), 0)),
                    select(func.max(model.date_maj)), select(func.max(model.id))]
    for column in (Commune.population, PopulationPoint.population):
        columns += [select(func.count()).select_from(column.class_), select(func.coalesce(func.sum(column), 0))]
    columns += [select(func.count()).select_from(GridUnit), select(Territory.updated_at).limit(1),
                select(Territory.method).limit(1), select(func.max(AccessSettingsVersion.id))]
    return select(*(c.scalar_subquery() for c in columns))


@functools.lru_cache(maxsize=8)
def _change_sql(dialect) -> tuple[str, ...]:
    """The SQL of :func:`change_mark`, compiled once per dialect (SQLAlchemy's per-execution cache-key work on
    thirty subqueries costs more than running them)."""
    links = [select(*table.c).order_by(*table.c) for table in (offer_site, grid_member)]
    return tuple(str(q.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
                 for q in (_change_aggregates(), *links))


#: Key of (stamp, mark) in the pooled SQLite connection's ``info`` (lives as long as the DBAPI connection).
_MARK_INFO = "mapapp_change_mark"


def _sqlite_stamp(connection) -> tuple | None:
    """What moves whenever the SQLite database may have changed, as seen by this connection: ``PRAGMA
    data_version`` (moves when *another* connection commits) and the connection's own ``total_changes``
    (its own writes, committed or not). None for other databases."""
    if connection.dialect.name != "sqlite":
        return None
    raw = connection.connection.driver_connection
    return connection.exec_driver_sql("PRAGMA data_version").scalar(), raw.total_changes


def change_mark(session: Session) -> tuple:
    """Cheap aggregates that move whenever a record or the territory changes (every update bumps ``version``).

    Also the catalog part of the cache key of generated outputs (:func:`mapapp.web.jobs.output_key`).
    Values come raw from the driver (dates as the database stores them): only their changes matter.
    On SQLite the mark is kept per connection under :func:`_sqlite_stamp` and read again only when the
    database changed (it is asked on every page request); it is stored only if the stamp did not move
    while it was read.
    """
    connection = session.connection()
    stamp = _sqlite_stamp(connection)
    if stamp is None:
        return _read_change_mark(connection)
    info = connection.connection.info  # one DBAPI connection serves one thread at a time: no lock needed
    known = info.get(_MARK_INFO)
    if known is not None and known[0] == stamp:
        return known[1]
    mark = _read_change_mark(connection)
    if _sqlite_stamp(connection) == stamp:
        info[_MARK_INFO] = (stamp, mark)
    return mark


def _read_change_mark(connection) -> tuple:
    aggregates, *links = _change_sql(connection.dialect)
    mark = [str(v) if v is not None else None for v in connection.exec_driver_sql(aggregates).one()]
    for sql in links:  # links move no record's version: hash the (small) tables themselves
        rows = [tuple(r) for r in connection.exec_driver_sql(sql).fetchall()]  # Row.__repr__ is ~10× slower
        mark.append(hashlib.sha256(repr(rows).encode()).hexdigest())
    return tuple(mark)


def settings_digest(session: Session) -> str:
    """The digest of the current accessibility settings; ``"illisible"`` when the stored version no longer
    reads (the results then show as stale, and ``mapapp compute`` says why)."""
    from mapapp.catalog.settings_store import StoredSettingsError, current_settings

    try:
        return current_settings(session).digest()
    except StoredSettingsError:
        return "illisible"


_CACHE: dict[str, tuple[tuple, str]] = {}
_LOCK = threading.Lock()


def current_fingerprint(session: Session) -> str:
    """:func:`inputs_fingerprint` of the catalog now, recomputed only when :func:`change_mark` moved."""
    key = str(session.get_bind().url)
    mark = change_mark(session)
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is not None and cached[0] == mark:
        return cached[1]
    method = session.scalar(select(Territory.method))
    fingerprint = inputs_fingerprint(engine_inputs(session), method, settings_digest(session))
    with _LOCK:
        _CACHE[key] = (mark, fingerprint)
    return fingerprint


#: Shown above results that no longer describe the catalog (pages and reports).
STALE_MESSAGE = ("Résultats calculés avant les dernières modifications du catalogue ou du territoire "
                 "(publications, imports, réglages de méthode ou d'accessibilité) : les chiffres ne les prennent pas encore "
                 "en compte. Relancez le calcul (« mapapp compute »).")
UNKNOWN_MESSAGE = ("Résultats calculés par une version de mapapp qui n'enregistrait pas l'état du catalogue : "
                   "impossible de dire s'ils sont à jour. Relancez le calcul (« mapapp compute »).")


def stale_message(session: Session, manifests) -> str | None:
    """The French warning for results whose recorded fingerprint is not the catalog's now (``None``: up to date).

    ``manifests``: the :class:`mapapp.results.ModeManifest` of every stored mode.
    """
    digests = {m.inputs_digest for m in manifests}
    if not digests:
        return None
    if "" in digests:
        return UNKNOWN_MESSAGE
    return None if digests == {current_fingerprint(session)} else STALE_MESSAGE

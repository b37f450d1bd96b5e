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


def change_mark(session: Session) -> tuple:
    """Cheap aggregates that move whenever a record or the territory changes (every update bumps ``version``).

    Also the catalog part of the cache key of generated outputs (:func:`mapapp.web.jobs.output_key`).
    """
    mark: list = []
    for model in (Structure, Site, Offer, MobilitySolution):
        mark.extend(session.execute(select(func.count(), func.coalesce(func.sum(model.version), 0),
                                           func.max(model.date_maj), func.max(model.id))).one())
    for model, column in ((Commune, Commune.population), (PopulationPoint, PopulationPoint.population)):
        mark.extend(session.execute(select(func.count(), func.coalesce(func.sum(column), 0))).one())
    mark.append(session.scalar(select(func.count()).select_from(GridUnit)))
    for table in (offer_site, grid_member):  # links move no record's version: hash the (small) tables themselves
        rows = session.execute(select(*table.c).order_by(*table.c)).all()
        mark.append(hashlib.sha256(repr(rows).encode()).hexdigest())
    mark.append(session.scalar(select(Territory.updated_at)))
    mark.append(json.dumps(session.scalar(select(Territory.method)), sort_keys=True, default=str))
    mark.append(session.scalar(select(func.max(AccessSettingsVersion.id))))
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

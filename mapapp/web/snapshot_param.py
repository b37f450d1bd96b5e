"""``?date=AAAA-MM-JJ``: pages, API answers and exports read a dated snapshot instead of the live results.

A snapshot (:mod:`mapapp.snapshots`) holds a results store laid out like the
live one, so the readers do not change: :func:`root_for` gives the store the
request asks for. A malformed or empty date is a 400, a date without a snapshot a 404,
both with a French message listing the dates there are (never the live
results instead: no silent fallback).
"""

from __future__ import annotations

from flask import current_app, request

from mapapp.results import ResultStore
from mapapp.snapshots import Snapshot, SnapshotError, get_snapshot, parse_day, snapshots_root
from mapapp.web import access_data as ad


def requested(args=None) -> Snapshot | None:
    """The snapshot of ``args["date"]`` (None without a date).

    Raises:
        ad.AccessError: a malformed date (400) or a date without a snapshot (404).
    """
    args = request.args if args is None else args
    text = args.get("date")
    if text is None:
        return None
    if not text.strip():
        raise ad.AccessError("« date » vide : une date AAAA-MM-JJ est attendue, ou pas de date pour la situation "
                             "actuelle", 400)
    try:
        day = parse_day(text)
    except SnapshotError as exc:
        raise ad.AccessError(str(exc), 400) from None
    try:
        return get_snapshot(snapshots_root(current_app.config["MAPAPP_SETTINGS"]), day)
    except SnapshotError as exc:
        raise ad.AccessError(str(exc), 404) from None


def live_store() -> ResultStore:
    """The live headline store, whatever the request asks."""
    return ResultStore(current_app.config["MAPAPP_SETTINGS"].data_dir / "results")


def root_for(args=None) -> ResultStore:
    """The headline store of the request: the snapshot's when ``date`` is given, else the live one."""
    snap = requested(args)
    return snap.store if snap is not None else live_store()


def situation() -> Snapshot | None:
    """The snapshot shown (« Situation au … »), None without a valid ``date`` (the page says the error)."""
    try:
        return requested()
    except ad.AccessError:
        return None


def date_param() -> dict:
    """``{"date": ...}`` to carry the date on links, or ``{}``."""
    snap = situation()
    return {"date": snap.key} if snap is not None else {}

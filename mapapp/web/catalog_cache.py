"""Catalog tables the web routes read, kept in the process per catalog version.

Building the engine's view of the catalog (:func:`mapapp.catalog.frames.catalog_tables`,
the communes' zones...) loads every site and offer through the ORM: tens of
milliseconds on the demo, most of ``/api/plus-proches``' time (issue 15 §2).
:func:`memo` computes such a value once per **catalog version** and shares it
between the process's requests.

The version is :func:`mapapp.catalog.inputs_state.change_mark` (a handful of
aggregates that move on every record or territory change: a publication, an
import, a moderation) with the database (URL and engine) and today's date (a site's status
follows its temporary closure dates). It is read once per request (kept in
``flask.g``), so a change committed by any process is seen on the next
request: never stale data. The values are shared: callers must not modify them.

The catalog API (``/api/sites``, ``/api/offers``...: :mod:`mapapp.web.api`,
answers that depend on the catalog and the URL only, never on the user) also
keeps whole answers under the same version (:func:`cached_response`,
:func:`store_response`), bounded in bytes; so does « Trouver une offre » for
anonymous visitors, with the results' and the addresses' versions in the key
(:mod:`mapapp.web.trouver_cache`).
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import OrderedDict

from flask import g
from sqlalchemy.orm import Session

from mapapp.web.lru import LruMemo

#: Derived values kept (per catalog version and key): catalog tables, per-theme destinations...
MEMO_SIZE = 256
_MEMO = LruMemo(MEMO_SIZE)
_LOCK = threading.Lock()


def catalog_version(session: Session) -> tuple:
    """The catalog's version for this request (read once per request).

    The database (URL, and a token per engine), its change mark and today's date.
    """
    from mapapp.catalog.inputs_state import change_mark

    cached = g.get("mapapp_catalog_version")
    if cached is None:
        bind = session.get_bind()
        token = getattr(bind, "_mapapp_cache_token", None)
        if token is None:  # one per engine: two in-memory databases share a URL, not their content
            token = bind._mapapp_cache_token = uuid.uuid4().hex
        cached = (str(bind.url), token, change_mark(session), dt.date.today().isoformat())
        g.mapapp_catalog_version = cached
    return cached


def forget_version() -> None:
    """Drop this request's catalog version (after it wrote to the catalog, before reading it again)."""
    g.pop("mapapp_catalog_version", None)


def memo(session: Session, key: tuple, compute):
    """``compute()`` once per catalog version and ``key`` (a small LRU shared by the process's requests)."""
    return _MEMO.get((catalog_version(session), key), compute)


def clear() -> None:
    """Forget every cached value and answer (tests)."""
    _MEMO.clear()
    with _LOCK:
        _RESPONSES.clear()
        _RESPONSES_SIZE[0] = 0


# --------------------------------------------------------------------------- what the pages read


def commune_names(session: Session) -> dict[str, str]:
    """:func:`mapapp.web.lookup.commune_names`, per catalog version."""
    from mapapp.web import lookup

    return memo(session, ("commune_names",), lambda: lookup.commune_names(session))


def grids(session: Session):
    """:func:`mapapp.catalog.territory_store.read_grids`, per catalog version (a shared DataFrame: read only)."""
    from mapapp.catalog.territory_store import read_grids

    return memo(session, ("grids",), lambda: read_grids(session))


def departement_bounds(session: Session):
    """:func:`mapapp.web.lookup.departement_bounds`, per catalog version."""
    from mapapp.web import lookup

    return memo(session, ("departement_bounds",), lambda: lookup.departement_bounds(session))


def grid_options(session: Session):
    """:func:`mapapp.web.lookup.grid_options`, per catalog version."""
    from mapapp.web import lookup

    return memo(session, ("grid_options",), lambda: lookup.grid_options(session))


def commune_shapes(session: Session, codes) -> dict:
    """:func:`mapapp.web.lookup.commune_shapes` of ``codes``, from every commune's shape parsed once per version."""
    from mapapp.web import lookup

    wanted = set(codes)
    if not wanted:
        return {}
    every = memo(session, ("commune_shapes",), lambda: lookup.commune_shapes(session, commune_names(session)))
    return {code: shape for code, shape in every.items() if code in wanted}


# --------------------------------------------------------------------------- whole API answers

#: Bodies of catalog API answers kept at most (bytes, all entries) and per answer.
RESPONSE_BYTES = 32 * 1024 * 1024
RESPONSE_MAX_BYTES = 4 * 1024 * 1024
_RESPONSES: OrderedDict = OrderedDict()
_RESPONSES_SIZE = [0]


def _response_key(session: Session, extra: tuple = ()) -> tuple:
    from flask import request

    return catalog_version(session), extra, request.url  # the URL has the host: answers carry external links


def cached_response(session: Session, extra: tuple = ()):
    """The stored answer to this GET under this catalog version (and ``extra``: what else the answer depends on,
    e.g. the results' version), or None (a ``before_request`` hook)."""
    from flask import Response, g, request

    if request.method != "GET":
        return None
    key = _response_key(session, extra)
    with _LOCK:
        hit = _RESPONSES.get(key)
        if hit is not None:
            _RESPONSES.move_to_end(key)
    if hit is None:
        return None
    body, mimetype, headers = hit
    g.mapapp_response_cached = True
    return Response(body, mimetype=mimetype, headers=headers)


def store_response(session: Session, response, extra: tuple = ()):
    """Keep a successful GET answer under this catalog version and ``extra`` (an ``after_request`` hook)."""
    from flask import g, request

    if (request.method != "GET" or response.status_code != 200 or response.is_streamed
            or g.get("mapapp_response_cached")):
        return response
    body = response.get_data()
    if len(body) > RESPONSE_MAX_BYTES:
        return response
    key = _response_key(session, extra)
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")]
    with _LOCK:
        old = _RESPONSES.pop(key, None)
        if old is not None:
            _RESPONSES_SIZE[0] -= len(old[0])
        _RESPONSES[key] = (body, response.mimetype, headers)
        _RESPONSES_SIZE[0] += len(body)
        while _RESPONSES_SIZE[0] > RESPONSE_BYTES and _RESPONSES:
            _, (dropped, _, _) = _RESPONSES.popitem(last=False)
            _RESPONSES_SIZE[0] -= len(dropped)
    return response

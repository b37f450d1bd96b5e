"""Whole answers of « Trouver une offre » for anonymous visitors, kept per catalog, results and addresses version.

The page routes nothing itself but reads the stored results, the catalog and the
BAN index: 30 to 120 ms of work per request on the demo, so that 20 social workers
at once on two cores waited seconds (``scripts/load_test.py --mix trouver``). The
same URL gives the same answer as long as the catalog (and today's date: « ouvert
aujourd'hui »), the computed results and the imported addresses are the same, so
the answer is kept under those versions (:func:`mapapp.web.catalog_cache.cached_response`,
bounded in bytes) and served again without being computed; an ``ETag`` lets a
browser revalidate it for nothing (304).

Only for anonymous visitors: a logged-in professional's page carries what the
public must not see (:mod:`mapapp.catalog.professional`) and is never stored. An
answer that touched the session (a CSRF token) is not stored either.
"""

from __future__ import annotations

from flask import Blueprint, g, request, session

from mapapp.catalog.addresses_store import address_version
from mapapp.results import VARIANTS_DIR
from mapapp.web import catalog_cache as cc
from mapapp.web import snapshot_param
from mapapp.web.auth import current_user
from mapapp.web.db import get_session


def _anonymous() -> bool:
    return current_user() is None and "sid" not in session


def results_version() -> tuple:
    """Every results pointer (headline and variants: ``<mode>.current`` files hold the version written last)."""
    root = snapshot_param.live_store().root  # live results: ``date`` here is « ouvert le »
    if not root.exists():
        return ()
    pointers = sorted([*root.glob("*.current"), *root.glob(f"{VARIANTS_DIR}/*/*.current")])
    return tuple((str(p.relative_to(root)), p.read_text(encoding="utf-8").strip()) for p in pointers)


def _extra() -> tuple:
    key = g.get("mapapp_trouver_extra")
    if key is None:
        key = g.mapapp_trouver_extra = ("trouver", results_version(), address_version(get_session()))
    return key


def cached_answer():
    """``before_request``: the stored answer to this anonymous GET, or None to compute it."""
    if request.method != "GET" or not _anonymous():
        return None
    return cc.cached_response(get_session(), _extra())


def store_answer(response):
    """``after_request``: keep a successful anonymous answer, and tag it for conditional requests."""
    if request.method != "GET" or response.status_code != 200 or not _anonymous() or session.modified:
        return response
    cc.store_response(get_session(), response, _extra())
    response.add_etag()
    return response.make_conditional(request)


def register(bp: Blueprint) -> None:
    bp.before_request(cached_answer)
    bp.after_request(store_answer)

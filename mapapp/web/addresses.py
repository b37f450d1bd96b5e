"""Offline address search in the web app: ``/api/adresses?q=`` and the geocoding of « Trouver une offre ».

The index (:class:`mapapp.territory.address_search.AddressIndex`) is built
once per process and per address import (:func:`mapapp.catalog.addresses_store.address_version`:
its date and count, read on each call, so an import by the command line is seen
on the next request); building it takes about a second for 200,000 addresses,
a search well under a millisecond (``scripts/bench_addresses.py``).
"""

from __future__ import annotations

import threading
import uuid

from flask import Blueprint, request

from mapapp.catalog.addresses_store import address_version, read_addresses
from mapapp.territory.address_search import AddressIndex, Suggestion
from mapapp.web.api import error_response, json_response, register_api
from mapapp.web.db import close_session, get_session

bp = Blueprint("api_addresses", __name__, url_prefix="/api")
bp.teardown_app_request(close_session)
register_api(bp)

#: Suggestions of /api/adresses (``n``): default and largest.
DEFAULT_SUGGESTIONS = 8
MAX_SUGGESTIONS = 20
#: Longest ``q`` accepted (a pasted address is far shorter).
MAX_QUERY = 200
NO_ADDRESSES = ("aucune adresse importée : importez le fichier de la Base Adresse Nationale du département "
                "(« mapapp territory adresses adresses-XX.csv.gz »)")

_INDEX: dict = {}
_LOCK = threading.Lock()


def address_index(session) -> AddressIndex | None:
    """The search index of the stored addresses (None when none were imported)."""
    version = address_version(session)
    if version is None:
        return None
    bind = session.get_bind()
    token = getattr(bind, "_mapapp_cache_token", None)
    if token is None:  # one per engine: two in-memory databases share a URL, not their content
        token = bind._mapapp_cache_token = uuid.uuid4().hex
    key = (str(bind.url), token, version)
    with _LOCK:
        hit = _INDEX.get(key)
        if hit is None:
            hit = AddressIndex(read_addresses(session))
            _INDEX.clear()  # one address set per process: keep the newest only
            _INDEX[key] = hit
    return hit


def suggestion_json(s: Suggestion) -> dict:
    return {"id": s.id, "kind": s.kind, "kind_label": s.kind_label, "label": s.label, "lon": s.lon, "lat": s.lat,
            "commune": s.code_insee, "nom_commune": s.nom_commune}


@bp.route("/adresses")
def adresses():
    """Addresses, streets, lieux-dits and communes of the département matching ``q`` (best first)."""
    if "q" not in request.args:
        return error_response("« q » manquant : le texte tapé (adresse, voie, lieu-dit ou commune)", 400)
    text = request.args["q"]
    if len(text) > MAX_QUERY or "\x00" in text:
        return error_response(f"« q » trop long ou invalide (au plus {MAX_QUERY} caractères)", 400)
    n_text = request.args.get("n")
    n = DEFAULT_SUGGESTIONS
    if n_text is not None:
        if not n_text.isascii() or not n_text.isdigit() or not 1 <= int(n_text) <= MAX_SUGGESTIONS:
            return error_response(f"« n » invalide : « {n_text} » (un entier de 1 à {MAX_SUGGESTIONS})", 400)
        n = int(n_text)
    index = address_index(get_session())
    if index is None:
        return error_response(NO_ADDRESSES, 404)
    return json_response({"q": text, "results": [suggestion_json(s) for s in index.search(text, n)]})

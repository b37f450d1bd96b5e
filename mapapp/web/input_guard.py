"""Refuse NUL characters in what a request carries, before any view or database sees them.

A NUL (``%00`` in a URL, ``\\u0000`` in JSON) is never legitimate in this
application's identifiers, searches or forms, and PostgreSQL refuses it in text
(a ``DataError``, hence a 500 on ``/api/communes/96%0001``), while SQLite stores
it. So every request is checked once, here, whatever the database:

- in a route value (a path segment): 404, the address names nothing;
- in the query string, a form field or a JSON body: 400, in French.
"""

from __future__ import annotations

from flask import Flask, abort, request

NUL = "\x00"
MESSAGE_PATH = "L'adresse contient un caractère nul (%00) : elle ne correspond à aucune page."
MESSAGE_VALUE = "La requête contient un caractère nul (octet 0), interdit dans une valeur."


def _has_nul(multidict) -> bool:
    return any(NUL in key or NUL in value for key, value in multidict.items(multi=True))


def refuse_nul() -> None:
    """``before_request``: abort with 404 (route values) or 400 (query, form, JSON) on a NUL character."""
    if any(NUL in str(value) for value in (request.view_args or {}).values()) or NUL in request.path:
        abort(404, description=MESSAGE_PATH)
    if _has_nul(request.args):
        abort(400, description=MESSAGE_VALUE)
    if request.method in ("POST", "PUT", "PATCH"):
        if request.is_json and b"\\u0000" in request.get_data(cache=True):
            abort(400, description=MESSAGE_VALUE)
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") and _has_nul(request.form):
            abort(400, description=MESSAGE_VALUE)


def register(app: Flask) -> None:
    """Check every request of ``app`` (first of its ``before_request`` functions)."""
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul)

"""What an edit form was opened on: the versions it carries back, and the record it showed (signed).

Every form that changes a record or a request carries the versions it was
opened on, as hidden fields: the revision's ``lock_version`` (0 when the record
had no open revision) and the live record's ``version`` (0 when it was not
published). Without them a save could not tell what changed meanwhile, and
would overwrite it silently, so they are required (400 in French).

The edit form also carries ``seen``, the record as it showed it, signed by the
server (:class:`itsdangerous.URLSafeSerializer`, Flask's own signing library,
with the application's secret key): a save after someone else's then merges
from exactly what the user saw (:func:`mapapp.catalog.moderation.save_draft`).
"""

from __future__ import annotations

from flask import abort, current_app, flash, request
from itsdangerous import BadSignature, URLSafeSerializer

from mapapp.catalog.history import normalized
from mapapp.catalog.models_users import Revision


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="mapapp.form-seen")


def form_version(name: str) -> int:
    """A version the posted form was opened on (hidden field ``name``); 400 in French if missing."""
    raw = (request.form.get(name) or "").strip()
    if not raw.isdigit():
        abort(400, description=f"Le formulaire ne dit pas sur quelle version de la fiche il a été ouvert "
                               f"(champ « {name} » manquant ou invalide) : rechargez la page et recommencez.")
    return int(raw)


def sign_seen(lock_version: int, version: int, shown: dict) -> str:
    """The hidden ``seen`` value of a form opened on these versions, showing ``shown``."""
    return _signer().dumps({"lock_version": lock_version, "version": version, "data": normalized(shown)})


def posted_seen(lock_version: int, version: int) -> tuple[dict | None, str]:
    """The record the posted form showed, and its raw field; (None, "") if absent, forged or of other versions."""
    raw = request.form.get("seen") or ""
    try:
        seen = _signer().loads(raw)
    except BadSignature:
        return None, ""
    if not isinstance(seen, dict) or (seen.get("lock_version"), seen.get("version")) != (lock_version, version):
        return None, ""
    return seen.get("data"), raw


def unchanged_since_opened(rev: Revision) -> bool:
    """The request is still as the page that posts showed it; else say so (flash) and return False."""
    if form_version("lock_version") == rev.lock_version:
        return True
    flash("Cette demande a été modifiée depuis que vous avez ouvert la page : rien n'a été fait. "
          "Relisez-la ci-dessous puis recommencez.")
    return False

"""The Département's identity on the site (issue 18 §2): its admin page, its logo, ``identity`` in every template.

- ``/admin/identite`` (administrators): name, colours (contrast-checked under
  white text), logo (PNG or SVG upload, its alternative text, or removal);
  errors are tied to their fields (``_errors.html``), nothing changes on error.
- ``/identite/logo``: the stored logo, with a sandboxing Content-Security-Policy
  (an SVG opened on its own runs nothing) and its version in the URL.
- ``identity`` in every template (:func:`_identity_context`): the header, the
  footer and the CSS custom properties (``--couleur-primaire``…) of ``base.html``.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy.exc import OperationalError, ProgrammingError

from mapapp import identity as ident
from mapapp.web.auth import current_user, login_required
from mapapp.web.db import get_session

log = logging.getLogger(__name__)
bp = Blueprint("admin_identite", __name__)
#: An SVG logo opened by itself: no script, no request, no form (the upload checks refuse those too).
LOGO_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"
FIELD_IDS = {"name": "id-nom", "primary": "id-primaire", "secondary": "id-secondaire", "logo": "id-logo",
             "logo_alt": "id-logo-alt"}


def _default_name() -> str:
    return current_app.config["MAPAPP_SETTINGS"].org_name


def site_identity() -> ident.Identity:
    """The identity for this request (read once per request)."""
    if "site_identity" not in g:
        try:
            g.site_identity = ident.current_identity(get_session(), _default_name())
        except (OperationalError, ProgrammingError):
            # Only while the database is not migrated: the 503 page says so, with the default identity.
            log.warning("site_identity table unreadable: default identity on this page")
            get_session().rollback()
            g.site_identity = ident.Identity(name=_default_name())
    return g.site_identity


@bp.app_context_processor
def _identity_context() -> dict:
    return {"identity": site_identity()}


@bp.route("/identite/logo")
def logo():
    found = ident.current_logo(get_session())
    if found is None:
        abort(404, description="Aucun logo n'est enregistré.")
    data, mime = found
    response = Response(data, mimetype=mime)
    response.headers["Content-Security-Policy"] = LOGO_CSP
    # The URL carries the version (?v=...): a new logo gets a new URL, so a long cache is safe.
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def _render(form: dict | None = None, problems: list[tuple[str, str]] | None = None, status: int = 200):
    current = site_identity()
    form = form or {"name": current.name, "primary": current.primary, "secondary": current.secondary,
                    "logo_alt": current.logo_alt}
    errors = {f: m for f, m in problems or []}
    summary = [(FIELD_IDS.get(f), ident.FIELD_LABELS.get(f, f), m) for f, m in problems or []]
    return render_template("admin/identite.html", form=form, errors=errors, summary=summary, current=current,
                           ids=FIELD_IDS, min_contrast=ident.MIN_CONTRAST,
                           max_kb=ident.MAX_LOGO_BYTES // 1024, max_px=ident.MAX_LOGO_PIXELS), status


@bp.route("/admin/identite", methods=["GET", "POST"])
@login_required("admin")
def page():
    if request.method == "GET":
        return _render()
    db = get_session()
    form = {k: request.form.get(k, "") for k in ("name", "primary", "secondary", "logo_alt")}
    upload = request.files.get("logo")
    data = upload.read() if upload is not None and upload.filename else None
    try:
        ident.save_identity(db, **form, logo=data, remove_logo=request.form.get("remove_logo") == "1",
                            author=current_user().label, default_name=_default_name())
        db.commit()
    except ident.IdentityError as exc:
        db.rollback()
        return _render(form, exc.problems, 422)
    g.pop("site_identity", None)
    flash("Identité enregistrée : l'en-tête, le pied de page, les rapports et les courriels la reprennent.")
    return redirect(url_for("admin_identite.page"))

"""Moderation (``/moderation``): the queue of a moderator's territory, publish / reject / rebase, restore, stale lists.

Moderators see the requests located in their territories (grid units) or in
the whole département; administrators see everything. The revision page
itself is :func:`mapapp.web.partenaires.revision` (the same page for the
partner and the moderator, with the moderator's buttons).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from mapapp.catalog.freshness import stale_months, stale_records
from mapapp.catalog.history import ConflictError, ContributionError, PermissionDenied, ValidationFailed, restore
from mapapp.catalog.models_users import REVISION_STATUSES, Revision
from mapapp.catalog.moderation import is_stale, publish, rebase, reject, visible_revisions
from mapapp.catalog.moderation_permissions import can_moderate_record
from mapapp.catalog.query import PlaceNotFound, resolve_territory
from mapapp.catalog.users import known_communes, moderated_communes
from mapapp.web import lookup, notify
from mapapp.web.auth import current_user, login_required
from mapapp.web.contrib_forms import SLUGS
from mapapp.web.record_forms import RefusalForm
from mapapp.web.db import get_session
from mapapp.web.form_versions import form_version, unchanged_since_opened
from mapapp.web.partenaires import _get_revision, _viewable_record, render_revision

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
STAFF = ("admin", "moderator")


@bp.route("/")
@login_required(*STAFF)
def queue():
    db = get_session()
    status = request.args.get("statut", "submitted")
    if status not in REVISION_STATUSES:
        abort(400, description="Statut inconnu.")
    revisions = visible_revisions(db, current_user(), [status])
    return render_template("moderation/queue.html", revisions=revisions, status=status,
                           stale={r.id for r in revisions if is_stale(db, r)})


@bp.route("/demande/<int:rev_id>/<action>", methods=["POST"])
@login_required(*STAFF)
def decide(rev_id: int, action: str):
    db = get_session()
    user = current_user()
    rev: Revision = _get_revision(rev_id)
    if action not in ("publier", "refuser", "reprendre"):
        abort(404)
    if not unchanged_since_opened(rev):  # never publish what the moderator did not read
        return redirect(url_for("partenaires.revision", rev_id=rev_id))
    try:
        if action == "publier":
            publish(db, user, rev)
            message = "Demande publiée : la fiche est à jour pour le public."
        elif action == "refuser":
            refusal = RefusalForm(request.form)
            if not refusal.validate():  # the message goes with the reason field, on the page itself
                return render_revision(rev, reason_error=refusal.reason.errors[0]), 400
            reject(db, user, rev, refusal.reason.data)
            message = "Demande refusée ; le partenaire voit la raison."
        elif action == "reprendre":
            conflicts = rebase(db, user, rev)
            message = ("Demande reprise sur la version publiée actuelle. Vérifiez : "
                       + (", ".join(conflicts) + " (modifiés des deux côtés)." if conflicts else "aucun champ en concurrence."))
        else:
            abort(404)
        db.commit()
        if action in ("publier", "refuser"):
            notify.decision(rev.id, user.id)  # the partners get a mail (the reason of a refusal)
    except PermissionDenied as exc:
        db.rollback()
        abort(403, description=str(exc))
    except ValidationFailed as exc:
        db.rollback()
        reason = next((m for f, m in exc.issues if f == "reason"), None)
        if action == "refuser" and reason:  # the message goes with the reason field, on the page itself
            return render_revision(rev, reason_error=reason), 400
        flash(str(exc))
    except (ConflictError, ContributionError) as exc:
        db.rollback()
        flash(str(exc))
    else:
        flash(message)
    return redirect(url_for("partenaires.revision", rev_id=rev_id))


@bp.route("/<slug>/<path:record_id>/restaurer/<int:change_id>", methods=["POST"])
@login_required(*STAFF)
def restore_version(slug: str, record_id: str, change_id: int):
    section = SLUGS.get(slug)
    if section is None:
        abort(404)
    db = get_session()
    user = current_user()
    live, data = _viewable_record(section, record_id)
    version = form_version("version")
    try:
        # The version restored must be in the moderator's territory too (it may be in another commune).
        entry = restore(db, user, section, record_id, change_id, expected_version=version,
                        known_communes=known_communes(db),
                        authorize=lambda snapshot: user.is_admin or can_moderate_record(db, user, section, snapshot))
        db.commit()
    except PermissionDenied as exc:
        db.rollback()
        abort(403, description=str(exc))
    except ContributionError as exc:
        db.rollback()
        flash(str(exc))
    else:
        flash("Version restaurée." if entry is not None else "Cette version est déjà la version publiée.")
    return redirect(url_for("partenaires.history", slug=slug, record_id=record_id))


@bp.route("/a-verifier")
@login_required(*STAFF)
def stale():
    """Records not verified for N months, in the moderator's scope or one of its territories."""
    db = get_session()
    user = current_user()
    months = request.args.get("mois", type=int) or stale_months()
    scope = moderated_communes(db, user)
    territory = None
    wanted = request.args.get("territoire", "")
    if wanted:
        grid, _, code = wanted.partition(":")
        try:
            territory = resolve_territory(db, grid, code)
        except PlaceNotFound as exc:
            abort(404, description=str(exc))
        codes = {c.code for c in territory.communes}
        scope = codes if scope is None else scope & codes
    records = stale_records(db, months=months, communes=scope)
    return render_template("espace/stale.html", records=records, months=months, territory=territory,
                           grid_options=lookup.grid_options(db), wanted=wanted, can_confirm=True)

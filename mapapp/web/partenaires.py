"""The partners' space (``/espace``): their structures, forms with moderation, history, freshness.

The record forms (``/espace/<type>/nouveau``, ``…/modifier``) and their JSON
helpers are in :mod:`mapapp.web.partenaires_forms`, the bulk import views
(``/espace/import``) in :mod:`mapapp.web.partenaires_import`, on this same blueprint.

Every view checks permissions on the record itself (never on what the page
linked to): a partner reaches only its own structures' records and drafts,
whatever id is typed in the address, through the forms and through the JSON
endpoints alike: what is not public (drafts, pending requests) answers 404 as if
it did not exist (:func:`mapapp.web.auth.visible_or_404`), a published record one
may not edit 403.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from mapapp.catalog import vocab
from mapapp.catalog.freshness import can_verify, mark_verified, months_before, stale_months, stale_records
from mapapp.catalog.history import (
    FIELD_LABELS,
    ID_FIELDS,
    SECTION_LABELS,
    SECTION_OF,
    ConflictError,
    ContributionError,
    PermissionDenied,
    display_value,
    history_of,
    live_object,
    record_to_data,
)
from mapapp.catalog.models import Site, Structure
from mapapp.catalog.models_users import CHANGE_ACTIONS, REVISION_STATUSES, ROLES, Revision
from mapapp.catalog.moderation import changes_of, is_stale, submit, visible_revisions, withdraw
from mapapp.catalog.moderation_permissions import can_edit, can_moderate_record, can_moderate_revision, can_view
from mapapp.catalog.moderation_records import live_records_of
from mapapp.catalog.users import is_member, structure_ids
from mapapp.web import lookup, notify, partenaires_forms, partenaires_import
from mapapp.web.auth import NOT_VISIBLE, current_user, login_required, safe_next, visible_or_404
from mapapp.web.contrib_forms import SLUG_OF
from mapapp.web.db import get_session
from mapapp.web.form_versions import unchanged_since_opened
from mapapp.web.partenaires_forms import forbidden, section_or_404

bp = Blueprint("partenaires", __name__, url_prefix="/espace")


@bp.before_request
def _not_for_professionals():
    """Professionals read, they do not contribute: the contributors' space (whose views treat every account
    that is not a partner as staff) is closed to them; its home sends them to the guides page."""
    user = current_user()
    if user is not None and user.is_professional:
        if request.endpoint == "partenaires.dashboard":
            return redirect(url_for("guides.page"))
        abort(403, description="L'espace contributeurs est réservé aux partenaires et aux modérateurs ; "
                               "un compte professionnel consulte les fiches, « Trouver une offre » et les guides.")
    return None


def _id_names() -> dict[str, str]:
    """Names of the ids a diff may hold (structures, sites, communes), read once per request."""
    if "id_names" not in g:
        db = get_session()
        names = lookup.commune_names(db)
        names.update(db.execute(select(Structure.id, Structure.nom)).all())
        names.update(db.execute(select(Site.id, Site.nom)).all())
        g.id_names = names
    return g.id_names


def _display_value(name: str, value) -> str:
    return display_value(name, value, _id_names() if name in ID_FIELDS else None)


@bp.app_context_processor
def _labels():
    return {"roles": ROLES, "revision_statuses": REVISION_STATUSES, "section_labels": SECTION_LABELS,
            "section_of": SECTION_OF, "field_labels": FIELD_LABELS, "change_actions": CHANGE_ACTIONS,
            "slug_of": SLUG_OF, "display_value": _display_value, "record_name": lambda i: _id_names().get(i, i),
            "vocab": vocab}


# --------------------------------------------------------------------------- dashboard


@bp.route("/")
@login_required()
def dashboard():
    db = get_session()
    user = current_user()
    if user.is_partner:
        structures = list(user.structures)
    else:
        structures = list(db.scalars(select(Structure).order_by(Structure.nom)))
    revisions = visible_revisions(db, user, list(REVISION_STATUSES)) if user.is_partner else []
    stale = stale_records(db, months=stale_months(), structure_ids=structure_ids(user)) if user.is_partner else []
    return render_template("espace/dashboard.html", structures=structures, revisions=revisions[:50],
                           stale_count=len(stale), months=stale_months())


@bp.route("/structure/<structure_id>")
@login_required()
def structure(structure_id: str):
    db = get_session()
    user = current_user()
    item = db.get(Structure, structure_id)
    if item is None:
        abort(404, description="Structure inconnue.")
    if user.is_partner and not is_member(user, structure_id):
        forbidden("Cette structure n'est pas la vôtre.")
    records = live_records_of(db, structure_id)
    revisions = [r for r in visible_revisions(db, user) if r.structure_id == structure_id]
    open_ids = {(r.section, r.record_id): r for r in revisions}
    months = stale_months()
    threshold = months_before(dt.date.today(), months)
    return render_template("espace/structure.html", structure=item, records=records, revisions=revisions,
                           open_ids=open_ids, threshold=threshold, months=months,
                           can_contribute=user.is_admin or is_member(user, structure_id) or not user.is_partner)


# --------------------------------------------------------------------------- revisions


def _get_revision(rev_id: int) -> Revision:
    db = get_session()
    rev = db.get(Revision, rev_id)
    # Same answer (404) for "does not exist" and "not yours": ids cannot be probed.
    return visible_or_404(rev, rev is not None and can_view(db, current_user(), rev))


@bp.route("/demande/<int:rev_id>")
@login_required()
def revision(rev_id: int):
    return render_revision(_get_revision(rev_id))


def render_revision(rev, reason_error: str | None = None) -> str:
    """The page of a revision; ``reason_error`` is the message tied to the refusal's reason field."""
    db = get_session()
    user = current_user()
    changes = changes_of(db, rev)
    live = live_object(db, rev.section, rev.record_id)
    moderator = can_moderate_revision(db, user, rev)
    return render_template("espace/revision.html", rev=rev, changes=changes, live=live, moderator=moderator,
                           editable=can_edit(db, user, rev), stale=is_stale(db, rev), slug=SLUG_OF[rev.section],
                           reason_error=reason_error)


@bp.route("/demande/<int:rev_id>/<action>", methods=["POST"])
@login_required()
def revision_action(rev_id: int, action: str):
    db = get_session()
    user = current_user()
    rev = _get_revision(rev_id)
    if action not in ("soumettre", "retirer"):
        abort(404)
    if not unchanged_since_opened(rev):
        return redirect(url_for("partenaires.revision", rev_id=rev.id))
    try:
        if action == "soumettre":
            submit(db, user, rev)
            flash("Demande soumise à la modération.")
        elif action == "retirer":
            withdraw(db, user, rev)
            flash("Demande retirée : c'est de nouveau un brouillon.")
        else:
            abort(404)
        db.commit()
        if action == "soumettre":
            notify.submitted(rev.id)
    except PermissionDenied as exc:
        db.rollback()
        forbidden(str(exc))
    except ContributionError as exc:
        db.rollback()
        flash(str(exc))
    return redirect(url_for("partenaires.revision", rev_id=rev.id))


@bp.route("/api/demandes/<int:rev_id>")
@login_required()
def revision_json(rev_id: int):
    """A revision as JSON (for tools): 404 unless the user may see it (as for an id that does not exist)."""
    db = get_session()
    rev = db.get(Revision, rev_id)
    if rev is None or not can_view(db, current_user(), rev):
        return jsonify(error=NOT_VISIBLE), 404
    return jsonify(id=rev.id, section=rev.section, record_id=rev.record_id, status=rev.status, action=rev.action,
                   data=rev.data, reason=rev.reason, base_version=rev.base_version)


# --------------------------------------------------------------------------- history and freshness


def _viewable_record(section: str, record_id: str):
    db = get_session()
    user = current_user()
    live = live_object(db, section, record_id)
    if live is None:
        abort(404, description="Aucune fiche publiée n'a cet identifiant.")
    data = record_to_data(live, section)
    owner = data["id"] if section == "structures" else data["structure_id"]
    allowed = is_member(user, owner) if user.is_partner else (user.is_admin or can_moderate_record(db, user, section, data))
    if not allowed:
        forbidden()
    return live, data


@bp.route("/<slug>/<path:record_id>/historique")
@login_required()
def history(slug: str, record_id: str):
    section = section_or_404(slug)
    db = get_session()
    user = current_user()
    live, data = _viewable_record(section, record_id)
    return render_template("espace/history.html", section=section, slug=slug, live=live, entries=history_of(db, section, record_id),
                           can_restore=not user.is_partner and can_moderate_record(db, user, section, data))


@bp.route("/<slug>/<path:record_id>/toujours-valable", methods=["POST"])
@login_required()
def still_valid(slug: str, record_id: str):
    section = section_or_404(slug)
    db = get_session()
    user = current_user()
    live = live_object(db, section, record_id)
    if live is None:
        abort(404, description="Aucune fiche publiée n'a cet identifiant.")
    if not can_verify(db, user, section, record_to_data(live, section)):
        forbidden("Vous ne pouvez confirmer que les fiches de votre structure.")
    try:
        mark_verified(db, user, section, record_id)
        db.commit()
    except ConflictError as exc:
        db.rollback()
        flash(str(exc))
    else:
        flash(f"« {live.nom} » : informations confirmées aujourd'hui.")
    return redirect(safe_next(request.form.get("next")) or url_for("partenaires.stale"))


@bp.route("/a-verifier")
@login_required()
def stale():
    db = get_session()
    user = current_user()
    months = request.args.get("mois", type=int) or stale_months()
    if not user.is_partner:
        return redirect(url_for("moderation.stale", mois=months))
    records = stale_records(db, months=months, structure_ids=structure_ids(user))
    return render_template("espace/stale.html", records=records, months=months, territory=None, can_confirm=True)


# --------------------------------------------------------------------------- forms (mapapp.web.partenaires_forms), import (mapapp.web.partenaires_import)

partenaires_import.register(bp)
partenaires_forms.register(bp)

"""The partners' record forms (``/espace/<type>/nouveau``, ``…/modifier``) and the JSON helpers they call.

The views belong to the partners' blueprint: :mod:`mapapp.web.partenaires`
adds them with :func:`register` (same endpoints: ``partenaires.new``,
``partenaires.edit``, ``partenaires.hours_preview``, ``partenaires.commune_of_point``).

A posted form is parsed and first checked by its WTForms form
(:mod:`mapapp.web.record_forms`), then saved as a draft that the catalog's
validators check (:func:`mapapp.catalog.moderation.save_draft`); every error
comes back attached to its field, in French. A site posted with an address
but no point (the page without JavaScript, where the address suggestions and
the map do not run) is placed at the address found in the offline BAN, as the
suggestions would have placed it.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from mapapp.catalog import hours_editor
from mapapp.catalog.history import ContributionError, FieldConflict, PermissionDenied, ValidationFailed, live_object, record_to_data
from mapapp.catalog.hours import describe_fr
from mapapp.catalog.models import Site, Structure
from mapapp.catalog.models_users import Revision
from mapapp.catalog.moderation import ID_PREFIXES, new_record_id, open_revision, publish, save_draft
from mapapp.catalog.moderation_permissions import can_contribute, can_edit, can_view
from mapapp.catalog.moderation_records import commune_at, pending_sites, validate_data
from mapapp.catalog.users import is_member
from mapapp.web import lookup, notify
from mapapp.web.auth import current_user, login_required, visible_or_404
from mapapp.web.contrib_forms import (
    FIELDS,
    FORM_SECTIONS,
    MAP_SECTIONS,
    SLUG_OF,
    SLUGS,
    TITLES,
    defaults,
    display,
    field_label,
    readable_errors,
)
from mapapp.web.db import get_session
from mapapp.web.form_versions import form_version, posted_seen, sign_seen
from mapapp.web.record_forms import bind, record_data


def section_or_404(slug: str) -> str:
    section = SLUGS.get(slug)
    if section is None:
        abort(404, description="Type de fiche inconnu.")
    return section


def forbidden(message: str = "Vous n'avez pas accès à cette fiche."):
    abort(403, description=message)


def _site_choices(db, structure_id: str, selected: list[str]) -> list[tuple[str, str]]:
    """The structure's live and proposed sites, plus any site already attached (another structure's)."""
    out = {s.id: s.nom for s in db.scalars(select(Site).where(Site.structure_id == structure_id).order_by(Site.nom))}
    for sid, data in pending_sites(db, structure_id).items():
        out.setdefault(sid, f"{data.get('nom')} (non publié)")
    for sid in selected:
        if sid not in out:
            site = db.get(Site, sid)
            out[sid] = site.nom if site is not None else sid
    return sorted(out.items(), key=lambda kv: kv[1].lower())


def _hours_editors(section: str, data: dict, formdata: MultiDict | None) -> dict:
    """Per hours field: the editor's state (``model`` or the reason it is expert-only, the text it was opened on)."""
    out = {}
    for f in FIELDS[section]:
        if f.kind != "hours":
            continue
        text = data.get(f.name) or ""
        initial = formdata.get(f"{f.name}-initial", text) if formdata is not None else text
        model, reason = hours_editor.editable(initial)
        posted = formdata if formdata is not None and formdata.get(hours_editor.marker_name(f.name)) else None
        values: dict[str, str] = {}
        weeks: dict[str, list[str]] = {}
        for day in hours_editor.WEEKDAYS:
            hours = model.days.get(day) if model is not None else None
            for slot in range(1, hours_editor.MAX_SLOTS + 1):
                for end in (False, True):
                    name = hours_editor.input_name(f.name, day, slot, end)
                    if posted is not None:
                        values[name] = posted.get(name, "")
                    elif hours is not None and slot <= len(hours.slots):
                        values[name] = hours.slots[slot - 1][1 if end else 0]
                    else:
                        values[name] = ""
            if posted is not None:
                weeks[day] = posted.getlist(hours_editor.weeks_name(f.name, day))
            else:
                weeks[day] = [str(w) for w in hours.weeks] if hours is not None else []
        holidays = bool(posted.get(hours_editor.holidays_name(f.name))) if posted is not None else \
            bool(model is not None and model.holidays_closed)
        out[f.name] = {"model": model, "reason": reason, "initial": initial, "values": values, "weeks": weeks,
                       "holidays": holidays}
    return out


def _render_form(section, data, *, revision=None, errors=None, live=None, status=200, opened_on=None, seen=None,
                 formdata=None):
    """The form; ``opened_on`` = (lock_version, version) it carries (default: those of ``revision`` and ``live``).

    It also carries ``seen``, the record it was opened on (signed: the server
    made it), so that a save after someone else's merges from what the user saw.
    ``formdata``: the posted form shown again (the hours editor's inputs as typed).
    """
    db = get_session()
    user = current_user()
    owner = data.get("id") if section == "structures" else data.get("structure_id")
    lock_version, version = opened_on or (revision.lock_version if revision is not None else 0,
                                           live.version if live is not None else 0)
    if seen is None:
        shown = revision.data if revision is not None else record_to_data(live, section) if live is not None else {}
        seen = sign_seen(lock_version, version, shown)
    pickers = {f.name: lookup.zone_choices(db, with_epci=f.extra.get("picker") == "zone")
               for f in FIELDS[section] if f.extra.get("picker")}
    return render_template(
        "espace/form.html", section=section, slug=SLUG_OF[section], fields={f.name: f for f in FIELDS[section]},
        form_sections=FORM_SECTIONS[section], data=data,
        display=display, revision=revision, errors=readable_errors(errors or []),
        field_label=lambda name: _error_label(section, name), live=live, title=TITLES[section],
        lock_version=lock_version, version=version, seen=seen,
        site_choices=_site_choices(db, owner, data.get("site_ids") or []) if section == "offers" else [],
        with_map=section in MAP_SECTIONS, bounds=lookup.departement_bounds(db), owner=owner,
        can_publish=not user.is_partner, hours_editors=_hours_editors(section, data, formdata), pickers=pickers,
        hours_editor=hours_editor,
        hours_input_names=[hours_editor.input_name(f.name, d, n, end) for f in FIELDS[section] if f.kind == "hours"
                           for d in hours_editor.WEEKDAYS for n in range(1, hours_editor.MAX_SLOTS + 1)
                           for end in (False, True)],
        commune_names=lookup.commune_names(db) if section in MAP_SECTIONS else {},
    ), status


def _error_label(section: str, name: str) -> str:
    """The label of a field, or « Horaires d'accueil, lundi » for an input of the hours editor."""
    base, _, rest = name.partition("-")
    if rest:
        day = rest.split("-")[0]
        return f"{field_label(section, base)}, {hours_editor.DAYS_FR.get(day, day)}"
    return field_label(section, name)


def new(slug: str):
    section = section_or_404(slug)
    db = get_session()
    user = current_user()
    structure_id = request.values.get("structure", "")
    if section == "structures":
        forbidden("Les structures se créent par import (administrateurs) ou en ligne de commande.")
    if db.get(Structure, structure_id) is None:
        abort(404, description="Structure inconnue.")
    if user.is_partner and not is_member(user, structure_id):
        forbidden("Cette structure n'est pas la vôtre.")
    if request.method == "GET":
        record_id = new_record_id(db, section, structure_id)
        return _render_form(section, defaults(section, structure_id, record_id))
    record_id = request.form.get("id", "")
    # Only an id new_record_id() could have given for this structure (the form carries it).
    pattern = re.escape(re.sub(r"[^A-Za-z0-9_.-]+", "-", structure_id)[:150]) + f"--{ID_PREFIXES[section]}-[0-9a-f]{{8}}"
    if not re.fullmatch(pattern, record_id):
        abort(400, description="Identifiant de fiche invalide.")
    base = defaults(section, structure_id, record_id)
    return _save(section, base, None)


def edit(slug: str, record_id: str):
    section = section_or_404(slug)
    db = get_session()
    user = current_user()
    live = live_object(db, section, record_id)
    revision = open_revision(db, section, record_id)
    if live is None and revision is None:
        visible_or_404(None, False)
    base = dict(revision.data) if revision is not None else record_to_data(live, section)
    if revision is not None:
        if not can_view(db, user, revision):
            if live is None:  # a record that exists only as someone else's draft: as if it did not exist
                visible_or_404(revision, False)
            forbidden()  # a published record is public: refusing to edit it tells nothing
        if not can_edit(db, user, revision):
            flash("Cette fiche a une demande de modification en attente de modération : "
                  "retirez-la pour la modifier à nouveau.")
            return redirect(url_for("partenaires.revision", rev_id=revision.id))
    elif not can_contribute(db, user, section, base):
        forbidden()
    if request.method == "GET":
        return _render_form(section, base, revision=revision, live=live)
    return _save(section, base, revision, live=live)


def _placed_at_address(section: str, formdata: MultiDict) -> MultiDict:
    """A site posted with an address but no point: the point of the best BAN match (as the suggestions do)."""
    if section != "sites" or (formdata.get("lon") or "").strip() or (formdata.get("lat") or "").strip():
        return formdata
    text = " ".join(v for v in ((formdata.get("adresse") or "").strip(), (formdata.get("code_postal") or "").strip()) if v)
    if not text:
        return formdata
    from mapapp.web.addresses import address_index

    index = address_index(get_session())
    found = index.search(text, 1) if index is not None else []
    if not found:
        return formdata
    placed = MultiDict(formdata)
    placed.setlist("lon", [f"{found[0].lon:.6f}"])
    placed.setlist("lat", [f"{found[0].lat:.6f}"])
    flash(f"Lieu placé à l'adresse « {found[0].label} » : vérifiez-le sur la carte.")
    return placed


def _save(section: str, base: dict, revision: Revision | None, live=None):
    db = get_session()
    user = current_user()
    lock_version, version = form_version("lock_version"), form_version("version")
    seen, raw_seen = posted_seen(lock_version, version)  # None: save_draft reads what it can from the history
    formdata = _placed_at_address(section, request.form)
    owner = base.get("structure_id") or base.get("id")
    chosen = formdata.getlist("site_ids")
    form, form_errors = bind(section, formdata, site_choices=_site_choices(db, owner, chosen) if section == "offers" else ())
    data = record_data(section, form, base)
    if form_errors:
        # Say everything at once: the record's own checks on the fields the form could read.
        unread = {name.split("-")[0] for name, _ in form_errors}
        checked = {k: (base.get(k) if k in unread else v) for k, v in data.items()}
        issues = validate_data(db, section, checked, extra_sites=pending_sites(db, owner))
        form_errors += [(name, message) for name, message in issues if name not in unread]
        return _render_form(section, data, revision=revision, errors=form_errors, live=live, status=400,
                            opened_on=(lock_version, version), seen=raw_seen, formdata=formdata)
    action = request.form.get("action", "draft")
    try:
        rev = save_draft(db, user, section, data, revision=revision, lock_version=lock_version, base_version=version,
                         seen=seen,
                         submit=action in ("submit", "publish"), note=request.form.get("note"))
        if action == "publish":
            publish(db, user, rev)
        db.commit()
        if action == "submit":  # the territory's moderators learn of it by mail
            notify.submitted(rev.id)
        elif action == "publish":  # the structure's partners learn of it by mail
            notify.decision(rev.id, user.id)
    except PermissionDenied as exc:
        db.rollback()
        forbidden(str(exc))
    except ValidationFailed as exc:
        db.rollback()
        return _render_form(section, data, revision=revision, errors=exc.issues, live=live, status=400,
                            opened_on=(lock_version, version), seen=raw_seen, formdata=formdata)
    except FieldConflict as exc:
        # Shown again on the current versions: the user sees both values of each field and decides.
        db.rollback()
        current = open_revision(db, section, data["id"])
        return _render_form(section, exc.merged, revision=current, errors=[("-", str(exc)), *exc.issues],
                            live=live_object(db, section, data["id"]), status=409)
    except ContributionError as exc:  # other conflicts
        db.rollback()
        return _render_form(section, data, revision=revision, errors=[("-", str(exc))], live=live, status=409,
                            opened_on=(lock_version, version), seen=raw_seen, formdata=formdata)
    messages = {"draft": "Brouillon enregistré : il n'est pas encore visible du public. Soumettez-le à la modération quand il est prêt.",
                "submit": "Modification soumise à la modération : elle sera visible du public après validation.",
                "publish": "Modification publiée."}
    flash(messages.get(action, messages["draft"]))
    return redirect(url_for("partenaires.revision", rev_id=rev.id))


# --------------------------------------------------------------------------- JSON helpers for the forms


def _model_json(model: hours_editor.WeekHours) -> dict:
    return {"days": {d: {"slots": [list(s) for s in h.slots], "weeks": list(h.weeks)} for d, h in model.days.items()},
            "holidays_closed": model.holidays_closed, "always_open": model.always_open}


def hours_preview():
    """The hours in plain French, and the editor's view of them.

    ``?expression=``: the text typed (the answer says whether the editor can show
    it: ``model``, or ``expert`` with the French reason); ``?field=`` plus the
    editor's inputs: the text they make (``expression``) and their errors by input.
    """
    field = request.args.get("field")
    if field:
        model, errors = hours_editor.model_from_form(field, request.args)
        if errors:
            return jsonify(ok=False, errors=dict(errors), error=errors[0][1])
        expression = hours_editor.to_expression(model) or ""
        return jsonify(ok=True, expression=expression, description=describe_fr(expression))
    expression = request.args.get("expression", "")
    try:
        model, expert = hours_editor.to_model(expression), None
    except hours_editor.ExpertOnly:
        model, expert = None, hours_editor.editable(expression)[1]
    except ValueError as exc:  # refused by the parser: French message
        return jsonify(ok=False, error=str(exc))
    return jsonify(ok=True, expression=expression.strip(), description=describe_fr(expression),
                   model=_model_json(model) if model is not None else None, expert=expert)


def commune_of_point():
    try:
        lon, lat = float(request.args["lon"]), float(request.args["lat"])
    except (KeyError, ValueError):
        return jsonify(error="lon et lat attendus"), 400
    commune = commune_at(get_session(), lon, lat)
    if commune is None:
        return jsonify(code=None, nom=None, message="Ce point est hors du territoire.")
    return jsonify(code=commune.code, nom=commune.nom, buffer=commune.is_buffer)


def register(bp: Blueprint) -> None:
    """Add the form views to the partners' blueprint ``bp`` (``/espace``)."""
    bp.add_url_rule("/<slug>/nouveau", view_func=login_required()(new), methods=["GET", "POST"])
    bp.add_url_rule("/<slug>/<path:record_id>/modifier", view_func=login_required()(edit), methods=["GET", "POST"])
    bp.add_url_rule("/horaires/apercu", view_func=login_required()(hours_preview))
    bp.add_url_rule("/commune", view_func=login_required()(commune_of_point))

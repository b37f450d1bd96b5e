"""Planners' scenarios (``/scenarios``): list, create, change on a map, compare, export (issue 14).

Moderators and administrators only (:data:`mapapp.catalog.scenarios.PLANNER_ROLES`):
a partner gets 403 on the list and 404 on a scenario, as for an id that does
not exist; a private scenario is a 404 for other moderators. Only the author
(or an administrator) changes a scenario.

This module is the pages (list, scenario, its changes); the background jobs
and downloads are in :mod:`mapapp.web.scenarios_jobs` (compare, exports, PDF)
and :mod:`mapapp.web.scenarios_proposals` (best place, closures, bus
schedule), on the same blueprint; the JSON API is :mod:`mapapp.web.scenarios_api`.
A comparison is with the live situation, or with another scenario the planner
may see (``?avec=<n>``: that scenario is « avant »), for everyone or for one
public of the territory's accessibility settings (``?public=<clé>``: only the
offers open to that public count, as on /accessibilite). :func:`stored` is the
one reading of a stored comparison for the page, its exports and the API.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from sqlalchemy import select

from mapapp.access.scenario_changes import KIND_LABELS
from mapapp.access.settings import EVERYONE_KEY, PublicGroup, default_publics
from mapapp.access.themes import default_themes
from mapapp.catalog import vocab
from mapapp.catalog.models import Site, Structure
from mapapp.catalog.settings_store import StoredSettingsError, current_settings
from mapapp.catalog.scenarios import (
    PLANNER_ROLES,
    ScenarioError,
    add_change,
    can_edit,
    create_scenario,
    describe_change,
    get_visible,
    remove_change,
    theme_payload,
    visible_scenarios,
)
from mapapp.results import ResultStore
from mapapp.scenario_run import comparison_key, for_public, stored_comparison
from mapapp.web import lookup
from mapapp.web.auth import current_user, login_required, visible_or_404
from mapapp.web.db import close_session, get_session
from mapapp.web.scenarios_forms import proposal_form

bp = Blueprint("scenarios", __name__, url_prefix="/scenarios")
bp.teardown_app_request(close_session)

NOT_VISIBLE = "Aucun scénario n'a ce numéro parmi ceux que vous pouvez consulter."
REFRESH_S = 2


def _settings():
    return current_app.config["MAPAPP_SETTINGS"]


def _store() -> ResultStore:
    return ResultStore(_settings().data_dir / "results")


def _scenario(scenario_id: int, edit: bool = False):
    scenario = visible_or_404(get_visible(get_session(), current_user(), scenario_id), True, NOT_VISIBLE)
    if edit and not can_edit(current_user(), scenario):
        abort(403, description="Seul l'auteur du scénario (ou un administrateur) peut le modifier.")
    return scenario


@bp.route("/", methods=["GET", "POST"])
@login_required(*PLANNER_ROLES)
def index():
    db = get_session()
    if request.method == "POST":
        try:
            scenario = create_scenario(db, current_user(), request.form.get("title", ""),
                                       request.form.get("description", ""), request.form.get("shared") == "1")
        except ScenarioError as exc:
            db.rollback()
            flash(f"Le scénario n'a pas été créé : {exc}")
            return redirect(url_for("scenarios.index"))
        db.commit()
        flash("Scénario créé : ajoutez-lui des modifications.")
        return redirect(url_for("scenarios.show", scenario_id=scenario.id))
    return render_template("scenarios/index.html", scenarios=visible_scenarios(db, current_user()))


def other_scenario(scenario):
    """The scenario of ``?avec=`` (« avant »), visible to the user, or None (the live situation)."""
    value = request.args.get("avec") or request.form.get("avec") or ""
    if not value:
        return None
    if not value.isdigit():
        abort(400, description=f"Numéro de scénario invalide : {value!r}")
    other = visible_or_404(get_visible(get_session(), current_user(), int(value)), True, NOT_VISIBLE)
    if other.id == scenario.id:
        abort(400, description="Choisissez deux scénarios différents.")
    return other


def scenario_publics() -> list[PublicGroup]:
    """The publics of the territory's accessibility settings (everyone first)."""
    try:
        return list(current_settings(get_session()).publics)
    except StoredSettingsError:
        return list(default_publics()[:1])


def chosen_public() -> PublicGroup:
    """The public of ``?public=`` (everyone when absent); 400 with the known keys for another value."""
    value = request.args.get("public") or request.form.get("public") or EVERYONE_KEY
    publics = scenario_publics()
    for group in publics:
        if group.key == value:
            return group
    abort(400, description=f"Public inconnu : {value!r} (publics du territoire : "
                           + ", ".join(p.key for p in publics) + ").")


def query(other=None, public: PublicGroup | None = None) -> dict:
    """The address parameters of a comparison: ``avec`` and ``public`` when they are not the defaults."""
    out = {"avec": other.id} if other is not None else {}
    if public is not None and public.key != EVERYONE_KEY:
        out["public"] = public.key
    return out


def stored(scenario, other=None, public: str | None = None):
    """(key, stored comparison of ``public`` or None); (None, None) without computed results.

    The comparison made for that public, or else the rows of that public in the comparison made for
    every public (the PDF's): :func:`mapapp.scenario_run.for_public` either way.
    """
    store = _store()
    if not store.modes():
        return None, None
    db, settings = get_session(), _settings()
    key = comparison_key(db, scenario, store, other, public=public)
    done = stored_comparison(settings, key) or \
        stored_comparison(settings, comparison_key(db, scenario, store, other, all_publics=True))
    return key, for_public(done, public) if done is not None else None


@bp.route("/<int:scenario_id>")
@login_required(*PLANNER_ROLES)
def show(scenario_id: int):
    db = get_session()
    scenario = _scenario(scenario_id)
    other, public = other_scenario(scenario), chosen_public()
    _key, comparison = stored(scenario, other, public.key)
    sites = db.execute(select(Site.id, Site.nom, Site.status).order_by(Site.nom)).all()
    structures = db.execute(select(Structure.id, Structure.nom).order_by(Structure.nom)).all()
    return render_template(
        "scenarios/show.html", scenario=scenario, editable=can_edit(current_user(), scenario),
        changes=[(c, describe_change(c)) for c in scenario.changes], kinds=KIND_LABELS,
        themes=default_themes(), site_kinds=vocab.SITE_KINDS, sites=sites, structures=structures,
        bounds=lookup.departement_bounds(db), has_results=bool(_store().modes()),
        comparison=comparison, rows=_table_rows(comparison) if comparison is not None else [], other=other,
        public=public, publics=scenario_publics(), compare_query=query(other, public),
        others=[s for s in visible_scenarios(db, current_user()) if s.id != scenario.id],
        proposals=proposal_form(db))


def _table_rows(comparison) -> list[dict]:
    from mapapp.access.scenario_compare import headline
    from mapapp.io.export_scenario import MODE_LABELS, theme_labels

    labels = theme_labels()
    rows = headline(comparison.territories)
    return [{**r, "mode_label": MODE_LABELS.get(r["mode"], r["mode"]), "theme_label": labels.get(r["theme"], r["theme"])}
            for r in rows[rows["changed"]].to_dict("records")]


@bp.route("/<int:scenario_id>/modifications", methods=["POST"])
@login_required(*PLANNER_ROLES)
def add(scenario_id: int):
    db = get_session()
    scenario = _scenario(scenario_id, edit=True)
    kind = request.form.get("kind", "")
    data = {k: v for k, v in request.form.items() if k not in ("csrf_token", "kind", "theme")}
    try:
        if kind in ("add_site", "add_offer"):
            data.update(theme_payload(request.form.getlist("theme")))
        change = add_change(db, scenario, kind, data)
    except ScenarioError as exc:
        db.rollback()
        flash(f"La modification n'a pas été ajoutée : {exc}")
        return redirect(url_for("scenarios.show", scenario_id=scenario_id))
    text = describe_change(change)
    db.commit()
    flash(f"Modification ajoutée : {text}")
    return redirect(url_for("scenarios.show", scenario_id=scenario_id))


@bp.route("/<int:scenario_id>/modifications/<int:change_id>/supprimer", methods=["POST"])
@login_required(*PLANNER_ROLES)
def delete(scenario_id: int, change_id: int):
    db = get_session()
    scenario = _scenario(scenario_id, edit=True)
    if not any(c.id == change_id for c in scenario.changes):
        abort(404, description=f"Le scénario n'a pas de modification n° {change_id}.")
    try:
        remove_change(db, scenario, change_id)
    except ScenarioError as exc:
        db.rollback()
        flash(str(exc))
        return redirect(url_for("scenarios.show", scenario_id=scenario_id))
    db.commit()
    flash("Modification supprimée.")
    return redirect(url_for("scenarios.show", scenario_id=scenario_id))


from mapapp.web import scenarios_jobs, scenarios_proposals  # noqa: E402  (their routes are on bp)

__all__ = ["bp", "scenarios_jobs", "scenarios_proposals"]

"""Planners' scenarios (``/scenarios``): list, create, change on a map, compare, export (issue 14).

Moderators and administrators only (:data:`mapapp.catalog.scenarios.PLANNER_ROLES`):
a partner gets 403 on the list and 404 on a scenario, as for an id that does
not exist; a private scenario is a 404 for other moderators. Only the author
(or an administrator) changes a scenario.

« Comparer » runs :func:`mapapp.scenario_run.compare_scenario` as a background
job (:mod:`mapapp.web.jobs`, the report jobs' runner): it takes a few seconds
(graphs from the cache, snaps, one search per changed theme and mode); the
page says « comparaison en cours » and refreshes itself until the stored
comparison is there. A stored comparison is found again by its key (scenario
revision, results versions, catalog state), so nothing is recomputed twice.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for

from sqlalchemy import select

from mapapp.access.scenario_changes import KIND_LABELS
from mapapp.access.themes import default_themes
from mapapp.catalog import vocab
from mapapp.catalog.models import Commune, Site, Structure, Territory
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
from mapapp.scenario_run import comparison_key, stored_comparison
from mapapp.web import lookup
from mapapp.web.auth import current_user, login_required, visible_or_404
from mapapp.web.db import close_session, get_session

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


def _comparison(scenario):
    store = _store()
    if not store.modes():
        return None, None
    key = comparison_key(get_session(), scenario, store)
    return key, stored_comparison(_settings(), key)


@bp.route("/<int:scenario_id>")
@login_required(*PLANNER_ROLES)
def show(scenario_id: int):
    db = get_session()
    scenario = _scenario(scenario_id)
    _key, comparison = _comparison(scenario)
    sites = db.execute(select(Site.id, Site.nom, Site.status).order_by(Site.nom)).all()
    structures = db.execute(select(Structure.id, Structure.nom).order_by(Structure.nom)).all()
    return render_template(
        "scenarios/show.html", scenario=scenario, editable=can_edit(current_user(), scenario),
        changes=[(c, describe_change(c)) for c in scenario.changes], kinds=KIND_LABELS,
        themes=default_themes(), site_kinds=vocab.SITE_KINDS, sites=sites, structures=structures,
        bounds=lookup.departement_bounds(db), has_results=bool(_store().modes()),
        comparison=comparison, rows=_table_rows(comparison) if comparison is not None else [])


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


@bp.route("/<int:scenario_id>/comparer", methods=["POST"])
@login_required(*PLANNER_ROLES)
def start_compare(scenario_id: int):
    _scenario(scenario_id)
    return redirect(url_for("scenarios.comparison", scenario_id=scenario_id))


@bp.route("/<int:scenario_id>/comparaison")
@login_required(*PLANNER_ROLES)
def comparison(scenario_id: int):
    """The stored comparison (back to the scenario page), or start / follow its job."""
    from mapapp.web.exports import _requester, _runner

    scenario = _scenario(scenario_id)
    key, done = _comparison(scenario)
    if key is None:
        abort(409, description="Aucun résultat calculé : lancez d'abord « mapapp compute ».")
    if done is not None:
        return redirect(url_for("scenarios.show", scenario_id=scenario_id, _anchor="comparaison"))
    runner = _runner()
    job = f"scenario-{key}"
    status = runner.status(job)
    if status is not None and status.state == "failed":
        runner.forget_failure(job)
        abort(status.code, description=status.message)
    settings = _settings()

    def work(progress):
        from mapapp.compute import ComputeError
        from mapapp.reports import ReportError
        from mapapp.scenario_run import compare_scenario

        try:
            result = compare_scenario(settings, scenario_id, progress=progress)
        except (ComputeError, ScenarioError) as exc:  # shown to the planner as is (a 400 page, in French)
            raise ReportError(str(exc)) from None
        return json.dumps(result.meta).encode()

    outcome = runner.submit(job, _requester(), work)
    if outcome in ("busy", "full"):
        abort(429, description="Une autre comparaison ou un autre document est en cours pour vous : "
                               "réessayez dans un instant.")
    runner.wait(job, float(current_app.config.get("MAPAPP_JOB_WAIT", 2.0)))
    status = runner.status(job)
    if status is not None and status.state == "failed":
        runner.forget_failure(job)
        abort(status.code, description=status.message)
    if stored_comparison(settings, key) is not None:
        return redirect(url_for("scenarios.show", scenario_id=scenario_id, _anchor="comparaison"))
    response = Response(render_template("scenarios/running.html", scenario=scenario, status=status), status=202)
    response.headers["Refresh"] = str(REFRESH_S)
    response.headers["Cache-Control"] = "no-store"
    return response


def _table_rows(comparison) -> list[dict]:
    from mapapp.access.scenario_compare import headline
    from mapapp.io.export_scenario import MODE_LABELS, theme_labels

    labels = theme_labels()
    rows = headline(comparison.territories)
    return [{**r, "mode_label": MODE_LABELS.get(r["mode"], r["mode"]), "theme_label": labels.get(r["theme"], r["theme"])}
            for r in rows[rows["changed"]].to_dict("records")]


@bp.route("/<int:scenario_id>/differences.json")
@login_required(*PLANNER_ROLES)
def differences(scenario_id: int):
    """Per commune, for one mode and theme: inhabitants gained minus lost under the threshold (the map)."""
    scenario = _scenario(scenario_id)
    _key, done = _comparison(scenario)
    if done is None:
        return jsonify(error="Comparaison non calculée."), 404
    c = done.communes
    c = c[(c["mode"] == request.args.get("mode")) & (c["theme"] == request.args.get("theme"))]
    return jsonify(communes={r.commune: {"gained": float(r.population_gained), "lost": float(r.population_lost)}
                             for r in c.itertuples(index=False)})


@bp.route("/<int:scenario_id>/export.xlsx")
@login_required(*PLANNER_ROLES)
def export(scenario_id: int):
    from mapapp.io.export_scenario import export_tables
    from mapapp.io.export_xlsx import xlsx_bytes

    scenario = _scenario(scenario_id)
    _key, done = _comparison(scenario)
    if done is None:
        abort(404, description="Comparez d'abord le scénario : l'export reprend la comparaison.")
    data = xlsx_bytes(export_tables(done.communes, done.territories, [describe_change(c) for c in scenario.changes],
                                    lookup.commune_names(get_session())))
    response = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="scenario-{scenario_id}.xlsx"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:scenario_id>/export.gpkg")
@login_required(*PLANNER_ROLES)
def export_gpkg(scenario_id: int):
    """The communes where something changes (polygons) and the territories, for QGIS."""
    import tempfile
    from pathlib import Path

    import shapely

    from mapapp.io.export_gpkg import default_crs
    from mapapp.io.export_scenario_gpkg import scenario_layers, write_scenario_gpkg

    scenario = _scenario(scenario_id)
    _key, done = _comparison(scenario)
    if done is None:
        abort(404, description="Comparez d'abord le scénario : l'export reprend la comparaison.")
    db = get_session()
    rows = db.execute(select(Commune.code, Commune.nom, Commune.geometry_wkb)).all()
    shapes = dict(zip([r[0] for r in rows], shapely.from_wkb([r[2] for r in rows]))) if rows else {}
    territory = db.scalar(select(Territory))
    layers = scenario_layers(done.communes, done.territories, shapes, {r[0]: r[1] for r in rows})
    with tempfile.TemporaryDirectory() as tmp:
        data = write_scenario_gpkg(layers, Path(tmp) / "scenario.gpkg",
                                   default_crs(territory.departement if territory else "")).read_bytes()
    response = Response(data, mimetype="application/geopackage+sqlite3")
    response.headers["Content-Disposition"] = f'attachment; filename="scenario-{scenario_id}.gpkg"'
    response.headers["Cache-Control"] = "no-store"
    return response

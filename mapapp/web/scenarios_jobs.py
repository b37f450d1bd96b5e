"""A scenario's comparison as a background job, its map data and its downloads (XLSX, GeoPackage, PDF).

Routes on the :mod:`mapapp.web.scenarios` blueprint (planners only).
« Comparer » runs :func:`mapapp.scenario_run.compare_scenario` as a background
job (:mod:`mapapp.web.jobs`, the report jobs' runner): it takes a few seconds
(graphs from the cache, snaps, one search per changed theme and mode); the
page says « comparaison en cours » and refreshes itself until the stored
comparison is there. A stored comparison is found again by its key (both
scenarios' revisions, results versions, catalog state), so nothing is
recomputed twice. The PDF « avant / après » (:mod:`mapapp.reports.scenario_pdf`)
is a job of its own (the comparison for every public of the settings, then
maps and layout), cached by the same runner under the comparison's key.
Every address takes ``?avec=<n>``: the comparison with that scenario, and
``?public=<clé>``: the comparison for that public (the table, the map, the XLSX
and the GeoPackage all read :func:`mapapp.web.scenarios.stored`; the PDF has
every public).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Response, abort, current_app, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from mapapp.catalog.models import Commune, Territory
from mapapp.catalog.scenarios import PLANNER_ROLES, ScenarioError, describe_change
from mapapp.web import lookup
from mapapp.web.auth import login_required
from mapapp.web.db import get_session
from mapapp.scenario_run import comparison_key
from mapapp.web.scenarios import (
    REFRESH_S,
    _store,
    _scenario,
    _settings,
    bp,
    chosen_public,
    other_scenario,
    query,
    stored,
)


def follow_job(job: str, work: Callable, ready: Callable[[], Response | None], running: Callable[[object], str]
               ) -> Response:
    """Start or join the background ``job`` and answer: ``ready()`` when it is done, else the refreshing page."""
    from mapapp.web.exports import _requester, _runner

    runner = _runner()
    status = runner.status(job)
    if status is not None and status.state == "failed":
        runner.forget_failure(job)
        abort(status.code, description=status.message)
    outcome = runner.submit(job, _requester(), work)
    if outcome in ("busy", "full"):
        abort(429, description="Un autre calcul ou un autre document est en cours pour vous : "
                               "réessayez dans un instant.")
    runner.wait(job, float(current_app.config.get("MAPAPP_JOB_WAIT", 2.0)))
    status = runner.status(job)
    if status is not None and status.state == "failed":
        runner.forget_failure(job)
        abort(status.code, description=status.message)
    if (answer := ready()) is not None:
        return answer
    response = Response(running(status), status=202)
    response.headers["Refresh"] = str(REFRESH_S)
    response.headers["Cache-Control"] = "no-store"
    return response


def _compare_work(scenario_id: int, other_id: int | None, public: str | None = None):
    settings = _settings()

    def work(progress):
        from mapapp.compute import ComputeError
        from mapapp.reports import ReportError
        from mapapp.scenario_run import compare_scenario

        try:
            result = compare_scenario(settings, scenario_id, progress=progress, other_id=other_id, public=public)
        except (ComputeError, ScenarioError) as exc:  # shown to the planner as is (a 400 page, in French)
            raise ReportError(str(exc)) from None
        return json.dumps(result.meta).encode()

    return work


@bp.route("/<int:scenario_id>/comparer", methods=["POST"])
@login_required(*PLANNER_ROLES)
def start_compare(scenario_id: int):
    scenario = _scenario(scenario_id)
    return redirect(url_for("scenarios.comparison", scenario_id=scenario_id,
                            **query(other_scenario(scenario), chosen_public())))


@bp.route("/<int:scenario_id>/comparaison")
@login_required(*PLANNER_ROLES)
def comparison(scenario_id: int):
    """The stored comparison (back to the scenario page), or start / follow its job."""
    scenario = _scenario(scenario_id)
    other, public = other_scenario(scenario), chosen_public()
    key, done = stored(scenario, other, public.key)
    if key is None:
        abort(409, description="Aucun résultat calculé : lancez d'abord « mapapp compute ».")
    back = url_for("scenarios.show", scenario_id=scenario_id, _anchor="comparaison", **query(other, public))
    if done is not None:
        return redirect(back)

    def ready():
        return redirect(back) if stored(scenario, other, public.key)[1] is not None else None

    return follow_job(f"scenario-{key}", _compare_work(scenario_id, other.id if other else None, public.key), ready,
                      lambda status: render_template("scenarios/running.html", scenario=scenario, status=status,
                                                     other=other, what="comparaison",
                                                     again=url_for("scenarios.comparison", scenario_id=scenario_id,
                                                                   **query(other, public))))


def _done(scenario):
    """(other scenario, public, stored comparison of that public); 404 when not compared yet."""
    other, public = other_scenario(scenario), chosen_public()
    _key, done = stored(scenario, other, public.key)
    if done is None:
        abort(404, description="Comparez d'abord le scénario : l'export reprend la comparaison.")
    return other, public, done


@bp.route("/<int:scenario_id>/differences.json")
@login_required(*PLANNER_ROLES)
def differences(scenario_id: int):
    """Per commune, for one mode and theme: inhabitants gained minus lost under the threshold (the map)."""
    scenario = _scenario(scenario_id)
    _key, done = stored(scenario, other_scenario(scenario), chosen_public().key)
    if done is None:
        return jsonify(error="Comparaison non calculée."), 404
    c = done.communes
    c = c[(c["mode"] == request.args.get("mode")) & (c["theme"] == request.args.get("theme"))]
    return jsonify(communes={r.commune: {"gained": float(r.population_gained), "lost": float(r.population_lost)}
                             for r in c.itertuples(index=False)})


def _download(data: bytes, mimetype: str, name: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _changes(scenario, other, public=None) -> list[str]:
    """The changes' texts (both scenarios' with ``other``), then the public the figures are for."""
    text = [describe_change(c) for c in scenario.changes]
    if other is not None:
        text = [f"« {other.title} » : {describe_change(c)}" for c in other.changes] + \
            [f"« {scenario.title} » : {t}" for t in text]
    if public is not None:
        text.append(public_line(public))
    return text


def public_line(public) -> str:
    if public.publics is None:
        return f"Public : {public.label} (toutes les offres comptent)"
    return f"Public : {public.label} (seules comptent les offres ouvertes à ce public, offres pour tous comprises)"


def _name(scenario_id: int, other, ext: str, public=None) -> str:
    stem = f"scenario-{other.id}-vers-{scenario_id}" if other is not None else f"scenario-{scenario_id}"
    return f"{stem}-{public.key}.{ext}" if public is not None and public.publics is not None else f"{stem}.{ext}"


@bp.route("/<int:scenario_id>/export.xlsx")
@login_required(*PLANNER_ROLES)
def export(scenario_id: int):
    from mapapp.io.export_scenario import export_tables
    from mapapp.io.export_xlsx import xlsx_bytes

    scenario = _scenario(scenario_id)
    other, public, done = _done(scenario)
    data = xlsx_bytes(export_tables(done.communes, done.territories, _changes(scenario, other, public),
                                    lookup.commune_names(get_session())))
    return _download(data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     _name(scenario_id, other, "xlsx", public))


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
    other, public, done = _done(scenario)
    db = get_session()
    rows = db.execute(select(Commune.code, Commune.nom, Commune.geometry_wkb)).all()
    shapes = dict(zip([r[0] for r in rows], shapely.from_wkb([r[2] for r in rows]))) if rows else {}
    territory = db.scalar(select(Territory))
    layers = scenario_layers(done.communes, done.territories, shapes, {r[0]: r[1] for r in rows})
    with tempfile.TemporaryDirectory() as tmp:
        data = write_scenario_gpkg(layers, Path(tmp) / "scenario.gpkg",
                                   default_crs(territory.departement if territory else "")).read_bytes()
    return _download(data, "application/geopackage+sqlite3", _name(scenario_id, other, "gpkg", public))


@bp.route("/<int:scenario_id>/avant-apres.pdf")
@login_required(*PLANNER_ROLES)
def export_pdf(scenario_id: int):
    """The PDF « avant / après » (a background job: maps and layout take a few seconds)."""
    from mapapp.web.exports import _runner

    scenario = _scenario(scenario_id)
    other, _public, _done_one = _done(scenario)  # the PDF has every public: one document whatever ?public=
    job = "scenario-pdf-" + comparison_key(get_session(), scenario, _store(), other, all_publics=True)
    runner, settings = _runner(), _settings()
    other_id = other.id if other is not None else None

    def work(progress):
        from mapapp.compute import ComputeError
        from mapapp.reports import ReportError
        from mapapp.reports.scenario_pdf import scenario_pdf_from_settings
        from mapapp.scenario_run import compare_scenario

        try:  # one table per public of the settings: the comparison for each of them
            per_public = compare_scenario(settings, scenario_id, progress=progress, other_id=other_id,
                                          all_publics=True)
        except (ComputeError, ScenarioError) as exc:
            raise ReportError(str(exc)) from None
        return scenario_pdf_from_settings(settings, scenario_id, per_public, other_id, progress=progress)

    def ready():
        path = runner.output_path(job)
        return _download(path.read_bytes(), "application/pdf", _name(scenario_id, other, "pdf")) \
            if path.exists() else None

    if (answer := ready()) is not None:
        return answer
    return follow_job(job, work, ready, lambda status: render_template(
        "scenarios/running.html", scenario=scenario, status=status, other=other, what="pdf",
        again=url_for("scenarios.export_pdf", scenario_id=scenario_id, **query(other))))

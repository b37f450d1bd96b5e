"""Proposals on a scenario page: best place, least-loss closures, a bus's schedule (issue 14 §3, §4).

Routes on the :mod:`mapapp.web.scenarios` blueprint (planners only). The
planner chooses the kind, theme, public, mode, threshold and k (or the route
and its half-days); the computation (:func:`mapapp.web.scenarios_forms.run_proposal`,
a few seconds: the road graph, one theme's compute, the solver) works on the
scenario's catalog (its changes count: a second best place takes the first
one added into account) and is a background job of :mod:`mapapp.web.jobs`,
cached under the parameters, the scenario's revision, the results versions
and the catalog. The answer is a map and a table; each best
place has « ajouter au scénario » and each least-loss site « fermer dans le
scénario »: one click, a POST with the CSRF token to the scenario's changes
(:func:`mapapp.web.scenarios.add`), only for those who may edit it.

The best places are sought among the town halls and the territory's active
partner sites, or among the planner's own candidates: a CSV file or the same
text pasted (:mod:`mapapp.catalog.candidates`), sent by POST to
:func:`candidates`. A list with a bad line is refused as a whole, each bad line
named (« ligne 3 : … »), and nothing is computed; a good one is kept under its
digest and the proposal's address names it (``candidats=<digest>``).
"""

from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for

from mapapp.catalog.scenarios import PLANNER_ROLES, can_edit
from mapapp.web.auth import current_user, login_required
from mapapp.web.db import get_session
from mapapp.web.jobs import output_key
from mapapp.web.scenarios import _scenario, _settings, _store, bp
from mapapp.web.scenarios_forms import (
    CANDIDATES_DIR,
    PARAMETERS,
    ProposalError,
    parse_proposal,
    proposal_form,
    run_proposal,
)

#: Largest candidate file accepted (bytes): 2,000 lines of « nom;lon;lat » fit easily.
MAX_CANDIDATES_BYTES = 512 * 1024
from mapapp.web.scenarios_jobs import follow_job


def proposal_job(params: dict, scenario) -> str:
    """The job (and cache) key: the parameters, the scenario's revision, the results and the catalog."""
    keyed = {**params, "scenario": scenario.id, "revision": scenario.revision}
    return "proposal-" + output_key("proposal", keyed, get_session(), _store())


def stored_proposal(job: str) -> dict | None:
    from mapapp.web.exports import _runner

    path = _runner().output_path(job)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def proposal_work(params: dict, scenario_id: int):
    settings = _settings()

    def work(progress):
        from mapapp.compute import ComputeError
        from mapapp.reports import ReportError

        try:
            data = run_proposal(settings, params, progress, scenario_id)
        except ComputeError as exc:  # shown to the planner as is (a 400 page, in French)
            raise ReportError(str(exc)) from None
        return json.dumps(data, ensure_ascii=False).encode()

    return work


@bp.route("/<int:scenario_id>/propositions")
@login_required(*PLANNER_ROLES)
def proposals(scenario_id: int):
    scenario = _scenario(scenario_id)
    if not _store().modes():
        abort(409, description="Aucun résultat calculé : lancez d'abord « mapapp compute ».")
    form = proposal_form(get_session())
    try:
        params = parse_proposal(request.args, form)
    except ProposalError as exc:
        abort(400, description=str(exc))
    job = proposal_job(params, scenario)
    query = {k: request.args[k] for k in PARAMETERS if k in request.args}
    again = url_for("scenarios.proposals", scenario_id=scenario_id, **query)

    def ready():
        data = stored_proposal(job)
        if data is None:
            return None
        return render_template("scenarios/proposals.html", scenario=scenario, data=data, params=params,
                               editable=can_edit(current_user(), scenario), form=form,
                               points=[{"nom": r["nom"], "lon": r["lon"], "lat": r["lat"], "rang": i}
                                       for i, r in enumerate(data["propositions"], 1) if r["lon"] is not None])

    if (page := ready()) is not None:
        return page
    return follow_job(job, proposal_work(params, scenario_id), ready,
                      lambda status: render_template("scenarios/running.html", scenario=scenario, status=status,
                                                     other=None, what="propositions", again=again))


@bp.route("/<int:scenario_id>/propositions/candidats", methods=["POST"])
@login_required(*PLANNER_ROLES)
def candidates(scenario_id: int):
    """The planner's candidate list (file or text): checked line by line, then the best places among them."""
    from mapapp.catalog.candidates import CandidateError, read_candidates, save_candidates

    scenario = _scenario(scenario_id)
    back = url_for("scenarios.show", scenario_id=scenario_id, _anchor="propositions")
    if not _store().modes():
        abort(409, description="Aucun résultat calculé : lancez d'abord « mapapp compute ».")
    fields = {k: v for k, v in request.form.items() if k in PARAMETERS and k != "candidats"}
    try:
        params = parse_proposal({**fields, "type": "meilleur-lieu"}, proposal_form(get_session()))
    except ProposalError as exc:
        flash(f"Aucun calcul : {exc}")
        return redirect(back)
    upload = request.files.get("fichier")
    raw = upload.read(MAX_CANDIDATES_BYTES + 1) if upload is not None and upload.filename else b""
    if len(raw) > MAX_CANDIDATES_BYTES:
        flash(f"Aucun calcul : le fichier dépasse {MAX_CANDIDATES_BYTES // 1024} Ko.")
        return redirect(back)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # a spreadsheet's « CSV (séparateur : point-virgule) »
    text = text if text.strip() else request.form.get("candidats_texte", "")
    try:
        given = read_candidates(get_session(), text)
    except CandidateError as exc:
        flash("Liste de candidats refusée, rien n'a été calculé : corrigez ces lignes et envoyez-la de nouveau.")
        for problem in exc.problems[:50]:
            flash(problem)
        return redirect(back)
    digest = save_candidates(_settings().data_dir / CANDIDATES_DIR, given)
    query = {k: v for k, v in {**params, "candidats": digest}.items() if v is not None}
    return redirect(url_for("scenarios.proposals", scenario_id=scenario.id, **query))

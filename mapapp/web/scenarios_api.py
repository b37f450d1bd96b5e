"""The planners' scenarios in the JSON API (``/api/scenarios``): list, show, compare, proposals (issue 14).

Planners only, through their logged-in session (the project has no API
tokens): without a session 401, another role (a partner) 403, a scenario the
user may not see 404 (as one that does not exist), all as
``{"error": "..."}``. Documented in :mod:`mapapp.web.openapi_scenarios`.

A comparison or proposal not computed yet is started as the pages' background
job (:mod:`mapapp.web.jobs`, same cache, same keys) and the answer is 202
with its progress: ask again. The API never routes in the request.
"""

from __future__ import annotations

import functools

from flask import Blueprint, request

from mapapp.catalog.scenarios import describe_change, get_visible, is_planner, visible_scenarios
from mapapp.web.api import error_response, json_response, register_api
from mapapp.web.auth import current_user
from mapapp.web.db import close_session, get_session

bp = Blueprint("scenarios_api", __name__, url_prefix="/api/scenarios")
bp.teardown_app_request(close_session)
register_api(bp)

NOT_VISIBLE = "Aucun scénario n'a ce numéro parmi ceux que vous pouvez consulter."


def planners_only(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        user = current_user()
        if user is None:
            return error_response("Connexion requise : connectez-vous avec un compte de planificateur.", 401)
        if not is_planner(user):
            return error_response("Les scénarios sont réservés aux planificateurs (modérateurs, administrateurs).",
                                  403)
        return view(*args, **kwargs)

    return wrapped


def _summary(s) -> dict:
    return {"id": s.id, "titre": s.title, "description": s.description, "partage": bool(s.shared),
            "auteur": s.author.label if s.author else None, "cree_le": s.created_at.isoformat(timespec="seconds"),
            "modifie_le": s.updated_at.isoformat(timespec="seconds"), "revision": s.revision,
            "modifications": len(s.changes)}


def _visible(scenario_id: int):
    return get_visible(get_session(), current_user(), scenario_id)


@bp.route("")
@planners_only
def index():
    return json_response({"scenarios": [_summary(s) for s in visible_scenarios(get_session(), current_user())]})


@bp.route("/<int:scenario_id>")
@planners_only
def show(scenario_id: int):
    scenario = _visible(scenario_id)
    if scenario is None:
        return error_response(NOT_VISIBLE, 404)
    return json_response({**_summary(scenario), "modifications": [
        {"id": c.id, "position": c.position, "type": c.kind, "texte": describe_change(c), "donnees": c.data}
        for c in scenario.changes]})


def _pending(job: str, work, ready) -> object:
    """Start or join the job and wait a moment (``MAPAPP_JOB_WAIT``, as the pages): ``ready()`` when it is
    done, else the 202 answer with its progress (or the failure, or 429)."""
    from flask import current_app

    from mapapp.web.exports import _requester, _runner

    runner = _runner()
    status = runner.status(job)
    if status is not None and status.state == "failed":
        runner.forget_failure(job)
        return error_response(status.message, status.code)
    if runner.submit(job, _requester(), work) in ("busy", "full"):
        return error_response("Un autre calcul est en cours pour vous : réessayez dans un instant.", 429)
    runner.wait(job, float(current_app.config.get("MAPAPP_JOB_WAIT", 2.0)))
    status = runner.status(job)
    if status is not None and status.state == "failed":
        runner.forget_failure(job)
        return error_response(status.message, status.code)
    if (answer := ready()) is not None:
        return answer
    return json_response({"etat": "en cours", "etapes": status.progress if status else []}, 202)


def _other(scenario):
    value = request.args.get("avec") or ""
    if not value:
        return None, None
    if not value.isdigit():  # the document's pattern: digits only
        return None, error_response(f"Numéro de scénario invalide : {value!r}", 400)
    other = _visible(int(value))
    if other is None:
        return None, error_response(NOT_VISIBLE, 404)
    if other.id == scenario.id:
        return None, error_response("Choisissez deux scénarios différents.", 400)
    return other, None


def _public(scenario_publics):
    """(public group, None) for ``?public=`` (everyone when absent), or (None, the 400 answer)."""
    value = request.args.get("public") or "tous"
    publics = scenario_publics()
    for group in publics:
        if group.key == value:
            return group, None
    return None, error_response(f"Public inconnu : {value!r} (publics du territoire : "
                                + ", ".join(p.key for p in publics) + ").", 400)


def _records(frame) -> list[dict]:
    return [{k: (None if v != v else v) for k, v in r.items()} for r in frame.to_dict("records")]


@bp.route("/<int:scenario_id>/comparaison")
@planners_only
def comparison(scenario_id: int):
    from mapapp.web.scenarios import _store, scenario_publics, stored
    from mapapp.web.scenarios_jobs import _compare_work

    scenario = _visible(scenario_id)
    if scenario is None:
        return error_response(NOT_VISIBLE, 404)
    other, problem = _other(scenario)
    if problem is not None:
        return problem
    public, problem = _public(scenario_publics)
    if problem is not None:
        return problem
    if not _store().modes():
        return error_response("Aucun résultat calculé : lancez d'abord « mapapp compute ».", 409)
    key, done = stored(scenario, other, public.key)

    def answer():
        found = stored(scenario, other, public.key)[1]
        if found is None:
            return None
        t = found.territories
        return json_response({"scenario": scenario_id, "avant": other.id if other else "situation actuelle",
                              "public": public.key, "public_libelle": public.label,
                              "calculee_le": found.meta.get("computed_at"),
                              "territoire": _records(t[(t["grid"] == "all") & (t["code"] == "all")]),
                              "territoires": _records(t[t["grid"] != "all"]), "communes": _records(found.communes)})

    if done is None:
        return _pending(f"scenario-{key}", _compare_work(scenario_id, other.id if other else None, public.key),
                        answer)
    return answer()


@bp.route("/<int:scenario_id>/propositions")
@planners_only
def proposals(scenario_id: int):
    from mapapp.web.scenarios import _store
    from mapapp.web.scenarios_forms import ProposalError, parse_proposal, proposal_form
    from mapapp.web.scenarios_proposals import proposal_job, proposal_work, stored_proposal

    scenario = _visible(scenario_id)
    if scenario is None:
        return error_response(NOT_VISIBLE, 404)
    try:
        params = parse_proposal(request.args, proposal_form(get_session()))
    except ProposalError as exc:
        return error_response(str(exc), 400)
    if not _store().modes():
        return error_response("Aucun résultat calculé : lancez d'abord « mapapp compute ».", 409)
    job = proposal_job(params, scenario)

    def answer():
        data = stored_proposal(job)
        return json_response(data) if data is not None else None

    if (done := answer()) is not None:
        return done
    return _pending(job, proposal_work(params, scenario_id), answer)

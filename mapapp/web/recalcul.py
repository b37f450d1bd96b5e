"""Recompute the accessibility from the web: an administrator starts ``mapapp compute`` as a background job.

The stale-results warning (:mod:`mapapp.catalog.inputs_state`) offers an
administrator the button « Recalculer maintenant » (a POST with its CSRF
token). The compute runs in a thread of the output jobs' runner
(:class:`mapapp.web.jobs.JobRunner`): its progress steps are written to the
job's status file and shown on ``/recalcul``, which reloads itself until the
job ends. The job's key is the catalog's change mark and the results versions,
so one compute runs at a time for a given state of the data (a second click,
from any process, joins it); once it has run, the results versions change and
the next change of the catalog makes a new key.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from mapapp.results import ResultStore
from mapapp.web.auth import current_user, login_required
from mapapp.web.db import close_session, get_session
from mapapp.web.exports import _runner
from mapapp.web.jobs import output_key

bp = Blueprint("recalcul", __name__)
bp.teardown_app_request(close_session)

#: Seconds a click waits before showing the progress page (a small territory is done at once).
WAIT_S = 2.0


@bp.app_context_processor
def _can_recompute():
    user = current_user()
    return {"can_recompute": user is not None and user.role == "admin"}


def _key() -> str:
    store = ResultStore(current_app.config["MAPAPP_SETTINGS"].data_dir / "results")
    return output_key("recalcul", {}, get_session(), store)


def _work(progress) -> bytes:
    from mapapp.compute import ComputeError, run_compute

    settings = current_app.config["MAPAPP_SETTINGS"]
    try:
        report = run_compute(settings, workers=1, progress=progress)
    except ComputeError as exc:
        from mapapp.reports import ReportError  # the runner shows its message (a 400, not a crash)

        raise ReportError(str(exc)) from None
    from mapapp.snapshots import SnapshotError, monthly_snapshot

    summary = report.summary()
    try:
        kept = monthly_snapshot(settings)  # the month's first compute keeps a dated snapshot (MAPAPP_INSTANTANES)
    except SnapshotError as exc:
        summary += f"\ninstantané non gardé : {exc}"
    else:
        if kept is not None:
            from mapapp.formats import date as date_fr

            summary += f"\nInstantané mensuel du {date_fr(kept.day)} gardé."
    return summary.encode("utf-8")


@bp.route("/recalcul", methods=["GET", "POST"])
@login_required("admin")
def page():
    """POST: start (or join) the recompute; GET: its progress, then its summary."""
    runner = _runner()
    key = request.args.get("job") or _key()
    if request.method == "POST":
        app = current_app._get_current_object()

        def work(progress):
            with app.app_context():
                return _work(progress)
        outcome = runner.submit(key, f"user:{current_user().id}", work)
        if outcome in ("busy", "full"):
            return render_template("recalcul.html", status=None, busy=True), 429
        runner.wait(key, WAIT_S)
        return redirect(url_for("recalcul.page", job=key))
    if not all(c.isalnum() for c in key):
        return render_template("recalcul.html", status=None, unknown=True), 404
    status = runner.status(key)
    if status is None:
        return render_template("recalcul.html", status=None, unknown=True), 404
    summary = None
    if status.state == "done" and runner.output_path(key).exists():
        summary = runner.output_path(key).read_text(encoding="utf-8")
    return render_template("recalcul.html", status=status, summary=summary, key=key)

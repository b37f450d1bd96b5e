"""The partners' bulk import (``/espace/import``): upload a file, read the simulated import, confirm it.

The views belong to the partners' blueprint: :mod:`mapapp.web.partenaires`
adds them with :func:`register` (same URLs and endpoints,
``partenaires.import_file`` and ``partenaires.import_confirm``). The import
itself is :func:`mapapp.io.catalog_import.run_import`; the uploaded file waits
in ``<data_dir>/uploads`` between the simulation and the confirmation, and the
pending imports are remembered in the session.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for

from mapapp.web.auth import current_user, login_required
from mapapp.web.db import get_session

UPLOAD_SUFFIXES = {".csv", ".xlsx", ".json", ".geojson"}
#: Simulated imports awaiting confirmation kept per session (the oldest are dropped, with their file):
#: they live in the signed session cookie, which browsers drop beyond 4 KB.
MAX_PENDING_IMPORTS = 3
#: Uploaded files older than this are deleted when a new file is uploaded (unconfirmed simulations,
#: failed imports kept to be fixed): an import must be confirmed within a day.
UPLOAD_MAX_AGE = dt.timedelta(hours=24)
#: Default of ``MAPAPP_MAX_UPLOAD_MB``, the largest request body the application accepts (in MB).
DEFAULT_MAX_UPLOAD_MB = 20


def max_upload_bytes(environ=None) -> int:
    """The request size limit: ``MAPAPP_MAX_UPLOAD_MB`` megabytes (default :data:`DEFAULT_MAX_UPLOAD_MB`).

    Set as Flask's ``MAX_CONTENT_LENGTH`` by the application factory: Werkzeug then answers 413
    before reading a larger body.
    """
    raw = (os.environ if environ is None else environ).get("MAPAPP_MAX_UPLOAD_MB") or ""
    try:
        megabytes = float(raw) if raw.strip() else DEFAULT_MAX_UPLOAD_MB
    except ValueError:
        raise RuntimeError(f"MAPAPP_MAX_UPLOAD_MB doit être un nombre de mégaoctets, pas « {raw} ».") from None
    if megabytes <= 0:
        raise RuntimeError(f"MAPAPP_MAX_UPLOAD_MB doit être positif, pas « {raw} ».")
    return int(megabytes * 1024 * 1024)


def too_large_message(limit: int | None) -> str:
    """The French text of the 413 page for a limit of ``limit`` bytes."""
    size = f"{limit / (1024 * 1024):g} Mo" if limit else "la taille autorisée"
    return f"Le fichier envoyé est trop volumineux : la limite est de {size} par envoi."


def _uploads(settings=None) -> Path:
    folder = (settings or current_app.config["MAPAPP_SETTINGS"]).data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _remove_upload(token: str) -> None:
    if re.fullmatch(r"[0-9a-f]{32}", token):
        for path in _uploads().glob(f"{token}.*"):
            path.unlink(missing_ok=True)


def _issue_lists() -> Path:
    folder = current_app.config["MAPAPP_SETTINGS"].data_dir / "import-reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _prune_uploads(now: dt.datetime | None = None, settings=None) -> None:
    """Delete the uploaded files (anyone's) older than :data:`UPLOAD_MAX_AGE`."""
    _prune_folder(_uploads(settings), now)


def _prune_folder(folder: Path, now: dt.datetime | None = None) -> None:
    """Delete the files of ``folder`` older than :data:`UPLOAD_MAX_AGE`."""
    limit = ((now or dt.datetime.now()) - UPLOAD_MAX_AGE).timestamp()
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue  # removed meanwhile by another request


def _remember_import(token: str, info: dict) -> None:
    """Add a pending import to the session, keeping the :data:`MAX_PENDING_IMPORTS` latest (older files deleted)."""
    # By upload time, not dict order: the session serializer sorts keys.
    imports = {**(session.get("imports") or {}), token: {**info, "at": dt.datetime.now().timestamp()}}
    while len(imports) > MAX_PENDING_IMPORTS:
        oldest = min(imports, key=lambda t: ((imports[t] or {}).get("at") or 0, t == token))
        imports.pop(oldest)
        _remove_upload(oldest)
    session["imports"] = imports



def _keep_issues(report) -> str | None:
    """Write every problem of ``report`` as the CSV of ``--errors`` (:mod:`mapapp.io.issues_csv`); its download URL.

    The file waits in ``<data_dir>/import-reports`` (deleted after :data:`UPLOAD_MAX_AGE`,
    or when the session keeps newer ones) and only this session may download it.
    ``None`` when the report has no problem.
    """
    from mapapp.io.issues_csv import issues_csv_bytes

    if not (report.errors or report.warnings or report.infos):
        return None
    _prune_folder(_issue_lists())
    report_id = secrets.token_hex(16)
    (_issue_lists() / f"problemes-{report_id}.csv").write_bytes(issues_csv_bytes(report))
    kept = dict(session.get("import_reports") or {})
    kept[report_id] = dt.datetime.now().timestamp()
    for old in sorted(kept, key=kept.get)[:-MAX_PENDING_IMPORTS]:
        kept.pop(old)
        (_issue_lists() / f"problemes-{old}.csv").unlink(missing_ok=True)
    session["import_reports"] = kept
    return url_for("partenaires.import_issues", report_id=report_id)


@login_required()
def import_issues(report_id: str):
    """The full list of an import's problems as CSV (same file as the CLI's ``--errors``), for its own session."""
    from flask import Response

    path = _issue_lists() / f"problemes-{report_id}.csv"
    if not re.fullmatch(r"[0-9a-f]{32}", report_id) or report_id not in (session.get("import_reports") or {}) \
            or not path.exists():
        abort(404, description="Liste introuvable ou expirée : relancez la simulation de l'import.")
    return Response(path.read_bytes(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="problemes-import.csv"'})


def _data_date(text: str) -> dt.date | None | bool:
    """The form's « date des données » (None when empty, False when unreadable)."""
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return False


@login_required()
def import_file():
    from mapapp.io.catalog_import import plan_rows, run_import
    from mapapp.io.catalog_readers import FORMATS
    from mapapp.territory.validation import TerritoryImportError

    user = current_user()
    if request.method == "GET":
        return render_template("espace/import.html", formats=FORMATS)
    upload = request.files.get("fichier")
    fmt = request.form.get("format") or None
    if fmt and fmt not in FORMATS:
        abort(400, description="Format inconnu.")
    data_date = _data_date(request.form.get("date_donnees", ""))
    if data_date is False:
        return render_template("espace/import.html", formats=FORMATS, error_field="date_donnees",
                               error="Date des données invalide : AAAA-MM-JJ attendue."), 400
    if upload is None or not upload.filename:
        return render_template("espace/import.html", formats=FORMATS, error="Choisissez un fichier."), 400
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return render_template("espace/import.html", formats=FORMATS,
                               error="Fichier .csv, .xlsx, .json ou .geojson attendu."), 400
    _prune_uploads()
    token = secrets.token_hex(16)
    path = _uploads() / f"{token}{suffix}"
    name = Path(upload.filename).name[:200]
    db = get_session()
    try:
        upload.save(path)
        result = run_import(db, path, fmt, user=user, dry_run=True, source=name, data_date=data_date)
    except TerritoryImportError as exc:
        db.rollback()
        path.unlink(missing_ok=True)
        return render_template("espace/import.html", formats=FORMATS, error=str(exc)), 400
    except BaseException:
        path.unlink(missing_ok=True)  # an unexpected failure must not leave the file behind
        raise
    if result.report.errors or not result.changed:
        # Nothing can be confirmed: the file is of no further use (it is fixed and uploaded again).
        path.unlink(missing_ok=True)
        token = None
    else:
        _remember_import(token, {"name": name, "format": fmt, "user": user.id,
                                 "date": data_date.isoformat() if data_date else None})
    return render_template("espace/import_report.html", result=result, rows=plan_rows(result), token=token,
                           done=False, issues_url=_keep_issues(result.report))


@login_required()
def import_confirm():
    from mapapp.io.catalog_import import plan_rows, run_import
    from mapapp.territory.validation import TerritoryImportError

    user = current_user()
    token = request.form.get("token", "")
    info = (session.get("imports") or {}).get(token)
    if not re.fullmatch(r"[0-9a-f]{32}", token) or info is None or info.get("user") != user.id:
        abort(403, description="Ce fichier n'est pas le vôtre, ou la simulation a expiré : déposez-le à nouveau.")
    matches = list(_uploads().glob(f"{token}.*"))
    if not matches:
        abort(404, description="Fichier introuvable : déposez-le à nouveau.")
    db = get_session()
    try:
        result = run_import(db, matches[0], info.get("format"), user=user, dry_run=False, source=info["name"],
                            data_date=_data_date(info.get("date") or ""))
    except TerritoryImportError as exc:
        db.rollback()
        flash(str(exc))
        return redirect(url_for("partenaires.import_file"))
    finally:
        # Used once, whatever the outcome: a failed import is fixed and uploaded again.
        for path in matches:
            path.unlink(missing_ok=True)
    if result.ok:
        db.commit()
        if result.batch:  # submitted to moderation: one mail per moderator for the whole file
            from mapapp.web import notify

            notify.submitted_batch(result.batch)
    else:
        db.rollback()
    imports = dict(session.get("imports") or {})
    imports.pop(token, None)
    session["imports"] = imports
    return render_template("espace/import_report.html", result=result, rows=plan_rows(result), token=None, done=True,
                           issues_url=_keep_issues(result.report))


@login_required()
def import_template():
    """The XLSX import template (:mod:`mapapp.io.import_template`), filled in and uploaded on the import page."""
    from mapapp.io.import_template import template_bytes

    return current_app.response_class(
        template_bytes(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="modele-import-catalogue.xlsx"'})


def register(bp: Blueprint) -> None:
    """Add the import views to the partners' blueprint ``bp`` (``/espace``)."""
    bp.add_url_rule("/import", view_func=import_file, methods=["GET", "POST"])
    bp.add_url_rule("/import/modele.xlsx", view_func=import_template)
    bp.add_url_rule("/import/confirmer", view_func=import_confirm, methods=["POST"])
    bp.add_url_rule("/import/problemes/<report_id>.csv", view_func=import_issues)
    # Files left by a previous process (killed mid-request, or simulations never confirmed) go at start.
    bp.record_once(lambda state: _prune_uploads(settings=state.app.config["MAPAPP_SETTINGS"]))

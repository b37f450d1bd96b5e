"""Downloads: the accessibility report (PDF, HTML) and the exports (XLSX, CSV, GeoPackage, GeoJSON, data·inclusion).

- ``/rapports``: a form to choose the territory and the format, and the export links;
- ``/rapport?unit=<grid:code>&format=pdf|html`` (optional ``theme``, ``mode``
  repeated, ``by``, ``stale_months``): the report, PDF as an attachment, HTML
  inline under a strict Content-Security-Policy (no script, no external
  resource: the report embeds its maps as ``data:`` images);
- ``/export/<format>?unit=...``: one file (a ZIP for the formats made of several).

Everything is generated on request from the stored results and the catalog
(the département report takes a few seconds); errors in the parameters are
French 400 pages.
"""

from __future__ import annotations

import os
import re

from flask import Blueprint, Response, abort, current_app, render_template, request

from mapapp.io.exports import FORMATS, export_bytes
from mapapp.reports import REPORT_FORMATS, ReportError, build_report, render_report
from mapapp.results import ResultStore
from mapapp.web.db import close_session, get_session

bp = Blueprint("exports", __name__)
bp.teardown_app_request(close_session)

#: The report's own HTML needs inline styles and data: images, nothing else.
REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _store() -> ResultStore:
    return ResultStore(current_app.config["MAPAPP_SETTINGS"].data_dir / "results")


def _report_args() -> dict:
    args = request.args
    stale = args.get("stale_months") or os.environ.get("MAPAPP_STALE_MONTHS") or "12"
    if not stale.isdigit() or not 1 <= int(stale) <= 240:
        abort(400, description="stale_months doit être un nombre de mois entre 1 et 240.")
    return {"unit": args.get("unit") or None, "themes": args.getlist("theme") or None,
            "modes": args.getlist("mode") or None, "sub_grid": args.get("by") or None,
            "stale_months": int(stale)}


def _filename(prefix: str, unit: str | None, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", (unit or "departement").replace(":", "-")).strip("-")[:80]
    return f"{prefix}-{stem or 'departement'}{extension}"


def _attachment(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/rapports")
def rapports():
    from mapapp.catalog.territory_store import read_communes, read_grids
    from mapapp.reports.units import unit_choices

    session = get_session()
    groups: dict[str, list[tuple[str, str]]] = {}
    for key, grid, name in unit_choices(read_communes(session, include_buffer=False), read_grids(session)):
        groups.setdefault(grid, []).append((key, name))
    return render_template("rapports.html", groups=groups, formats=FORMATS, has_results=bool(_store().modes()))


@bp.route("/rapport")
def rapport():
    fmt = request.args.get("format", "pdf")
    if fmt not in REPORT_FORMATS:
        abort(400, description="Format de rapport inconnu : pdf ou html.")
    args = _report_args()
    try:
        data = build_report(get_session(), _store(), **args)
    except ReportError as exc:
        abort(400, description=str(exc))
    content = render_report(data, fmt)
    mimetype, extension = REPORT_FORMATS[fmt]
    if fmt == "pdf":
        return _attachment(content, "application/pdf", _filename("rapport", args["unit"], extension))
    response = Response(content, mimetype="text/html")
    response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


@bp.route("/export/<fmt>")
def export(fmt: str):
    if fmt not in FORMATS:
        abort(404, description=f"Format d'export inconnu ; formats : {', '.join(FORMATS)}.")
    spec = FORMATS[fmt]
    args = _report_args()
    try:
        data = export_bytes(fmt, get_session(), _store(), **args)
    except ReportError as exc:
        abort(400, description=str(exc))
    unit = args["unit"] if spec.needs_report else "catalogue"
    return _attachment(data, spec.mimetype, _filename(f"export-{fmt}", unit, spec.extension))

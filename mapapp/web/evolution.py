"""The observatoire's « Évolution » page: dated snapshots and what changed between two of them (issue 16 §1–2).

``/observatoire/evolution`` lists the snapshots (:mod:`mapapp.snapshots`) and,
for two dates ``d1`` and ``d2``, shows the comparison of
:mod:`mapapp.snapshot_compare`: sites and offers opened, closed and changed,
inhabitants gained or lost under the main threshold per theme (for the public
and mode chosen, the whole département and each unit of the grid chosen), and
zones blanches appeared or resolved. The whole comparison downloads as CSV (a
ZIP) or XLSX (:mod:`mapapp.io.export_evolution`). Administrators and
moderators keep a snapshot of the current results with a button (POST, CSRF).
Pages read stored snapshots; they never route.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from mapapp.catalog.scenarios import PLANNER_ROLES
from mapapp.results import ResultStore
from mapapp.snapshots import SnapshotError, get_snapshot, list_snapshots, parse_day, snapshots_root, take_snapshot
from mapapp.web import access_data as ad
from mapapp.web import catalog_cache as cc
from mapapp.web import lookup, snapshot_param
from mapapp.web.auth import current_user, login_required
from mapapp.web.db import get_session

bp = Blueprint("evolution", __name__)

MIMETYPES = {"csv": "application/zip",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.app_context_processor
def _situation():
    user = current_user()
    return {"situation": snapshot_param.situation(),
            "can_snapshot": user is not None and user.role in PLANNER_ROLES}


def _root():
    return snapshots_root(current_app.config["MAPAPP_SETTINGS"])


def _pair(snaps):
    """The two snapshots of ``d1`` and ``d2`` (default: the two latest); None when there are fewer than two."""
    if len(snaps) < 2 and not (request.args.get("d1") or request.args.get("d2")):
        return None
    try:
        d1 = parse_day(request.args.get("d1") or snaps[-2].key, "d1")
        d2 = parse_day(request.args.get("d2") or snaps[-1].key, "d2")
        a, b = get_snapshot(_root(), d1), get_snapshot(_root(), d2)
    except (SnapshotError, IndexError) as exc:
        message = str(exc) if isinstance(exc, SnapshotError) else "il faut deux instantanés pour comparer"
        raise ad.AccessError(message, 404 if "Aucun instantané" in message else 400) from None
    if a.day == b.day:
        raise ad.AccessError("choisissez deux dates différentes", 400)
    return (a, b) if a.day < b.day else (b, a)


def _comparison(a, b):
    from mapapp.snapshot_compare import compare

    return compare(a, b)


@bp.route("/observatoire/evolution")
def page():
    snaps = list_snapshots(_root())
    kept = request.args.get("garde")
    ctx = {"snaps": snaps, "comp": None, "kept": next((s for s in snaps if s.key == kept), None),
           "grid_label": lookup.grid_label, "mode_labels": ad.MODE_LABEL, "modes": ad.MODE_PARAM}
    try:
        pair = _pair(snaps)
        mode = ad.parse_mode(request.args.get("mode"), default="car")
    except ad.AccessError as exc:
        return render_template("evolution.html", error=exc.message, **ctx), exc.status
    if pair is None:
        return render_template("evolution.html", **ctx)
    a, b = pair
    comp = _comparison(a, b)
    session = get_session()
    names = cc.commune_names(session)
    members = cc.grids(session)
    grids = sorted(set(members["grid"])) if members is not None and len(members) else []
    grid = request.args.get("grid") or ("canton" if "canton" in grids else (grids[0] if grids else ""))
    if grid and grid not in grids:
        return render_template("evolution.html", error=f"découpage « {grid} » inconnu : " + ", ".join(grids),
                               **ctx), 400
    unit_names = {(g, c): n for g, c, n in members[["grid", "code", "nom"]].drop_duplicates().itertuples(
        index=False)} if grids else {}
    pop = comp.population[(comp.population["variant"] == "tous") & (comp.population["mode"] == mode)]
    whole = pop[pop["grid"] == "all"].assign(label=lambda f: f["theme"].map(lambda k: comp.themes.get(k, k)))
    units = pop[pop["grid"] == grid].assign(
        nom=lambda f: [unit_names.get((g, c), c) for g, c in zip(f["grid"], f["code"])],
        label=lambda f: f["theme"].map(lambda k: comp.themes.get(k, k)))
    units = units[units["gained"] != 0].sort_values(["label", "nom"])
    zones = comp.zones[(comp.zones["variant"] == "tous") & (comp.zones["mode"] == mode)].assign(
        nom=lambda f: f["commune"].map(names).fillna(f["commune"]),
        label=lambda f: f["theme"].map(lambda k: comp.themes.get(k, k)))
    from mapapp.catalog.history import FIELD_LABELS

    catalog = comp.catalog.assign(commune_nom=comp.catalog["commune"].map(names).fillna(comp.catalog["commune"]),
                                  field_labels=[[FIELD_LABELS.get(f, f) for f in fields]
                                                for fields in comp.catalog["fields"]])
    ctx["comp"] = comp
    return render_template("evolution.html", a=a, b=b, mode=mode, grid=grid, grids=grids,
                           whole=whole.sort_values("label").to_dict("records"), units=units.to_dict("records"),
                           zones=zones.sort_values(["label", "nom"]).to_dict("records"),
                           catalog=catalog.to_dict("records"), **ctx)


@bp.route("/observatoire/evolution/export.<fmt>")
def export(fmt: str):
    from mapapp.io.export_evolution import comparison_bytes, comparison_tables, labels

    if fmt not in MIMETYPES:
        return render_template("evolution.html", error=f"format « {fmt} » : csv ou xlsx", snaps=[], comp=None), 404
    try:
        pair = _pair(list_snapshots(_root()))
        if pair is None:
            raise ad.AccessError("il faut deux instantanés pour comparer", 404)
    except ad.AccessError as exc:
        return render_template("evolution.html", error=exc.message, snaps=list_snapshots(_root()), comp=None), \
            exc.status
    a, b = pair
    comp = _comparison(a, b)
    communes, units, variants = labels(get_session(), b.store)
    data = comparison_bytes(fmt, comparison_tables(comp, communes, units, variants))
    response = Response(data, mimetype=MIMETYPES[fmt])
    name = f"evolution-{a.key}-{b.key}.{'zip' if fmt == 'csv' else 'xlsx'}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/observatoire/instantanes", methods=["POST"])
@login_required(*PLANNER_ROLES)
def keep():
    """Keep the current results and catalog as today's snapshot."""
    settings = current_app.config["MAPAPP_SETTINGS"]
    ctx = {"snaps": list_snapshots(_root()), "comp": None}
    if not ResultStore(settings.data_dir / "results").modes():
        return render_template("evolution.html", error="aucun résultat à garder : lancez d'abord un calcul",
                               **ctx), 409
    try:
        snap = take_snapshot(settings, kind="marque", by=current_user().email)
    except SnapshotError as exc:
        return render_template("evolution.html", error=str(exc), **ctx), 409
    return redirect(url_for("evolution.page", garde=snap.key))

"""The accessibility pages: travel times to the offer per commune and territory, from stored results.

Pages never route: they read :class:`mapapp.results.ResultStore` (written by
``mapapp compute``) through :mod:`mapapp.web.access_data`. Parameters live in
the URL (GET form): ``theme``, ``mode`` (voiture, velo, marche), ``seuil``
(minutes, one of the theme's bands for the mode), ``grid`` (territory table),
``comparer`` (marche or velo, against the car) and ``vue`` (the map shown:
temps, superposition, voiture).
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from sqlalchemy import select

from mapapp.access.variants import hours_fr
from mapapp.catalog.models import Site
from mapapp.reports import method_note
from mapapp.results import ResultStore
from mapapp.web import access_data as ad
from mapapp.web import access_tables as at
from mapapp.web import catalog_cache as cc
from mapapp import results_variants as variants
from mapapp.web import lookup, observatoire, snapshot_param
from mapapp.web.access_maps import COMPARISON_LABELS, TimeClasses, access_layers, catchment_layer, commune_link
from mapapp.web.db import get_session
from mapapp.web.maps import build_commune_map

bp = Blueprint("accessibilite", __name__)

VIEWS = {"temps": "Temps moyen d'accès", "superposition": "Superposition des offres",
         "voiture": "Voiture ou sans voiture"}
#: Outline simplification of the choropleth, degrees (~50 m): invisible at département scale, lighter pages.
CHOROPLETH_TOLERANCE_DEG = 0.0005


def root_store() -> ResultStore:
    """The headline results store (the variants are under it): a dated snapshot's with ``?date=``
    (:mod:`mapapp.web.snapshot_param`; raises :class:`~mapapp.web.access_data.AccessError`)."""
    return snapshot_param.root_for()


def live_results() -> ad.Results:
    """The live headline results, whatever the request's ``date`` says (on « Trouver une offre »
    ``date`` is the day the place must be open, not a snapshot)."""
    return ad.Results(snapshot_param.live_store())


def results_store() -> ad.Results:
    """The headline results: everyone, every open site."""
    return ad.Results(root_store())


def variant_results(args, strict: bool = False, infos=None) -> tuple[ad.Results, variants.VariantInfo | None]:
    """The results of the variant asked by ``public`` and ``horaires`` (:mod:`mapapp.results_variants`);
    ``infos``: the computed variants when the caller read them already."""
    try:
        store, info = variants.choose(root_store(), args.get("public"), args.get("horaires"), strict=strict,
                                      infos=infos)
    except variants.VariantError as exc:
        raise ad.AccessError(exc.message, exc.status) from None
    return ad.Results(store), info


def occasional_only(info: variants.VariantInfo | None, mode: str, theme: str, threshold: float,
                    main: float) -> set[str]:
    """Communes served within the threshold only by sites open less than the schedule rule's hours
    (« desservie seulement par une permanence ponctuelle »): a zone blanche under the rule, not without it."""
    if info is None or not info.schedule:
        return set()
    without = ad.Results(root_store().variant(info.public))
    if without.empty or mode not in without.modes:
        return set()
    table = at.commune_table(without, mode, theme, threshold, main)
    return set(table.loc[[v is False for v in table["zone_blanche_t"]], "commune"])


def stale_notice(results: ad.Results) -> str | None:
    """The warning shown when the results were computed before the catalog's last changes (or ``None``)."""
    from mapapp.catalog.inputs_state import stale_message

    if snapshot_param.situation() is not None:
        return None  # a dated snapshot describes its own date's catalog
    return stale_message(get_session(), results.manifests.values())


def site_names(session, ids) -> dict[str, str]:
    ids = sorted({i for i in ids if isinstance(i, str) and i})
    if not ids:
        return {}
    return dict(session.execute(select(Site.id, Site.nom).where(Site.id.in_(ids))).all())


@bp.app_template_filter("heures_fr")
def _hours_filter(value) -> str:
    return hours_fr(value)


@bp.app_template_filter("nombre_fr")
def _number_filter(value) -> str:
    return observatoire.number_fr(value)


@bp.app_template_filter("sort_key")
def _sort_filter(value) -> str:
    return ad.sort_key(value)


def _options(results: ad.Results) -> dict:
    """Thresholds of every theme and mode, for the form (and the script that updates the seuil list)."""
    out: dict[str, dict[str, dict]] = {}
    for spec in results.themes:
        for mode in results.modes:
            try:
                main, bands = results.thresholds(spec, mode)
            except ad.AccessError:
                continue
            out.setdefault(spec["key"], {})[ad.MODE_PARAM[mode]] = {"main": main, "bands": bands}
    return out


@bp.route("/accessibilite")
def page():
    base = {"modes": ad.MODE_PARAM, "mode_labels": ad.MODE_LABEL, "mode_phrases": ad.MODE_PHRASE,
            "views": VIEWS, "grid_label": lookup.grid_label}
    try:
        infos = variants.available(root_store())
    except ad.AccessError as exc:
        live = ad.Results(ResultStore(current_app.config["MAPAPP_SETTINGS"].data_dir / "results"))
        return render_template("accessibilite.html", error=exc.message, results=live, options={}, theme=None,
                               mode=None, threshold=None, bands=[], variant=None, publics=[], rule_hours=None,
                               **base), exc.status
    base.update(publics=variants.publics(infos), rule_hours=variants.schedule_rule(infos))
    try:
        results, info = variant_results(request.args, infos=infos)
    except ad.AccessError as exc:
        return render_template("accessibilite.html", error=exc.message, results=results_store(), options={},
                               theme=None, mode=None, threshold=None, bands=[], variant=None, **base), exc.status
    base["variant"] = info
    if results.empty:
        return render_template("accessibilite.html", no_results=True, message=ad.NO_RESULTS_MESSAGE, **base)
    args = request.args
    ctx: dict = {"results": results, "options": _options(results), "theme": None, "mode": None,
                 "threshold": None, "bands": [], "stale": stale_notice(results), **base}
    try:
        theme = ctx["theme"] = results.theme(args.get("theme"))
        mode = ctx["mode"] = results.mode(args.get("mode"))
        main, bands = results.thresholds(theme, mode)
        ctx.update(main=main, bands=bands)
        threshold, note = ad.parse_threshold(args.get("seuil"), main, bands)
        ctx.update(threshold=threshold, threshold_note=note)
        grids = at.available_grids(results, mode, theme["key"])
        grid = args.get("grid") or (ad.DEFAULT_GRID if ad.DEFAULT_GRID in grids else (grids[0] if grids else ""))
        if grids and grid not in grids:
            raise ad.AccessError(f"découpage « {grid} » inconnu : " + ", ".join(grids), 400)
        alternatives = [m for m in ("walk", "bike") if m in results.modes]
        other = ad.parse_mode(args.get("comparer"), default=alternatives[0] if alternatives else "walk")
        if other == "car":
            raise ad.AccessError("« comparer » : marche ou velo (la voiture est toujours la référence)", 400)
        view = args.get("vue") or "temps"
        if view not in VIEWS:
            raise ad.AccessError(f"vue « {view} » inconnue : " + ", ".join(VIEWS), 400)
        ctx.update(grid=grid, grids=grids, other=other, alternatives=alternatives, view=view)
    except ad.AccessError as exc:
        return render_template("accessibilite.html", error=exc.message, **ctx), exc.status

    session = get_session()
    names = cc.commune_names(session)
    urls = lookup.FicheUrls()
    communes = at.commune_table(results, mode, theme["key"], threshold, main)
    communes = communes.assign(nom=communes["commune"].map(names).fillna(communes["commune"]))
    communes = communes.sort_values("nom", key=lambda s: s.str.lower()).reset_index(drop=True)
    occasional = occasional_only(info, mode, theme["key"], threshold, main) & set(
        communes.loc[[v is True for v in communes["zone_blanche_t"]], "commune"])
    communes = communes.assign(ponctuelle=communes["commune"].isin(occasional))
    territories = at.territory_table(results, mode, theme["key"], threshold, grid, cc.grids(session), communes) \
        if grid else None
    comparison, comparison_error = None, None
    if "car" in results.modes and other in results.modes:
        try:
            comparison = at.compare_car(results, theme["key"], threshold, other)
        except ad.AccessError as exc:
            comparison_error = exc.message
    else:
        comparison_error = ("La comparaison demande les résultats en voiture et " + ad.MODE_PHRASE[other]
                            + " : lancez « mapapp compute » pour ces modes.")
    if view == "voiture" and comparison is None:
        view = ctx["view"] = "temps"
    classes = TimeClasses.for_bands(bands, main)
    layers = access_layers(communes, classes=classes, threshold=threshold, main=main, mode=mode,
                           comparison=comparison, view=view)
    shapes = cc.commune_shapes(session, communes["commune"])
    parts = build_commune_map(shapes, layers.layers, default_bounds=cc.departement_bounds(session), names=names,
                              link=commune_link(urls.commune), tolerance=CHOROPLETH_TOLERANCE_DEG)
    nearest = site_names(session, communes["nearest_site_id"])
    whole = territories[territories["grid"] == ad.ALL].iloc[0] if territories is not None else None
    comparison_rows = None
    if comparison is not None:
        comparison_rows = comparison.table.assign(
            nom=comparison.table["commune"].map(names).fillna(comparison.table["commune"]))
        order = {ad.CAR_ONLY: 0, ad.NOT_COVERED: 1, ad.COVERED_WITHOUT_CAR: 2, ad.NO_POPULATION: 3}
        comparison_rows = comparison_rows.assign(_o=comparison_rows["class"].map(order)).sort_values(
            ["_o", "car_only_population"], ascending=[True, False]).drop(columns="_o")

    def page_url(**changes) -> str:
        params = {"theme": theme["key"], "mode": ad.MODE_PARAM[mode], "seuil": f"{threshold:g}", "grid": grid,
                  "comparer": ad.MODE_PARAM[other], "vue": view, **variants.params(info),
                  **snapshot_param.date_param()}
        params.update(changes)
        return url_for("accessibilite.page", **{k: v for k, v in params.items() if v})

    manifest = results.manifests[mode]
    points = results.table(mode, "points", theme["key"])
    method = method_note.method_lines(manifest.method, manifest.graph, points, mode, theme["key"], threshold,
                                      n_points=len(points))
    references = observatoire.references_for(session, theme["key"], mode, threshold)
    needs = observatoire.need_figures(session, points, threshold)
    need_tables = []
    if needs and grid:
        members = cc.grids(session)
        unit_names = {(g, c): n for g, c, n in members[["grid", "code", "nom"]].drop_duplicates().itertuples(index=False)}
        need_tables = observatoire.need_tables(session, points, theme, threshold, grid, members, unit_names)
    return render_template(
        "accessibilite.html", communes=communes.to_dict("records"), territories=territories, whole=whole,
        comparison=comparison, comparison_rows=comparison_rows, comparison_error=comparison_error,
        comparison_labels=COMPARISON_LABELS, references=references, needs=needs, need_tables=need_tables,
        parts=parts, layers=layers, nearest=nearest, urls=urls, page_url=page_url, classes=classes,
        computed_at=manifest.computed_at, car_only=ad.CAR_ONLY, method_lines=method, n_zones_blanches=int(
            sum(1 for v in communes["zone_blanche_t"] if v is True)), n_occasional=len(occasional),
        api_communes_url=url_for("api_access.communes", theme=theme["key"], mode=ad.MODE_PARAM[mode],
                                 seuil=f"{threshold:g}", **variants.params(info), **snapshot_param.date_param()),
        api_territoires_url=url_for("api_access.territoires", theme=theme["key"], mode=ad.MODE_PARAM[mode],
                                    grid=grid, seuil=f"{threshold:g}", **variants.params(info),
                                    **snapshot_param.date_param()) if grid else None,
        **ctx)


# --------------------------------------------------------------------------- fiches


def commune_section(session, code: str) -> dict:
    """The « Temps d'accès » section of the fiche commune: per theme, time and zone blanche per mode, for the
    public and schedule rule of the URL (``public``, ``horaires``; a choice not computed is said, not hidden)."""
    try:
        infos = variants.available(root_store())
        results, info = variant_results(request.args, infos=infos)
    except ad.AccessError as exc:
        return {"message": exc.message}
    if results.empty:
        return {"message": ad.NO_RESULTS_MESSAGE}
    rows = at.commune_access(results, code)
    ids = {r["nearest_site_id"] for item in rows for r in item["modes"].values() if r}
    names = site_names(session, ids)
    for item in rows:
        nearest: dict[str, list[str]] = {}
        for mode, r in item["modes"].items():
            if r and isinstance(r.get("nearest_site_id"), str):
                nearest.setdefault(r["nearest_site_id"], []).append(ad.MODE_LABEL[mode].lower())
        item["nearest"] = [(sid, names.get(sid, sid), modes) for sid, modes in nearest.items()]
        item["url"] = url_for("accessibilite.page", theme=item["theme"]["key"])
    return {"rows": rows, "modes": results.modes, "mode_labels": ad.MODE_LABEL,
            "computed_at": results.manifests[results.modes[0]].computed_at, "stale": stale_notice(results),
            "variant": info, "publics": variants.publics(infos), "rule_hours": variants.schedule_rule(infos),
            "variant_label": variants.describe_fr(info)}


def site_section(session, site_id: str, args) -> dict:
    """The « Desserte » section of the fiche site for the mode and theme in ``args``.

    Returns a context dict: ``message`` (why there is nothing to show) or
    ``rows`` (themes it serves), ``theme``, ``mode``, ``bands``, ``communes``,
    ``layer`` and ``legend`` (the map layer of the communes it serves first).
    """
    results = results_store()
    if results.empty:
        return {"message": ad.NO_RESULTS_MESSAGE}
    out: dict = {"modes": results.modes, "mode_labels": ad.MODE_LABEL, "mode_params": ad.MODE_PARAM}
    try:
        mode = results.mode(args.get("mode"))
    except ad.AccessError as exc:
        mode = results.default_mode()
        out["note"] = exc.message
    out["mode"] = mode
    rows = at.site_access(results, site_id, mode)
    if rows.empty:
        out["message"] = ("Ce lieu ne compte pour aucune thématique calculée " + ad.MODE_PHRASE[mode]
                          + " : aucune offre ouverte sur site ou itinérante n'y correspond, ou il a été ajouté "
                            "depuis le dernier « mapapp compute ».")
        return out
    labels = {t["key"]: t.get("label", t["key"]) for t in results.themes}
    served = list(rows["theme"])
    theme = args.get("theme")
    if theme and theme not in served:
        out["note"] = (f"Ce lieu ne compte pas pour le thème « {labels.get(theme, theme)} » : "
                       "un thème qu'il dessert est affiché.")
        theme = None
    # Open on a theme whose catchment is not empty (the first theme may have no commune served first).
    with_catchment = list(rows.loc[rows["n_communes_nearest"] > 0, "theme"])
    theme = theme or (with_catchment or served)[0]
    main, bands = results.thresholds(results.theme(theme), mode)
    band_rows, communes = at.site_detail(results, site_id, mode, theme)
    names = cc.commune_names(session)
    classes = TimeClasses.for_bands(bands, main)
    layer, legend = catchment_layer(communes, classes=classes, mode=mode)
    out.update(rows=rows.to_dict("records"), labels=labels, theme=theme, theme_label=labels.get(theme, theme),
               main=main, band_rows=band_rows.to_dict("records"),
               communes=communes.assign(nom=communes["commune"].map(names).fillna(communes["commune"]))
               .to_dict("records"),
               layer=layer, legend=legend, names=names, phrase=ad.MODE_PHRASE[mode],
               page_url=lambda **kw: url_for("fiches.site", site_id=site_id,
                                             **{"mode": ad.MODE_PARAM[mode], "theme": theme, **kw}) + "#desserte")
    return out

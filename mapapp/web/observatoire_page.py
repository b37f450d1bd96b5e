"""``/observatoire/besoins``: need against supply per commune and the territories cumulating vulnerability factors.

Reads the stored results (``?date=`` a dated snapshot, :mod:`mapapp.web.snapshot_param`)
and the imported need counts; the classes are those of :mod:`mapapp.observatoire_maps`
(documented in ``docs/observatoire.md``). Parameters (GET form): ``indicateur``,
``theme``, ``mode``, ``grid``. Pages never route.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from mapapp import formats
from mapapp.catalog.needs_store import need_series, read_need_counts
from mapapp.observatoire_maps import BIVARIATE_COLOURS, CLASS_WORDS, bivariate, vulnerability
from mapapp.web import access_data as ad
from mapapp.web import catalog_cache as cc
from mapapp.web import lookup, snapshot_param
from mapapp.web.access_maps import BASE_STYLE, LegendEntry, _entry, commune_link
from mapapp.web.db import get_session
from mapapp.web.maps import CommuneLayer, build_commune_map

bp = Blueprint("observatoire", __name__)
#: The need the page opens on when imported (the RSA: the insertion policy's own public), else the first.
DEFAULT_INDICATOR = "rsa"


def _legend(table) -> list[LegendEntry]:
    counts = table.groupby(["need_class", "supply_class"]).size().to_dict() if len(table) else {}
    out = []
    for (need, supply), colour in BIVARIATE_COLOURS.items():
        out.append(LegendEntry(colour, f"besoin {CLASS_WORDS[need]}, offre {CLASS_WORDS[supply]}",
                               int(counts.get((float(need), float(supply)), counts.get((need, supply), 0)))))
    out.append(LegendEntry(None, "sans classe (secret statistique ou sans habitant)",
                           int(table["colour"].isna().sum())))
    return out


@bp.route("/observatoire/besoins")
def page():
    session = get_session()
    ctx: dict = {"series": [], "grid_label": lookup.grid_label, "modes": ad.MODE_PARAM, "mode_labels": ad.MODE_LABEL}
    try:
        results = ad.Results(snapshot_param.root_for())
        if results.empty:
            raise ad.AccessError(ad.NO_RESULTS_MESSAGE, 404)
        series = {s.indicator: s for s in need_series(session) if s.zone_kind == "commune"}  # latest year wins
        ctx["series"] = list(series.values())
        if not series:
            return render_template("observatoire.html", no_needs=True, results=results, **ctx)
        indicator = request.args.get("indicateur") or (DEFAULT_INDICATOR if DEFAULT_INDICATOR in series
                                                        else next(iter(series)))
        if indicator not in series:
            raise ad.AccessError(f"indicateur « {indicator} » non importé : " + ", ".join(series), 404)
        theme = results.theme(request.args.get("theme"))
        mode = results.mode(request.args.get("mode"))
    except ad.AccessError as exc:
        return render_template("observatoire.html", error=exc.message, results=None, **ctx), exc.status
    _, counts = read_need_counts(session, indicator, series[indicator].year)
    communes = results.table(mode, "communes", theme["key"])
    table = bivariate(communes, counts)
    names = cc.commune_names(session)
    entries = []
    for r in table.itertuples(index=False):
        if isinstance(r.colour, str):
            text = (f"besoin {CLASS_WORDS[int(r.need_class)]} ({formats.number(r.need_rate, 1)} pour 100 habitants), "
                    f"offre {CLASS_WORDS[int(r.supply_class)]} ({formats.number(r.supply, 1)} lieu(x) à portée en "
                    "moyenne)")
        else:
            text = "sans classe : effectif sous secret statistique ou commune sans habitant"
        entries.append(_entry(r.commune, r.colour if isinstance(r.colour, str) else None, text, [text]))
    layer = CommuneLayer("bivariee", "Besoin et offre", entries, BASE_STYLE, show=True, overlay=False)
    layers = [layer]
    fca = _fca_layer(indicator, theme["key"], mode)
    if fca is not None:
        layers.append(fca[0])
    parts = build_commune_map(cc.commune_shapes(session, table["commune"]), layers,
                              default_bounds=cc.departement_bounds(session), names=names,
                              link=commune_link(lookup.FicheUrls().commune), tolerance=0.0005)
    members = cc.grids(session)
    grids = sorted(set(members["grid"])) if members is not None and len(members) else []
    grid = request.args.get("grid") or ("canton" if "canton" in grids else (grids[0] if grids else ""))
    units = []
    if grid:
        if grid not in grids:
            return render_template("observatoire.html", error=f"découpage « {grid} » inconnu : " + ", ".join(grids),
                                   results=None, **ctx), 400
        unit_names = {(g, c): n for g, c, n in members[["grid", "code", "nom"]].drop_duplicates().itertuples(
            index=False)}
        vul = vulnerability(results.table(mode, "territories", theme["key"]), communes, counts, members, grid)
        units = vul.assign(nom=[unit_names.get((grid, c), c) for c in vul["code"]]).to_dict("records")
    main = communes["main_threshold_min"].iloc[0] if len(communes) else None
    return render_template("observatoire.html", results=results, parts=parts, legend=_legend(table),
                           indicator=indicator, label=series[indicator].label, year=series[indicator].year,
                           theme=theme, mode=mode, grid=grid, grids=grids, units=units, main=main,
                           fca=fca, **ctx)


#: The 2SFCA score's classes: terciles of the communes with a score, light to dark blue.
FCA_COLOURS = ("#deebf7", "#9ecae1", "#3182bd")


def _fca_layer(indicator: str, theme: str, mode: str):
    """The stored 2SFCA score (``mapapp territory 2sfca``) as a second view of the map, with its legend and summary;
    None when it was not computed for this indicator, theme and mode."""
    from flask import current_app

    from mapapp.fca import read_fca
    from mapapp.observatoire_maps import tercile, tercile_breaks

    stored = read_fca(current_app.config["MAPAPP_SETTINGS"].data_dir / "results", indicator, theme, mode)
    if stored is None:
        return None
    meta, communes = stored
    breaks = tercile_breaks(communes["score_per_100"])
    entries, counts = [], [0, 0, 0]
    for r in communes.itertuples(index=False):
        cls = tercile(r.score_per_100, breaks)
        text = f"score 2SFCA : {formats.number(r.score_per_100, 1)} places pour 100 bénéficiaires" if cls else \
            "score 2SFCA inconnu (aucun bénéficiaire publié)"
        if cls:
            counts[cls - 1] += 1
        entries.append(_entry(r.commune, FCA_COLOURS[cls - 1] if cls else None, text, [text]))
    layer = CommuneLayer("fca", "Score 2SFCA", entries, BASE_STYLE, show=False, overlay=False)
    words = ("faible", "moyen", "fort")
    legend = [LegendEntry(c, f"score {w}", n) for c, w, n in zip(FCA_COLOURS, words, counts)]
    return layer, legend, meta

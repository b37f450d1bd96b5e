"""The report as HTML (Jinja, autoescaped) and PDF (WeasyPrint renders the same HTML).

:func:`report_view` turns a :class:`~mapapp.reports.data.ReportData` into
plain French strings arranged in sections and tables; the template
``templates/report.html`` only lays them out. Jinja autoescaping is on for
the whole template: every name coming from the catalog or the territory
(structures, sites, offers, communes, units) is escaped, and nothing is
marked safe except the maps, embedded as ``data:`` URIs of images we drew.

The HTML is a single self-contained file (CSS inline, maps embedded), readable
offline and printable. The PDF is WeasyPrint's rendering of the same HTML
with the print stylesheet (A4, page numbers, table headers repeated on each
page); WeasyPrint is only allowed to load ``data:`` URIs, never a file or a
URL, whatever the HTML contains.

Lists of zones blanches and overlaps are given for the report's first mode
(``car`` by default); the other modes get their counts. Long lists are cut at
:data:`MAX_LIST_ROWS` rows with a note. The XLSX and CSV exports hold every
list whole, for every mode.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from mapapp.catalog import vocab
from mapapp.reports.catalog import RECORD_KINDS
from mapapp.reports.data import ReportData, ThemeInfo
from mapapp import formats
from mapapp.reports.maps import OSM_CREDIT, MapImage, report_maps
from mapapp.reports.needs import needs_table
from mapapp.reports.summary import summary_sentences
from mapapp.reports.units import grid_label, grid_label_plural

MAX_LIST_ROWS = 30
TEMPLATES = Path(__file__).with_name("templates")

_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"], default=True),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _widths(n: int, first: float | None = None) -> list[str]:
    """Column widths in percent for the fixed table layout: a wider first column (names), the rest equal."""
    if n == 1:
        return ["100"]
    if first is None:
        first = 45.0 if n <= 2 else 34.0 if n <= 4 else 26.0 if n <= 6 else 19.0
    rest = (100 - first) / (n - 1)
    return [f"{first:.1f}"] + [f"{rest:.1f}"] * (n - 1)


def _table(caption: str, headers: list[str], rows: list[list[str]], num: list[bool] | None = None,
           note: str = "", strong_rows: set[int] | None = None, group_headers: list[tuple[str, int]] | None = None,
           widths: list[float] | None = None) -> dict:
    return {"caption": caption, "headers": headers, "rows": rows, "num": num or [False] * len(headers),
            "note": note, "strong": strong_rows or set(), "groups": group_headers or [],
            "widths": [f"{w:.1f}" for w in widths] if widths else _widths(len(headers)),
            "wide": len(headers) > 7}


def _cut(rows: list, what: str) -> tuple[list, str]:
    if len(rows) <= MAX_LIST_ROWS:
        return rows, ""
    return rows[:MAX_LIST_ROWS], (f"{len(rows) - MAX_LIST_ROWS} {what} de plus ne sont pas affichés ici : "
                                  "la liste complète est dans les exports XLSX et CSV.")


def _time(value, population) -> str:
    if population is not None and not (population > 0):
        return "—"
    return formats.minutes(value)


def _key_figures_table(r: ReportData) -> dict:
    chosen = {t.key for t in r.themes}
    headers = ["Thème"]
    groups = []
    for mode in r.modes:
        cols = ["Seuil", "Au-delà", "Temps moyen"] + ([] if r.unit.is_departement else ["Dép."])
        headers += cols
        groups.append((formats.MODE_LABELS.get(mode, mode), len(cols)))
    rows, strong = [], set()
    for i, theme in enumerate(r.all_themes):
        row = [theme.label]
        for mode in r.modes:
            f = r.figure(theme.key, mode)
            ref = r.figure(theme.key, mode, reference=True)
            row += [formats.threshold(f["main_threshold_min"]), formats.percent(f["share_beyond_main"]),
                    _time(f["mean_time_min"], f["population_points"])]
            if not r.unit.is_departement:
                row.append(formats.percent(ref["share_beyond_main"]) if ref is not None else "—")
        rows.append(row)
        if theme.key in chosen:
            strong.add(i)
    return _table("Part des habitants au-delà du seuil de chaque thème, et temps moyen d'accès au lieu le plus proche",
                  headers, rows, [False] + [True] * (len(headers) - 1),
                  note="En gras : les thèmes détaillés dans ce rapport. « Au-delà » : part des habitants à plus de "
                       "« Seuil » minutes du lieu le plus proche proposant une offre du thème (les habitants "
                       "injoignables en font partie). Temps moyen : sur les habitants qui peuvent rejoindre un lieu."
                       + ("" if r.unit.is_departement else " « Dép. » : la même part pour tout le département."),
                  strong_rows=strong, group_headers=[("", 1)] + groups)


def _catalog_tables(r: ReportData) -> list[dict]:
    cat = r.catalog
    fam = cat.sites_by_family()
    out = [_table("Lieux d'accueil ouverts par famille", ["Famille", "Lieux"],
                  [[k, formats.integer(v)] for k, v in fam.items()] + [["Total", formats.integer(sum(fam.values()))]],
                  [False, True], strong_rows={len(fam)})]
    cats = cat.offers_by_category()
    out.append(_table("Offres sur place ou itinérantes ouvertes, par catégorie de thématiques",
                      ["Catégorie (data·inclusion)", "Offres"],
                      [[vocab.CATEGORIES.get(c, c), formats.integer(n)] for c, n in cats.items()]
                      + [["Total (une offre peut couvrir plusieurs catégories)", formats.integer(len(cat.offers_present))]],
                      [False, True], strong_rows={len(cats)}))
    distance = cat.offers_distance["delivery_mode"].value_counts()
    rows = [[vocab.DELIVERY_MODES.get(m, m), formats.integer(n)] for m, n in distance.items()]
    status = cat.offers_not_open["status"].value_counts()
    rows += [[f"Non ouvertes : {vocab.STATUSES.get(s, s).lower()}", formats.integer(n)] for s, n in status.items()]
    if rows:
        out.append(_table("Autres offres concernant le territoire (non comptées comme présence sur place)",
                          ["Offres", "Nombre"], rows, [False, True]))
    mob = cat.mobility_by_kind()
    out.append(_table("Solutions de mobilité ouvertes", ["Type", "Solutions"],
                      [[vocab.MOBILITY_KINDS[k], formats.integer(n)] for k, n in mob.items()], [False, True]))
    return out


def _bands_table(r: ReportData, theme: ThemeInfo) -> dict:
    b = r.bands[r.bands["theme"] == theme.key]
    rows = [[formats.MODE_LABELS.get(m, m), formats.threshold(t), formats.integer(p), formats.percent(s)] for m, t, p, s in
            zip(b["mode"], b["threshold_min"], b["population_beyond"], b["share_beyond"])]
    return _table(f"Habitants au-delà de chaque seuil — {r.unit.name}", ["Mode", "Seuil", "Habitants au-delà",
                                                                          "Part"], rows, [False, True, True, True])


def _sub_table(r: ReportData, theme: ThemeInfo) -> dict:
    s = r.subterritories[r.subterritories["theme"] == theme.key]
    level_label = grid_label_plural(r.sub_grid)
    headers = [grid_label(r.sub_grid), "Habitants"]
    groups = [("", 2)]
    for mode in r.modes:
        headers += ["Temps moyen", f"Au-delà de {formats.threshold(theme.main_min[mode])}", "Zones blanches"]
        groups.append((formats.MODE_LABELS.get(mode, mode), 3))
    rows, strong = [], set()
    keys = s[["level", "code", "nom"]].drop_duplicates()
    for i, (level, code, nom) in enumerate(keys.itertuples(index=False)):
        part = s[(s["level"] == level) & (s["code"] == code)].set_index("mode")
        first = part.iloc[0]
        label = nom if level == "sub" else (f"Ensemble : {nom}" if level == "unit" else f"Département : {nom}")
        row = [label, formats.integer(first["population_points"])]
        for mode in r.modes:
            if mode not in part.index:
                row += ["—"] * 3
                continue
            m = part.loc[mode]
            row += [_time(m["mean_time_min"], m["population_points"]), formats.percent(m["share_beyond_main"]),
                    formats.integer(m["n_zones_blanches"])]
        rows.append(row)
        if level != "sub":
            strong.add(i)
    return _table(f"Temps moyen d'accès et part des habitants au-delà du seuil, par {level_label.lower()}",
                  headers, rows, [False] + [True] * (len(headers) - 1), strong_rows=strong, group_headers=groups,
                  note="Temps moyen pondéré par la population, sur les habitants qui peuvent rejoindre un lieu. "
                       "Zones blanches : nombre de communes dont aucun habitant n'est sous le seuil.")


def _zb_tables(r: ReportData, theme: ThemeInfo) -> list[dict]:
    out = []
    for i, mode in enumerate(r.modes):
        z = r.zones_blanches[(r.zones_blanches["theme"] == theme.key) & (r.zones_blanches["mode"] == mode)]
        if i > 0 and len(z):
            out.append({"empty": f"{formats.MODE_LABELS.get(mode, mode)} : {formats.integer(len(z))} commune{'s' if len(z) > 1 else ''} "
                                 f"en zone blanche ({formats.integer(z['population_points'].sum())} habitants, seuil de "
                                 f"{formats.threshold(theme.main_min[mode])}) ; liste complète dans les exports."})
            continue
        if z.empty:
            out.append({"empty": f"Aucune zone blanche {formats.MODE_PHRASES.get(mode, mode)} "
                                 f"(seuil de {formats.threshold(theme.main_min[mode])})."})
            continue
        rows = [[f"{nom} ({code})", formats.integer(pop), formats.minutes(t),
                 f"{site} ({com})" if isinstance(site, str) else "—", _offer_names(offers)]
                for code, nom, pop, t, site, com, offers in
                zip(z["commune"], z["nom"], z["population_points"], z["time_min"], z["nearest_site"],
                    z["nearest_commune"], z["nearest_offers"])]
        rows, note = _cut(rows, "communes")
        out.append(_table(f"Zones blanches {formats.MODE_PHRASES.get(mode, mode)} : {formats.integer(len(z))} commune"
                          f"{'s' if len(z) > 1 else ''}, {formats.integer(z['population_points'].sum())} habitants "
                          f"(seuil de {formats.threshold(theme.main_min[mode])})",
                          ["Commune", "Habitants", "Temps moyen", "Lieu le plus proche", "Offre(s) du thème"],
                          rows, [False, True, True, False, False], note=note, widths=[23, 10, 11, 26, 30]))
    return out


def _offer_names(names: list[str], keep: int = 2) -> str:
    """The first offers' names and how many more: the full list is in the exports."""
    if not names:
        return "—"
    text = ", ".join(names[:keep])
    return text + (f" (+{len(names) - keep} autre{'s' if len(names) - keep > 1 else ''})" if len(names) > keep else "")


def _overlap_tables(r: ReportData, theme: ThemeInfo) -> list[dict]:
    out = []
    for i, mode in enumerate(r.modes):
        o = r.overlaps[(r.overlaps["theme"] == theme.key) & (r.overlaps["mode"] == mode)]
        if o.empty:
            continue
        if i > 0:
            out.append({"empty": f"{formats.MODE_LABELS.get(mode, mode)} : {formats.integer(len(o))} commune{'s' if len(o) > 1 else ''} "
                                 "en superposition ; liste complète dans les exports."})
            continue
        rows = [[f"{nom} ({code})", formats.integer(pop), formats.percent(share), formats.decimal_fr(mean), formats.integer(n)]
                for code, nom, pop, share, mean, n in
                zip(o["commune"], o["nom"], o["population_points"], o["share_population_2plus"],
                    o["mean_sites_within"], o["n_sites_reaching"])]
        rows, note = _cut(rows, "communes")
        out.append(_table(f"Superpositions {formats.MODE_PHRASES.get(mode, mode)} : {formats.integer(len(o))} commune"
                          f"{'s' if len(o) > 1 else ''} où la majorité des habitants a au moins deux lieux "
                          f"à {formats.threshold(theme.main_min[mode])} ou moins",
                          ["Commune", "Habitants", "Avec 2 lieux ou plus", "Lieux sous le seuil (moyenne)",
                           "Lieux distincts"], rows, [False, True, True, True, True], note=note))
    return out


from mapapp.reports.carfree import carfree_view  # noqa: E402  (issue 17)


def _offers_by_theme_table(r: ReportData) -> dict:
    o = r.offers_by_theme[r.offers_by_theme["theme"].isin([t.key for t in r.themes])]
    places = o[["code", "nom"]].drop_duplicates()
    headers = [grid_label(r.sub_grid)] + [t.label for t in r.themes]
    rows, strong = [], set()
    for i, (code, nom) in enumerate(places.itertuples(index=False)):
        row = [nom if code != "total" else f"Total : {nom}"]
        for t in r.themes:
            cell = o[(o["code"] == code) & (o["theme"] == t.key)]
            n_off, n_sites = (int(cell["n_offers"].iloc[0]), int(cell["n_sites"].iloc[0])) if len(cell) else (0, 0)
            row.append(f"{formats.integer(n_off)} ({formats.integer(n_sites)})" if n_off else "0")
        rows.append(row)
        if code in ("total", "outside"):
            strong.add(i)
    return _table("Offres ouvertes sur place par thème et par territoire : offres (lieux)", headers, rows,
                  [False] + [True] * len(r.themes), strong_rows=strong,
                  note="Offres comptées comme présence par le calcul d'accessibilité (sur place ou itinérantes, "
                       "ouvertes, dans un lieu ouvert). Une offre proposée dans plusieurs lieux d'un même territoire "
                       "compte une fois ; l'export XLSX donne tous les thèmes.")


def _freshness_tables(r: ReportData) -> list[dict]:
    f = r.freshness
    rows = [[RECORD_KINDS[k], formats.integer(t), formats.integer(n), formats.integer(b), formats.integer(u)] for k, t, n, b, u in
            zip(f["kind"], f["total"], f["never_verified"], f["verified_before"], f["up_to_date"])]
    out = [_table(f"Fraîcheur des fiches : vérification humaine de moins de {r.stale_months} mois",
                  ["Fiches", "Total", "Jamais vérifiées", f"Vérifiées il y a plus de {r.stale_months} mois",
                   "À jour"], rows, [False, True, True, True, True],
                  note="Date de vérification : quand une personne a confirmé la fiche (distincte de la date de "
                       "mise à jour technique). Les fiches fermées ne sont pas comptées.")]
    s = r.stale_records
    if len(s):
        rows = [[RECORD_KINDS[k], nom, struct or "—", formats.date(dv) if dv else "jamais", formats.date(dm)]
                for k, nom, struct, dv, dm in zip(s["kind"], s["nom"], s["structure"], s["date_verification"],
                                                   s["date_maj"])]
        rows, note = _cut(rows, "fiches")
        out.append(_table("Fiches à vérifier", ["Fiche", "Nom", "Structure", "Dernière vérification",
                                                 "Dernière mise à jour"], rows, note=note))
    return out


def _method(r: ReportData) -> dict:
    m = r.method
    graphs = []
    for mode, g in m["graphs"].items():
        sha = (g.get("source_sha256") or "")[:12]
        graphs.append(f"{formats.MODE_LABELS.get(mode, mode)} : fichier {g.get('source_name') or '?'} (empreinte SHA-256 "
                      f"{sha}…), profil de vitesses {g.get('profile_version') or '?'}, graphe de "
                      f"{formats.integer(g.get('n_nodes') or 0)} nœuds et {formats.integer(g.get('n_edges') or 0)} tronçons ; "
                      f"calcul du {formats.date(g.get('computed_at'))}.")
    sp = m["speeds_kmh"]
    car = sp["car"]
    factors = {g.get("maxspeed_factor") for g in m["graphs"].values() if g.get("maxspeed_factor")}
    factor = factors.pop() if len(factors) == 1 else sp["maxspeed_factor"]
    speeds = (f"Marche : {formats.decimal_fr(sp['walk'])} km/h. Vélo : {formats.decimal_fr(sp['bike'], 0)} km/h sur route, "
              f"{formats.decimal_fr(sp['bike_rough'], 0)} km/h sur "
              f"chemin. Voiture : vitesse maxspeed indiquée × {formats.decimal_fr(factor, 2)} quand elle est "
              f"connue, sinon par type de route : autoroute {formats.integer(car['motorway'])}, route nationale "
              f"{formats.integer(car['trunk'])}, principale {formats.integer(car['primary'])}, secondaire {formats.integer(car['secondary'])}, "
              f"locale {formats.integer(car['tertiary'])}, petite route {formats.integer(car['unclassified'])}, rue résidentielle "
              f"{formats.integer(car['residential'])} km/h. Vitesses de circulation fluide (ni bouchons ni feux).")
    thresholds = []
    for t in m["thresholds"]:
        if t["key"] not in {x.key for x in r.themes}:
            continue
        parts = [f"{formats.MODE_PHRASES.get(mode, mode)} {formats.threshold(t['main_min'][mode])} (paliers "
                 + ", ".join(formats.threshold(b) for b in t["bands_min"][mode]) + ")"
                 for mode in r.modes if mode in t["main_min"]]
        thresholds.append(f"{t['label']} : " + " ; ".join(parts) + ".")
    choices = m.get("choices") or {}
    modes_choices = [(formats.MODE_LABELS.get(mode, mode), lines) for mode, lines in (choices.get("modes") or {}).items()]
    return {"graphs": graphs, "speeds": speeds, "thresholds": thresholds, "choices": modes_choices,
            "choices_theme": choices.get("theme"), "choices_common": choices.get("common") or [],
            "population": f"{m['population_source']} — {formats.integer(m['n_population_points'])} points de population "
                          "importés (carreaux, ou un point par commune).",
            "communes": m["communes_source"], "engine": m["engine_version"],
            "overlap": formats.percent(m["overlap_min_share"])}


def report_view(r: ReportData, maps: list[MapImage]) -> dict:
    """Everything the template shows, as French strings (escaped by the template)."""
    maps_by_key = {m.key: m for m in maps}
    themes = []
    for theme in r.themes:
        themes.append({
            "label": theme.label, "description": theme.description,
            "thresholds": " ; ".join(f"{formats.MODE_PHRASES.get(m, m)} {formats.threshold(theme.main_min[m])}" for m in r.modes),
            "bands": _bands_table(r, theme),
            "maps": [maps_by_key[k] for k in (f"temps-{theme.key}-{m}" for m in r.modes) if k in maps_by_key],
            "subterritories": _sub_table(r, theme),
            "zones_blanches": _zb_tables(r, theme),
            "overlaps": _overlap_tables(r, theme),
        })
    cat = r.catalog
    cards = [(formats.integer(r.population), "habitants"), (formats.integer(r.n_communes), "communes" if r.n_communes > 1 else "commune"),
             (formats.integer(sum(cat.sites_by_family().values())), "lieux d'accueil ouverts"),
             (formats.integer(len(cat.offers_present)), "offres sur place ou itinérantes"),
             (formats.integer(len(cat.offers_distance)), "offres à distance ou départementales")]
    unit_line = ("Ensemble du département" if r.unit.is_departement
                 else f"{grid_label(r.unit.kind)} : {r.unit.name}")
    return {
        "title": f"Temps d'accès à l'offre d'insertion — {r.unit.name}",
        "territory": r.territory_name, "departement": r.departement, "fictional": r.fictional,
        "stale_results": r.stale_results, "variant": r.variant,
        "unit_line": unit_line, "date": formats.date(r.today), "modes": ", ".join(formats.MODE_LABELS.get(m, m) for m in r.modes),
        "summary": summary_sentences(r), "cards": cards, "key_figures": _key_figures_table(r),
        "catalog_tables": _catalog_tables(r), "offer_map": maps_by_key.get("offre"),
        "themes": themes,
        "zb_maps": [maps_by_key[k] for k in (f"zones-blanches-{m}" for m in r.modes) if k in maps_by_key],
        "carfree": carfree_view(r),
        "offers_by_theme": _offers_by_theme_table(r), "freshness": _freshness_tables(r), "needs": needs_table(r),
        "evolution": _evolution(r),
        "situation": formats.date(r.evolution.situation) if getattr(r, "evolution", None) is not None
        and r.evolution.situation else None,
        "method": _method(r), "osm_credit": OSM_CREDIT, "stale_months": r.stale_months,
        "sub_label": grid_label_plural(r.sub_grid).lower(),
        **_identity_view(r),
    }


def _evolution(r: ReportData) -> dict | None:
    """The « Évolution » section (:mod:`mapapp.reports.evolution`): charts and tables, or None without snapshots."""
    from mapapp.reports.evolution import evolution_charts, evolution_view

    evo = getattr(r, "evolution", None)
    if evo is None:
        return None
    labels = r.theme_labels
    view = evolution_view(evo, labels, evo.unit_names)
    view["charts"] = evolution_charts(evo, labels) if len(evo.days) >= 2 else []
    return view
def _identity_view(r: ReportData) -> dict:
    """The cover's identity (:mod:`mapapp.identity`): name, colours, logo as a ``data:`` URI with its alt text."""
    from mapapp.identity import Identity

    identity = r.identity or Identity(name="")
    logo = None
    if r.logo is not None and identity.has_logo:
        data, mime = r.logo
        logo = {"uri": f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}", "alt": identity.logo_alt}
    return {"org": identity.name, "primary": identity.primary, "secondary": identity.secondary, "logo": logo}


#: WeasyPrint's variant for the report: tags the PDF and declares PDF/UA-1 (in WeasyPrint's VARIANTS since before 70, the minimum in pyproject).
PDF_VARIANT = "pdf/ua-1"


def _data_uri(image: MapImage) -> str:
    return f"data:{image.mimetype};base64,{base64.b64encode(image.data).decode('ascii')}"


def render_html(report: ReportData, maps: list[MapImage] | None = None, *, for_print: bool = False,
                progress: Callable[[str], None] | None = None) -> str:
    """The report as one self-contained HTML document (maps embedded as PNG ``data:`` URIs)."""
    if maps is None:
        maps = report_maps(report, progress=progress)
    view = report_view(report, maps)
    return _env.get_template("report.html").render(v=view, data_uri=_data_uri, for_print=for_print)


def _url_fetcher():
    """A WeasyPrint fetcher that only reads ``data:`` URIs (no file, no network)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def render_pdf(report: ReportData, maps: list[MapImage] | None = None, *,
               progress: Callable[[str], None] | None = None) -> bytes:
    """The report as PDF (A4): WeasyPrint's rendering of :func:`render_html` with the print stylesheet.

    Tagged PDF/UA-1 (:data:`PDF_VARIANT`): a structure tree (headings, tables, figures with
    their alternative text) that screen readers follow, ``/MarkInfo /Marked true``, the
    document language from ``<html lang="fr">`` and the title from ``<title>`` (RGAA 13.3:
    a downloadable document must be accessible).
    """
    import weasyprint

    html = render_html(report, maps, for_print=True, progress=progress)
    if progress:
        progress("Mise en page du PDF")
    document = weasyprint.HTML(string=html, url_fetcher=_url_fetcher(), base_url=None)
    return document.write_pdf(pdf_variant=PDF_VARIANT)


__all__ = ["MAX_LIST_ROWS", "render_html", "render_pdf", "report_view"]

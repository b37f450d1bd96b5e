"""The report's tables as typed, French-headed tables: the one source of the XLSX and CSV exports.

:func:`report_tables` turns a :class:`~mapapp.reports.data.ReportData` into
:class:`Table` objects: a file/sheet name, French column labels and a *kind*
per column that tells each writer how to format the value:

==========  ==================================================================
kind        value and meaning
==========  ==================================================================
``text``    string (user text: passes through :func:`safe_text`)
``int``     count of inhabitants, communes, offers: rounded to an integer
``decimal`` a plain number (mean number of sites...)
``minutes`` a travel time in minutes; ``inf`` = unreachable, written
            « injoignable », never as a number; NaN (no inhabitant) = empty
``share``   a fraction in [0, 1] (XLSX: a percentage format; CSV: percent)
``date``    a date
``bool``    yes/no (« oui » / « non »)
==========  ==================================================================

Writers: :mod:`mapapp.io.export_xlsx` and :mod:`mapapp.io.export_csv`.

**Formula injection.** A spreadsheet evaluates a cell that starts with
``=``, ``+``, ``-`` or ``@`` (and, in some programs, a tab or a carriage
return) as a formula, so a structure named ``=HYPERLINK(...)`` could run
something on a planner's computer. Every *text* cell goes through
:func:`safe_text`, which prefixes such values with an apostrophe ``'`` (the
OWASP recommendation): the text is shown as typed, with the apostrophe, and
never evaluated. Numbers are written as numbers and are not affected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from mapapp.catalog import vocab
from mapapp.reports.catalog import RECORD_KINDS
from mapapp.reports.data import ReportData
from mapapp import formats
from mapapp.reports.summary import summary_sentences
from mapapp.reports.units import grid_label

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> str:
    """User text for a spreadsheet cell: ``'`` prefixed when it could be read as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"


@dataclass
class Table:
    """One table: ``name`` (ASCII, file stem), ``sheet`` (≤ 31 characters), ``title``, columns and rows."""

    name: str
    sheet: str
    title: str
    columns: list[Column]
    frame: pd.DataFrame

    def rows(self):
        """Rows as lists of raw values in column order."""
        cols = [c.key for c in self.columns]
        yield from self.frame[cols].itertuples(index=False, name=None)


def is_missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def minutes_value(value):
    """``inf`` → « injoignable »; NaN → None; else a float (minutes)."""
    if is_missing(value):
        return None
    value = float(value)
    return formats.UNREACHABLE if math.isinf(value) else value


def _mode(m: str) -> str:
    return formats.MODE_LABELS.get(m, m)


def _stats(df: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    out = df.copy()
    out["theme_label"] = out["theme"].map(labels)
    out["mode_label"] = out["mode"].map(_mode)
    return out


STAT_COLS = [
    Column("population_points", "Habitants", "int"),
    Column("main_threshold_min", "Seuil (min)", "decimal"),
    Column("population_beyond_main", "Habitants au-delà du seuil", "int"),
    Column("share_beyond_main", "Part au-delà du seuil", "share"),
    Column("mean_time_min", "Temps moyen (min)", "minutes"),
    Column("population_unreachable", "Habitants injoignables", "int"),
    Column("n_zones_blanches", "Communes en zone blanche", "int"),
]
THEME_COLS = [Column("theme_label", "Thème"), Column("theme", "Code du thème"), Column("mode_label", "Mode")]


def report_tables(r: ReportData) -> list[Table]:
    """Every table of the report, in reading order (see the module doc for kinds)."""
    labels = r.theme_labels
    tables = []

    info = [("Territoire", r.territory_name), ("Département", r.departement),
            ("Unité", f"{grid_label(r.unit.kind)} : {r.unit.name}" if not r.unit.is_departement else "Département"),
            ("Code de l'unité", r.unit.key), ("Date du rapport", r.today.isoformat()),
            ("Modes", ", ".join(_mode(m) for m in r.modes)),
            ("Thèmes détaillés", ", ".join(t.label for t in r.themes)),
            ("Habitants (population officielle)", str(r.population)), ("Communes", str(r.n_communes))]
    info += [(f"Constat {i}", s) for i, s in enumerate(summary_sentences(r), 1)]
    if r.fictional:
        info.insert(0, ("Avertissement", "Territoire fictif : données de démonstration."))
    tables.append(Table("synthese", "Synthèse", "Synthèse du rapport",
                        [Column("k", "Rubrique"), Column("v", "Valeur")], pd.DataFrame(info, columns=["k", "v"])))

    kf = _stats(r.key_figures, labels)
    ref = r.reference.set_index(["theme", "mode"])["share_beyond_main"]
    kf["reference_share"] = [ref.get((t, m)) for t, m in zip(kf["theme"], kf["mode"])]
    tables.append(Table("chiffres_cles", "Chiffres clés", f"Chiffres clés — {r.unit.name}",
                        THEME_COLS + STAT_COLS + [Column("reference_share", "Part au-delà — département", "share")],
                        kf))

    st = _stats(r.subterritories, labels)
    st["level_label"] = st["level"].map({"sub": "Sous-territoire", "unit": "Unité du rapport",
                                         "departement": "Département"})
    st["grid_label"] = st["grid"].map(grid_label)
    tables.append(Table("temps_par_territoire", "Temps par territoire",
                        "Temps moyen d'accès et part au-delà du seuil par territoire",
                        THEME_COLS + [Column("level_label", "Niveau"), Column("grid_label", "Découpage"),
                                      Column("code", "Code"), Column("nom", "Territoire")] + STAT_COLS, st))

    b = _stats(r.bands, labels)
    tables.append(Table("habitants_par_seuil", "Habitants par seuil", f"Habitants au-delà de chaque seuil — {r.unit.name}",
                        THEME_COLS + [Column("threshold_min", "Seuil (min)", "decimal"),
                                      Column("population_beyond", "Habitants au-delà", "int"),
                                      Column("share_beyond", "Part au-delà", "share")], b))

    c = _stats(r.communes, labels)
    tables.append(Table("communes", "Communes", "Indicateurs par commune, thème et mode",
                        [Column("commune", "Code commune"), Column("nom", "Commune")] + THEME_COLS + STAT_COLS[:-1]
                        + [Column("zone_blanche", "Zone blanche", "bool"),
                           Column("nearest_site", "Lieu le plus proche (majorité des habitants)"),
                           Column("share_population_2plus", "Part avec 2 lieux ou plus sous le seuil", "share"),
                           Column("mean_sites_within", "Lieux sous le seuil (moyenne par habitant)", "decimal"),
                           Column("n_sites_reaching", "Lieux distincts sous le seuil", "int")], c))

    z = _stats(r.zones_blanches, labels)
    z["offers"] = z["nearest_offers"].map(lambda o: ", ".join(o))
    tables.append(Table("zones_blanches", "Zones blanches", "Zones blanches par thème et mode",
                        THEME_COLS + [Column("commune", "Code commune"), Column("nom", "Commune"),
                                      Column("population_points", "Habitants", "int"),
                                      Column("time_min", "Temps moyen au lieu le plus proche (min)", "minutes"),
                                      Column("nearest_site", "Lieu le plus proche"),
                                      Column("nearest_commune", "Commune du lieu"),
                                      Column("offers", "Offres du thème dans ce lieu")], z))

    o = _stats(r.overlaps, labels)
    tables.append(Table("superpositions", "Superpositions",
                        "Communes dont la majorité des habitants a au moins deux lieux sous le seuil",
                        THEME_COLS + [Column("commune", "Code commune"), Column("nom", "Commune"),
                                      Column("population_points", "Habitants", "int"),
                                      Column("share_population_2plus", "Part avec 2 lieux ou plus", "share"),
                                      Column("mean_sites_within", "Lieux sous le seuil (moyenne)", "decimal"),
                                      Column("n_sites_reaching", "Lieux distincts sous le seuil", "int")], o))

    if getattr(r, "carfree", None) is not None:  # issue 17
        cf = r.carfree.assign(theme_label=r.carfree["theme"].map(labels))
        tables.append(Table("sans_voiture", "Sans voiture", "Voiture ou sans voiture, par commune et thème",
                            [Column("theme_label", "Thème"), Column("commune", "Code commune"),
                             Column("nom", "Commune"), Column("population_points", "Habitants", "int"),
                             Column("car_mean_time_min", "Temps moyen en voiture (min)", "minutes"),
                             Column("mean_time_min", "Temps moyen sans voiture (min)", "minutes"),
                             Column("gap_mean_min", "Écart (min)", "minutes"),
                             Column("main_means", "Moyen le plus rapide (majorité des habitants)"),
                             Column("car_only", "Desservie seulement en voiture", "bool"),
                             Column("population_car_only", "Habitants sous le seuil en voiture seulement", "int")],
                            cf))

    ob = r.offers_by_theme
    wide = ob.pivot_table(index=["code", "nom"], columns="theme", values="n_offers", aggfunc="sum", sort=False)
    order = ob[["code", "nom"]].drop_duplicates()
    wide = wide.reindex(pd.MultiIndex.from_frame(order)).reset_index()
    theme_cols = [Column(t.key, t.label, "int") for t in r.all_themes if t.key in wide.columns]
    wide["code"] = wide["code"].replace({"total": "Total", "outside": "Hors département"})
    tables.append(Table("offres_par_theme", "Offres par thème", "Offres ouvertes sur place par thème et territoire",
                        [Column("code", "Code"), Column("nom", "Territoire")] + theme_cols, wide))

    f = r.freshness.assign(kind_label=r.freshness["kind"].map(RECORD_KINDS))
    tables.append(Table("fraicheur", "Fraîcheur", f"Fraîcheur des fiches (vérification de moins de {r.stale_months} mois)",
                        [Column("kind_label", "Fiches"), Column("total", "Total", "int"),
                         Column("never_verified", "Jamais vérifiées", "int"),
                         Column("verified_before", f"Vérifiées il y a plus de {r.stale_months} mois", "int"),
                         Column("up_to_date", "À jour", "int")], f))

    s = r.stale_records.assign(kind_label=r.stale_records["kind"].map(RECORD_KINDS),
                               status_label=r.stale_records["status"].map(lambda v: vocab.STATUSES.get(v, v)))
    tables.append(Table("fiches_a_verifier", "Fiches à vérifier", "Fiches à vérifier",
                        [Column("kind_label", "Type"), Column("id", "Identifiant"), Column("nom", "Nom"),
                         Column("structure", "Structure"), Column("commune", "Commune"),
                         Column("status_label", "Statut"), Column("date_verification", "Dernière vérification", "date"),
                         Column("date_maj", "Dernière mise à jour", "date")], s))

    tables.append(Table("methode", "Méthode", "Note de méthode", [Column("k", "Rubrique"), Column("v", "Valeur")],
                        pd.DataFrame(_method_rows(r), columns=["k", "v"])))
    return tables


def _method_rows(r: ReportData) -> list[tuple[str, str]]:
    """The « Méthode » sheet: text cells for people, so written by :mod:`mapapp.formats` (times in Paris time)."""
    m = r.method
    n = formats.number
    rows = [("Public et lieux comptés", r.variant or "Tous publics, tous les lieux ouverts")]
    for mode, g in m["graphs"].items():
        rows.append((f"Réseau ({_mode(mode)})", f"{g.get('source_name')} — SHA-256 {g.get('source_sha256')} — "
                                                 f"profil {g.get('profile_version')} — calcul du "
                                                 f"{formats.date_time(g.get('computed_at')) or '?'}"))
    sp = m["speeds_kmh"]
    rows.append(("Vitesse à pied (km/h)", n(sp["walk"])))
    rows.append(("Vitesse à vélo (km/h)", f"{n(sp['bike'])} (chemins : {n(sp['bike_rough'])})"))
    rows.append(("Voiture", f"vitesse limite × {n(sp['maxspeed_factor'])} ; sinon par type de route (km/h) : "
                 + ", ".join(f"{k} {n(v)}" for k, v in sp["car"].items())))
    for t in m["thresholds"]:
        rows.append((f"Seuils — {t['label']}", " ; ".join(
            f"{_mode(mode)} {formats.threshold(t['main_min'][mode])} (paliers "
            f"{', '.join(formats.threshold(b) for b in t['bands_min'][mode])})"
            for mode in r.modes if mode in t["main_min"])))
    rows.append(("Population", f"{m['population_source']} ({formats.count(m['n_population_points'], 'point')})"))
    rows.append(("Communes", m["communes_source"]))
    rows.append(("Superposition", f"au moins {formats.percent(m['overlap_min_share'], 0)} des habitants avec 2 lieux ou plus sous le seuil"))
    rows.append(("Moteur", m["engine_version"]))
    rows.append(("Crédit", "Réseau routier © les contributeurs d'OpenStreetMap (ODbL)"))
    return rows

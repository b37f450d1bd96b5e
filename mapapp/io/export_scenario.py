"""A scenario's comparison as tables: the CLI's French text table and the XLSX workbook.

The figures are those of :func:`mapapp.access.scenario_compare.gains_and_losses`
(stored by :mod:`mapapp.scenario_run`); this module only labels them.
"""

from __future__ import annotations

import pandas as pd

from mapapp.access.scenario_compare import headline
from mapapp.access.themes import default_themes
from mapapp.formats import number
from mapapp.io.tables import Column, Table

MODE_LABELS = {"walk": "à pied", "bike": "à vélo", "car": "en voiture"}

#: Columns of both levels (commune, territory), in order.
FIGURES = [
    Column("population_gained", "Habitants gagnés sous le seuil", "int"),
    Column("population_lost", "Habitants perdus sous le seuil", "int"),
    Column("mean_time_min_before", "Temps moyen avant (min)", "minutes"),
    Column("mean_time_min_after", "Temps moyen après (min)", "minutes"),
    Column("mean_time_min_change", "Variation du temps moyen (min)", "decimal"),
    Column("overlap_created", "Habitants en superposition créée (2 lieux ou plus)", "int"),
]


def theme_labels() -> dict[str, str]:
    return {t.key: t.label for t in default_themes()}


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    labels = theme_labels()
    return frame.assign(mode_label=frame["mode"].map(lambda m: MODE_LABELS.get(m, m)),
                        theme_label=frame["theme"].map(lambda t: labels.get(t, t)))


def headline_text(territories: pd.DataFrame, only_changed: bool = True) -> str:
    """The whole territory per mode and theme as a French text table (themes with a change first)."""
    rows = headline(territories)
    if only_changed:
        rows = rows[rows["changed"]]
    if rows.empty:
        return "Aucun changement : le scénario ne modifie l'accès à aucun thème."
    rows = _labelled(rows)
    header = ["Mode", "Thème", "Gagnés", "Perdus", "Temps moyen (min)", "Zones blanches", "Superposition"]
    lines = []
    for r in rows.itertuples(index=False):
        lines.append([r.mode_label, r.theme_label, number(r.population_gained, 0), number(r.population_lost, 0),
                      f"{number(r.mean_time_min_before, 1)} → {number(r.mean_time_min_after, 1)}",
                      f"+{int(r.zones_blanches_created)} / −{int(r.zones_blanches_removed)}",
                      number(r.overlap_created, 0)])
    widths = [max(len(str(x[i])) for x in [header] + lines) for i in range(len(header))]
    out = ["  ".join(str(v).ljust(w) for v, w in zip(header, widths))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(str(v).ljust(w) for v, w in zip(line, widths)) for line in lines]
    return "\n".join(out)


def export_tables(communes: pd.DataFrame, territories: pd.DataFrame, changes: list[str],
                  commune_names: dict[str, str]) -> list[Table]:
    """The workbook's sheets: the changes, the territories (every grid), the communes (rows with a change)."""
    key_cols = [Column("mode_label", "Mode"), Column("theme_label", "Thème")]
    t = _labelled(territories)
    c = _labelled(communes)
    c = c[(c["population_gained"] > 0) | (c["population_lost"] > 0) | c["zone_blanche_created"]
          | c["zone_blanche_removed"] | (c["mean_time_min_change"].abs() > 1e-9) | (c["overlap_created"] > 0)]
    c = c.assign(commune_nom=c["commune"].map(lambda code: commune_names.get(code, code)))
    return [
        Table("modifications", "Modifications", "Modifications du scénario", [Column("texte", "Modification")],
              pd.DataFrame({"texte": changes or ["(aucune modification)"]})),
        Table("territoires", "Territoires", "Comparaison par territoire",
              key_cols + [Column("grid", "Découpage"), Column("code", "Territoire")] + FIGURES + [
                  Column("zones_blanches_created", "Zones blanches créées", "int"),
                  Column("zones_blanches_removed", "Zones blanches supprimées", "int")], t),
        Table("communes", "Communes", "Comparaison par commune (communes où quelque chose change)",
              key_cols + [Column("commune", "Code INSEE"), Column("commune_nom", "Commune")] + FIGURES + [
                  Column("zone_blanche_created", "Devient zone blanche", "bool"),
                  Column("zone_blanche_removed", "Cesse d'être zone blanche", "bool")], c),
    ]

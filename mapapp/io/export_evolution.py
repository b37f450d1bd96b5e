"""A comparison of two snapshots (:mod:`mapapp.snapshot_compare`) as tables: CSV (a ZIP of files) or XLSX.

Three tables, French column labels, the same writers as the report's exports
(:mod:`mapapp.io.export_csv`, :mod:`mapapp.io.export_xlsx`):

- ``evolution_catalogue``: sites and offers opened, closed, changed (and which fields);
- ``evolution_habitants``: per variant, mode, theme and territory unit, inhabitants within the
  theme's main threshold at each date and the difference;
- ``evolution_zones_blanches``: communes that became or stopped being a zone blanche.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from mapapp.catalog.history import FIELD_LABELS
from mapapp.io.tables import Column, Table
from mapapp.reports.units import grid_label
from mapapp.snapshot_compare import CHANGE_LABELS, SECTION_LABELS, Comparison

MODE_LABELS = {"car": "voiture", "walk": "marche", "bike": "vélo", "sans_voiture": "sans voiture",
               "transit": "transport en commun", "tad": "transport à la demande"}
ZONE_LABELS = {"apparue": "apparue", "resorbee": "résorbée"}


def comparison_tables(comp: Comparison, communes: Mapping[str, str], units: Mapping[tuple[str, str], str],
                      variants: Mapping[str, str]) -> list[Table]:
    """The three tables; ``communes``: code → name, ``units``: (grid, code) → name, ``variants``: key → label."""
    cat = comp.catalog
    catalog = pd.DataFrame({
        "type": cat["section"].map(SECTION_LABELS), "evolution": cat["change"].map(CHANGE_LABELS),
        "id": cat["id"], "nom": cat["nom"], "commune": [communes.get(c, c) for c in cat["commune"]],
        "champs": [", ".join(FIELD_LABELS.get(f, f) for f in fields) for fields in cat["fields"]],
    })
    pop = comp.population
    population = pd.DataFrame({
        "variante": pop["variant"].map(lambda k: variants.get(k, k)), "mode": pop["mode"].map(MODE_LABELS),
        "theme": pop["theme"].map(lambda k: comp.themes.get(k, k)),
        "decoupage": pop["grid"].map(lambda g: "Département" if g == "all" else grid_label(g)),
        "territoire": [("Département" if g == "all" else units.get((g, c), c)) for g, c in zip(pop["grid"],
                                                                                                pop["code"])],
        "avant": pop["within_before"], "apres": pop["within_after"], "gain": pop["gained"],
    })
    zones = comp.zones
    zone_table = pd.DataFrame({
        "variante": zones["variant"].map(lambda k: variants.get(k, k)), "mode": zones["mode"].map(MODE_LABELS),
        "theme": zones["theme"].map(lambda k: comp.themes.get(k, k)), "code": zones["commune"],
        "commune": [communes.get(c, c) for c in zones["commune"]], "evolution": zones["change"].map(ZONE_LABELS),
    })
    from mapapp.formats import date as date_fr

    d1, d2 = date_fr(comp.day_before), date_fr(comp.day_after)
    return [
        Table("evolution_catalogue", "Catalogue", f"Lieux et offres ouverts, fermés, modifiés du {d1} au {d2}", [
            Column("type", "Type"), Column("evolution", "Évolution"), Column("id", "Identifiant"),
            Column("nom", "Nom"), Column("commune", "Commune"), Column("champs", "Champs modifiés")], catalog),
        Table("evolution_habitants", "Habitants sous le seuil",
              f"Habitants à moins du seuil principal, le {d1} et le {d2}", [
                  Column("variante", "Public et horaires"), Column("mode", "Mode"), Column("theme", "Thème"),
                  Column("decoupage", "Découpage"), Column("territoire", "Territoire"),
                  Column("avant", f"Habitants sous le seuil au {d1}", "int"),
                  Column("apres", f"Habitants sous le seuil au {d2}", "int"),
                  Column("gain", "Gagnés (+) ou perdus (-)", "int")], population),
        Table("evolution_zones_blanches", "Zones blanches", f"Zones blanches apparues ou résorbées du {d1} au {d2}", [
            Column("variante", "Public et horaires"), Column("mode", "Mode"), Column("theme", "Thème"),
            Column("code", "Code INSEE"), Column("commune", "Commune"), Column("evolution", "Évolution")],
              zone_table),
    ]


def comparison_bytes(fmt: str, tables: list[Table]) -> bytes:
    """``csv`` (a ZIP of one CSV per table) or ``xlsx``."""
    if fmt == "xlsx":
        from mapapp.io.export_xlsx import xlsx_bytes

        return xlsx_bytes(tables)
    if fmt == "csv":
        from mapapp.io.export_csv import csv_zip_bytes

        return csv_zip_bytes(tables)
    raise ValueError(f"format « {fmt} » : csv ou xlsx")


def labels(session, store) -> tuple[dict, dict, dict]:
    """Commune names, unit names ``(grid, code) → nom`` and variant labels, for :func:`comparison_tables`."""
    from mapapp.catalog.territory_store import read_communes, read_grids
    from mapapp.results_variants import available, describe_fr

    communes = read_communes(session)
    grids = read_grids(session)
    units = {(g, c): n for g, c, n in grids[["grid", "code", "nom"]].drop_duplicates().itertuples(index=False)}
    variants = {i.key: describe_fr(i) or "Tous publics, tous les lieux ouverts" for i in available(store)}
    return dict(zip(communes["code"], communes["nom"])), units, variants

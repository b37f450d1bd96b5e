"""A scenario's comparison as a GeoPackage for QGIS: the communes where something changes, and the territories.

Layers (French, ASCII names):

``differences_communes`` (polygons, Lambert-93 or the overseas projection of
:func:`mapapp.io.export_gpkg.default_crs`)
    *long*: one feature per commune × mode × theme where the scenario changes
    something: ``code, nom, mode, theme, hab_gagnes, hab_perdus, solde``
    (gained − lost), ``temps_moy_avant_min, temps_moy_apres_min``,
    ``devient_zone_blanche, cesse_zone_blanche`` (1/0), ``superposition_creee``.
    Filter on ``mode`` and ``theme`` in QGIS, then style by ``solde``.
``differences_territoires`` (table without geometry)
    every unit of every grid (and ``all``): the same figures, plus zones
    blanches created and removed.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from mapapp.io.export_gpkg import WGS84, write_gpkg

RENAME = {"commune": "code", "population_gained": "hab_gagnes", "population_lost": "hab_perdus",
          "mean_time_min_before": "temps_moy_avant_min", "mean_time_min_after": "temps_moy_apres_min",
          "zone_blanche_created": "devient_zone_blanche", "zone_blanche_removed": "cesse_zone_blanche",
          "overlap_created": "superposition_creee", "zones_blanches_created": "zones_blanches_creees",
          "zones_blanches_removed": "zones_blanches_supprimees", "grid": "decoupage"}


def scenario_layers(communes: pd.DataFrame, territories: pd.DataFrame, shapes: dict, names: dict[str, str]
                    ) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    """The two layers; ``shapes`` maps a commune code to its WGS84 geometry (shapely)."""
    c = communes[(communes["population_gained"] > 0) | (communes["population_lost"] > 0)
                 | communes["zone_blanche_created"] | communes["zone_blanche_removed"]
                 | (communes["mean_time_min_change"].abs() > 1e-9) | (communes["overlap_created"] > 0)]
    c = c.rename(columns=RENAME)
    c = c[["code", "mode", "theme", "hab_gagnes", "hab_perdus", "temps_moy_avant_min", "temps_moy_apres_min",
           "devient_zone_blanche", "cesse_zone_blanche", "superposition_creee"]].copy()
    c.insert(1, "nom", c["code"].map(lambda code: names.get(code, code)))
    c.insert(6, "solde", c["hab_gagnes"] - c["hab_perdus"])
    c[["devient_zone_blanche", "cesse_zone_blanche"]] = c[["devient_zone_blanche", "cesse_zone_blanche"]].astype(int)
    layer = gpd.GeoDataFrame(c.reset_index(drop=True), geometry=[shapes.get(code) for code in c["code"]], crs=WGS84)
    t = territories.rename(columns=RENAME)
    t = t[["decoupage", "code", "mode", "theme", "hab_gagnes", "hab_perdus", "temps_moy_avant_min",
           "temps_moy_apres_min", "zones_blanches_creees", "zones_blanches_supprimees", "superposition_creee"]]
    return {"differences_communes": layer, "differences_territoires": t.reset_index(drop=True)}


def write_scenario_gpkg(layers: dict, path, crs: str):
    return write_gpkg(layers, path, crs)

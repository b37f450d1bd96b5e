"""The territory as plain data frames: what importers produce and the database stores.

A :class:`TerritoryBundle` is the one shape in which a territory travels:
the demo generator writes files that :func:`mapapp.territory.io.read_bundle`
reads back into it, the importers of real data build it from IGN/INSEE files,
and :mod:`mapapp.catalog.territory_store` writes it to the database.

Frames and their columns (all coordinates WGS84, EPSG:4326):

``communes`` (GeoDataFrame)
    ``code`` (str, INSEE, 5 chars), ``nom`` (str), ``population`` (int),
    ``departement`` (str), ``is_buffer`` (bool: outside the département, kept
    because people cross borders), ``geometry`` (Polygon or MultiPolygon).
``grids`` (DataFrame, long format: one row per commune in a unit)
    ``grid`` (str: ``epci``, ``canton``, ``bassin_de_vie``,
    ``territoire_action_sociale``, or any custom key), ``code`` (str, the
    unit's code), ``nom`` (str, the unit's name), ``commune`` (str, INSEE).
``population_points`` (DataFrame)
    ``lon``, ``lat`` (float), ``population`` (float, inhabitants),
    ``commune`` (str, INSEE code of the commune the point belongs to);
    optional :data:`SQUARE_COLUMNS` for points that are population squares:
    ``square_id`` (str, the square's identifier) and ``square_wkb`` (bytes,
    its polygon in WGS84), None elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

GRID_LABELS = {
    "epci": "EPCI",
    "canton": "Canton",
    "bassin_de_vie": "Bassin de vie",
    "territoire_action_sociale": "Territoire d'action sociale",
    "zone_emploi": "Zone d'emploi",
}

COMMUNE_COLUMNS = ["code", "nom", "population", "departement", "is_buffer", "geometry"]
GRID_COLUMNS = ["grid", "code", "nom", "commune"]
POPULATION_POINT_COLUMNS = ["lon", "lat", "population", "commune"]
SQUARE_COLUMNS = ["square_id", "square_wkb"]


@dataclass
class TerritoryBundle:
    """A territory ready to be stored: its name, communes, grids and population points."""

    name: str
    departement: str
    communes: gpd.GeoDataFrame
    grids: pd.DataFrame
    population_points: pd.DataFrame
    osm_path: Path | None = None
    fictional: bool = False
    description: str = ""
    sources: dict[str, str] = field(default_factory=dict)

"""A tiny territory bundle the tests build in memory: two communes side by side."""

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from mapapp.territory.bundle import TerritoryBundle


def tiny_bundle(population_a: int = 1200) -> TerritoryBundle:
    communes = gpd.GeoDataFrame(
        {
            "code": ["96001", "96002", "96501"],
            "nom": ["Arlenc", "Saint-Jo l'Ancien", "Hors-Limite"],
            "population": [population_a, 300, 80],
            "departement": ["96", "96", "96"],
            "is_buffer": [False, False, True],
        },
        geometry=[box(2.0, 45.0, 2.1, 45.1), box(2.1, 45.0, 2.2, 45.1), box(2.2, 45.0, 2.3, 45.1)],
        crs="EPSG:4326",
    )
    grids = pd.DataFrame(
        [("epci", "200096001", "CC du Test", "96001"), ("epci", "200096001", "CC du Test", "96002"),
         ("territoire_action_sociale", "TAS1", "Territoire Nord", "96001"),
         ("territoire_action_sociale", "TAS2", "Territoire Sud", "96002")],
        columns=["grid", "code", "nom", "commune"],
    )
    points = pd.DataFrame(
        [(2.05, 45.05, population_a - 200, "96001"), (2.02, 45.02, 200, "96001"), (2.15, 45.05, 300, "96002")],
        columns=["lon", "lat", "population", "commune"],
    )
    return TerritoryBundle(name="Territoire de test", departement="96", communes=communes, grids=grids,
                           population_points=points, fictional=True, description="Fictif, pour les tests.")

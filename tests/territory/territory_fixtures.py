"""Small territories the tests write themselves (never the real data).

The fixture territory sits near Melun, in Lambert-93 (EPSG:2154) metres:

    y 6824000 +--------+--------+
              | 77003  | 77004  |      91001 (buffer, Essonne) is the
    91001     | Gamma  | Delta  |      2 km wide strip west of x = 660000
              +--------+--------+
              | 77001  | 77002  |
              | Alpha  | Beta   |
    y 6820000 +--------+--------+
           x 660000  662000  664000
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

# MAPAPP_REALDATA points elsewhere (a git worktree has no ../shared beside it)
REALDATA = Path(os.environ.get("MAPAPP_REALDATA") or Path(__file__).resolve().parents[2].parent / "shared" / "realdata")

X0, Y0, SIDE = 660000.0, 6820000.0, 2000.0

COMMUNES = [
    # code, nom, population, departement, (xmin, ymin, xmax, ymax)
    ("77001", "Alpha", 1000, "77", (X0, Y0, X0 + SIDE, Y0 + SIDE)),
    ("77002", "Beta", 2000, "77", (X0 + SIDE, Y0, X0 + 2 * SIDE, Y0 + SIDE)),
    ("77003", "Gamma", 500, "77", (X0, Y0 + SIDE, X0 + SIDE, Y0 + 2 * SIDE)),
    ("77004", "Delta", 3000, "77", (X0 + SIDE, Y0 + SIDE, X0 + 2 * SIDE, Y0 + 2 * SIDE)),
    ("91001", "Bordure", 800, "91", (X0 - SIDE, Y0, X0, Y0 + 2 * SIDE)),
]


def communes_lambert93(with_population: bool = True, layout: str = "france-geojson") -> gpd.GeoDataFrame:
    """The fixture communes in EPSG:2154 with the columns of a given source layout."""
    rows = []
    for code, nom, pop, dep, box in COMMUNES:
        if layout == "admin-express":
            row = {"INSEE_COM": code, "NOM": nom, "POPULATION": pop, "INSEE_DEP": dep}
        else:
            row = {"code": code, "nom": nom}
            if with_population:
                row["population"] = pop
        row["geometry"] = shapely.box(*box)
        rows.append(row)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=2154)


def communes_wgs84() -> gpd.GeoDataFrame:
    """The fixture communes in the bundle's own columns (EPSG:4326)."""
    gdf = communes_lambert93()
    gdf["departement"] = [c[3] for c in COMMUNES]
    gdf["is_buffer"] = gdf["departement"] != "77"
    return gdf.to_crs(4326)[["code", "nom", "population", "departement", "is_buffer", "geometry"]]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def realdata(test):
    """Mark a test that reads ../shared/realdata; it is skipped cleanly when the folder is absent."""
    skip = pytest.mark.skipif(not REALDATA.is_dir(), reason=f"données réelles absentes ({REALDATA})")
    return pytest.mark.realdata(skip(test))

"""Fixtures of the territory tests (builders in territory_fixtures.py)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from tests.territory.territory_fixtures import communes_lambert93, communes_wgs84


@pytest.fixture
def communes() -> gpd.GeoDataFrame:
    return communes_wgs84()


@pytest.fixture
def communes_2154_geojson(tmp_path: Path) -> Path:
    path = tmp_path / "communes-l93.geojson"
    communes_lambert93().to_file(path, driver="GeoJSON")
    return path

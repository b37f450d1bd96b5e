"""One demo generation per test session, shared by the demo tests."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import osmium
import pytest

from mapapp.demo import generate_demo


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "not" / "yet" / "there"  # generate_demo creates it
    summary = generate_demo(out, progress=False)
    return out, summary


@pytest.fixture(scope="session")
def demo_dir(demo):
    return demo[0]


@pytest.fixture(scope="session")
def summary(demo):
    return demo[1]


@pytest.fixture(scope="session")
def communes(demo_dir):
    return gpd.read_file(demo_dir / "communes.geojson")


@pytest.fixture(scope="session")
def communes_l93(communes):
    return communes.to_crs(2154)


@pytest.fixture(scope="session")
def catalog(demo_dir):
    return json.loads((demo_dir / "catalog.json").read_text(encoding="utf-8"))


class Osm:
    """roads.osm read with pyosmium: node arrays and ways (refs, tags)."""

    def __init__(self, path):
        ids, lon, lat = [], [], []
        self.ways: list[tuple[list[int], dict[str, str]]] = []
        self.way_ids: list[int] = []
        for obj in osmium.FileProcessor(str(path)):
            if obj.is_node():
                ids.append(obj.id)
                lon.append(obj.location.lon)
                lat.append(obj.location.lat)
            elif obj.is_way():
                self.way_ids.append(obj.id)
                self.ways.append(([n.ref for n in obj.nodes], {t.k: t.v for t in obj.tags}))
        self.node_id = np.array(ids, dtype=np.int64)
        self.lon = np.array(lon)
        self.lat = np.array(lat)
        self.index = {int(i): k for k, i in enumerate(ids)}


@pytest.fixture(scope="session")
def osm(demo_dir):
    return Osm(demo_dir / "roads.osm")


@pytest.fixture(scope="session")
def read_osm():
    """The reader, for tests that write their own roads.osm."""
    return Osm

"""Real OpenStreetMap files from ../shared/realdata (skipped when the folder is absent)."""

import json
import os
from pathlib import Path

import numpy as np
import osmium
import pytest

from mapapp.network import MODES, build_graph, build_graphs, load_or_build, snap_points
from mapapp.network.build import MIN_EDGE_TIME_S
from mapapp.network.graph import ROAD_CLASSES
from mapapp.network.profile import CAR_DEFAULT_KMH

# MAPAPP_REALDATA points elsewhere (a git worktree has no ../shared beside it)
REALDATA = Path(os.environ.get("MAPAPP_REALDATA") or Path(__file__).resolve().parents[2].parent / "shared" / "realdata")
SBH = REALDATA / "saint-barthelemy" / "saint-barthelemy-2014.osm"
CORSE = REALDATA / "corse-du-sud"

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def realdata():
    if not REALDATA.is_dir():
        pytest.skip(f"real data folder {REALDATA} is absent")
    return REALDATA


@pytest.fixture(scope="module")
def sbh_graphs(realdata):
    return {fmt: build_graphs(f"{SBH}.{fmt}") for fmt in ("pbf", "bz2")}


def test_saint_barthelemy_pbf_and_bz2_give_the_same_graphs(sbh_graphs):
    for mode in MODES:
        a, b = sbh_graphs["pbf"][mode], sbh_graphs["bz2"][mode]
        for name in ("node_id", "lon", "lat", "indptr", "head", "time_s", "road_class"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), (mode, name)
        assert a.meta["osm"] == b.meta["osm"]
        assert a.n_nodes > 500


def test_saint_barthelemy_reports_and_ignores_what_is_not_a_road(sbh_graphs):
    car = sbh_graphs["pbf"]["car"]
    report = car.meta["osm"]
    assert report["highway_ways"] == 515
    # the file is clipped, but only boundary ways lose nodes: no road is cut
    assert report["missing_node_refs"] == 0 and report["ways_cut"] == 0
    # tracks are not for cars: fewer ways than for walking
    assert car.meta["ways_used"] < sbh_graphs["pbf"]["walk"].meta["ways_used"] <= 515
    road_nodes = set()
    for way in osmium.FileProcessor(f"{SBH}.pbf", osmium.osm.WAY):
        if "highway" in way.tags:
            road_nodes.update(n.ref for n in way.nodes)
    assert set(car.node_id.tolist()) <= road_nodes


def test_saint_barthelemy_uses_default_speeds(sbh_graphs):
    car = sbh_graphs["pbf"]["car"]
    assert car.meta["maxspeed_tagged_edge_share"] == 0.0
    kmh = car.length_m / car.time_s * 3.6
    expected = np.array([CAR_DEFAULT_KMH[ROAD_CLASSES[c]] for c in car.road_class])
    timed = car.time_s > MIN_EDGE_TIME_S
    np.testing.assert_allclose(kmh[timed], expected[timed], rtol=1e-9)
    assert len(set(expected.tolist())) >= 5  # several classes, several speeds


def test_clipped_saint_barthelemy_roads_are_cut_and_counted(realdata, tmp_path):
    # clip the real file: keep every way but only the nodes west of a meridian
    cut_lon = -62.84
    clipped = tmp_path / "sbh-west.osm.pbf"
    writer = osmium.SimpleWriter(str(clipped))
    kept = set()
    for obj in osmium.FileProcessor(f"{SBH}.pbf", osmium.osm.NODE | osmium.osm.WAY):
        if obj.is_node():
            if obj.location.lon < cut_lon:
                kept.add(obj.id)
                writer.add_node(obj)
        else:
            writer.add_way(obj)
    writer.close()
    expected_missing = 0
    for way in osmium.FileProcessor(f"{SBH}.pbf", osmium.osm.WAY):
        if "highway" in way.tags:
            expected_missing += sum(n.ref not in kept for n in way.nodes)
    walk = build_graph(clipped, "walk")
    report = walk.meta["osm"]
    assert report["missing_node_refs"] == expected_missing > 1000
    assert report["ways_cut"] > 0 and report["ways_dropped"] > 0
    assert (walk.lon < cut_lon).all()


def test_corse_du_sud_roads_build_and_are_mostly_strongly_connected(realdata, tmp_path):
    car = load_or_build(CORSE / "roads.osm.pbf", "car", tmp_path / "cache")
    scc = car.meta["largest_scc"]
    assert car.n_nodes > 10_000 and car.n_edges > 30_000
    assert scc["dropped_node_share"] < 0.01 and scc["dropped_edge_share"] < 0.01
    assert car.meta["maxspeed_tagged_edge_share"] == 1.0  # every link carries its free speed
    assert 5_000 < car.meta["total_length_km"] < 15_000  # both directions counted
    # every commune of the département reaches the network within 3 km of its centre
    from shapely.geometry import shape

    features = json.loads((CORSE / "communes.geojson").read_text())["features"]
    points = [shape(f["geometry"]).representative_point() for f in features]
    snap = snap_points(car, [p.x for p in points], [p.y for p in points], "out")
    assert len(features) == 124
    assert snap.snapped.mean() > 0.95
    assert np.nanmedian(snap.access_m) < 1000

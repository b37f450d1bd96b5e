"""OSM files to graphs: oneway, speeds, access, clipping, formats, components."""

import numpy as np
import pytest
from network_fixtures import grid, haversine, osm_edges, ring, to_pbf, write_osm

from mapapp.network import MODES, NetworkError, build_graph, build_graphs
from mapapp.network.graph import ROAD_CLASSES
from mapapp.network.profile import MAXSPEED_FACTOR


def ring_with(tmp_path, chords, extra_nodes=None, name="net.osm"):
    """A 4x4-step ring of two-way residential roads (ids 1..16) plus ``chords``.

    Ring ids: bottom row 1..5 at (0..4, 0), right side 6..8 at (4, 1..3), top
    row 9..13 at (4..0, 4), left side 14..16 at (0, 3..1).
    """
    nodes, ways, _ = ring(4)
    nodes.update(extra_nodes or {})
    return write_osm(tmp_path / name, nodes, ways + chords)


# chords across the ring: bottom-top pairs (2,12) (3,11) (4,10); left-right (16,6) (15,7) (14,8)
ONEWAY_CHORDS = [
    (101, [2, 12], {"highway": "residential", "oneway": "yes"}),
    (102, [3, 11], {"highway": "residential", "oneway": "-1"}),
    (103, [4, 10], {"highway": "residential", "oneway": "no"}),
    (104, [16, 6], {"highway": "residential", "junction": "roundabout"}),
    (105, [15, 7], {"highway": "motorway"}),
    (106, [14, 8], {"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"}),
]


@pytest.fixture
def oneway_graphs(tmp_path):
    return build_graphs(ring_with(tmp_path, ONEWAY_CHORDS))


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("car", {(2, 12): 1, (12, 2): 0, (3, 11): 0, (11, 3): 1, (4, 10): 1, (10, 4): 1,
                 (16, 6): 1, (6, 16): 0, (15, 7): 1, (7, 15): 0, (14, 8): 1, (8, 14): 0}),
        ("bike", {(2, 12): 1, (12, 2): 0, (3, 11): 0, (11, 3): 1, (4, 10): 1, (10, 4): 1,
                  (16, 6): 1, (6, 16): 0, (15, 7): 0, (7, 15): 0, (14, 8): 1, (8, 14): 1}),
        # walking ignores oneway, and never uses the motorway
        ("walk", {(2, 12): 1, (12, 2): 1, (3, 11): 1, (11, 3): 1, (4, 10): 1, (10, 4): 1,
                  (16, 6): 1, (6, 16): 1, (15, 7): 0, (7, 15): 0, (14, 8): 1, (8, 14): 1}),
    ],
)
def test_oneway_and_mode_rules(oneway_graphs, mode, expected):
    edges = osm_edges(oneway_graphs[mode])
    assert {pair: int(pair in edges) for pair in expected} == expected


def test_motorway_class_kept_for_car_only(oneway_graphs):
    car, walk = oneway_graphs["car"], oneway_graphs["walk"]
    motorway = ROAD_CLASSES.index("motorway")
    assert (car.road_class == motorway).sum() == 1
    assert (walk.road_class == motorway).sum() == 0


def test_maxspeed_forms_give_edge_times(tmp_path):
    chords = [
        (101, [2, 12], {"highway": "residential", "maxspeed": "50"}),
        (102, [3, 11], {"highway": "primary", "maxspeed": "FR:rural"}),
        (103, [4, 10], {"highway": "residential", "maxspeed": "30 mph"}),
        (104, [16, 6], {"highway": "residential"}),  # default 30 km/h
        (105, [15, 7], {"highway": "tertiary", "maxspeed": "signals"}),  # default 50 km/h
        (106, [14, 8], {"highway": "secondary", "maxspeed": "FR:zone30"}),
    ]
    nodes, _, _ = ring(4)
    expected_kmh = {(2, 12): 50 * MAXSPEED_FACTOR, (3, 11): 80 * MAXSPEED_FACTOR,
                    (4, 10): 30 * 1.609344 * MAXSPEED_FACTOR, (16, 6): 30.0, (15, 7): 50.0,
                    (14, 8): 30 * MAXSPEED_FACTOR}
    car = build_graph(ring_with(tmp_path, chords), "car")
    edges = osm_edges(car)
    for (u, v), kmh in expected_kmh.items():
        length = haversine(nodes[u], nodes[v])
        assert edges[(u, v)] == pytest.approx(length / (kmh / 3.6), rel=1e-9)
        assert edges[(v, u)] == pytest.approx(length / (kmh / 3.6), rel=1e-9)
    assert car.meta["maxspeed_tagged_edge_share"] == pytest.approx(8 / car.n_edges)


ACCESS_CHORDS = [
    (101, [2, 12], {"highway": "service", "access": "private"}),
    (102, [3, 11], {"highway": "residential", "motor_vehicle": "no"}),
    (103, [4, 10], {"highway": "residential", "foot": "no"}),
    (104, [16, 6], {"highway": "residential", "bicycle": "no"}),
    (105, [15, 7], {"highway": "construction"}),
    (106, [14, 8], {"highway": "footway"}),
]


@pytest.mark.parametrize(
    ("mode", "present"),
    [("car", {(4, 10), (16, 6)}), ("walk", {(3, 11), (16, 6), (14, 8)}),
     ("bike", {(3, 11), (4, 10), (14, 8)})],
)
def test_access_restrictions(tmp_path, mode, present):
    graph = build_graph(ring_with(tmp_path, ACCESS_CHORDS), mode)
    edges = osm_edges(graph)
    chords = {tuple(refs) for _, refs, _ in ACCESS_CHORDS}
    assert {c for c in chords if c in edges} == present
    assert all((v, u) in edges for (u, v) in present)


def test_non_road_ways_and_nodes_are_ignored(tmp_path):
    extra = {900: grid(1, 1), 901: grid(2, 1), 902: grid(2, 2), 903: grid(1, 2), 904: grid(3, 3)}
    chords = [
        (201, [900, 901, 902, 903, 900], {"building": "yes"}),
        (202, [2, 901], {"waterway": "stream"}),
        (203, [3, 902], {"route": "ferry"}),
        (204, [903, 904], {"highway": "proposed"}),
        (205, [11, 904], {"highway": "pedestrian", "area": "yes"}),
    ]
    path = ring_with(tmp_path, chords, extra)
    graphs = build_graphs(path)
    for graph in graphs.values():
        assert set(graph.node_id.tolist()) == set(range(1, 17))
        assert graph.n_edges == 32  # the 16 ring sides, both ways
        assert graph.meta["osm"]["highway_ways"] == 18
        assert graph.meta["osm"]["ignored_ways"] == 2


def test_missing_nodes_cut_ways_and_are_counted(tmp_path):
    extra = {500: grid(1, 1), 502: grid(1, 3)}  # 501 and 600 are referenced but absent
    chords = [
        (101, [2, 500, 501, 502, 12], {"highway": "residential"}),
        (102, [3, 600], {"highway": "residential"}),
    ]
    graph = build_graph(ring_with(tmp_path, chords, extra), "car")
    edges = osm_edges(graph)
    assert {(2, 500), (500, 2), (502, 12), (12, 502)} <= set(edges)
    assert not any(500 in e and 502 in e for e in edges)
    report = graph.meta["osm"]
    assert report["missing_node_refs"] == 2
    assert report["ways_cut"] == 2
    assert report["ways_dropped"] == 1
    assert 501 not in graph.node_id and 600 not in graph.node_id


def test_file_without_roads_raises_naming_the_file(tmp_path):
    nodes = {1: grid(0, 0), 2: grid(1, 0), 3: grid(1, 1)}
    path = write_osm(tmp_path / "no-roads.osm", nodes, [(1, [1, 2, 3, 1], {"building": "yes"})])
    with pytest.raises(NetworkError, match="no-roads.osm"):
        build_graph(path, "car")


def test_file_without_roads_for_the_mode_raises(tmp_path):
    nodes, ways, _ = ring(2, tags={"highway": "footway"})
    path = write_osm(tmp_path / "footways.osm", nodes, ways)
    assert build_graph(path, "walk").n_nodes == 8
    with pytest.raises(NetworkError, match="car"):
        build_graph(path, "car")


def test_unreadable_or_missing_file_raises(tmp_path):
    garbage = tmp_path / "garbage.osm.pbf"
    garbage.write_bytes(b"this is not a pbf file")
    with pytest.raises(NetworkError, match="garbage.osm.pbf"):
        build_graph(garbage, "car")
    with pytest.raises(NetworkError, match="absent.osm"):
        build_graph(tmp_path / "absent.osm", "car")
    with pytest.raises(ValueError, match="plane"):
        build_graphs(garbage, ["plane"])


def test_pbf_and_xml_give_identical_graphs(tmp_path):
    extra = {500: grid(1, 1), 502: grid(1, 3), 503: grid(2, 2)}
    chords = ONEWAY_CHORDS[:4] + [(110, [2, 500, 501, 502, 12], {"highway": "residential"}),
                                  (111, [500, 503, 7], {"highway": "footway"})]
    xml = ring_with(tmp_path, chords, extra)
    pbf = to_pbf(xml, tmp_path / "net.osm.pbf")
    from_xml, from_pbf = build_graphs(xml), build_graphs(pbf)
    for mode in MODES:
        a, b = from_xml[mode], from_pbf[mode]
        for name in ("node_id", "lon", "lat", "indptr", "head", "time_s", "length_m", "road_class"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), (mode, name)
        for name in ("lon", "lat", "start", "end"):
            assert np.array_equal(getattr(a.geometry, name), getattr(b.geometry, name))
        assert a.meta["osm"] == b.meta["osm"] and a.meta["osm"]["missing_node_refs"] == 1
        assert a.meta["source_sha256"] != b.meta["source_sha256"]


def test_largest_strong_component_is_kept_and_drops_reported(tmp_path):
    extra = {700: grid(5, 0), 701: grid(5, 4), 800: grid(10, 10), 801: grid(11, 10)}
    chords = [
        (201, [5, 700], {"highway": "residential", "oneway": "yes"}),   # can leave, never return
        (202, [701, 9], {"highway": "residential", "oneway": "yes"}),   # can come, never reached
        (203, [800, 801], {"highway": "residential"}),                  # an island
    ]
    graph = build_graph(ring_with(tmp_path, chords, extra), "car")
    assert set(graph.node_id.tolist()) == set(range(1, 17))
    scc = graph.meta["largest_scc"]
    assert scc["components"] == 4
    assert (scc["kept_nodes"], scc["dropped_nodes"]) == (16, 4)
    assert (scc["kept_edges"], scc["dropped_edges"]) == (32, 4)
    assert scc["dropped_node_share"] == pytest.approx(4 / 20)
    assert scc["dropped_edge_share"] == pytest.approx(4 / 36)
    assert graph.n_edges == 32 and graph.meta["n_nodes"] == graph.n_nodes == 16


def test_simplified_graph_keeps_shape_length_and_routes(tmp_path):
    # a winding road with 3 shape nodes between ring corners 1 and 13 (both ends of it)
    extra = {301: grid(-1, 1), 302: grid(-1.5, 2), 303: grid(-1, 3)}
    chords = [(101, [1, 301, 302, 303, 13], {"highway": "residential"})]
    path = ring_with(tmp_path, chords, extra)
    simple, full = build_graph(path, "car"), build_graph(path, "car", simplify=False)
    assert full.n_nodes == simple.n_nodes + 3 and full.geometry is None
    assert not {301, 302, 303} & set(simple.node_id.tolist())
    coords = [grid(0, 0), grid(-1, 1), grid(-1.5, 2), grid(-1, 3), grid(0, 4)]
    expected_m = sum(haversine(a, b) for a, b in zip(coords, coords[1:]))
    e = osm_edges(simple)
    assert e[(1, 13)] == pytest.approx(expected_m / (30 / 3.6), rel=1e-9)
    # both directions share the 5-point shape, in opposite orders
    geom = simple.geometry
    k = np.flatnonzero((simple.node_id[simple.tail()] == 1) & (simple.node_id[simple.head] == 13))[0]
    shape = np.arange(geom.start[k], geom.end[k] + np.sign(geom.end[k] - geom.start[k]), np.sign(geom.end[k] - geom.start[k]))
    assert np.allclose(np.column_stack([geom.lon[shape], geom.lat[shape]]), coords)
    # same shortest times between the nodes both graphs share
    from scipy.sparse.csgraph import dijkstra

    ds, df = dijkstra(simple.csr()), dijkstra(full.csr())
    pos = np.searchsorted(full.node_id, simple.node_id)
    assert np.allclose(ds, df[np.ix_(pos, pos)])


def test_progress_callable_is_called(tmp_path):
    calls = []
    build_graphs(ring_with(tmp_path, []), ("car", "walk"), progress=lambda *a: calls.append(a))
    assert ("read ways", 16, 16) in calls
    assert calls[-1] == ("build graphs", 2, 2)


def test_meta_is_complete(tmp_path):
    graph = build_graph(ring_with(tmp_path, ONEWAY_CHORDS), "car")
    meta = graph.meta
    assert meta["profile_version"] and len(meta["source_sha256"]) == 64
    assert meta["source_name"] == "net.osm"
    assert meta["mode"] == "car" and meta["simplified"] is True
    assert meta["n_edges"] == graph.n_edges and meta["ways_used"] == 22
    assert np.all(graph.time_s > 0) and graph.head.dtype == np.int32 and graph.indptr[-1] == graph.n_edges


def test_progress_true_draws_bars_on_stderr(tmp_path, capsys):
    build_graphs(ring_with(tmp_path, []), ("car",), progress=True)
    captured = capsys.readouterr()
    assert "read ways" in captured.err and "build graphs" in captured.err
    assert captured.out == ""


def test_truncated_xml_and_pbf_raise_a_french_network_error(tmp_path):
    from tests.network.network_fixtures import to_pbf

    nodes, ways, _ = ring(40)
    xml = write_osm(tmp_path / "full.osm", nodes, ways)
    pbf = to_pbf(xml, tmp_path / "full.osm.pbf")
    for source, cut in ((xml, 0.6), (pbf, 0.5)):
        truncated = tmp_path / f"cut-{source.name}"
        data = source.read_bytes()
        truncated.write_bytes(data[: int(len(data) * cut)])
        with pytest.raises(NetworkError, match="fichier OSM illisible") as err:
            build_graph(truncated, "car")
        assert truncated.name in str(err.value)

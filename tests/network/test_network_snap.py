"""Snapping points onto roads: exact nearest segment, direction, exclusions, distance cap."""

import math

import numpy as np
import pytest
from network_fixtures import LAT0, LON0, R, STEP, grid, haversine, ring, write_osm

from mapapp.network import build_graph, snap_points
from mapapp.network.profile import WALK_KMH

WALK_MS = WALK_KMH / 3.6


def net(tmp_path, chords, extra=None, mode="car", simplify=True):
    """The 4x4 ring of test_network_build (ids 1..16) plus ``chords``."""
    nodes, ways, _ = ring(4)
    nodes.update(extra or {})
    return build_graph(write_osm(tmp_path / "snap.osm", nodes, ways + chords), mode, simplify=simplify)


def reached(graph, snap, i=0):
    """{osm node id: time_s} the point ``i`` reaches (or is reached from)."""
    out = {}
    for node, t in ((snap.node_a[i], snap.time_a_s[i]), (snap.node_b[i], snap.time_b_s[i])):
        if node >= 0:
            out[int(graph.node_id[node])] = float(t)
    return out


def chord_time(graph, u, v):
    tail, head = graph.node_id[graph.tail()], graph.node_id[graph.head]
    return float(graph.time_s[(tail == u) & (head == v)][0])


# a point 0.2 step north of the middle of the chord 16 (0,1) -> 6 (4,1): the chord is
# 22 m away while the nearest node (3, at (2,0)) is 133 m away
POINT = grid(2, 1.2)
ACCESS_M = haversine(POINT, grid(2, 1))


def test_nearest_segment_not_nearest_node(tmp_path):
    graph = net(tmp_path, [(101, [16, 6], {"highway": "residential"})])
    snap = snap_points(graph, [POINT[0]], [POINT[1]], "out")
    assert snap.snapped[0]
    assert snap.access_m[0] == pytest.approx(ACCESS_M, abs=0.01)
    half = 0.5 * chord_time(graph, 16, 6)
    assert reached(graph, snap) == pytest.approx({16: ACCESS_M / WALK_MS + half, 6: ACCESS_M / WALK_MS + half},
                                                 abs=0.01)


@pytest.mark.parametrize(("direction", "node"), [("out", 6), ("in", 16)])
def test_oneway_direction_respected(tmp_path, direction, node):
    graph = net(tmp_path, [(101, [16, 6], {"highway": "residential", "oneway": "yes"})])
    # a point a quarter of the way along: the partial time depends on the side
    point = grid(1, 1.2)
    snap = snap_points(graph, [point[0]], [point[1]], direction)
    access = haversine(point, grid(1, 1))
    frac = 0.75 if node == 6 else 0.25
    expected = access / WALK_MS + frac * chord_time(graph, 16, 6)
    assert reached(graph, snap) == pytest.approx({node: expected}, abs=0.01)
    assert np.isinf([snap.time_a_s[0], snap.time_b_s[0]]).sum() == 1


def test_reversed_twin_ways_give_both_directions(tmp_path):
    # a two-way road drawn as two oneway ways over the same nodes (as in MATSim-derived files)
    chords = [(101, [16, 6], {"highway": "residential", "oneway": "yes"}),
              (102, [6, 16], {"highway": "residential", "oneway": "yes"})]
    graph = net(tmp_path, chords)
    for direction in ("out", "in"):
        snap = snap_points(graph, [POINT[0]], [POINT[1]], direction)
        half = 0.5 * chord_time(graph, 16, 6)
        assert reached(graph, snap) == pytest.approx(
            {16: ACCESS_M / WALK_MS + half, 6: ACCESS_M / WALK_MS + half}, abs=0.01)


def test_never_snapped_onto_motorway(tmp_path):
    graph = net(tmp_path, [(101, [16, 6], {"highway": "motorway"})])
    snap = snap_points(graph, [POINT[0]], [POINT[1]], "out")
    # the bottom side of the ring (lat 41.900) is the nearest road that is not a motorway
    assert snap.access_m[0] == pytest.approx(haversine(POINT, grid(2, 0)), abs=0.01)
    assert set(reached(graph, snap)) <= {2, 3, 4} and 3 in reached(graph, snap)
    anywhere = snap_points(graph, [POINT[0]], [POINT[1]], "out", exclude_classes=())
    assert anywhere.access_m[0] == pytest.approx(ACCESS_M, abs=0.01)
    assert set(reached(graph, anywhere)) == {6}  # motorways are oneway


def test_far_points_are_unsnapped(tmp_path):
    graph = net(tmp_path, [])
    far = grid(0, -90)  # 10 km south
    lon, lat = [far[0], POINT[0], np.nan], [far[1], POINT[1], 41.9]
    snap = snap_points(graph, lon, lat, "in")
    assert snap.snapped.tolist() == [False, True, False]
    assert snap.node_a[0] == snap.node_b[0] == -1
    assert np.isinf(snap.time_a_s[0]) and np.isinf(snap.time_b_s[0]) and np.isnan(snap.access_m[0])
    wide = snap_points(graph, lon, lat, "in", max_snap_m=20_000)
    assert wide.snapped.tolist() == [True, True, False]
    assert wide.access_m[0] == pytest.approx(haversine(far, grid(0, 0)), rel=1e-4)


def test_bad_arguments(tmp_path):
    graph = net(tmp_path, [])
    with pytest.raises(ValueError, match="direction"):
        snap_points(graph, [8.7], [41.9], "both")
    with pytest.raises(ValueError, match="road class"):
        snap_points(graph, [8.7], [41.9], exclude_classes=("highway",))


def brute_force_distance(graph, lon, lat):
    """Distance to the nearest edge shape, in a local tangent plane at each point."""
    if graph.geometry is not None:
        g = graph.geometry
        a = np.minimum(g.start, g.end)
        segs = [(g.lon[k], g.lat[k], g.lon[k + 1], g.lat[k + 1])
                for s, e in zip(a, np.maximum(g.start, g.end)) for k in range(s, e)]
    else:
        t = graph.tail()
        segs = list(zip(graph.lon[t], graph.lat[t], graph.lon[graph.head], graph.lat[graph.head]))
    s = np.array(segs)
    out = []
    for x0, y0 in zip(lon, lat):
        kx, ky = R * math.cos(math.radians(y0)) * math.pi / 180, R * math.pi / 180
        ax, ay = (s[:, 0] - x0) * kx, (s[:, 1] - y0) * ky
        bx, by = (s[:, 2] - x0) * kx, (s[:, 3] - y0) * ky
        dx, dy = bx - ax, by - ay
        t = np.clip(-(ax * dx + ay * dy) / np.maximum(dx * dx + dy * dy, 1e-12), 0, 1)
        out.append(np.hypot(ax + t * dx, ay + t * dy).min())
    return np.array(out)


@pytest.fixture
def winding_net(tmp_path):
    extra = {301: grid(-1, 1), 302: grid(-1.5, 2), 303: grid(-0.2, 2.5), 304: grid(-1, 3),
             305: grid(1.5, 1.5), 306: grid(2.5, 2.2), 307: grid(2.0, 3.1)}
    chords = [(101, [1, 301, 302, 303, 304, 13], {"highway": "residential"}),
              (102, [16, 305, 306, 307, 10], {"highway": "unclassified", "oneway": "yes"}),
              (103, [3, 306], {"highway": "service"})]
    return tmp_path, chords, extra


def test_snap_is_exact_against_brute_force(winding_net):
    tmp_path, chords, extra = winding_net
    graph = net(tmp_path, chords, extra)
    rng = np.random.default_rng(7)
    lon = LON0 + STEP * rng.uniform(-3, 7, 3000)
    lat = LAT0 + STEP * rng.uniform(-3, 7, 3000)
    snap = snap_points(graph, lon, lat, "out")
    assert snap.snapped.all()
    np.testing.assert_allclose(snap.access_m, brute_force_distance(graph, lon, lat), rtol=1e-4, atol=0.02)


def test_simplified_and_full_graphs_snap_alike(winding_net):
    tmp_path, chords, extra = winding_net
    simple = net(tmp_path, chords, extra)
    full = net(tmp_path, chords, extra, simplify=False)
    assert full.geometry is None and simple.geometry is not None
    rng = np.random.default_rng(3)
    lon = LON0 + STEP * rng.uniform(-2, 6, 500)
    lat = LAT0 + STEP * rng.uniform(-2, 6, 500)
    a = snap_points(simple, lon, lat, "in")
    b = snap_points(full, lon, lat, "in")
    np.testing.assert_allclose(a.access_m, b.access_m, atol=1e-6)
    # the full graph snaps onto intermediate nodes: compare the resulting times
    # from every node of the simplified graph to each point
    from scipy.sparse.csgraph import dijkstra

    def arrival(from_nodes, snap):
        """(points, sources): min over the two snapped nodes of source -> node + node -> point."""
        ta = np.where(snap.node_a >= 0, snap.time_a_s, np.inf)
        tb = np.where(snap.node_b >= 0, snap.time_b_s, np.inf)
        via_a = from_nodes[:, np.maximum(snap.node_a, 0)].T + ta[:, None]
        via_b = from_nodes[:, np.maximum(snap.node_b, 0)].T + tb[:, None]
        return np.minimum(via_a, via_b)

    pos = np.searchsorted(full.node_id, simple.node_id)
    got_simple = arrival(dijkstra(simple.csr()), a)
    got_full = arrival(dijkstra(full.csr(), indices=pos), b)
    assert np.isfinite(got_simple).all()
    np.testing.assert_allclose(got_simple, got_full, rtol=1e-9, atol=1e-6)


def test_many_points_vectorised(winding_net):
    tmp_path, chords, extra = winding_net
    graph = net(tmp_path, chords, extra, mode="walk")
    rng = np.random.default_rng(11)
    n = 100_000
    lon = LON0 + STEP * rng.uniform(-1, 5, n)
    lat = LAT0 + STEP * rng.uniform(-1, 5, n)
    snap = snap_points(graph, lon, lat, "out")
    assert len(snap) == n and snap.snapped.all()
    # walking ignores oneway: both ends are always usable
    assert (snap.node_a >= 0).all() and (snap.node_b >= 0).all()
    assert (snap.time_a_s >= snap.access_m / WALK_MS - 1e-9).all()


def test_graph_of_excluded_roads_only_snaps_nothing(tmp_path):
    nodes, ways, _ = ring(2, tags={"highway": "motorway", "oneway": "no"})
    graph = build_graph(write_osm(tmp_path / "motorways.osm", nodes, ways), "car")
    assert graph.n_edges == 16
    snap = snap_points(graph, [grid(1, 0.1)[0]], [grid(1, 0.1)[1]], "out")
    assert not snap.snapped.any() and snap.node_a[0] == -1

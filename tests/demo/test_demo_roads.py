"""roads.osm is real OSM XML with a realistic hierarchy and a connected car network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components, dijkstra, maximum_flow
from scipy.spatial import cKDTree

from mapapp.demo import generate_roads
from mapapp.demo.osm import CAR_HIGHWAYS

CAR = CAR_HIGHWAYS


def _xy(osm, idx):
    """Local metric coordinates (equirectangular around the data)."""
    lat0 = np.radians(45.2)
    return np.column_stack([np.radians(osm.lon[idx]) * 6_371_000 * np.cos(lat0), np.radians(osm.lat[idx]) * 6_371_000])


def car_graph(osm, exclude_note: bool = True):
    """Directed car graph from the file, with our own reading of the tags."""
    tails, heads, island = [], [], set()
    for refs, tags in osm.ways:
        if tags.get("highway") not in CAR or tags.get("access") in ("private", "no"):
            continue
        idx = [osm.index[r] for r in refs]
        if "note" in tags and exclude_note:
            island.update(idx)
        ow = tags.get("oneway")
        forward = ow != "-1"
        backward = ow == "-1" or (ow not in ("yes", "1", "true") and tags.get("junction") != "roundabout")
        a, b = np.array(idx[:-1]), np.array(idx[1:])
        if forward:
            tails.append(a), heads.append(b)
        if backward:
            tails.append(b), heads.append(a)
    t, h = np.concatenate(tails), np.concatenate(heads)
    xy = _xy(osm, np.arange(len(osm.node_id)))
    length = np.hypot(*(xy[t] - xy[h]).T)
    n = len(osm.node_id)
    mat = sp.csr_matrix((length, (t, h)), shape=(n, n))
    used = np.unique(np.concatenate([t, h]))
    return mat, used, np.array(sorted(island), dtype=np.int64)


def test_osmnx_reads_the_file(demo_dir, osm):
    ox = pytest.importorskip("osmnx")
    g = ox.graph_from_xml(demo_dir / "roads.osm", simplify=False, retain_all=True)
    highway_nodes = {r for refs, tags in osm.ways if "highway" in tags for r in refs}
    assert highway_nodes <= set(g.nodes)  # osmnx keeps every way it is given, river included
    assert g.number_of_edges() > len(highway_nodes)


def test_size_ids_and_references(osm, summary):
    assert len(osm.node_id) >= 30_000
    assert len(osm.node_id) == summary["osm_nodes"]
    assert (np.diff(osm.node_id) > 0).all() and (np.diff(osm.way_ids) > 0).all()
    assert all(r in osm.index for refs, _ in osm.ways for r in refs)
    assert all(len(refs) >= 2 for refs, _ in osm.ways)


def test_road_hierarchy_and_tags(osm):
    tags = [t for _, t in osm.ways]
    highways = {t.get("highway") for t in tags}
    assert {
        "motorway",
        "motorway_link",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "footway",
        "path",
        "track",
        "service",
    } <= highways
    speeds = {t["maxspeed"] for t in tags if "maxspeed" in t}
    assert speeds == {"50", "80", "FR:urban", "110", "130"}
    assert sum(1 for t in tags if t.get("highway") in CAR and "maxspeed" not in t) > 100
    assert any(t.get("oneway") == "yes" and t["highway"] == "residential" for t in tags)
    assert any(t.get("oneway") == "-1" for t in tags)
    assert any(t.get("access") == "private" for t in tags)
    roundabouts = [refs for refs, t in osm.ways if t.get("junction") == "roundabout"]
    assert roundabouts and all(refs[0] == refs[-1] for refs in roundabouts)
    assert any("waterway" in t for t in tags) and any("railway" in t for t in tags)


def test_non_road_ways_share_no_node_with_roads(osm):
    road = {r for refs, t in osm.ways if "highway" in t for r in refs}
    other = {r for refs, t in osm.ways if "highway" not in t for r in refs}
    assert other and not road & other


def test_motorway_has_few_junctions(osm):
    motorway = [refs for refs, t in osm.ways if t.get("highway") == "motorway"]
    assert len(motorway) == 2 and all(t.get("oneway") == "yes" for _, t in osm.ways if t.get("highway") == "motorway")
    mw_nodes = {r for refs in motorway for r in refs}
    links = [refs for refs, t in osm.ways if t.get("highway") == "motorway_link"]
    assert len(links) >= 8
    others = {r for refs, t in osm.ways if t.get("highway") not in ("motorway", "motorway_link") for r in refs}
    assert len(mw_nodes & others) == 2  # only its two ends join ordinary roads; elsewhere ramps
    ramp_ends = {r for refs in links for r in (refs[0], refs[-1])} & mw_nodes
    assert 8 <= len(ramp_ends) <= 16


def test_some_roads_wind(osm):
    xy = _xy(osm, np.arange(len(osm.node_id)))
    sinuous = 0
    for refs, t in osm.ways:
        if t.get("highway") in ("tertiary", "unclassified") and len(refs) >= 100:
            p = xy[[osm.index[r] for r in refs]]
            path = np.hypot(*np.diff(p, axis=0).T).sum()
            if path / max(np.hypot(*(p[-1] - p[0])), 1.0) > 1.3:
                sinuous += 1
    assert sinuous >= 3


def test_roads_extend_into_the_buffer_ring(osm, communes):
    ring = shapely.union_all(communes[communes.is_buffer].geometry.to_numpy())
    idx = np.array(sorted({osm.index[r] for refs, t in osm.ways if "highway" in t for r in refs}))
    inside = shapely.contains_xy(ring, osm.lon[idx], osm.lat[idx])
    assert inside.mean() > 0.05


def test_car_network_is_strongly_connected_but_for_the_documented_island(osm):
    mat, used, island = car_graph(osm)
    _, labels = connected_components(mat, directed=True, connection="strong")
    main = np.setdiff1d(used, island)
    assert len(np.unique(labels[main])) == 1
    # the documented exception really is cut off
    assert len(island) >= 3
    _, weak = connected_components(mat, directed=False)
    assert not set(weak[island]) & set(weak[main])


def _cut_size(mat, used, sources, sinks) -> int:
    """Edge-disjoint road paths from a set of nodes to another (undirected max-flow)."""
    n = mat.shape[0]
    und = ((mat + mat.T) > 0).astype(np.int32).tocoo()
    src, dst = n, n + 1
    rows = np.concatenate([und.row, np.full(len(sources), src), sinks])
    cols = np.concatenate([und.col, sources, np.full(len(sinks), dst)])
    caps = np.concatenate([und.data, np.full(len(sources) + len(sinks), 100_000)]).astype(np.int32)
    cap = sp.csr_matrix((caps, (rows, cols)), shape=(n + 2, n + 2))
    cap.sum_duplicates()
    return int(maximum_flow(cap, src, dst).flow_value)


def _nodes_in(osm, used, polygon):
    return used[shapely.contains_xy(polygon, osm.lon[used], osm.lat[used])]


def test_remote_valleys_hang_on_a_single_road_far_from_towns(osm, demo_dir, communes, summary):
    mat, used, island = car_graph(osm)
    used = np.setdiff1d(used, island)
    remote = summary["remote_communes"]
    inner = communes[~communes.is_buffer].set_index("code")
    assert len(remote) >= 3 and set(remote) <= set(inner.index)
    valley = _nodes_in(osm, used, shapely.union_all(inner.geometry.loc[remote].to_numpy()))
    pref = _nodes_in(osm, used, inner.geometry.loc[inner.population.idxmax()])
    assert len(valley) > 100 and len(pref) > 100
    # one road: cutting a single edge isolates all the remote communes at once...
    assert _cut_size(mat, used, valley, pref) == 1
    # ...whereas ordinary villages are reached by two roads or more
    villages = inner[(inner.population < 1_000) & ~inner.index.isin(remote)]
    cuts = [_cut_size(mat, used, _nodes_in(osm, used, g), pref) for g in villages.geometry.iloc[::10]]
    assert np.mean(np.array(cuts) >= 2) > 0.6
    # and every remote village centre is far by road from the centre of every town of 5,000+
    pts = pd.read_csv(demo_dir / "population.csv", dtype={"commune": str})
    top = pts.sort_values("population").groupby("commune").tail(1).set_index("commune")

    def centre_nodes(codes):
        return np.concatenate(
            [_nodes_in(osm, used, shapely.Point(*top.loc[c, ["lon", "lat"]]).buffer(0.004)) for c in codes]
        )

    town_nodes = centre_nodes(inner[inner.population >= 5_000].index)
    dist = dijkstra(mat, indices=centre_nodes(remote))
    assert dist[:, town_nodes].min() > 20_000


def test_generate_roads_scales_up(tmp_path, read_osm):
    path = tmp_path / "bench" / "roads.osm"
    info = generate_roads(path, target_nodes=120_000, progress=False)
    big = read_osm(path)
    assert len(big.node_id) == info["nodes"] >= 120_000
    assert info["nodes"] < 120_000 * 1.3
    mat, used, island = car_graph(big)
    _, labels = connected_components(mat, directed=True, connection="strong")
    assert len(np.unique(labels[np.setdiff1d(used, island)])) == 1
    assert any(t.get("oneway") == "-1" for _, t in big.ways)


def test_sites_are_near_a_car_road(osm, catalog):
    _, used, island = car_graph(osm)
    used = np.setdiff1d(used, island)
    tree = cKDTree(_xy(osm, used))
    lat0 = np.radians(45.2)
    for s in catalog["sites"] + [m for m in catalog["mobility_solutions"] if m["kind"] == "point"]:
        q = [np.radians(s["lon"]) * 6_371_000 * np.cos(lat0), np.radians(s["lat"]) * 6_371_000]
        assert tree.query(q)[0] < 250, s["id"]

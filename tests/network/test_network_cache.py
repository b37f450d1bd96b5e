"""The on-disk graph cache: hits, keys, corruption."""

import logging

import numpy as np
import pytest
from network_fixtures import ring, write_osm

import mapapp.network.cache as cache
from mapapp.network import MODES, RoadGraph, build_graph, load_or_build

ARRAYS = ("node_id", "lon", "lat", "indptr", "head", "time_s", "length_m", "road_class")


def same_graph(a: RoadGraph, b: RoadGraph) -> bool:
    arrays = all(np.array_equal(getattr(a, n), getattr(b, n)) and getattr(a, n).dtype == getattr(b, n).dtype
                 for n in ARRAYS)
    geometry = all(np.array_equal(getattr(a.geometry, n), getattr(b.geometry, n))
                   for n in ("lon", "lat", "start", "end"))
    return arrays and geometry and a.meta == b.meta and a.mode == b.mode


@pytest.fixture
def osm_file(tmp_path):
    nodes, ways, _ = ring(3)
    return write_osm(tmp_path / "roads.osm", nodes, ways + [(99, [1, 7], {"highway": "primary", "oneway": "yes"})])


def no_build(*args, **kwargs):
    raise AssertionError("the graph was rebuilt instead of read from the cache")


def test_second_call_reads_the_cache(osm_file, tmp_path, monkeypatch):
    built = load_or_build(osm_file, MODES, tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 3
    monkeypatch.setattr(cache, "read_roads", no_build)
    again = load_or_build(osm_file, MODES, tmp_path / "cache")
    for mode in MODES:
        assert same_graph(built[mode], again[mode])
    assert same_graph(built["car"], build_graph(osm_file, "car"))
    single = load_or_build(osm_file, "walk", tmp_path / "cache")
    assert isinstance(single, RoadGraph) and single.mode == "walk"


def test_only_missing_modes_are_built(osm_file, tmp_path, monkeypatch):
    load_or_build(osm_file, "car", tmp_path / "cache")
    reads = []
    real = cache.read_roads
    monkeypatch.setattr(cache, "read_roads", lambda *a, **k: reads.append(a) or real(*a, **k))
    graphs = load_or_build(osm_file, MODES, tmp_path / "cache")
    assert set(graphs) == set(MODES) and len(reads) == 1
    load_or_build(osm_file, MODES, tmp_path / "cache")
    assert len(reads) == 1


def test_key_changes_with_file_content(osm_file, tmp_path):
    first = load_or_build(osm_file, "car", tmp_path / "cache")
    nodes, ways, _ = ring(3)
    write_osm(osm_file, nodes, ways)  # the oneway primary is gone
    second = load_or_build(osm_file, "car", tmp_path / "cache")
    assert second.meta["source_sha256"] != first.meta["source_sha256"]
    assert second.n_edges == first.n_edges - 1
    assert len(list((tmp_path / "cache").glob("car-*.npz"))) == 2


def test_key_changes_with_profile_version(osm_file, tmp_path, monkeypatch):
    load_or_build(osm_file, "car", tmp_path / "cache")
    monkeypatch.setattr(cache, "PROFILE_VERSION", "test-profile-2")
    reads = []
    real = cache.read_roads
    monkeypatch.setattr(cache, "read_roads", lambda *a, **k: reads.append(a) or real(*a, **k))
    load_or_build(osm_file, "car", tmp_path / "cache")
    assert len(reads) == 1
    assert any("test-profile-2" in p.name for p in (tmp_path / "cache").glob("*.npz"))
    assert cache.cache_key("ab" * 32, "car") != cache.cache_key("ab" * 32, "walk")
    assert cache.cache_key("ab" * 32, "car") != cache.cache_key("cd" * 32, "car")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "wrong_meta", "drop_json"])
def test_corrupted_entry_is_rebuilt_with_a_warning(osm_file, tmp_path, caplog, damage):
    good = load_or_build(osm_file, "car", tmp_path / "cache")
    npz = next((tmp_path / "cache").glob("car-*.npz"))
    meta = npz.with_suffix(".json")
    if damage == "truncate":
        npz.write_bytes(npz.read_bytes()[:200])
    elif damage == "garbage":
        npz.write_bytes(b"\x00" * 1000)
    elif damage == "wrong_meta":
        meta.write_text(meta.read_text().replace('"n_edges": ', '"n_edges": 1'))
    else:
        meta.unlink()
    with caplog.at_level(logging.WARNING, logger="mapapp.network.cache"):
        again = load_or_build(osm_file, "car", tmp_path / "cache")
    assert same_graph(good, again)
    if damage != "drop_json":  # a missing half is a plain miss, not a corruption
        assert any("rebuilding the car graph" in r.getMessage() for r in caplog.records)
    # the rebuilt entry is valid again
    assert same_graph(good, cache.load_graph(tmp_path / "cache", npz.stem))


def test_unknown_mode_is_refused(osm_file, tmp_path):
    with pytest.raises(ValueError, match="boat"):
        load_or_build(osm_file, "boat", tmp_path / "cache")

"""The car-free modes of `mapapp compute` on the demo (mapapp.compute_carfree): stored, consistent, optional."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from mapapp.access.carfree import MEANS
from mapapp.config import load_settings
from mapapp.results import ResultStore

THEME = "france_services"


@pytest.fixture(scope="module")
def store(demo_computed):
    env, _ = demo_computed
    return ResultStore(load_settings(env).data_dir / "results")


def test_demo_has_transit_tad_and_carfree_results(store):
    assert {"transit", "tad", "sans_voiture"} <= set(store.modes())
    manifest = store.manifest("transit")
    assert manifest.graph["service_date"] and manifest.graph["n_connections"] > 0
    assert len(manifest.themes) == len(store.manifest("car").themes)
    assert "transit" in manifest.themes[0]["thresholds"]
    points = store.theme_table("transit", "points", THEME)
    assert {"share_departures", "can_return"} <= set(points.columns)
    assert points["can_return"].any() and not points["can_return"].all()


def test_carfree_is_the_minimum_of_its_means_and_names_it(store):
    t = {m: store.theme_table(m, "points", THEME).set_index("point_id")["time_min"]
         for m in ("walk", "bike", "transit", "tad", "sans_voiture")}
    free = store.theme_table("sans_voiture", "points", THEME).set_index("point_id")
    expected = np.minimum.reduce([t[m].reindex(free.index).to_numpy() for m in ("walk", "bike", "transit", "tad")])
    assert np.allclose(free["time_min"].to_numpy(), expected, equal_nan=True)
    reached = np.isfinite(free["time_min"].to_numpy())
    assert set(free["means"][reached]) <= set(MEANS) and free["means"][~reached].isna().all()
    for means in ("walk", "bike", "transit", "tad"):
        rows = free[free["means"] == means]
        if len(rows):
            assert np.allclose(rows["time_min"], t[means].reindex(rows.index))
    assert {"bike", "tad"} <= set(free["means"].dropna())  # the demo's TAD area wins somewhere
    tad_rows = free[free["means"] == "tad"]
    assert tad_rows["means_detail"].notna().all()


def test_communes_carry_the_car_gap_and_the_car_only_class(store):
    c = store.theme_table("sans_voiture", "communes", THEME)
    car = store.theme_table("car", "communes", THEME).set_index("commune")
    assert np.allclose(c["car_mean_time_min"], car["mean_time_min"].reindex(c["commune"]), equal_nan=True)
    assert (c["gap_mean_min"].dropna() >= -1e-9).all()  # nothing without a car beats the car here
    car_only = c[c["car_only"] == 1]
    assert len(car_only) > 0
    assert (car.loc[car_only["commune"], "zone_blanche"] == 0).all()
    assert (car_only["zone_blanche"] == 1).all()


def test_compute_without_gtfs_has_no_transit_mode(demo_computed, tmp_path, monkeypatch):
    from mapapp.compute import run_compute

    env, _ = demo_computed
    data_dir = tmp_path / "var"
    shutil.copytree(env["MAPAPP_DATA_DIR"], data_dir)
    shutil.rmtree(data_dir / "gtfs")
    settings = load_settings({**env, "MAPAPP_DATA_DIR": str(data_dir)})
    report = run_compute(settings, modes=("car", "walk"), with_variants=False)
    copy = ResultStore(data_dir / "results")
    assert "transit" not in copy.modes()
    assert {"tad", "sans_voiture"} <= set(copy.modes())
    assert any("aucun horaire de transport importé" in line for line in report.summary().splitlines())
    free = copy.theme_table("sans_voiture", "points", THEME)
    assert "transit" not in set(free["means"].dropna())

"""`mapapp compute` on the demo département: stored results, their invariants, and reuse."""

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from mapapp.cli import main
from mapapp.config import load_settings
from mapapp.results import ResultStore


@pytest.fixture(scope="module")
def store(demo_computed):
    env, _ = demo_computed
    return ResultStore(load_settings(env).data_dir / "results")


def test_results_for_three_modes_and_every_theme(store):
    # the headline also has the car-free modes (issue 17, tests/test_compute_carfree.py)
    assert store.modes() == ["bike", "car", "sans_voiture", "tad", "transit", "walk"]
    manifest = store.manifest("car")
    assert manifest.graph["source_name"] == "roads.osm" and manifest.graph["profile_version"]
    communes = store.table("car", "communes")
    assert len(manifest.themes) == 20
    assert communes.groupby("theme").size().eq(150).all()
    assert set(communes["theme"]) == {t["key"] for t in manifest.themes}


def test_population_conserved_and_shares_monotone(store, demo_env):
    import pandas as pd

    env, _ = demo_env
    points = pd.read_csv(Path(env["MAPAPP_DEMO_DIR"]) / "population.csv", dtype={"commune": str})
    for mode in store.modes():
        communes = store.table(mode, "communes")
        for _theme, table in communes.groupby("theme"):
            assert table["population_points"].sum() == pytest.approx(points["population"].sum())
            parts = table["population_reachable"] + table["population_unreachable"]
            assert np.allclose(parts, table["population_points"])
        bands = store.table(mode, "territory_bands")
        whole = bands[(bands["grid"] == "all")].sort_values(["theme", "threshold_min"])
        for _theme, b in whole.groupby("theme"):
            assert (np.diff(b["share_beyond"].to_numpy()) <= 1e-12).all()


def test_car_is_faster_than_walking_and_zones_blanches_exist(store):
    car = store.table("car", "territories").set_index(["theme", "grid", "code"])
    walk = store.table("walk", "territories").set_index(["theme", "grid", "code"])
    fs = ("france_services", "all", "all")
    assert car.loc[fs, "mean_time_min"] < walk.loc[fs, "mean_time_min"]
    communes = store.table("car", "communes")
    fs_communes = communes[communes["theme"] == "france_services"]
    # The generator's remote valleys make real zones blanches for France Services by car.
    assert fs_communes["zone_blanche"].fillna(False).astype(bool).sum() >= 1
    assert not fs_communes["zone_blanche"].fillna(False).astype(bool).all()


def test_remote_and_departement_wide_offers_never_count_as_presence(store, demo_env):
    env, _ = demo_env
    catalog = json.loads((Path(env["MAPAPP_DEMO_DIR"]) / "catalog.json").read_text())
    absent = {o["id"] for o in catalog["offers"] if o["delivery_mode"] in ("remote", "departement_wide")}
    assert absent, "the demo has remote offers"
    destinations = store.table("car", "destinations")
    assert not (set(destinations["offer_id"]) & absent)


def test_second_run_reuses_every_theme(demo_computed):
    env, _ = demo_computed
    result = CliRunner().invoke(main, ["compute", "--mode", "car", "--workers", "1"], env=env)
    assert result.exit_code == 0, result.output
    assert "20 thèmes (20 repris sans recalcul)" in result.output
    # the demo's one deliberately disconnected street fragment (4 nodes) is reported as dropped
    assert "(4 nœuds hors de la plus grande composante fortement connexe, écartés)" in result.output


def test_compute_without_territory_is_a_clear_error(tmp_path):
    env = {"MAPAPP_DATA_DIR": str(tmp_path / "var")}
    assert CliRunner().invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    result = CliRunner().invoke(main, ["compute"], env=env)
    assert result.exit_code != 0
    assert "Aucun territoire chargé" in result.output


def test_only_themes_touched_by_a_change_are_recomputed(demo_computed, tmp_path):
    import shutil

    from sqlalchemy import select

    from mapapp.catalog.db import make_engine, make_sessionmaker, transaction
    from mapapp.catalog.models import Offer

    env, _ = demo_computed
    data_dir = tmp_path / "var"
    shutil.copytree(env["MAPAPP_DATA_DIR"], data_dir)
    copy_env = {**env, "MAPAPP_DATA_DIR": str(data_dir)}
    engine = make_engine(f"sqlite:///{data_dir / 'mapapp.sqlite'}")
    with transaction(make_sessionmaker(engine)) as session:
        offers = session.scalars(select(Offer).where(Offer.status == "active", Offer.delivery_mode == "on_site")).all()
        offer = next(o for o in offers if {t.split("--")[0] for t in o.thematiques} == {"sante"}
                     and not {"france-service", "departements", "maisons-des-solidarites", "cms"}
                     & set(o.structure.reseaux_porteurs or []))
        offer.status = "closed"
    engine.dispose()

    result = CliRunner().invoke(main, ["compute", "--mode", "car", "--workers", "1"], env=copy_env)
    assert result.exit_code == 0, result.output
    reused = set(ResultStore(data_dir / "results").manifest("car").reused_themes)
    assert "sante" not in reused  # the closed offer's theme is recomputed
    assert {"france_services", "mobilite", "numerique", "trouver_un_emploi"} <= reused
    assert "20 thèmes (19 repris sans recalcul)" in result.output


def test_results_are_switched_atomically_through_a_pointer(store, tmp_path):
    from mapapp.results import ResultStore

    target = ResultStore(tmp_path / "results")
    results = store.read("car")
    first = target.write(results, computed_at="t1", graph_meta={}, themes=[])
    assert target.modes() == ["car"] and target.version("car") == first.name
    second = target.write(results, computed_at="t2", graph_meta={}, themes=[])
    assert target.version("car") == second.name != first.name
    assert not first.exists()  # the previous version is removed once the pointer moved
    assert target.manifest("car").computed_at == "t2"
    assert target.table("car", "communes").equals(store.table("car", "communes"))


def test_stored_times_equal_networkx_on_the_demo_network(demo_computed, store):
    """The demo's car graph, rebuilt from the cache; every 50th population point checked against networkx.

    Points are snapped where the results say they are (stored ``lon``/``lat``), with the access-leg
    policy the manifest records (car: ``none`` by default, the INSEE / OSRM convention).
    """
    import pandas as pd

    from mapapp.catalog.db import make_engine, make_sessionmaker
    from mapapp.catalog.frames import engine_inputs
    from mapapp.network import AccessLeg, load_cached, snap_points
    from tests.access.helpers import node_to_site_s, origin_to_site_s

    env, _ = demo_computed
    settings = load_settings(env)
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        inputs = engine_inputs(session)
    engine.dispose()
    graph = load_cached(Path(env["MAPAPP_DEMO_DIR"]) / "roads.osm", "car", settings.cache_dir)
    assert graph is not None

    destinations = store.table("car", "destinations")
    fs_sites = sorted(set(destinations[destinations.theme == "france_services"].site_id))
    sites = inputs.sites.set_index("site_id").loc[fs_sites]
    leg = AccessLeg.parse(store.manifest("car").method["access_leg"]["car"])
    assert leg.kind == "none"
    site_snap = snap_points(graph, sites.lon.to_numpy(), sites.lat.to_numpy(), direction="in", access_leg=leg)
    points = store.table("car", "points")
    fs_points = points[points.theme == "france_services"].set_index("point_id")
    sample = fs_points.iloc[::50]
    point_snap = snap_points(graph, sample.lon.to_numpy(), sample.lat.to_numpy(), direction="out", access_leg=leg)
    expected_s = origin_to_site_s(node_to_site_s(graph, site_snap), point_snap).min(axis=1)
    stored = sample["time_min"]
    assert len(fs_sites) > 5 and len(sample) > 100
    np.testing.assert_allclose(stored.to_numpy() * 60, expected_s, rtol=1e-9)
    assert pd.notna(stored).all()

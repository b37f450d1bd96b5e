"""End to end on real territories, through the command line as a département would use it.

``mapapp territory import`` (communes, populations, INSEE squares, OSM) →
``mapapp import`` (the national France Services list) → ``mapapp compute``;
then properties that must hold, and the département figures printed.
Skipped when ../shared/realdata is absent.
"""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from mapapp.cli import main
from mapapp.config import load_settings
from mapapp.results import ResultStore
from tests.conftest import REALDATA
from tests.env import WEB_ENV

pytestmark = [pytest.mark.realdata, pytest.mark.slow,
              pytest.mark.skipif(not REALDATA.is_dir(), reason=f"données réelles absentes ({REALDATA})")]
FRANCE_SERVICES = REALDATA / "france-services" / "france-services-20240801.csv"


def cli(env, *args):
    result = CliRunner().invoke(main, list(map(str, args)), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def run_territory(tmp_path, name, dep, extra):
    root = REALDATA / name
    env = {"MAPAPP_DATA_DIR": str(tmp_path / "var"), **WEB_ENV}
    cli(env, "territory", "import", "--name", name, "--departement", dep, "--communes", root / "communes.geojson",
        "--commune-table", root / "communes.csv", "--osm", root / "roads.osm.pbf", *extra)
    imported = cli(env, "import", FRANCE_SERVICES, "--format", "france-services")
    cli(env, "compute", "--mode", "car", "--workers", "1")
    return ResultStore(load_settings(env).data_dir / "results"), imported


def check_and_print(store, label, expected_communes, capsys):
    communes = store.table("car", "communes")
    fs = communes[communes.theme == "france_services"]
    assert len(fs) == expected_communes
    points = store.table("car", "points")
    fs_points = points[points.theme == "france_services"]
    # population conserved between the points and the communes
    assert fs.population_points.sum() == pytest.approx(fs_points.population.sum())
    # every populated commune with a point on the network is reachable
    on_network = fs[fs.population_points > fs.population_unsnapped]
    assert (on_network.population_reachable > 0).all()
    assert np.isfinite(on_network.mean_time_min).all()
    # unreachable people are only those away from the roads, reported, never averaged in
    assert fs.population_unreachable.sum() == pytest.approx(fs.population_unsnapped.sum())
    bands = store.table("car", "territory_bands")
    whole = bands[(bands.theme == "france_services") & (bands.grid == "all")].sort_values("threshold_min")
    assert (np.diff(whole.share_beyond.to_numpy()) <= 1e-12).all()
    share = whole.set_index("threshold_min").share_beyond
    dept = store.table("car", "territories").query("theme == 'france_services' and grid == 'all'").iloc[0]
    with capsys.disabled():
        print(f"\n{label}, voiture → France Services : temps moyen {dept.mean_time_min:.1f} min ; "
              f"au-delà de 20 min : {share[20.0]:.1%} ; au-delà de 30 min : {share[30.0]:.1%} ; "
              f"hors réseau : {fs.population_unsnapped.sum():,.0f} hab.")
    return share


def test_corse_du_sud_end_to_end(tmp_path, capsys):
    root = REALDATA / "corse-du-sud"
    store, imported = run_territory(tmp_path, "corse-du-sud", "2A",
                                    ["--population-grid", root / "population-carreaux-1km-2015.gpkg"])
    # the 15 France Services of Corse-du-Sud, the Propriano harbour one included (its point falls
    # just outside the simplified coastline); Haute-Corse ones have no commune in this territory
    assert "offre : 15 créée(s)" in imported, imported
    share = check_and_print(store, "Corse-du-Sud (carreaux 1 km)", 124, capsys)
    assert 0 < share[20.0] < 0.5


def test_melun_end_to_end(tmp_path, capsys):
    # The Melun road file covers ~10 × 10 km: Fontainebleau and two others are mostly outside,
    # which the import refuses unless told the study area is cut on purpose.
    store, _ = run_territory(tmp_path, "melun", "77", ["--osm-min-coverage", "0"])
    share = check_and_print(store, "Melun (un point par commune)", 17, capsys)
    assert share[30.0] <= share[20.0]

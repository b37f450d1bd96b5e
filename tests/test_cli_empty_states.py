"""States a new département really meets: a data folder never migrated, a catalog with no offer yet,
a projection typed wrong. Each says in French what is wrong or what it means; none prints a traceback."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner
from sqlalchemy import delete

from mapapp.cli import main
from tests.env import WEB_ENV

EMPTY_DB = "La base de données est vide"


@pytest.mark.parametrize("args", [["compute", "--mode", "car"], ["report", "--format", "html"],
                                  ["export", "--format", "csv", "--out", "OUT"]])
def test_commands_on_a_never_migrated_data_folder_say_what_to_run(tmp_path, args):
    env = {"MAPAPP_DATA_DIR": str(tmp_path / "var"), **WEB_ENV}
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 1, result.output
    assert EMPTY_DB in result.output and "mapapp db upgrade" in result.output
    assert isinstance(result.exception, SystemExit)  # a ClickException, not a crash


def test_web_on_a_never_migrated_database_answers_503_in_french(tmp_path):
    from mapapp.config import load_settings
    from mapapp.web import create_app

    settings = load_settings({"MAPAPP_DATA_DIR": str(tmp_path / "var"), **WEB_ENV})
    client = create_app(settings).test_client()
    page = client.get("/")
    assert page.status_code == 503 and EMPTY_DB in page.get_data(as_text=True)
    api = client.get("/api/sites")
    assert api.status_code == 503 and EMPTY_DB in api.get_json()["error"]


@pytest.mark.parametrize("crs, message", [("EPSG:99999", "projection inconnue"), ("n'importe quoi", "projection inconnue"),
                                          ("EPSG:4230", "n'est pas une projection en mètres")])
def test_export_with_a_wrong_crs_is_a_usage_error(tmp_path, crs, message):
    result = CliRunner().invoke(main, ["export", "--format", "gpkg", "--out", str(tmp_path / "x.gpkg"), "--crs", crs],
                                env={"MAPAPP_DATA_DIR": str(tmp_path / "var")})
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


@pytest.fixture
def empty_catalog_env(tmp_path, demo_env):
    """The demo territory (communes, roads, population) with no structure, site, offer or mobility yet."""
    from mapapp.catalog.db import make_engine, make_sessionmaker, transaction
    from mapapp.catalog.models import MobilitySolution, Offer, Site, Structure
    from mapapp.config import load_settings

    env = {**demo_env[0], "MAPAPP_DATA_DIR": str(tmp_path / "var")}
    result = CliRunner().invoke(main, ["demo", "load", "--no-generate"], env=env)
    assert result.exit_code == 0, result.output
    engine = make_engine(load_settings(env).database_url)
    with transaction(make_sessionmaker(engine)) as s:
        for model in (Offer, MobilitySolution, Site, Structure):
            for row in s.query(model):
                s.delete(row)
        s.flush()
        assert s.query(Offer).count() == 0 and s.query(Site).count() == 0
    engine.dispose()
    return env


def test_a_catalog_with_no_offer_is_computed_exported_reported_and_shown(tmp_path, empty_catalog_env):
    env = empty_catalog_env
    computed = CliRunner().invoke(main, ["compute", "--mode", "car", "--workers", "1"], env=env)
    assert computed.exit_code == 0, computed.output
    assert "aucune offre publiée" in computed.output and "zone blanche" in computed.output

    out = tmp_path / "csv"
    exported = CliRunner().invoke(main, ["export", "--format", "csv", "--out", str(out), "--mode", "car",
                                         "--theme", "france_services"], env=env)
    assert exported.exit_code == 0, exported.output
    with open(out / "communes.csv", encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f, delimiter=";") if r["Code du thème"] == "france_services"]
    assert len(rows) == 150  # every commune of the département, none served
    assert all(r["Zone blanche"] == "oui" and r["Temps moyen (min)"] == "injoignable" for r in rows)
    assert all(r["Habitants au-delà du seuil"] == r["Habitants"] for r in rows)

    report = CliRunner().invoke(main, ["report", "--format", "html", "--out", str(tmp_path / "r.html"),
                                       "--mode", "car", "--theme", "france_services"], env=env)
    assert report.exit_code == 0, report.output
    assert "Traceback" not in report.output and (tmp_path / "r.html").stat().st_size > 1000

    from mapapp.config import load_settings
    from mapapp.web import create_app

    client = create_app(load_settings(env)).test_client()
    for url in ("/", "/carte", "/accessibilite?mode=car&theme=france_services", "/api/sites",
                "/api/accessibilite/communes?mode=car&theme=france_services"):
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)

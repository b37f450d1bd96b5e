"""End to end on real territories, through the command line as a département would use it.

From an empty data folder: ``mapapp territory import`` (communes, populations,
INSEE squares, OSM) → ``mapapp import`` (the national France Services list) →
``mapapp compute`` → every ``mapapp export`` format, read back → ``mapapp
report`` in PDF and HTML → the main pages and the API through the application.
The same path runs on the states real data comes in: no verification date
anywhere (the national list has none), no offer yet, every hours field empty.
Skipped when ../shared/realdata is absent.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from mapapp.cli import main
from mapapp.config import load_settings
from mapapp.results import ResultStore
from tests.conftest import REALDATA
from tests.env import WEB_ENV

pytestmark = [pytest.mark.realdata, pytest.mark.slow,
              pytest.mark.skipif(not REALDATA.is_dir(), reason=f"données réelles absentes ({REALDATA})")]
FRANCE_SERVICES = REALDATA / "france-services" / "france-services-20240801.csv"
FS_DATE = "2024-08-01"  # the list's publication date on data.gouv.fr (the file has no date column)
DAYS = ("h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi")
EXPORTS = ("xlsx", "csv", "gpkg", "geojson", "datainclusion-json", "datainclusion-csv")


def cli(env, *args, ok: bool = True):
    result = CliRunner().invoke(main, list(map(str, args)), env=env)
    assert "Traceback" not in result.output, result.output
    if ok:
        assert result.exit_code == 0, result.output
    return result.output


def import_territory(tmp_path, name, dep, extra) -> dict:
    root = REALDATA / name
    env = {"MAPAPP_DATA_DIR": str(tmp_path / "var"), **WEB_ENV}
    cli(env, "territory", "import", "--name", name, "--departement", dep, "--communes", root / "communes.geojson",
        "--commune-table", root / "communes.csv", "--osm", root / "roads.osm.pbf", *extra)
    return env


def run_territory(tmp_path, name, dep, extra, fs_file=FRANCE_SERVICES):
    env = import_territory(tmp_path, name, dep, extra)
    imported = cli(env, "import", fs_file, "--format", "france-services", "--date", FS_DATE) if fs_file else ""
    computed = cli(env, "compute", "--mode", "car", "--workers", "1")
    return env, ResultStore(load_settings(env).data_dir / "results"), imported, computed


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


def _csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def check_whole_path(env, tmp_path, store, name: str) -> dict:
    """Every export read back, the report in PDF and HTML, the pages and the API; returns what was read."""
    communes = store.table("car", "communes")
    own = communes[communes.theme == "france_services"]
    n_communes = len(own)
    out = tmp_path / "out"
    read = {}
    for fmt in EXPORTS:
        target = out / (f"export.{fmt}" if fmt in ("xlsx", "gpkg") else f"{fmt}.zip")
        cli(env, "export", "--format", fmt, "--out", target, "--mode", "car", "--theme", "france_services")
        assert target.stat().st_size > 0, fmt
        if fmt == "xlsx":
            sheets = pd.read_excel(target, sheet_name=None)
            assert len(sheets) >= 3 and all(not s.columns.empty for s in sheets.values()), list(sheets)
            read[fmt] = sheets
        elif fmt == "gpkg":
            layers = [layer for layer, _ in pyogrio.list_layers(target)]
            assert "communes" in layers, layers
            gdf = gpd.read_file(target, layer="communes")
            assert gdf.crs is not None and gdf.crs.to_epsg() == 2154 and gdf.geometry.is_valid.all()
            read[fmt] = gdf
        else:
            with zipfile.ZipFile(target) as z:
                files = {n: z.read(n) for n in z.namelist()}
            assert files, fmt
            read[fmt] = files
            if fmt == "csv":
                rows = _csv_rows(files["communes.csv"])
                fs_rows = [r for r in rows if r["Code du thème"] == "france_services"]
                assert len(fs_rows) == n_communes
            elif fmt == "geojson":
                for data in files.values():
                    assert json.loads(data)["type"] == "FeatureCollection"
            elif fmt == "datainclusion-json":
                for data in files.values():
                    json.loads(data)
    pdf = tmp_path / "rapport.pdf"
    cli(env, "report", "--format", "pdf", "--out", pdf, "--mode", "car", "--theme", "france_services")
    text = " ".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert name in text and "Note de méthode" in text and "© les contributeurs d'OpenStreetMap" in text
    html_file = tmp_path / "rapport.html"
    cli(env, "report", "--format", "html", "--out", html_file, "--mode", "car", "--theme", "france_services")
    html = html_file.read_text(encoding="utf-8")
    assert "Choix de méthode" in html and "Traceback" not in html
    read["report_html"] = html
    pub = tmp_path / "rapport-minima.html"
    cli(env, "report", "--format", "html", "--out", pub, "--mode", "car", "--theme", "france_services",
        "--public", "minima_sociaux", "--horaires", "ouverts")
    assert "Bénéficiaires des minima sociaux, lieux ouverts au moins" in pub.read_text(encoding="utf-8")
    best = cli(env, "scenario", "best-place", "--theme", "france_services", "--k", "2")
    assert "k = 1 :" in best and "k = 2 :" in best, best

    from mapapp.web import create_app

    client = create_app(load_settings(env)).test_client()
    code = str(own.sort_values("population_points").iloc[-1]["commune"])  # the most populated commune
    for url in ("/", "/carte", f"/commune/{code}", "/accessibilite?mode=voiture&theme=france_services",
                "/accessibilite?mode=voiture&theme=france_services&seuil=45", "/api/sites",
                "/api/offers", "/api/communes", f"/api/communes/{code}", "/api/openapi.json",
                "/api/accessibilite/communes?mode=voiture&theme=france_services",
                "/api/accessibilite/territoires?mode=voiture&theme=france_services",
                f"/api/plus-proches?commune={code}&theme=france_services&mode=voiture",
                f"/api/plus-proches?commune={code}&theme=france_services&mode=voiture&ouvert_le=2026-12-08",
                "/accessibilite?mode=voiture&theme=france_services&public=minima_sociaux&horaires=ouverts",
                f"/commune/{code}?public=jeunes", "/carte?ouvert_le=2026-12-08&demi_journee=matin",
                "/api/accessibilite/communes?mode=voiture&theme=france_services&public=handicap"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
        assert "stale-results" not in response.get_data(as_text=True), url  # just computed: up to date
    return read


def test_corse_du_sud_end_to_end(tmp_path, capsys):
    root = REALDATA / "corse-du-sud"
    env, store, imported, _ = run_territory(tmp_path, "corse-du-sud", "2A",
                                            ["--population-grid", root / "population-carreaux-1km-2015.gpkg"])
    # the 15 France Services of Corse-du-Sud, the Propriano harbour one included (its point falls
    # just outside the simplified coastline); Haute-Corse ones have no commune in this territory
    assert "offre : 15 créée(s)" in imported, imported
    assert "d'autres départements écartée(s) avant tout contrôle" in imported  # 2A and 2B only are read
    share = check_and_print(store, "Corse-du-Sud (carreaux 1 km)", 124, capsys)
    assert 0 < share[20.0] < 0.5
    read = check_whole_path(env, tmp_path, store, "corse-du-sud")
    # The national list has no verification date: every record is « jamais vérifiée », and said so.
    fresh = {r["Fiches"]: r for r in _csv_rows(read["csv"]["fraicheur.csv"])}
    for kind in ("Structure", "Lieu d'accueil"):
        assert int(fresh[kind]["Total"]) > 0 and fresh[kind]["Jamais vérifiées"] == fresh[kind]["Total"], fresh
    assert int(fresh["Structure"]["À jour"]) == 0
    assert "Jamais vérifiées" in read["report_html"]


def test_melun_end_to_end(tmp_path, capsys):
    # The Melun road file covers ~10 × 10 km: Fontainebleau and two others are mostly outside,
    # which the import refuses unless told the study area is cut on purpose.
    env, store, _, _ = run_territory(tmp_path, "melun", "77", ["--osm-min-coverage", "0"])
    share = check_and_print(store, "Melun (un point par commune)", 17, capsys)
    assert share[30.0] <= share[20.0]
    check_whole_path(env, tmp_path, store, "melun")


def test_a_territory_with_no_offer_yet_goes_the_whole_path(tmp_path):
    """Right after the territory import nothing is published: every commune is a zone blanche, said plainly."""
    env, store, _, computed = run_territory(tmp_path, "melun", "77", ["--osm-min-coverage", "0"], fs_file=None)
    assert "aucune offre publiée" in computed
    read = check_whole_path(env, tmp_path, store, "melun")
    rows = [r for r in _csv_rows(read["csv"]["communes.csv"]) if r["Code du thème"] == "france_services"]
    assert len(rows) == 17 and all(r["Zone blanche"] == "oui" for r in rows)


def test_a_list_whose_hours_are_all_empty_goes_the_whole_path(tmp_path):
    """Opening hours missing everywhere (as in many partner files): imported without hours, nothing breaks."""
    table = pd.read_csv(FRANCE_SERVICES, dtype=str, keep_default_na=False)
    table.loc[:, list(DAYS)] = ""
    no_hours = tmp_path / "liste-fs-sans-horaires.csv"
    table.to_csv(no_hours, index=False, quoting=csv.QUOTE_NONNUMERIC)
    root = REALDATA / "corse-du-sud"
    env, store, imported, _ = run_territory(tmp_path, "corse-du-sud", "2A",
                                            ["--population-grid", root / "population-carreaux-1km-2015.gpkg"],
                                            fs_file=no_hours)
    assert "offre : 15 créée(s)" in imported and "sans aucun horaire renseigné" in imported, imported
    from mapapp.catalog.db import make_engine, make_sessionmaker
    from mapapp.catalog.models import Site

    engine = make_engine(load_settings(env).database_url)
    with make_sessionmaker(engine)() as s:
        sites = s.query(Site).all()
        assert sites and all(site.horaires_accueil is None for site in sites)
    engine.dispose()
    check_whole_path(env, tmp_path, store, "corse-du-sud")


def test_the_national_list_without_a_date_is_refused_with_the_date_to_give(tmp_path):
    env = import_territory(tmp_path, "melun", "77", ["--osm-min-coverage", "0"])
    result = CliRunner().invoke(main, ["import", str(FRANCE_SERVICES)], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "--date 2024-08-01" in result.output, result.output  # suggested from the name, never taken from it

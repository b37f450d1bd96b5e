"""GeoPackage (Lambert-93) and GeoJSON (WGS84) layers of a report: they open with geopandas/pyogrio."""

import json

import geopandas as gpd
import pyogrio
import pytest

from mapapp.io.export_gpkg import geojson_files, report_layers, write_gpkg
from tests.reports.fixtures import (  # noqa: F401  (fixtures)
    EPCI,
    MODES,
    THEMES,
    demo_sessions,
    demo_settings,
    demo_store,
    epci_communes,
    epci_report,
)

LAYERS = {"communes", "indicateurs_communes", "territoires", "lieux", "offres", "mobilite_points", "mobilite_zones"}


@pytest.fixture(scope="module")
def layers(demo_sessions, epci_report):
    with demo_sessions() as s:
        return report_layers(s, epci_report)


@pytest.fixture(scope="module")
def gpkg(layers, tmp_path_factory):
    return write_gpkg(layers, tmp_path_factory.mktemp("gpkg") / "rapport.gpkg", "EPSG:2154")


def test_layers_crs_and_counts(gpkg, epci_report, epci_communes, demo_sessions):
    from mapapp.catalog.models import Site

    listed = {name: geom for name, geom in pyogrio.list_layers(gpkg)}
    assert set(listed) == LAYERS and listed["indicateurs_communes"] is None
    communes = gpd.read_file(gpkg, layer="communes")
    assert communes.crs.to_epsg() == 2154 and set(communes["code"]) == epci_communes
    assert communes.total_bounds[0] > 100_000  # metres, not degrees
    n_themes = len(epci_report.all_themes)
    table = pyogrio.read_dataframe(gpkg, layer="indicateurs_communes")
    assert len(table) == len(epci_communes) * n_themes * len(MODES)
    with demo_sessions() as s:
        sites = {x.id for x in s.query(Site) if x.commune_code in epci_communes}
    lieux = gpd.read_file(gpkg, layer="lieux")
    assert set(lieux["id"]) == sites and lieux.crs.to_epsg() == 2154
    offres = gpd.read_file(gpkg, layer="offres")
    located = offres[offres["lieu_id"].notna()]
    assert set(located["lieu_id"]) <= sites and located.geometry.notna().all()
    assert offres[offres["lieu_id"].isna()].geometry.isna().all()  # remote offers: no geometry
    terr = gpd.read_file(gpkg, layer="territoires")
    assert list(terr["niveau"]) == ["unit", "departement"]


def test_wide_columns_hold_engine_values(gpkg, demo_store):
    communes = gpd.read_file(gpkg, layer="communes").set_index("code")
    for theme in THEMES:
        for mode in MODES:
            assert f"{theme}_{mode}_temps_moy_min" in communes.columns
    engine = demo_store.table("car", "communes")
    engine = engine[engine["theme"] == "france_services"].set_index("commune")
    for code, row in communes.iterrows():
        assert row["france_services_car_pct_au_dela"] == pytest.approx(engine.loc[code, "share_beyond_main"] * 100)
        assert row["france_services_car_zone_blanche"] == int(bool(engine.loc[code, "zone_blanche"]))
        assert row["epci"] == EPCI.split(":")[1]


def test_geojson_is_wgs84_rfc7946(layers, epci_communes):
    files = geojson_files(layers)
    assert "indicateurs_communes.geojson" not in files and "communes.geojson" in files
    doc = json.loads(files["communes.geojson"])
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == len(epci_communes)
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0][0][:2]
    assert -180 <= lon <= 180 and -90 <= lat <= 90
    assert "crs" not in doc  # RFC 7946: WGS84 implied

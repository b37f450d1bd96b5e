"""GeoPackage (Lambert-93) and GeoJSON (WGS84) layers of a report: they open with geopandas/pyogrio."""

import json
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET

import geopandas as gpd
import pyogrio
import pytest

from mapapp.io.export_gpkg import geojson_files, report_layers, wide_prefix, write_gpkg
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
def gpkg(layers, tmp_path_factory, epci_report):
    return write_gpkg(layers, tmp_path_factory.mktemp("gpkg") / "rapport.gpkg", "EPSG:2154", epci_report)


def test_layers_crs_and_counts(gpkg, epci_report, epci_communes, demo_sessions):
    from mapapp.catalog.models import Site

    listed = {name: geom for name, geom in pyogrio.list_layers(gpkg)}
    assert set(listed) == LAYERS | {"layer_styles"} and listed["indicateurs_communes"] is None
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
            assert wide_prefix(theme, mode) + "temps_moy_min" in communes.columns
    assert not [c for c in communes.columns if any(f"_{m}_" in c for m in MODES)], "modes named in French"
    engine = demo_store.table("car", "communes")
    engine = engine[engine["theme"] == "france_services"].set_index("commune")
    for code, row in communes.iterrows():
        assert row["france_services_voiture_pct_au_dela"] == pytest.approx(engine.loc[code, "share_beyond_main"] * 100)
        assert row["france_services_voiture_zone_blanche"] == int(bool(engine.loc[code, "zone_blanche"]))
        assert row["epci"] == EPCI.split(":")[1]


def test_geojson_is_wgs84_rfc7946(layers, epci_communes):
    files = geojson_files(layers)
    assert "indicateurs_communes.geojson" not in files and "communes.geojson" in files
    doc = json.loads(files["communes.geojson"])
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == len(epci_communes)
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0][0][:2]
    assert -180 <= lon <= 180 and -90 <= lat <= 90
    assert "crs" not in doc  # RFC 7946: WGS84 implied


def _styles(gpkg):
    with sqlite3.connect(gpkg) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM layer_styles ORDER BY id")]


def _columns(gpkg, table):
    with sqlite3.connect(gpkg) as db:
        return [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]


def test_layer_styles_table_follows_the_qgis_convention(gpkg):
    assert _columns(gpkg, "layer_styles") == ["id", "f_table_catalog", "f_table_schema", "f_table_name",
                                              "f_geometry_column", "styleName", "styleQML", "styleSLD",
                                              "useAsDefault", "description", "owner", "ui", "update_time"]
    styles = _styles(gpkg)
    defaults = [s["f_table_name"] for s in styles if s["useAsDefault"]]
    assert sorted(defaults) == sorted(LAYERS), "exactly one default style per layer"
    for s in styles:
        assert s["f_geometry_column"] == ("" if s["f_table_name"] == "indicateurs_communes" else "geom")
        if s["f_geometry_column"]:
            assert s["f_geometry_column"] in _columns(gpkg, s["f_table_name"])


def test_each_qml_parses_and_names_the_real_fields(gpkg):
    for s in _styles(gpkg):
        root = ET.fromstring(s["styleQML"].split("\n", 1)[1])  # after the DOCTYPE line
        assert root.tag == "qgis"
        fields = set(_columns(gpkg, s["f_table_name"])) - {"fid", "geom"}
        aliases = {a.get("field"): a.get("name") for a in root.iter("alias")}
        assert set(aliases) == fields, s["f_table_name"]
        assert all(name and name != field for field, name in aliases.items() if field not in ("epci",)), aliases
        renderer = root.find("renderer-v2")
        if renderer is not None and renderer.get("attr"):
            assert renderer.get("attr") in fields


def test_travel_time_is_graduated_with_the_theme_thresholds_and_french_aliases(gpkg, epci_report):
    theme, mode = epci_report.themes[0], epci_report.modes[0]
    field = wide_prefix(theme.key, mode) + "temps_moy_min"
    communes = next(s for s in _styles(gpkg) if s["f_table_name"] == "communes" and s["useAsDefault"])
    root = ET.fromstring(communes["styleQML"].split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "graduatedSymbol" and renderer.get("attr") == field
    uppers = [float(r.get("upper")) for r in renderer.iter("range")][:-1]
    assert uppers == sorted(float(b) for b in theme.bands_min[mode])[:len(uppers)] and uppers
    symbols = {s.get("name") for s in renderer.find("symbols")}
    assert {r.get("symbol") for r in renderer.iter("range")} <= symbols
    aliases = {a.get("field"): a.get("name") for a in root.iter("alias")}
    assert aliases[field].startswith(theme.label) and aliases[field].endswith("temps moyen (min)")
    zb = next(s for s in _styles(gpkg) if s["f_table_name"] == "communes" and not s["useAsDefault"])
    assert ET.fromstring(zb["styleQML"].split("\n", 1)[1]).find("renderer-v2").get("attr") == \
        wide_prefix(theme.key, mode) + "zone_blanche"


def test_sites_are_categorised_by_their_kind(gpkg):
    lieux = gpd.read_file(gpkg, layer="lieux")
    style = next(s for s in _styles(gpkg) if s["f_table_name"] == "lieux")
    renderer = ET.fromstring(style["styleQML"].split("\n", 1)[1]).find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "type"
    values = {c.get("value") for c in renderer.iter("category")}
    assert set(lieux["type"]) <= values  # every kind present in the layer has its colour


def test_geopackage_version_is_one_debian_gdal_reads_without_warning(gpkg):
    with sqlite3.connect(gpkg) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # "GPKG"
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10300  # 1.3: GDAL 3.6 warns on 1.4


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="ogrinfo absent (apt install gdal-bin)")
def test_system_ogrinfo_opens_it_without_warning_and_sees_the_styles(gpkg):
    done = subprocess.run(["ogrinfo", "-ro", "-q", str(gpkg)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr and "Warning" not in done.stdout, done.stderr
    assert "layer_styles" in done.stdout and "communes" in done.stdout

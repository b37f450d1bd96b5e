from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from mapapp.territory.bundle import COMMUNE_COLUMNS
from mapapp.territory.communes import read_commune_populations, read_communes
from mapapp.territory.validation import ImportReport, Issue, TerritoryImportError
from tests.territory.territory_fixtures import COMMUNES, REALDATA, communes_lambert93, realdata, write


def test_geojson_in_lambert93_is_reprojected_to_wgs84(communes_2154_geojson):
    report = ImportReport()
    communes = read_communes(communes_2154_geojson, departement="77", report=report)

    assert list(communes.columns) == COMMUNE_COLUMNS
    assert communes.crs.to_epsg() == 4326
    assert communes["code"].tolist() == sorted(c[0] for c in COMMUNES)
    # the south-west corner of Alpha, projected independently
    lon, lat = pyproj.Transformer.from_crs(2154, 4326, always_xy=True).transform(660000.0, 6820000.0)
    alpha = communes.set_index("code").geometry["77001"]
    assert min(shapely.Point(xy).distance(shapely.Point(lon, lat)) for xy in alpha.exterior.coords) < 1e-9
    assert 48 < lat < 49 and 2 < lon < 3
    assert communes["population"].dtype == np.int64
    assert communes.set_index("code")["population"]["77004"] == 3000
    assert communes.set_index("code")["is_buffer"].to_dict() == {"77001": False, "77002": False, "77003": False, "77004": False, "91001": True}
    assert communes.set_index("code")["departement"]["91001"] == "91"
    assert report.ok and not report.warnings
    assert any("EPSG:2154" in i.message for i in report.infos)


def test_admin_express_shapefile_layout(tmp_path):
    path = tmp_path / "COMMUNE.shp"
    communes_lambert93(layout="admin-express").to_file(path)
    communes = read_communes(path)
    assert communes.set_index("code")["nom"]["77002"] == "Beta"
    assert communes.set_index("code")["population"]["91001"] == 800
    assert communes.set_index("code")["departement"]["91001"] == "91"
    assert not communes["is_buffer"].any()  # no departement= given, no is_buffer column


def test_shapefile_without_prj_is_a_clear_error(tmp_path):
    path = tmp_path / "COMMUNE.shp"
    communes_lambert93(layout="admin-express").to_file(path)
    (tmp_path / "COMMUNE.prj").unlink()
    with pytest.raises(TerritoryImportError) as exc:
        read_communes(path)
    assert "CRS" in str(exc.value) and ".prj" in str(exc.value)
    assert exc.value.issues[0].source == "COMMUNE.shp"


def test_geopackage_layers_and_column_overrides(tmp_path):
    path = tmp_path / "admin.gpkg"
    gdf = communes_lambert93()
    gdf.rename(columns={"code": "CODGEO", "nom": "LIB", "population": "PMUN2021"}).to_file(path, layer="COMMUNE")
    gdf.head(1).to_file(path, layer="DEPARTEMENT")

    communes = read_communes(path, code_col="CODGEO", name_col="LIB", population_col="PMUN2021")
    assert len(communes) == 5 and communes.set_index("code")["nom"]["77003"] == "Gamma"

    other = tmp_path / "two.gpkg"
    gdf.to_file(other, layer="a")
    gdf.to_file(other, layer="b")
    with pytest.raises(TerritoryImportError, match="plusieurs couches"):
        read_communes(other)
    assert len(read_communes(other, layer="b")) == 5
    with pytest.raises(TerritoryImportError, match="couche « c » absente"):
        read_communes(other, layer="c")


def test_missing_population_column_then_merge_from_commune_table(tmp_path):
    path = tmp_path / "communes.geojson"
    communes_lambert93(with_population=False).to_crs(4326).to_file(path, driver="GeoJSON")
    report = ImportReport()
    communes = read_communes(path, report=report)
    assert communes["population"].isna().all()
    assert report.ok and any("population" in i.message for i in report.infos)

    table = write(tmp_path / "communes.csv",
                  "code,nom,departement,population,code_epci,nom_epci,codes_postaux\n"
                  "77001,Alpha,77,1000,200000001,CC Une,77000\n"
                  "77002,Beta,77,2000,200000001,CC Une,77000\n"
                  "77003,Gamma,77,500,200000002,CC Deux,77000\n"
                  "77999,Inconnue,77,12,200000002,CC Deux,77000\n")
    report = ImportReport()
    merged = read_commune_populations(table, communes, report=report)
    assert merged.set_index("code")["population"]["77002"] == 2000
    # 77004 and 91001 are not in the table: errors, named
    assert sorted(i.where for i in report.errors) == ["77004", "91001"]
    assert all("sans population" in i.message for i in report.errors)
    # a table code unknown to the communes is a warning with its line
    assert report.warnings == [Issue("communes.csv", 5, "commune 77999 absente du fichier des communes (ignorée)")]
    with pytest.raises(TerritoryImportError):
        read_commune_populations(table, communes)


def test_commune_table_french_excel_csv(tmp_path):
    # Excel on a French Windows: Windows-1252, semicolons, decimal comma, spaces in thousands
    text = ("code;nom;population\n"
            "77001;Alpha;1 000\n"
            "77O01;Erronée;10\n"
            "77002;Bêta;-3\n"
            "77003;Gamma;abc\n"
            "77001;Alpha bis;5\n"
            "1053;Ain sans zéro;12,0\n")
    path = write(tmp_path / "pop.csv", text, encoding="cp1252")
    report = ImportReport()
    table = read_commune_populations(path, report=report)
    assert table.set_index("code")["population"]["77001"] == 1000
    assert table.set_index("code")["population"]["01053"] == 12
    assert table.set_index("code")["nom"]["77002"] == "Bêta"
    assert [(i.where, i.message.split(" ")[0]) for i in report.errors] == [
        (3, "code"), (4, "population"), (5, "population"), (6, "code"),
    ]
    assert "double" in report.errors[-1].message and "ligne 2" in report.errors[-1].message
    assert any("Windows-1252" in w.message for w in report.warnings)


def test_validation_collects_every_error_not_just_the_first(tmp_path):
    features = []
    specs = [("77001", 10), ("ABCDE", 10), ("77001", 10), ("77005", None), ("77006", -4)]
    for i, (code, pop) in enumerate(specs):
        features.append({"type": "Feature", "properties": {"code": code, "nom": f"C{i}", "population": pop},
                         "geometry": shapely.geometry.mapping(shapely.box(2.6 + i * 0.01, 48.5, 2.605 + i * 0.01, 48.505))})
    path = write(tmp_path / "bad.geojson", json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(TerritoryImportError) as exc:
        read_communes(path)
    messages = [(i.where, i.message) for i in exc.value.issues]
    assert ("ABCDE", "code INSEE invalide « ABCDE » (attendu : 5 caractères, ex. 77288, 2A004, 97411)") in messages
    assert ("77001", "code INSEE en double (2 entités)") in messages
    assert ("77005", "commune sans population") in messages
    assert ("77006", "population négative (-4)") in messages
    assert len(exc.value.issues) == 4
    assert "4 erreur(s)" in str(exc.value)


def test_corsican_and_overseas_codes_are_valid(tmp_path):
    features = [
        {"type": "Feature", "properties": {"code": code, "nom": code, "population": 1},
         "geometry": shapely.geometry.mapping(shapely.box(x, y, x + 0.01, y + 0.01))}
        for code, x, y in (("2A004", 8.7, 41.9), ("2b033", 9.4, 42.7), ("97411", 55.45, -20.9))
    ]
    path = write(tmp_path / "c.geojson", json.dumps({"type": "FeatureCollection", "features": features}))
    communes = read_communes(path)
    assert communes.set_index("code")["departement"].to_dict() == {"2A004": "2A", "2B033": "2B", "97411": "974"}


def test_invalid_geometries_repaired_or_reported(tmp_path):
    slightly = shapely.Polygon([(0, 0), (2000, 0), (2000, 2000), (0, 2000), (20, -20)])  # tiny crossing at a corner
    bowtie = shapely.Polygon([(0, 0), (2000, 2000), (2000, 0), (0, 2000)])
    line = shapely.LineString([(0, 0), (10, 10)])
    gdf = gpd.GeoDataFrame(
        {"code": ["77001", "77002", "77003", "77004"], "nom": list("ABCD"), "population": [1, 2, 3, 4]},
        geometry=[shapely.affinity.translate(g, 660000, 6820000) for g in (slightly, bowtie, line, shapely.box(0, 0, 10, 10))],
        crs=2154,
    )
    path = tmp_path / "invalid.gpkg"
    gdf.to_file(path)
    report = ImportReport()
    communes = read_communes(path, report=report)
    assert [w.where for w in report.warnings] == ["77001"]
    assert "réparée" in report.warnings[0].message and "Self-intersection" in report.warnings[0].message
    errors = {i.where: i.message for i in report.errors}
    assert set(errors) == {"77002", "77003"}
    assert "déforme" in errors["77002"] and "LineString" in errors["77003"]
    assert communes.set_index("code").geometry["77001"].is_valid


def test_empty_and_degenerate_files(tmp_path):
    empty = write(tmp_path / "empty.geojson", "")
    with pytest.raises(TerritoryImportError, match="fichier vide"):
        read_communes(empty)
    no_features = write(tmp_path / "none.geojson", json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(TerritoryImportError, match="aucune entité"):
        read_communes(no_features)
    with pytest.raises(TerritoryImportError, match="introuvable"):
        read_communes(tmp_path / "missing.geojson")
    no_code = tmp_path / "nocode.geojson"
    communes_lambert93().rename(columns={"code": "identifiant"}).to_file(no_code, driver="GeoJSON")
    with pytest.raises(TerritoryImportError, match="colonne du code INSEE introuvable"):
        read_communes(no_code)


def test_degrees_declared_but_metres_given(tmp_path):
    gdf = communes_lambert93().set_crs(4326, allow_override=True)
    path = tmp_path / "wrong-crs.gpkg"
    gdf.to_file(path)
    with pytest.raises(TerritoryImportError, match="coordonnées en mètres"):
        read_communes(path)


def test_fatal_error_keeps_what_the_report_collected(tmp_path):
    report = ImportReport()
    report.error("autre.csv", 3, "déjà là")
    with pytest.raises(TerritoryImportError) as exc:
        read_communes(tmp_path / "missing.geojson", report=report)
    assert [i.source for i in exc.value.issues] == ["autre.csv", "missing.geojson"]
    assert len(report.errors) == 2



@realdata
@pytest.mark.parametrize(("name", "departement", "count"), [("corse-du-sud", "2A", 124), ("melun", "77", 17)])
def test_real_communes_with_populations(name, departement, count):
    report = ImportReport()
    communes = read_communes(REALDATA / name / "communes.geojson", departement=departement, report=report)
    communes = read_commune_populations(REALDATA / name / "communes.csv", communes, report=report)
    assert report.ok, report.summary()
    assert len(communes) == count
    assert communes["code"].is_unique and communes.geometry.is_valid.all()
    assert communes["population"].dtype == np.int64 and (communes["population"] > 0).all()
    table = pd.read_csv(REALDATA / name / "communes.csv", dtype={"code": str})
    assert communes["population"].sum() == table["population"].sum()

"""Several commune files merged, and commune tables wider than the polygons (issue 10 §2)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import shapely

from mapapp.territory.commune_merge import read_communes_files
from mapapp.territory.io import bundle_from_files
from mapapp.territory.validation import ImportReport, TerritoryImportError
from tests.territory.territory_fixtures import REALDATA, communes_lambert93, realdata, write


def _split(tmp_path: Path):
    """The fixture communes as two files: Seine-et-Marne in GeoJSON/Lambert-93, Essonne in a shapefile/WGS84."""
    gdf = communes_lambert93()
    dep77 = tmp_path / "77.geojson"
    gdf[gdf["code"].str.startswith("77")].to_file(dep77, driver="GeoJSON")
    dep91 = tmp_path / "91.shp"
    gdf[gdf["code"].str.startswith("91")].to_crs(4326).to_file(dep91)
    return gdf, dep77, dep91


def test_two_files_in_different_formats_and_crs_merge(tmp_path):
    gdf, dep77, dep91 = _split(tmp_path)
    report = ImportReport()
    out = read_communes_files([dep77, dep91], departement="77", report=report)
    assert report.ok, report.errors
    assert list(out["code"]) == sorted(gdf["code"])
    assert out.loc[out["code"] == "91001", "is_buffer"].item()
    assert not out.loc[out["code"] != "91001", "is_buffer"].any()
    assert out.crs.to_epsg() == 4326


def test_identical_duplicate_kept_once_and_reported_once(tmp_path):
    gdf, dep77, _ = _split(tmp_path)
    # the neighbour's file also carries 77001 (same contour, other CRS)
    both = tmp_path / "91-et-voisins.gpkg"
    gdf[gdf["code"].isin(["91001", "77001"])].to_crs(4326).to_file(both, driver="GPKG")
    report = ImportReport()
    out = read_communes_files([dep77, both], departement="77", report=report)
    assert report.ok, report.errors
    assert list(out["code"]).count("77001") == 1
    assert len(out) == 5
    dup_lines = [str(i) for i in report.infos if "plusieurs fichiers" in str(i)]
    assert len(dup_lines) == 1 and "77001" in dup_lines[0]


def test_duplicate_with_different_geometry_is_refused_with_its_code(tmp_path):
    gdf, dep77, _ = _split(tmp_path)
    other = gdf[gdf["code"].isin(["91001", "77002"])].copy()
    other.loc[other["code"] == "77002", "geometry"] = shapely.box(662000, 6820000, 663000, 6822000)  # half of Beta
    bad = tmp_path / "bad.geojson"
    other.to_file(bad, driver="GeoJSON")
    report = ImportReport()
    read_communes_files([dep77, bad], departement="77", report=report)
    assert not report.ok
    assert any("77002" in str(e) and "contours différents" in str(e) for e in report.errors)
    with pytest.raises(TerritoryImportError):
        read_communes_files([dep77, bad], departement="77")


def test_neighbour_file_alone_has_no_departement_commune(tmp_path):
    _, _, dep91 = _split(tmp_path)
    report = ImportReport()
    read_communes_files([dep91, dep91], departement="77", report=report)
    assert any("aucune commune du département 77" in str(e) for e in report.errors)


TABLE = """code,nom,departement,population,code_epci,nom_epci
77001,Alpha,77,1100,200000001,CC Test
77002,Beta,77,2100,200000001,CC Test
77003,Gamma,77,600,200000001,CC Test
77004,Delta,77,3100,200000001,CC Test
91001,Bordure,91,900,200000002,CC Voisine
75056,Paris,75,2133111,200054781,Métropole du Grand Paris
13055,Marseille,13,873076,200054807,Métropole d'Aix-Marseille-Provence
"""


def test_wider_commune_table_accepted_with_one_summary_line(tmp_path):
    gdf, dep77, dep91 = _split(tmp_path)
    table = write(tmp_path / "communes.csv", TABLE)
    report = ImportReport()
    bundle = bundle_from_files("Test", "77", [dep77, dep91], commune_table=table, check_osm=False, report=report)
    assert report.ok, report.errors
    assert dict(zip(bundle.communes["code"], bundle.communes["population"]))["77001"] == 1100
    ignored = [str(i) for i in report.infos + report.warnings if "ignor" in str(i)]
    assert len(ignored) == 1 and "2 ligne(s) de la table hors des communes fournies" in ignored[0]
    assert set(bundle.grids["code"]) <= {"200000001", "200000002"}


def test_several_tables_with_conflicting_population_refused(tmp_path):
    _, dep77, dep91 = _split(tmp_path)
    a = write(tmp_path / "a.csv", TABLE)
    b = write(tmp_path / "b.csv", "code,population\n77001,999\n")
    report = ImportReport()
    bundle_from_files("Test", "77", [dep77, dep91], commune_table=[a, b], check_osm=False, report=report)
    assert any("77001" in str(e) and "populations différentes" in str(e) for e in report.errors)


@realdata
def test_real_corse_du_sud_with_national_rows_appended(tmp_path):
    src = REALDATA / "corse-du-sud"
    text = (src / "communes.csv").read_text(encoding="utf-8").rstrip("\n") + "\n"
    extra = ["2B033,Bastia,2B,48503,242020071,CA de Bastia,20200 20600",
             "75056,Paris,75,2133111,200054781,Métropole du Grand Paris,75001",
             "13055,Marseille,13,873076,200054807,Métropole d'Aix-Marseille-Provence,13001"]
    table = write(tmp_path / "communes-france.csv", text + "\n".join(extra) + "\n")
    report = ImportReport()
    bundle = bundle_from_files("Corse-du-Sud", "2A", src / "communes.geojson", commune_table=table,
                               check_osm=False, report=report)
    assert report.ok, report.errors[:5]
    ignored = [str(i) for i in report.infos + report.warnings if "ignor" in str(i)]
    assert len(ignored) == 1, ignored[:5]
    assert "hors des communes fournies" in ignored[0]
    assert f"{len(extra)} ligne(s) de la table" in ignored[0]
    expected = pd.read_csv(src / "communes.csv", dtype={"code": str}).set_index("code")["population"]
    got = bundle.communes.set_index("code")["population"]
    common = got.index.intersection(expected.index)
    assert len(common) > 100
    assert (got[common] == expected[common]).all()

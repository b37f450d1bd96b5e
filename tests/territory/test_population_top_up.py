"""Communes with a legal population but no populated square get one point (issue 10 §2)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from mapapp.territory.io import bundle_from_files
from mapapp.territory.population import read_population_grid, top_up_communes_without_squares
from mapapp.territory.validation import ImportReport
from tests.territory.territory_fixtures import REALDATA, SIDE, X0, Y0, communes_lambert93, realdata


def _grid(tmp_path: Path) -> Path:
    """Two squares: 120 inhabitants in Alpha (77001), 30 in Delta (77004); Beta, Gamma and Bordure have none."""
    squares = gpd.GeoDataFrame(
        {"Ind": [120.0, 30.0]},
        geometry=[shapely.box(X0 + 500, Y0 + 500, X0 + 1500, Y0 + 1500),
                  shapely.box(X0 + SIDE + 500, Y0 + SIDE + 500, X0 + SIDE + 1500, Y0 + SIDE + 1500)],
        crs=2154,
    ).to_crs(3035)
    path = tmp_path / "carreaux.gpkg"
    squares.to_file(path, layer="carreaux")
    return path


def test_top_up_conserves_squares_and_adds_the_legal_population_of_communes_without_squares(tmp_path, communes):
    report = ImportReport()
    squares = read_population_grid(_grid(tmp_path), communes=communes, report=ImportReport())
    points = top_up_communes_without_squares(squares, communes, report=report)
    by_commune = points.groupby("commune")["population"].sum().to_dict()
    legal = dict(zip(communes["code"], communes["population"]))
    # squared communes keep exactly their squares (not rescaled to 1000 / 3000)
    assert by_commune["77001"] == 120 and by_commune["77004"] == 30
    # the others carry their whole legal population, at one point inside their polygon
    for code in ("77002", "77003", "91001"):
        assert by_commune[code] == legal[code]
        row = points[points["commune"] == code]
        assert len(row) == 1
        geom = communes.set_index("code").geometry[code]
        assert geom.contains(shapely.Point(row["lon"].item(), row["lat"].item()))
    assert points["population"].sum() == 150 + legal["77002"] + legal["77003"] + legal["91001"]
    infos = [str(i) for i in report.infos if "sans carreau peuplé" in str(i)]
    assert len(infos) == 1 and "3 commune(s)" in infos[0] and "dont 1 hors département" in infos[0]
    assert "3\u202f300 hab. ajoutés" in infos[0] and "Gamma" in infos[0]


def test_nothing_added_when_every_commune_has_a_square(tmp_path, communes):
    squares = read_population_grid(_grid(tmp_path), communes=communes, report=ImportReport())
    covered = communes[communes["code"].isin(["77001", "77004"])]
    report = ImportReport()
    out = top_up_communes_without_squares(squares, covered, report=report)
    assert len(out) == len(squares) and not report.infos


def test_bundle_from_files_tops_up(tmp_path):
    path = tmp_path / "communes.geojson"
    communes_lambert93().to_file(path, driver="GeoJSON")
    report = ImportReport()
    bundle = bundle_from_files("Test", "77", path, population_grid=_grid(tmp_path), check_osm=False, report=report)
    assert report.ok, report.errors
    assert set(bundle.population_points["commune"]) == set(bundle.communes["code"])


@realdata
def test_corse_du_sud_every_populated_commune_has_people_and_totals_are_conserved():
    src = REALDATA / "corse-du-sud"
    report = ImportReport()
    bundle = bundle_from_files("Corse-du-Sud", "2A", src / "communes.geojson", commune_table=src / "communes.csv",
                               population_grid=src / "population-carreaux-1km-2015.gpkg", check_osm=False,
                               report=report)
    assert report.ok, report.errors[:5]
    squares = read_population_grid(src / "population-carreaux-1km-2015.gpkg", communes=bundle.communes,
                                   report=ImportReport())
    points = bundle.population_points
    sums = points.groupby("commune")["population"].sum()
    populated = bundle.communes.loc[bundle.communes["population"] > 0, "code"]
    assert set(populated) <= set(sums.index)  # no « sans habitant recensé » beside a legal population
    topped = set(points["commune"]) - set(squares["commune"])
    legal = bundle.communes.set_index("code")["population"]
    expected_total = squares["population"].sum() + sum(legal[c] for c in topped)
    assert abs(points["population"].sum() - expected_total) < 1e-6
    squared_sums = squares.groupby("commune")["population"].sum()
    assert (sums[squared_sums.index] - squared_sums).abs().max() < 1e-9  # squares untouched

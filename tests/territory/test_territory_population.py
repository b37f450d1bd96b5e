from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from mapapp.territory.bundle import POPULATION_POINT_COLUMNS, SQUARE_COLUMNS
from mapapp.territory.communes import read_commune_populations, read_communes
from mapapp.territory.population import population_points_from_communes, read_population_csv, read_population_grid
from mapapp.territory.validation import ImportReport, TerritoryImportError
from tests.territory.territory_fixtures import REALDATA, SIDE, X0, Y0, realdata, write

EAST = X0 + 2 * SIDE  # the département's eastern edge (x = 664000)


def _square(cx: float, cy: float, half: float = 200.0) -> shapely.Polygon:
    return shapely.box(cx - half, cy - half, cx + half, cy + half)


# name: (square in Lambert-93, population, expected commune or None when dropped)
SQUARES = {
    "inside_alpha": (_square(X0 + 1000, Y0 + 1000), 10.0, "77001"),
    "coast_delta": (_square(EAST + 150, Y0 + 3000), 20.0, "77004"),  # centroid outside, overlaps Delta
    "islet_near_beta": (_square(EAST + 600, Y0 + 1000), 30.0, "77002"),  # touches nothing, centroid 600 m away
    "far_away": (_square(EAST + 5000, Y0 + 1000), 40.0, None),
    "straddling": (_square(X0 + SIDE + 100, Y0 + 500), 50.0, "77002"),  # centroid in Beta, overlaps Alpha
    "empty": (_square(X0 + 500, Y0 + 500), 0.0, None),
}


@pytest.fixture
def squares_gpkg(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"Id_carr1km": list(SQUARES), "Ind": [v[1] for v in SQUARES.values()], "Men": 1.0},
        geometry=[v[0] for v in SQUARES.values()],
        crs=2154,
    ).to_crs(3035)
    path = tmp_path / "carreaux.gpkg"
    gdf.to_file(path, layer="carreaux")
    return path


def test_squares_become_points_in_their_commune(squares_gpkg, communes):
    report = ImportReport()
    points = read_population_grid(squares_gpkg, communes=communes, report=report)

    assert list(points.columns) == POPULATION_POINT_COLUMNS + SQUARE_COLUMNS
    expected = {name: v for name, v in SQUARES.items() if v[2] is not None}
    assert len(points) == len(expected)
    # each point names its square and carries its polygon (WGS84), for the placement on roads
    assert sorted(points["square_id"]) == sorted(expected)
    lambert = gpd.GeoSeries(shapely.from_wkb(points["square_wkb"].to_numpy()), crs=4326).to_crs(2154)
    for sid, square in zip(points["square_id"], lambert):
        assert square.symmetric_difference(expected[sid][0]).area < 1.0  # m², reprojection rounding
    assert sorted(zip(points["population"], points["commune"])) == sorted((v[1], v[2]) for v in expected.values())
    # population is conserved for every kept square
    assert points["population"].sum() == sum(v[1] for v in expected.values())

    geoms = communes.set_index("code").geometry
    pts = gpd.points_from_xy(points["lon"], points["lat"])
    inside = [geoms[c].covers(p) for c, p in zip(points["commune"], pts)]
    by_pop = dict(zip(points["population"], inside))
    assert by_pop[10.0] and by_pop[20.0] and by_pop[50.0]  # the coastal square's point was moved onto Delta
    assert not by_pop[30.0]  # the islet keeps its centroid, assigned to the nearest commune

    messages = " | ".join(i.message for i in report.warnings)
    assert "1 carreau(x) (20 hab.) ont leur centre hors des communes" in messages
    assert "1 carreau(x) (30 hab.) hors de toute commune rattaché(s) à la plus proche" in messages
    assert "1 carreau(x) (40 hab.) à plus de 1\u202f000 m du territoire : ignoré(s)" in messages
    assert any("EPSG:3035" in i.message for i in report.infos)
    assert report.ok


def test_grid_in_degrees_gives_the_same_points(tmp_path, squares_gpkg, communes):
    path = tmp_path / "carreaux-wgs84.gpkg"
    gpd.read_file(squares_gpkg).to_crs(4326).to_file(path)
    a = read_population_grid(squares_gpkg, communes=communes, report=ImportReport())
    b = read_population_grid(path, communes=communes, report=ImportReport())
    assert sorted(zip(a["population"], a["commune"])) == sorted(zip(b["population"], b["commune"]))


def test_weight_column_is_case_insensitive_and_required(squares_gpkg, communes):
    assert read_population_grid(squares_gpkg, weight_col="ind", communes=communes, report=ImportReport())["population"].sum() == 110
    men = read_population_grid(squares_gpkg, weight_col="Men", communes=communes, report=ImportReport())
    assert len(men) == 5  # every square has one household, the empty one included; the far one is dropped
    with pytest.raises(TerritoryImportError, match="colonne de population « Ind_total » absente"):
        read_population_grid(squares_gpkg, weight_col="Ind_total", communes=communes)


def test_max_distance(squares_gpkg, communes):
    points = read_population_grid(squares_gpkg, communes=communes, max_distance_m=10_000, report=ImportReport())
    assert points["population"].sum() == 150


def test_points_from_communes(communes):
    communes.loc[communes["code"] == "77003", "population"] = 0
    points = population_points_from_communes(communes)
    assert sorted(points["commune"]) == ["77001", "77002", "77004", "91001"]
    assert points["population"].sum() == 1000 + 2000 + 3000 + 800
    geoms = communes.set_index("code").geometry
    assert all(geoms[c].contains(p) for c, p in zip(points["commune"], gpd.points_from_xy(points["lon"], points["lat"])))


def test_population_csv(tmp_path, communes):
    alpha = communes.set_index("code").geometry["77001"].representative_point()
    far = communes.set_index("code").geometry["77004"].representative_point()
    text = ("lon,lat,population,commune\n"
            f"{alpha.x},{alpha.y},120.5,77001\n"
            f"{far.x},{far.y},30,77001\n"
            f"{alpha.x},{alpha.y},0,77001\n"
            f"abc,{alpha.y},10,77001\n"
            f"{alpha.x},95,10,77001\n"
            f"{alpha.x},{alpha.y},-1,77001\n"
            f"{alpha.x},{alpha.y},10,77999\n"
            f"{alpha.x},{alpha.y},10,7700\n")
    report = ImportReport()
    points = read_population_csv(write(tmp_path / "population.csv", text), communes=communes, report=report)
    assert points["population"].tolist() == [120.5, 30.0]  # the zero point is dropped
    assert [i.where for i in report.errors] == [5, 6, 7, 8, 9]
    assert "inconnue" in report.errors[3].message
    assert [w.where for w in report.warnings] == [3]
    assert "de sa commune 77001" in report.warnings[0].message


def test_population_csv_missing_columns(tmp_path):
    with pytest.raises(TerritoryImportError, match="commune"):
        read_population_csv(write(tmp_path / "p.csv", "lon,lat,population\n1,2,3\n"))
    with pytest.raises(TerritoryImportError, match="seulement l'en-tête"):
        read_population_csv(write(tmp_path / "h.csv", "lon,lat,population,commune\n"))


@realdata
def test_corse_du_sud_grid_conserves_population():
    base = REALDATA / "corse-du-sud"
    report = ImportReport()
    communes = read_communes(base / "communes.geojson", departement="2A", report=report)
    communes = read_commune_populations(base / "communes.csv", communes, report=report)
    points = read_population_grid(base / "population-carreaux-1km-2015.gpkg", communes=communes, report=report)
    assert report.ok, report.summary()
    squares = gpd.read_file(base / "population-carreaux-1km-2015.gpkg")
    assert len(communes) == 124
    assert len(points) == len(squares) == 1433  # every square is assigned
    assert points["population"].sum() == pytest.approx(squares["Ind"].sum())  # 125,936.5 inhabitants
    assert set(points["commune"]) <= set(communes["code"])
    assert points["commune"].nunique() == 124
    geoms = communes.set_index("code").geometry
    pts = gpd.points_from_xy(points["lon"], points["lat"])
    assert all(geoms[c].covers(p) for c, p in zip(points["commune"], pts))
    per_commune = points.groupby("commune")["population"].sum()
    # squares withhold small counts, so points sum to less than the census, never to much more
    census = communes.set_index("code")["population"]
    assert per_commune.sum() < census.sum()
    assert np.corrcoef(per_commune.reindex(census.index).fillna(0), census)[0, 1] > 0.95
    moved = next(w for w in report.warnings if "centre hors des communes" in w.message)
    assert moved.message.startswith("74 carreau(x) (3\u202f946 hab.)")

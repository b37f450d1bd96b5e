from __future__ import annotations

import json

import pytest

from mapapp.territory.bundle import COMMUNE_COLUMNS, GRID_COLUMNS, POPULATION_POINT_COLUMNS, TerritoryBundle
from mapapp.territory.io import bundle_from_files, check_osm_covers, read_bundle
from mapapp.territory.validation import ImportReport, TerritoryImportError
from tests.territory.territory_fixtures import REALDATA, realdata, write

META = {
    "name": "Territoire fixture",
    "departement": "77",
    "fictional": True,
    "description": "Quatre communes carrées et une bordure.",
    "sources": {"communes": "écrit par le test"},
}


def osm_xml(bbox, highway: bool = True, bounds: tuple | None = None) -> str:
    """A tiny OSM XML file: a road across ``bbox`` (min_lon, min_lat, max_lon, max_lat)."""
    min_lon, min_lat, max_lon, max_lat = bbox
    header = ""
    if bounds is not None:
        header = f'<bounds minlon="{bounds[0]}" minlat="{bounds[1]}" maxlon="{bounds[2]}" maxlat="{bounds[3]}"/>'
    tag = '<tag k="highway" v="residential"/>' if highway else '<tag k="waterway" v="river"/>'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
        f"{header}\n"
        f'<node id="1" version="1" lat="{min_lat}" lon="{min_lon}"/>\n'
        f'<node id="2" version="1" lat="{max_lat}" lon="{max_lon}"/>\n'
        f'<way id="10" version="1"><nd ref="1"/><nd ref="2"/>{tag}</way>\n'
        "</osm>\n"
    )


def write_demo_layout(directory, communes, *, grids=True, population=True, roads=True):
    directory.mkdir(exist_ok=True)
    write(directory / "territory.json", json.dumps(META, ensure_ascii=False))
    communes.to_file(directory / "communes.geojson", driver="GeoJSON")
    if grids:
        write(directory / "grids.csv", "grid,code,nom,commune\n" + "".join(
            f"epci,200000001,CC Fixture,{c}\n" for c in ("77001", "77002", "77003", "77004")))
    if population:
        rows = []
        for code, geom, pop in zip(communes["code"], communes.geometry, communes["population"]):
            p = geom.representative_point()
            rows.append(f"{p.x},{p.y},{pop},{code}\n")
        write(directory / "population.csv", "lon,lat,population,commune\n" + "".join(rows))
    if roads:
        write(directory / "roads.osm", osm_xml(communes.total_bounds))
    return directory


def test_read_bundle(tmp_path, communes):
    directory = write_demo_layout(tmp_path / "demo", communes)
    report = ImportReport()
    bundle = read_bundle(directory, check_osm=True, report=report)
    assert isinstance(bundle, TerritoryBundle)
    assert (bundle.name, bundle.departement, bundle.fictional) == ("Territoire fixture", "77", True)
    assert bundle.sources == {"communes": "écrit par le test"}
    assert list(bundle.communes.columns) == COMMUNE_COLUMNS
    assert list(bundle.grids.columns) == GRID_COLUMNS
    assert list(bundle.population_points.columns) == POPULATION_POINT_COLUMNS
    assert bundle.communes.set_index("code")["is_buffer"]["91001"]
    assert bundle.population_points["population"].sum() == communes["population"].sum()
    assert bundle.osm_path == directory / "roads.osm"
    assert report.ok and not report.warnings, report.summary()


def test_read_bundle_optional_files_missing(tmp_path, communes):
    directory = write_demo_layout(tmp_path / "demo", communes, grids=False, population=False, roads=False)
    report = ImportReport()
    bundle = read_bundle(directory, report=report)
    assert bundle.grids.empty and list(bundle.grids.columns) == GRID_COLUMNS
    assert len(bundle.population_points) == 5  # one point per commune
    assert bundle.osm_path is None
    assert sorted(w.source for w in report.warnings) == ["grids.csv", "population.csv", "roads.osm"]


def test_read_bundle_reports_errors_of_every_file_at_once(tmp_path, communes):
    directory = write_demo_layout(tmp_path / "demo", communes)
    write(directory / "territory.json", json.dumps({**META, "departement": "777"}))
    with open(directory / "grids.csv", "a", encoding="utf-8") as fh:
        fh.write("epci,200000001,CC Fixture,77999\n")
    with open(directory / "population.csv", "a", encoding="utf-8") as fh:
        fh.write("2.5,48.5,-3,77001\n")
    with pytest.raises(TerritoryImportError) as exc:
        read_bundle(directory)
    where = sorted((i.source, str(i.where)) for i in exc.value.issues)
    assert where == [("grids.csv", "6"), ("population.csv", "7"), ("territory.json", "departement")]


def test_read_bundle_fatal_without_communes(tmp_path, communes):
    directory = write_demo_layout(tmp_path / "demo", communes)
    (directory / "communes.geojson").unlink()
    report = ImportReport()
    with pytest.raises(TerritoryImportError) as exc:
        read_bundle(directory, report=report)
    assert any(i.source == "communes.geojson" and "introuvable" in i.message for i in exc.value.issues)
    with pytest.raises(TerritoryImportError, match="dossier du territoire introuvable"):
        read_bundle(tmp_path / "nowhere")
    write(directory / "territory.json", "{not json")
    with pytest.raises(TerritoryImportError, match="JSON invalide"):
        read_bundle(directory)


def test_check_osm_covers(tmp_path, communes):
    bounds = tuple(communes.total_bounds)
    good = write(tmp_path / "good.osm", osm_xml(bounds))
    result = check_osm_covers(good, communes)
    assert result["has_highway"] and result["bbox_source"] == "nodes" and result["n_nodes"] == 2
    assert result["bbox"] == pytest.approx(bounds, abs=1e-6)
    assert min(result["covered_share"].values()) == pytest.approx(1.0)

    no_roads = write(tmp_path / "river.osm", osm_xml(bounds, highway=False))
    with pytest.raises(TerritoryImportError, match="aucune voie highway"):
        check_osm_covers(no_roads, communes)

    # roads east of Alpha only: Alpha, Gamma and the western strip are not covered
    mid = communes.set_index("code").geometry["77001"].bounds[2]
    half = write(tmp_path / "half.osm", osm_xml((mid, bounds[1], bounds[2], bounds[3])))
    report = ImportReport()
    check_osm_covers(half, communes, report=report)
    assert sorted(i.where for i in report.errors) == ["77001", "77003"]
    assert [w.where for w in report.warnings] == ["91001"]  # a buffer commune: a warning only
    assert "Bordure" in report.warnings[0].message and "hors département" in report.warnings[0].message

    # a header <bounds> is trusted unless use_header=False
    framed = write(tmp_path / "framed.osm", osm_xml((mid, bounds[1], bounds[2], bounds[3]), bounds=bounds))
    assert check_osm_covers(framed, communes)["bbox_source"] == "header"
    report = ImportReport()
    check_osm_covers(framed, communes, use_header=False, report=report)
    assert len(report.errors) == 2

    with pytest.raises(TerritoryImportError, match="fichier vide"):
        check_osm_covers(write(tmp_path / "empty.osm.pbf", ""), communes)
    with pytest.raises(TerritoryImportError, match="illisible"):
        check_osm_covers(write(tmp_path / "junk.osm.pbf", "not a pbf at all"), communes)


@realdata
def test_real_corse_du_sud_bundle():
    base = REALDATA / "corse-du-sud"
    report = ImportReport()
    bundle = bundle_from_files(
        "Corse-du-Sud", "2A", base / "communes.geojson",
        commune_table=base / "communes.csv",
        population_grid=base / "population-carreaux-1km-2015.gpkg",
        osm_path=base / "roads.osm.pbf",
        report=report,
    )
    assert report.ok, report.summary()
    assert len(bundle.communes) == 124 and not bundle.communes["is_buffer"].any()
    assert bundle.communes["population"].sum() == 168306
    epci = bundle.grids[bundle.grids["grid"] == "epci"]
    assert epci["code"].nunique() == 7 and sorted(epci["commune"]) == sorted(bundle.communes["code"])
    assert len(bundle.population_points) == 1433
    # the network covers the whole département; coastal Osani reaches beyond the last road node
    assert {w.where for w in report.warnings if w.source == "roads.osm.pbf"} <= {"2A197", "2A212"}


@realdata
def test_real_melun_bundle_and_its_partial_road_network():
    base = REALDATA / "melun"
    report = ImportReport()
    bundle = bundle_from_files("Melun", "77", base / "communes.geojson", commune_table=base / "communes.csv",
                               osm_path=base / "roads.osm.bz2", report=report)
    assert len(bundle.communes) == 17
    assert len(bundle.population_points) == 17 and bundle.population_points["population"].sum() == bundle.communes["population"].sum()
    assert bundle.grids["code"].nunique() == 4
    # the Melun roads are a 10 x 10 km box: three large communes fall mostly outside it
    assert sorted(i.where for i in report.errors) == ["77069", "77186", "77453"]
    assert all(i.source == "roads.osm.bz2" for i in report.errors)


def test_reads_what_the_demo_generator_writes(tmp_path):
    generate = pytest.importorskip("mapapp.demo.generate")
    generate.generate_demo(tmp_path / "demo")
    report = ImportReport()
    bundle = read_bundle(tmp_path / "demo", check_osm=True, report=report)
    assert report.ok, report.summary()
    assert bundle.fictional and len(bundle.communes) > 0 and (~bundle.communes["is_buffer"]).any()
    assert set(bundle.grids["commune"]) <= set(bundle.communes["code"])
    assert set(bundle.population_points["commune"]) <= set(bundle.communes["code"])
    assert bundle.osm_path is not None and bundle.osm_path.exists()

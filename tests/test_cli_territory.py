"""`mapapp territory import` on small files the test writes (same layouts as the real sources)."""

import sqlite3

from click.testing import CliRunner

from mapapp.cli import main
from tests.territory.territory_fixtures import communes_lambert93


def osm_xml_covering(communes) -> str:
    """A tiny OSM XML road network: a grid of residential streets over the communes' extent."""
    west, south, east, north = communes.to_crs(4326).total_bounds
    nodes, ways = [], []
    n = 6
    for i in range(n):
        for j in range(n):
            lon = west + (east - west) * j / (n - 1)
            lat = south + (north - south) * i / (n - 1)
            nodes.append(f'<node id="{i * n + j + 1}" lat="{lat:.7f}" lon="{lon:.7f}" version="1"/>')
    wid = 1
    for i in range(n):
        refs = "".join(f'<nd ref="{i * n + j + 1}"/>' for j in range(n))
        ways.append(f'<way id="{wid}" version="1">{refs}<tag k="highway" v="residential"/></way>')
        wid += 1
        refs = "".join(f'<nd ref="{j * n + i + 1}"/>' for j in range(n))
        ways.append(f'<way id="{wid}" version="1">{refs}<tag k="highway" v="residential"/></way>')
        wid += 1
    return '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n' + \
        "\n".join(nodes + ways) + "\n</osm>\n"


def write_territory(tmp_path, bad_code=False):
    communes = communes_lambert93()
    if bad_code:
        communes.loc[1, "code"] = "7700X"
    communes.to_file(tmp_path / "communes.geojson", driver="GeoJSON")
    (tmp_path / "roads.osm").write_text(osm_xml_covering(communes_lambert93()), encoding="utf-8")
    (tmp_path / "tas.csv").write_text("grid,code,nom,commune\n"
                                      "territoire_action_sociale,T1,Nord,77003\n"
                                      "territoire_action_sociale,T1,Nord,77004\n"
                                      "territoire_action_sociale,T2,Sud,77001\n"
                                      "territoire_action_sociale,T2,Sud,77002\n", encoding="utf-8")
    return ["territory", "import", "--name", "Test 77", "--departement", "77",
            "--communes", str(tmp_path / "communes.geojson"), "--grid", str(tmp_path / "tas.csv"),
            "--osm", str(tmp_path / "roads.osm")]


def count(db, table):
    con = sqlite3.connect(db)
    try:
        return con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()


def test_import_dry_run_then_real_then_again(tmp_path):
    env = {"MAPAPP_DATA_DIR": str(tmp_path / "var")}
    args = write_territory(tmp_path)
    dry = CliRunner().invoke(main, args + ["--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "rien n'a été enregistré" in dry.output
    assert not (tmp_path / "var" / "mapapp.sqlite").exists()

    real = CliRunner().invoke(main, args, env=env)
    assert real.exit_code == 0, real.output
    assert "Test 77" in real.output and "4 communes, 6\u202f500 habitants" in real.output and "enregistré" in real.output
    db = tmp_path / "var" / "mapapp.sqlite"
    assert count(db, "commune") == 5 and count(db, "grid_unit") == 2 and count(db, "population_point") == 5  # one per commune, buffer included

    again = CliRunner().invoke(main, args, env=env)
    assert again.exit_code == 0 and "inchangé" in again.output


def test_import_with_errors_writes_nothing_and_names_the_code(tmp_path):
    env = {"MAPAPP_DATA_DIR": str(tmp_path / "var")}
    result = CliRunner().invoke(main, write_territory(tmp_path, bad_code=True), env=env)
    assert result.exit_code != 0
    assert "7700X" in result.output and "rien n'a été enregistré" in result.output
    assert not (tmp_path / "var" / "mapapp.sqlite").exists()


def test_osm_file_without_roads_is_refused(tmp_path):
    env = {"MAPAPP_DATA_DIR": str(tmp_path / "var")}
    args = write_territory(tmp_path)
    (tmp_path / "roads.osm").write_text('<?xml version="1.0"?><osm version="0.6"><node id="1" lat="48.5" '
                                        'lon="2.6" version="1"/></osm>', encoding="utf-8")
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code != 0 and "roads.osm" in result.output


def test_import_several_commune_files_and_a_national_table(tmp_path):
    """One file per département (the buffer's neighbours in their own file, another format and CRS) and
    a commune table wider than the polygons: accepted, the extra rows summed up in one line."""
    env = {"MAPAPP_DATA_DIR": str(tmp_path / "var")}
    communes = communes_lambert93(with_population=False)
    communes[communes["code"].str.startswith("77")].to_file(tmp_path / "77.geojson", driver="GeoJSON")
    communes[communes["code"] == "91001"].to_crs(4326).to_file(tmp_path / "91.shp")
    (tmp_path / "roads.osm").write_text(osm_xml_covering(communes), encoding="utf-8")
    (tmp_path / "communes.csv").write_text(
        "code,nom,population\n77001,Alpha,1000\n77002,Beta,2000\n77003,Gamma,500\n77004,Delta,3000\n"
        "91001,Bordure,800\n75056,Paris,2133111\n13055,Marseille,873076\n", encoding="utf-8")
    args = ["territory", "import", "--name", "Test 77", "--departement", "77",
            "--communes", str(tmp_path / "77.geojson"), "--communes", str(tmp_path / "91.shp"),
            "--commune-table", str(tmp_path / "communes.csv"), "--osm", str(tmp_path / "roads.osm")]
    dry = CliRunner().invoke(main, args + ["--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert dry.output.count("ignorée") == 1 and "2 ligne(s) de la table hors des communes fournies" in dry.output
    assert "5 communes" in dry.output and "rien n'a été enregistré" in dry.output
    assert not (tmp_path / "var" / "mapapp.sqlite").exists()

    real = CliRunner().invoke(main, args, env=env)
    assert real.exit_code == 0, real.output
    db = tmp_path / "var" / "mapapp.sqlite"
    assert count(db, "commune") == 5
    assert count(db, "population_point") == 5


def _broken_inputs(tmp_path):
    """(option, replacement file) pairs of files that cannot be read at all."""
    from tests.network.network_fixtures import to_pbf

    write_territory(tmp_path)
    geojson = (tmp_path / "communes.geojson").read_bytes()
    (tmp_path / "cut.geojson").write_bytes(geojson[: len(geojson) // 2])
    osm = (tmp_path / "roads.osm").read_bytes()
    (tmp_path / "cut.osm").write_bytes(osm[: len(osm) // 2])
    pbf = to_pbf(tmp_path / "roads.osm", tmp_path / "roads.osm.pbf").read_bytes()
    (tmp_path / "cut.osm.pbf").write_bytes(pbf[: len(pbf) // 2])
    (tmp_path / "not-a-zip.xlsx").write_text("ceci n'est pas un classeur\n", encoding="utf-8")
    communes_lambert93().to_file(tmp_path / "nocrs.shp")
    (tmp_path / "nocrs.prj").unlink()
    return [("--communes", "cut.geojson", "cut.geojson"), ("--osm", "cut.osm", "fichier OSM illisible"),
            ("--osm", "cut.osm.pbf", "fichier OSM illisible"), ("--commune-table", "not-a-zip.xlsx", "not-a-zip.xlsx"),
            ("--grid", "not-a-zip.xlsx", "not-a-zip.xlsx"), ("--communes", "not-a-zip.xlsx", "not-a-zip.xlsx"),
            ("--communes", "nocrs.shp", "nocrs.shp")]


def test_unreadable_files_give_the_french_error_and_no_traceback(tmp_path):
    env = {"MAPAPP_DATA_DIR": str(tmp_path / "var")}
    base = write_territory(tmp_path)
    for option, name, expected in _broken_inputs(tmp_path):
        args = list(base)
        if option in args and option != "--grid":
            args[args.index(option) + 1] = str(tmp_path / name)
        else:
            args += [option, str(tmp_path / name)]
        result = CliRunner().invoke(main, args + ["--dry-run"], env=env)
        assert isinstance(result.exception, SystemExit) and result.exit_code == 1, (name, result.output)
        assert "Traceback" not in result.output and "TerritoryImportError" not in result.output, name
        assert "ERREUR" in result.output and expected in result.output, (name, result.output)
        assert "rien n'a été enregistré" in result.output


def test_errors_option_writes_every_issue_as_csv(tmp_path):
    import csv as csvmod

    env = {"MAPAPP_DATA_DIR": str(tmp_path / "var")}
    args = write_territory(tmp_path)
    rows = "".join(f"territoire_action_sociale,T{i},Nom,7799{i % 10}\n" for i in range(40))
    (tmp_path / "bad.csv").write_text("grid,code,nom,commune\n" + rows + "territoire_action_sociale,T,N\n",
                                      encoding="utf-8")
    out = tmp_path / "rapport" / "erreurs.csv"
    result = CliRunner().invoke(main, args + ["--grid", str(tmp_path / "bad.csv"), "--dry-run", "--errors", str(out)],
                                env=env)
    assert result.exit_code == 1 and str(out) in result.output
    with open(out, encoding="utf-8-sig", newline="") as f:
        table = list(csvmod.DictReader(f, delimiter=";"))
    errors = [r for r in table if r["Gravité"] == "erreur"]
    assert len(errors) == sum(1 for line in result.output.splitlines() if line.startswith("ERREUR"))
    assert {"42"} <= {r["Ligne"] for r in errors if r["Fichier"] == "bad.csv"}
    assert any("valeurs pour 4 colonnes" in r["Message"] for r in errors)

"""The ANCT France Services importer, on a fictional file written in the official format."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
import shapely
from opening_hours import OpeningHours

from mapapp.io.france_services import filter_to_territory, parse_france_services
from mapapp.territory.validation import ImportReport, TerritoryImportError
from tests.territory.territory_fixtures import REALDATA, communes_wgs84, realdata

HEADER = ["id_fs", "insee_dep", "lib_fs", "adresse", "complement_adresse", "insee_com", "code_postal", "lib_com",
          "latitude", "longitude", "mail", "telephone", "h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi",
          "h_samedi", "prise_rdv", "commentaire", "type_fs", "format_fs", "groupe_fs", "labellisation_fs"]

DATE = "2024-08-01"  # the data date given with --date
WEEK = "09:00 - 12:00 / 13:30 - 17:00"


def row(id_fs, dep, nom, code, lat, lon, *, hours=(WEEK,) * 5 + ("",), comment="", type_fs="Principal",
        format_fs="Fixe", groupe="", address="1 place de la Mairie", complement="", cp="77000"):
    return [id_fs, dep, nom, address, complement, code, cp, "Commune", lat, lon, f"fs{id_fs}@exemple.fr",
            "01 23 45 67 89", *hours, "Non", comment, type_fs, format_fs, groupe, "Espace labellisé 01/01/2022"]


# Coordinates inside the fixture communes (tests/territory/territory_fixtures.py)
ALPHA, BETA, GAMMA, DELTA, BORDURE = (48.48808, 2.4722), (48.4882, 2.49927), (48.50607, 2.47202), (48.50619, 2.4991), (48.49696, 2.44504)

ROWS = [
    # line 2
    row(1, "77", "France services d'Alpha", "77001", *ALPHA, complement="Bâtiment B"),
    # line 3: a bus
    row(2, "77", "Bus France services du Plateau", "77002", *BETA, hours=("09:30 - 16:30",) * 5 + ("",), format_fs="Bus_équivalent"),
    # lines 4-7: a comment over four lines; a placeholder range and overlapping ranges
    row(3, "77", "France services de la Vallée - Gamma", "77003", *GAMMA, format_fs="Multisites", groupe="Vallée",
        comment="Permanences :\n\n\nle lundi à Delta", hours=("00:00 - 00:00 / 09:00 - 12:00", "09:00 - 12:30 / 09:00 - 17:00", "", "", "", "")),
    # line 8: antenne of the Vallée espace, with hours nobody can convert
    row(4, "77", "France services de la Vallée - Antenne de Delta", "77004", *DELTA, type_fs="Antenne",
        format_fs="Fixe_antenne(s)", groupe="Vallée", hours=("09:00 - 12:00", "sur rendez-vous", "", "", "", "")),
    # line 9: bad INSEE code
    row(5, "77", "Code faux", "7700A", *ALPHA),
    # line 10: unreadable coordinates
    row(6, "77", "Sans coordonnées", "77001", "n/a", "2,47"),
    # line 11: a site of the département placed in Marseille (valid coordinates, wrong place)
    row(7, "77", "France services mal placée", "77002", 43.2965, 5.3698),
    # line 12: latitude and longitude swapped
    row(8, "77", "France services inversée", "77002", BETA[1], BETA[0]),
    # line 13: duplicate id
    row(1, "77", "Doublon", "77001", *ALPHA),
    # line 14: overseas
    row(9, "974", "France services de Saint-Denis", "97411", -20.8823, 55.4504, cp="97400"),
    # line 15: no hours at all
    row(10, "77", "France services sans horaires", "77004", *DELTA, hours=("",) * 6),
    # line 16: insee_dep disagrees with the commune code
    row(11, "91", "France services de Gamma-bis", "77003", *GAMMA),
    # line 17: in the buffer commune (Essonne)
    row(12, "91", "France services de la Bordure", "91001", *BORDURE, cp="91000"),
    # line 18: ten km east of the département, in a commune the territory does not have
    row(13, "77", "France services voisine", "77100", 48.4882, 2.64),
    # line 19: far away
    row(14, "69", "France services de Lyon", "69123", 45.764, 4.8357, cp="69001"),
    # lines 20-21: a network of principals sharing a group name: separate structures
    row(15, "77", "Point info 77 - Alpha", "77001", *ALPHA, groupe="PI77"),
    row(16, "77", "Point info 77 - Beta", "77002", *BETA, groupe="PI77"),
    # line 22: itinerant
    row(17, "77", "France services itinérante du Plateau", "77004", *DELTA, format_fs="Itinérante"),
    # line 23: Corsica
    row(18, "2A", "France services d'Ajaccio", "2A004", 41.9265, 8.725539, cp="20000"),
    # line 24: missing latitude
    row(19, "77", "Sans latitude", "77001", "", ALPHA[1]),
    # line 25: overseas code, metropolitan coordinates
    row(20, "974", "France services égarée", "97411", *ALPHA, cp="97400"),
    # line 26: postal code with a typo
    row(21, "77", "France services au code postal faux", "77001", *ALPHA, cp="7700"),
]


def _cell(value) -> str:
    if value == "":
        return ""
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else f'"{value}"'
    return '"' + str(value).replace('"', '""') + '"'


def write_anct_csv(path: Path, rows=ROWS, sep: str = ",", encoding: str = "utf-8") -> Path:
    """Write rows the way the ANCT file is written: quoted strings, bare numbers, bare empty cells."""
    lines = [sep.join(f'"{h}"' for h in HEADER)]
    lines += [sep.join(_cell(v) for v in r) for r in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


@pytest.fixture
def anct_csv(tmp_path):
    return write_anct_csv(tmp_path / "liste-fs-20240801.csv")


def by_id(records):
    return {s["id"]: s for s in records["sites"]}, {s["id"]: s for s in records["structures"]}


def test_records_shape_and_values(anct_csv):
    records, report = parse_france_services(anct_csv, date_maj=DATE)
    sites, structures = by_id(records)
    assert sites["anct-fs--1"] == {
        "id": "anct-fs--1",
        "structure_id": "anct-fs--1",
        "nom": "France services d'Alpha",
        "kind": "france_services",
        "adresse": "1 place de la Mairie, Bâtiment B",
        "code_postal": "77000",
        "commune_code": "77001",
        "lon": 2.4722,
        "lat": 48.48808,
        "horaires_accueil": "Mo-Fr 09:00-12:00,13:30-17:00",
        "status": "active",
        "date_maj": "2024-08-01",
        "date_verification": None,
        "itinerant_route": None,
    }
    assert structures["anct-fs--1"] == {
        "id": "anct-fs--1",
        "nom": "France services d'Alpha",
        "siret": None,
        "reseaux_porteurs": ["france-service"],
        "telephone": "01 23 45 67 89",
        "courriel": "fs1@exemple.fr",
        "site_web": None,
        "description": "Espace labellisé 01/01/2022 (ANCT).\nPrise de rendez-vous : non.",
        "adresse": "1 place de la Mairie, Bâtiment B",
        "commune_code": "77001",
        "date_maj": "2024-08-01",
        "date_verification": None,
    }
    assert len(sites) == 17  # 22 rows, 5 rejected
    assert sites["anct-fs--8"]["lat"] == BETA[0] and sites["anct-fs--8"]["lon"] == BETA[1]  # swap fixed
    assert sites["anct-fs--21"]["code_postal"] is None
    assert sites["anct-fs--9"]["commune_code"] == "97411" and sites["anct-fs--18"]["commune_code"] == "2A004"


def test_itinerant_sites(anct_csv):
    records, report = parse_france_services(anct_csv, date_maj=DATE)
    sites, _ = by_id(records)
    for id_ in ("anct-fs--2", "anct-fs--17"):
        assert sites[id_]["kind"] == "france_services_itinerant_stop"
        assert sites[id_]["itinerant_route"] == sites[id_]["nom"]
    assert sites["anct-fs--3"]["kind"] == "france_services"  # multisites stays fixed
    assert any("2 France services itinérants" in w.message and "lignes 3, 22" in w.message for w in report.warnings)


def test_structures_group_antennes_with_their_espace(anct_csv):
    records, _ = parse_france_services(anct_csv, date_maj=DATE)
    sites, structures = by_id(records)
    assert sites["anct-fs--4"]["structure_id"] == "anct-fs--3"  # the antenne joins the Vallée espace
    assert "anct-fs--4" not in structures
    assert sites["anct-fs--15"]["structure_id"] == "anct-fs--15" and sites["anct-fs--16"]["structure_id"] == "anct-fs--16"
    assert structures["anct-fs--3"]["description"].endswith(
        "France services de la Vallée - Gamma : Permanences :\nle lundi à Delta")
    assert {s["structure_id"] for s in records["sites"]} == set(structures)


def test_hours_conversion(anct_csv):
    records, report = parse_france_services(anct_csv, date_maj=DATE)
    sites, _ = by_id(records)
    assert sites["anct-fs--2"]["horaires_accueil"] == "Mo-Fr 09:30-16:30"
    assert sites["anct-fs--3"]["horaires_accueil"] == "Mo 09:00-12:00; Tu 09:00-17:00"
    assert sites["anct-fs--4"]["horaires_accueil"] is None
    assert sites["anct-fs--10"]["horaires_accueil"] is None
    for site in records["sites"]:
        if site["horaires_accueil"]:
            OpeningHours(site["horaires_accueil"])
    warnings = {w.where: w.message for w in report.warnings if isinstance(w.where, int)}
    assert warnings[4] == "horaires : mardi : plages qui se chevauchent fusionnées (« 09:00 - 12:30 / 09:00 - 17:00 »)"
    assert warnings[8] == "horaires non convertis (mardi : plage illisible « sur rendez-vous ») : horaires_accueil vide"
    infos = " | ".join(i.message for i in report.infos)
    assert "1 plage(s) « 00:00 - 00:00 » ignorée(s)" in infos and "1 site(s) sans aucun horaire renseigné" in infos


def test_errors_and_warnings_have_physical_line_numbers(anct_csv):
    _, report = parse_france_services(anct_csv, date_maj=DATE)
    errors = {i.where: i.message for i in report.errors}
    assert sorted(errors) == [9, 10, 13, 24, 25]
    assert errors[9] == "code INSEE invalide « 7700A » (id_fs 5)"
    assert errors[10].startswith("coordonnées manquantes ou illisibles")
    assert errors[13] == "id_fs 1 en double (déjà ligne 2)"
    assert errors[25] == "coordonnées (48.48808, 2.4722) hors du département de la commune 97411"
    warnings = {w.where: w.message for w in report.warnings if isinstance(w.where, int)}
    assert warnings[12].startswith("latitude et longitude inversées")
    assert warnings[16] == "insee_dep 91 ≠ département du code commune 77003"
    assert warnings[26] == "code postal invalide « 7700 » ignoré"
    assert all(i.source == "liste-fs-20240801.csv" for i in report.errors)


def test_french_excel_variant_reads_the_same(tmp_path, anct_csv):
    excel = write_anct_csv(tmp_path / "export-20240801.csv", sep=";", encoding="cp1252")
    a, _ = parse_france_services(anct_csv, date_maj=DATE)
    b, report = parse_france_services(excel, date_maj=DATE)
    assert a == b
    assert any("Windows-1252" in w.message for w in report.warnings)


def test_the_data_date_is_given_never_guessed_from_the_name(tmp_path):
    """The file has no date column and a name proves nothing: the date is required, the name only hints it."""
    path = write_anct_csv(tmp_path / "liste-fs-20240801.csv", rows=ROWS[:1])
    records, report = parse_france_services(path, date_maj="2025-01-31")
    assert records["sites"][0]["date_maj"] == "2025-01-31" and records["structures"][0]["date_maj"] == "2025-01-31"
    with pytest.raises(TerritoryImportError) as exc:
        parse_france_services(path, date_maj=None)
    assert "--date AAAA-MM-JJ" in str(exc.value) and "--date 2024-08-01" in str(exc.value)
    renamed = write_anct_csv(tmp_path / "france-services.csv", rows=ROWS[:1])
    with pytest.raises(TerritoryImportError) as exc:
        parse_france_services(renamed, date_maj=None)
    assert "--date AAAA-MM-JJ" in str(exc.value) and "suggère" not in str(exc.value)


def test_required_columns(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text('"id_fs","lib_fs","insee_com"\n"1","x","77001"\n', encoding="utf-8")
    with pytest.raises(TerritoryImportError, match="latitude, longitude"):
        parse_france_services(bad, date_maj=DATE)


def test_rows_of_other_departements_are_set_aside_before_any_check(tmp_path):
    """A broken row elsewhere in France neither blocks nor clutters the import of this département's rows."""
    ours = [row(1, "77", "France services d'Alpha", "77001", *ALPHA),
            row(12, "91", "France services de la Bordure", "91001", *BORDURE, cp="91000")]
    elsewhere = [row(30, "13", "France services de Marseille", "13055", "abc", 5.37),  # unreadable latitude
                 row(31, "", "Sans département, code lyonnais", "69123", "", 4.83),  # no insee_dep: its code says 69
                 row("", "69", "Sans identifiant", "69123", 45.76, 4.83)]
    path = write_anct_csv(tmp_path / "fs.csv", rows=[*ours, *elsewhere])
    _, unfiltered = parse_france_services(path, date_maj=DATE)
    assert {e.where for e in unfiltered.errors} == {4, 5, 6}  # each broken row is an error when all are read
    kept, report = parse_france_services(path, date_maj=DATE, departements={"77", "91"})
    assert not report.errors and not report.warnings, [str(e) for e in [*report.errors, *report.warnings]]
    alone, _ = parse_france_services(write_anct_csv(tmp_path / "ours.csv", rows=ours), date_maj=DATE)
    assert kept == alone
    assert any(i.message.startswith("3 ligne(s) d'autres départements écartée(s) avant tout contrôle")
               for i in report.infos)


def test_filter_to_territory(anct_csv):
    records, _ = parse_france_services(anct_csv, date_maj=DATE)
    communes = communes_wgs84()
    report = ImportReport()
    kept = filter_to_territory(records, communes, buffer_m=15_000, report=report)
    ids = {s["id"] for s in kept["sites"]}
    assert ids == {f"anct-fs--{i}" for i in (1, 2, 3, 4, 8, 10, 11, 12, 13, 15, 16, 17, 21)}
    assert "anct-fs--13" in ids  # 10 km east: within the buffer
    assert {s["id"] for s in kept["structures"]} == {s["structure_id"] for s in kept["sites"]}
    assert "anct-fs--9" not in {s["id"] for s in kept["structures"]}
    assert [w.where for w in report.warnings] == ["anct-fs--7"]  # a 77002 site placed in Marseille
    assert "exclu" in report.warnings[0].message

    near = filter_to_territory(records["sites"], communes, buffer_m=1_000)
    assert isinstance(near, list) and "anct-fs--13" not in {s["id"] for s in near}
    assert filter_to_territory({"structures": [], "sites": []}, communes) == {"structures": [], "sites": []}


@realdata
def test_real_national_file_and_corse_du_sud():
    from mapapp.territory.communes import read_communes

    records, report = parse_france_services(REALDATA / "france-services" / "france-services-20240801.csv", date_maj=DATE)
    assert len(records["sites"]) == 2845 and not report.errors, report.summary()
    assert len(report.warnings) < 60
    kinds = collections.Counter(s["kind"] for s in records["sites"])
    assert kinds == {"france_services": 2682, "france_services_itinerant_stop": 163}
    assert len({s["id"] for s in records["sites"]}) == 2845
    with_hours = [s["horaires_accueil"] for s in records["sites"] if s["horaires_accueil"]]
    assert len(with_hours) == 2845 - 48  # 48 sites give no hours at all
    for expression in with_hours:
        OpeningHours(expression)

    communes = read_communes(REALDATA / "corse-du-sud" / "communes.geojson", departement="2A")
    kept = filter_to_territory(records, communes, buffer_m=15_000)
    codes = [s["commune_code"] for s in kept["sites"]]
    in_2a = [s for s in records["sites"] if s["commune_code"].startswith("2A")]
    assert len(in_2a) == 15 and all(s in kept["sites"] for s in in_2a)
    assert 15 <= len(codes) <= 25  # 19: the 15 of Corse-du-Sud and 4 of Haute-Corse near the border
    assert all(c.startswith(("2A", "2B")) for c in codes)


def test_site_of_a_departement_commune_just_outside_the_outline_is_kept():
    """Simplified coastlines put harbour sites in the sea: keep them when their own commune is ours."""
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs(2154, 4326, always_xy=True)
    communes = communes_wgs84()

    def site(i, y, code):
        lon, lat = to_wgs84.transform(661000.0, y)
        return {"id": f"s{i}", "structure_id": f"st{i}", "nom": f"Site {i}", "lon": lon, "lat": lat,
                "commune_code": code}

    sites = [site(1, 6819500.0, "77001"),   # 500 m south of Alpha, its own commune: kept
             site(2, 6817000.0, "77001"),   # 3 km south: a wrong point, excluded and reported
             site(3, 6819500.0, "45001")]   # 500 m outside, not a commune of ours: excluded
    report = ImportReport()
    kept = filter_to_territory(sites, communes, buffer_m=0.0, report=report)
    assert [s["id"] for s in kept] == ["s1"]
    assert [w.where for w in report.warnings] == ["s2"] and "3.0 km" in report.warnings[0].message


def test_site_of_a_buffer_commune_follows_the_same_rule_and_drops_are_named():
    """A buffer commune's site just outside its simplified outline is kept like a département one;
    every site of a territory commune that is dropped is named with its id."""
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs(2154, 4326, always_xy=True)
    communes = communes_wgs84()  # 91001 (Bordure) is the buffer: x 658000-660000, y 6820000-6824000

    def site(i, y, code):
        lon, lat = to_wgs84.transform(659000.0, y)
        return {"id": f"s{i}", "structure_id": f"st{i}", "nom": f"Maison {i}", "lon": lon, "lat": lat,
                "commune_code": code}

    sites = [site(1, 6819500.0, "91001"),   # 500 m south of its buffer commune: kept
             site(2, 6817000.0, "91001")]   # 3 km: dropped, listed by name and id
    report = ImportReport()
    kept = filter_to_territory(sites, communes, buffer_m=0.0, report=report)
    assert [s["id"] for s in kept] == ["s1"]
    assert [w.where for w in report.warnings] == ["s2"]
    assert "Maison 2" in report.warnings[0].message and "s2" in report.warnings[0].message
    assert "hors département" in report.warnings[0].message and "3.0 km" in report.warnings[0].message


@realdata
def test_real_propriano_kept_when_its_commune_is_a_buffer_commune():
    from mapapp.territory.communes import read_communes

    records, _ = parse_france_services(REALDATA / "france-services" / "france-services-20240801.csv", date_maj=DATE)
    communes = read_communes(REALDATA / "corse-du-sud" / "communes.geojson", departement="2A")
    propriano = [s for s in records["sites"] if s["commune_code"] == "2A249"]
    assert propriano
    geom = communes.set_index("code").geometry["2A249"]
    assert not any(geom.contains(shapely.Point(s["lon"], s["lat"])) for s in propriano)  # in the sea on this outline
    communes.loc[communes["code"] == "2A249", "is_buffer"] = True
    kept = filter_to_territory(records, communes, buffer_m=0.0)
    assert all(s in kept["sites"] for s in propriano)


def test_national_list_before_any_territory_says_to_import_the_territory_first(anct_csv, session):
    """With no commune stored nothing says which rows are the département's: refuse, plainly, and write nothing."""
    from mapapp.catalog.models import Site, Structure
    from mapapp.io.catalog_import import run_import

    result = run_import(session, anct_csv, "france-services", dry_run=False)
    messages = [i.message for i in result.report.errors]
    assert len(messages) == 1 and "importez d'abord le territoire" in messages[0]
    assert not result.written and session.query(Structure).count() == 0 and session.query(Site).count() == 0

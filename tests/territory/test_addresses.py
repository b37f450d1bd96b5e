"""Reading the Base Adresse Nationale file: the real columns, errors with their line, other départements counted."""

import gzip

import pytest

from mapapp.territory.addresses import read_ban
from mapapp.territory.validation import ImportReport, TerritoryImportError
from tests.territory.ban_fixture import BAN_FIXTURE, HEADER, ban_row, write_ban


def test_fixture_is_in_the_ban_format():
    columns = HEADER.split(";")
    assert columns[:8] == ["id", "id_fantoir", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune"]
    assert len(columns) == 23 and columns[-1] == "cad_parcelles"


def test_reads_the_departement_and_counts_the_others():
    report = ImportReport()
    found = read_ban(BAN_FIXTURE, "2A", report)
    lines = BAN_FIXTURE.read_text(encoding="utf-8").splitlines()[1:]
    assert len(found.addresses) == sum(1 for line in lines if line.split(";")[6].startswith("2A"))
    assert found.skipped == {"2B": sum(1 for line in lines if line.split(";")[6].startswith("2B"))}
    assert {a.code_insee[:2] for a in found.addresses} == {"2A"}
    assert any("d'autres départements ignorées (2B : 7)" in str(i) for i in report.infos)
    bis = next(a for a in found.addresses if a.rep == "bis")
    assert (bis.numero, bis.nom_voie, bis.code_postal) == (12, "Rue de la Paix", "20000")
    no_number = next(a for a in found.addresses if a.nom_voie == "Mezzavia")
    assert no_number.numero is None  # 99999: the BAN's « sans numéro »
    assert next(a for a in found.addresses if a.nom_ld == "Saint-Jean").nom_commune == "Sartène"


def test_gzip_file_is_read(tmp_path):
    gz = tmp_path / "adresses-2A.csv.gz"
    gz.write_bytes(gzip.compress(BAN_FIXTURE.read_bytes()))
    assert len(read_ban(gz, "2A").addresses) == len(read_ban(BAN_FIXTURE, "2A").addresses)


def test_truncated_gzip_is_a_french_error(tmp_path):
    gz = tmp_path / "adresses-2A.csv.gz"
    gz.write_bytes(gzip.compress(BAN_FIXTURE.read_bytes())[:200])
    with pytest.raises(TerritoryImportError, match="gzip illisible ou tronquée"):
        read_ban(gz, "2A")


def test_every_bad_row_is_reported_with_its_line(tmp_path):
    path = write_ban(tmp_path / "a.csv", [
        ban_row("2A004_a_1"),
        ban_row("2A004_a_2", numero="douze"),
        ban_row("2A004_a_3", lon="200"),
        ban_row("2A004_a_1", numero="3"),
        ban_row("2A004_a_5", voie=""),
        ban_row("2A004_a_6", insee="2A4"),
        ban_row("2A004_a_7", cp="2000", lat="abc"),
    ])
    report = ImportReport()
    read_ban(path, "2A", report)
    got = {(i.where, i.column) for i in report.errors}
    assert got == {(3, "numero"), (4, "lon"), (5, "id"), (6, "nom_voie"), (7, "code_insee"), (8, "code_postal"),
                   (8, "lat")}
    assert any("déjà vu ligne 2" in i.message for i in report.errors)
    with pytest.raises(TerritoryImportError, match=r"ligne 3\) : numéro invalide : « douze »"):
        read_ban(path, "2A")


def test_missing_columns_and_wrong_departement(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("id;numero;nom_voie\n1;2;Rue\n", encoding="utf-8")
    with pytest.raises(TerritoryImportError, match="colonnes manquantes : rep, code_postal, code_insee"):
        read_ban(path, "2A")
    with pytest.raises(TerritoryImportError, match="aucune adresse du département 40"):
        read_ban(BAN_FIXTURE, "40")

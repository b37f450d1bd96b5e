"""`mapapp territory adresses`: the BAN file of the département into the database; a failed import changes nothing."""

import sqlite3

from click.testing import CliRunner

from mapapp.cli import main
from tests.territory.ban_fixture import BAN_FIXTURE, ban_row, write_ban


def rows(db):
    if not db.exists():
        return []
    con = sqlite3.connect(db)
    try:
        return con.execute("select id, numero, code_insee from address order by id").fetchall()
    finally:
        con.close()


def test_import_replace_and_failed_import(tmp_path):
    env = {"MAPAPP_DATA_DIR": str(tmp_path / "var")}
    db = tmp_path / "var" / "mapapp.sqlite"
    run = CliRunner().invoke
    no_territory = run(main, ["territory", "adresses", str(BAN_FIXTURE)], env=env)
    assert no_territory.exit_code != 0 and "aucun territoire chargé" in no_territory.output

    dry = run(main, ["territory", "adresses", str(BAN_FIXTURE), "--departement", "2A", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "24 adresses du département 2A, 7 lignes d'autres départements ignorée(s)" in dry.output
    assert rows(db) == []

    ok = run(main, ["territory", "adresses", str(BAN_FIXTURE), "--departement", "2A"], env=env)
    assert ok.exit_code == 0, ok.output
    assert "24 adresses enregistrée(s), 7 lignes d'autres départements ignorée(s)" in ok.output
    before = rows(db)
    assert len(before) == 24 and {r[2][:2] for r in before} == {"2A"}

    bad = write_ban(tmp_path / "adresses-2A.csv", [ban_row("2A004_x_1"), ban_row("2A004_x_2", lat="91")])
    failed = run(main, ["territory", "adresses", str(bad), "--departement", "2A"], env=env)
    assert failed.exit_code != 0
    assert "adresses-2A.csv (ligne 3) : latitude invalide : « 91 »" in failed.output
    assert "rien n'a été enregistré" in failed.output
    assert rows(db) == before

    good = write_ban(tmp_path / "adresses-2A.csv", [ban_row("2A004_x_1", numero="4")])
    assert run(main, ["territory", "adresses", str(good), "--departement", "2a"], env=env).exit_code == 0
    assert rows(db) == [("2A004_x_1", 4, "2A004")]


def test_help_is_french():
    out = CliRunner().invoke(main, ["territory", "adresses", "--help"]).output
    assert "Base Adresse Nationale" in out and "rien n'est écrit en cas d'erreur" in out

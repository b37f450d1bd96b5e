"""End to end on the generated demo: generate, load twice (idempotent), serve the home page."""

import sqlite3

import pytest
from click.testing import CliRunner

from mapapp.cli import main
from mapapp.web import create_app


def dump(db_path):
    con = sqlite3.connect(db_path)
    tables = [r[0] for r in con.execute("select name from sqlite_master where type='table' order by name")]
    out = {t: con.execute(f"select * from {t} order by 1").fetchall() for t in tables}
    con.close()
    return out


def test_demo_load_creates_everything(demo_env):
    _env, output = demo_env
    assert "Val-d'Arlenc" in output
    assert "offers: 325 créé(s)" in output


def test_demo_load_twice_changes_nothing(demo_env, monkeypatch):
    env, _ = demo_env
    db = f"{env['MAPAPP_DATA_DIR']}/mapapp.sqlite"
    before = dump(db)
    result = CliRunner().invoke(main, ["demo", "load"], env=env)
    assert result.exit_code == 0, result.output
    assert "Territoire « Val-d'Arlenc » : 190 communes, inchangé" in result.output
    assert result.output.count(": 0 créé(s), 0 modifié(s)") == 4
    assert dump(db) == before


def test_home_page_on_demo(demo_env, monkeypatch):
    env, _ = demo_env
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    page = create_app().test_client().get("/").get_data(as_text=True)
    assert "Val-d&#39;Arlenc" in page and "Territoire fictif" in page
    assert "<strong>150</strong> communes" in page
    assert "<strong>325</strong> offres" in page

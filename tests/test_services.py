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


def test_serve_with_gunicorn_workers_answers_on_loopback(demo_env):
    """`mapapp serve --workers 2`: the production server, a real HTTP request on 127.0.0.1."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    env, _ = demo_env
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mapapp = str(Path(sys.executable).with_name("mapapp"))
    proc = subprocess.Popen([mapapp, "serve", "--workers", "2", "--port", str(port)], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    page = response.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(proc.stdout.read1().decode() if proc.poll() is not None else "no answer")
        assert "Val-d&#39;Arlenc" in page
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_with_workers_needs_a_secret_key(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--workers", "2"], env={"MAPAPP_DATA_DIR": str(tmp_path),
                                                                         "MAPAPP_SECRET_KEY": ""})
    assert result.exit_code != 0 and "MAPAPP_SECRET_KEY" in result.output

"""``mapapp parametres``: export, check, import (nothing stored on error), history."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mapapp.access.settings import default_settings
from mapapp.catalog.db import upgrade
from mapapp.cli import main
from mapapp.config import load_settings
from mapapp.settings_file import parse_settings, write_settings


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MAPAPP_DATA_DIR", str(tmp_path / "var"))
    upgrade(load_settings().database_url)
    return tmp_path


def _run(*args):
    return CliRunner().invoke(main, ["parametres", *args], prog_name="mapapp")


def test_export_writes_the_defaults_then_the_imported_version(env):
    out = env / "p.toml"
    result = _run("exporter", str(out))
    assert result.exit_code == 0, result.output
    assert "paramètres par défaut" in result.output
    assert parse_settings(out.read_text()).digest() == default_settings().digest()
    assert _run("exporter", str(out)).exit_code == 1  # never overwrites silently
    assert "existe déjà" in _run("exporter", str(out)).output

    out.write_text(out.read_text().replace("seuil_voiture = 20", "seuil_voiture = 25"), encoding="utf-8")
    result = _run("importer", str(out), "--commentaire", "25 min pour France Services")
    assert result.exit_code == 0, result.output
    assert "Version 1 enregistrée : 20 thèmes, 4 publics, empreinte" in result.output
    assert "mapapp compute" in result.output
    assert "déjà la version courante" in _run("importer", str(out)).output

    result = _run("exporter", "-")
    assert result.exit_code == 0
    assert parse_settings(result.output).theme("france_services").thresholds["car"].main_min == 25.0

    history = _run("historique").output
    assert history.startswith("Version 1 (courante) : ") and "25 min pour France Services" in history
    assert "ligne de commande" in history


def test_import_with_errors_lists_each_line_and_stores_nothing(env):
    bad = env / "bad.toml"
    bad.write_text(write_settings(default_settings())
                   .replace('publics = ["jeunes"]', 'publics = ["jeune"]')
                   .replace("seuil_marche = 15", "seuil_marche = 0", 1), encoding="utf-8")
    lines = bad.read_text().splitlines()
    result = CliRunner().invoke(main, ["parametres", "importer", str(bad)], prog_name="mapapp")
    assert result.exit_code == 1
    assert "2 problèmes, rien n'est enregistré" in result.output
    jeune = lines.index('publics = ["jeune"]') + 1
    assert f"ligne {jeune} : public inconnu « jeune » ; vouliez-vous dire « jeunes » ?" \
        in result.output
    assert f"ligne {lines.index('seuil_marche = 0') + 1} : « seuil_marche » doit être strictement positif" in result.output
    assert "Traceback" not in result.output
    assert _run("historique").output.startswith("Aucune version importée")


def test_verifier_checks_without_storing(env):
    good = env / "good.toml"
    good.write_text(write_settings(default_settings()), encoding="utf-8")
    result = _run("verifier", str(good))
    assert result.exit_code == 0 and "est valide : 20 thèmes, 4 publics" in result.output
    assert _run("historique").output.startswith("Aucune version importée")
    syntax = env / "syntax.toml"
    syntax.write_text("[[theme]\ncle = \"x\"\n", encoding="utf-8")
    result = _run("verifier", str(syntax))
    assert result.exit_code == 1 and "ligne 1 : colonne" in result.output


def test_commands_that_read_say_when_the_database_is_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("MAPAPP_DATA_DIR", str(tmp_path / "empty"))
    result = _run("historique")
    assert result.exit_code == 1 and "mapapp db upgrade" in result.output

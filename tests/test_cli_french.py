"""The CLI speaks French: every --help (click's own words included), usage errors, and figures in messages."""

from __future__ import annotations

import gettext
import os
import re
from pathlib import Path

import click
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner

from mapapp.cli import main
from mapapp.cli_i18n import DOMAIN, LOCALE_DIR
from mapapp.compute import ComputeReport

#: What click prints in English when its catalogue is not active, and English metavars.
ENGLISH_CLICK = ["Usage:", "Options:", "Commands:", "Show this message and exit", "Show the version and exit",
                 "[required]", "[default:", "COMMAND [ARGS]", "Error:", "Try '"]
ENGLISH_METAVAR = re.compile(r"\s(TEXT|INTEGER|FLOAT|PATH|FILENAME|DIRECTORY|FILE|RANGE|BOOLEAN)\b")
CATALOGUE = LOCALE_DIR / "fr" / "LC_MESSAGES"


def _commands(command: click.Command, path: tuple[str, ...] = ()):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(main))


def _invoke(args, **kwargs):
    return CliRunner().invoke(main, args, prog_name="mapapp", **kwargs)


def _flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def test_the_walk_sees_every_command():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"", "db upgrade", "demo generate", "territory import", "territory method", "compute", "report",
            "export", "serve", "user create", "import", "freshness remind"} <= names
    assert len(COMMANDS) >= 22


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "mapapp" for p, _ in COMMANDS])
def test_help_is_french(path, command):
    result = _invoke([*path, "--help"], env={"LANG": "en_US.UTF-8", "LANGUAGE": "en"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Utilisation : mapapp"), out
    assert "Options :" in out and "Afficher cette aide et quitter." in out
    for word in ENGLISH_CLICK:
        assert word not in out, f"{word!r} in mapapp {' '.join(path)} --help"
    assert not ENGLISH_METAVAR.search(out), ENGLISH_METAVAR.search(out)
    assert command.help, f"mapapp {' '.join(path)} has no French help"
    flat = _flat(out)
    for line in (command.callback.__doc__ or "").splitlines():  # the English docstring is for developers only
        line = _flat(line)
        if len(line) > 15:
            assert line not in flat, f"docstring line in --help: {line!r}"
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert param.help, f"mapapp {' '.join(path)} {param.opts[0]} has no help"


def test_group_help_lists_commands_in_french():
    out = _invoke(["--help"]).output
    assert "Commandes :" in out and "COMMANDE [ARGUMENTS]..." in out
    assert "Afficher la version et quitter." in out


@pytest.mark.parametrize(("args", "expected"), [
    (["compute", "--bogus"], "Erreur : Option inconnue : '--bogus'."),
    (["nope"], "Erreur : Commande inconnue : 'nope'."),
    (["user", "create"], "Erreur : Argument manquant 'COURRIEL'."),
    (["user", "create", "a@b.fr"], "Erreur : Option manquante '--role'."),
    (["compute", "--mode", "train"], "Valeur invalide pour '--mode' : 'train' n'est pas l'une des valeurs"),
    (["compute", "--workers", "deux"], "'deux' n'est pas un nombre valide"),
    (["import", "/nulle/part.csv"], "Fichier '/nulle/part.csv' introuvable."),
    (["report", "--stale-months", "0"], "0 n'est pas dans l'intervalle 1<=x<=240."),
])
def test_usage_errors_are_french(args, expected):
    result = _invoke(args, env={"LANG": "C", "LC_ALL": "C"})
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "pour l'aide." in result.output and "Essayez « mapapp " in result.output


def test_french_catalogue_is_scoped_to_the_command():
    before_domain, before_language = gettext.textdomain(), os.environ.get("LANGUAGE")
    _invoke(["compute", "--bogus"])
    assert gettext.textdomain() == before_domain and os.environ.get("LANGUAGE") == before_language
    assert click.exceptions.NoSuchOption("--x").format_message() == "No such option '--x'."  # outside: untouched


def _click_messages() -> set:
    found = set()
    for _f, _l, message, _c, _ctx in extract_from_dir(Path(click.__file__).parent, method_map=[("**.py", "python")],
                                                     keywords={"_": None, "ngettext": (1, 2)}):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def _pairs(catalog) -> dict:
    def key(v):
        return v if isinstance(v, str) else tuple(v)
    return {key(m.id): key(m.string) for m in catalog if m.id}


def test_catalogue_translates_every_click_string_and_the_mo_matches_the_po():
    with open(CATALOGUE / f"{DOMAIN}.po", "rb") as f:
        po = read_po(f)
    with open(CATALOGUE / f"{DOMAIN}.mo", "rb") as f:
        mo = read_mo(f)
    translated = {m.id if isinstance(m.id, str) else tuple(m.id): m.string for m in po if m.id}
    missing = [m for m in _click_messages() if not translated.get(m)]
    assert not missing, f"click strings without French (scripts/click_catalog.py): {missing}"
    assert all(s if isinstance(s, str) else all(s) for s in translated.values())
    assert _pairs(mo) == _pairs(po), \
        "click.mo is stale: run scripts/click_catalog.py"


def test_compute_summary_uses_french_figures():
    report = ComputeReport(seconds=65.2, modes={"car": {
        "nodes": 5332, "edges": 12040, "dropped_nodes": 1, "themes": 2, "reused": 0, "points_unsnapped": 0,
        "sites_unsnapped": 3, "seconds": 4.04}})
    text = report.summary().replace("\u00a0", " ").replace("\u202f", " ")
    assert "réseau de 5 332 nœuds et 12 040 arcs (1 nœud hors" in text
    assert "2 thèmes (0 repris" in text and "0 point de population" in text and "3 lieux hors réseau" in text
    assert "4,0 s" in text and "Total : 1 min 05 s" in text
    assert "(s)" not in text and "(x)" not in text


def test_compute_run_prints_french_numbers(demo_computed):
    env, output = demo_computed
    text = output.replace("\u00a0", " ").replace("\u202f", " ")
    assert re.search(r"car : réseau de \d{1,3}( \d{3})* nœuds", text), text
    assert not re.search(r"\d,\d{3} (nœuds|arcs)", text)  # no English thousands separator
    assert re.search(r"Total : (\d+,\d s|\d+ min \d{2} s)$", text.strip()), text[-200:]
    assert "thèmes × 3 modes" in text
    again = _invoke(["compute", "--mode", "car", "--workers", "1"], env=env)
    assert again.exit_code == 0, again.output
    assert "thèmes × 1 mode\n" in again.output


def test_freshness_remind_agrees_its_counts(tmp_path):
    env = {"MAPAPP_DATA_DIR": str(tmp_path / "var"), "MAPAPP_BASE_URL": "https://carto.example.fr"}
    result = _invoke(["freshness", "remind"], env=env)
    assert result.exit_code == 0, result.output
    assert "0 rappel écrit (0 compte partenaire, 0 courriel de structure ; 0 fiche à vérifier)." in result.output


def test_territory_store_message_agrees_and_groups_digits(demo_env, tmp_path):
    from mapapp.config import load_settings
    from mapapp.services import store_bundle
    from mapapp.territory.io import read_bundle

    env, _ = demo_env
    bundle = read_bundle(Path(env["MAPAPP_DEMO_DIR"]))
    settings = load_settings({"MAPAPP_DATA_DIR": str(tmp_path / "var")})
    line = store_bundle(settings, bundle).replace("\u202f", " ")
    assert re.search(r": \d+ communes, \d{1,3}( \d{3})+ habitants, \d{1,3}( \d{3})* points de population, "
                     r"\d+ unités de découpage — enregistré$", line), line

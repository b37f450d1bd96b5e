"""The demo pipeline (the Makefile's ``demo`` target) stores 2SFCA scores that exist and vary across communes."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mapapp.cli import main
from mapapp.config import load_settings
from mapapp.fca import read_fca

MAKEFILE = Path(__file__).resolve().parents[1] / "Makefile"


def demo_fca_commands() -> list[list[str]]:
    """The ``mapapp territory 2sfca`` lines of the Makefile's ``demo`` recipe, as CLI arguments."""
    recipe = re.search(r"^demo:.*\n((?:\t.*\n)+)", MAKEFILE.read_text(encoding="utf-8"), re.M)
    assert recipe, "no demo target in the Makefile"
    out = []
    for line in recipe.group(1).splitlines():
        args = shlex.split(line.strip())
        if args[:3] == ["$(PY)", "-m", "mapapp.cli"] and args[3:5] == ["territory", "2sfca"]:
            out.append(args[3:])
    return out


@pytest.fixture(scope="module")
def fca_env(demo_computed, tmp_path_factory):
    """A copy of the computed demo's data folder (the scores are written under its results)."""
    source = Path(demo_computed[0]["MAPAPP_DATA_DIR"])
    target = tmp_path_factory.mktemp("fca") / "var"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("cache", "snapshots", ".rebuild-*"))
    (target / "cache").symlink_to(source / "cache", target_is_directory=True)
    return {**demo_computed[0], "MAPAPP_DATA_DIR": str(target)}


def test_the_demo_target_runs_the_2sfca_of_the_default_page():
    from mapapp.web.access_data import DEFAULT_THEME
    from mapapp.web.observatoire_page import DEFAULT_INDICATOR

    commands = demo_fca_commands()
    # /observatoire/besoins opens on its default indicator and theme, by car (the 2SFCA's default mode)
    assert ["territory", "2sfca", "--indicateur", DEFAULT_INDICATOR, "--theme", DEFAULT_THEME] in commands


def test_demo_2sfca_scores_exist_and_vary_across_communes(fca_env):
    settings = load_settings(fca_env)
    for args in demo_fca_commands():
        result = CliRunner().invoke(main, args, env=fca_env)
        assert result.exit_code == 0, (args, result.output)
        theme = args[args.index("--theme") + 1]
        stored = read_fca(settings.data_dir / "results", "rsa", theme, "car")
        assert stored is not None, theme
        meta, communes = stored
        scores = communes["score_per_100"].dropna()
        assert len(scores) >= 10, theme
        assert scores.nunique() >= 5 and scores.max() > 0, (theme, scores.describe())
        assert (scores >= 0).all()
        if theme == "france_services":  # the bus stops have no known capacity: said, not counted as zero
            assert meta["n_sites_without_capacity"] > 0 and "sans capacité connue" in result.output

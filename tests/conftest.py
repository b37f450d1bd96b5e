"""Shared fixtures: a migrated SQLite database in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mapapp.catalog.db import make_engine, make_sessionmaker, upgrade
from mapapp.config import load_settings

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"


@pytest.fixture
def settings(tmp_path):
    return load_settings({"MAPAPP_DATA_DIR": str(tmp_path / "var"), "MAPAPP_SECRET_KEY": "test-secret",
                          "MAPAPP_DEMO_DIR": str(tmp_path / "demo")})


@pytest.fixture
def db_url(settings):
    upgrade(settings.database_url)
    return settings.database_url


@pytest.fixture
def session_factory(db_url):
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def session(session_factory):
    with session_factory() as s:
        yield s


@pytest.fixture(scope="session")
def demo_env(tmp_path_factory):
    """The demo département generated and loaded once for the session: (environment, CLI output)."""
    from mapapp.cli import main

    root = tmp_path_factory.mktemp("demo")
    env = {"MAPAPP_DATA_DIR": str(root / "var"), "MAPAPP_DEMO_DIR": str(root / "demo"),
           "MAPAPP_SECRET_KEY": "test"}
    result = CliRunner().invoke(main, ["demo", "load"], env=env)
    assert result.exit_code == 0, result.output
    return env, result.output


@pytest.fixture(scope="session")
def demo_computed(demo_env):
    """The demo with accessibility computed for the three modes: (environment, CLI output)."""
    from mapapp.cli import main

    env, _ = demo_env
    result = CliRunner().invoke(main, ["compute", "--workers", "2"], env=env)
    assert result.exit_code == 0, result.output
    return env, result.output

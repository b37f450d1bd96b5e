"""Reports and exports of the demo département (computed once per session by ``demo_computed``).

Import the fixtures where they are needed (``from tests.reports.fixtures import *``):
``tests/reports`` has them through its conftest, ``tests/io/test_export_*.py``
import them. The reports are small on purpose (two themes, two modes, an EPCI)
so that rendering a PDF stays a matter of seconds.
"""

from __future__ import annotations

import datetime as dt

import pytest

from mapapp.catalog.db import make_engine, make_sessionmaker
from mapapp.config import load_settings
from mapapp.reports import build_report
from mapapp.results import ResultStore

EPCI = "epci:200096001"
THEMES = ["france_services", "mobilite"]
MODES = ["car", "walk"]
TODAY = dt.date.today()
XSS = "<script>alert(1)</script>"
TEMPLATE = "{{ 7*7 }}{% if true %}X{% endif %} $x^2$ ${alert(2)}"
FORMULA = "=HYPERLINK(\"http://example.invalid\",\"clic\")"


@pytest.fixture(scope="session")
def demo_settings(demo_computed):
    env, _ = demo_computed
    return load_settings(env)


@pytest.fixture(scope="session")
def demo_sessions(demo_settings):
    engine = make_engine(demo_settings.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def demo_store(demo_settings):
    return ResultStore(demo_settings.data_dir / "results")


@pytest.fixture(scope="session")
def epci_report(demo_sessions, demo_store):
    with demo_sessions() as session:
        return build_report(session, demo_store, EPCI, themes=THEMES, modes=MODES, today=TODAY)


@pytest.fixture(scope="session")
def departement_report(demo_sessions, demo_store):
    with demo_sessions() as session:
        return build_report(session, demo_store, None, themes=THEMES, modes=["car"], today=TODAY)


@pytest.fixture(scope="session")
def epci_communes(demo_sessions):
    from mapapp.catalog.territory_store import read_grids

    with demo_sessions() as session:
        grids = read_grids(session)
    grid, code = EPCI.split(":")
    return set(grids[(grids["grid"] == grid) & (grids["code"] == code)]["commune"])

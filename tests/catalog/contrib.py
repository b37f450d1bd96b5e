"""Helpers for the contribution tests: a loaded territory and catalog, and one account per role.

Territory: :func:`tests.territory.bundles.tiny_bundle` (96001 Arlenc in TAS1, 96002 Saint-Jo in TAS2,
96501 in the buffer); catalog: :func:`tests.web.conftest.web_catalog` (structures test--cd, test--ml, test--fs).
"""

from __future__ import annotations

from mapapp.catalog.db import transaction
from mapapp.catalog.load import load_catalog
from mapapp.catalog.territory_store import store_territory
from mapapp.catalog.users import create_user
from tests.territory.bundles import tiny_bundle
from tests.web.conftest import web_catalog

PASSWORD = "correct horse battery"


def load_contrib_data(factory) -> None:
    """Territory, catalog and accounts: admin, moderators (TAS1, TAS2, all), partners (ML, FS, CD)."""
    with transaction(factory) as s:
        store_territory(s, tiny_bundle())
        load_catalog(s, web_catalog(), known_communes={"96001", "96002", "96501"})
        create_user(s, "admin@example.org", "admin", password=PASSWORD, name="Admin")
        create_user(s, "modo1@example.org", "moderator", password=PASSWORD,
                    territories=[("territoire_action_sociale", "TAS1")])
        create_user(s, "modo2@example.org", "moderator", password=PASSWORD,
                    territories=[("territoire_action_sociale", "TAS2")])
        create_user(s, "modo-all@example.org", "moderator", password=PASSWORD, moderates_all=True)
        create_user(s, "ml@example.org", "partner", password=PASSWORD, structures=["test--ml"], name="Mission locale")
        create_user(s, "ml2@example.org", "partner", password=PASSWORD, structures=["test--ml"])
        create_user(s, "fs@example.org", "partner", password=PASSWORD, structures=["test--fs"])
        create_user(s, "cd@example.org", "partner", password=PASSWORD, structures=["test--cd"])


# --------------------------------------------------------------------------- fixtures
# Loading and hashing eight passwords takes ~2 s: it is done once per test session into a template
# database file, copied for each test (a few milliseconds). Import these fixtures into a test module.

import shutil  # noqa: E402
from html.parser import HTMLParser  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from mapapp.catalog.db import make_engine, make_sessionmaker, upgrade  # noqa: E402
from mapapp.config import load_settings  # noqa: E402

from tests.env import WEB_ENV  # noqa: E402


@pytest.fixture(scope="session")
def contrib_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("contrib") / "template.sqlite"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    try:
        load_contrib_data(make_sessionmaker(engine))
    finally:
        engine.dispose()
    return path


@pytest.fixture
def contrib_settings(tmp_path, contrib_template):
    """Settings on a fresh copy of the contribution database (each test may change it)."""
    settings = load_settings({"MAPAPP_DATA_DIR": str(tmp_path / "var"), **WEB_ENV,
                              "MAPAPP_DEMO_DIR": str(tmp_path / "demo")})
    dest = Path(settings.database_url.removeprefix("sqlite:///"))
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(contrib_template, dest)
    return settings


@pytest.fixture
def factory(contrib_settings):
    engine = make_engine(contrib_settings.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


# --------------------------------------------------------------------------- web helpers

import re  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def contrib_app(contrib_settings):
    from mapapp.web import create_app

    return create_app(contrib_settings)


def csrf(client, url: str = "/connexion") -> str:
    """The CSRF token of the client's session, read from a page with a form."""
    page = client.get(url).get_data(as_text=True)
    m = CSRF_RE.search(page)
    assert m, f"no CSRF token on {url}"
    # A browser posting the page's form sends the page as Referer (Referrer-Policy: same-origin), which
    # Flask-WTF requires on HTTPS; Flask's test client uses the app's PREFERRED_URL_SCHEME (https when
    # MAPAPP_BASE_URL is https).
    scheme = client.application.config.get("PREFERRED_URL_SCHEME") or "http"
    client.environ_base["HTTP_REFERER"] = url if "://" in url else f"{scheme}://localhost{url}"
    return m.group(1)


def login(client, name: str, password: str = PASSWORD):
    """Log in as ``<name>@example.org``; return the response of the login POST."""
    return client.post("/connexion", data={"email": f"{name}@example.org", "password": password,
                                           "csrf_token": csrf(client)})


def logged_in(app, name: str):
    client = app.test_client()
    response = login(client, name)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


class _FormReader(HTMLParser):
    """What a browser would submit from the page's ``method="post"`` form with a ``name="id"`` field."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self.values.setdefault(name, [])
                return
            self.values.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][-1] += data


def read_form(page: str, **changes) -> MultiDict:
    """The page's form fields as a browser would submit them, with ``changes`` (lists for checkboxes)."""
    reader = _FormReader()
    reader.feed(page)
    values = {**reader.values, **{k: v if isinstance(v, list) else [v] for k, v in changes.items()}}
    return MultiDict([(k, v) for k, vs in values.items() for v in vs])


def form_values(client, url: str, **changes) -> MultiDict:
    """GET ``url`` and return its form as a browser would submit it (see :func:`read_form`)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return read_form(page.get_data(as_text=True), **changes)


def opened_on(client, url: str) -> dict[str, str]:
    """The versions the forms on ``url`` were opened on (hidden ``lock_version``, ``version``), as a browser sends them."""
    values = form_values(client, url)
    return {name: values[name] for name in ("lock_version", "version") if name in values}


def count_calls(monkeypatch, owner, name: str) -> list:
    """Replace ``owner.name`` by a wrapper that records each call (thread-safe); returns the list of calls."""
    import threading

    calls, lock = [], threading.Lock()
    real = getattr(owner, name)

    def counted(*args, **kwargs):
        with lock:
            calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls

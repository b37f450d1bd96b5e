"""« Trouver une offre » answers kept per catalog, results and addresses version: same answers, computed once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, select

from mapapp.catalog.db import make_engine, make_sessionmaker, transaction
from mapapp.catalog.inputs_state import change_mark
from mapapp.catalog.models import Site, Structure
from mapapp.catalog.models_users import User
from mapapp.catalog.users import create_user
from mapapp.demo.catalog import PRO_NOTE
from mapapp.web import create_app
from mapapp.web import trouver as trouver_module
from tests.catalog.contrib import PASSWORD, csrf
from tests.web.test_accessibilite import demo_settings  # noqa: F401  (fixtures)

URL = "/trouver?commune=96001&theme=france_services&mode=sans-voiture"


@pytest.fixture(scope="module")
def app(demo_settings):
    return create_app(demo_settings)


@pytest.fixture(scope="module")
def factory(demo_settings):
    engine = make_engine(demo_settings.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = trouver_module.find_places

    def find_places(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(trouver_module, "find_places", find_places)
    return calls


def _first_site(body: str) -> str:
    return re.search(r'<li data-site="([^"]+)"', body).group(1)


def test_same_answer_computed_once_then_recomputed_when_the_catalog_changes(app, factory, counted):
    client = app.test_client()
    first = client.get(URL + "&mots=")
    assert first.status_code == 200 and len(counted) == 1
    again = client.get(URL + "&mots=")
    assert again.get_data() == first.get_data() and len(counted) == 1  # served from the cache
    # Conditional requests: the ETag of the answer gives 304 and no body.
    assert again.headers["ETag"]
    assert client.get(URL + "&mots=", headers={"If-None-Match": again.headers["ETag"]}).status_code == 304
    site_id = _first_site(first.get_data(as_text=True))
    with factory() as s:
        structure_id = s.get(Site, site_id).structure_id
        old_phone = s.get(Structure, structure_id).telephone
    try:
        with transaction(factory) as s:  # another connection commits: the next answer sees it
            s.get(Structure, structure_id).telephone = "01 23 45 67 89"
        changed = client.get(URL + "&mots=").get_data(as_text=True)
        assert len(counted) == 2 and "01 23 45 67 89" in changed
    finally:
        with transaction(factory) as s:
            s.get(Structure, structure_id).telephone = old_phone
    assert old_phone is None or old_phone in client.get(URL + "&mots=").get_data(as_text=True)
    assert len(counted) == 3


def test_logged_in_answers_are_never_kept_nor_served_from_the_cache(app, factory, counted):
    anonymous = app.test_client()
    anonymous.get(URL)
    n = len(counted)
    with factory() as s:
        site_id = _first_site(anonymous.get(URL).get_data(as_text=True))
        structure_id = s.get(Site, site_id).structure_id
        old_note = s.get(Structure, structure_id).note_orientation
    assert PRO_NOTE not in anonymous.get(URL).get_data(as_text=True)  # the demo's own professional notes
    try:
        with transaction(factory) as s:
            create_user(s, "pro-cache@example.org", "professional", password=PASSWORD)
            s.get(Structure, structure_id).note_orientation = "Note réservée aux référents"
        public = anonymous.get(URL).get_data(as_text=True)
        assert "Note réservée" not in public
        n = len(counted)
        pro = app.test_client()
        assert pro.post("/connexion", data={"email": "pro-cache@example.org", "password": PASSWORD,
                                            "csrf_token": csrf(pro)}).status_code == 302
        for _ in range(2):
            page = pro.get(URL)
            assert "Note réservée aux référents" in page.get_data(as_text=True)
            assert page.headers["Cache-Control"] == "no-store" and "ETag" not in page.headers
        assert len(counted) == n + 2  # computed for each logged-in request
        # …and the public answer stayed the public one.
        assert "Note réservée" not in anonymous.get(URL).get_data(as_text=True)
    finally:
        with transaction(factory) as s:
            s.get(Structure, structure_id).note_orientation = old_note
            s.execute(delete(User).where(User.email == "pro-cache@example.org"))


def test_change_mark_moves_on_commits_of_other_connections_and_own_writes(factory):
    with factory() as reader:
        before = change_mark(reader)
        assert change_mark(reader) == before  # kept under the connection's stamp
        reader.commit()
        with transaction(factory) as writer:
            site = writer.scalar(select(Site).order_by(Site.id).limit(1))
            old = site.nom
            site.nom = old + " (bis)"
        try:
            after = change_mark(reader)
            assert after != before
            reader.commit()
            # Its own uncommitted write moves it too.
            own = reader.scalar(select(Site).order_by(Site.id).limit(1))
            own.nom = old
            reader.flush()
            assert change_mark(reader) != after
            reader.commit()
        finally:
            with transaction(factory) as writer:
                writer.scalar(select(Site).order_by(Site.id).limit(1)).nom = old

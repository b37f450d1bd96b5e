"""The professional role: who sees the professional contacts and notes on orientation, and where they never leak."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mapapp.catalog.db import transaction
from mapapp.catalog.load import CatalogLoadError, load_catalog
from mapapp.catalog.models import Offer, Structure
from mapapp.catalog.models_users import User
from mapapp.catalog.professional import sees_professional
from mapapp.catalog.users import AccountError, create_user
from mapapp.io.exports import export_bytes
from mapapp.results import ResultStore
from tests.catalog.contrib import (  # noqa: F401  (fixtures)
    PASSWORD,
    contrib_app,
    contrib_settings,
    contrib_template,
    csrf,
    factory,
    logged_in,
)

PRO_PHONE = "05 99 00 11 22"
PRO_MAIL = "referents-direct@ml.example"
NOTE = "Appeler Mme Durand le mardi <b>avant</b> d'orienter"
OFFER_NOTE = "Envoyer la fiche de liaison n° 7 par courriel"
SECRETS = (PRO_PHONE, PRO_MAIL, "Mme Durand", "fiche de liaison")


@pytest.fixture
def pro_data(factory):
    """Professional fields on the Mission locale and on the France Services offer, and a professional account."""
    with transaction(factory) as s:
        ml = s.get(Structure, "test--ml")
        ml.contact_pro_telephone, ml.contact_pro_courriel, ml.note_orientation = PRO_PHONE, PRO_MAIL, NOTE
        s.get(Offer, "test--o-num").note_orientation = OFFER_NOTE
        create_user(s, "pro@example.org", "professional", password=PASSWORD, name="Référente RSA")
    return factory


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_role_sees_the_fields_and_edits_nothing(pro_data):
    with pro_data() as s:
        pro = s.scalar(select(User).where(User.email == "pro@example.org"))
        partner = s.scalar(select(User).where(User.email == "ml@example.org"))
        moderator = s.scalar(select(User).where(User.email == "modo1@example.org"))
        assert pro.role == "professional" and pro.is_professional
        assert sees_professional(pro) and sees_professional(moderator)
        assert not sees_professional(partner) and not sees_professional(None)
        pro.is_active = False
        assert not sees_professional(pro)
        with pytest.raises(AccountError, match="Seul un compte partenaire"):
            create_user(s, "pro2@example.org", "professional", structures=["test--ml"])


def test_professional_sees_the_fields_on_fiches_and_trouver(contrib_app, pro_data):
    client = logged_in(contrib_app, "pro")
    offer = _text(client.get("/offre/test--o-num"))
    assert "Réservé aux professionnels" in offer and PRO_PHONE in offer and PRO_MAIL in offer
    assert OFFER_NOTE in offer
    # Escaped like every catalog text.
    assert "Appeler Mme Durand le mardi &lt;b&gt;avant&lt;/b&gt;" in offer and "<b>avant</b>" not in offer
    site = _text(client.get("/site/test--num-1"))
    assert PRO_PHONE in site and OFFER_NOTE in site
    # Logged-in pages are never stored by a shared cache.
    assert client.get("/offre/test--o-num").headers["Cache-Control"] == "no-store"
    # A moderator sees them too; a partner (even of this structure) does not on the public pages.
    assert PRO_PHONE in _text(logged_in(contrib_app, "modo1").get("/offre/test--o-num"))
    assert PRO_PHONE not in _text(logged_in(contrib_app, "ml").get("/offre/test--o-num"))


def test_anonymous_visitors_never_see_them(contrib_app, pro_data):
    client = contrib_app.test_client()
    for url in ("/offre/test--o-num", "/site/test--num-1", "/site/test--xss", "/commune/96001", "/carte",
                "/api/offers", "/api/sites", "/api/offers?format=geojson", "/openapi.json"):
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert "Réservé aux professionnels" not in body, url
        for secret in SECRETS:
            assert secret not in body, (url, secret)
    # Nor are the field names documented or offered in the public API.
    api = client.get("/api/openapi.json").get_data(as_text=True)
    assert "note_orientation" not in api and "contact_pro" not in api


def test_open_data_exports_leave_them_out(contrib_settings, pro_data):
    store = ResultStore(contrib_settings.data_dir / "results")
    with pro_data() as s:
        for fmt in ("datainclusion-json", "datainclusion-csv"):
            archive = zipfile.ZipFile(io.BytesIO(export_bytes(fmt, s, store)))
            content = "".join(archive.read(n).decode("utf-8") for n in archive.namelist())
            assert "Mission locale" in content  # the structure is exported…
            for secret in SECRETS + ("note_orientation", "contact_pro"):
                assert secret not in content, (fmt, secret)  # …without its professional fields
            if fmt == "datainclusion-json":
                structures = json.loads(archive.read("structures.json"))
                assert any(r["id"] == "test--ml" for r in structures)


def test_professionals_are_kept_out_of_the_contributors_space(contrib_app, pro_data):
    client = logged_in(contrib_app, "pro")
    assert client.get("/espace/").headers["Location"].endswith("/guide")
    for url in ("/espace/structure/test--ml", "/espace/offre/test--o-num/modifier", "/espace/structure/nouveau",
                "/espace/a-verifier", "/espace/import"):
        assert client.get(url).status_code == 403, url
    assert client.get("/moderation/").status_code == 403
    token = csrf(client, "/guide")
    assert client.post("/espace/lieu/test--num-1/toujours-valable", data={"csrf_token": token}).status_code == 403
    # Their home after login is the professional space (the guides).
    fresh = contrib_app.test_client()
    response = fresh.post("/connexion", data={"email": "pro@example.org", "password": PASSWORD,
                                              "csrf_token": csrf(fresh)})
    assert response.headers["Location"] == "/guide"


def test_partner_edits_them_through_the_contribution_form(contrib_app, pro_data):
    client = logged_in(contrib_app, "ml")
    form = _text(client.get("/espace/structure/test--ml/modifier"))
    assert 'name="contact_pro_telephone"' in form and 'name="note_orientation"' in form
    assert "jamais du public" in form
    offer_form = _text(client.get("/espace/offre/test--o-num/modifier"))
    assert 'name="note_orientation"' in offer_form


def test_import_sets_them_and_checks_the_email(factory):
    with transaction(factory) as s:
        load_catalog(s, {"structures": [{"id": "test--fs", "nom": "France Services du Test",
                                         "contact_pro_courriel": "pro@fs.example",
                                         "note_orientation": "Prendre rendez-vous"}]})
    with factory() as s:
        fs = s.get(Structure, "test--fs")
        assert fs.contact_pro_courriel == "pro@fs.example" and fs.note_orientation == "Prendre rendez-vous"
    with pytest.raises(CatalogLoadError, match="structures test--fs : .*contact_pro_courriel.*adresse électronique"):
        with transaction(factory) as s:
            load_catalog(s, {"structures": [{"id": "test--fs", "nom": "France Services du Test",
                                             "contact_pro_courriel": "pas une adresse"}]})


def test_cli_creates_a_professional(contrib_settings, factory):
    from mapapp.cli import main

    env = {"MAPAPP_DATA_DIR": str(contrib_settings.data_dir), "MAPAPP_DATABASE_URL": contrib_settings.database_url,
           "MAPAPP_SECRET_KEY": "x" * 40, "MAPAPP_BASE_URL": "http://localhost"}
    help_text = CliRunner().invoke(main, ["user", "create", "--help"], env=env).output
    assert "professional" in help_text and "référent" in help_text
    result = CliRunner().invoke(main, ["user", "create", "ts@example.org", "--role", "professional",
                                       "--password-stdin"], input=PASSWORD + "\n", env=env)
    assert result.exit_code == 0, result.output
    assert "(professional) créé" in result.output
    with factory() as s:
        assert s.scalar(select(User.role).where(User.email == "ts@example.org")) == "professional"

"""CSRF through Flask-WTF's CSRFProtect: a POST without a valid token is refused on every form family.

Each family is posted as a logged-in user of the right role (so that only the
token is missing: with it, the same request is not refused for CSRF), with
no token, then with a forged one; the refusal is a 400 in French, and nothing
is written.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mapapp.catalog.models import Site
from mapapp.catalog.models_users import Revision
from tests.catalog.contrib import (  # noqa: F401  (fixtures)
    contrib_app,
    contrib_settings,
    contrib_template,
    csrf,
    factory,
    logged_in,
)

#: (family, account or None, URL posted, a page of the same session with a token, fields sent).
FAMILIES = [
    ("connexion", None, "/connexion", "/connexion", {"email": "ml@example.org", "password": "x"}),
    ("mot de passe oublié", None, "/mot-de-passe/oubli", "/connexion", {"email": "ml@example.org"}),
    ("déconnexion", "ml", "/deconnexion", "/espace/", {}),
    ("fiche d'un lieu (partenaire)", "ml", "/espace/lieu/test--num-1/modifier", "/espace/",
     {"nom": "Nouveau nom", "lock_version": "0", "version": "1"}),
    ("nouveau lieu", "ml", "/espace/lieu/nouveau?structure=test--ml", "/espace/", {"nom": "X"}),
    ("toujours valable", "ml", "/espace/lieu/test--num-1/toujours-valable", "/espace/", {}),
    ("import de fichier", "ml", "/espace/import", "/espace/", {}),
    ("confirmation d'import", "ml", "/espace/import/confirmer", "/espace/", {}),
    ("décision de modération", "modo-all", "/moderation/demande/1/refuser", "/moderation/",
     {"reason": "Adresse fausse", "lock_version": "0"}),
    ("restauration", "admin", "/moderation/lieu/test--num-1/restaurer/1", "/moderation/", {"version": "1"}),
    ("paramètres (seuils)", "admin", "/admin/parametres/seuils", "/admin/parametres/", {}),
    ("paramètres (import)", "admin", "/admin/parametres/importer", "/admin/parametres/", {}),
    ("recalcul", "admin", "/recalcul", "/admin/parametres/", {}),
    ("scénarios", "admin", "/scenarios/", "/admin/parametres/", {"nom": "S"}),
]


@pytest.mark.parametrize("family,account,url,page,fields", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_a_post_without_token_is_refused(contrib_app, factory, family, account, url, page, fields):
    client = logged_in(contrib_app, account) if account else contrib_app.test_client()
    token = csrf(client, page)
    with factory() as s:
        before = (s.scalar(select(func.count()).select_from(Revision)), s.get(Site, "test--num-1").nom)
    for sent in ({}, {"csrf_token": "forged"}, {"csrf_token": token + "x"}):
        response = client.post(url, data={**fields, **sent})
        assert response.status_code == 400, (family, sent)
        text = response.get_data(as_text=True)
        assert "Jeton de sécurité manquant ou périmé" in text
        assert "CSRF" not in text  # Flask-WTF's English reasons never reach the page
    with factory() as s:
        assert (s.scalar(select(func.count()).select_from(Revision)), s.get(Site, "test--num-1").nom) == before
    # The same request with the session's token is not refused for CSRF (whatever it answers then).
    answered = client.post(url, data={**fields, "csrf_token": token})
    assert "Jeton de sécurité" not in answered.get_data(as_text=True), family


def test_the_header_carries_the_token_for_scripts(contrib_app):
    client = logged_in(contrib_app, "ml")
    token = csrf(client, "/espace/")
    url = "/espace/lieu/test--num-1/toujours-valable"
    assert client.post(url, headers={"X-CSRF-Token": "forged"}).status_code == 400
    assert client.post(url, headers={"X-CSRF-Token": token}).status_code == 302


def test_a_token_of_another_session_is_refused(contrib_app):
    """The token is signed for the session: one read by another visitor opens nothing."""
    other = contrib_app.test_client()
    stolen = csrf(other)
    client = logged_in(contrib_app, "ml")
    response = client.post("/espace/lieu/test--num-1/toujours-valable", data={"csrf_token": stolen})
    assert response.status_code == 400

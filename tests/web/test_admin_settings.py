"""``/admin/parametres``: administrators only; tables, history, download, upload (nothing changed on error), thresholds."""

from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import func, select

from mapapp.access.settings import default_settings
from mapapp.catalog.models import AccessSettingsVersion
from mapapp.catalog.settings_store import current_settings
from mapapp.formats import number
from mapapp.settings_file import parse_settings, write_settings
from tests.catalog.contrib import contrib_app, contrib_settings, contrib_template, csrf, factory, logged_in  # noqa: F401

URL = "/admin/parametres/"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _versions(factory) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(AccessSettingsVersion))


def _upload(client, content: bytes, name="p.toml", comment=""):
    return client.post("/admin/parametres/importer", data={
        "csrf_token": csrf(client, URL), "commentaire": comment, "fichier": (io.BytesIO(content), name)},
        content_type="multipart/form-data")


@pytest.mark.parametrize("who", ["ml", "modo1", "modo-all"])
def test_partners_and_moderators_get_403(contrib_app, who):
    client = logged_in(contrib_app, who)
    assert client.get(URL).status_code == 403
    assert client.get("/admin/parametres/fichier").status_code == 403
    token = csrf(client, "/espace/")
    assert client.post("/admin/parametres/seuils", data={"csrf_token": token, "theme": "mobilite", "mode": "voiture",
                                                         "seuil": "5"}).status_code == 403
    assert client.post("/admin/parametres/importer", data={"csrf_token": token}).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(contrib_app):
    response = contrib_app.test_client().get(URL)
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_the_page_shows_the_current_settings_in_french(contrib_app):
    admin = logged_in(contrib_app, "admin")
    page = _text(admin.get(URL))
    assert "Aucune version importée : les paramètres par défaut s'appliquent." in page
    assert "un nouveau calcul est nécessaire pour que les résultats suivent" in page
    assert "Thèmes (20)" in page and "Publics (4)" in page
    assert "Bénéficiaires des minima sociaux" in page and "France Services" in page
    # France Services: filtered by network, 20 min by car with its bands
    assert "Réseaux porteurs" in page and "<strong>20 min</strong><br>paliers : 7, 10, 20, 30 min" in page
    hours = default_settings().schedule.min_weekly_hours
    assert hours > 0 and f"lieux ouverts au moins\n    <strong>{number(hours)} h par semaine</strong>" in page
    assert "Sous cette règle, les lieux sans horaires connus comptent" in page
    assert "Paramètres d'accessibilité</a>" in page  # the link in the user bar
    assert "<code>sante--sante-mentale</code>" in page and "<code>france-service</code>" in page  # values to use
    download = admin.get("/admin/parametres/fichier")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert parse_settings(download.get_data()).digest() == default_settings().digest()


def test_upload_with_errors_lists_them_with_lines_and_changes_nothing(contrib_app, factory):
    admin = logged_in(contrib_app, "admin")
    text = write_settings(default_settings()).replace('thematiques = ["sante"]', 'thematiques = ["santé"]')
    text = text.replace("seuil_voiture = 20", "seuil_voiture = 25", 1)  # a valid change in the same file
    line = text.splitlines().index('thematiques = ["santé"]') + 1
    response = _upload(admin, text.encode(), name="modifié.toml")
    assert response.status_code == 422
    page = _text(response)
    assert "Le fichier n'a pas été importé : rien n'a été modifié" in page and "« modifié.toml »" in page
    assert f"ligne {line} : thématique inconnue « santé » ; vouliez-vous dire « sante » ?" in page
    assert _versions(factory) == 0
    with factory() as s:
        assert current_settings(s).theme("france_services").thresholds["car"].main_min == 20.0
    assert _upload(admin, b"").status_code == 422  # an empty file: no theme, no public
    assert _versions(factory) == 0


def test_a_valid_upload_is_the_new_version_and_listed(contrib_app, factory):
    admin = logged_in(contrib_app, "admin")
    text = re.sub(r"heures_min_semaine = \S+", "heures_min_semaine = 0", write_settings(default_settings()))
    response = _upload(admin, text.encode(), comment="sans règle d'horaires")
    assert response.status_code == 302
    page = _text(admin.get(URL))
    assert "version 1 enregistrée" in page and "Lancez un nouveau calcul" in page
    assert "Pas de règle d'horaires : tout lieu ouvert compte" in page
    assert "n° 1 (courante)" in page and "sans règle d'horaires" in page and "Admin" in page
    assert admin.get("/admin/parametres/version/1/fichier").get_data(as_text=True) == text
    assert admin.get("/admin/parametres/version/9/fichier").status_code == 404
    assert _upload(admin, text.encode()).status_code == 302
    assert "identique à la version courante" in _text(admin.get(URL))
    assert _versions(factory) == 1


def test_the_thresholds_form_writes_a_new_version(contrib_app, factory):
    admin = logged_in(contrib_app, "admin")
    token = csrf(admin, URL)
    bad = admin.post("/admin/parametres/seuils", data={"csrf_token": token, "theme": "mobilite", "mode": "voiture",
                                                       "seuil": "dix", "paliers": ""})
    assert bad.status_code == 422 and "« dix » n'est pas un nombre de minutes" in _text(bad)
    assert "Les seuils n'ont pas été enregistrés : rien n'a été modifié" in _text(bad)
    assert _versions(factory) == 0
    ok = admin.post("/admin/parametres/seuils", data={"csrf_token": token, "theme": "mobilite", "mode": "voiture",
                                                      "seuil": "7,5", "paliers": "5 ; 15"})
    assert ok.status_code == 302
    with factory() as s:
        car = current_settings(s).theme("mobilite").thresholds["car"]
        assert (car.main_min, car.bands_min) == (7.5, (5.0, 7.5, 15.0))
        assert current_settings(s).theme("mobilite").thresholds["walk"].main_min == 15.0
    page = _text(admin.get(URL))
    assert "<strong>7,5 min</strong><br>paliers : 5, 7,5, 15 min" in page
    assert "seuils de « mobilite » (voiture)" in page


def test_forms_without_the_csrf_token_are_refused(contrib_app, factory):
    admin = logged_in(contrib_app, "admin")
    response = admin.post("/admin/parametres/seuils", data={"theme": "mobilite", "mode": "voiture", "seuil": "5"})
    assert response.status_code == 400
    assert _versions(factory) == 0

"""The RGAA / legal pages: footer mention, statement sections, personal data, site map (Flask test client)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from mapapp.catalog import users
from mapapp.config import SettingsError, load_settings
from mapapp.web import create_app
from tests.env import WEB_ENV

LEGAL_PAGES = {
    "/declaration-accessibilite": "Déclaration d'accessibilité",
    "/mentions-legales": "Mentions légales",
    "/donnees-personnelles": "Données personnelles",
    "/plan-du-site": "Plan du site",
}


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _footer(page: str) -> str:
    return page[page.index("<footer>"):page.index("</footer>")]


def _app_with(web_settings, **changes):
    return create_app(dataclasses.replace(web_settings, **changes))


@pytest.mark.parametrize("path", ["/", "/carte", "/commune/96001", "/connexion", *LEGAL_PAGES])
def test_every_page_has_the_conformity_mention_and_the_legal_links(client, path):
    footer = _footer(_page(client, path))
    assert '<a href="/declaration-accessibilite">Accessibilité : non conforme</a>' in footer
    for link, label in LEGAL_PAGES.items():
        assert f'<a href="{link}">{label}</a>' in footer


def test_legal_pages_answer_with_their_title(client):
    for path, title in LEGAL_PAGES.items():
        assert f"<h1>{title}</h1>" in _page(client, path)


def test_statement_has_the_sections_of_the_rgaa_model(client):
    page = _page(client, "/declaration-accessibilite")
    headings = re.findall(r"<h2 id=\"[a-z-]+\">([^<]+)</h2>", page)
    assert headings == ["État de conformité", "Contenus non accessibles", "Établissement de cette déclaration",
                        "Retour d'information et contact", "Voies de recours"]
    assert '<strong id="etat-conformite">non conforme</strong>' in page
    assert "Aucun audit de conformité" in page
    assert "Défenseur des droits" in page and "Libre réponse 71120" in page
    assert "article 47 de la loi n° 2005-102" in page


def test_contact_and_publisher_come_from_the_settings(web_settings):
    client = _app_with(web_settings, contact_email="accessibilite@departement.example",
                       org_name="le Département du Val-d'Arlenc", hosting="Hébergeur SAS, 1 rue du Serveur").test_client()
    statement = _page(client, "/declaration-accessibilite")
    assert '<a href="mailto:accessibilite@departement.example">accessibilite@departement.example</a>' in statement
    assert "Le Département du Val-d&#39;Arlenc s'engage" in statement
    assert "non renseignée" not in statement
    notice = _page(client, "/mentions-legales")
    assert "Hébergeur SAS, 1 rue du Serveur" in notice
    assert "Site édité par le Département du Val-d&#39;Arlenc" in _footer(notice)


def test_missing_contact_is_said_not_hidden(client):
    for path in ("/declaration-accessibilite", "/donnees-personnelles", "/mentions-legales"):
        assert "adresse de contact non renseignée" in _page(client, path)


def test_a_partial_conformity_needs_its_audit(web_settings):
    audit = "Audit du 3 novembre 2026 par Access Example : 78 % des critères respectés."
    client = _app_with(web_settings, rgaa_status="partiel", rgaa_audit=audit).test_client()
    page = _page(client, "/declaration-accessibilite")
    assert '<strong id="etat-conformite">partiellement conforme</strong>' in page and audit in page
    assert "Accessibilité : partiellement conforme" in _footer(_page(client, "/"))
    with pytest.raises(SettingsError, match="MAPAPP_RGAA_AUDIT"):
        _app_with(web_settings, rgaa_status="total")


def test_rgaa_settings_are_read_and_checked():
    settings = load_settings({**WEB_ENV, "MAPAPP_RGAA_STATUS": "Partiel", "MAPAPP_RGAA_AUDIT": "audit",
                              "MAPAPP_CONTACT_EMAIL": " a@b.fr ", "MAPAPP_ORG_NAME": "le Département du Test"})
    assert (settings.rgaa_status, settings.rgaa_label, settings.contact_email, settings.org_name) == (
        "partiel", "partiellement conforme", "a@b.fr", "le Département du Test")
    assert load_settings(WEB_ENV).rgaa_label == "non conforme"
    from mapapp.config import web_settings_problems

    bad = load_settings({**WEB_ENV, "MAPAPP_RGAA_STATUS": "conforme", "MAPAPP_CONTACT_EMAIL": "pas-une-adresse"})
    problems = "\n".join(web_settings_problems(bad))
    assert "MAPAPP_RGAA_STATUS « conforme »" in problems and "MAPAPP_CONTACT_EMAIL « pas-une-adresse »" in problems
    assert bad.rgaa_label == "non conforme"  # never claims more than it knows


def test_personal_data_quotes_the_enforced_durations(client):
    page = _page(client, "/donnees-personnelles").replace("\u00a0", " ")  # Babel keeps « 12 heures » together
    hours = int(users.SESSION_LIFETIME.total_seconds() // 3600)
    minutes = int(users.FAILURE_WINDOW.total_seconds() // 60)
    assert f"au plus {hours} heures" in page and f"{minutes} minutes après la première tentative" in page
    assert f"au-delà de {users.MAX_FAILURES}" in page
    for section in ("Comptes des partenaires", "Sessions de connexion", "Contributions", "Vos droits", "CNIL"):
        assert section in page


def test_site_map_links_every_public_page_and_the_departement_communes(client):
    page = _page(client, "/plan-du-site")
    main = page[page.index('<main id="contenu">'):page.index("</main>")]
    links = set(re.findall(r'<a href="(/[^"#]*)"', main))
    for expected in ("/", "/carte", "/accessibilite", "/rapports", "/connexion", *LEGAL_PAGES):
        assert expected in links
    assert {"/commune/96001", "/commune/96002"} <= links
    assert "/commune/96501" not in links  # buffer commune: not part of the département
    for link in links:
        assert client.get(link).status_code == 200, link


def test_nav_says_temps_d_acces_not_accessibilite(client):
    page = _page(client, "/")
    nav = page[page.index('<nav aria-label="Navigation principale">'):page.index("</nav>")]
    assert "<a href=\"/accessibilite\" >Temps d'accès</a>" in nav
    assert "Accessibilité" not in nav

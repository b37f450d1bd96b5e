"""The site form in a real headless Chromium: the address chosen among the BAN suggestions places the point and the
commune, the hours editor writes the OpenStreetMap text, the form is saved; axe-core on the form pages."""

from __future__ import annotations

import pytest

from mapapp.catalog.models_users import Revision
from tests.catalog.contrib import PASSWORD, contrib_app, contrib_settings, contrib_template, factory  # noqa: F401
from tests.web.browser import BROWSER_MARKS, axe_violations, browser, describe_violations, live, wait  # noqa: F401
from tests.web.test_record_forms import _store_addresses

pytestmark = BROWSER_MARKS


@pytest.fixture
def contrib_server(contrib_app, factory):
    _store_addresses(factory)
    with live(contrib_app) as base:
        yield base


def _login(browser, base, who="ml"):
    browser.get(f"{base}/connexion")
    browser.find_element("id", "email").send_keys(f"{who}@example.org")
    browser.find_element("id", "password").send_keys(PASSWORD)
    browser.find_element("css selector", "form.stack button[type=submit]").click()
    wait(browser, lambda d: "/connexion" not in d.current_url)


def _set_time(browser, name: str, value: str) -> None:
    """A time input set as the browser's picker does (its typed form depends on the locale): value, then change."""
    browser.execute_script("var i = document.getElementsByName(arguments[0])[0]; i.value = arguments[1];"
                           "i.dispatchEvent(new Event('change', {bubbles: true}));", name, value)


def test_fill_the_site_form_with_the_address_suggestions_and_the_hours_editor(contrib_server, browser, factory):
    from selenium.webdriver.common.keys import Keys

    _login(browser, contrib_server)
    browser.get(f"{contrib_server}/espace/lieu/test--num-1/modifier")
    wait(browser, lambda d: d.find_elements("css selector", "#point-map .leaflet-marker-icon"))
    address = browser.find_element("id", "f-adresse")
    assert address.get_attribute("role") == "combobox"
    address.clear()
    address.send_keys("12 rue des til")
    wait(browser, lambda d: d.find_elements("css selector", "#f-adresse-liste [role=option]"))
    assert browser.find_element("id", "f-adresse-liste").is_displayed()
    address.send_keys(Keys.ARROW_DOWN)
    assert address.get_attribute("aria-activedescendant") == "f-adresse-opt-0"
    address.send_keys(Keys.ENTER)  # chooses the suggestion, does not send the form
    wait(browser, lambda d: "Saint-Jo" in d.find_element("id", "commune-name").text)
    assert address.get_attribute("value") == "12 Rue des Tilleuls"
    assert browser.find_element("id", "f-code_postal").get_attribute("value") == "96200"
    assert (browser.find_element("id", "f-lon").get_attribute("value"),
            browser.find_element("id", "f-lat").get_attribute("value")) == ("2.1503", "45.0507")
    assert "/espace/demande/" not in browser.current_url

    # Hours: Friday closed, Thursday only the 1st and 3rd of the month, in the afternoon.
    text = browser.find_element("id", "f-horaires_accueil")
    assert text.get_attribute("value") == "Mo-Fr 08:30-12:00,13:30-17:00; PH off"
    for key in ("1-debut", "1-fin", "2-debut", "2-fin"):
        _set_time(browser, f"horaires_accueil-Fr-{key}", "")
    _set_time(browser, "horaires_accueil-Th-1-debut", "14:00")
    _set_time(browser, "horaires_accueil-Th-1-fin", "16:00")
    _set_time(browser, "horaires_accueil-Th-2-debut", "")
    _set_time(browser, "horaires_accueil-Th-2-fin", "")
    for week in ("1", "3"):
        box = browser.find_element("css selector", f"input[name='horaires_accueil-Th-semaines'][value='{week}']")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
        box.click()
    expected = "Mo-We 08:30-12:00,13:30-17:00; Th[1,3] 14:00-16:00; PH off"
    wait(browser, lambda d: d.find_element("id", "f-horaires_accueil").get_attribute("value") == expected)
    preview = browser.find_element("id", "f-horaires_accueil-preview").text
    assert "le 1er et le 3e jeudi du mois de 14h à 16h" in preview and "fermé les jours fériés" in preview
    # A mistake in the editor is said in French, and the expert text is left alone.
    _set_time(browser, "horaires_accueil-Mo-1-fin", "08:00")
    wait(browser, lambda d: "À corriger" in d.find_element("id", "f-horaires_accueil-preview").text)
    assert "l'heure de fin (08:00) doit suivre l'heure de début (08:30)" in \
        browser.find_element("id", "f-horaires_accueil-preview").text
    _set_time(browser, "horaires_accueil-Mo-1-fin", "12:00")
    wait(browser, lambda d: d.find_element("id", "f-horaires_accueil-preview").text.startswith("Aperçu"))

    button = browser.find_element("css selector", "button.primary")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()
    wait(browser, lambda d: "/espace/demande/" in d.current_url)
    rev_id = int(browser.current_url.rsplit("/", 1)[1])
    with factory() as s:
        data = s.get(Revision, rev_id).data
    assert data["horaires_accueil"] == expected
    assert (data["adresse"], data["code_postal"], data["lon"], data["lat"], data["commune_code"]) == \
        ("12 Rue des Tilleuls", "96200", 2.1503, 45.0507, "96002")
    logs = [e for e in browser.get_log("browser") if "Content Security Policy" in e.get("message", "")]
    assert logs == []


def test_expert_text_beyond_the_editor_sets_it_aside(contrib_server, browser):
    _login(browser, contrib_server)
    browser.get(f"{contrib_server}/espace/lieu/test--num-1/modifier")
    browser.find_element("css selector", ".hours-expert summary").click()
    text = browser.find_element("id", "f-horaires_accueil")
    text.clear()
    text.send_keys("Sep-Jun Mo 09:00-12:00")
    wait(browser, lambda d: not d.find_element("id", "f-horaires_accueil-editeur").is_displayed())
    assert browser.find_element("id", "f-horaires_accueil-editeur").get_attribute("disabled") == "true"
    assert "horaires avancés" in browser.find_element("id", "f-horaires_accueil-reason").text
    text.clear()
    text.send_keys("Tu 10:00-12:00")
    wait(browser, lambda d: d.find_element("id", "f-horaires_accueil-editeur").is_displayed())
    assert browser.find_element("name", "horaires_accueil-Tu-1-debut").get_attribute("value") == "10:00"
    assert browser.find_element("name", "horaires_accueil-Mo-1-debut").get_attribute("value") == ""


@pytest.mark.parametrize("url", ["/espace/lieu/test--num-1/modifier", "/espace/offre/test--o-num/modifier",
                                 "/espace/lieu/nouveau?structure=test--ml", "/espace/import"])
def test_the_form_pages_have_no_axe_violation(contrib_server, browser, url):
    _login(browser, contrib_server)
    browser.get(f"{contrib_server}{url}")
    wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
    found = {}
    if violations := axe_violations(browser):
        found["page"] = describe_violations(violations)
    if "modifier" in url or "nouveau" in url:  # and with errors shown: summary, messages tied to fields
        browser.execute_script("document.getElementById('f-nom').value = '';")
        button = browser.find_element("css selector", "button.primary")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
        button.click()
        wait(browser, lambda d: d.find_elements("id", "erreurs"))
        if violations := axe_violations(browser):
            found["errors"] = describe_violations(violations)
    assert not found, "\n".join(f"{what}:\n{text}" for what, text in found.items())

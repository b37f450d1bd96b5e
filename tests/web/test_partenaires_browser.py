"""The site form in a real headless Chromium, under the strict CSP: click the map, get the point and the commune."""

from __future__ import annotations

import pytest

from tests.catalog.contrib import PASSWORD, contrib_app, contrib_settings, contrib_template  # noqa: F401  (fixtures)
from tests.web.browser import BROWSER_MARKS, browser, live, wait  # noqa: F401  (fixture)

pytestmark = BROWSER_MARKS


@pytest.fixture
def contrib_server(contrib_app):
    with live(contrib_app) as base:
        yield base


def test_click_on_the_map_fills_the_point_and_the_commune(contrib_server, browser):
    from selenium.webdriver.common.action_chains import ActionChains

    browser.get(f"{contrib_server}/connexion")
    browser.find_element("id", "email").send_keys("ml@example.org")
    browser.find_element("id", "password").send_keys(PASSWORD)
    browser.find_element("css selector", "form.stack button[type=submit]").click()
    wait(browser, lambda d: "/espace/" in d.current_url)
    browser.get(f"{contrib_server}/espace/lieu/test--num-1/modifier")
    wait(browser, lambda d: d.find_elements("css selector", "#point-map .leaflet-marker-icon"))
    # Leaflet runs from static files under script-src 'self' (no inline script needed).
    assert browser.execute_script("return typeof L") == "object"
    # Never a blank map: the tiles, or (offline here) the communes' fallback under the strict CSP too.
    wait(browser, lambda d: d.find_elements("css selector", "#point-map .leaflet-tile-loaded, "
                                                            "#point-map .leaflet-mapappFallback-pane path"))
    browser.execute_script("var m = document.getElementById('point-map'); m.scrollIntoView();")
    # Centre the map on Saint-Jo (96002) and click its centre.
    browser.execute_script("document.getElementById('f-lon').value = '2.15';"
                           "document.getElementById('f-lat').value = '45.05';"
                           "document.getElementById('f-lat').dispatchEvent(new Event('change'));")
    wait(browser, lambda d: "Saint-Jo" in d.find_element("id", "commune-name").text)
    ActionChains(browser).move_to_element_with_offset(browser.find_element("id", "point-map"), 40, 30).click().perform()
    wait(browser, lambda d: d.find_element("id", "f-lon").get_attribute("value") != "2.15")
    lon = float(browser.find_element("id", "f-lon").get_attribute("value"))
    lat = float(browser.find_element("id", "f-lat").get_attribute("value"))
    assert 2.15 < lon < 2.2 and 44.99 < lat < 45.05
    # Hours preview in plain French, from the expert text (behind « Saisie experte »).
    browser.find_element("css selector", ".hours-expert summary").click()
    hours = browser.find_element("id", "f-horaires_accueil")
    hours.clear()
    hours.send_keys("Th[2] 09:00-12:00")
    wait(browser, lambda d: "2e jeudi du mois" in d.find_element("id", "f-horaires_accueil-preview").text)
    logs = [e for e in browser.get_log("browser") if "Content Security Policy" in e.get("message", "")]
    assert logs == []

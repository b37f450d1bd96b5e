"""The carte in a real headless Chromium: layers, clusters, filters, and no script injection.

Needs Debian's ``chromium`` and ``chromium-driver`` (``/usr/bin/chromedriver``)
and the ``selenium`` package; it never downloads a browser. The map tiles come
from the internet, unreachable here: the test also shows the map works without
them.
"""

from __future__ import annotations

import pytest

from tests.web.browser import BROWSER_MARKS, browser, demo_live_server, live, wait  # noqa: F401  (fixtures)
from tests.web.conftest import XSS, XSS_TEMPLATE

pytestmark = BROWSER_MARKS


@pytest.fixture
def live_server(app):
    with live(app) as base:
        yield base


def _marker_titles(driver) -> set[str]:
    return {el.get_attribute("title") for el in driver.find_elements("css selector", ".leaflet-marker-icon[title]")}


def _no_alert(driver) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - raises when no alert is open


def test_carte_layers_clusters_and_filters_in_chromium(live_server, browser):
    from selenium.webdriver.support.ui import Select

    browser.get(f"{live_server}/carte")
    wait(browser, lambda d: "Maison des Solidarités de Test" in _marker_titles(d))
    _no_alert(browser)
    assert browser.execute_script("return typeof L") == "object", "Leaflet must load from /static, not a CDN"

    titles = _marker_titles(browser)
    # Every family's markers are there (the two close partner sites are one cluster of 2).
    assert {"Maison des Solidarités de Test", "Antenne de Saint-Jo", "Permanence de la mairie",
            "France Services d'Arlenc", "Bus : arrêt de la place", "Bus : arrêt de l'école", XSS,
            "Garage solidaire " + XSS} <= titles
    assert "Ancien local fermé" not in titles  # closed: hidden by default
    clusters = [el.text for el in browser.find_elements("css selector", ".mapapp-cluster")]
    assert clusters == ["2"]
    # The hostile name is a title attribute, never markup: no injected element.
    assert browser.execute_script("return document.querySelectorAll('.leaflet-pane script').length") == 0

    # Toggle the sièges layer off in Leaflet's layer control (collapsed: it opens on hover);
    # its marker leaves the map and the legend's checkbox follows.
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).move_to_element(browser.find_element("css selector", ".leaflet-control-layers")).perform()
    wait(browser, lambda d: d.find_elements("css selector", ".leaflet-control-layers-expanded"))
    label = next(el for el in browser.find_elements("css selector", ".leaflet-control-layers-overlays label")
                 if "Département – sièges" in el.text)
    label.find_element("css selector", "input").click()
    wait(browser, lambda d: "Maison des Solidarités de Test" not in _marker_titles(d))
    assert "Antenne de Saint-Jo" in _marker_titles(browser)
    assert not browser.find_element("id", "couche-departement_siege").is_selected()

    # The legend beside the map switches layers too (keyboard: Tab to the box, Space).
    from selenium.webdriver.common.keys import Keys

    browser.find_element("id", "couche-departement_antenne").send_keys(Keys.SPACE)
    wait(browser, lambda d: "Antenne de Saint-Jo" not in _marker_titles(d))
    browser.find_element("id", "couche-departement_antenne").send_keys(Keys.SPACE)
    wait(browser, lambda d: "Antenne de Saint-Jo" in _marker_titles(d))

    # Apply a filter with the form: the URL carries it and only matching sites remain.
    Select(browser.find_element("id", "f-thematique")).select_by_value("numerique")
    browser.find_element("css selector", "form.filters button[type=submit]").click()
    wait(browser, lambda d: d.current_url.endswith("/carte?thematique=numerique"))  # empty filters not sent
    wait(browser, lambda d: XSS in _marker_titles(d))
    assert _marker_titles(browser) == {XSS}
    assert [el.text for el in browser.find_elements("css selector", ".mapapp-cluster")] == ["2"]
    # The popup of the hostile site shows its name and address as text, and runs nothing.
    marker = next(el for el in browser.find_elements("css selector", ".leaflet-marker-icon[title]")
                  if el.get_attribute("title") == XSS)
    marker.click()
    popup = wait(browser, lambda d: d.find_elements("css selector", ".leaflet-popup-content"))[0]
    text = popup.get_attribute("textContent")
    assert XSS in text and XSS_TEMPLATE in text
    assert not popup.find_elements("css selector", "script")
    _no_alert(browser)

    # Zoom in: the cluster opens into its two markers.
    browser.execute_script("""
        var map = Object.values(window).find(v => v instanceof L.Map);
        map.setView([45.03015, 2.04015], 17, {animate: false});""")
    wait(browser, lambda d: {"Point numérique 1", "Point numérique 2"} <= _marker_titles(d))
    wait(browser, lambda d: not d.find_elements("css selector", ".mapapp-cluster"))


def test_accessibilite_views_keyboard_and_sorting_in_chromium(demo_live_server, browser):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    browser.get(f"{demo_live_server}/accessibilite?theme=france_services&mode=voiture")
    wait(browser, lambda d: d.find_elements("css selector", "path.leaflet-interactive"))
    _no_alert(browser)
    n_communes = len(browser.find_elements("css selector", "#table-communes tbody tr"))
    n_zb = len(browser.find_elements("css selector", "#table-communes tbody tr.zone-blanche"))
    # the time choropleth (one path per commune) and the zones blanches outlines are drawn
    assert len(browser.find_elements("css selector", "path.leaflet-interactive")) == n_communes + n_zb

    # Keyboard: the superposition view replaces the times; the URL keeps the choice for sharing
    radio = browser.find_element("id", "vue-superposition")
    browser.execute_script("arguments[0].focus();", browser.find_element("id", "vue-temps"))
    browser.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    wait(browser, lambda d: "vue=superposition" in d.current_url)
    assert radio.is_selected() and browser.find_element("id", "a-vue").get_attribute("value") == "superposition"
    assert len(browser.find_elements("css selector", "path.leaflet-interactive")) == n_communes + n_zb
    # the zones blanches outline switches off with its box
    browser.find_element("id", "couche-zones-blanches").send_keys(Keys.SPACE)
    wait(browser, lambda d: len(d.find_elements("css selector", "path.leaflet-interactive")) == n_communes)

    # Sortable table: the header is a button; numbers sort as numbers
    button = browser.find_element("css selector", "#table-territoires thead th:nth-child(4) button")
    button.send_keys(Keys.ENTER)
    values = [float(td.get_attribute("data-sort")) for td in
              browser.find_elements("css selector", "#table-territoires tbody td:nth-of-type(3)")]
    assert values == sorted(values) and len(values) > 1
    assert button.find_element("xpath", "..").get_attribute("aria-sort") == "ascending"

    # The thresholds offered follow the mode (walk bands differ from car bands)
    Select(browser.find_element("id", "a-mode")).select_by_value("marche")
    options = [o.get_attribute("value") for o in browser.find_elements("css selector", "#a-seuils option")]
    assert options == ["15", "20", "30", "45"]
    assert browser.find_element("id", "a-seuil").get_attribute("value") == "20"  # a walk band too: kept
    browser.find_element("css selector", "form.filters button[type=submit]").click()
    wait(browser, lambda d: "mode=marche" in d.current_url and "seuil=20" in d.current_url)
    assert "à pied, seuil de 20" in browser.find_element("id", "synthese-titre").text
    _no_alert(browser)

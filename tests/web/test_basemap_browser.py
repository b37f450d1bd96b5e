"""The communes' fallback background in a real headless Chromium: names on the map with no tile server, and when tiles fail.

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package
(see :mod:`tests.web.browser`); tile servers are unreachable here, which is the
offline case the fallback is for.
"""

from __future__ import annotations

import pytest

from tests.web.browser import BROWSER_MARKS, axe_violations, browser, describe_violations, live, wait  # noqa: F401

pytestmark = BROWSER_MARKS


@pytest.fixture
def demo_server_factory(demo_env):
    """Serve the loaded demo with extra settings: ``with demo_server_factory(MAPAPP_TILES="aucun") as base``."""
    from mapapp.config import load_settings
    from mapapp.web import create_app

    def factory(**env):
        return live(create_app(load_settings({**demo_env[0], **env})))

    return factory


def _labels(driver) -> list[str]:
    return [el.text for el in driver.find_elements("css selector", ".mapapp-commune-label span") if el.text]


def _communes(driver, base) -> list[dict]:
    driver.get(f"{base}/api/communes?geometry=0")
    import json

    return json.loads(driver.find_element("tag name", "pre").text)["features"]


def test_without_tiles_the_carte_shows_commune_outlines_and_names_and_passes_axe(demo_server_factory, browser):
    with demo_server_factory(MAPAPP_TILES="aucun") as base:
        communes = _communes(browser, base)
        browser.get(f"{base}/carte")
        wait(browser, lambda d: d.find_elements("css selector", ".mapapp-fallback .leaflet-mapappFallback-pane path"))
        assert not browser.find_elements("css selector", ".leaflet-tile")  # no tile server asked
        # At the département's scale, the names of the most populated communes; more as one zooms in.
        largest = max(communes, key=lambda c: c["properties"]["population"] or 0)["properties"]["nom"]
        wait(browser, lambda d: largest in _labels(d))
        at_opening = _labels(browser)
        names = {c["properties"]["nom"] for c in communes}
        assert set(at_opening) <= names and len(at_opening) < len(names)
        zoom_in = browser.find_element("css selector", ".leaflet-control-zoom-in")
        for _ in range(3):
            zoom_in.click()
        wait(browser, lambda d: len(set(_labels(d)) - set(at_opening)) >= 3)
        assert set(_labels(browser)) <= names
        browser.save_screenshot("/tmp/i13-basemap-aucun.png")
        violations = axe_violations(browser)
        assert not violations, describe_violations(violations)


def test_when_tiles_fail_to_load_the_fallback_is_drawn_under_them(demo_server_factory, browser):
    with demo_server_factory(MAPAPP_TILES="https://tuiles.invalid/{z}/{x}/{y}.png",
                             MAPAPP_TILES_ATTRIBUTION="© Tuiles d'essai") as base:
        browser.get(f"{base}/carte")
        wait(browser, lambda d: d.find_elements("css selector", ".mapapp-fallback .leaflet-mapappFallback-pane path"),
             timeout=20)
        assert "© Tuiles d'essai" in browser.find_element("css selector", ".leaflet-control-attribution").text
        browser.save_screenshot("/tmp/i13-basemap-tileerror.png")

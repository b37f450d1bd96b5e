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


def _parent_site(target: list[str]):
    """A page of « another site » (another origin) that embeds ``target[0]`` in an iframe."""
    from werkzeug.wrappers import Response

    def app(environ, start_response):
        html = ('<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Site du Département</title></head>'
                f'<body><main><h1>Site du Département</h1><iframe id="carte" title="Carte de l\'offre" '
                f'src="{target[0]}" width="1200" height="800" onload="window.frameLoaded = true"></iframe></main>'
                '</body></html>')
        return Response(html, mimetype="text/html")(environ, start_response)

    return app


@pytest.mark.parametrize("allowed", [True, False])
def test_another_site_embeds_the_carte_only_when_its_origin_is_allowed(demo_server_factory, browser, allowed):
    target: list[str] = []
    with live(_parent_site(target)) as parent:
        parent = parent.replace("127.0.0.1", "localhost")  # another origin than the application's
        env = {"MAPAPP_TILES": "aucun", **({"MAPAPP_FRAME_ANCESTORS": parent} if allowed else {})}
        with demo_server_factory(**env) as base:
            target.append(f"{base}/carte?integrer=1")
            browser.get(f"{parent}/")
            wait(browser, lambda d: d.execute_script("return window.frameLoaded === true"))
            browser.switch_to.frame(browser.find_element("id", "carte"))
            if not allowed:
                assert not browser.find_elements("css selector", ".folium-map")  # refused by frame-ancestors
                return
            wait(browser, lambda d: _labels(d))  # the map and its communes' background, inside the frame
            assert not browser.find_elements("css selector", "nav")
            browser.save_screenshot("/tmp/i13-basemap-iframe.png")
            violations = axe_violations(browser)
            assert not violations, describe_violations(violations)

"""RGAA checks that need a real browser: axe on the legal pages, reflow at 320 px, the « Passer la carte » link.

Runs on the computed demo (:func:`tests.web.browser.demo_live_server`) in headless Chromium.
"""

from __future__ import annotations

import re

import pytest

from tests.web.browser import BROWSER_MARKS, axe_violations, browser, demo_live_server, describe_violations, wait  # noqa: F401

pytestmark = BROWSER_MARKS

LEGAL_PAGES = ["/declaration-accessibilite", "/mentions-legales", "/donnees-personnelles", "/plan-du-site"]

#: Focusable elements in the sequential (Tab) order of a page without positive tabindex, as the browser sees them.
TAB_SEQUENCE_JS = """
return Array.from(document.querySelectorAll('a[href], area[href], button, input, select, textarea, [tabindex]'))
  .filter(el => el.tabIndex >= 0 && !el.disabled && el.getClientRects().length > 0
                && getComputedStyle(el).visibility !== 'hidden');
"""


#: Tab stops inside the /accessibilite map of the demo (commune outlines, controls): 166 when measured.
MAP_TAB_STOPS_AT_LEAST = 30


def _load(driver, url: str) -> None:
    driver.get(url)
    wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")


def _relative_luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _rgb(css: str) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return r, g, b


def test_contrast_formula():
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert contrast((255, 191, 71), (255, 255, 255)) == pytest.approx(1.64, abs=0.01)  # the old focus colour


def test_legal_pages_have_no_axe_violation(demo_live_server, browser):
    found = {}
    for path in LEGAL_PAGES:
        _load(browser, demo_live_server + path)
        if violations := axe_violations(browser):
            found[path] = describe_violations(violations)
    assert not found, "\n".join(f"{path}:\n{text}" for path, text in found.items())


@pytest.mark.parametrize("path", ["/commune/96001", "/rapports"])
def test_page_reflows_at_320_px(demo_live_server, browser, path):
    browser.set_window_size(320, 900)
    _load(browser, demo_live_server + path)
    viewport = browser.execute_script("return window.innerWidth")
    assert viewport <= 320, f"la fenêtre fait {viewport} px : le test ne mesurerait rien"
    width, visible = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    # clientWidth: the window less its vertical scroll bar, what must not be exceeded.
    assert width <= visible <= 320, f"la page fait {width} px de large pour {visible} px visibles"
    # Tables scroll inside their wrapper, they are not cut off.
    wide = browser.execute_script(
        "return Array.from(document.querySelectorAll('.table-wrap')).filter(w => w.scrollWidth > w.clientWidth)"
        ".map(w => getComputedStyle(w).overflowX)")
    assert all(overflow == "auto" for overflow in wide)


def test_skip_link_comes_first_and_moves_focus_past_the_map(demo_live_server, browser):
    from selenium.webdriver.common.keys import Keys

    _load(browser, demo_live_server + "/accessibilite")
    wait(browser, lambda d: d.find_elements("css selector", "#carte .leaflet-container"))
    sequence = browser.execute_script(TAB_SEQUENCE_JS)
    region = browser.find_element("css selector", "#carte")
    in_map = [i for i, el in enumerate(sequence)
              if browser.execute_script("return arguments[0].contains(arguments[1])", region, el)]
    skip = sequence[in_map[0]]
    assert skip.get_attribute("class") == "map-skip" and skip.size["width"] <= 1  # hidden until focused
    assert browser.execute_script("return arguments[0].textContent", skip) == "Passer la carte"

    # Tab from the element before it reaches the link, which then shows, with a visible focus ring.
    browser.execute_script("arguments[0].focus()", sequence[in_map[0] - 1])
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element == skip
    assert skip.size["width"] > 50 and skip.size["height"] > 10
    style = browser.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth, s.outlineColor]", skip)
    assert style[0] == "solid" and float(style[1].rstrip("px")) >= 2
    assert contrast(_rgb(style[2]), (255, 255, 255)) >= 3, style

    # Enter follows the link: focus lands at the end of the map, and the next Tab leaves it.
    skip.send_keys(Keys.ENTER)
    wait(browser, lambda d: d.switch_to.active_element.get_attribute("class") == "map-end")
    browser.switch_to.active_element.send_keys(Keys.TAB)
    after = browser.switch_to.active_element
    assert not browser.execute_script("return arguments[0].contains(arguments[1])", region, after)
    assert browser.execute_script(  # DOCUMENT_POSITION_FOLLOWING: after the map, not back before it
        "return (arguments[0].compareDocumentPosition(arguments[1]) & 4) === 4", region, after)
    assert after.get_attribute("name") == "vue-carte"  # the legend's first control

    # Without the link, Tab walks through every commune outline, marker and control of the map first.
    browser.execute_script("arguments[0].focus()", skip)
    for _ in range(MAP_TAB_STOPS_AT_LEAST):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        assert browser.execute_script("return arguments[0].contains(arguments[1])", region,
                                      browser.switch_to.active_element)


def test_every_map_page_has_its_skip_link(demo_live_server, browser):
    for path in ("/carte", "/commune/96001"):
        _load(browser, demo_live_server + path)
        wait(browser, lambda d: d.find_elements("css selector", ".leaflet-container"))
        first = browser.execute_script(
            "const r = document.querySelector('.map-wrap');"
            "return Array.from(r.querySelectorAll('a[href], button, input, [tabindex]'))"
            ".filter(e => e.tabIndex >= 0)[0].className")
        assert first == "map-skip", path
        target = browser.find_element("css selector", ".map-wrap a.map-skip").get_attribute("href").split("#")[1]
        assert browser.find_element("id", target).get_attribute("class") == "map-end"

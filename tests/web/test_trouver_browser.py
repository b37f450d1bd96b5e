"""« Trouver une offre » in a real Chromium: a social worker fills the form by keyboard and reads the list."""

from __future__ import annotations

import re

import pytest

from tests.web.browser import BROWSER_MARKS, axe_violations, browser, demo_live_server, describe_violations, wait  # noqa: F401

pytestmark = BROWSER_MARKS


def test_form_by_keyboard_gives_a_ranked_list_without_axe_violation(demo_computed, demo_live_server, browser,
                                                                      tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from sqlalchemy import create_engine, text

    from mapapp.config import load_settings

    engine = create_engine(load_settings(demo_computed[0]).database_url)
    with engine.connect() as conn:
        nom = conn.execute(text("SELECT nom FROM commune WHERE code = '96003'")).scalar()
    engine.dispose()

    browser.get(demo_live_server + "/")
    browser.find_element(By.LINK_TEXT, "Trouver une offre").click()
    wait(browser, lambda d: d.find_elements(By.ID, "t-commune"))
    field = browser.find_element(By.ID, "t-commune")
    field.send_keys(f"{nom} (96003)")
    # Tab through the form: the position button (shown by the script), then the thématique and the public
    field.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "t-position"
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "t-theme"
    browser.switch_to.active_element.send_keys("France")  # type-ahead on the option labels
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "t-mots"  # the optional « mots-clés »
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "t-public"
    browser.switch_to.active_element.send_keys(Keys.TAB)
    active = browser.switch_to.active_element
    assert active.get_attribute("name") == "mode"
    while active.get_attribute("value") != "sans-voiture":  # arrows move within the radio group
        active.send_keys(Keys.ARROW_RIGHT)
        active = browser.switch_to.active_element
    active.send_keys(Keys.ENTER)  # submits the form
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "ol.lieux > li"))
    assert "mode=sans-voiture" in browser.current_url and "commune=" in browser.current_url
    items = browser.find_elements(By.CSS_SELECTOR, "ol.lieux > li")
    assert items
    titles = [i.find_element(By.TAG_NAME, "h3").text for i in items]
    first = items[0].text
    assert ("à pied" in first or "à vélo" in first) and "min" in first
    heading = browser.find_element(By.ID, "reponse-titre").text
    assert nom in heading
    browser.save_screenshot(str(tmp_path / "trouver.png"))
    wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
    violations = axe_violations(browser)
    assert not violations, describe_violations(violations)
    # the print view of the same answer
    browser.find_element(By.LINK_TEXT, "Version à imprimer").click()
    wait(browser, lambda d: "imprimer=1" in d.current_url)
    assert not browser.find_elements(By.TAG_NAME, "form")
    browser.save_screenshot(str(tmp_path / "imprimer.png"))
    printed = browser.find_elements(By.CSS_SELECTOR, "ol.lieux > li")
    assert printed and [p.find_element(By.TAG_NAME, "h3").text for p in printed] == titles[:len(printed)]
    # one A4 page, as Chromium prints it
    import base64

    from selenium.webdriver.common.print_page_options import PrintOptions

    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7
    pdf = base64.b64decode(browser.print_page(options))
    (tmp_path / "imprimer.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"{pages} pages A4"
    violations = axe_violations(browser)
    assert not violations, describe_violations(violations)

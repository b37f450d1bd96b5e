"""A planner in a real headless Chromium: create a scenario, click the map to add a site, compare, see a gain; axe."""

from __future__ import annotations

import uuid

from tests.test_cli_scenario import worst_commune
from tests.web.browser import BROWSER_MARKS, axe_violations, browser, demo_live_server, describe_violations, wait  # noqa: F401

pytestmark = BROWSER_MARKS
PASSWORD = "correct horse battery staple 42"


def planner(env) -> str:
    from mapapp.catalog.db import make_engine, make_sessionmaker, transaction
    from mapapp.catalog.users import create_user
    from mapapp.config import load_settings

    email = f"planif-{uuid.uuid4().hex[:8]}@example.org"
    engine = make_engine(load_settings(env).database_url)
    with transaction(make_sessionmaker(engine)) as s:
        create_user(s, email, "moderator", password=PASSWORD, moderates_all=True, name="Planificatrice")
    engine.dispose()
    return email


def test_create_click_compare_and_see_a_gain(demo_computed, demo_live_server, browser):
    from selenium.webdriver.common.action_chains import ActionChains

    env = demo_computed[0]
    base = demo_live_server
    browser.get(f"{base}/connexion")
    browser.find_element("id", "email").send_keys(planner(env))
    browser.find_element("id", "password").send_keys(PASSWORD)
    browser.find_element("css selector", "form.stack button[type=submit]").click()
    wait(browser, lambda d: "/connexion" not in d.current_url)

    browser.get(f"{base}/scenarios/")
    assert not (found := axe_violations(browser)), describe_violations(found)
    browser.find_element("id", "s-title").send_keys("Une permanence famille")
    browser.find_element("css selector", "#s-title ~ .actions button, form.stack .actions button").click()
    wait(browser, lambda d: d.find_elements("id", "point-map"))
    assert "Aucune modification" in browser.page_source

    # Centre the map on the commune that lacks a family service most, then click just below the centre.
    code, lon, lat = worst_commune(env)
    wait(browser, lambda d: d.execute_script("return typeof L") == "object")
    browser.execute_script("document.getElementById('point-map').scrollIntoView();"
                           f"document.getElementById('f-lon').value = '{lon}';"
                           f"document.getElementById('f-lat').value = '{lat}';"
                           "document.getElementById('f-lat').dispatchEvent(new Event('change'));")
    wait(browser, lambda d: "(" in d.find_element("id", "commune-name").text)
    ActionChains(browser).move_to_element_with_offset(browser.find_element("id", "point-map"), 0, 12).click().perform()
    wait(browser, lambda d: d.find_element("id", "f-lon").get_attribute("value") != str(lon))
    clicked = float(browser.find_element("id", "f-lon").get_attribute("value"))
    assert abs(clicked - lon) < 0.05
    browser.find_element("id", "f-nom").send_keys("Permanence famille")
    browser.find_element("css selector", "input[name=theme][value=famille]").click()
    browser.find_element("css selector", "#add-site button[type=submit]").click()
    wait(browser, lambda d: "Modification ajoutée" in d.page_source)
    assert "Ouvrir un lieu « Permanence famille »" in browser.page_source
    assert not (found := axe_violations(browser)), describe_violations(found)

    browser.find_element("xpath", "//button[normalize-space()='Comparer']").click()
    wait(browser, lambda d: d.find_elements("id", "comparison-table"), timeout=90)
    table = browser.find_element("id", "comparison-table")
    row = next(r for r in table.find_elements("css selector", "tbody tr")
               if r.find_elements("tag name", "td")[0].text == "en voiture"
               and r.find_elements("tag name", "td")[1].text == "Famille")
    gained = int("".join(ch for ch in row.find_elements("tag name", "td")[2].text if ch.isdigit()))
    assert gained > 0
    assert browser.find_element("partial link text", "XLSX").get_attribute("href").endswith("/export.xlsx")
    wait(browser, lambda d: "commune(s) changent" in d.find_element("id", "diff-summary").text)
    assert not (found := axe_violations(browser)), describe_violations(found)
    logs = [e for e in browser.get_log("browser") if "Content Security Policy" in e.get("message", "")]
    assert logs == []

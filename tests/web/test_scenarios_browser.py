"""A planner in a real headless Chromium: create a scenario, click the map to add a site, compare (for everyone,
then for young people), see a gain, export the PDF; axe."""

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


def test_create_click_compare_see_a_gain_and_export_the_pdf(demo_computed, demo_live_server, browser, tmp_path):
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

    # The same comparison for young people only: chosen on the page, computed, its own table and exports.
    # Their offers are a part of everyone's: whoever the new site brings within the threshold for
    # everyone was beyond it for them too, so they gain at least as many.
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", "f-public")).select_by_value("jeunes")
    browser.find_element("css selector", "#compare-with button[type=submit]").click()
    wait(browser, lambda d: "public=jeunes" in d.current_url)
    assert "Comparaison avec la situation actuelle : Jeunes" in browser.page_source
    browser.find_element("xpath", "//button[normalize-space()='Comparer']").click()
    wait(browser, lambda d: d.find_elements("id", "comparison-public"), timeout=90)
    table = browser.find_element("id", "comparison-table")
    assert "(Jeunes)" in table.find_element("tag name", "caption").text
    row = next(r for r in table.find_elements("css selector", "tbody tr")
               if r.find_elements("tag name", "td")[0].text == "en voiture"
               and r.find_elements("tag name", "td")[1].text == "Famille")
    young = int("".join(ch for ch in row.find_elements("tag name", "td")[2].text if ch.isdigit()))
    assert young >= gained
    assert browser.find_element("partial link text", "XLSX").get_attribute("href").endswith(
        "/export.xlsx?public=jeunes")
    assert not (found := axe_violations(browser)), describe_violations(found)

    # The PDF « avant / après »: a job page that refreshes itself, then the download.
    downloads = tmp_path / "telechargements"
    downloads.mkdir()
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    browser.find_element("id", "pdf-link").click()
    wait(browser, lambda d: [p for p in downloads.glob("*.pdf")], timeout=120)
    pdf = next(downloads.glob("*.pdf"))
    wait(browser, lambda d: pdf.stat().st_size > 0 and not list(downloads.glob("*.crdownload")), timeout=30)
    assert pdf.name.startswith("scenario-") and pdf.read_bytes()[:5] == b"%PDF-"
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Une permanence famille" in text and "Permanence famille" in text


def test_best_place_on_the_map_added_in_one_click(demo_computed, demo_live_server, browser):
    env, base = demo_computed[0], demo_live_server
    browser.get(f"{base}/connexion")
    browser.find_element("id", "email").send_keys(planner(env))
    browser.find_element("id", "password").send_keys(PASSWORD)
    browser.find_element("css selector", "form.stack button[type=submit]").click()
    wait(browser, lambda d: "/connexion" not in d.current_url)
    browser.get(f"{base}/scenarios/")
    browser.find_element("id", "s-title").send_keys("Meilleur lieu")
    browser.find_element("css selector", "#s-title ~ .actions button, form.stack .actions button").click()
    wait(browser, lambda d: d.find_elements("id", "proposal-form"))
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", "p-theme")).select_by_value("famille")
    k = browser.find_element("id", "p-k")
    k.clear()
    k.send_keys("2")
    browser.find_element("css selector", "#proposal-form button[type=submit]").click()
    wait(browser, lambda d: d.find_elements("id", "proposals-table"), timeout=120)
    wait(browser, lambda d: len(d.find_elements("css selector", "#proposals-map .leaflet-tooltip")) == 2)
    assert not (found := axe_violations(browser)), describe_violations(found)
    first = browser.find_element("css selector", "#proposals-table tbody tr td:nth-child(2)").text
    browser.find_element("xpath", "//button[normalize-space()='Ajouter au scénario']").click()
    wait(browser, lambda d: "Modification ajoutée" in d.page_source)
    assert f"Ouvrir un lieu « Nouveau lieu – {first} »" in browser.page_source

"""The address combobox of « Trouver une offre » in a real Chromium: type, see suggestions, choose by keyboard."""

from __future__ import annotations

import pytest

from tests.web.browser import BROWSER_MARKS, axe_violations, browser, demo_live_server, describe_violations, wait  # noqa: F401

pytestmark = BROWSER_MARKS


def test_type_an_address_choose_it_by_keyboard_and_get_human_times(demo_computed, demo_live_server, browser,
                                                                     tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from sqlalchemy import create_engine, text

    from mapapp.config import load_settings

    engine = create_engine(load_settings(demo_computed[0]).database_url)
    with engine.connect() as conn:
        street, commune = conn.execute(text(
            "SELECT nom_voie, nom_commune FROM address WHERE numero = 5 AND code_insee <> '96001' "
            "ORDER BY id")).first()
    engine.dispose()

    browser.get(demo_live_server + "/trouver")
    field = wait(browser, lambda d: d.find_element(By.ID, "t-adresse"))
    assert field.get_attribute("role") == "combobox" and field.get_attribute("aria-expanded") == "false"
    field.send_keys(f"5 {street.lower()} {commune[:4]}")
    listbox = browser.find_element(By.ID, "t-adresse-liste")
    wait(browser, lambda d: listbox.is_displayed() and listbox.find_elements(By.CSS_SELECTOR, "[role=option]"))
    assert field.get_attribute("aria-expanded") == "true"
    options = listbox.find_elements(By.CSS_SELECTOR, "[role=option]")
    wanted = f"5 {street}, "
    assert options[0].text.startswith(wanted) and commune in options[0].text, [o.text for o in options]
    assert "suggestion" in browser.find_element(By.ID, "t-adresse-etat").get_attribute("textContent")
    browser.save_screenshot(str(tmp_path / "suggestions.png"))
    violations = axe_violations(browser)  # with the list open
    assert not violations, describe_violations(violations)

    field.send_keys(Keys.ARROW_DOWN)
    assert field.get_attribute("aria-activedescendant") == options[0].get_attribute("id")
    assert options[0].get_attribute("aria-selected") == "true"
    if len(options) > 1:  # down then up comes back to the first
        field.send_keys(Keys.ARROW_DOWN)
        assert field.get_attribute("aria-activedescendant") == options[1].get_attribute("id")
        field.send_keys(Keys.ARROW_UP)
    chosen = options[0].text.split(" – ")[0]
    field.send_keys(Keys.ENTER)  # chooses; does not send the form
    assert field.get_attribute("value") == chosen
    assert not listbox.is_displayed() and field.get_attribute("aria-expanded") == "false"
    assert browser.current_url.endswith("/trouver")

    # Escape closes a list opened again
    field.send_keys(Keys.BACK_SPACE)
    wait(browser, lambda d: listbox.is_displayed())
    field.send_keys(Keys.ESCAPE)
    assert not listbox.is_displayed()
    field.send_keys(chosen[-1])

    browser.find_element(By.ID, "t-mode-voiture").click()
    field.send_keys(Keys.ENTER)  # list closed: Enter sends the form
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "ol.lieux > li"))
    assert "adresse=" in browser.current_url
    heading = browser.find_element(By.ID, "reponse-titre").text
    assert chosen in heading
    times = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "ol.lieux .temps")]
    assert times and all("min" in t or " h" in t for t in times) and not any("," in t for t in times)
    # the map: the starting point and every listed place (the list stays the answer)
    places = browser.find_elements(By.CSS_SELECTOR, "ol.lieux > li")
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon")) >= len(places) + 1)
    titles = [m.get_attribute("title") for m in browser.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon")]
    assert any(t.startswith("Départ : ") and chosen in t for t in titles)
    assert {f"{i}." for i in range(1, len(places) + 1)} <= {t.split(" ")[0] for t in titles}
    region = browser.find_element(By.CSS_SELECTOR, "[aria-label='Carte du point de départ et des lieux trouvés']")
    browser.execute_script("arguments[0].scrollIntoView()", region)
    browser.save_screenshot(str(tmp_path / "resultats-adresse.png"))
    violations = axe_violations(browser)
    assert not violations, describe_violations(violations)


def test_embedded_mode_keeps_the_answer_and_drops_the_site_header(demo_computed, demo_live_server, browser):
    from selenium.webdriver.common.by import By

    browser.get(demo_live_server + "/trouver?integrer=1&commune=96001&theme=france_services&mode=voiture")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "ol.lieux > li"))
    assert not browser.find_elements(By.CSS_SELECTOR, "nav[aria-label='Navigation principale']")
    assert browser.find_element(By.CSS_SELECTOR, "input[name=integrer]").get_attribute("value") == "1"
    assert browser.find_elements(By.CSS_SELECTOR, ".leaflet-container")
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "ouvrir dans un nouvel onglet").get_attribute("href")
    assert "integrer" not in link and "commune=96001" in link

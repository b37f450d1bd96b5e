"""The guides page and the professional view in a real Chromium, with axe-core on each new page."""

from __future__ import annotations

import os
import shutil

import pytest

from mapapp.catalog.db import transaction
from mapapp.catalog.models import Offer, Structure
from mapapp.catalog.users import create_user
from tests.catalog.contrib import PASSWORD, contrib_settings, contrib_template, factory  # noqa: F401
from tests.web.browser import BROWSER_MARKS, axe_violations, browser, describe_violations, live, wait  # noqa: F401

pytestmark = BROWSER_MARKS

NOTE = "Appeler la référente le mardi avant d'orienter"


@pytest.fixture
def guide_app(contrib_settings, factory):
    from mapapp.web import create_app

    with transaction(factory) as s:
        create_user(s, "pro@example.org", "professional", password=PASSWORD, name="Référente RSA")
        ml = s.get(Structure, "test--ml")
        ml.contact_pro_telephone, ml.note_orientation = "05 99 00 11 22", NOTE
        s.get(Offer, "test--o-num").note_orientation = "Fiche de liaison obligatoire"
    return create_app(contrib_settings, MAPAPP_JOB_WAIT=120)


def _shot(browser, tmp_path, name: str) -> None:
    browser.save_screenshot(str(tmp_path / name))
    keep = os.environ.get("MAPAPP_SCREENSHOTS")  # a folder to look at them after the run
    if keep:
        shutil.copy(tmp_path / name, keep)


def _no_violation(browser, where: str) -> None:
    violations = axe_violations(browser)
    assert not violations, f"{where} :\n{describe_violations(violations)}"


def test_guide_form_to_easy_to_read_guide(guide_app, browser, tmp_path):
    from selenium.webdriver.common.by import By

    with live(guide_app) as base:
        browser.get(base + "/")
        browser.find_element(By.LINK_TEXT, "Guides à imprimer").click()
        wait(browser, lambda d: d.find_elements(By.ID, "guide-form"))
        assert not browser.find_elements(By.ID, "g-pro")  # no professional version for the public
        _no_violation(browser, "/guide")
        _shot(browser, tmp_path, "guide-formulaire.png")
        from selenium.webdriver.support.ui import Select

        Select(browser.find_element(By.ID, "g-unit")).select_by_value("territoire_action_sociale:TAS1")
        for box in browser.find_elements(By.CSS_SELECTOR, "input[name=theme]:checked"):
            box.click()
        browser.find_element(By.CSS_SELECTOR, "label[for=g-theme-numerique]").click()
        browser.find_element(By.CSS_SELECTOR, "label[for=g-variant-facile]").click()
        browser.find_element(By.CSS_SELECTOR, "label[for=g-format-html]").click()
        browser.find_element(By.CSS_SELECTOR, "#guide-form button[type=submit]").click()
        heading = wait(browser, lambda d: d.find_elements(By.TAG_NAME, "h1"), timeout=60)[0]
        assert heading.text.startswith("Guide facile à lire")
        assert "variant=facile" in browser.current_url and "theme=numerique" in browser.current_url
        titles = [h.text for h in browser.find_elements(By.TAG_NAME, "h2")]
        assert titles == ["Pour utiliser internet et l'ordinateur"]
        offers = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "article.offre h3")]
        assert offers == ["Ateliers numériques"]
        qr = browser.find_element(By.CSS_SELECTOR, "article.offre .qr img")
        assert qr.get_attribute("alt").startswith("QR code") and browser.execute_script(
            "return arguments[0].naturalWidth", qr) > 0  # the SVG was drawn
        _no_violation(browser, "guide facile")
        _shot(browser, tmp_path, "guide-facile.png")


def test_professional_view_of_fiches_and_guide(guide_app, browser, tmp_path):
    from selenium.webdriver.common.by import By

    with live(guide_app) as base:
        browser.get(base + "/offre/test--o-num")
        assert "Réservé aux professionnels" not in browser.page_source
        browser.get(base + "/connexion")
        browser.find_element(By.ID, "email").send_keys("pro@example.org")
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
        wait(browser, lambda d: d.current_url.endswith("/guide"))
        assert browser.find_element(By.ID, "g-pro")
        nav = browser.find_element(By.CSS_SELECTOR, "nav[aria-label='Navigation principale']").text
        assert "Espace professionnel" in nav and "Espace contributeurs" not in nav
        _no_violation(browser, "/guide (professionnel)")
        _shot(browser, tmp_path, "guide-pro-formulaire.png")

        browser.get(base + "/offre/test--o-num")
        block = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".pro"))
        assert "05 99 00 11 22" in block.text and NOTE in block.text and "Fiche de liaison obligatoire" in block.text
        _no_violation(browser, "fiche offre (professionnel)")
        _shot(browser, tmp_path, "fiche-offre-pro.png")

        browser.get(base + "/guide")
        for box in browser.find_elements(By.CSS_SELECTOR, "input[name=theme]:checked"):
            box.click()
        browser.find_element(By.CSS_SELECTOR, "label[for=g-theme-numerique]").click()
        browser.find_element(By.CSS_SELECTOR, "label[for=g-format-html]").click()
        browser.find_element(By.ID, "g-pro").click()
        browser.find_element(By.CSS_SELECTOR, "#guide-form button[type=submit]").click()
        wait(browser, lambda d: "pro=1" in d.current_url and d.find_elements(By.CSS_SELECTOR, "article.offre"),
             timeout=60)
        text = browser.find_element(By.TAG_NAME, "body").text
        assert "Version professionnelle" in text and NOTE in text
        _no_violation(browser, "guide professionnel")
        _shot(browser, tmp_path, "guide-pro.png")

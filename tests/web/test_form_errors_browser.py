"""Form errors in a real Chromium: the summary is focused on load, its links reach the fields, axe finds nothing.

RGAA 11.10 / 11.11: each error has an id, its input ``aria-invalid`` and
``aria-describedby``, and a summary « N erreurs : » links to the fields.
"""

from __future__ import annotations

from tests.catalog.contrib import PASSWORD, contrib_app, contrib_settings, contrib_template  # noqa: F401
from tests.web.browser import BROWSER_MARKS, axe_violations, browser, describe_violations, live, wait  # noqa: F401

pytestmark = BROWSER_MARKS


def _submit(driver, selector: str = "form.stack button[type=submit]"):
    from selenium.webdriver.common.by import By

    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    wait(driver, lambda d: old != d.find_element(By.TAG_NAME, "html"))
    wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")


def _active_id(driver) -> str:
    return driver.execute_script("return document.activeElement && document.activeElement.id")


def _log_in(driver, base: str, email: str, password: str):
    from selenium.webdriver.common.by import By

    driver.get(base + "/connexion")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(password)
    _submit(driver)


def test_login_error_is_announced_focused_and_tied_to_the_fields(contrib_app, browser):
    from selenium.webdriver.common.by import By

    with live(contrib_app) as base:
        _log_in(browser, base, "ml@example.org", "pas le bon mot de passe")
        wait(browser, lambda d: _active_id(d) == "erreurs")
        summary = browser.find_element(By.ID, "erreurs")
        assert summary.find_element(By.TAG_NAME, "h2").text.startswith("1 erreur :")
        for fid in ("email", "password"):
            field = browser.find_element(By.ID, fid)
            assert field.get_attribute("aria-invalid") == "true"
            assert field.get_attribute("aria-describedby") == "email-err"
        violations = axe_violations(browser)
        assert not violations, describe_violations(violations)
        summary.find_element(By.CSS_SELECTOR, "a[href='#email']").click()
        assert _active_id(browser) == "email"


def test_partner_form_with_two_errors_has_a_linked_summary_and_no_axe_violation(contrib_app, browser):
    from selenium.webdriver.common.by import By

    with live(contrib_app) as base:
        _log_in(browser, base, "ml@example.org", PASSWORD)
        browser.get(base + "/espace/offre/test--o-num/modifier")
        nom = browser.find_element(By.ID, "f-nom")
        nom.clear()
        browser.find_element(By.CSS_SELECTOR, ".hours-expert summary").click()  # the expert text, behind the editor
        hours = browser.find_element(By.ID, "f-horaires_accueil")
        hours.clear()
        hours.send_keys("lundi")
        _submit(browser, "form.stack button[name=action][value=draft]")
        wait(browser, lambda d: _active_id(d) == "erreurs")
        summary = browser.find_element(By.ID, "erreurs")
        assert summary.find_element(By.TAG_NAME, "h2").text.startswith("2 erreurs :")
        links = summary.find_elements(By.TAG_NAME, "a")
        assert [a.get_attribute("hash") for a in links] == ["#f-nom", "#f-horaires_accueil"]
        violations = axe_violations(browser)
        assert not violations, describe_violations(violations)
        links[1].click()
        assert _active_id(browser) == "f-horaires_accueil"
        described = browser.find_element(By.ID, "f-horaires_accueil").get_attribute("aria-describedby").split()
        assert "f-horaires_accueil-err" in described
        assert browser.find_element(By.ID, "f-horaires_accueil-err").text

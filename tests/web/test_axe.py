"""axe-core (WCAG 2.1 A and AA rules) on the public pages of the computed demo and the settings admin page, in Chromium.

Each page is loaded, its scripts given time to draw, and axe-core run on the
whole document; the test lists every violation it finds.
"""

from __future__ import annotations

import pytest

from tests.catalog.contrib import contrib_app, contrib_settings, contrib_template  # noqa: F401,E402
from tests.web.browser import BROWSER_MARKS, axe_violations, browser, demo_live_server, describe_violations, wait  # noqa: F401

pytestmark = BROWSER_MARKS

PAGES = ["/", "/carte", "/accessibilite", "/commune/96001", "/rapports", "/connexion"]


def test_public_pages_have_no_axe_violation(demo_live_server, browser):
    found = {}
    for path in PAGES:
        browser.get(demo_live_server + path)
        wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
        violations = axe_violations(browser)
        if violations:
            found[path] = describe_violations(violations)
    assert not found, "\n".join(f"{path}:\n{text}" for path, text in found.items())


def test_axe_finds_a_real_violation(browser):
    """The harness itself: a page with an image without text alternative is reported (so a pass means something)."""
    browser.get("data:text/html;charset=utf-8,<html lang=fr><title>t</title><main><img src='x.png'></main></html>")
    assert "image-alt" in {v["id"] for v in axe_violations(browser)}


def test_offer_and_site_fiches_have_no_axe_violation(demo_computed, demo_live_server, browser):
    """An offer fiche and a site fiche of the demo (mobilisation, verification, « Autres lieux proches »)."""
    from sqlalchemy import create_engine, text

    from mapapp.config import load_settings

    engine = create_engine(load_settings(demo_computed[0]).database_url)
    with engine.connect() as conn:
        offer_id = conn.execute(text("SELECT offer_id FROM offer_site GROUP BY offer_id ORDER BY offer_id LIMIT 1")).scalar()
        site_id = conn.execute(text("SELECT site_id FROM offer_site GROUP BY site_id "
                                    "ORDER BY count(*) DESC, site_id LIMIT 1")).scalar()
    engine.dispose()
    found = {}
    for path in (f"/offre/{offer_id}", f"/site/{site_id}"):
        browser.get(demo_live_server + path)
        wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
        assert "Autres lieux proches" in browser.page_source, path
        violations = axe_violations(browser)
        if violations:
            found[path] = describe_violations(violations)
    assert not found, "\n".join(f"{path}:\n{text}" for path, text in found.items())


def test_settings_admin_page_has_no_axe_violation(contrib_app, browser):
    """/admin/parametres logged in as an administrator, after an upload with errors (the error list shown too)."""
    from tests.catalog.contrib import PASSWORD
    from tests.web.browser import live

    with live(contrib_app) as base:
        browser.get(f"{base}/connexion")
        browser.find_element("id", "email").send_keys("admin@example.org")
        browser.find_element("id", "password").send_keys(PASSWORD)
        browser.find_element("css selector", "form.stack button[type=submit]").click()
        wait(browser, lambda d: "/connexion" not in d.current_url)
        found = {}
        browser.get(f"{base}/admin/parametres/")
        wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
        assert "Paramètres d'accessibilité" in browser.title
        if violations := axe_violations(browser):
            found["page"] = describe_violations(violations)
        browser.find_element("id", "s-seuil").send_keys("zéro")
        browser.find_element("css selector", "#modifier-seuils + form button[type=submit]").click()
        wait(browser, lambda d: d.find_elements("id", "problemes"))
        if violations := axe_violations(browser):
            found["errors"] = describe_violations(violations)
    assert not found, "\n".join(f"{what}:\n{text}" for what, text in found.items())


@pytest.fixture(scope="module")
def observatoire_server(demo_computed, tmp_path_factory):
    """A copy of the computed demo with two dated snapshots and the 2SFCA score of ``make demo``, served live."""
    import datetime as dt
    import shutil
    from pathlib import Path

    from click.testing import CliRunner

    from mapapp.catalog.db import make_engine, make_sessionmaker, transaction
    from mapapp.catalog.history import apply_live, live_object, record_to_data
    from mapapp.cli import main
    from mapapp.config import load_settings
    from mapapp.snapshots import take_snapshot
    from mapapp.web import create_app
    from tests.web.browser import live

    source = Path(demo_computed[0]["MAPAPP_DATA_DIR"])
    target = tmp_path_factory.mktemp("axe-observatoire") / "var"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("cache", "snapshots", ".rebuild-*"))
    (target / "cache").symlink_to(source / "cache", target_is_directory=True)
    env = {**demo_computed[0], "MAPAPP_DATA_DIR": str(target)}
    settings = load_settings(env)
    take_snapshot(settings, dt.date(2026, 3, 1))
    engine = make_engine(settings.database_url)
    with transaction(make_sessionmaker(engine)) as session:  # a change between the two dates: a closed site
        site = record_to_data(live_object(session, "sites", "demo--site-0001"), "sites")
        apply_live(session, "sites", {**site, "status": "closed"}, user=None, action="update")
    engine.dispose()
    take_snapshot(settings, dt.date(2026, 4, 1))
    result = CliRunner().invoke(main, ["territory", "2sfca", "--indicateur", "rsa", "--theme", "france_services"],
                                env=env)
    assert result.exit_code == 0, result.output
    with live(create_app(settings)) as base:
        yield base


#: The observatoire's pages (issue 16): need against supply (bivariate map, 2SFCA view, vulnerability table),
#: the comparison of two dates, and pages at a date (« Situation au … »).
OBSERVATOIRE_PAGES = [
    "/observatoire/besoins?indicateur=rsa&theme=france_services&mode=voiture&grid=canton",
    "/observatoire/besoins?date=2026-03-01&grid=territoire_action_sociale",
    "/observatoire/evolution",
    "/observatoire/evolution?d1=2026-03-01&d2=2026-04-01&grid=territoire_action_sociale&mode=marche",
    "/accessibilite?date=2026-03-01&theme=france_services&mode=voiture",
    "/commune/96001?date=2026-03-01",
]


def test_observatoire_pages_have_no_axe_violation(observatoire_server, browser):
    found = {}
    for path in OBSERVATOIRE_PAGES:
        browser.get(observatoire_server + path)
        wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
        assert "Traceback" not in browser.page_source and "Impossible d'afficher" not in browser.page_source, path
        if violations := axe_violations(browser):
            found[path] = describe_violations(violations)
    assert not found, "\n".join(f"{path}:\n{text}" for path, text in found.items())


def test_2sfca_view_of_the_map_has_no_axe_violation(observatoire_server, browser):
    """The second view of /observatoire/besoins, chosen in the map's layer control (a radio button)."""
    browser.get(observatoire_server + "/observatoire/besoins")
    wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
    assert "Score 2SFCA (second fond de carte" in browser.page_source
    labels = [e for e in browser.find_elements("css selector", ".leaflet-control-layers label")
              if "Score 2SFCA" in e.get_attribute("textContent")]
    assert labels, "no « Score 2SFCA » choice in the layer control"
    browser.execute_script("arguments[0].click()", labels[0].find_element("css selector", "input"))
    wait(browser, lambda d: labels[0].find_element("css selector", "input").is_selected())
    violations = axe_violations(browser)
    assert not violations, describe_violations(violations)

"""Pages and reports say when the results predate the catalog's last changes, until the next compute (issue 11 §6)."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from mapapp.catalog.db import transaction
from mapapp.catalog.models import Site
from mapapp.config import load_settings
from tests.catalog.test_inputs_state import copy_of_demo  # noqa: F401  (fixture)


def test_pages_and_reports_say_results_are_stale_until_the_next_compute(copy_of_demo):
    from mapapp.cli import main
    from mapapp.web import create_app

    env, factory = copy_of_demo
    app = create_app(load_settings(env))
    app.config["MAPAPP_JOB_WAIT"] = 120  # the report's job is awaited, not polled
    client = app.test_client()
    pages = ["/accessibilite", "/commune/96001", "/rapports"]
    for page in pages:
        assert "stale-results" not in client.get(page).get_data(as_text=True), page
    with transaction(factory) as s:
        site = s.scalars(select(Site).order_by(Site.id)).first()
        site.lat += 0.02
    for page in pages:
        text = client.get(page).get_data(as_text=True)
        assert "stale-results" in text and "avant les dernières modifications" in text, page
    html = client.get("/rapport?format=html&theme=france_services")
    assert html.status_code == 200 and "avant les dernières modifications" in html.get_data(as_text=True)
    result = CliRunner().invoke(main, ["compute", "--workers", "1"], env=env)
    assert result.exit_code == 0, result.output
    for page in pages:
        assert "stale-results" not in client.get(page).get_data(as_text=True), page


def test_an_administrator_recomputes_from_the_web_and_others_cannot(copy_of_demo):
    import re

    from mapapp.catalog.users import create_user
    from mapapp.web import create_app
    from tests.catalog.contrib import PASSWORD, csrf, logged_in

    env, factory = copy_of_demo
    with transaction(factory) as s:
        create_user(s, "admin@example.org", "admin", password=PASSWORD, name="Admin")
        create_user(s, "modo@example.org", "moderator", password=PASSWORD, name="Modo", moderates_all=True)
        site = s.scalars(select(Site).order_by(Site.id)).first()
        site.lat += 0.02
    app = create_app(load_settings(env))
    anonymous = app.test_client()
    page = anonymous.get("/accessibilite").get_data(as_text=True)
    assert "stale-results" in page and "Recalculer maintenant" not in page
    assert anonymous.post("/recalcul", data={"csrf_token": csrf(anonymous)}).status_code == 302  # to the login
    moderator = logged_in(app, "modo")
    assert moderator.post("/recalcul", data={"csrf_token": csrf(moderator)}).status_code == 403

    admin = logged_in(app, "admin")
    page = admin.get("/accessibilite").get_data(as_text=True)
    assert "Recalculer maintenant" in page
    assert admin.post("/recalcul", data={}).status_code == 400  # no CSRF token
    response = admin.post("/recalcul", data={"csrf_token": csrf(admin, "/accessibilite")})
    assert response.status_code == 302
    job = re.search(r"job=(\w+)", response.headers["Location"]).group(1)
    runner = app.extensions["mapapp.jobs"]
    runner.wait(job, 600)
    done = admin.get(f"/recalcul?job={job}").get_data(as_text=True)
    assert "Calcul terminé" in done and "Total" in done
    assert "stale-results" not in admin.get("/accessibilite").get_data(as_text=True)
    assert admin.get("/recalcul?job=0000").status_code == 404


def test_new_settings_make_the_results_stale_and_compute_follows_them(copy_of_demo):
    from mapapp.catalog.settings_store import current_text, import_settings
    from mapapp.cli import main
    from mapapp.results import ResultStore
    from mapapp.web import create_app

    env, factory = copy_of_demo
    client = create_app(load_settings(env)).test_client()
    assert "stale-results" not in client.get("/accessibilite").get_data(as_text=True)
    with transaction(factory) as s:
        text = current_text(s).replace("seuil_voiture = 20", "seuil_voiture = 25", 1)
        import_settings(s, text, author="test", comment="25 min")
    import html

    page = html.unescape(client.get("/accessibilite").get_data(as_text=True))
    assert "stale-results" in page and "réglages de méthode ou d'accessibilité" in page
    result = CliRunner().invoke(main, ["compute", "--workers", "1", "--mode", "car"], env=env)
    assert result.exit_code == 0, result.output
    manifest = ResultStore(load_settings(env).data_dir / "results").manifest("car")
    assert 25.0 in [t["thresholds"]["car"]["main_min"] for t in manifest.themes]

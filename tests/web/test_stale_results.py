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

"""Comparing a scenario through the pages on the computed demo: the job, the stored comparison, the exports."""

from __future__ import annotations

import html
import io
import re

import pytest

from tests.catalog.contrib import csrf
from tests.test_cli_scenario import worst_commune
from tests.web.test_scenarios_browser import PASSWORD, planner


@pytest.fixture
def demo_planner(demo_computed):
    from mapapp.config import load_settings
    from mapapp.web import create_app

    env = demo_computed[0]
    app = create_app(load_settings(env), MAPAPP_JOB_WAIT=120)
    client = app.test_client()
    email = planner(env)
    r = client.post("/connexion", data={"email": email, "password": PASSWORD, "csrf_token": csrf(client)})
    assert r.status_code == 302
    return env, app, client


def test_compare_then_export_xlsx_and_gpkg(demo_planner):
    env, app, client = demo_planner
    token = csrf(client, "/scenarios/")
    r = client.post("/scenarios/", data={"title": "Web", "csrf_token": token})
    number = int(re.search(r"/scenarios/(\d+)", r.headers["Location"]).group(1))
    code, lon, lat = worst_commune(env)
    client.post(f"/scenarios/{number}/modifications", data={"kind": "add_site", "lon": lon, "lat": lat,
                                                            "theme": "famille", "csrf_token": token})
    assert client.get(f"/scenarios/{number}/export.xlsx").status_code == 404  # not compared yet
    r = client.post(f"/scenarios/{number}/comparer", data={"csrf_token": token}, follow_redirects=True)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    page = r.get_data(as_text=True)
    assert 'id="comparison-table"' in page and "Famille" in page
    runner = app.extensions["mapapp.jobs"]
    started = runner.started
    assert client.get(f"/scenarios/{number}/comparaison").status_code == 302  # stored: no new job
    assert runner.started == started

    diff = client.get(f"/scenarios/{number}/differences.json?mode=car&theme=famille").get_json()["communes"]
    assert diff[code]["gained"] > 0 and all(v["lost"] == 0 for v in diff.values())

    from openpyxl import load_workbook

    xlsx = client.get(f"/scenarios/{number}/export.xlsx")
    assert xlsx.status_code == 200
    wb = load_workbook(io.BytesIO(xlsx.data), read_only=True)
    assert wb.sheetnames == ["Modifications", "Territoires", "Communes"]
    gpkg = client.get(f"/scenarios/{number}/export.gpkg")
    assert gpkg.status_code == 200 and gpkg.data[:16] == b"SQLite format 3\x00"

    # A new change makes the stored comparison obsolete: the page offers « Comparer » again.
    client.post(f"/scenarios/{number}/modifications", data={"kind": "set_hours", "site_id": "",
                                                            "horaires_accueil": "Mo 09:00-12:00",
                                                            "csrf_token": token})
    site = re.search(r'<select id="f-move" name="site_id"><option value="([^"]+)"', page).group(1)
    client.post(f"/scenarios/{number}/modifications", data={"kind": "move_site", "site_id": site, "lon": lon,
                                                            "lat": lat, "csrf_token": token})
    page = html.unescape(client.get(f"/scenarios/{number}").get_data(as_text=True))
    assert "Déplacer un lieu" in page and ">Comparer</button>" in page
    assert "La modification n'a pas été ajoutée : Identifiant du lieu manquant." in page  # set_hours without a site
    assert "Changer les horaires" not in page.split('id="changes"')[1].split("</ol>")[0]

"""The « Évolution » page, the exports of a comparison and ``?date=`` on the pages and API (issue 16 §1–2).

On a copy of the computed demo: two live snapshots a day apart with a catalog change in between
(cheap: no compute), so the catalog part of the comparison shows; the access part is the same
results twice (no change), which the page says.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import shutil
import zipfile
from pathlib import Path

import pytest

from mapapp.catalog.db import make_engine, make_sessionmaker, transaction
from mapapp.config import load_settings
from mapapp.snapshots import list_snapshots, snapshots_root, take_snapshot
from mapapp.web import create_app
from tests.catalog.contrib import csrf
from tests.web.test_scenarios_browser import PASSWORD, planner

D1, D2 = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
SITE = "demo--site-0001"


@pytest.fixture(scope="module")
def env(demo_computed, tmp_path_factory):
    from mapapp.catalog.history import apply_live, live_object, record_to_data

    source = Path(demo_computed[0]["MAPAPP_DATA_DIR"])
    target = tmp_path_factory.mktemp("evolution") / "var"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("cache", "snapshots", ".rebuild-*"))
    (target / "cache").symlink_to(source / "cache", target_is_directory=True)
    env = {**demo_computed[0], "MAPAPP_DATA_DIR": str(target)}
    settings = load_settings(env)
    take_snapshot(settings, D1)
    engine = make_engine(settings.database_url)
    with transaction(make_sessionmaker(engine)) as session:
        site = record_to_data(live_object(session, "sites", SITE), "sites")
        apply_live(session, "sites", {**site, "status": "closed"}, user=None, action="update")
        name = site["nom"]
    engine.dispose()
    take_snapshot(settings, D2)
    return env, name


@pytest.fixture(scope="module")
def client(env):
    return create_app(load_settings(env[0])).test_client()


def test_page_lists_snapshots_and_compares_the_two_latest(client, env):
    page = client.get("/observatoire/evolution").get_data(as_text=True)
    assert "1er mars 2026" in page and "1er avril 2026" in page
    assert "Du 1er mars 2026 au 1er avril 2026" in page
    assert env[1] in html.unescape(page) and "fermé" in page
    assert "Aucune zone blanche apparue ni résorbée." in page
    assert "Garder un instantané" not in page  # anonymous: no button
    by_tas = client.get("/observatoire/evolution?d1=2026-03-01&d2=2026-04-01&grid=territoire_action_sociale"
                        "&mode=marche").get_data(as_text=True)
    assert "Aucun territoire" in by_tas


def test_bad_dates_are_french_errors(client):
    r = client.get("/observatoire/evolution?d1=2026-02-30&d2=2026-04-01")
    assert r.status_code == 400 and "AAAA-MM-JJ" in r.get_data(as_text=True)
    r = client.get("/observatoire/evolution?d1=2025-01-01&d2=2026-04-01")
    assert r.status_code == 404 and "Aucun instantané au 1er janvier 2025" in r.get_data(as_text=True)


def test_exports_csv_and_xlsx(client, env):
    from openpyxl import load_workbook

    r = client.get("/observatoire/evolution/export.csv?d1=2026-03-01&d2=2026-04-01")
    assert r.status_code == 200 and "evolution-2026-03-01-2026-04-01.zip" in r.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    assert names == ["evolution_catalogue.csv", "evolution_habitants.csv", "evolution_zones_blanches.csv"]
    catalogue = zipfile.ZipFile(io.BytesIO(r.data)).read("evolution_catalogue.csv").decode("utf-8-sig")
    assert f"lieu;fermé;{SITE}" in catalogue
    r = client.get("/observatoire/evolution/export.xlsx?d1=2026-03-01&d2=2026-04-01")
    wb = load_workbook(io.BytesIO(r.data), read_only=True)
    assert [r[:3] for r in wb["Catalogue"].iter_rows(values_only=True)][1] == ("lieu", "fermé", SITE)
    assert client.get("/observatoire/evolution/export.pdf").status_code == 404


def test_accessibility_page_and_api_at_a_date(client):
    page = client.get("/accessibilite?date=2026-03-01&theme=france_services&mode=voiture")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Situation au 1er mars 2026" in text and 'name="date" value="2026-03-01"' in text
    assert "Situation au" not in client.get("/accessibilite?theme=france_services").get_data(as_text=True)
    r = client.get("/accessibilite?date=2020-01-01")
    assert r.status_code == 404 and "Aucun instantané au 1er janvier 2020" in r.get_data(as_text=True)
    assert client.get("/accessibilite?date=hier").status_code == 400
    api = client.get("/api/accessibilite/communes?theme=france_services&mode=voiture&date=2026-03-01")
    assert api.status_code == 200 and api.get_json()["situation"] == "2026-03-01"
    assert client.get("/api/accessibilite/communes?theme=france_services&mode=voiture").get_json()[
        "situation"] is None
    assert client.get("/api/accessibilite/communes?theme=france_services&mode=voiture&date=2020-01-01"
                      ).status_code == 404


def test_planner_keeps_a_snapshot_with_the_button(env):
    app = create_app(load_settings(env[0]))
    c = app.test_client()
    assert c.post("/observatoire/instantanes").status_code in (302, 400)  # anonymous: login (or no CSRF)
    email = planner(env[0])
    c.post("/connexion", data={"email": email, "password": PASSWORD, "csrf_token": csrf(c)})
    page = c.get("/observatoire/evolution").get_data(as_text=True)
    assert "Garder un instantané des résultats actuels" in page
    assert c.post("/observatoire/instantanes").status_code == 400  # no CSRF token
    r = c.post("/observatoire/instantanes", data={"csrf_token": csrf(c, "/observatoire/evolution")})
    assert r.status_code == 302
    assert f"garde={dt.date.today().isoformat()}" in r.headers["Location"]
    snaps = list_snapshots(snapshots_root(load_settings(env[0])))
    kept = [s for s in snaps if s.day == dt.date.today()]
    assert kept and kept[0].by == email and kept[0].kind == "marque"


def test_need_supply_map_and_vulnerability_view(client):
    from mapapp.observatoire_maps import BIVARIATE_COLOURS

    r = client.get("/observatoire/besoins?indicateur=rsa&theme=france_services&mode=voiture&grid=canton")
    assert r.status_code == 200
    page = html.unescape(r.get_data(as_text=True))
    assert "besoin fort, offre faible" in page and BIVARIATE_COLOURS[(3, 1)] in page
    assert "Territoires cumulant des facteurs de vulnérabilité" in page and "sur 3</td>" in page
    assert "Canton : distance, besoin et offre (France Services, Bénéficiaires du RSA)" in page
    dated = client.get("/observatoire/besoins?date=2026-03-01").get_data(as_text=True)
    assert "Situation au 1er mars 2026" in dated
    r = client.get("/observatoire/besoins?indicateur=inconnu")
    assert r.status_code == 404 and "non importé" in r.get_data(as_text=True)
    assert client.get("/observatoire/besoins?grid=nulle_part").status_code == 400


def test_empty_date_is_refused(client):
    assert client.get("/api/accessibilite/communes?theme=france_services&date=").status_code == 400
    assert client.get("/accessibilite?date=").status_code == 400


def test_stored_2sfca_score_is_a_second_view_of_the_map(env, client):
    from click.testing import CliRunner
    from sqlalchemy import update

    from mapapp.catalog.models import Site
    from mapapp.cli import main

    before = client.get("/observatoire/besoins?indicateur=rsa&theme=france_services&mode=voiture")
    assert "Score 2SFCA : non calculé" in before.get_data(as_text=True)
    settings = load_settings(env[0])
    engine = make_engine(settings.database_url)
    with transaction(make_sessionmaker(engine)) as session:
        session.execute(update(Site).where(Site.kind == "france_services").values(capacite=50))
    engine.dispose()
    result = CliRunner().invoke(main, ["territory", "2sfca", "--indicateur", "rsa", "--theme", "france_services"],
                                env=env[0])
    assert result.exit_code == 0, result.output
    stored = sorted(p.name for p in (settings.data_dir / "results" / "fca").iterdir())
    assert stored == ["rsa--france_services--car.json", "rsa--france_services--car.parquet"], stored
    page = html.unescape(client.get("/observatoire/besoins?indicateur=rsa&theme=france_services&mode=voiture")
                         .get_data(as_text=True))
    assert "Score 2SFCA (second fond de carte" in page, page[page.find("Légende (communes)"):][:1500]
    assert "pour 100 bénéficiaires" in page
    assert "score fort" in page


# --------------------------------------------------------------------------- « Situation au … » on every surface


def _a_commune(client) -> str:
    return client.get("/api/accessibilite/communes?theme=france_services&mode=voiture").get_json()["communes"][0][
        "commune"]


def test_fiche_commune_at_a_date(client):
    code = _a_commune(client)
    text = html.unescape(client.get(f"/commune/{code}?date=2026-03-01").get_data(as_text=True))
    assert "Situation au 1er mars 2026" in text
    assert "temps d'accès de cette date ; les lieux et la mobilité listés sont ceux d'aujourd'hui" in text
    assert "theme=france_services&date=2026-03-01" in text  # the theme links stay at that date
    live = client.get(f"/commune/{code}").get_data(as_text=True)
    assert "Situation au" not in live and 'id="table-temps-acces"' in live
    bad = html.unescape(client.get(f"/commune/{code}?date=2020-01-01").get_data(as_text=True))
    assert "Aucun instantané au 1er janvier 2020" in bad and 'id="table-temps-acces"' not in bad


def test_api_territories_at_a_date(client):
    url = "/api/accessibilite/territoires?theme=france_services&mode=voiture&grid=canton"
    assert client.get(url + "&date=2026-03-01").get_json()["situation"] == "2026-03-01"
    assert client.get(url).get_json()["situation"] is None


def _generated(client, url):
    """The answer once the background job is done (the first requests may be « génération en cours », 202)."""
    import time

    for _ in range(120):
        r = client.get(url)
        if r.status_code != 202:
            return r
        time.sleep(0.5)
    raise AssertionError(f"{url}: still generating")


def test_report_at_a_date_says_so_and_is_not_the_live_one(client):
    url = "/rapport?format=html&theme=france_services&mode=car"
    live = _generated(client, url)  # generated first: the dated report must not be served from its cache
    assert live.status_code == 200 and "Situation au" not in live.get_data(as_text=True)
    dated = _generated(client, url + "&date=2026-03-01")
    assert dated.status_code == 200
    assert "Situation au 1er mars 2026" in html.unescape(dated.get_data(as_text=True))


def test_fiche_site_at_a_date(client):
    site = client.get("/api/accessibilite/communes?theme=france_services&mode=voiture").get_json()["communes"][0][
        "nearest_site_id"]
    text = html.unescape(client.get(f"/site/{site}?date=2026-03-01").get_data(as_text=True))
    assert "Situation au 1er mars 2026" in text and "le lieu et ses offres sont ceux d'aujourd'hui" in text
    assert "date=2026-03-01" in text.split('id="desserte"')[1]  # the modes and themes of « Desserte » keep the date
    assert "Situation au" not in client.get(f"/site/{site}").get_data(as_text=True)

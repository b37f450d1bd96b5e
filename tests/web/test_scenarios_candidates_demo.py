"""Best places among the planner's own candidates, on the computed demo: a bad list changes nothing."""

from __future__ import annotations

import html
import io
import re

from sqlalchemy import create_engine, text

from mapapp.config import load_settings
from tests.catalog.contrib import csrf
from tests.test_cli_scenario import worst_commune
from tests.web.test_scenarios_demo import demo_planner  # noqa: F401


def _partner_site(env) -> tuple[str, str]:
    engine = create_engine(load_settings(env).database_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT id, nom FROM site WHERE kind = 'partner' AND status = 'active' "
                                "ORDER BY id LIMIT 1")).one()
    engine.dispose()
    return row[0], row[1]


def _started(app) -> int:
    runner = app.extensions.get("mapapp.jobs")  # made on the first job
    return runner.started if runner is not None else 0


def test_a_bad_list_is_refused_line_by_line_and_a_good_one_is_searched(demo_planner):  # noqa: F811
    env, app, client = demo_planner
    token = csrf(client, "/scenarios/")
    r = client.post("/scenarios/", data={"title": "Candidats", "csrf_token": token})
    number = int(re.search(r"/scenarios/(\d+)", r.headers["Location"]).group(1))
    page = client.get(f"/scenarios/{number}").get_data(as_text=True)
    assert 'id="candidates-form"' in page and 'enctype="multipart/form-data"' in page
    started = _started(app)
    folder = load_settings(env).data_dir / "candidats"
    form = {"theme": "famille", "mode": "car", "public": "tous", "k": "1", "csrf_token": token}

    bad = "nom;lon;lat\nBon;2,05;45,04\nMauvais;abc;45\nLoin;9,5;48\n"
    r = client.post(f"/scenarios/{number}/propositions/candidats",
                    data={**form, "fichier": (io.BytesIO(bad.encode("cp1252")), "candidats.csv")},
                    content_type="multipart/form-data", follow_redirects=True)
    shown = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 200 and "Liste de candidats refusée, rien n'a été calculé" in shown
    assert "ligne 3 : longitude ou latitude illisible" in shown and "ligne 4 : le point" in shown
    assert "ligne 2" not in shown  # the good line is not reported
    assert _started(app) == started and not (folder.exists() and any(folder.iterdir()))  # nothing computed
    assert "Aucune modification" in shown  # the scenario did not change either

    site_id, site_name = _partner_site(env)
    code, lon, lat = worst_commune(env)
    good = f"nom;lon;lat;site_id\nSalle du bourg;{lon};{lat};\n;;;{site_id}\n"
    r = client.post(f"/scenarios/{number}/propositions/candidats", data={**form, "candidats_texte": good})
    assert r.status_code == 302 and "candidats=" in r.headers["Location"]
    r = client.get(r.headers["Location"])
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    page = html.unescape(r.get_data(as_text=True))
    assert "Candidats : les 2 de votre liste." in page
    api = client.get(f"/api/scenarios/{number}/propositions?type=meilleur-lieu&theme=famille&mode=car&k=1"
                     f"&candidats={next(folder.glob('*.json')).stem}").get_json()
    assert api["candidats"] == 2 and api["liste_du_planificateur"]
    (chosen,) = api["propositions"]
    assert chosen["id"] in {"liste-2", site_id} and chosen["population"] > 0
    assert chosen["nom"] in {"Salle du bourg", site_name} and chosen["nom"] in page
    # The worst commune's point covers people nobody reaches today; the list's optimum is at least its gain.
    assert api["population_nouvellement_couverte"] >= chosen["population"]
    unknown = client.get(f"/api/scenarios/{number}/propositions?type=meilleur-lieu&theme=famille&candidats=xyz")
    assert unknown.status_code == 400 and "Liste de candidats invalide" in unknown.get_json()["error"]

"""The accessibility page, the API and the reports page with a public and the schedule rule chosen."""

from __future__ import annotations

import re

import pytest

from mapapp.config import load_settings
from mapapp.results import ResultStore
from mapapp.web import create_app

THEME = "accueil_departement"


@pytest.fixture(scope="module")
def client(demo_computed):
    env, _ = demo_computed
    return create_app(load_settings(env)).test_client()


@pytest.fixture(scope="module")
def root(demo_computed):
    env, _ = demo_computed
    return ResultStore(load_settings(env).data_dir / "results")


def _zone_blanche(store, theme, mode="car") -> set[str]:
    t = store.table(mode, "communes")
    t = t[(t["theme"] == theme) & (t["population_points"] > 0)]
    return set(t.loc[t["zone_blanche"].fillna(False).astype(bool), "commune"])


def test_the_form_offers_the_computed_publics_and_the_rule(client):
    page = client.get(f"/accessibilite?theme={THEME}").get_data(as_text=True)
    assert re.search(r'<select id="a-public" name="public"', page)
    for label in ("Bénéficiaires des minima sociaux", "Jeunes", "Personnes en situation de handicap"):
        assert label in page
    assert "Lieux ouverts au moins 3\u00a0h par semaine" in page


def test_occasional_only_communes_are_zones_blanches_under_the_rule_served_without_it(client, root):
    page = client.get(f"/accessibilite?theme={THEME}&mode=voiture&horaires=ouverts").get_data(as_text=True)
    expected = _zone_blanche(root.variant("tous+horaires"), THEME) - _zone_blanche(root, THEME)
    assert expected, "the demo's permanences make some communes occasional-only"
    figure = re.search(r"<strong>(\d+)</strong> communes? desservies? seulement par une permanence ponctuelle", page)
    assert figure and int(figure.group(1)) == len(expected)
    rows = re.findall(r'<tr data-commune="(\w+)"[^>]*>(?:(?!</tr>).)*permanence ponctuelle\)', page, re.S)
    assert set(rows) == expected
    assert "lieux ouverts au moins 3\u00a0h par semaine" in page


def test_a_public_changes_the_figures_and_the_api_says_which(client, root):
    api = client.get(f"/api/accessibilite/communes?theme=sante&mode=voiture&public=minima_sociaux").get_json()
    assert api["public"]["key"] == "minima_sociaux" and api["horaires"]["rule"] == "tous"
    stored = root.variant("minima_sociaux").table("car", "communes")
    stored = stored[stored["theme"] == "sante"].set_index("commune")["mean_time_min"]
    for item in api["communes"][:20]:
        value = stored[item["commune"]]
        assert item["mean_time_min"] == (None if value != value else pytest.approx(value))
    same = client.get("/api/accessibilite/communes?theme=sante&mode=voiture"
                      "&public=beneficiaires-des-minimas-sociaux").get_json()
    assert same["communes"] == api["communes"]  # the data·inclusion public stands for its group


@pytest.mark.parametrize("query, status, message", [
    ("public=inconnu", 404, "public « inconnu » non calculé"),
    ("horaires=parfois", 400, "horaires « parfois » inconnu"),
])
def test_unknown_choices_are_clear_errors(client, query, status, message):
    response = client.get(f"/api/accessibilite/territoires?theme=sante&mode=voiture&{query}")
    assert response.status_code == status and message in response.get_json()["error"]
    page = client.get(f"/accessibilite?theme=sante&{query}")
    assert page.status_code == status and message in page.get_data(as_text=True)


def test_the_reports_page_offers_the_public(client):
    page = client.get("/rapports").get_data(as_text=True)
    assert '<select id="public" name="public">' in page and 'name="horaires"' in page


def test_plus_proches_on_a_day_keeps_only_offers_open_that_day(client, demo_computed):
    import datetime as dt

    from mapapp.catalog.db import make_engine, make_sessionmaker
    from mapapp.catalog.query import open_pairs

    env, _ = demo_computed
    url = "/api/plus-proches?commune=96001&theme=accueil_departement&mode=voiture&n=20"
    every = client.get(url.replace("n=20", "n=50")).get_json()["results"]
    assert len(every) < 50  # every site of the theme
    monday = client.get(url + "&ouvert_le=2026-12-07&demi_journee=apres-midi").get_json()
    assert monday["ouvert_le"] == "2026-12-07" and monday["demi_journee"] == "apres-midi"
    kept = [r["site_id"] for r in monday["results"]]
    assert kept and set(kept) < {r["site_id"] for r in every}  # some permanence is not open that afternoon
    assert [t for t in (r["time_min"] for r in monday["results"])] == sorted(r["time_min"] for r in monday["results"])
    engine = make_engine(load_settings(env).database_url)
    with make_sessionmaker(engine)() as session:
        for r in monday["results"]:
            states = open_pairs(session, [(o["id"], r["site_id"]) for o in r["offers"]], dt.date(2026, 12, 7),
                                "apres-midi")
            assert states and all(s is True for s in states), r["nom"]
    engine.dispose()
    sunday = client.get(url + "&ouvert_le=2026-12-13").get_json()
    assert sunday["results"] == [] and "le 13 décembre 2026" in sunday["message"]

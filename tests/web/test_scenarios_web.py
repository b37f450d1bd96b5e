"""The planners' scenario pages: roles, private and shared scenarios, adding and removing changes (CSRF)."""

from __future__ import annotations

import re

from sqlalchemy import select

from mapapp.catalog.inputs_state import change_mark
from mapapp.catalog.models_scenarios import Scenario
from tests.catalog.contrib import (  # noqa: F401
    contrib_app,
    contrib_settings,
    contrib_template,
    csrf,
    factory,
    logged_in,
)


def create(client, title="Permanence d'Arlenc", shared="0"):
    token = csrf(client, "/scenarios/")
    response = client.post("/scenarios/", data={"title": title, "description": "essai", "shared": shared,
                                                 "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return int(re.search(r"/scenarios/(\d+)", response.headers["Location"]).group(1))


def test_partners_and_anonymous_see_no_scenario(contrib_app):
    planner = logged_in(contrib_app, "modo1")
    number = create(planner, shared="1")
    partner = logged_in(contrib_app, "ml")
    assert partner.get("/scenarios/").status_code == 403
    for path in (f"/scenarios/{number}", f"/scenarios/{number}/export.xlsx", f"/scenarios/{number}/differences.json"):
        assert partner.get(path).status_code == 403, path
    anonymous = contrib_app.test_client()
    assert anonymous.get(f"/scenarios/{number}").status_code == 302  # to the login page
    assert "connexion" in anonymous.get(f"/scenarios/{number}").headers["Location"]


def test_private_scenarios_are_404_for_other_planners_and_shared_ones_read_only(contrib_app):
    author = logged_in(contrib_app, "modo1")
    private, shared = create(author, "Privé"), create(author, "Partagé", shared="1")
    other = logged_in(contrib_app, "modo2")
    assert other.get(f"/scenarios/{private}").status_code == 404
    listing = other.get("/scenarios/").get_data(as_text=True)
    assert "Partagé" in listing and "Privé" not in listing
    page = other.get(f"/scenarios/{shared}")
    assert page.status_code == 200 and "Ouvrir un lieu" not in page.get_data(as_text=True)
    token = csrf(other, f"/scenarios/{shared}")
    refused = other.post(f"/scenarios/{shared}/modifications", data={"kind": "close_site", "site_id": "test--perm",
                                                                      "csrf_token": token})
    assert refused.status_code == 403
    assert logged_in(contrib_app, "admin").get(f"/scenarios/{private}").status_code == 200


def test_add_a_site_by_its_point_close_one_and_delete_a_change(contrib_app, factory):
    client = logged_in(contrib_app, "modo1")
    number = create(client)
    with factory() as s:
        mark = change_mark(s)
    page = client.get(f"/scenarios/{number}").get_data(as_text=True)
    assert 'id="point-map"' in page and "Aucune modification" in page
    token = csrf(client, f"/scenarios/{number}")
    without_token = client.post(f"/scenarios/{number}/modifications", data={"kind": "close_site",
                                                                           "site_id": "test--perm"})
    assert without_token.status_code == 400
    r = client.post(f"/scenarios/{number}/modifications", data={
        "kind": "add_site", "lon": "2.05", "lat": "45.04", "nom": "Nouvelle permanence", "theme": ["famille", "sante"],
        "kind_site": "departement_permanence", "csrf_token": token})
    assert r.status_code == 302
    client.post(f"/scenarios/{number}/modifications", data={"kind": "close_site", "site_id": "test--perm",
                                                            "csrf_token": token})
    page = client.get(f"/scenarios/{number}").get_data(as_text=True)
    assert "Ouvrir un lieu « Nouvelle permanence »" in page and "commune 96001" in page
    assert "Fermer un lieu test--perm" in page
    bad = client.post(f"/scenarios/{number}/modifications", data={"kind": "add_site", "lon": "9", "lat": "48",
                                                                  "theme": "famille", "csrf_token": token},
                      follow_redirects=True)
    assert "hors du territoire" in bad.get_data(as_text=True)
    with factory() as s:
        scenario = s.get(Scenario, number)
        assert [c.kind for c in scenario.changes] == ["add_site", "close_site"]
        assert scenario.changes[0].data["thematiques"] == ["famille", "sante"]
        first = scenario.changes[0].id
        assert change_mark(s) == mark  # the catalog did not move
    client.post(f"/scenarios/{number}/modifications/{first}/supprimer", data={"csrf_token": token})
    with factory() as s:
        assert [c.kind for c in s.get(Scenario, number).changes] == ["close_site"]
    assert client.post(f"/scenarios/{number}/modifications/999/supprimer",
                       data={"csrf_token": token}).status_code == 404


def test_compare_without_results_says_what_to_run(contrib_app):
    client = logged_in(contrib_app, "admin")
    number = create(client)
    page = client.get(f"/scenarios/{number}").get_data(as_text=True)
    assert "lancez d'abord « mapapp compute »" in page
    token = csrf(client, f"/scenarios/{number}")
    r = client.post(f"/scenarios/{number}/comparer", data={"csrf_token": token}, follow_redirects=True)
    assert r.status_code == 409 and "mapapp compute" in r.get_data(as_text=True)


def test_an_empty_title_is_refused(contrib_app, factory):
    client = logged_in(contrib_app, "modo1")
    token = csrf(client, "/scenarios/")
    r = client.post("/scenarios/", data={"title": "  ", "csrf_token": token}, follow_redirects=True)
    assert "donnez un titre" in r.get_data(as_text=True)
    with factory() as s:
        assert s.scalars(select(Scenario)).all() == []

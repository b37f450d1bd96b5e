"""The scenarios API and the new scenario pages' permissions: planners only, private scenarios hidden."""

from __future__ import annotations

from tests.catalog.contrib import (  # noqa: F401
    contrib_app,
    contrib_settings,
    contrib_template,
    csrf,
    factory,
    logged_in,
)
from tests.web.test_scenarios_web import create

PAGES = ["/scenarios/{n}/propositions?type=meilleur-lieu&theme=famille", "/scenarios/{n}/avant-apres.pdf",
         "/scenarios/{n}/comparaison", "/scenarios/{n}/export.gpkg"]
API = ["/api/scenarios", "/api/scenarios/{n}", "/api/scenarios/{n}/comparaison",
       "/api/scenarios/{n}/propositions?type=meilleur-lieu&theme=famille"]


def test_anonymous_gets_401_and_a_partner_403_on_the_api_and_no_page(contrib_app):
    number = create(logged_in(contrib_app, "modo1"), shared="1")
    anonymous, partner = contrib_app.test_client(), logged_in(contrib_app, "ml")
    for path in API:
        r = anonymous.get(path.format(n=number))
        assert r.status_code == 401 and "Connexion requise" in r.get_json()["error"], path
        r = partner.get(path.format(n=number))
        assert r.status_code == 403 and "planificateurs" in r.get_json()["error"], path
    for path in PAGES:
        assert partner.get(path.format(n=number)).status_code == 403, path
        assert anonymous.get(path.format(n=number)).status_code == 302, path  # to the login page
    assert "Scénarios" not in partner.get("/espace/").get_data(as_text=True)


def test_the_api_lists_and_shows_what_the_planner_may_see(contrib_app):
    author = logged_in(contrib_app, "modo1")
    private, shared = create(author, "Privé <b>"), create(author, "Partagé", shared="1")
    token = csrf(author, f"/scenarios/{shared}")
    author.post(f"/scenarios/{shared}/modifications", data={"kind": "close_site", "site_id": "test--perm",
                                                            "csrf_token": token})
    mine = author.get("/api/scenarios")
    assert mine.status_code == 200 and "\\u003cb\\u003e" in mine.get_data(as_text=True)  # never raw HTML
    assert {s["titre"] for s in mine.get_json()["scenarios"]} == {"Privé <b>", "Partagé"}
    other = logged_in(contrib_app, "modo2")
    assert [s["titre"] for s in other.get("/api/scenarios").get_json()["scenarios"]] == ["Partagé"]
    assert other.get(f"/api/scenarios/{private}").status_code == 404
    shown = other.get(f"/api/scenarios/{shared}").get_json()
    assert [(c["type"], c["donnees"]) for c in shown["modifications"]] == [("close_site", {"site_id": "test--perm"})]
    assert other.get(f"/api/scenarios/{shared}/comparaison?avec={private}").status_code == 404  # not visible
    assert other.get(f"/api/scenarios/{shared}/comparaison?avec={shared}").status_code == 400
    assert other.get(f"/api/scenarios/{shared}/comparaison").status_code == 409  # nothing computed
    assert other.get(f"/api/scenarios/{shared}/comparaison?inconnu=1").status_code == 400
    bad = other.get(f"/api/scenarios/{shared}/propositions?type=meilleur-lieu&theme=famille&k=99")
    assert bad.status_code == 400


def test_proposals_and_pdf_pages_need_results_and_valid_parameters(contrib_app):
    client = logged_in(contrib_app, "admin")
    number = create(client)
    page = client.get(f"/scenarios/{number}").get_data(as_text=True)
    assert 'id="proposal-form"' not in page  # nothing computed: no proposals form
    assert client.get(f"/scenarios/{number}/propositions?type=meilleur-lieu&theme=famille").status_code == 409
    assert client.get(f"/scenarios/{number}/avant-apres.pdf").status_code == 404  # not compared

"""The planner's proposals, two scenarios compared and the PDF through the pages and the API, on the computed demo."""

from __future__ import annotations

import html
import re

from tests.catalog.contrib import csrf
from tests.web.test_scenarios_demo import demo_planner  # noqa: F401


def _new(client, token, title):
    r = client.post("/scenarios/", data={"title": title, "shared": "1", "csrf_token": token})
    return int(re.search(r"/scenarios/(\d+)", r.headers["Location"]).group(1))


def _forms(page: str, kind: str) -> list[dict]:
    """The hidden fields of each one-click form of ``kind`` on a proposals page."""
    out = []
    for form in re.findall(r'<form method="post"[^>]*>(.*?)</form>', page, re.S):
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
        if fields.get("kind") == kind:
            out.append({k: html.unescape(v) for k, v in fields.items()})
    return out


def test_best_place_added_in_one_click_then_closures_then_two_scenarios_and_the_pdf(demo_planner):
    env, app, client = demo_planner
    token = csrf(client, "/scenarios/")
    a = _new(client, token, "Deux permanences famille")
    page = client.get(f"/scenarios/{a}").get_data(as_text=True)
    assert 'id="proposal-form"' in page and 'name="tournee"' in page

    r = client.get(f"/scenarios/{a}/propositions?type=meilleur-lieu&theme=famille&public=tous&mode=car&k=2")
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    best = _forms(r.get_data(as_text=True), "add_site")
    assert len(best) == 2 and all(f["theme"] == "famille" and f["csrf_token"] for f in best)
    api = client.get(f"/api/scenarios/{a}/propositions?type=meilleur-lieu&theme=famille&public=tous&mode=car&k=2")
    data = api.get_json()
    assert api.status_code == 200 and data["optimal"] and len(data["propositions"]) == 2
    assert data["population_nouvellement_couverte"] >= max(p["population"] for p in data["propositions"]) > 0
    assert data["par_k"][1]["population_nouvellement_couverte"] > data["par_k"][0]["population_nouvellement_couverte"]
    for form in best:  # « ajouter au scénario », one click each
        assert client.post(f"/scenarios/{a}/modifications", data=form).status_code == 302
    assert client.post(f"/scenarios/{a}/modifications", data={**best[0], "csrf_token": ""}).status_code == 400
    # The proposals read the scenario's catalog: with the two sites added, the next best place is elsewhere.
    added = {p["id"] for p in data["propositions"]}
    again = client.get(f"/api/scenarios/{a}/propositions?type=meilleur-lieu&theme=famille&mode=car&k=1").get_json()
    assert again["propositions"][0]["id"] not in added
    assert again["population_nouvellement_couverte"] <= data["propositions"][1]["population"]

    b = _new(client, token, "Une fermeture")
    r = client.get(f"/scenarios/{b}/propositions?type=fermetures&theme=france_services&mode=car&k=3")
    closes = _forms(r.get_data(as_text=True), "close_site")
    assert len(closes) == 3
    assert client.post(f"/scenarios/{b}/modifications", data=closes[0]).status_code == 302
    r = client.get(f"/scenarios/{b}/propositions?type=tournee&theme=france_services&mode=car&demi_journees=2&"
                   "tournee=Bus France Services des Monts d'Arlenc")
    assert r.status_code == 200 and len(re.findall(r"<tr><td>\d+</td>", r.get_data(as_text=True))) == 2

    # The best places' comparison with the live situation: the newly covered people are gained.
    r = client.post(f"/scenarios/{a}/comparer", data={"csrf_token": token}, follow_redirects=True)
    assert r.status_code == 200
    whole = client.get(f"/api/scenarios/{a}/comparaison").get_json()["territoire"]
    famille = next(t for t in whole if t["mode"] == "car" and t["theme"] == "famille")
    assert famille["population_gained"] == data["population_nouvellement_couverte"]
    assert famille["population_lost"] == 0

    # B against A: what A gained is lost, and nothing else is gained.
    r = client.post(f"/scenarios/{b}/comparer", data={"csrf_token": token, "avec": str(a)}, follow_redirects=True)
    page = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 200 and "Comparaison avec le scénario « Deux permanences famille »" in page
    versus = client.get(f"/api/scenarios/{b}/comparaison?avec={a}").get_json()
    famille = next(t for t in versus["territoire"] if t["mode"] == "car" and t["theme"] == "famille")
    assert famille["population_lost"] == data["population_nouvellement_couverte"]
    assert famille["population_gained"] == 0 and versus["avant"] == a
    xlsx = client.get(f"/scenarios/{b}/export.xlsx?avec={a}")
    assert xlsx.status_code == 200 and f"scenario-{a}-vers-{b}.xlsx" in xlsx.headers["Content-Disposition"]

    pdf = client.get(f"/scenarios/{b}/avant-apres.pdf?avec={a}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data[:5] == b"%PDF-"
    from io import BytesIO

    import pypdf

    reader = pypdf.PdfReader(BytesIO(pdf.data))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "avant : le scénario « Deux permanences famille »" in text.replace("\n", " ")
    assert "Famille" in text and "Cartes des différences" in text
    assert "Tous publics, en voiture : tout le territoire" in text  # one table per public of the settings
    assert "Jeunes, en voiture : tout le territoire" in text
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"] and reader.trailer["/Root"]["/Lang"] == "fr"
    started = app.extensions["mapapp.jobs"].started
    assert client.get(f"/scenarios/{b}/avant-apres.pdf?avec={a}").data == pdf.data  # cached: no new job
    assert app.extensions["mapapp.jobs"].started == started

"""« Trouver une offre » on the computed demo: the list follows /api/plus-proches and says things in French."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from sqlalchemy import create_engine, text

from mapapp.catalog.weekly_hours import open_on
from tests.web.test_accessibilite import demo_client, demo_settings  # noqa: F401  (fixtures)

COMMUNE = "96001"
THEME = "france_services"


@pytest.fixture(scope="module")
def site_hours(demo_settings):
    engine = create_engine(demo_settings.database_url)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, horaires_accueil FROM site")).all())
    engine.dispose()
    return rows


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    body = response.get_data(as_text=True)
    assert response.status_code == status, (url, response.status_code, body[:800])
    return body


def _api(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return json.loads(response.get_data(as_text=True))


def _listed(body: str) -> list[tuple[str, str]]:
    """(site id, road mode) of each item of the answer's <ol>, in order."""
    ol = re.search(r'<ol class="lieux">(.*?)</ol>', body, re.S)  # (the map follows the list)
    assert ol, "no ranked list in the page"
    return [(html.unescape(s), m) for s, m in re.findall(r'<li data-site="([^"]+)" data-mode="([a-z]+)">', ol.group(1))]


def _times(body: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<span class="temps">([^<]+)</span>', body)]


@pytest.mark.parametrize("mode, api_mode", [("voiture", "voiture"), ("marche", "marche"), ("velo", "velo")])
def test_ranking_is_the_one_of_the_api(demo_client, mode, api_mode):
    body = _page(demo_client, f"/trouver?commune={COMMUNE}&theme={THEME}&mode={mode}")
    api = _api(demo_client, f"/api/plus-proches?commune={COMMUNE}&theme={THEME}&mode={api_mode}&n=10")
    listed = _listed(body)
    assert listed and [s for s, _ in listed] == [r["site_id"] for r in api["results"]]
    # human times, rounded to the minute: never « 12,3 min »
    times = _times(body)
    assert len(times) == len(listed)
    assert not re.search(r"\d,\d+\s*min", html.unescape(body))
    for t, r in zip(times, api["results"]):
        assert re.fullmatch(r"(moins d'1\xa0min|\d+\xa0min|\d+\xa0h\xa0\d\d) (en voiture|à pied|à vélo)", t), t
        if r["time_min"] >= 1 and r["time_min"] < 59.5:
            assert t.startswith(f"{round(r['time_min'])}\xa0min")
    # the sites' offers are those of the API, each with how to mobilise it
    first = api["results"][0]
    section = body.split(f'data-site="{html.escape(first["site_id"])}"', 1)[1].split("</li>\n    \n", 1)[0]
    for offer in first["offers"]:
        assert html.escape(offer["nom"]) in section or offer["nom"] in html.unescape(section)
    assert "solliciter" in section


def test_sans_voiture_takes_the_best_of_walking_and_cycling(demo_client):
    body = _page(demo_client, f"/trouver?commune=96003&theme={THEME}&mode=sans-voiture")
    walk = {r["site_id"]: r["time_min"] for r in
            _api(demo_client, f"/api/plus-proches?commune=96003&theme={THEME}&mode=marche&n=50")["results"]}
    bike = {r["site_id"]: r["time_min"] for r in
            _api(demo_client, f"/api/plus-proches?commune=96003&theme={THEME}&mode=velo&n=50")["results"]}
    listed = _listed(body)
    assert listed
    best = {s: min(walk.get(s, float("inf")), bike.get(s, float("inf"))) for s in set(walk) | set(bike)}
    expected = sorted(best, key=best.get)[:len(listed)]
    assert [best[s] for s, _ in listed] == [best[s] for s in expected]
    for site, mode in listed:
        chosen = walk if mode == "walk" else bike
        assert chosen[site] == best[site]
    assert {m for _, m in listed} <= {"walk", "bike"}
    assert "à vélo" in body and "à pied" in body  # the chosen mode, and the other one in brackets


def test_public_filter_keeps_only_offers_for_that_public(demo_client, demo_settings):
    engine = create_engine(demo_settings.database_url)
    with engine.connect() as conn:
        publics = {r[0]: json.loads(r[1] or "[]") for r in conn.execute(text("SELECT id, publics FROM offer"))}
    engine.dispose()
    url = f"/trouver?commune={COMMUNE}&theme=trouver_un_emploi&mode=voiture"
    everyone = _page(demo_client, url)
    young = _page(demo_client, url + "&public=jeunes")
    assert "public : Jeunes" in young
    offer_ids = set(re.findall(r'href="/offre/([^"]+)"', young.split('<ol class="lieux">', 1)[1]))
    assert offer_ids
    for oid in offer_ids:
        assert not publics[oid] or {"jeunes", "tous-publics"} & set(publics[oid]), (oid, publics[oid])
    api = _api(demo_client, f"/api/plus-proches?commune={COMMUNE}&theme=trouver_un_emploi&mode=voiture"
                            "&public=jeunes&n=10")
    assert [s for s, _ in _listed(young)] == [r["site_id"] for r in api["results"]]
    assert _listed(young) != _listed(everyone) or offer_ids < set(
        re.findall(r'href="/offre/([^"]+)"', everyone.split('<ol class="lieux">', 1)[1]))


def test_date_filter_drops_places_closed_that_day(demo_client, site_hours):
    base = f"/trouver?commune={COMMUNE}&theme={THEME}&mode=voiture"
    api = [r["site_id"] for r in _api(demo_client, base.replace("/trouver", "/api/plus-proches") + "&n=50")["results"]]
    for day in (dt.date(2026, 12, 8), dt.date(2026, 12, 10), dt.date(2026, 12, 13)):  # Tue, Thu, Sun
        body = html.unescape(_page(demo_client, base + f"&date={day.isoformat()}"))
        expected = [s for s in api if open_on(site_hours[s], day)][:10]
        if not expected:
            assert "Aucun des lieux joignables n'est ouvert le " + ("13 décembre 2026") in body
            assert day.weekday() == 6
            continue
        listed = [s for s, _ in _listed(body)]
        assert listed == expected
        assert "Ouvert ce jour-là" in body and "Fermé ce jour-là" not in body
    # the filter removes something on some weekday of the demo (else the test above proves nothing)
    removed = [s for s in api[:10] if open_on(site_hours[s], dt.date(2026, 12, 8)) is False]
    assert removed
    # without a date, today's state is shown and nothing is removed
    undated = html.unescape(_page(demo_client, base))
    assert [s for s, _ in _listed(undated)] == api[:10]
    assert "aujourd'hui" in undated


def test_a_place_without_hours_is_unknown_never_open():
    from mapapp.catalog.models import Offer, Site
    from mapapp.web.trouver import site_open

    site = Site(id="x", nom="x", kind="partner", commune_code="96001", lon=2.0, lat=45.0, status="active",
                horaires_accueil=None)
    tuesday = dt.date(2026, 12, 8)
    assert site_open(site, [], tuesday) is None
    # the offer's own hours count when the place gives none
    assert site_open(site, [Offer(id="o", nom="Atelier", horaires_accueil="Tu 09:00-12:00")], tuesday) is True
    assert site_open(site, [Offer(id="o", nom="Atelier", horaires_accueil="We 09:00-12:00")], tuesday) is False
    closed = Site(id="y", nom="y", kind="partner", commune_code="96001", lon=2.0, lat=45.0,
                  status="temporarily_closed", closed_from=dt.date(2026, 12, 1), closed_until=dt.date(2026, 12, 31),
                  horaires_accueil="Tu 09:00-12:00")
    assert site_open(closed, [], tuesday) is False


@pytest.mark.parametrize("query, words", [
    ("commune=96001&mode=avion", "mode « avion » inconnu"),
    ("commune=96001&theme=nulle-part", "« nulle-part »"),
    ("commune=96001&public=martiens", "« martiens »"),
    ("commune=96001&date=2026-13-01", "date invalide : « 2026-13-01 »"),
    ("commune=96001&date=demain", "date invalide : « demain »"),
    ("commune=Atlantide", "« Atlantide »"),
    ("commune=96001&lon=2.1&lat=45", "pas les deux"),
    ("lon=abc&lat=45", "« abc »"),
    ("lon=2.1&lat=91", "« 91 »"),
])
def test_bad_values_give_a_french_400_with_the_form(demo_client, query, words):
    body = _page(demo_client, f"/trouver?{query}", 400)
    assert words in html.unescape(body) and 'class="error" role="alert"' in body
    assert '<form method="get"' in body and "Traceback" not in body


def test_empty_form_navigation_home_and_print_view(demo_client):
    body = _page(demo_client, "/trouver")
    assert "Indiquez une commune" in body and '<ol class="lieux">' not in body
    assert 'href="/trouver" aria-current="page">Trouver une offre' in body
    assert 'href="/trouver"' in _page(demo_client, "/")
    printed = _page(demo_client, f"/trouver?commune={COMMUNE}&theme={THEME}&mode=voiture&imprimer=1")
    assert '<body class="imprimer">' in printed and '<form method="get"' not in printed
    assert _listed(printed) and "trouver.js" not in printed
    screen = _page(demo_client, f"/trouver?commune={COMMUNE}&theme={THEME}&mode=voiture")
    assert "imprimer=1" in screen and "trouver.js" in screen
    # the shared address keeps only the filled fields
    filled = _page(demo_client, f"/trouver?commune={COMMUNE}&lon=&lat=&theme={THEME}&public=&mode=voiture&date=")
    assert f'href="http://localhost/trouver?commune={COMMUNE}&amp;theme={THEME}&amp;mode=voiture"' in filled


def test_carte_with_no_place_in_a_commune_offers_the_nearest(demo_client):
    # a commune with no site of the catalog
    engine_url = demo_client.application.config["MAPAPP_SETTINGS"].database_url
    engine = create_engine(engine_url)
    with engine.connect() as conn:
        empty = conn.execute(text("SELECT code FROM commune WHERE is_buffer = 0 AND code NOT IN "
                                  "(SELECT commune_code FROM site) ORDER BY code")).scalar()
        busy = conn.execute(text("SELECT commune_code FROM site GROUP BY commune_code ORDER BY count(*) DESC")).scalar()
    engine.dispose()
    assert empty, "the demo has no commune without a site"
    body = _page(demo_client, f"/carte?commune={empty}")
    assert f'href="/trouver?commune={empty}"' in body and "voir les lieux les plus proches" in body
    assert "voir les lieux les plus proches" not in _page(demo_client, f"/carte?commune={busy}")
    assert _listed(_page(demo_client, f"/trouver?commune={empty}"))

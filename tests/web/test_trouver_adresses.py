"""Offline addresses on the computed demo: /api/adresses, an address as the origin of « Trouver une offre », and
the « mots-clés » filter over the offers' names and descriptions."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import create_engine, text

from mapapp.territory.address_search import fold
from tests.web.test_accessibilite import demo_client, demo_settings  # noqa: F401  (fixtures)
from tests.web.test_trouver import _api, _listed, _page

THEME = "france_services"


@pytest.fixture(scope="module")
def an_address(demo_settings):
    """A numbered address of the demo's BAN file (as stored), away from the first commune."""
    engine = create_engine(demo_settings.database_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT id, numero, nom_voie, code_postal, nom_commune, code_insee, lon, lat "
                                "FROM address WHERE numero = 3 AND code_insee <> '96001' ORDER BY id")).first()
    engine.dispose()
    assert row is not None, "the demo has no address: mapapp/demo/addresses.py"
    return row._asdict()


def label_of(a: dict) -> str:
    return f"{a['numero']} {a['nom_voie']}, {a['code_postal']} {a['nom_commune']}"


def test_api_suggests_the_address_first(demo_client, an_address):
    typed = f"{an_address['numero']} {fold(an_address['nom_voie'])} {an_address['nom_commune'].upper()}"
    got = _api(demo_client, "/api/adresses?q=" + typed)
    best = got["results"][0]
    assert best["id"] == an_address["id"] and best["kind"] == "adresse"
    assert best["label"] == label_of(an_address)
    assert (best["lon"], best["lat"], best["commune"]) == (an_address["lon"], an_address["lat"],
                                                           an_address["code_insee"])
    street = _api(demo_client, "/api/adresses?n=20&q=" + an_address["nom_voie"])["results"]
    assert street and all(r["kind"] in ("voie", "adresse") for r in street)
    assert any(r["kind"] == "voie" and r["commune"] == an_address["code_insee"] for r in street)
    assert len(_api(demo_client, "/api/adresses?n=2&q=rue")["results"]) == 2
    assert _api(demo_client, "/api/adresses?q=")["results"] == []


@pytest.mark.parametrize("url, message", [
    ("/api/adresses", "« q » manquant"),
    ("/api/adresses?q=rue&n=0", "« n » invalide"),
    ("/api/adresses?q=rue&n=abc", "« n » invalide"),
    ("/api/adresses?q=rue&limit=3", "paramètre(s) inconnu(s) : « limit »"),
    ("/api/adresses?q=" + "a" * 201, "trop long"),
])
def test_api_bad_requests_are_french(demo_client, url, message):
    response = demo_client.get(url)
    assert response.status_code == 400
    assert message in json.loads(response.get_data(as_text=True))["error"]


def test_api_without_imported_addresses_is_404(client):
    response = client.get("/api/adresses?q=rue")
    assert response.status_code == 404
    assert "mapapp territory adresses" in json.loads(response.get_data(as_text=True))["error"]


def test_address_origin_ranks_as_the_api_from_that_point(demo_client, an_address):
    label = label_of(an_address)
    body = _page(demo_client, f"/trouver?adresse={label}&theme={THEME}&mode=voiture")
    heading = html.unescape(re.search(r'<h2 id="reponse-titre">(.*?)</h2>', body, re.S).group(1))
    assert f"près de {label}" in heading
    api = _api(demo_client, f"/api/plus-proches?lon={an_address['lon']!r}&lat={an_address['lat']!r}"
                            f"&theme={THEME}&mode=voiture&n=10")
    assert [s for s, _ in _listed(body)] == [r["site_id"] for r in api["results"]]
    # typed without JavaScript, in lower case and without the postcode: the same address
    typed = f"{an_address['numero']} {an_address['nom_voie'].lower()} {an_address['nom_commune']}"
    again = _page(demo_client, f"/trouver?adresse={typed}&theme={THEME}&mode=voiture")
    assert _listed(again) == _listed(body)


def test_a_commune_typed_in_the_address_field_is_the_commune_origin(demo_client):
    engine_body = _page(demo_client, f"/trouver?commune=96001&theme={THEME}&mode=voiture")
    nom = re.search(r"près de ([^<]+)</h2>", engine_body).group(1).strip()
    body = _page(demo_client, f"/trouver?adresse={nom}&theme={THEME}&mode=voiture")
    assert _listed(body) == _listed(engine_body)


@pytest.mark.parametrize("query, message", [
    ("adresse=zzzz%20qqqq", "adresse introuvable : « zzzz qqqq »"),
    ("adresse=rue&commune=96001", "indiquez une seule origine"),
])
def test_address_errors(demo_client, query, message):
    body = _page(demo_client, f"/trouver?{query}&theme={THEME}", status=400)
    assert message in html.unescape(body)


def test_keywords_keep_the_offers_that_contain_them(demo_client, demo_settings):
    engine = create_engine(demo_settings.database_url)
    with engine.connect() as conn:
        offers = {i: fold(f"{n} {d}") for i, n, d in conn.execute(text("SELECT id, nom, description FROM offer"))}
    engine.dispose()
    full = _page(demo_client, f"/trouver?commune=96001&theme=aide_alimentaire&mode=voiture")
    listed_offers = re.findall(r'href="/offre/([^"]+)"', full)
    assert listed_offers
    # a word of one listed offer's name that not every listed offer has
    word = next(w for i in listed_offers for w in offers[html.unescape(i)].split()
                if len(w) > 5 and not all(w in offers[html.unescape(j)].split() for j in listed_offers))
    body = _page(demo_client, f"/trouver?commune=96001&theme=aide_alimentaire&mode=voiture&mots={word.upper()}")
    kept = [html.unescape(i) for i in re.findall(r'href="/offre/([^"]+)"', body)]
    assert kept and all(re.search(rf"\b{word}", offers[i]) for i in kept)
    assert set(kept) != {html.unescape(i) for i in listed_offers}
    none = _page(demo_client, f"/trouver?commune=96001&theme=aide_alimentaire&mode=voiture&mots=zzzqqq")
    assert "ne contient ces mots-clés" in html.unescape(none)

"""The JSON API: GeoJSON, filters shared with the carte, errors in French, OpenAPI."""

from __future__ import annotations

import re

import json

import pytest
import shapely.geometry

from mapapp.catalog import vocab
from tests.web.conftest import XSS, XSS_TEMPLATE


def _json(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:300])
    return response, json.loads(response.get_data(as_text=True))


def _ids(collection) -> list[str]:
    return [f["id"] for f in collection["features"]]


def test_sites_geojson(client):
    response, data = _json(client, "/api/sites")
    assert response.mimetype == "application/geo+json"
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 10
    site = next(f for f in data["features"] if f["id"] == "test--site-1")
    assert site["geometry"] == {"type": "Point", "coordinates": [2.05, 45.05]}
    p = site["properties"]
    assert p["kind_label"] == "Département – siège" and p["commune_nom"] == "Arlenc"
    assert p["horaires_fr"].startswith("du lundi au vendredi de 8h30")
    assert p["thematiques"] == ["mobilite--preparer-un-permis"] and p["offer_ids"] == ["test--offre-1"]
    assert p["url"] == "http://localhost/site/test--site-1"
    perm = next(f for f in data["features"] if f["id"] == "test--perm")["properties"]
    assert (perm["status"], perm["closed_from"], perm["closed_until"]) == ("temporarily_closed", "2026-07-01",
                                                                          "2026-08-31")


def test_sites_use_the_carte_filters(client):
    _, data = _json(client, "/api/sites?thematique=numerique")
    assert sorted(_ids(data)) == ["test--num-1", "test--num-2", "test--xss"]
    _, data = _json(client, "/api/sites?territoire=territoire_action_sociale:TAS2&statut=tous")
    assert sorted(_ids(data)) == ["test--antenne", "test--bus-a", "test--perm", "test--xss"]
    _, data = _json(client, "/api/sites?bbox=2.1,45.0,2.2,45.1&type_lieu=departement_antenne")
    assert _ids(data) == ["test--antenne"]
    _, data = _json(client, "/api/sites?commune=Arlenc&public=jeunes")
    assert sorted(_ids(data)) == ["test--bus-b", "test--fs-arlenc", "test--num-1", "test--num-2"]


def test_offers_one_feature_per_offer_and_site(client):
    _, data = _json(client, "/api/offers")
    ids = _ids(data)
    assert {"test--o-fs@test--fs-arlenc", "test--o-fs@test--bus-a", "test--o-fs@test--bus-b"} <= set(ids)
    assert len(ids) == len(set(ids)) == 10  # 5 physical offers × their 8 sites + 2 offers without a site
    pair = next(f for f in data["features"] if f["id"] == "test--o-fs@test--bus-a")
    assert pair["geometry"]["coordinates"] == [2.18, 45.08]
    assert pair["properties"]["offer_id"] == "test--o-fs" and pair["properties"]["site_id"] == "test--bus-a"
    remote = next(f for f in data["features"] if f["id"] == "test--o-remote")
    assert remote["geometry"] is None and remote["properties"]["site_id"] is None
    assert remote["properties"]["delivery_mode"] == "remote" and remote["properties"]["zone_eligibilite"] == ["96"]
    _, data = _json(client, "/api/offers?territoire=territoire_action_sociale:TAS1&delivrance=remote")
    assert _ids(data) == ["test--o-remote"]


def test_user_text_round_trips_exactly_and_is_never_raw_html(client):
    for url in ("/api/sites", "/api/offers", "/api/mobility"):
        response, data = _json(client, url)
        raw = response.get_data(as_text=True)
        assert "<script>" not in raw and "\\u003cscript\\u003e" in raw
        texts = json.dumps(data, ensure_ascii=False)
        assert XSS in texts, url
    _, sites = _json(client, "/api/sites")
    xss = next(f for f in sites["features"] if f["id"] == "test--xss")["properties"]
    assert xss["nom"] == XSS and xss["adresse"] == XSS_TEMPLATE
    assert xss["structure_nom"] == f"Mission locale {XSS}"
    _, offers = _json(client, "/api/offers?thematique=numerique--acceder-a-une-connexion-internet")
    assert [(f["properties"]["nom"], f["properties"]["description"]) for f in offers["features"]] == [
        (XSS, XSS_TEMPLATE)]


def test_mobility_points_areas_and_aids(client):
    _, data = _json(client, "/api/mobility")
    by_id = {f["id"]: f for f in data["features"]}
    assert set(by_id) == {"test--tad", "test--garage", "test--aide"}
    assert by_id["test--garage"]["geometry"] == {"type": "Point", "coordinates": [2.14, 45.09]}
    assert by_id["test--aide"]["geometry"] is None
    area = shapely.geometry.shape(by_id["test--tad"]["geometry"])
    assert area.bounds == (2.0, 45.0, 2.2, 45.1) and abs(area.area - 0.02) < 1e-9
    assert by_id["test--tad"]["properties"]["served_communes"] == ["96001", "96002"]
    _, data = _json(client, "/api/mobility?geometry=0&statut=tous")
    assert len(data["features"]) == 4 and all(f["geometry"] is None for f in data["features"])
    _, data = _json(client, "/api/mobility?commune=96002")
    assert set(_ids(data)) == {"test--tad", "test--garage", "test--aide"}
    _, data = _json(client, "/api/mobility?thematique=numerique")
    assert data["features"] == []


def test_communes(client):
    response, data = _json(client, "/api/communes")
    assert _ids(data) == ["96001", "96002", "96501"]
    p = data["features"][0]["properties"]
    assert (p["nom"], p["population"], p["is_buffer"]) == ("Arlenc", 1200, False)
    assert data["features"][0]["geometry"]["type"] == "Polygon"
    assert "max-age" in response.headers["Cache-Control"]
    _, data = _json(client, "/api/communes?geometry=0&buffer=0")
    assert _ids(data) == ["96001", "96002"] and all(f["geometry"] is None for f in data["features"])
    _, data = _json(client, "/api/communes?lon=2.15&lat=45.05")
    assert _ids(data) == ["96002"]
    _, data = _json(client, "/api/communes?lon=5&lat=45.05")
    assert data["features"] == []
    _, data = _json(client, "/api/communes?tolerance=0.01")
    assert len(data["features"]) == 3


def test_commune_detail(client):
    response, data = _json(client, "/api/communes/96001")
    assert response.mimetype == "application/geo+json"
    p = data["properties"]
    assert p["population"] == 1200
    assert [(t["grid"], t["code"], t["nom"]) for t in p["territoires"]] == [
        ("epci", "200096001", "CC du Test"), ("territoire_action_sociale", "TAS1", "Territoire Nord")]
    assert p["site_ids"] == ["test--bus-b", "test--fs-arlenc", "test--num-1", "test--num-2", "test--site-1"]
    assert p["mobility"] == {"areas": ["test--tad"], "points": [], "aids": ["test--aide"]}
    _, data = _json(client, "/api/communes/96002?geometry=0")
    assert data["geometry"] is None and data["properties"]["mobility"]["points"] == ["test--garage"]


def test_vocabularies(client):
    _, data = _json(client, "/api/thematiques")
    assert len(data["categories"]) == len(vocab.CATEGORIES)
    assert sum(len(c["thematiques"]) for c in data["categories"]) == len(vocab.THEMATIQUES)
    mobilite = next(c for c in data["categories"] if c["value"] == "mobilite")
    assert mobilite["label"] == "Mobilité"
    assert {"value": "mobilite--preparer-un-permis", "label": vocab.THEMATIQUES["mobilite--preparer-un-permis"]} \
        in mobilite["thematiques"]
    _, data = _json(client, "/api/vocabulaires")
    assert data["statuses"]["temporarily_closed"] == "Fermé temporairement"


@pytest.mark.parametrize("url, status, words", [
    ("/api/sites?thematique=pas-une-thematique", 400, "« pas-une-thematique »"),
    ("/api/offers?public=martiens", 400, "« martiens »"),
    ("/api/mobility?statut=ouvert", 400, "« ouvert »"),
    ("/api/sites?bbox=2,45,abc,46", 400, "« abc »"),
    ("/api/sites?bbox=2,95,3,96", 400, "« 95 »"),
    ("/api/communes?lon=abc&lat=45", 400, "« abc »"),
    ("/api/communes?lon=2.1&lat=91", 400, "« 91 »"),
    ("/api/communes?lon=2.1", 400, "« lat »"),
    ("/api/communes?lon=nan&lat=45", 400, "« nan »"),
    ("/api/communes?geometry=peut-etre", 400, "« peut-etre »"),
    ("/api/communes?tolerance=3", 400, "« 3 »"),
    ("/api/sites?comune=96001", 400, "« comune »"),
    ("/api/communes?lon=2.1&lat=45&zoom=3", 400, "« zoom »"),
    ("/api/communes/96001?tolerance=0.01", 400, "« tolerance »"),
    ("/api/sites?commune=99999", 404, "« 99999 »"),
    ("/api/offers?territoire=epci:000000000", 404, "« epci:000000000 »"),
    ("/api/communes/99999", 404, "« 99999 »"),
    ("/api/nulle-part", 404, "aucune page"),
])
def test_errors_are_json_in_french(client, url, status, words):
    response, data = _json(client, url, status)
    assert response.mimetype == "application/json"
    assert set(data) == {"error"} and words in data["error"], data


def test_wrong_method_is_a_json_error(client):
    response = client.post("/api/sites")
    assert response.status_code == 405 and "error" in response.get_json()


def test_openapi_lists_every_route_and_is_valid(client, app):
    _, spec = _json(client, "/api/openapi.json")
    assert spec["openapi"].startswith("3.")
    documented = set(spec["paths"])
    routes = {re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/")}
    assert routes == documented
    filters = [p["$ref"].rsplit("/", 1)[1] for p in spec["paths"]["/api/sites"]["get"]["parameters"]]
    assert filters == ["thematique", "public", "mode_accueil", "delivrance", "statut", "type_lieu", "commune",
                       "territoire", "bbox", "ouvert_le", "demi_journee"]
    for ref in filters:
        assert ref in spec["components"]["parameters"]
    assert set(spec["components"]["parameters"]["thematique"]["schema"]["items"]["enum"]) == \
        set(vocab.THEMATIQUES) | set(vocab.CATEGORIES)
    validator = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator n'est pas installé")
    validator.validate(spec)

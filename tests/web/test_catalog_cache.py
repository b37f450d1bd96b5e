"""The catalog kept in the process per catalog version: a publication is visible on the next request (issue 15 §2)."""

from __future__ import annotations

from mapapp.catalog.db import transaction
from mapapp.catalog.history import apply_live, record_to_data
from mapapp.catalog.users import known_communes
from mapapp.catalog.models import Offer, Site
from mapapp.config import load_settings
from mapapp.web import catalog_cache
from tests.catalog.test_inputs_state import copy_of_demo  # noqa: F401  (fixture)

URL = "/api/plus-proches?commune=96001&theme=france_services&n=50"


def _publish(factory, section: str, record_id: str, **changes) -> None:
    """A change of the live record written as a publication writes it (:func:`apply_live`, the command line's user)."""
    model = Site if section == "sites" else Offer
    with transaction(factory) as s:
        live = s.get(model, record_id)
        data = {**record_to_data(live, section), **changes}
        assert apply_live(s, section, data, user=None, action="update", known_communes=known_communes(s),
                          expected_version=live.version) is not None


def test_a_publication_is_visible_on_the_next_request_of_plus_proches(copy_of_demo):
    from mapapp.web import create_app

    env, factory = copy_of_demo
    client = create_app(load_settings(env)).test_client()
    first = client.get(URL).get_json()
    assert client.get(URL).get_json() == first  # the second request is served from the cache, same answer
    assert len(catalog_cache._MEMO) > 0
    nearest = first["results"][0]
    ids = [r["site_id"] for r in first["results"]]

    # Closing the nearest site: it leaves the answer on the very next request.
    _publish(factory, "sites", nearest["site_id"], status="closed")
    after_closing = client.get(URL).get_json()
    assert [r["site_id"] for r in after_closing["results"]] == [i for i in ids if i != nearest["site_id"]]

    # Renaming an offer of the (new) nearest site: the new name is served next.
    site = after_closing["results"][0]
    offer_id = site["offers"][0]["id"]
    _publish(factory, "offers", offer_id, nom="Guichet renommé par la modération")
    renamed = client.get(URL).get_json()["results"][0]
    assert renamed["site_id"] == site["site_id"]
    assert {o["id"]: o["nom"] for o in renamed["offers"]}[offer_id] == "Guichet renommé par la modération"


def test_the_cache_is_per_database(copy_of_demo, demo_computed):
    """Two apps on two databases in one process never share catalog tables."""
    from mapapp.web import create_app

    env, factory = copy_of_demo
    copy_client = create_app(load_settings(env)).test_client()
    demo_client = create_app(load_settings(demo_computed[0])).test_client()
    before = demo_client.get(URL).get_json()
    closed = before["results"][0]["site_id"]
    _publish(factory, "sites", closed, status="closed")
    assert closed not in [r["site_id"] for r in copy_client.get(URL).get_json()["results"]]
    assert demo_client.get(URL).get_json() == before


def test_api_gets_answer_304_to_their_etag_until_a_publication_changes_the_answer(copy_of_demo):
    from mapapp.web import create_app

    env, factory = copy_of_demo
    client = create_app(load_settings(env)).test_client()
    for url in ("/api/sites", URL, "/api/openapi.json"):
        first = client.get(url)
        tag = first.headers["ETag"]
        assert first.status_code == 200 and tag
        again = client.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.data == b"", url
        assert client.get(url, headers={"If-None-Match": '"autre"'}).status_code == 200, url

    tag = client.get(URL).headers["ETag"]
    site_id = client.get(URL).get_json()["results"][0]["site_id"]
    _publish(factory, "sites", site_id, nom="Lieu renommé par la modération")
    after = client.get(URL, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["ETag"] != tag
    assert after.get_json()["results"][0]["nom"] == "Lieu renommé par la modération"
    errors = client.get("/api/plus-proches?commune=00000")
    assert errors.status_code == 404 and "ETag" not in errors.headers  # only successful answers are tagged


def test_catalog_api_answers_are_kept_per_version_and_url_and_follow_a_publication(copy_of_demo):
    from mapapp.web import create_app

    env, factory = copy_of_demo
    catalog_cache.clear()
    client = create_app(load_settings(env)).test_client()
    everything = client.get("/api/sites").get_json()
    assert client.get("/api/sites").get_json() == everything and len(catalog_cache._RESPONSES) == 1
    filtered = client.get("/api/sites?thematique=numerique--acceder-a-une-connexion-internet").get_json()
    assert len(filtered["features"]) < len(everything["features"])  # another URL, another answer
    feature = everything["features"][0]
    site_id = feature["properties"]["id"]
    _publish(factory, "sites", site_id, nom="Lieu renommé par la modération")
    renamed = {f["properties"]["id"]: f["properties"]["nom"] for f in client.get("/api/sites").get_json()["features"]}
    assert renamed[site_id] == "Lieu renommé par la modération"
    unknown = client.get("/api/sites?inconnu=1")
    assert unknown.status_code == 400  # the parameter check still runs before the cache

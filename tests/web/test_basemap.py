"""The map background setting (MAPAPP_TILES) reaches the pages, their credit and the CSP; framing (MAPAPP_FRAME_ANCESTORS)."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from mapapp.config import SettingsError, TILE_PRESETS
from mapapp.web import create_app

CALL = re.compile(r"mapappBasemap\((\w+), (.*?), (\"[^\"]*\")\);")


def _app(web_settings, **changes):
    return create_app(dataclasses.replace(web_settings, **changes))


def _basemap_of(html: str) -> tuple[dict, str]:
    """The configuration and the communes URL the page hands to static/basemap.js (asserts there is one call)."""
    calls = CALL.findall(html)
    assert len(calls) == 1, calls
    return json.loads(calls[0][1]), json.loads(calls[0][2])


def _img_src(response) -> list[str]:
    return re.search(r"img-src ([^;]+)", response.headers["Content-Security-Policy"]).group(1).split()


def test_default_background_is_openstreetmap_with_its_credit_and_host(web_settings):
    response = _app(web_settings).test_client().get("/carte")
    config, communes_url = _basemap_of(response.get_data(as_text=True))
    assert config["tiles"]["url"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "OpenStreetMap" in config["tiles"]["attribution"]
    assert communes_url.startswith("/api/communes?tolerance=")
    assert _img_src(response) == ["'self'", "data:", "https://tile.openstreetmap.org"]


def test_plan_ign_changes_the_tiles_the_credit_and_the_csp(web_settings):
    client = _app(web_settings, tiles_raw="plan-ign").test_client()
    for path in ("/carte", "/commune/96001"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        config, _ = _basemap_of(html)
        assert "LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2" in config["tiles"]["url"]
        assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in config["tiles"]["url"]
        assert "IGN" in config["tiles"]["attribution"] and config["tiles"]["maxZoom"] == 19
        assert _img_src(response) == ["'self'", "data:", "https://data.geopf.fr"]
        assert "openstreetmap.org/{z}" not in html and "Plan IGN v2 © IGN" in html  # footer credit


def test_osm_france_allows_its_sub_domains(web_settings):
    response = _app(web_settings, tiles_raw="osm-fr").test_client().get("/carte")
    config, _ = _basemap_of(response.get_data(as_text=True))
    assert config["tiles"]["url"] == TILE_PRESETS["osm-fr"].url and config["tiles"]["subdomains"] == "abc"
    assert "https://*.tile.openstreetmap.fr" in _img_src(response)


def test_aucun_loads_no_tiles_and_allows_no_image_host(web_settings):
    client = _app(web_settings, tiles_raw="aucun").test_client()
    response = client.get("/carte")
    html = response.get_data(as_text=True)
    config, communes_url = _basemap_of(html)
    assert config == {"tiles": None}
    assert _img_src(response) == ["'self'", "data:"]
    assert "limites des communes du territoire" in html
    # The fallback's data: commune outlines with their names.
    communes = client.get(communes_url).get_json()
    names = {f["properties"]["nom"] for f in communes["features"] if f["geometry"]}
    assert names and all(isinstance(f["properties"]["point_lat"], float) for f in communes["features"])


def test_a_url_template_needs_its_attribution_which_is_shown_as_text(web_settings):
    url = "https://{s}.tuiles.example.fr/plan/{z}/{x}/{y}.png"
    response = _app(web_settings, tiles_raw=url, tiles_attribution_raw="<b>© Tuiles & Cie</b>").test_client().get("/")
    assert "&lt;b&gt;© Tuiles &amp; Cie&lt;/b&gt;" in response.get_data(as_text=True)  # footer, escaped
    carte = _app(web_settings, tiles_raw=url, tiles_attribution_raw="<b>© Tuiles & Cie</b>").test_client().get("/carte")
    config, _ = _basemap_of(carte.get_data(as_text=True))
    assert config["tiles"]["url"] == url and config["tiles"]["attribution"] == "&lt;b&gt;© Tuiles &amp; Cie&lt;/b&gt;"
    assert _img_src(carte) == ["'self'", "data:", "https://*.tuiles.example.fr"]


@pytest.mark.parametrize("tiles, attribution, message", [
    ("osm-de", "", "fond de carte inconnu"),
    ("https://t.example.fr/{z}/{x}/{y}.png", "", "MAPAPP_TILES_ATTRIBUTION"),
    ("http://t.example.fr/{z}/{x}/{y}.png", "© T", "https://"),
    ("https://t.example.fr;script-src *;/{z}/{x}/{y}.png", "© T", "https://"),
    ("https://t.example.fr/{z}/{x}.png", "© T", "il manque {y}"),
])
def test_a_bad_tile_setting_stops_the_start_with_a_french_message(web_settings, tiles, attribution, message):
    with pytest.raises(SettingsError, match=re.escape(message)) as exc:
        _app(web_settings, tiles_raw=tiles, tiles_attribution_raw=attribution)
    assert "MAPAPP_TILES" in str(exc.value)


def test_framing_is_refused_by_default(client):
    for path in ("/carte", "/connexion"):
        response = client.get(path)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Frame-Options"] == "DENY", path


def test_frame_ancestors_let_the_listed_origins_embed_the_public_pages_only(web_settings):
    client = _app(web_settings, frame_ancestors=("https://www.cd96.fr",)).test_client()
    carte = client.get("/carte?integrer=1")
    assert re.search(r"frame-ancestors ([^;]+)$", carte.headers["Content-Security-Policy"]).group(1) \
        == "'self' https://www.cd96.fr"
    assert "X-Frame-Options" not in carte.headers  # it cannot name an origin: the CSP decides
    login = client.get("/connexion")
    assert "frame-ancestors 'none'" in login.headers["Content-Security-Policy"]
    assert login.headers["X-Frame-Options"] == "DENY"


def test_a_bad_frame_ancestor_stops_the_start(web_settings):
    with pytest.raises(SettingsError, match="MAPAPP_FRAME_ANCESTORS : « https://cd96.fr; script-src"):
        _app(web_settings, frame_ancestors=("https://cd96.fr; script-src",))


def test_integrer_mode_drops_header_and_navigation_and_keeps_itself_in_the_filters(client):
    full = client.get("/carte?thematique=choisir-un-metier").get_data(as_text=True)
    assert 'aria-label="Navigation principale"' in full and 'name="integrer"' not in full
    embedded = client.get("/carte?thematique=choisir-un-metier&integrer=1")
    assert embedded.status_code == 200
    html = embedded.get_data(as_text=True)
    assert 'aria-label="Navigation principale"' not in html and "<header>" not in html
    assert '<input type="hidden" name="integrer" value="1">' in html  # a filter change stays embedded
    assert 'href="/carte?integrer=1">Réinitialiser les filtres' in html
    assert 'href="/carte?thematique=choisir-un-metier" target="_blank" rel="noopener">ouvrir dans un nouvel onglet' in html
    assert "mapappBasemap(" in html  # the map is still there

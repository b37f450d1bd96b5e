"""The carte de l'offre page: map, filters in the URL, tables, errors, escaping."""

from __future__ import annotations

import json
import re
from html import unescape

from markupsafe import escape

from tests.web.conftest import XSS, XSS_TEMPLATE


def _marker_batches(page: str) -> list[list[dict]]:
    """The marker data each MarkerBatch writes into the page script, decoded."""
    return [json.loads(m) for m in re.findall(r", items = (\[.*?\]), half = ", page)]


def _titles(page: str) -> set[str]:
    return {item["title"] for batch in _marker_batches(page) for item in batch}


def _table_rows(page: str, heading_id: str) -> list[str]:
    section = page.split(f'id="{heading_id}"', 1)[1].split("<h2", 1)[0]
    return [unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(r'<th scope="row">(.*?)</th>', section, re.S)]


def test_carte_shows_every_family_with_legend_and_table(client):
    response = client.get("/carte")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Carte de l'offre d'insertion</h1>" in page
    assert "<strong>10</strong> lieux" in page and "<strong>7</strong> offres" in page
    for label in ("Département – sièges (1)", "Département – antennes (1)", "Département – permanences (1)",
                  "France Services – sites fixes (1)", "France Services itinérant – arrêts (2)",
                  "France Services itinérant – tournées (1)", "Partenaires – Numérique (3)",
                  "Partenaires – Trouver un emploi (1)", "Mobilité – lieux (garages, locations…) (1)",
                  "Mobilité – zones de transport à la demande (1)"):
        assert label in page, label
    assert _titles(page) == {"Maison des Solidarités de Test", "Antenne de Saint-Jo", "Permanence de la mairie",
                             "France Services d'Arlenc", "Bus : arrêt de la place", "Bus : arrêt de l'école", XSS,
                             "Point numérique 1", "Point numérique 2", "Mission locale hors département",
                             "Garage solidaire " + XSS}
    # The equivalent table lists the same sites, sorted by name, with hours in French.
    assert len(_table_rows(page, "liste-lieux")) == 10
    assert "<p>1 lieu sans horaires renseignés.</p>" in page  # the partner site with horaires_accueil=None
    assert "du lundi au vendredi de 8h30 à 12h et de 13h30 à 17h ; fermé les jours fériés" in page
    assert "Fermé temporairement du 01/07/2026 au 31/08/2026" in page
    assert "Sans lieu d'accueil" in page  # the remote offers, listed but not on the map
    # Leaflet from our static folder; no CDN; OSM credited; tiles optional.
    assert "/static/vendor/leaflet/leaflet.js" in page and "/static/vendor/markercluster/leaflet.markercluster.js" in page
    assert not re.search(r"(cdn\.jsdelivr|cdnjs|code\.jquery|bootstrapcdn)", page)
    assert "OpenStreetMap" in page and "contributeurs" in page
    assert "L.markerClusterGroup" in page and "L.control.layers" in page
    assert "user-scalable=no" not in page  # zooming the page must stay possible


def test_marker_popups_are_escaped_html_inside_escaped_json(client):
    page = client.get("/carte").get_data(as_text=True)
    items = {item["title"]: item for batch in _marker_batches(page) for item in batch}
    popup = items[XSS]["popup"]
    assert "<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>" in popup
    # Harmless inside a JSON string, escaped HTML, and never evaluated as a Jinja template on the
    # server (branca re-compiles folium output): the text arrives intact.
    assert str(escape(XSS_TEMPLATE)) in popup
    assert "${alert(2)}`&lt;/div&gt;{{ 7*7 }}{% if true %}X{% endif %}{# c #}" in popup
    assert 'href="/site/test--xss"' in popup
    assert "&lt;script&gt;" in items["Garage solidaire " + XSS]["popup"]
    # Nowhere in the page does the raw name appear: not in the tables, not in the script.
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # User text is only inside those JSON literals, never in JavaScript source (folium's own
    # Popup/Tooltip would put it in template literals, where ${...} runs).
    scripts = "".join(re.findall(r"<script>(.*?)</script>", page, re.S))
    code = re.sub(r", items = \[.*?\], half = ", "", scripts)
    code = re.sub(r"L\.geoJSON\(\{.*?\}, \{\n", "", code)
    assert "L.map(" in code and "L.markerClusterGroup" in code and "alert(" not in code


def test_filters_are_in_the_url_and_the_form_keeps_them(client):
    response = client.get("/carte?thematique=numerique&public=jeunes&statut=tous&territoire=epci:200096001")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    # numerique, for jeunes (or tous publics), in the EPCI: not the site outside the département.
    assert _titles(page) == {XSS, "Point numérique 1", "Point numérique 2"}
    assert '<option value="numerique" selected>' in page
    assert '<option value="jeunes" selected>' in page
    assert '<option value="tous" selected>' in page
    assert '<option value="epci:200096001" selected>CC du Test</option>' in page
    # The GeoJSON links carry the same filters.
    assert "/api/sites?thematique=numerique&amp;public=jeunes&amp;statut=tous&amp;territoire=epci%3A200096001" in page


def test_commune_search_filters_and_zooms(client):
    page = client.get("/carte?commune=Saint-Jo+l%27Ancien+%2896002%29").get_data(as_text=True)
    assert _titles(page) == {"Antenne de Saint-Jo", "Permanence de la mairie", "Bus : arrêt de la place", XSS,
                             "Garage solidaire " + XSS}
    assert 'à <a href="/commune/96002">Saint-Jo l&#39;Ancien</a>' in page
    outlines = [f for m in re.findall(r"L\.geoJSON\((\{.*?\}), \{\n", page) for f in json.loads(m)["features"]]
    assert {f["properties"].get("tooltip") for f in outlines} >= {"Saint-Jo l&#39;Ancien"}  # the commune's outline
    assert "fitBounds" in page and "[45.0, 2.1], [45.1, 2.2]" in page  # zoomed on the commune
    # The datalist offers every commune as "Nom (code)".
    assert '<option value="Arlenc (96001)">' in page and '<option value="Hors-Limite (96501)">' in page
    assert 'value="Saint-Jo l&#39;Ancien (96002)"' in page


def test_territory_select_lists_grid_units(client):
    page = client.get("/carte").get_data(as_text=True)
    assert '<optgroup label="EPCI">' in page and '<optgroup label="Territoire d&#39;action sociale">' in page
    assert '<option value="territoire_action_sociale:TAS1" >Territoire Nord</option>' in page


def test_bad_filter_value_is_explained_in_french(client):
    response = client.get("/carte?thematique=pas-une-thematique")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in page and "« pas-une-thematique »" in page
    assert _titles(page) == set() and "Aucun lieu ne correspond aux filtres." in page
    response = client.get("/carte?commune=Atlantide")
    assert response.status_code == 404
    assert "aucune commune ne s&#39;appelle « Atlantide »" in response.get_data(as_text=True)
    response = client.get("/carte?commune=%3Cscript%3Ealert(1)%3C/script%3E")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and XSS not in page and "&lt;script&gt;alert(1)" in page


def test_carte_lists_mobility_and_offers_without_site(client):
    page = client.get("/carte").get_data(as_text=True)
    assert _table_rows(page, "liste-mobilite") == ["Aide au permis", "Garage solidaire " + XSS,
                                                   "Transport à la demande du plateau"]
    assert "2 communes desservies" in page and "Aide non localisée" in page
    offers = _table_rows(page, "liste-offres")
    assert offers[-2:] == ["Permanence téléphonique emploi", "Plateforme d'un autre département"]
    assert XSS_TEMPLATE not in page  # the address "${alert(2)}`</div>" is escaped too


def test_itinerant_route_and_tad_area_are_drawn(client):
    page = client.get("/carte").get_data(as_text=True)
    collections = [json.loads(m) for m in re.findall(r"L\.geoJSON\((\{.*?\}), \{\n", page)]
    lines = [f for c in collections for f in c["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == 1
    # Stop order from the hours: the Tuesday stop (école, 2.08) before the Thursday one (place, 2.18).
    assert lines[0]["geometry"]["coordinates"] == [[2.08, 45.01], [2.18, 45.08]]
    assert "Bus : arrêt de l&#39;école → Bus : arrêt de la place" in lines[0]["properties"]["tooltip"]
    areas = [f for c in collections for f in c["features"] if f["geometry"]["type"] in ("Polygon", "MultiPolygon")]
    assert len(areas) == 1
    import shapely.geometry

    area = shapely.geometry.shape(areas[0]["geometry"])
    assert area.bounds == (2.0, 45.0, 2.2, 45.1)  # the union of 96001 and 96002
    assert abs(area.area - 0.02) < 1e-9


def test_empty_database_still_renders_the_carte(settings, db_url):
    from mapapp.web import create_app

    response = create_app(settings).test_client().get("/carte")
    assert response.status_code == 200
    assert "Aucun lieu ne correspond aux filtres." in response.get_data(as_text=True)


def test_navigation_links_to_the_carte(client):
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/carte"' in page and 'aria-label="Navigation principale"' in page
    assert 'aria-current="page">Carte' in client.get("/carte").get_data(as_text=True)

"""The accessibility pages and API on the computed demo: what is shown equals what was stored.

Expected values are recomputed here from the stored tables (``ResultStore``),
not through :mod:`mapapp.web.access_data`, so a slip in the views shows.
"""

from __future__ import annotations

import html
import json
import re
import shutil

import numpy as np
import pytest
from markupsafe import escape
from sqlalchemy import create_engine, text

from mapapp.config import load_settings
from mapapp.results import ResultStore
from mapapp.web import create_app
from mapapp.web.access_maps import UNREACHABLE_COLOUR, YLGNBU
from tests.env import WEB_ENV
from tests.web.conftest import XSS, XSS_TEMPLATE

THEME = "france_services"


@pytest.fixture(scope="module")
def demo_settings(demo_computed):
    env, _ = demo_computed
    return load_settings(env)


@pytest.fixture(scope="module")
def demo_client(demo_settings):
    return create_app(demo_settings).test_client()


@pytest.fixture(scope="module")
def store(demo_settings):
    return ResultStore(demo_settings.data_dir / "results")


def _get(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
    return response.get_data(as_text=True)


def _json(client, url: str, status: int = 200):
    response = client.get(url)
    body = response.get_data(as_text=True)
    assert response.status_code == status, (url, response.status_code, body[:500])

    def no_constant(name):  # NaN / Infinity are not JSON
        raise AssertionError(f"{url}: {name} in the JSON")
    return response, json.loads(body, parse_constant=no_constant)


def _layer_entries(page: str, key: str) -> list[dict]:
    """The entries of one commune layer of the map (the JSON literal its script draws)."""
    var = re.search(rf'id="(?:vue|couche)-{key}"[^>]*data-layer="(\w+)"', page).group(1)
    start = page.index(f"}})({var}, ")
    start = page.index(", ", start + len(var) + 4) + 2  # after the shared geometry's name
    entries, _ = json.JSONDecoder().raw_decode(page, start)
    return entries


def _row(page: str, table_id: str, commune: str) -> str:
    table = page[page.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    match = re.search(rf'<tr data-commune="{commune}"[^>]*>(.*?)</tr>', table, re.S)
    assert match, (table_id, commune)
    return match.group(1)


def _minutes(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "\u00a0min"


def _duration(value: float) -> str:
    """The fiches' human travel time (« 12 min », « 1 h 05 »), recomputed here."""
    total = round(value)
    if value < 1:
        return "moins d'1\u00a0min"
    return f"{total}\u00a0min" if total < 60 else f"{total // 60}\u00a0h\u00a0{total % 60:02d}"


def _percent(share: float) -> str:
    if share in (0.0, 1.0):  # all or nobody: no decimal (« 100 % »)
        return f"{int(share * 100)}\u00a0%"
    return f"{share * 100:.1f}".replace(".", ",") + "\u00a0%"


def _count(value: float) -> str:
    return f"{round(value):,}".replace(",", "\u202f")


# --------------------------------------------------------------------------- page


def test_page_defaults_and_navigation(demo_client, store):
    page = _get(demo_client, "/accessibilite")
    assert '<a href="/accessibilite" aria-current="page">Temps d\'accès</a>' in page
    assert ">Accessibilité</a></li>" not in page  # the legal link alone says « accessibilité »
    assert '<option value="france_services" selected>France Services</option>' in page
    assert '<option value="voiture" selected>Voiture</option>' in page
    main = store.manifest("car").themes[[t["key"] for t in store.manifest("car").themes].index(THEME)][
        "thresholds"]["car"]["main_min"]
    assert re.search(rf'<input type="number" id="a-seuil" name="seuil" [^>]*value="{main:g}"', page)
    assert f'<option value="{main:g}" label="{main:g}\u00a0min (seuil principal)">' in page
    assert '<option value="bassin_de_vie" selected>Bassin de vie</option>' in page
    assert "Temps moyen d'accès par bassin de vie" in page
    assert "/static/vendor/leaflet/leaflet.js" in page
    # one radio per exclusive view, the zones blanches outline as a checkbox
    assert re.findall(r'name="vue-carte" id="vue-(\w+)"', page) == ["temps", "superposition", "voiture"]
    assert 'id="couche-zones-blanches"' in page


def test_parameters_round_trip(demo_client):
    url = "/accessibilite?theme=mobilite&mode=marche&seuil=20&grid=canton&comparer=velo&vue=superposition"
    page = _get(demo_client, url)
    assert '<option value="mobilite" selected>Mobilité</option>' in page
    assert '<option value="marche" selected>Marche</option>' in page
    assert re.search(r'id="a-seuil" name="seuil" [^>]*value="20"', page)
    assert '<option value="canton" selected>Canton</option>' in page
    assert '<option value="velo" selected>Vélo</option>' in page
    assert '<input type="hidden" name="vue" id="a-vue" value="superposition">' in page
    assert re.search(r'id="vue-superposition" value="superposition" data-layer="\w+" checked', page)
    assert not re.search(r'id="vue-temps" value="temps" data-layer="\w+" checked', page)
    assert "Mobilité : à pied, seuil de 20\u00a0min" in page and "Temps moyen d'accès par canton" in page
    # the links to the other grids keep every parameter
    link = html.unescape(re.search(r'href="([^"]*grid=epci[^"]*)#territoires"', page).group(1))
    assert link == "/accessibilite?theme=mobilite&mode=marche&seuil=20&grid=epci&comparer=velo&vue=superposition"
    # engine mode names are accepted too
    assert '<option value="velo" selected>Vélo</option>' in _get(demo_client, "/accessibilite?mode=bike")


def test_choropleth_and_table_equal_the_stored_times(demo_client, store):
    page = _get(demo_client, f"/accessibilite?theme={THEME}&mode=voiture")
    communes = store.table("car", "communes")
    communes = communes[communes.theme == THEME].set_index("commune")
    spec = next(t for t in store.manifest("car").themes if t["key"] == THEME)
    bands = sorted(spec["thresholds"]["car"]["bands_min"])
    palette = YLGNBU[len(bands) + 1]
    entries = {e["id"]: e for e in _layer_entries(page, "temps")}
    assert set(entries) == set(communes.index)
    for code, row in communes.iterrows():
        e = entries[code]
        expected = palette[sum(row.mean_time_min > b for b in bands)]
        assert e["style"]["fillColor"] == expected, code
        assert e["tooltip"] == _minutes(row.mean_time_min)
    code = communes.population_points.idxmax()
    row = communes.loc[code]
    cells = _row(page, "table-communes", code)
    assert _minutes(row.mean_time_min) in cells and _count(row.population_points) in cells
    assert f'<a href="/site/{row.nearest_site_id}">' in cells


def test_zones_blanches_outlined_are_those_of_the_results(demo_client, store):
    communes = store.table("car", "communes")
    communes = communes[communes.theme == THEME]
    stored = set(communes.commune[communes.zone_blanche.fillna(False).astype(bool)])
    assert stored, "the demo should have zones blanches for this theme"
    page = _get(demo_client, f"/accessibilite?theme={THEME}&mode=voiture")
    assert {e["id"] for e in _layer_entries(page, "zones-blanches")} == stored
    table = page[page.index('id="table-communes"'):]
    assert set(re.findall(r'<tr data-commune="(\w+)" class="zone-blanche">', table)) == stored
    # at another threshold: every inhabitant beyond it (commune_bands); at the main one both rules agree
    bands = store.table("car", "commune_bands")
    bands = bands[bands.theme == THEME].merge(communes[["commune", "population_points", "main_threshold_min"]])
    rule = bands[(bands.population_points > 0) & (bands.population_beyond >= bands.population_points)]
    main = communes.main_threshold_min.iloc[0]
    assert set(rule.commune[rule.threshold_min == main]) == stored
    for t in sorted(set(bands.threshold_min) - {main}):
        page = _get(demo_client, f"/accessibilite?theme={THEME}&mode=voiture&seuil={t:g}")
        assert {e["id"] for e in _layer_entries(page, "zones-blanches")} == set(rule.commune[rule.threshold_min == t])


def test_territory_table_departement_row_equals_the_stored_whole(demo_client, store):
    terr = store.table("car", "territories")
    whole = terr[(terr.theme == THEME) & (terr.grid == "all")].iloc[0]
    page = _get(demo_client, f"/accessibilite?theme={THEME}&mode=voiture")
    row = page[page.index('<tr id="ligne-departement">'):]
    row = row[:row.index("</tr>")]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells == [str(whole.n_communes), _count(whole.population_points), _minutes(whole.mean_time_min),
                     _count(whole.population_beyond_main), _percent(whole.share_beyond_main),
                     str(whole.n_zones_blanches), _count(whole.population_unreachable)]
    # the grid's rows: one per unit, names from the database
    units = terr[(terr.theme == THEME) & (terr.grid == "bassin_de_vie")]
    body = page[page.index('id="table-territoires"'):]
    body = body[body.index("<tbody>"):body.index("</tbody>")]
    assert body.count("<tr>") == len(units)
    assert "?territoire=bassin_de_vie:" in body


def test_car_only_communes_are_within_by_car_and_beyond_on_foot(demo_client, store):
    t = 20.0
    page = _get(demo_client, f"/accessibilite?theme={THEME}&mode=voiture&seuil={t:g}&comparer=marche&vue=voiture")
    car = store.table("car", "points")
    walk = store.table("walk", "points")
    car, walk = car[car.theme == THEME], walk[walk.theme == THEME]
    inhabited = car.population > 0
    by_car = set(car.commune[inhabited & (car.time_min <= t)])
    on_foot = set(walk.commune[(walk.population > 0) & (walk.time_min <= t)])
    expected = by_car - on_foot
    assert expected, "the demo should have communes reachable by car only"
    table = page[page.index('id="table-voiture"'):]
    assert set(re.findall(r'<tr data-commune="(\w+)" data-class="voiture_seulement">', table)) == expected
    layer = _layer_entries(page, "voiture")
    assert {e["id"] for e in layer if e["style"].get("fillColor") == "#e66101"} == expected
    assert re.search(r'id="vue-voiture" value="voiture" data-layer="\w+" checked', page)
    # inhabitants covered only by car, summed per point
    merged = car.merge(walk, on=["point_id", "commune"], suffixes=("_car", "_walk"))
    only = merged[(merged.time_min_car <= t) & ~(merged.time_min_walk <= t)].population_car.sum()
    assert f"<strong>{_count(only)}</strong> habitants à 20\u00a0min ou moins en voiture mais pas à pied" in page


def test_overlap_table_and_layer(demo_client, store):
    page = _get(demo_client, f"/accessibilite?theme={THEME}&mode=voiture&vue=superposition")
    communes = store.table("car", "communes")
    row = communes[communes.theme == THEME].sort_values("mean_sites_within").iloc[-1]
    cells = _row(page, "table-superposition", row.commune)
    assert f"{row.mean_sites_within:.1f}".replace(".", ",") in cells
    assert _percent(row.share_population_2plus) in cells
    entry = next(e for e in _layer_entries(page, "superposition") if e["id"] == row.commune)
    assert entry["lines"][2] == f"Lieux distincts à portée : {row.n_sites_reaching}"


def test_unreachable_is_never_a_number(demo_client, store):
    communes = store.table("walk", "communes")
    dead = communes[(communes.population_points > 0) & (communes.population_reachable == 0)]
    assert len(dead), "the demo has a theme without any site"
    theme, code = dead.theme.iloc[0], dead.commune.iloc[0]
    page = _get(demo_client, f"/accessibilite?theme={theme}&mode=marche")
    assert "injoignable" in _row(page, "table-communes", code)
    entry = next(e for e in _layer_entries(page, "temps") if e["id"] == code)
    assert entry["style"]["fillColor"] == UNREACHABLE_COLOUR and entry["tooltip"] == "injoignable"
    assert "inf\u00a0min" not in page and "nan\u00a0min" not in page
    fiche = _get(demo_client, f"/commune/{code}")
    cell = re.search(rf'<tr data-theme="{theme}">.*?<td data-mode="walk">(.*?)</td>', fiche, re.S).group(1)
    assert "<strong>injoignable</strong>" in cell
    _, data = _json(demo_client, f"/api/accessibilite/communes?theme={theme}&mode=marche")
    item = next(c for c in data["communes"] if c["commune"] == code)
    assert item["status"] == "injoignable" and item["mean_time_min"] is None and item["main_point_time_min"] is None
    assert "main_point_time_min" in item["injoignables"]  # unreachable, not "not computed"


def test_threshold_outside_the_bands_is_computed_from_the_points(demo_client, store):
    """45 min is not a band of France Services by car: its figures come from the stored per-point times."""
    page = html.unescape(_get(demo_client, f"/accessibilite?theme={THEME}&mode=voiture&seuil=45"))
    assert "Le seuil de 45\u00a0min n'est pas un des seuils prévus" in page
    assert re.search(r'id="a-seuil" name="seuil" [^>]*value="45"', page)
    points = store.table("car", "points")
    points = points[points.theme == THEME]
    beyond = points.population[points.time_min > 45].sum()
    share = beyond / points.population.sum()
    assert f"<strong>{_percent(share)}</strong> des habitants à plus de 45\u00a0min" in page
    assert f"({_count(beyond)} habitants)" in page
    # the API answers the same threshold, per commune, from the same points
    _, data = _json(demo_client, f"/api/accessibilite/communes?theme={THEME}&mode=voiture&seuil=45")
    assert data["threshold_min"] == 45
    per_commune = points.assign(b=points.population * (points.time_min > 45)).groupby("commune").b.sum()
    got = {c["commune"]: c["population_beyond"] for c in data["communes"]}
    assert got == pytest.approx(per_commune.reindex(list(got)).fillna(0).to_dict())
    _, terr = _json(demo_client, f"/api/accessibilite/territoires?theme={THEME}&mode=voiture&seuil=45")
    whole = next(t for t in terr["territories"] if t["grid"] == "all")
    assert whole["population_beyond"] == pytest.approx(beyond)


def test_points_rule_equals_the_stored_bands(demo_client, store):
    """At a stored band, the per-point rule used for other thresholds gives the stored commune_bands."""
    from mapapp.web.access_data import Results
    from mapapp.web.access_tables import _beyond_from_points

    results = Results(store)
    bands = store.table("car", "commune_bands")
    bands = bands[bands.theme == THEME]
    for t in sorted(set(bands.threshold_min)):
        stored = bands[bands.threshold_min == t].set_index("commune").population_beyond
        derived = _beyond_from_points(results, "car", THEME, float(t)).population_beyond
        assert derived.reindex(stored.index).to_numpy() == pytest.approx(stored.to_numpy())


@pytest.mark.parametrize("query, words, status", [
    ("theme=nulle-part", "« nulle-part »", 404),  # a theme is a thing that may not exist, as in the API
    ("mode=avion", "« avion »", 400),
    ("seuil=abc", "« abc »", 400),
    ("seuil=0", "« 0 »", 400),
    ("seuil=-5", "« -5 »", 400),
    ("seuil=100000", "« 100000 »", 400),
    ("grid=departement", "« departement »", 400),
    ("vue=satellite", "« satellite »", 400),
    ("comparer=voiture", "« comparer »", 400),
])
def test_page_errors_are_french(demo_client, query, words, status):
    page = _get(demo_client, f"/accessibilite?{query}", status)
    assert 'class="error" role="alert"' in page and html.escape(words, quote=False) in page


def test_no_results_message(client):
    """The small web database has no computed results: the pages say what to run."""
    page = _get(client, "/accessibilite")
    assert "Pas encore de résultats" in page and "lancez « mapapp compute »" in page
    assert "leaflet.js" not in page
    response, data = _json(client, "/api/accessibilite/communes", 404)
    assert "mapapp compute" in data["error"]
    _json(client, "/api/accessibilite/territoires", 404)
    # the nearest offers need the road network, not the results: here there is none
    _, data = _json(client, "/api/plus-proches?commune=96001", 404)
    assert "réseau routier" in data["error"]


# --------------------------------------------------------------------------- fiches


def test_fiche_commune_times_per_theme_and_mode(demo_client, store):
    code = "96002"
    page = _get(demo_client, f"/commune/{code}")
    assert "lancez « mapapp compute »" not in page
    for mode in ("car", "bike", "walk"):
        c = store.table(mode, "communes")
        row = c[(c.theme == THEME) & (c.commune == code)].iloc[0]
        cell = re.search(rf'<tr data-theme="{THEME}">.*?<td data-mode="{mode}">(.*?)</td>', page, re.S).group(1)
        assert _duration(row.mean_time_min) in cell
        assert ("Zone blanche" in cell) == bool(row.zone_blanche)
    car = store.table("car", "communes")
    nearest = car[(car.theme == THEME) & (car.commune == code)].nearest_site_id.iloc[0]
    line = re.search(rf'<tr data-theme="{THEME}">(.*?)</tr>', page, re.S).group(1)
    assert f'href="/site/{nearest}"' in line


def test_fiche_site_desserte(demo_client, store):
    sites = store.table("car", "sites")
    row = sites[sites.theme == THEME].sort_values("population_nearest").iloc[-1]
    page = _get(demo_client, f"/site/{row.site_id}?mode=voiture&theme={THEME}")
    section = page[page.index('id="desserte"'):]
    line = re.search(rf'<tr data-theme="{THEME}">(.*?)</tr>', section, re.S).group(1)
    assert [_count(row.population_nearest), _duration(row.mean_time_min), str(row.n_communes_nearest),
            _count(row.population_reached), _count(row.population_only_site)] == \
        re.findall(r'<td class="num">([^<]*)</td>', line)
    assert not re.search(r"\d,\d\u00a0min", section)  # human times on the fiche: « 12 min », « 1 h 05 »
    walk = _get(demo_client, f"/site/{row.site_id}?mode=marche&theme={THEME}")
    assert not re.search(r"\d,\d\u00a0min", walk[walk.index('id="desserte"'):])
    sc = store.table("car", "site_communes")
    served = set(sc.commune[(sc.theme == THEME) & (sc.site_id == row.site_id)])
    assert set(re.findall(r'<tr data-commune="(\w+)">', section)) == served
    # the map colours exactly those communes (the catchment layer)
    entries = re.search(r"\}\)\(\w+, \w+, (\[.*?\]), \{", page, re.S)
    assert {e["id"] for e in json.loads(entries.group(1))} == served
    bands = store.table("car", "site_bands")
    bands = bands[(bands.theme == THEME) & (bands.site_id == row.site_id)]
    for b in bands.itertuples():
        assert f"{b.threshold_min:g}\u00a0min ou moins" in section
        assert f'<td class="num">{_count(b.population_nearest_within)}</td>' in section


def test_fiche_site_without_theme_and_bad_mode(demo_client, demo_settings, store):
    served = set(store.table("car", "sites").site_id)
    engine = create_engine(demo_settings.database_url)
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM site ORDER BY id"))]
    engine.dispose()
    unserved = [i for i in ids if i not in served]
    assert unserved, "the demo has sites that count for no theme by car (closed, remote only...)"
    assert "ne compte pour aucune thématique calculée" in _get(demo_client, f"/site/{unserved[0]}")
    page = _get(demo_client, f"/site/{sorted(served)[0]}?mode=avion")
    assert "mode « avion » inconnu" in page


# --------------------------------------------------------------------------- API


def test_api_communes_equal_the_stored_rows(demo_client, store):
    response, data = _json(demo_client, f"/api/accessibilite/communes?theme={THEME}&mode=voiture")
    assert response.mimetype == "application/json"
    c = store.table("car", "communes")
    c = c[c.theme == THEME].set_index("commune")
    assert {i["commune"] for i in data["communes"]} == set(c.index)
    assert data["mode"] == "voiture" and data["threshold_min"] == data["main_threshold_min"]
    for item in data["communes"][:20]:
        row = c.loc[item["commune"]]
        assert item["mean_time_min"] == pytest.approx(row.mean_time_min)
        assert item["population_beyond"] == row.population_beyond_main
        assert item["zone_blanche"] == bool(row.zone_blanche) == item["zone_blanche_at_threshold"]
        assert [b["threshold_min"] for b in item["bands"]] == data["thresholds_min"]
    response, geo = _json(demo_client, f"/api/accessibilite/communes?theme={THEME}&mode=voiture&geometry=1&seuil=30")
    assert response.mimetype == "application/geo+json" and geo["type"] == "FeatureCollection"
    assert geo["threshold_min"] == 30 and all(f["geometry"]["type"] in ("Polygon", "MultiPolygon")
                                              for f in geo["features"])


def test_api_territoires(demo_client, store):
    _, data = _json(demo_client, f"/api/accessibilite/territoires?theme={THEME}&mode=voiture&grid=canton")
    terr = store.table("car", "territories")
    terr = terr[terr.theme == THEME].set_index(["grid", "code"])
    assert data["territories"][-1]["grid"] == "all"
    for item in data["territories"]:
        row = terr.loc[(item["grid"], item["code"])]
        assert item["population_points"] == row.population_points
        assert item["mean_time_min"] == pytest.approx(row.mean_time_min)
        assert item["population_beyond"] == row.population_beyond_main
        assert item["n_zones_blanches_t"] == row.n_zones_blanches  # at the main threshold, counted from communes
    assert {i["grid"] for i in data["territories"]} == {"canton", "all"}
    _, everything = _json(demo_client, f"/api/accessibilite/territoires?theme={THEME}")
    assert {i["grid"] for i in everything["territories"]} == set(terr.index.get_level_values(0))
    assert sum(i["grid"] == "all" for i in everything["territories"]) == 1


def test_api_plus_proches_agrees_with_the_stored_town_hall_times(demo_client, store):
    c = store.table("car", "communes")
    rows = c[(c.theme == THEME) & np.isfinite(c.main_point_second_time_min)].head(5)
    for row in rows.itertuples():
        _, data = _json(demo_client, f"/api/plus-proches?commune={row.commune}&theme={THEME}&mode=voiture&n=5")
        assert data["origin"]["commune"] == row.commune and data["origin"]["snapped"]
        results = data["results"]
        assert [r["rank"] for r in results] == list(range(1, len(results) + 1))
        assert [r["time_min"] for r in results] == sorted(r["time_min"] for r in results)
        # same graph, same snaps, same conventions as the batch engine: the same two nearest times
        assert results[0]["time_min"] == pytest.approx(row.main_point_time_min, abs=0.006)
        assert results[1]["time_min"] == pytest.approx(row.main_point_second_time_min, abs=0.006)
        assert results[0]["url"].endswith(f"/site/{results[0]['site_id']}") and results[0]["offers"]


def test_api_plus_proches_eligibility_public_and_point(demo_client, demo_settings):
    engine = create_engine(demo_settings.database_url)
    with engine.connect() as conn:
        restricted = conn.execute(text(
            "SELECT o.id, o.zone_eligibilite, o.thematiques, os.site_id FROM offer o "
            "JOIN offer_site os ON os.offer_id = o.id JOIN site s ON s.id = os.site_id "
            "WHERE o.zone_eligibilite IS NOT NULL AND o.zone_eligibilite != 'null' AND o.status = 'active' "
            "AND s.status = 'active' AND o.delivery_mode IN ('on_site', 'itinerant') ORDER BY o.id")).all()
        publics = {r[0]: json.loads(r[1] or "[]") for r in conn.execute(text("SELECT id, publics FROM offer"))}
    engine.dispose()
    restricted = [(o, json.loads(z), json.loads(t), site) for o, z, t, site in restricted]
    offer_id, zone, thematiques, site_id = next(r for r in restricted if len(r[1]) == 1 and len(r[1][0]) == 5)
    theme = thematiques[0].split("--")[0].replace("-", "_")  # one theme per data·inclusion category
    insider = zone[0]
    outsider = next(c for c in ("96002", "96003", "96004") if c != insider)
    # from its commune the offer is proposed; from another commune, never
    _, data = _json(demo_client, f"/api/plus-proches?commune={insider}&theme={theme}&n=50")
    assert offer_id in {o["id"] for r in data["results"] for o in r["offers"]}
    _, data = _json(demo_client, f"/api/plus-proches?commune={outsider}&theme={theme}&n=50")
    assert data["results"] and offer_id not in {o["id"] for r in data["results"] for o in r["offers"]}
    # a public: only offers for it or for everyone (a strict subset here)
    _, everyone = _json(demo_client, "/api/plus-proches?commune=96001&theme=trouver_un_emploi&n=50")
    _, data = _json(demo_client, "/api/plus-proches?commune=96001&theme=trouver_un_emploi&public=jeunes&n=50")
    assert data["public"] == "jeunes" and data["results"]
    for r in data["results"]:
        for o in r["offers"]:
            assert not publics[o["id"]] or {"jeunes", "tous-publics"} & set(publics[o["id"]])
    offers_for = {o["id"] for r in data["results"] for o in r["offers"]}
    assert offers_for < {o["id"] for r in everyone["results"] for o in r["offers"]}
    # a point: its commune is found and gives the eligibility
    _, by_code = _json(demo_client, "/api/plus-proches?commune=96001&theme=france_services&mode=marche&n=3")
    lon, lat = by_code["origin"]["lon"], by_code["origin"]["lat"]
    _, by_point = _json(demo_client, f"/api/plus-proches?lon={lon}&lat={lat}&theme=france_services&mode=marche&n=3")
    assert by_point["origin"]["type"] == "point" and by_point["origin"]["commune"] == "96001"
    assert [r["site_id"] for r in by_point["results"]] == [r["site_id"] for r in by_code["results"]]
    assert len(by_point["results"]) == 3 and by_point["mode"] == "marche"


@pytest.mark.parametrize("url, status, words", [
    ("/api/accessibilite/communes?theme=nulle-part", 404, "« nulle-part »"),
    ("/api/accessibilite/communes?mode=avion", 400, "« avion »"),
    ("/api/accessibilite/communes?seuil=0", 400, "« 0 »"),
    ("/api/accessibilite/communes?seuil=abc", 400, "« abc »"),
    ("/api/accessibilite/communes?geometry=peut-etre", 400, "« peut-etre »"),
    ("/api/accessibilite/territoires?grid=departement", 404, "« departement »"),
    ("/api/plus-proches?commune=99999", 404, "« 99999 »"),
    ("/api/plus-proches?lon=2.1&lat=45&rayon=3", 400, "« rayon »"),
    ("/api/plus-proches?lon=abc&lat=45", 400, "« abc »"),
    ("/api/plus-proches?lon=2.1&lat=91", 400, "« 91 »"),
    ("/api/plus-proches?lon=2.1", 400, "« lat »"),
    ("/api/plus-proches?commune=96001&lon=2.1&lat=45", 400, "pas les deux"),
    ("/api/plus-proches", 400, "origine manquante"),
    ("/api/plus-proches?commune=96001&n=0", 400, "« n »"),
    ("/api/plus-proches?commune=96001&n=beaucoup", 400, "« beaucoup »"),
    ("/api/plus-proches?commune=96001&public=martiens", 400, "« martiens »"),
    ("/api/plus-proches?commune=96001&theme=nulle-part", 404, "« nulle-part »"),
    ("/api/plus-proches?commune=96001&mode=avion", 400, "« avion »"),
])
def test_api_errors_are_json_in_french(demo_client, url, status, words):
    response, data = _json(demo_client, url, status)
    assert response.mimetype == "application/json"
    assert set(data) == {"error"} and words in data["error"], data


# --------------------------------------------------------------------------- hostile names


@pytest.fixture(scope="module")
def hostile(demo_settings, tmp_path_factory):
    """A copy of the demo database where a commune and the site nearest to it have hostile names."""
    folder = tmp_path_factory.mktemp("hostile")
    db = folder / "mapapp.sqlite"
    shutil.copy(demo_settings.data_dir / "mapapp.sqlite", db)
    store = ResultStore(demo_settings.data_dir / "results")
    c = store.table("car", "communes")
    row = c[(c.theme == THEME) & (c.commune == "96002")].iloc[0]
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE site SET nom = :n WHERE id = :i"), {"n": XSS, "i": row.nearest_site_id})
        conn.execute(text("UPDATE commune SET nom = :n WHERE code = '96002'"), {"n": XSS_TEMPLATE})
    engine.dispose()
    settings = load_settings({"MAPAPP_DATA_DIR": str(demo_settings.data_dir), "MAPAPP_DATABASE_URL": f"sqlite:///{db}",
                              **WEB_ENV})
    return create_app(settings).test_client(), row.nearest_site_id


def test_hostile_names_are_text_everywhere(hostile):
    client, site_id = hostile
    for url in (f"/accessibilite?theme={THEME}", "/commune/96002", f"/site/{site_id}?theme={THEME}"):
        page = _get(client, url)
        assert XSS not in page and "alert(2)`</div>" not in page, url
    page = _get(client, f"/accessibilite?theme={THEME}")
    assert str(escape(XSS)) in page  # the nearest site, in the communes table
    assert str(escape(XSS_TEMPLATE)) in page  # the commune, in the tables
    # in the map's JSON the name is exactly the text: never evaluated as a template, never markup
    shared = json.loads(re.search(r"var shared_geo_json_\w+ = (\{.*?\});\n", page).group(1))
    assert [f["properties"]["name"] for f in shared["features"] if f["id"] == "96002"] == [XSS_TEMPLATE]
    fiche = _get(client, "/commune/96002")
    assert f'href="/site/{site_id}">{escape(XSS)}</a>' in fiche
    response = client.get(f"/api/plus-proches?commune=96001&theme={THEME}&n=50")
    raw = response.get_data(as_text=True)
    assert "<" not in raw and XSS in {r["nom"] for r in response.get_json()["results"]}


def test_api_plus_proches_never_builds_a_graph_in_a_request(demo_computed, tmp_path):
    import shutil

    from mapapp.config import load_settings
    from mapapp.web import create_app

    env, _ = demo_computed
    data_dir = tmp_path / "var"
    shutil.copytree(env["MAPAPP_DATA_DIR"], data_dir)
    shutil.rmtree(data_dir / "cache")  # results are there, the road graphs are not
    app = create_app(load_settings({**env, "MAPAPP_DATA_DIR": str(data_dir)}))
    response = app.test_client().get("/api/plus-proches?commune=96001&theme=france_services&mode=walk")
    assert response.status_code == 503
    assert "mapapp compute" in response.get_json()["error"]
    assert not (data_dir / "cache").exists() or not any((data_dir / "cache").iterdir())


def test_method_section_states_the_stored_choices_and_their_measured_effect(demo_client, store):
    """The « Méthode » section quotes the manifest's choices and shares recomputed from the stored points."""
    from mapapp.access.method_effect import access_leg_effect
    from mapapp.formats import percent as fr_pct

    manifest = store.manifest("car")
    assert manifest.method.get("access_leg"), "compute records the method in the manifest"
    page = demo_client.get(f"/accessibilite?theme={THEME}&mode=voiture&seuil=45")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    lines = re.findall(r'<li class="methode-choix">(.*?)</li>', text, re.S)
    assert any(line.startswith("Origines") for line in lines)
    assert any("Accès à la route (voiture)" in line for line in lines)
    points = store.table("car", "points")
    points = points[points["theme"] == THEME]
    effect = access_leg_effect(points, 45.0)
    assert effect is not None
    joined = " ".join(lines).replace("\u202f", " ")
    assert f"{fr_pct(effect.share_current)} des habitants à plus de 45\u00a0min".replace("\u202f", " ") in joined
    assert fr_pct(effect.share_walked).replace("\u202f", " ") in joined


def test_fiche_site_opens_on_a_theme_it_serves_first(demo_client, store):
    """Without ``theme``, the page opens on a theme with a non-empty catchment, not an empty first theme."""
    sites = store.table("car", "sites")
    order = {t["key"]: i for i, t in enumerate(store.manifest("car").themes)}  # the page's theme order
    candidates = []
    for site_id, rows in sites.groupby("site_id"):
        rows = rows.assign(o=rows.theme.map(order)).sort_values("o")
        if rows.iloc[0].n_communes_nearest == 0 and (rows.n_communes_nearest > 0).any():
            candidates.append(site_id)
    assert candidates, "the demo has a site whose first theme has an empty catchment"
    page = _get(demo_client, f"/site/{candidates[0]}?mode=voiture")
    section = page[page.index('id="desserte"'):]
    assert "Aucune commune n&#39;a ce lieu pour plus proche." not in section
    assert re.search(r'<tr data-commune="\w+">', section)


def test_computation_time_is_shown_in_paris_time_never_utc(demo_client, store):
    import datetime as dt
    from zoneinfo import ZoneInfo

    page = _get(demo_client, f"/accessibilite?theme={THEME}&mode=voiture")
    computed = dt.datetime.fromisoformat(store.manifest("car").computed_at)
    local = computed.astimezone(ZoneInfo("Europe/Paris"))
    assert f"à {local.hour}\u00a0h\u00a0{local.minute:02d}" in page
    assert "UTC" not in page

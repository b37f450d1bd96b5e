"""The comparison per public on the computed demo: page, XLSX and API agree, and the public decides.

The scenario closes a site whose every offer is reserved to young people (a
mission locale of the demo): it changes the « jeunes » comparison and cannot
change the « bénéficiaires des minima sociaux » one (those offers never counted
for them).
"""

from __future__ import annotations

import html
import io
import re

from openpyxl import load_workbook
from sqlalchemy import create_engine, text

from mapapp.config import load_settings
from tests.catalog.contrib import csrf
from tests.web.test_scenarios_demo import demo_planner  # noqa: F401


def young_only_site(env) -> str:
    """An active site all of whose offers are reserved to young people (and not to everyone)."""
    engine = create_engine(load_settings(env).database_url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT s.id, o.publics FROM site s JOIN offer_site os ON os.site_id = s.id "
            "JOIN offer o ON o.id = os.offer_id WHERE s.status = 'active' ORDER BY s.id")).all()
    engine.dispose()
    import json

    per_site: dict[str, list[set]] = {}
    for site, publics in rows:
        per_site.setdefault(site, []).append(set(json.loads(publics) if isinstance(publics, str) else publics))
    found = [s for s, offers in per_site.items() if all(p == {"jeunes"} for p in offers)]
    assert found, "the demo has no site reserved to young people"
    return found[0]


def _changed_rows(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["population_gained"] or r["population_lost"] or abs(r["mean_time_min_change"] or 0) > 1e-9
            or r["zones_blanches_created"] or r["zones_blanches_removed"]]


def _xlsx_whole(client, number, public) -> tuple[list[tuple], list[str]]:
    r = client.get(f"/scenarios/{number}/export.xlsx?public={public}")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert f"-{public}.xlsx" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.data), read_only=True)
    rows = list(wb["Territoires"].iter_rows(values_only=True))
    header = rows[0]
    cols = [header.index(c) for c in ("Habitants gagnés sous le seuil", "Habitants perdus sous le seuil",
                                      "Variation du temps moyen (min)", "Zones blanches créées")]
    whole = [tuple(r[i] for i in cols) for r in rows[1:] if r[header.index("Découpage")] == "all"]
    notes = [r[0] for r in wb["Modifications"].iter_rows(values_only=True)]
    return whole, notes


def test_closing_a_site_for_young_people_changes_their_comparison_only(demo_planner):  # noqa: F811
    env, app, client = demo_planner
    site = young_only_site(env)
    token = csrf(client, "/scenarios/")
    r = client.post("/scenarios/", data={"title": "Fermer une mission locale", "csrf_token": token})
    number = int(re.search(r"/scenarios/(\d+)", r.headers["Location"]).group(1))
    client.post(f"/scenarios/{number}/modifications", data={"kind": "close_site", "site_id": site,
                                                            "csrf_token": token})
    page = html.unescape(client.get(f"/scenarios/{number}").get_data(as_text=True))
    assert 'id="f-public"' in page and "Bénéficiaires des minima sociaux" in page

    # The page, per public: the job runs for the public asked, the table is that public's.
    r = client.post(f"/scenarios/{number}/comparer?public=jeunes", data={"csrf_token": token},
                    follow_redirects=True)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    young_page = html.unescape(r.get_data(as_text=True))
    assert '<table id="comparison-table">' in young_page and 'id="comparison-public"' in young_page
    assert "export.xlsx?public=jeunes" in young_page
    r = client.post(f"/scenarios/{number}/comparer?public=minima_sociaux", data={"csrf_token": token},
                    follow_redirects=True)
    minima_page = html.unescape(r.get_data(as_text=True))
    assert "Aucun changement : le scénario ne modifie l'accès à aucun thème." in minima_page
    assert '<table id="comparison-table">' not in minima_page

    # The XLSX, read back.
    young, notes = _xlsx_whole(client, number, "jeunes")
    assert any(g or lost or abs(dt or 0) > 1e-9 or zb for g, lost, dt, zb in young)
    assert any("Public : Jeunes" in (n or "") for n in notes)
    minima, notes = _xlsx_whole(client, number, "minima_sociaux")
    assert minima and all(not g and not lost and abs(dt or 0) < 1e-9 and not zb for g, lost, dt, zb in minima)
    assert any("Bénéficiaires des minima sociaux" in (n or "") for n in notes)

    # The API: the same figures as the XLSX for the whole territory.
    api_young = client.get(f"/api/scenarios/{number}/comparaison?public=jeunes").get_json()
    assert api_young["public"] == "jeunes" and _changed_rows(api_young["territoire"])
    assert len(_changed_rows(api_young["territoire"])) == sum(
        1 for g, lost, dt, zb in young if g or lost or abs(dt or 0) > 1e-9 or zb)
    assert {r["public"] for r in api_young["communes"]} == {"jeunes"}
    api_minima = client.get(f"/api/scenarios/{number}/comparaison?public=minima_sociaux").get_json()
    assert api_minima["territoire"] and not _changed_rows(api_minima["territoire"])
    # Everyone counts the site too: the default comparison changes.
    api_all = client.get(f"/api/scenarios/{number}/comparaison").get_json()
    assert api_all["public"] == "tous" and _changed_rows(api_all["territoire"])

    unknown = client.get(f"/api/scenarios/{number}/comparaison?public=martiens")
    assert unknown.status_code == 400 and "Public inconnu" in unknown.get_json()["error"]
    assert client.get(f"/scenarios/{number}?public=martiens").status_code == 400
    assert client.get(f"/scenarios/{number}/export.xlsx?public=martiens").status_code == 400

"""``mapapp scenario …`` on the computed demo: create, add a site where people lack one, compare, export."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from mapapp.cli import main
from mapapp.config import load_settings
from mapapp.results import ResultStore


def run(env, *args, ok=True):
    result = CliRunner().invoke(main, ["scenario", *args], env=env)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def worst_commune(env, mode="car", theme="famille"):
    """The commune with the most inhabitants beyond the main threshold, and its main point."""
    store = ResultStore(load_settings(env).data_dir / "results")
    communes = store.table(mode, "communes")
    row = communes[communes["theme"] == theme].sort_values("population_beyond_main").iloc[-1]
    assert row["population_beyond_main"] > 0
    from sqlalchemy import create_engine, text

    engine = create_engine(load_settings(env).database_url)
    with engine.connect() as conn:
        lon, lat = conn.execute(text("SELECT point_lon, point_lat FROM commune WHERE code = :c"),
                                {"c": row["commune"]}).one()
    engine.dispose()
    return row["commune"], lon, lat


def test_create_add_compare_export(demo_computed, tmp_path):
    env = demo_computed[0]
    created = run(env, "create", "Permanence famille", "--description", "là où il n'y a rien")
    number = re.search(r"n° (\d+)", created.output).group(1)
    code, lon, lat = worst_commune(env)
    added = run(env, "add-site", number, "--lon", str(lon), "--lat", str(lat), "--nom", "Permanence test",
                "--thematique", "famille")
    assert f"commune {code}" in added.output
    assert "Permanence famille" in run(env, "list").output
    assert "Ouvrir un lieu « Permanence test »" in run(env, "show", number).output
    compared = run(env, "compare", number)
    line = next(x for x in compared.output.splitlines() if x.startswith("en voiture") and "Famille" in x)
    gained = int(re.split(r"\s{2,}", line)[2].replace("\u202f", "").replace("\u00a0", "").replace(" ", ""))
    assert gained > 0
    assert "Mode" in compared.output and "Gagnés" in compared.output
    # Only the themes the site carries changed: "Santé" is not in the table.
    assert "Santé" not in compared.output
    again = run(env, "compare", number)  # stored: the same computation time is printed
    assert again.output.splitlines()[-1] == compared.output.splitlines()[-1]
    run(env, "compare", number, "--force")  # recomputed: the new copy replaces the stored one (no error)
    from mapapp.scenario_run import stored_comparison

    key_dirs = list((load_settings(env).data_dir / "scenarios").glob("[0-9a-f]*"))
    metas = {d.name: stored_comparison(load_settings(env), d.name).meta for d in key_dirs}
    assert all("baseline_recomputed_themes" in m for m in metas.values())
    assert all(m["baseline_recomputed_themes"] == {"bike": [], "car": [], "walk": []} for m in metas.values()
               if m["scenario_id"] == int(number))  # the stored results are up to date: the baseline is copied

    path = tmp_path / "scenario.xlsx"
    run(env, "export", number, str(path))
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["Modifications", "Territoires", "Communes"]
    rows = list(wb["Territoires"].iter_rows(values_only=True))
    header = rows[0]
    whole = [r for r in rows[1:] if r[0] == "en voiture" and r[1] == "Famille" and r[2] == "all"]
    assert whole and whole[0][header.index("Habitants gagnés sous le seuil")] == gained
    communes = list(wb["Communes"].iter_rows(values_only=True))
    assert any(r[2] == code for r in communes[1:])

    import geopandas as gpd

    gpkg = tmp_path / "scenario.gpkg"
    run(env, "export", number, str(gpkg))
    layer = gpd.read_file(gpkg, layer="differences_communes")
    assert layer.crs.to_epsg() == 2154 and layer.geometry.notna().all()
    mine = layer[(layer["mode"] == "car") & (layer["theme"] == "famille")]
    assert mine["hab_gagnes"].sum() == pytest.approx(gained, abs=1)  # the whole territory's gain, commune by commune
    assert (mine["solde"] == mine["hab_gagnes"] - mine["hab_perdus"]).all()
    assert "Format non pris en charge" in run(env, "export", number, str(tmp_path / "x.csv"), ok=False).output


@pytest.mark.parametrize("args, words", [
    (["show", "999"], "Aucun scénario n° 999"),
    (["compare", "999"], "Aucun scénario n° 999"),
    (["add-site", "999", "--lon", "2", "--lat", "45", "--thematique", "famille"], "Aucun scénario n° 999"),
])
def test_french_errors(demo_computed, args, words):
    result = run(demo_computed[0], *args, ok=False)
    assert result.exit_code == 1 and words in result.output


def test_closing_an_unknown_site_is_refused(demo_computed):
    env = demo_computed[0]
    number = re.search(r"n° (\d+)", run(env, "create", "Fermetures").output).group(1)
    result = run(env, "close-site", number, "pas-un-lieu", ok=False)
    assert result.exit_code == 1 and "Aucun lieu du catalogue n'a l'identifiant 'pas-un-lieu'" in result.output
    usage = run(env, "close-site", number, ok=False)
    assert usage.exit_code == 2 and "soit un identifiant de lieu, soit --structure" in usage.output


def test_every_kind_of_change_from_the_command_line(demo_computed):
    from sqlalchemy import create_engine, text

    env = demo_computed[0]
    engine = create_engine(load_settings(env).database_url)
    with engine.connect() as conn:
        site, offer, structure = conn.execute(text(
            "SELECT os.site_id, os.offer_id, s.structure_id FROM offer_site os JOIN site s ON s.id = os.site_id "
            "ORDER BY os.site_id LIMIT 1")).one()
    engine.dispose()
    number = re.search(r"n° (\d+)", run(env, "create", "Tout à la fois").output).group(1)
    run(env, "move-site", number, site, "--lon", "2.01", "--lat", "45.01")
    run(env, "set-hours", number, site, "Mo,Th 09:00-12:00")
    run(env, "add-offer", number, site, "--nom", "Atelier", "--thematique", "numerique")
    run(env, "remove-offer", number, site, offer)
    run(env, "include-planned", number)
    run(env, "close-site", number, "--structure", structure)
    shown = run(env, "show", number).output
    for words in ("Déplacer un lieu", "Changer les horaires", "Mo,Th 09:00-12:00", "Ajouter une offre",
                  "Retirer une offre", "Compter les lieux en projet : tous", "Fermer tous les lieux d'une structure"):
        assert words in shown, words
    first = re.search(r"\[(\d+)\] Déplacer", shown).group(1)
    run(env, "remove-change", number, first)
    assert "Déplacer un lieu" not in run(env, "show", number).output
    bad = run(env, "set-hours", number, site, "n'importe quoi", ok=False)
    assert bad.exit_code == 1 and "horaires_accueil" in bad.output


def test_best_place_proposes_k_sites_with_growing_gains(demo_computed):
    import re

    env, _ = demo_computed
    result = CliRunner().invoke(main, ["scenario", "best-place", "--theme", "accueil_departement", "--k", "3"], env=env)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip().startswith("k = ")]
    assert [line.split(":")[0].strip() for line in lines] == ["k = 1", "k = 2", "k = 3"]
    gains = [int(re.search(r"— ([\d\u202f\u00a0 ]+) habitants", line).group(1).replace("\u202f", "")
                 .replace("\u00a0", "").replace(" ", "")) for line in lines]
    assert 0 < gains[0] <= gains[1] <= gains[2]
    first = re.search(r"\+([\d\u202f\u00a0 ]+) hab\.", lines[0]).group(1)
    assert int(re.sub(r"\D", "", first)) == gains[0]  # one site: its own gain is the total
    assert "optimum" in lines[0]
    bad = CliRunner().invoke(main, ["scenario", "best-place", "--theme", "inconnu"], env=env)
    assert bad.exit_code != 0 and "thème « inconnu » inconnu" in bad.output and "Traceback" not in bad.output


def _count(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def test_closures_and_bus_schedule_from_the_cli(demo_computed):
    env, _ = demo_computed
    closures = run(env, "fermetures", "--theme", "france_services", "--nombre", "3").output.splitlines()
    listed = [line for line in closures if line.startswith("  ")]
    assert len(listed) == 3
    lost = [_count(re.search(r"\) : ([\d\u202f\u00a0 ]+) habitant", line).group(1)) for line in listed]
    assert lost == sorted(lost)  # the least loss first
    route = "Bus France Services des Monts d'Arlenc"
    one = run(env, "tournee", "--theme", "france_services", "--tournee", route, "--demi-journees", "1").output
    two = run(env, "tournee", "--theme", "france_services", "--tournee", route, "--demi-journees", "2").output
    reached = [_count(re.search(r": ([\d\u202f\u00a0 ]+) des", out).group(1)) for out in (one, two)]
    assert 0 < reached[0] <= reached[1] and "optimum" in two
    assert len([line for line in two.splitlines() if "demi-journée(s)," in line]) == 2
    bad = run(env, "tournee", "--theme", "france_services", "--tournee", "Inconnue", "--demi-journees", "2", ok=False)
    assert bad.exit_code == 1 and "Aucun arrêt itinérant pour la tournée « Inconnue »" in bad.output


def test_two_scenarios_compared_and_the_pdf(demo_computed, tmp_path):
    env, _ = demo_computed
    code, lon, lat = worst_commune(env)
    a = re.search(r"n° (\d+)", run(env, "create", "A").output).group(1)
    b = re.search(r"n° (\d+)", run(env, "create", "B").output).group(1)
    run(env, "add-site", a, "--lon", str(lon), "--lat", str(lat), "--thematique", "famille")
    forward = run(env, "comparer", b, a).output  # from B (nothing) to A (a site): A's gains
    backward = run(env, "comparer", a, b).output  # from A to B: the same people lost
    assert f"Scénario n° {a} (avant) → scénario n° {b} (après)" in backward

    def famille(out):
        line = next(x for x in out.splitlines() if x.startswith("en voiture") and "Famille" in x)
        cells = re.split(r"\s{2,}", line)
        return _count(cells[2]), _count(cells[3])

    gained, lost = famille(forward)
    assert gained > 0 and lost == 0
    assert famille(backward) == (0, gained)
    live = run(env, "compare", a).output
    assert famille(live) == (gained, 0)  # B changes nothing: B → A is live → A
    path = tmp_path / "avant-apres.pdf"
    run(env, "export", b, str(path), "--avec", a)
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(path).pages).replace("\n", " ")
    assert "avant : le scénario « A »" in text and "Famille" in text
    same = run(env, "comparer", a, a, ok=False)
    assert same.exit_code == 1 and "deux scénarios différents" in same.output


def test_best_place_among_the_planners_candidates(demo_computed, tmp_path):
    env, _ = demo_computed
    code, lon, lat = worst_commune(env)
    bad = tmp_path / "mauvais.csv"
    bad.write_text("nom;lon;lat;site_id\nBon;2,05;45,04;\n;;;inconnu\nLoin;9,5;48;\n", encoding="utf-8")
    refused = CliRunner().invoke(main, ["scenario", "best-place", "--theme", "famille", "--candidats", str(bad)],
                                 env=env)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "mauvais.csv : Liste de candidats refusée, rien n'a été calculé" in refused.output
    assert "ligne 3 : lieu inconnu : 'inconnu'." in refused.output and "ligne 4 : le point" in refused.output
    good = tmp_path / "candidats.csv"
    good.write_text(f"nom,lon,lat\nSalle du bourg,{lon},{lat}\nLa gare,2.05,45.04\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["scenario", "best-place", "--theme", "famille", "--k", "2",
                                       "--candidats", str(good)], env=env)
    assert result.exit_code == 0, result.output
    assert "parmi 2 candidats (2 liste)" in result.output
    line = next(x for x in result.output.splitlines() if x.strip().startswith("k = 1"))
    assert "(liste, " in line and ("[liste-2," in line or "[liste-3," in line)


def test_compare_and_export_for_one_public(demo_computed, tmp_path):
    from tests.web.test_scenarios_publics import young_only_site

    env, _ = demo_computed
    site = young_only_site(env)
    number = re.search(r"n° (\d+)", run(env, "create", "Sans mission locale").output).group(1)
    run(env, "close-site", number, site)
    young = run(env, "compare", number, "--public", "jeunes").output
    assert "Public « jeunes »" in young and "Aucun changement" not in young
    minima = run(env, "compare", number, "--public", "minima_sociaux").output
    assert "Aucun changement : le scénario ne modifie l'accès à aucun thème." in minima
    path = tmp_path / "jeunes.xlsx"
    run(env, "export", number, str(path), "--public", "jeunes")
    from openpyxl import load_workbook

    notes = [r[0] for r in load_workbook(path, read_only=True)["Modifications"].iter_rows(values_only=True)]
    assert any("Public : jeunes" in (n or "") for n in notes)
    bad = run(env, "compare", number, "--public", "martiens", ok=False)
    assert bad.exit_code == 1 and "Public inconnu : « martiens »" in bad.output and "Traceback" not in bad.output

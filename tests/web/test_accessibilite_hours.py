"""« Heures d'ouverture accessibles par semaine » on the computed demo: the page, the commune page and the
CSV export show the stored per-commune values (recomputed here from the stored tables, not the views)."""

from __future__ import annotations

import csv
import re

import pytest
from click.testing import CliRunner

from mapapp.config import load_settings
from mapapp.results import ResultStore
from mapapp.web import create_app

THEME = "accueil_departement"


@pytest.fixture(scope="module")
def env(demo_computed):
    return demo_computed[0]


@pytest.fixture(scope="module")
def client(env):
    return create_app(load_settings(env)).test_client()


@pytest.fixture(scope="module")
def communes(env):
    table = ResultStore(load_settings(env).data_dir / "results").table("car", "communes")
    return table[(table.theme == THEME) & (table.population_points > 0)]


def _hours(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " h"


def test_the_stored_hours_are_a_union_not_a_sum(communes):
    assert communes["weekly_hours_reachable"].notna().all()
    assert (communes["weekly_hours_reachable"] <= 168 + 1e-9).all()
    assert (communes["min_weekly_hours"] == 3.0).all()
    assert communes["share_below_min_hours"].between(0, 1).all()
    assert communes["weekly_hours_reachable"].nunique() > 1  # the demo's permanences make a difference


def test_the_page_shows_the_column(client, communes):
    page = client.get(f"/accessibilite?theme={THEME}&mode=voiture").get_data(as_text=True)
    assert "Heures d'ouverture accessibles par semaine" in page
    table = page[page.index('id="table-heures-accessibles"'):]
    table = table[:table.index("</table>")]
    row = communes.sort_values("weekly_hours_reachable").iloc[len(communes) // 2]
    cells = re.search(rf'<tr data-commune="{row.commune}"[^>]*>(.*?)</tr>', table, re.S).group(1)
    assert _hours(row.weekly_hours_reachable) in cells


def test_the_commune_page_shows_the_hours(client, communes):
    row = communes.iloc[0]
    page = client.get(f"/commune/{row.commune}").get_data(as_text=True)
    line = re.search(rf'<tr data-theme="{THEME}">(.*?)</tr>', page, re.S).group(1)
    assert f"{_hours(row.weekly_hours_reachable)} d'ouverture accessibles par semaine" in line


def test_the_csv_export_has_the_column(env, tmp_path, communes):
    from mapapp.cli import main

    result = CliRunner().invoke(main, ["export", "--format", "csv", "--out", str(tmp_path), "--theme", THEME,
                                       "--mode", "car"], env=env)
    assert result.exit_code == 0, result.output
    path = next(p for p in tmp_path.glob("*.csv") if "communes" in p.name)
    with path.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    header = "Heures d'ouverture accessibles par semaine (moyenne par habitant)"
    assert header in rows[0]
    row = communes.iloc[0]
    mine = [r for r in rows if r["Code commune"] == row.commune and r["Code du thème"] == THEME]
    assert len(mine) == 1, mine  # one mode asked
    mine = mine[0]
    assert float(mine[header].replace(",", ".")) == pytest.approx(row.weekly_hours_reachable, abs=0.06)

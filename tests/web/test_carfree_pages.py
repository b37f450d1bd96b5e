"""The car-free modes in the pages, /trouver and the exports, on the computed demo (issue 17)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from mapapp.config import load_settings
from mapapp.results import ResultStore
from mapapp.web import create_app

THEME = "france_services"


@pytest.fixture(scope="module")
def demo_settings(demo_computed):
    env, _ = demo_computed
    return load_settings(env)


@pytest.fixture(scope="module")
def client(demo_settings):
    return create_app(demo_settings).test_client()


def _get(client, url):
    r = client.get(url)
    assert r.status_code == 200, (url, r.get_data(as_text=True)[:800])
    return r.get_data(as_text=True)


def test_accessibilite_offers_the_carfree_modes_and_compares_car_with_them(client, demo_settings):
    page = _get(client, f"/accessibilite?theme={THEME}&vue=voiture")
    assert 'value="sans_voiture"' in page and 'value="transport"' in page
    assert "comparé sans voiture" in page
    store = ResultStore(demo_settings.data_dir / "results")
    c = store.theme_table("sans_voiture", "communes", THEME)
    assert int((c["car_only"] == 1).sum()) > 0
    for mode in ("sans_voiture", "transport", "tad"):
        assert "Temps" in _get(client, f"/accessibilite?theme={THEME}&mode={mode}")


def test_fiche_commune_names_the_carfree_means(client, demo_settings):
    store = ResultStore(demo_settings.data_dir / "results")
    c = store.theme_table("sans_voiture", "communes", THEME)
    code = c[c["car_only"] == 1]["commune"].iloc[0]
    page = _get(client, f"/commune/{code}")
    assert 'data-mode="sans_voiture"' in page and "Desservie seulement en voiture" in page


def test_trouver_sans_voiture_names_the_means_per_answer(client, demo_settings, demo_computed):
    store = ResultStore(demo_settings.data_dir / "results")
    tad = store.theme_table("tad", "points", THEME)
    served = tad[tad["solution_id"].notna()]["commune"].astype(str).iloc[0]
    page = _get(client, f"/trouver?commune={served}&theme={THEME}&mode=sans-voiture")
    modes = re.findall(r'<li data-site="[^"]+" data-mode="(\w+)"', page)
    assert modes and set(modes) <= {"walk", "bike", "tad"} and "tad" in modes
    assert "en transport à la demande" in page
    assert 'class="sans-voiture"' in page


def test_csv_export_carries_the_carfree_modes_and_table(demo_computed, tmp_path):
    from click.testing import CliRunner

    from mapapp.cli import main

    env, _ = demo_computed
    out = tmp_path / "csv"
    result = CliRunner().invoke(main, ["export", "--format", "csv", "--out", str(out), "--theme", THEME], env=env)
    assert result.exit_code == 0, result.output
    kf = pd.read_csv(out / "chiffres_cles.csv", sep=";", encoding="utf-8-sig")
    assert "Sans voiture" in set(kf["Mode"])
    free = pd.read_csv(out / "sans_voiture.csv", sep=";", encoding="utf-8-sig")
    assert {"Temps moyen en voiture (min)", "Desservie seulement en voiture"} <= set(free.columns)
    assert (free["Desservie seulement en voiture"] == "oui").any()

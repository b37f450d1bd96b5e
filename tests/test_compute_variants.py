"""`mapapp compute` writes every public and the schedule rule of the settings, on the demo département.

Figures are checked against the stored headline results and against the
catalog, not against numbers written here: fewer offers never bring a site
nearer, reused themes are copied exactly, and the schedule rule drops exactly
the demo's short-hours sites.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mapapp.access.settings import default_settings
from mapapp.access.variants import variants
from mapapp.cli import main
from mapapp.config import load_settings
from mapapp.results import ResultStore


@pytest.fixture(scope="module")
def root(demo_computed):
    env, _ = demo_computed
    return ResultStore(load_settings(env).data_dir / "results")


def test_every_variant_of_the_settings_is_stored_with_its_description(root):
    settings = default_settings()
    keys = [v.key for v in variants(settings)]
    assert root.variant_keys() == sorted(keys[1:])
    for key in keys:
        store = root.variant(key)
        road = ["bike", "car", "walk"]  # the headline also has the car-free modes (issue 17)
        assert store.modes() == (sorted(road + ["sans_voiture", "tad", "transit"]) if key == "tous" else road)
        manifest = store.manifest("car")
        assert manifest.variant["key"] == key and manifest.settings_digest == settings.digest()
        assert manifest.inputs_digest == root.manifest("car").inputs_digest


@pytest.mark.parametrize("key", ["minima_sociaux", "jeunes", "handicap", "tous+horaires", "minima_sociaux+horaires"])
def test_a_variant_never_brings_a_site_nearer_and_equals_everyone_where_its_sites_are_the_same(root, key):
    for mode in ("car", "walk"):
        head, var = root.table(mode, "points"), root.variant(key).table(mode, "points")
        both = head.merge(var, on=["theme", "point_id"], suffixes=("", "_v"), validate="one_to_one")
        assert len(both) == len(head)
        assert (both["time_min_v"] >= both["time_min"] - 1e-9).all()
        digests, mine = root.manifest(mode).digests, root.variant(key).manifest(mode).digests
        equal = {t for t, d in mine.items() if digests.get(t) == d}  # same eligible sites as everyone's
        assert equal and equal != set(mine)
        same = both[both["theme"].isin(equal)]
        assert (same["time_min_v"].fillna(-1) == same["time_min"].fillna(-1)).all()


def test_the_demo_shows_what_publics_and_hours_change(root):
    def beyond(store, theme, threshold):
        t = store.table("car", "communes")
        t = t[t["theme"] == theme]
        return t["population_points"].sum(), (t["population_points"] * (t["mean_time_min"] > threshold)).sum()

    # reserved offers: « santé » is farther for the RSA public than for everyone
    pop, everyone = beyond(root, "sante", 10)
    _, minima = beyond(root.variant("minima_sociaux"), "sante", 10)
    assert minima > everyone
    # permanences: without sites open under 3 h a week the Département's reception is farther
    _, open_all = beyond(root, "accueil_departement", 20)
    _, open_long = beyond(root.variant("tous+horaires"), "accueil_departement", 20)
    assert open_long > open_all


def test_the_cli_says_how_many_variants_it_computed(demo_computed):
    env, output = demo_computed
    assert "variantes (publics, règle des horaires) : 7 variantes" in output


def test_report_and_export_take_a_public_and_refuse_one_not_computed(demo_computed, tmp_path):
    env, _ = demo_computed
    out = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["report", "--format", "html", "--theme", "sante", "--mode", "car",
                                       "--public", "beneficiaires-des-minimas-sociaux", "--horaires", "ouverts",
                                       "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Bénéficiaires des minima sociaux, lieux ouverts au moins 3\u00a0h par semaine" in text
    result = CliRunner().invoke(main, ["export", "--format", "csv", "--out", str(tmp_path / "csv"),
                                       "--public", "inconnu"], env=env)
    assert result.exit_code != 0 and "public « inconnu » non calculé" in result.output
    assert "Traceback" not in result.output


def test_a_public_dropped_from_the_settings_loses_its_stored_results(demo_computed, tmp_path):
    import shutil

    from mapapp.access.settings import AccessSettings, ScheduleRule
    from mapapp.compute import run_compute

    env, _ = demo_computed
    data_dir = tmp_path / "var"
    shutil.copytree(env["MAPAPP_DATA_DIR"], data_dir)
    settings = load_settings({**env, "MAPAPP_DATA_DIR": str(data_dir)})
    fewer = AccessSettings(publics=default_settings().publics[:2], schedule=ScheduleRule(0))
    run_compute(settings, modes=["car"], workers=1, access=fewer)
    assert ResultStore(data_dir / "results").variant_keys() == ["minima_sociaux"]

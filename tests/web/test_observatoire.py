"""/accessibilite shows the needs' share beyond the threshold and the reference values, on a copy of the demo."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from mapapp.cli import main
from mapapp.config import load_settings
from mapapp.results import ResultStore
from mapapp.web import create_app
from mapapp.formats import integer as count_fr
from mapapp.formats import percent as percent_fr
from tests.env import WEB_ENV

THEME = "france_services"


@pytest.fixture(scope="module")
def observed(demo_computed, tmp_path_factory):
    env, _ = demo_computed
    demo = load_settings(env)
    folder = tmp_path_factory.mktemp("observatoire")
    db = folder / "mapapp.sqlite"
    shutil.copy(demo.data_dir / "mapapp.sqlite", db)
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        communes = conn.execute(text("SELECT code, population FROM commune WHERE is_buffer = 0 ORDER BY code")).all()
    engine.dispose()
    needs = folder / "rsa.csv"
    needs.write_text("commune;effectif\n" + "".join(f"{c};{p // 25}\n" for c, p in communes), encoding="utf-8")
    refs = folder / "refs.csv"
    refs.write_text("indicateur;zone;valeur;annee;source;unite\n"
                    f"part_au_dela:{THEME}:car:20;France métropolitaine;0,3;2024;ANCT;%\n", encoding="utf-8")
    cli_env = {"MAPAPP_DATA_DIR": str(demo.data_dir), "MAPAPP_DATABASE_URL": f"sqlite:///{db}", **WEB_ENV}
    runner = CliRunner()
    result = runner.invoke(main, ["territory", "besoins", str(needs), "--indicateur", "rsa", "--annee", "2025",
                                  "--libelle", "Bénéficiaires du RSA"], env=cli_env)
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["territory", "references", str(refs)], env=cli_env)
    assert result.exit_code == 0, result.output
    settings = load_settings(cli_env)
    return create_app(settings).test_client(), settings, db


def test_accessibilite_shows_the_need_share_and_the_reference(observed):
    client, settings, db = observed
    page = client.get(f"/accessibilite?theme={THEME}&mode=voiture&seuil=20").get_data(as_text=True)
    # expected share recomputed here: published counts spread over each commune's points by population
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        rsa = "series_id = (SELECT id FROM need_series WHERE indicator = 'rsa')"
        counts = dict(conn.execute(text(f"SELECT zone, count FROM need_count WHERE count IS NOT NULL AND {rsa}")).all())
        n_secret = conn.execute(text(f"SELECT count(*) FROM need_count WHERE secret IS NOT NULL AND {rsa}")).scalar()
    engine.dispose()
    points = ResultStore(settings.data_dir / "results").table("car", "points")
    points = points[points["theme"] == THEME]
    total_pop = points.groupby("commune")["population"].transform("sum")
    need = points["commune"].map(counts).astype(float) * points["population"] / total_pop
    beyond = ~(points["time_min"] <= 20)
    share = np.nansum(need[beyond]) / np.nansum(need)
    assert n_secret > 0  # the demo has small communes: the secrecy rule is exercised
    assert f"<strong>{percent_fr(share)}</strong> des bénéficiaires du RSA" in page
    assert "des bénéficiaires du RSA (2025) à plus de 20" in page
    assert f"{n_secret} communes sous secret statistique" in page
    assert "France métropolitaine : 0,3" in page and "(ANCT, 2024)" in page


def test_no_reference_for_another_threshold(observed):
    client, _, _ = observed
    page = client.get(f"/accessibilite?theme={THEME}&mode=voiture&seuil=30").get_data(as_text=True)
    assert "France métropolitaine : 0,3" not in page


def test_needs_and_supply_table_per_territory(observed):
    client, settings, db = observed
    page = client.get(f"/accessibilite?theme={THEME}&mode=voiture&seuil=20&grid=epci").get_data(as_text=True)
    assert 'id="table-besoins-1"' in page and "Offres pour 100" in page
    # the whole-territory row: published beneficiaries and France Services offers per 100 of them
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        total = conn.execute(text("SELECT sum(count) FROM need_count WHERE series_id = "
                                  "(SELECT id FROM need_series WHERE indicator = 'rsa')")).scalar()
    engine.dispose()
    assert f'<tfoot><tr><th scope="row">Ensemble du département</th><td class="num">{count_fr(total)}</td>' in page


def test_2sfca_on_the_demo_shares_every_reachable_place_once(observed, tmp_path):
    _, settings, db = observed
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:  # give the France Services sites a capacity: 10, 20, 30…
        ids = [r[0] for r in conn.execute(text("SELECT id FROM site WHERE kind = 'france_services' ORDER BY id"))]
        for i, site_id in enumerate(ids):
            conn.execute(text("UPDATE site SET capacite = :c WHERE id = :i"), {"c": 10 * (i + 1), "i": site_id})
    engine.dispose()
    env = {"MAPAPP_DATA_DIR": str(settings.data_dir), "MAPAPP_DATABASE_URL": f"sqlite:///{db}", **WEB_ENV}
    out = tmp_path / "2sfca.csv"
    result = CliRunner().invoke(main, ["territory", "2sfca", "--indicateur", "rsa", "--theme", THEME, "--csv",
                                       str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "places pour 100 bénéficiaires" in result.output

    from mapapp.catalog.db import make_engine, make_sessionmaker
    from mapapp.fca import run_fca

    with make_sessionmaker(make_engine(f"sqlite:///{db}"))() as session:
        fca = run_fca(session, ResultStore(settings.data_dir / "results"), settings.cache_dir, indicator="rsa",
                      theme=THEME, mode="car")
    reached = fca.sites[fca.sites["need_in_catchment"] > 0]
    # 2SFCA conserves supply: Σ_i A_i D_i equals the capacity of the sites some beneficiary reaches
    assert (fca.communes["score"] * fca.communes["need"]).sum() == pytest.approx(reached["capacite"].sum())
    assert len(reached) >= 1 and fca.threshold_min == 20
    assert out.read_text(encoding="utf-8-sig").startswith("commune;nom;beneficiaires;places_pour_100")

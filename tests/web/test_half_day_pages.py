"""« Le mardi matin » on the pages: with ``demi_journees`` opted in, /accessibilite and the commune page take
``demi_journee=`` and show, per theme, the nearest site open that half-day (checked against the catalog's hours).

A copy of the computed demo, recomputed by car for two themes, everyone, and the half-day « mardi-matin ».
"""

from __future__ import annotations

import re
import shutil

import pytest
from sqlalchemy import select

from mapapp.access.settings import AccessSettings, PublicGroup, ScheduleRule, default_settings
from mapapp.catalog.db import make_engine, make_sessionmaker
from mapapp.catalog.hour_slots import half_days_open
from mapapp.catalog.models import Offer, Site
from mapapp.compute import run_compute
from mapapp.config import load_settings
from mapapp.results import ResultStore
from mapapp.web import create_app

THEME = "accueil_departement"


@pytest.fixture(scope="module")
def env(demo_computed, tmp_path_factory):
    src, _ = demo_computed
    root = tmp_path_factory.mktemp("halfday")
    shutil.copytree(src["MAPAPP_DATA_DIR"], root / "var")
    env = {**src, "MAPAPP_DATA_DIR": str(root / "var")}
    themes = tuple(t for t in default_settings().themes if t.key in (THEME, "france_services"))
    access = AccessSettings(themes=themes, publics=(PublicGroup("tous", "Tous publics"),),
                            schedule=ScheduleRule(0, half_days=("mardi-matin",)))
    run_compute(load_settings(env), modes=["car"], access=access, force=True, workers=1)
    return env


@pytest.fixture(scope="module")
def client(env):
    return create_app(load_settings(env)).test_client()


def _open_tuesday_morning(env, site_id: str) -> bool:
    engine = make_engine(load_settings(env).database_url)
    with make_sessionmaker(engine)() as session:
        site = session.get(Site, site_id)
        offers = session.scalars(select(Offer).where(Offer.sites.contains(site))).all()
        expressions = [o.horaires_accueil or site.horaires_accueil for o in offers]
    engine.dispose()
    return any(e and "mardi-matin" in (half_days_open(e) or ()) for e in expressions)


def test_the_half_day_variant_is_stored_and_never_nearer(env):
    root = ResultStore(load_settings(env).data_dir / "results")
    assert root.variant_keys() == ["tous@mardi-matin"]
    head, half = root.table("car", "points"), root.variant("tous@mardi-matin").table("car", "points")
    both = head.merge(half, on=["theme", "point_id"], suffixes=("", "_h"))
    assert (both["time_min_h"] >= both["time_min"] - 1e-9).all()
    assert (both["time_min_h"] > both["time_min"] + 1e-9).any()  # the demo's permanences make a difference


def test_accessibilite_takes_the_half_day(client, env):
    page = client.get(f"/accessibilite?theme={THEME}&mode=voiture&demi_journee=mardi-matin").get_data(as_text=True)
    assert 'name="demi_journee"' in page and 'value="mardi-matin" selected' in page
    assert "lieux ouverts le mardi matin" in page
    root = ResultStore(load_settings(env).data_dir / "results").variant("tous@mardi-matin")
    communes = root.table("car", "communes")
    ids = communes[(communes.theme == THEME)]["nearest_site_id"].dropna().unique()
    assert len(ids) and all(_open_tuesday_morning(env, sid) for sid in ids)


def test_the_commune_page_shows_the_nearest_site_open_that_half_day(client, env):
    root = ResultStore(load_settings(env).data_dir / "results").variant("tous@mardi-matin")
    communes = root.table("car", "communes")
    row = communes[(communes.theme == THEME) & communes.nearest_site_id.notna()].iloc[0]
    page = client.get(f"/commune/{row.commune}?demi_journee=mardi-matin").get_data(as_text=True)
    line = re.search(rf'<tr data-theme="{THEME}">(.*?)</tr>', page, re.S).group(1)
    assert f"/lieux/{row.nearest_site_id}" in line or row.nearest_site_id in line
    assert _open_tuesday_morning(env, row.nearest_site_id)


def test_an_uncomputed_half_day_is_a_404_with_the_reason(client):
    response = client.get(f"/accessibilite?theme={THEME}&mode=voiture&demi_journee=jeudi-matin")
    assert response.status_code == 404
    assert "demi-journée « jeudi-matin » non calculée" in response.get_data(as_text=True)

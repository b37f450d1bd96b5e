"""Staleness of stored results: the fingerprint of what the engine reads, and the pages that show it (issue 11 §6)."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from mapapp.catalog import inputs_state
from mapapp.catalog.db import make_engine, make_sessionmaker, transaction
from mapapp.catalog.frames import engine_inputs
from mapapp.catalog.inputs_state import STALE_MESSAGE, current_fingerprint, inputs_fingerprint, stale_message
from mapapp.catalog.models import Offer, Site, Territory, offer_site
from mapapp.config import load_settings
from mapapp.results import ResultStore
from tests.catalog.contrib import count_calls


@pytest.fixture
def copy_of_demo(demo_computed, tmp_path):
    """A private copy of the computed demo's data folder (the tests change its catalog): (env, sessionmaker)."""
    env, _ = demo_computed
    var = tmp_path / "var"
    shutil.copytree(env["MAPAPP_DATA_DIR"], var)
    env = {**env, "MAPAPP_DATA_DIR": str(var)}
    engine = make_engine(load_settings(env).database_url)
    yield env, make_sessionmaker(engine)
    engine.dispose()


def _manifests(env):
    store = ResultStore(load_settings(env).data_dir / "results")
    return [store.manifest(m) for m in store.modes()]


def test_compute_records_the_fingerprint_and_only_engine_inputs_move_it(copy_of_demo):
    env, factory = copy_of_demo
    with factory() as s:
        recorded = {m.inputs_digest for m in _manifests(env)}
        assert recorded == {current_fingerprint(s)} and stale_message(s, _manifests(env)) is None
        site_id = s.scalars(select(Site.id).order_by(Site.id)).first()
    with transaction(factory) as s:  # what the engine does not read: results stay valid
        s.get(Site, site_id).adresse = "12 rue Nouvelle"
    with factory() as s:
        assert stale_message(s, _manifests(env)) is None
    with transaction(factory) as s:  # a site moved: they do not
        s.get(Site, site_id).lon += 0.01
    with factory() as s:
        assert stale_message(s, _manifests(env)) == STALE_MESSAGE
    with transaction(factory) as s:  # moved back: the catalog is again what was computed
        s.get(Site, site_id).lon -= 0.01
    with factory() as s:
        assert stale_message(s, _manifests(env)) is None


def test_method_settings_and_offers_are_part_of_the_fingerprint(copy_of_demo):
    _, factory = copy_of_demo
    with factory() as s:
        method = s.scalar(select(Territory.method))
        inputs = engine_inputs(s)
        base = inputs_fingerprint(inputs, method)
        assert inputs_fingerprint(inputs, {**(method or {}), "maxspeed_factor": 0.5}) != base
        offer = s.scalars(select(Offer).order_by(Offer.id)).first()
        offer.publics = ["jeunes"]
        s.flush()
        assert inputs_fingerprint(engine_inputs(s), method) != base
        s.rollback()


def test_the_fingerprint_is_read_again_only_when_the_change_mark_moves(copy_of_demo, monkeypatch):
    _, factory = copy_of_demo
    calls = count_calls(monkeypatch, inputs_state, "engine_inputs")
    inputs_state._CACHE.clear()
    with factory() as s:
        first = current_fingerprint(s)
        assert current_fingerprint(s) == first and len(calls) == 1
    with transaction(factory) as s:
        s.scalars(select(Site).order_by(Site.id)).first().adresse = "1 place de la Mairie"
    with factory() as s:
        assert current_fingerprint(s) == first and len(calls) == 2  # read again, same engine inputs


def test_a_change_of_links_only_moves_the_change_mark(copy_of_demo):
    """Attaching an offer to another site bumps no record's version; the mark (and so the caches) still moves."""
    from mapapp.catalog.inputs_state import change_mark

    _, factory = copy_of_demo
    with factory() as s:
        before = change_mark(s)
        offer = s.scalars(select(Offer).where(Offer.sites.any()).order_by(Offer.id)).first()
        other = s.scalars(select(Site).where(Site.id.notin_([x.id for x in offer.sites])).order_by(Site.id)).first()
        offer_id, other_id = offer.id, other.id
    with transaction(factory) as s:
        s.execute(offer_site.insert().values(offer_id=offer_id, site_id=other_id))
    with factory() as s:
        assert change_mark(s) != before

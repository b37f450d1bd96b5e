"""The demo gives plausible capacities to France Services sites and to ateliers, and none to the rest."""

from __future__ import annotations

import json

from mapapp.demo.capacities import FS_AGENTS, PLACES


def test_fixed_france_services_have_agents_by_commune_size(catalog):
    fs = [s for s in catalog["sites"] if s["kind"] == "france_services"]
    assert fs and all(isinstance(s["capacite"], int) and s["capacite"] >= 2 for s in fs)  # the label asks two
    assert max(s["capacite"] for s in fs) <= max(high for _, high in FS_AGENTS.values())
    assert len({s["capacite"] for s in fs}) > 1  # not one number for all
    others = [s for s in catalog["sites"] if s["kind"] != "france_services"]
    assert others and all(s["capacite"] is None for s in others)  # the bus stops too: unknown, not zero


def test_ateliers_at_a_place_have_places_and_other_offers_none(catalog):
    low = min(lo for lo, _ in PLACES.values())
    high = max(hi for _, hi in PLACES.values())
    with_places = [o for o in catalog["offers"] if o["capacite"] is not None]
    assert len(with_places) >= 10
    assert all(o["type"] in ("atelier", "formation") and o["site_ids"] for o in with_places)
    assert all(low <= o["capacite"] <= high for o in with_places)
    rest = [o for o in catalog["offers"] if o["type"] in ("atelier", "formation") and o["site_ids"]]
    assert len(rest) == len(with_places)


def test_capacities_are_an_add_on_that_reshuffles_nothing_else(catalog):
    from mapapp.demo.catalog import build_catalog
    from mapapp.demo.generate import DEFAULT_SEED
    from mapapp.demo.geography import build_geography, rng_for
    from mapapp.demo.grids import build_grids

    geo = build_geography(DEFAULT_SEED)
    bare = build_catalog(geo, build_grids(geo, rng_for(DEFAULT_SEED, 4)), DEFAULT_SEED)
    for section in ("sites", "offers"):
        shipped = [{k: v for k, v in r.items() if k != "capacite"} for r in catalog[section]]
        assert json.loads(json.dumps(bare[section])) == shipped, section

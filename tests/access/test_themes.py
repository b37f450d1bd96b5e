"""Which offers count as presence for a theme."""

from __future__ import annotations

import pandas as pd
import pytest

from mapapp.access.themes import (CATEGORIES, EVERYDAY, FRANCE_SERVICES, Theme, Thresholds, default_themes,
                                  presence_offers, select_destinations)
from tests.access.helpers import offer

PERMIS = "mobilite--preparer-un-permis"
VEHICULE = "mobilite--acceder-a-un-vehicule"
SOINS = "sante--acces-aux-soins"


def sites(*ids, **cols) -> pd.DataFrame:
    return pd.DataFrame({"site_id": list(ids), **cols})


def chosen(offers, site_table, theme, **kw) -> list[str]:
    return sorted(select_destinations(pd.DataFrame(offers), site_table, theme, **kw)["offer_id"])


def test_only_open_on_site_and_itinerant_offers_count():
    offers = [offer("on", "A", [PERMIS]), offer("bus", "A", [PERMIS], mode="itinerant"),
              offer("phone", "A", [PERMIS], mode="remote"), offer("dep", "A", [PERMIS], mode="departement_wide"),
              offer("exp", "A", [PERMIS], status="experimental"), offer("plan", "A", [PERMIS], status="planned"),
              offer("tmp", "A", [PERMIS], status="temporarily_closed"), offer("shut", "A", [PERMIS], status="closed"),
              offer("nosite", None, [PERMIS], mode="remote"), offer("ghost", "Z", [PERMIS])]
    theme = Theme("permis", "Permis", thematiques={PERMIS})
    assert chosen(offers, sites("A"), theme) == ["bus", "exp", "on"]
    assert chosen(offers, sites("A"), theme, statuses={"active", "planned"}) == ["bus", "on", "plan"]


def test_a_closed_site_closes_its_offers():
    offers = [offer("a", "A", [PERMIS]), offer("b", "B", [PERMIS])]
    table = sites("A", "B", status=["closed", None])
    assert chosen(offers, table, Theme("p", "P", thematiques={PERMIS})) == ["b"]


def test_category_matches_its_thematiques_but_not_the_reverse():
    offers = [offer("permis", "A", [PERMIS]), offer("vehicule", "A", [VEHICULE]), offer("soins", "A", [SOINS]),
              offer("bare", "A", ["mobilite"])]
    assert chosen(offers, sites("A"), Theme("m", "M", thematiques={"mobilite"})) == ["bare", "permis", "vehicule"]
    assert chosen(offers, sites("A"), Theme("p", "P", thematiques={PERMIS})) == ["permis"]
    assert chosen(offers, sites("A"), Theme("all", "Tout")) == ["bare", "permis", "soins", "vehicule"]


def test_publics_any_of_and_everyone_matches():
    offers = [offer("jeunes", "A", [PERMIS], publics=["jeunes"]), offer("rsa", "A", [PERMIS],
              publics=["beneficiaires-des-minimas-sociaux", "seniors"]),
              offer("tous", "A", [PERMIS], publics=["tous-publics"]), offer("none", "A", [PERMIS], publics=None),
              offer("empty", "A", [PERMIS], publics=[])]
    theme = Theme("p", "P", thematiques={PERMIS}, publics={"beneficiaires-des-minimas-sociaux"})
    assert chosen(offers, sites("A"), theme) == ["empty", "none", "rsa", "tous"]


def test_networks_from_offer_or_site_and_site_kinds():
    offers = [offer("fs", "A", [SOINS], networks=["france-service"]), offer("plain", "B", [SOINS]),
              offer("cms", "C", [SOINS], networks=["cms"])]
    table = sites("A", "B", "C", kind=["siege", "itinerant_stop", "permanence"],
                  reseaux_porteurs=[None, ["france-service"], None])
    assert chosen(offers, table, Theme("fs", "FS", networks={"france-service"})) == ["fs", "plain"]
    assert chosen(offers, table, Theme("k", "K", site_kinds={"permanence", "siege"})) == ["cms", "fs"]


def test_unknown_vocabulary_is_refused():
    with pytest.raises(ValueError, match="thématiques"):
        Theme("x", "X", thematiques={"mobilite--permis"})
    with pytest.raises(ValueError, match="publics"):
        Theme("x", "X", publics={"rsa"})
    with pytest.raises(ValueError, match="réseaux"):
        Theme("x", "X", networks={"france-services"})
    with pytest.raises(ValueError, match="delivery_mode"):
        presence_offers(pd.DataFrame([offer("a", "A", [PERMIS], mode="online")]), sites("A"))
    with pytest.raises(ValueError, match="status"):
        presence_offers(pd.DataFrame([offer("a", "A", [PERMIS], status="open")]), sites("A"))


def test_thresholds_always_report_the_main_one():
    t = Thresholds(12, (30, 7))
    assert t.bands_min == (7.0, 12.0, 30.0) and t.main_min == 12.0
    with pytest.raises(ValueError):
        Thresholds(0)
    assert EVERYDAY["car"].main_min == 10 and 7 in EVERYDAY["car"].bands_min
    assert FRANCE_SERVICES["car"].main_min == 20 and 30 in FRANCE_SERVICES["car"].bands_min
    with pytest.raises(ValueError, match="no thresholds"):
        Theme("x", "X", thresholds={"car": Thresholds(10)}).thresholds_for("walk")


def test_default_themes_cover_the_categories_and_are_valid():
    themes = default_themes()
    keys = [t.key for t in themes]
    assert len(keys) == len(set(keys)) == 20
    covered = set().union(*(t.thematiques or set() for t in themes))
    assert set(CATEGORIES) <= covered
    assert all(set(t.thresholds) == {"car", "walk", "bike"} for t in themes)
    fs = next(t for t in themes if t.key == "france_services")
    assert fs.thresholds_for("car").main_min == 20 and "france-service" in fs.networks
    assert '"key": "france_services"' in fs.spec_json()

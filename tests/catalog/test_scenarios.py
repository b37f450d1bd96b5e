"""Scenarios as records: who sees them, their changes, the tables they make (and the catalog stays as it was)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select

from mapapp.catalog.db import transaction
from mapapp.catalog.frames import catalog_tables
from mapapp.catalog.inputs_state import change_mark
from mapapp.catalog.models_scenarios import Scenario, ScenarioChange
from mapapp.catalog.scenarios import (
    ScenarioError,
    add_change,
    can_edit,
    create_scenario,
    get_visible,
    remove_change,
    scenario_tables,
    visible_scenarios,
)
from mapapp.catalog.users import get_user_by_email
from tests.catalog.contrib import contrib_settings, contrib_template, factory  # noqa: F401

FOOD = "equipement-et-alimentation--alimentation"


def user(s, name):
    return get_user_by_email(s, f"{name}@example.org")


def test_changes_build_new_tables_and_never_touch_the_catalog(factory):
    with transaction(factory) as s:
        mark, (sites0, offers0) = change_mark(s), catalog_tables(s)
        sc = create_scenario(s, user(s, "modo1"), "Nouvelle permanence", "à Arlenc")
        added = add_change(s, sc, "add_site", {"lon": "2,05", "lat": "45.04", "nom": "Permanence test",
                                                "thematiques": FOOD})
        add_change(s, sc, "close_site", {"site_id": "test--antenne"})
        add_change(s, sc, "move_site", {"site_id": "test--perm", "lon": 2.1, "lat": 45.03})
        scenario_id, revision = sc.id, sc.revision
    assert added.data["commune_code"] == "96001"  # found from the point
    assert revision == 4  # created, then three changes
    with factory() as s:
        sc = s.get(Scenario, scenario_id)
        sites, offers = scenario_tables(s, sc)
        # The live catalog is as it was, in the database and in its tables.
        assert change_mark(s) == mark
        pd.testing.assert_frame_equal(catalog_tables(s)[0], sites0)
        pd.testing.assert_frame_equal(catalog_tables(s)[1], offers0)
    new_id = f"scenario-{scenario_id}-lieu-1"
    assert new_id in set(sites["site_id"]) and "test--antenne" not in set(sites["site_id"])
    assert "test--antenne" in set(sites0["site_id"])
    assert offers.loc[offers["site_id"] == new_id, "thematiques"].iloc[0] == [FOOD]
    assert "test--antenne" not in set(offers["site_id"])
    perm = sites.set_index("site_id").loc["test--perm"]
    assert (perm["lon"], perm["lat"]) == (2.1, 45.03)
    assert len(sites) == len(sites0)  # one opened, one closed


@pytest.mark.parametrize("kind, data, words", [
    ("close_site", {"site_id": "nope"}, "Aucun lieu du catalogue n'a l'identifiant 'nope'"),
    ("add_site", {"lon": "abc", "lat": "45", "thematiques": FOOD}, "Longitude invalide"),
    ("add_site", {"lon": "5.0", "lat": "48", "thematiques": FOOD}, "hors du territoire"),
    ("add_site", {"lon": "2.05", "lat": "45.04"}, "au moins une thématique"),
    ("add_site", {"lon": "2.05", "lat": "45.04", "thematiques": "pas-une-thematique"}, "Thématique inconnue"),
    ("close_structure", {"structure_id": "zz"}, "Aucune structure"),
    ("set_hours", {"site_id": "test--perm", "horaires_accueil": "n'importe quoi"}, "horaires_accueil"),
    ("fly", {}, "Type de modification inconnu"),
])
def test_bad_changes_are_refused_in_french_and_not_stored(factory, kind, data, words):
    with transaction(factory) as s:
        sc = create_scenario(s, user(s, "admin"), "Essai")
        with pytest.raises(ScenarioError, match=words):
            add_change(s, sc, kind, data)
        assert sc.changes == [] and sc.revision == 1


def test_closing_twice_is_refused_and_a_change_can_be_removed(factory):
    with transaction(factory) as s:
        sc = create_scenario(s, user(s, "admin"), "Essai")
        first = add_change(s, sc, "close_site", {"site_id": "test--perm"})
        with pytest.raises(ScenarioError, match="déjà fermé"):
            add_change(s, sc, "close_site", {"site_id": "test--perm"})
        remove_change(s, sc, first.id)
        add_change(s, sc, "close_site", {"site_id": "test--perm"})
        with pytest.raises(ScenarioError, match="n° 999"):
            remove_change(s, sc, 999)
    with factory() as s:
        assert s.scalars(select(ScenarioChange)).all()[0].data == {"site_id": "test--perm"}


def test_a_change_others_depend_on_cannot_be_removed(factory):
    with transaction(factory) as s:
        sc = create_scenario(s, user(s, "admin"), "Essai")
        opened = add_change(s, sc, "add_site", {"lon": "2.05", "lat": "45.04", "thematiques": FOOD})
        add_change(s, sc, "move_site", {"site_id": opened.data["site_id"], "lon": 2.06, "lat": 45.05})
        with pytest.raises(ScenarioError, match="une autre en dépend"):
            remove_change(s, sc, opened.id)
        assert [c.kind for c in sc.changes] == ["add_site", "move_site"]
        second = add_change(s, sc, "add_site", {"lon": "2.05", "lat": "45.04", "thematiques": FOOD})
        remove_change(s, sc, sc.changes[1].id)
        remove_change(s, sc, opened.id)
        third = add_change(s, sc, "add_site", {"lon": "2.05", "lat": "45.04", "thematiques": FOOD})
        assert second.data["site_id"].endswith("-lieu-2") and third.data["site_id"].endswith("-lieu-3")


def test_private_shared_and_partners(factory):
    with transaction(factory) as s:
        private = create_scenario(s, user(s, "modo1"), "Privé")
        shared = create_scenario(s, user(s, "modo1"), "Partagé", shared=True)
        with pytest.raises(ScenarioError, match="modérateurs et les administrateurs"):
            create_scenario(s, user(s, "ml"), "Partenaire")
        ids = {private.id: "Privé", shared.id: "Partagé"}
    with factory() as s:
        titles = lambda name: {x.title for x in visible_scenarios(s, user(s, name))}  # noqa: E731
        assert titles("modo1") == {"Privé", "Partagé"}
        assert titles("modo2") == {"Partagé"}
        assert titles("admin") == {"Privé", "Partagé"}
        assert titles("ml") == set()
        by_title = {v: k for k, v in ids.items()}
        assert get_visible(s, user(s, "ml"), by_title["Partagé"]) is None
        assert get_visible(s, user(s, "modo2"), by_title["Privé"]) is None
        sc = get_visible(s, user(s, "modo2"), by_title["Partagé"])
        assert sc is not None and not can_edit(user(s, "modo2"), sc) and can_edit(user(s, "admin"), sc)


def test_a_title_is_required(factory):
    with transaction(factory) as s:
        with pytest.raises(ScenarioError, match="donnez un titre"):
            create_scenario(s, user(s, "admin"), "   ")


def test_a_scenario_whose_site_left_the_catalog_says_so(factory):
    from mapapp.catalog.models import Site

    with transaction(factory) as s:
        sc = create_scenario(s, user(s, "admin"), "Essai")
        add_change(s, sc, "close_site", {"site_id": "test--closed"})
        number = sc.id
    with transaction(factory) as s:
        s.delete(s.get(Site, "test--closed"))
    with factory() as s:
        with pytest.raises(ScenarioError, match="ne s'applique plus au catalogue.*test--closed"):
            scenario_tables(s, s.get(Scenario, number))

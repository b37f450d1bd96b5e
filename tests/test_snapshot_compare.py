"""Comparisons of two dates on hand-made catalogs and results (issue 16 §2)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from mapapp.snapshot_compare import catalog_changes, population_changes, record_open, zone_changes
from tests.catalog.records import OFFER, SITE, with_fields

D1, D2 = dt.date(2026, 1, 1), dt.date(2026, 6, 1)


def test_sites_and_offers_opened_closed_changed():
    before = {"sites": [SITE, with_fields(SITE, id="s-closing", nom="Fermera"),
                        with_fields(SITE, id="s-summer", nom="Fermé l'été", closed_from="2026-05-15",
                                    closed_until="2026-06-15")],
              "offers": [OFFER, with_fields(OFFER, id="o-later", status="planned")]}
    after = {"sites": [with_fields(SITE, date_maj="2026-05-01"),  # upkeep only: not a change
                       with_fields(SITE, id="s-closing", nom="Fermera", status="closed"),
                       with_fields(SITE, id="s-summer", nom="Fermé l'été", closed_from="2026-05-15",
                                   closed_until="2026-06-15"),
                       with_fields(SITE, id="s-new", nom="Nouvelle antenne", commune_code="96002")],
             "offers": [with_fields(OFFER, horaires_accueil="Mo 09:00-12:00"),
                        with_fields(OFFER, id="o-later", status="active")]}
    table = catalog_changes(before, after, D1, D2)
    got = {(r.section, r.change, r.id): r.fields for r in table.itertuples()}
    assert got == {
        ("sites", "ferme", "s-closing"): [],
        ("sites", "ferme", "s-summer"): [],  # closed on 1 June by its temporary closure
        ("sites", "ouvert", "s-new"): [],
        ("offers", "modifie", "test--offre-1"): ["horaires_accueil"],
        ("offers", "ouvert", "o-later"): [],
    }
    assert table.loc[table["id"] == "s-new", "commune"].item() == "96002"


def test_record_open_follows_the_temporary_closure_dates():
    site = with_fields(SITE, status="temporarily_closed", closed_from="2026-01-01", closed_until="2026-02-01")
    assert not record_open("sites", site, dt.date(2026, 1, 15))
    assert record_open("sites", site, dt.date(2026, 3, 1))
    assert not record_open("sites", None, D1)


def _territories(rows):
    return pd.DataFrame(rows, columns=["theme", "grid", "code", "population_points", "population_beyond_main"])


def test_inhabitants_gained_and_lost_per_theme_and_unit():
    before = _territories([("emploi", "all", "all", 1000, 300), ("emploi", "canton", "C1", 600, 100),
                           ("emploi", "canton", "C2", 400, 200), ("sante", "all", "all", 1000, 0)])
    after = _territories([("emploi", "all", "all", 1000, 150), ("emploi", "canton", "C1", 600, 150),
                          ("emploi", "canton", "C2", 400, 0), ("sante", "all", "all", 1000, 50),
                          ("numerique", "all", "all", 1000, 400)])
    table = population_changes(before, after).set_index(["theme", "grid", "code"])
    assert table.loc[("emploi", "all", "all"), "gained"] == 150
    assert table.loc[("emploi", "canton", "C1"), "gained"] == -50
    assert table.loc[("emploi", "canton", "C2"), "gained"] == 200
    assert table.loc[("sante", "all", "all"), "gained"] == -50
    assert table.loc[("numerique", "all", "all"), ["within_before", "within_after"]].tolist() == [0, 600]


def test_zones_blanches_appeared_and_resolved():
    before = pd.DataFrame({"theme": ["emploi"] * 3, "commune": ["96001", "96002", "96003"],
                           "zone_blanche": pd.array([True, False, pd.NA], dtype="boolean")})
    after = pd.DataFrame({"theme": ["emploi"] * 3, "commune": ["96001", "96002", "96003"],
                          "zone_blanche": pd.array([False, True, pd.NA], dtype="boolean")})
    table = zone_changes(before, after)
    assert table.values.tolist() == [["emploi", "96002", "apparue"], ["emploi", "96001", "resorbee"]]
    assert zone_changes(before, before).empty

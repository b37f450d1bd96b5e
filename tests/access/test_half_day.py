"""Access on a weekday half-day (« le mardi matin »), opt-in, on a hand-made line (issue 11 §3).

Line 0-1-2-3-4, 60 s per link. S0 at node 0: a permanence « le 2e mardi du
mois, 9 h–12 h »; S1 at node 2: open Monday to Friday afternoons; S2 at node
4: Tuesday mornings. One point at node 0.

- every site counts: nearest S0 (0 s);
- « le mardi matin »: S0 (open the 2nd Tuesday) counts: 0 s;
- « le mardi après-midi »: only S1: 120 s;
- « le mercredi matin »: none is open: unreachable.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mapapp.access.run import compute_access
from mapapp.access.settings import AccessSettings, PublicGroup, ScheduleRule, half_day_label
from mapapp.access.themes import Theme, Thresholds
from mapapp.access.variants import Variant, variant_offers, variants
from mapapp.catalog.hour_slots import half_days_open, with_half_days
from mapapp.settings_file import SettingsFileError, parse_settings, write_settings
from tests.access.helpers import frames, graph, offer, snap

PERMIS = "mobilite--preparer-un-permis"
LINE = [(a, b, 60) for a, b in ((0, 1), (1, 2), (2, 3), (3, 4))]
EDGES = LINE + [(b, a, t) for a, b, t in LINE]
THEME = Theme("permis", "Permis", thematiques={PERMIS}, thresholds={"car": Thresholds(5)})
EVERYONE = PublicGroup("tous", "Tous publics")


@pytest.fixture(scope="module")
def world():
    points, communes, sites = frames(snap([0], [0]), ["X"], [10], snap([0, 2, 4], [0, 0, 0]), ["X"])
    offers = pd.DataFrame([offer("a", "S0", [PERMIS]), offer("b", "S1", [PERMIS]), offer("c", "S2", [PERMIS])])
    offers["opening_hours"] = ["Tu[2] 09:00-12:00", "Mo-Fr 14:00-17:00", "Tu 09:00-11:00"]
    return graph(5, EDGES), points, communes, sites, with_half_days(offers)


def nearest(world, half_day):
    g, points, communes, sites, offers = world
    kept = variant_offers(offers, Variant(EVERYONE, half_day=half_day), ScheduleRule())
    res = compute_access(g, points, communes, sites, kept, [THEME])
    row = res.points.iloc[0]
    return row["time_min"] * 60, row["site_id"]


def test_half_days_open_by_hand():
    assert half_days_open("Tu[2] 09:00-12:00") == frozenset({"mardi-matin"})
    assert half_days_open("Mo 11:00-13:00") == frozenset({"lundi-matin", "lundi-apres-midi"})
    assert half_days_open("") is None
    assert half_day_label("jeudi-apres-midi") == "le jeudi après-midi"


def test_nearest_site_open_that_half_day(world):
    assert nearest(world, "mardi-matin") == (0.0, "S0")
    assert nearest(world, "mardi-apres-midi") == (120.0, "S1")
    t, site = nearest(world, "mercredi-matin")
    assert math.isinf(t) and not isinstance(site, str)


def test_unknown_hours_follow_the_rule(world):
    offers = world[4].assign(half_days_open=[None, frozenset(), frozenset()])
    kept = variant_offers(offers, Variant(EVERYONE, half_day="mardi-matin"), ScheduleRule(3, "count"))
    assert list(kept["offer_id"]) == ["a"]
    assert variant_offers(offers, Variant(EVERYONE, half_day="mardi-matin"), ScheduleRule(3, "exclude")).empty


def test_half_days_are_opt_in_variants():
    assert not any(v.half_day for v in variants(AccessSettings()))
    keys = [v.key for v in variants(AccessSettings(schedule=ScheduleRule(3, half_days=("mardi-matin",))))]
    assert keys[-1] == "tous@mardi-matin" and len(keys) == 9


SETTINGS = """\
[horaires]
heures_min_semaine = 3
demi_journees = {value}

[[public]]
cle = "tous"
libelle = "Tous publics"

[[theme]]
cle = "mobilite"
libelle = "Mobilité"
thematiques = ["mobilite"]
seuil_voiture = 10
seuil_velo = 15
seuil_marche = 15
"""


def test_settings_file_reads_and_writes_half_days():
    settings = parse_settings(SETTINGS.format(value='["mardi-matin", "jeudi-apres-midi"]'))
    assert settings.schedule.half_days == ("mardi-matin", "jeudi-apres-midi")
    assert parse_settings(write_settings(settings)).schedule.half_days == settings.schedule.half_days


@pytest.mark.parametrize("value, message", [
    ('["mardi-mtin"]', "demi-journée inconnue « mardi-mtin » ; vouliez-vous dire « mardi-matin » ?"),
    ('"mardi-matin"', "« demi_journees » doit être une liste de textes"),
])
def test_bad_half_days_are_french_errors_on_their_line(value, message):
    with pytest.raises(SettingsFileError) as err:
        parse_settings(SETTINGS.format(value=value))
    assert [(p.line, message in p.message) for p in err.value.problems] == [(3, True)]

"""The French profile: maxspeed forms, access rules, oneway rules, per mode."""

import pytest

from mapapp.network.graph import ROAD_CLASSES
from mapapp.network.profile import (
    CAR_DEFAULT_KMH,
    MAXSPEED_FACTOR,
    WALK_KMH,
    car_speed_kmh,
    parse_maxspeed,
    way_rules,
)


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("50", 50.0),
        ("50 km/h", 50.0),
        ("FR:urban", 50.0),
        ("FR:rural", 80.0),
        ("FR:motorway", 130.0),
        ("FR:zone30", 30.0),
        ("fr:zone30", 30.0),
        ("30 mph", 30 * 1.609344),
        ("50;30", 30.0),
        ("none", None),
        ("signals", None),
        ("variable", None),
        ("fast", None),
        ("0", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_maxspeed(value, kmh):
    assert parse_maxspeed(value) == (pytest.approx(kmh) if kmh is not None else None)


def test_car_speed_uses_tag_times_factor_else_class_default():
    assert car_speed_kmh("primary", "FR:rural") == (pytest.approx(80 * MAXSPEED_FACTOR), True)
    assert car_speed_kmh("primary", "signals") == (CAR_DEFAULT_KMH["primary"], False)
    assert car_speed_kmh("motorway", None) == (CAR_DEFAULT_KMH["motorway"], False)
    assert car_speed_kmh("residential", "none") == (CAR_DEFAULT_KMH["residential"], False)


def speeds(tags):
    rules = way_rules(tags)
    return None if rules is None else rules[1]


def test_class_index_and_tagged_flag():
    cls, _, tagged = way_rules({"highway": "secondary", "maxspeed": "70"})
    assert ROAD_CLASSES[cls] == "secondary" and tagged is True
    assert way_rules({"highway": "secondary"})[2] is False


@pytest.mark.parametrize(
    ("tags", "car", "walk", "bike"),
    [
        ({"highway": "residential", "oneway": "yes"}, (30, 0), (WALK_KMH,) * 2, (15, 0)),
        ({"highway": "residential", "oneway": "true"}, (30, 0), (WALK_KMH,) * 2, (15, 0)),
        ({"highway": "residential", "oneway": "1"}, (30, 0), (WALK_KMH,) * 2, (15, 0)),
        ({"highway": "residential", "oneway": "-1"}, (0, 30), (WALK_KMH,) * 2, (0, 15)),
        ({"highway": "residential", "oneway": "reverse"}, (0, 30), (WALK_KMH,) * 2, (0, 15)),
        ({"highway": "residential", "oneway": "no"}, (30, 30), (WALK_KMH,) * 2, (15, 15)),
        ({"highway": "residential", "junction": "roundabout"}, (30, 0), (WALK_KMH,) * 2, (15, 0)),
        ({"highway": "residential", "junction": "circular"}, (30, 0), (WALK_KMH,) * 2, (15, 0)),
        ({"highway": "residential", "junction": "roundabout", "oneway": "no"}, (30, 30), (WALK_KMH,) * 2, (15, 15)),
        ({"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"}, (30, 0), (WALK_KMH,) * 2, (15, 15)),
        ({"highway": "residential", "oneway": "yes", "cycleway": "opposite_lane"}, (30, 0), (WALK_KMH,) * 2, (15, 15)),
        ({"highway": "residential", "oneway": "yes", "cycleway:left": "opposite"}, (30, 0), (WALK_KMH,) * 2, (15, 15)),
        ({"highway": "residential", "oneway": "reversible"}, (0, 0), (WALK_KMH,) * 2, (0, 0)),
        ({"highway": "motorway"}, (110, 0), (0, 0), (0, 0)),
        ({"highway": "motorway_link"}, (50, 50), (0, 0), (0, 0)),
        ({"highway": "motorway", "oneway": "no"}, (110, 110), (0, 0), (0, 0)),
    ],
)
def test_oneway_rules(tags, car, walk, bike):
    s = speeds(tags)
    assert s["car"] == pytest.approx(car)
    assert s["walk"] == pytest.approx(walk)
    assert s["bike"] == pytest.approx(bike)


@pytest.mark.parametrize(
    ("tags", "modes"),
    [
        ({"highway": "service", "access": "private"}, None),
        ({"highway": "service", "access": "no"}, None),
        ({"highway": "service", "access": "private", "foot": "yes"}, {"walk"}),
        ({"highway": "residential", "motor_vehicle": "no"}, {"walk", "bike"}),
        ({"highway": "residential", "motorcar": "no"}, {"walk", "bike"}),
        ({"highway": "residential", "access": "no", "motor_vehicle": "destination"}, {"car"}),
        ({"highway": "residential", "foot": "no"}, {"car", "bike"}),
        ({"highway": "residential", "bicycle": "no"}, {"car", "walk"}),
        ({"highway": "residential", "vehicle": "no"}, {"walk"}),
        ({"highway": "trunk", "motorroad": "yes"}, {"car"}),
        ({"highway": "trunk"}, {"car", "walk", "bike"}),
        ({"highway": "footway"}, {"walk", "bike"}),
        ({"highway": "footway", "access": "yes"}, {"walk", "bike"}),
        ({"highway": "cycleway"}, {"walk", "bike"}),
        ({"highway": "path"}, {"walk", "bike"}),
        ({"highway": "steps"}, {"walk"}),
        ({"highway": "pedestrian"}, {"walk", "bike"}),
        ({"highway": "track"}, {"walk", "bike"}),
        ({"highway": "track", "motor_vehicle": "yes"}, {"car", "walk", "bike"}),
        ({"highway": "track", "tracktype": "grade1"}, {"car", "walk", "bike"}),
        ({"highway": "track", "tracktype": "grade1", "motor_vehicle": "agricultural"}, {"walk", "bike"}),
        ({"highway": "busway"}, None),
        ({"highway": "construction"}, None),
        ({"highway": "proposed"}, None),
        ({"highway": "platform"}, None),
        ({"highway": "pedestrian", "area": "yes"}, None),
        ({"building": "yes"}, None),
    ],
)
def test_access_rules(tags, modes):
    s = speeds(tags)
    if modes is None:
        assert s is None
    else:
        assert {m for m, (f, b) in s.items() if f > 0 or b > 0} == modes


def test_bike_dismounts_on_footways_unless_allowed():
    assert speeds({"highway": "footway"})["bike"] == (WALK_KMH, WALK_KMH)
    assert speeds({"highway": "footway", "bicycle": "designated"})["bike"] == (15.0, 15.0)
    assert speeds({"highway": "residential", "bicycle": "dismount"})["bike"] == (WALK_KMH, WALK_KMH)
    assert speeds({"highway": "track"})["bike"] == (12.0, 12.0)


def test_maxspeed_direction_tags():
    s = speeds({"highway": "primary", "maxspeed:forward": "50", "maxspeed:backward": "70"})
    assert s["car"] == pytest.approx((50 * MAXSPEED_FACTOR, 70 * MAXSPEED_FACTOR))

"""Accessibility display helpers: classes and colours, formats, parameter parsing, inert layer data."""

from __future__ import annotations

import json
import math
import re

import pytest
import shapely

from mapapp.web import access_data as ad
from mapapp.web.access_maps import BUPU5, COMPARISON_COLOURS, UNREACHABLE_COLOUR, YLGNBU, TimeClasses
from mapapp.web.maps import CommuneLayer, build_commune_map
from tests.web.conftest import XSS, XSS_TEMPLATE
from tests.web.test_maps import contrast


@pytest.mark.parametrize("palette", [*YLGNBU.values(), BUPU5])
def test_sequential_palettes_have_distinguishable_steps(palette):
    for a, b in zip(palette, palette[1:]):
        assert contrast(a, b) >= 1.25, (a, b)
    assert contrast(palette[0], palette[-1]) >= 3.5


def test_unreachable_and_car_only_stand_out():
    for colour in {c for p in YLGNBU.values() for c in p}:
        assert contrast(UNREACHABLE_COLOUR, colour) >= 1.25 or colour == UNREACHABLE_COLOUR
    assert contrast(COMPARISON_COLOURS["voiture_seulement"], COMPARISON_COLOURS["sans_voiture"]) >= 3


def test_time_classes_follow_the_bands():
    classes = TimeClasses((7.0, 10.0, 20.0, 30.0))
    assert classes.labels() == ["7\u00a0min ou moins", "7 à 10\u00a0min", "10 à 20\u00a0min", "20 à 30\u00a0min",
                                "Plus de 30\u00a0min"]
    assert [classes.index(t) for t in (0, 7, 7.01, 10, 19.9, 30, 31)] == [0, 0, 1, 1, 2, 3, 4]
    assert classes.colours == YLGNBU[5]
    assert classes.colour_of(float("nan"), ad.UNREACHABLE) == UNREACHABLE_COLOUR
    assert classes.colour_of(math.inf, ad.OK) == UNREACHABLE_COLOUR
    assert classes.colour_of(3.0, ad.NO_POPULATION) is None
    assert classes.label_of(math.inf, ad.OK) == "Injoignable"
    assert len(TimeClasses((15.0,)).colours) == 2
    many = TimeClasses.for_bands([5, 7, 10, 15, 20, 25, 30, 45, 60], main=25)
    assert len(many.breaks) == 6 and 25.0 in many.breaks and len(many.colours) == 7


def test_json_and_sort_values_never_show_infinity_as_a_number():
    assert ad.json_number(math.inf) is None and ad.json_number(float("nan")) is None
    assert ad.sort_key(math.inf) == "1e12" and ad.sort_key(None) == ""


def test_parameters():
    assert ad.parse_mode("voiture") == "car" and ad.parse_mode("velo") == "bike" and ad.parse_mode("walk") == "walk"
    with pytest.raises(ad.AccessError) as exc:
        ad.parse_mode("avion")
    assert exc.value.status == 400 and "« avion »" in exc.value.message
    with pytest.raises(ad.AccessError) as exc:
        ad.parse_mode("marche", available=["car"])
    assert exc.value.status == 404
    assert ad.parse_threshold(None, 20.0, [7.0, 20.0]) == (20.0, None)
    assert ad.parse_threshold("7", 20.0, [7.0, 20.0]) == (7.0, None)
    t, note = ad.parse_threshold("13", 20.0, [7.0, 20.0])
    assert t == 13.0 and "13\u00a0min" in note and "chaque point de population" in note
    assert ad.parse_threshold("45,5", 20.0, [7.0, 20.0])[0] == 45.5
    assert ad.strict_threshold("13", 20.0, [7.0, 20.0]) == 13.0
    for bad in ("abc", "inf", "nan", "0", "-5", "601"):
        with pytest.raises(ad.AccessError) as exc:
            ad.parse_threshold(bad, 20.0, [20.0])
        assert exc.value.status == 400 and f"« {bad} »" in exc.value.message


def test_commune_layers_carry_inert_plain_text():
    """Names reach the map as JSON text set with textContent: no markup, no template, no prototype key."""
    shapes = {"96001": shapely.box(2.0, 45.0, 2.1, 45.1), "__proto__": shapely.box(2.1, 45.0, 2.2, 45.1)}
    names = {"96001": XSS, "__proto__": XSS_TEMPLATE}
    layer = CommuneLayer("temps", "Temps moyen d'accès", [
        {"id": "96001", "style": {"fillColor": "#ffffcc"}, "tooltip": XSS_TEMPLATE, "lines": [XSS]},
        {"id": "__proto__", "style": {"fillColor": "#253494"}, "tooltip": "x"}], {"weight": 1}, overlay=False)
    parts = build_commune_map(shapes, [layer], names=names,
                              link={"template": "/commune/__ID__", "text": "Voir la fiche"})
    script = str(parts.script)
    assert "<script>" not in script and "</script>" not in script and "</div>" not in script
    assert "{{" not in script and "{%" not in script and "{#" not in script
    shared = json.loads(re.search(r"var shared_geo_json_\w+ = (\{.*?\});\n", script).group(1))
    assert {f["id"]: f["properties"]["name"] for f in shared["features"]} == names
    assert "textContent" in script and ".innerHTML" not in script
    assert "new Map(entries.map" in script  # entries are a list: "__proto__" is an ordinary id
    assert layer.layer and layer.layer in script

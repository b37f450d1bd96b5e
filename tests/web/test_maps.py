"""Map symbols (contrast, distinct shapes) and the map builders' escaping."""

from __future__ import annotations

import re

import pytest

from mapapp.catalog import vocab
from mapapp.web.leaflet import MarkerBatch, js_literal
from mapapp.web.maps import PointMarker, build_small_map
from mapapp.web.symbols import ALL_SYMBOLS, CATEGORY_STYLE, MOBILITY_POINT, PARTNER_SYMBOLS, SITE_SYMBOLS, symbol_svg


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("symbol", ALL_SYMBOLS, ids=lambda s: s.key)
def test_symbol_colours_meet_wcag_aa(symbol):
    # White letters and cluster counts on the colour: text, 4.5:1.
    assert contrast(symbol.colour, "#ffffff") >= 4.5
    # The shape against the map: OSM's land colour, and Leaflet's grey when tiles are offline: 3:1.
    assert contrast(symbol.colour, "#f2efe9") >= 3
    assert contrast(symbol.colour, "#dddddd") >= 3


def test_every_category_has_a_symbol_and_families_differ_by_shape():
    assert set(CATEGORY_STYLE) == set(vocab.CATEGORIES)
    letters = [s.letter for s in PARTNER_SYMBOLS.values()]
    assert len(set(letters)) == len(letters)  # colour is never the only cue
    shapes = {SITE_SYMBOLS["departement_siege"].shape, SITE_SYMBOLS["france_services"].shape,
              PARTNER_SYMBOLS["numerique"].shape, MOBILITY_POINT.shape}
    assert len(shapes) == 4
    assert len({s.key for s in ALL_SYMBOLS}) == len(ALL_SYMBOLS)


def test_symbol_svg_is_decorative():
    svg = str(symbol_svg(SITE_SYMBOLS["departement_siege"]))
    assert svg.startswith("<svg") and 'aria-hidden="true"' in svg and ">S</text>" in svg


def test_marker_batch_json_cannot_close_the_script():
    batch = MarkerBatch(MOBILITY_POINT, [{"title": "</script><script>alert(1)</script>", "popup": "a & 'b'"}])
    assert "</script>" not in batch.items_json and "<" not in batch.items_json
    assert "\\u003c/script\\u003e" in batch.items_json and "\\u0027b\\u0027" in batch.items_json


def test_small_map_escapes_titles_and_outline_labels():
    import shapely.geometry

    parts = build_small_map([PointMarker(45.0, 2.0, MOBILITY_POINT, "<b>x</b>", "<p>déjà échappé</p>")],
                            outline=shapely.geometry.box(1.9, 44.9, 2.1, 45.1), outline_label="<i>y</i>")
    script = str(parts.script)
    assert "<b>" not in script and "<i>" not in script
    assert '"title": "\\u003cb\\u003ex\\u003c/b\\u003e"' in script  # title: a plain-text attribute
    assert "\\u0026lt;i\\u0026gt;y" in script  # the tooltip is HTML: escaped, then JSON-escaped
    assert parts.map_name.startswith("map_") and parts.map_name in str(parts.html)


def test_js_literal_is_inert_for_jinja():
    """branca compiles folium's rendered output as a template: user braces must not reach it."""
    import json

    text = "{{ 7*7 }}{% if true %}X{% endif %}{# c #}{{{"
    literal = js_literal({"nom": text, "nested": {"a": [{}]}})
    assert "{{" not in literal and "{%" not in literal and "{#" not in literal
    assert json.loads(literal) == {"nom": text, "nested": {"a": [{}]}}
    parts = build_small_map([PointMarker(45.0, 2.0, MOBILITY_POINT, text)])
    script = re.sub(r"_[0-9a-f]{32}\b", "", str(parts.script))  # element names are random hex: "49" happens
    assert "49" not in script and json.dumps(text)[1:-1] not in script
    assert '"title": "\\u007b{ 7*7 }}' in str(parts.script)

"""folium elements whose JavaScript is written in Python, with user data as inert JSON literals.

Two folium/branca pitfalls are avoided on purpose:

* folium's ``Popup``/``Tooltip`` put their content in JS template literals,
  where ``${...}`` or a backtick in a name would run or break the code;
* branca compiles every element's *rendered output* as a Jinja template again
  (``Element(script_output)``), so ``{{ ... }}`` in a name reaching a folium
  element would be evaluated on the server (template injection). It is also
  the slowest part of rendering a large map.

Our elements add their script as raw text (:class:`_ScriptElement`), and
:func:`js_literal` also writes every ``{`` that would open a Jinja tag as
``\\u007b``, in case a literal ever passes through branca again.
"""

from __future__ import annotations

import re

from branca.element import Element, MacroElement
from folium.map import FeatureGroup
from folium.plugins import MarkerCluster
from folium.template import _to_escaped_json

from mapapp.web.symbols import Symbol, symbol_svg

_JINJA_OPENERS = re.compile(r"\{(?=[{%#])")


def js_literal(obj) -> str:
    """``obj`` as a JavaScript literal that is safe inside ``<script>`` and inert for Jinja.

    JSON with ``<``, ``>``, ``&``, ``'`` as ``\\u00XX`` (cannot close the script), and
    every ``{`` that would open a Jinja tag (``{{``, ``{%``, ``{#``) as ``\\u007b``: branca
    compiles each element's rendered output as a Jinja template again, so a name
    like ``{{ 7*7 }}`` would otherwise be *executed on the server*. Structural JSON
    braces are never followed by ``{``, ``%`` or ``#``, so only string content changes.
    """
    return _JINJA_OPENERS.sub(r"\\u007b", _to_escaped_json(obj))


class _RawScript(Element):
    """Script text added to the figure as is (branca would compile it as a template)."""

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class _ScriptElement(MacroElement):
    """A map element whose JavaScript is built in Python, not through a Jinja template."""

    def script(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def render(self, **kwargs):
        self.get_root().script.add_child(_RawScript(self.script()), name=self.get_name())


def _render_layer(layer, create_js: str) -> None:
    """Create the layer, render its children into it, then add it to its parent (as folium's Layer does)."""
    script = layer.get_root().script
    script.add_child(_RawScript(create_js), name=layer.get_name())
    for child in layer._children.values():
        child.render()
    if layer.show:
        script.add_child(_RawScript(f"{layer.get_name()}.addTo({layer._parent.get_name()});\n"),
                         name=layer.get_name() + "_add_to_parent")


class GroupLayer(FeatureGroup):
    """``folium.FeatureGroup`` (listed by the LayerControl), rendered without branca's template round-trip."""

    def render(self, **kwargs):
        _render_layer(self, f"var {self.get_name()} = L.featureGroup();\n")


class ClusterLayer(MarkerCluster):
    """``folium.plugins.MarkerCluster`` as a layer of its own, rendered without branca's template round-trip.

    ``symbol`` gives the cluster icons the family's shape colour with the count in white.
    """

    def __init__(self, name: str, symbol: Symbol, options: dict, show: bool = True):
        super().__init__(name=name, show=show, options=options)
        self.symbol = symbol
        self.default_js, self.default_css = [], []  # the page links the plugin from static/

    def render(self, **kwargs):
        name = self.get_name()
        _render_layer(self, f"var {name} = L.markerClusterGroup({js_literal(self.options)});\n"
                            f"{name}.options.iconCreateFunction = {cluster_icon_function(self.symbol)};\n")


class MarkerBatch(_ScriptElement):
    """Markers of one symbol added to the parent layer in one loop from an escaped JSON literal.

    Each item: ``lat``, ``lon``, ``title`` (plain text: the icon's title
    attribute, its accessible name), ``popup`` (escaped HTML), ``className``
    (extra CSS classes). The icon (our SVG) is written once per batch. One
    literal instead of four folium elements per marker keeps large maps fast.
    """

    def __init__(self, symbol: Symbol, items: list[dict], size: int = 26):
        super().__init__()
        self._name = "MarkerBatch"
        self.icon_json = js_literal({"html": str(symbol_svg(symbol, size)), "size": size,
                                     "className": f"mapapp-marker mapapp-marker-{symbol.key}"})
        self.items_json = js_literal(items)

    def script(self) -> str:
        return f"""
(function (layer) {{
    var icon = {self.icon_json}, items = {self.items_json}, half = icon.size / 2;
    for (var i = 0; i < items.length; i++) {{
        var it = items[i];
        var marker = L.marker([it.lat, it.lon], {{
            icon: L.divIcon({{html: icon.html, className: icon.className + (it.className ? " " + it.className : ""),
                             iconSize: [icon.size, icon.size], iconAnchor: [half, half], popupAnchor: [0, -half]}}),
            title: it.title, riseOnHover: true
        }});
        if (it.popup) {{ marker.bindPopup(it.popup, {{maxWidth: 320}}); }}
        layer.addLayer(marker);
    }}
}})({self._parent.get_name()});
"""


class GeoJsonBatch(_ScriptElement):
    """Lines or polygons with escaped popups and tooltips, from one escaped JSON literal."""

    def __init__(self, features: list[dict], style: dict):
        super().__init__()
        self._name = "GeoJsonBatch"
        self.data_json = js_literal({"type": "FeatureCollection", "features": features})
        self.style_json = js_literal(style)

    def script(self) -> str:
        return f"""
(function (layer) {{
    L.geoJSON({self.data_json}, {{
        style: function () {{ return {self.style_json}; }},
        onEachFeature: function (feature, sub) {{
            if (feature.properties.popup) {{ sub.bindPopup(feature.properties.popup, {{maxWidth: 320}}); }}
            if (feature.properties.tooltip) {{ sub.bindTooltip(feature.properties.tooltip, {{sticky: true}}); }}
        }}
    }}).addTo(layer);
}})({self._parent.get_name()});
"""


class RemoteGeoJson(_ScriptElement):
    """A GeoJSON fetched after the page loads (commune outlines: large, and cached by the browser)."""

    def __init__(self, url: str, style: dict):
        super().__init__()
        self._name = "RemoteGeoJson"
        self.url_json = js_literal(url)
        self.style_json = js_literal(style)

    def script(self) -> str:
        return f"""
fetch({self.url_json}).then(function (r) {{ return r.ok ? r.json() : null; }}).then(function (data) {{
    if (data) {{
        L.geoJSON(data, {{style: function () {{ return {self.style_json}; }}, interactive: false}})
            .addTo({self._parent.get_name()});
    }}
}}).catch(function () {{ /* no outlines: the map still works */ }});
"""


def cluster_icon_function(symbol: Symbol) -> str:
    # Static JS (no user data): the count on a shape in the family's colour.
    return ("function (cluster) { return L.divIcon({html: '<span>' + cluster.getChildCount() + '</span>', "
            f"className: 'mapapp-cluster mapapp-cluster-{symbol.key}', iconSize: L.point(34, 34)}}); }}")


class SharedGeoJson(_ScriptElement):
    """A FeatureCollection written once into the page as a variable, drawn by several :class:`StyledGeoJson`.

    Features need an ``id``; ``properties.name`` (plain text) titles their
    popups and tooltips in every layer. Add it to the map *before* the layers
    that use it (elements render in the order they were added).
    """

    def __init__(self, features: list[dict]):
        super().__init__()
        self._name = "SharedGeoJson"
        self.data_json = js_literal({"type": "FeatureCollection", "features": features})

    def script(self) -> str:
        return f"var {self.get_name()} = {self.data_json};\n"


class StyledGeoJson(_ScriptElement):
    """The features of a :class:`SharedGeoJson` listed in ``entries``, each with its own style.

    Each entry: ``id`` (of a shared feature), ``style`` (merged over
    ``base_style``), and optional **plain text** ``tooltip`` (shown after the
    feature's name) and ``lines`` (the popup, under the name). ``link``
    (``{"template": url with __ID__, "text": ...}``, our own URLs only) ends
    every popup with a link to the feature's page. Text is put in the page
    with ``textContent``, never parsed as HTML, so it needs no escaping and a
    popup costs a few bytes of JSON instead of escaped markup. Entries are a
    list, not an object keyed by id: a key such as ``__proto__`` in an object
    literal would set the prototype.
    """

    def __init__(self, shared: SharedGeoJson, entries: list[dict], base_style: dict, link: dict | None = None):
        super().__init__()
        self._name = "StyledGeoJson"
        self.shared = shared
        self.entries_json = js_literal(entries)
        self.style_json = js_literal(base_style)
        self.link_json = js_literal(link)

    def script(self) -> str:
        return f"""
(function (layer, data, entries, base, link) {{
    var byId = new Map(entries.map(function (e) {{ return [e.id, e]; }}));
    function el(tag, text, cls) {{
        var node = document.createElement(tag);
        node.textContent = text;
        if (cls) {{ node.className = cls; }}
        return node;
    }}
    L.geoJSON(data, {{
        filter: function (f) {{ return byId.has(f.id); }},
        style: function (f) {{ return Object.assign({{}}, base, byId.get(f.id).style || {{}}); }},
        onEachFeature: function (f, sub) {{
            var e = byId.get(f.id), name = (f.properties && f.properties.name) || "";
            if (e.lines) {{
                sub.bindPopup(function () {{
                    var box = el("div", "", "popup");
                    if (name) {{ box.appendChild(el("p", "", "popup-title")).appendChild(el("strong", name)); }}
                    e.lines.forEach(function (line) {{ box.appendChild(el("p", line)); }});
                    if (link) {{
                        var a = el("a", link.text);
                        a.href = link.template.replace("__ID__", encodeURIComponent(f.id));
                        box.appendChild(el("p", "")).appendChild(a);
                    }}
                    return box;
                }}, {{maxWidth: 320}});
            }}
            if (e.tooltip) {{ sub.bindTooltip(el("span", name ? name + " : " + e.tooltip : e.tooltip), {{sticky: true}}); }}
        }}
    }}).addTo(layer);
}})({self._parent.get_name()}, {self.shared.get_name()}, {self.entries_json}, {self.style_json}, {self.link_json});
"""

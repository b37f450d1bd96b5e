"""Leaflet maps built with folium: the carte de l'offre and the small maps of the fiches.

Views gather the data (a :class:`~mapapp.catalog.query.Selection`, commune
names and shapes) and call the builders here; nothing in this module touches
the database or Flask's request.

Safety: every user string reaches the page through two layers of escaping.
Popup and tooltip HTML is built here with :func:`markupsafe.escape` on each
value, then each batch of markers is written into the script as one escaped,
Jinja-inert JSON literal that a loop turns into Leaflet markers
(:mod:`mapapp.web.leaflet` says why folium's own Popup and Tooltip are not used).

Rendering: the page template links Leaflet and Leaflet.markercluster from
``static/vendor`` (no CDN: the app must work offline and on intranets) and
includes :attr:`MapParts.html` and :attr:`MapParts.script`; folium's own
``<head>`` is not used (it sets global CSS and disables zooming on mobile).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import folium
import shapely
from markupsafe import Markup, escape
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from mapapp.catalog import vocab
from mapapp.catalog.models import MobilitySolution
from mapapp.catalog.query import Selection, SiteEntry, itinerant_routes
from mapapp.web.leaflet import (ClusterLayer, GeoJsonBatch, GroupLayer, MarkerBatch, RemoteGeoJson, SharedGeoJson,
                                StyledGeoJson)
from mapapp.web.lookup import hours_fr
from mapapp.web.symbols import (
    ALL_SYMBOLS,
    MOBILITY_AREA,
    MOBILITY_POINT,
    ROUTE_SYMBOL,
    Symbol,
    symbol_for_site,
    symbol_svg,
)

#: Where the map opens when there is nothing to show (mainland France).
FRANCE_BOUNDS = ((41.3, -5.2), (51.1, 9.6))
#: Display simplification of polygons, degrees (~30 m): invisible at département scale.
DISPLAY_TOLERANCE_DEG = 0.0003


# --------------------------------------------------------------------------- popups


def _p(label: str, value) -> str:
    return f"<p><b>{escape(label)} :</b> {escape(value)}</p>" if value else ""


def _labels(values: Iterable[str], vocabulary: Mapping[str, str], limit: int = 6) -> str:
    labels = [vocabulary.get(v, v) for v in values]
    if len(labels) > limit:
        return ", ".join(labels[:limit]) + f" et {len(labels) - limit} autre(s)"
    return ", ".join(labels)


def status_text(record) -> str:
    """The status in French, with the closure dates of a temporarily closed record."""
    text = vocab.STATUSES.get(record.status, record.status)
    start, end = getattr(record, "closed_from", None), getattr(record, "closed_until", None)
    if start and end:
        text += f" du {start:%d/%m/%Y} au {end:%d/%m/%Y}"
    return text


def site_popup(entry: SiteEntry, url: str, commune_names: Mapping[str, str]) -> str:
    site = entry.site
    address = ", ".join(x for x in [site.adresse, " ".join(
        x for x in [site.code_postal, commune_names.get(site.commune_code, site.commune_code)] if x)] if x)
    parts = [
        f'<p class="popup-title"><strong>{escape(site.nom)}</strong><br>'
        f'{escape(vocab.SITE_KINDS.get(site.kind, site.kind))}</p>',
        f"<p>{escape(site.structure.nom)}</p>" if site.structure else "",
        f"<p>{escape(address)}</p>",
        _p("Horaires", hours_fr(site.horaires_accueil)),
        _p("Tournée", site.itinerant_route),
        _p("Statut", status_text(site)) if site.status != "active" else "",
        _p("Thématiques", _labels(entry.thematiques, vocab.THEMATIQUES)),
        _p("Publics", _labels(entry.publics, vocab.PUBLICS)),
        _p("Offres", str(len(entry.offers))) if entry.offers else "",
        f'<p><a href="{escape(url)}">Voir la fiche du lieu</a></p>',
    ]
    return '<div class="popup">' + "".join(parts) + "</div>"


def mobility_popup(solution: MobilitySolution, commune_names: Mapping[str, str], url: str | None = None) -> str:
    parts = [
        f'<p class="popup-title"><strong>{escape(solution.nom)}</strong><br>'
        f'{escape(vocab.MOBILITY_CATEGORIES.get(solution.category, solution.category))}</p>',
        f"<p>{escape(solution.structure.nom)}</p>" if solution.structure else "",
        _p("Commune", commune_names.get(solution.commune_code or "", solution.commune_code)),
        _p("Communes desservies", str(len(solution.served_communes))) if solution.kind == "area" else "",
        _p("Publics", _labels(solution.publics or [], vocab.PUBLICS)),
        _p("Conditions", solution.conditions),
        _p("Statut", status_text(solution)) if solution.status != "active" else "",
        f'<p><a href="{escape(url)}">Voir la fiche de la commune</a></p>' if url else "",
    ]
    return '<div class="popup">' + "".join(parts) + "</div>"


# --------------------------------------------------------------------------- maps


@dataclass
class LegendItem:
    symbol: Symbol
    count: int
    #: JavaScript name of the layer this item switches (the legend doubles as a layer switcher).
    layer: str | None = None

    @property
    def svg(self) -> Markup:
        return symbol_svg(self.symbol, 22)


@dataclass
class MapParts:
    """What a page includes: the map's container and its script (after Leaflet is loaded)."""

    html: Markup
    script: Markup
    legend: list[LegendItem]
    #: JavaScript name of the ``L.Map``.
    map_name: str = ""


def _geojson(geom: BaseGeometry, tolerance: float = DISPLAY_TOLERANCE_DEG) -> dict:
    if tolerance:
        geom = shapely.set_precision(geom.simplify(tolerance, preserve_topology=True), 1e-5)
    return mapping(geom)


@lru_cache(maxsize=8192)
def _commune_geojson(geom: BaseGeometry, tolerance: float) -> dict:
    """:func:`_geojson` of a commune outline, memoised: the same outlines are drawn on every page.

    Keyed by the geometry itself (shapely geometries hash and compare by value), so an
    imported new outline is simplified again. Callers must not modify the returned dict.
    """
    return _geojson(geom, tolerance)


def _new_map(bounds, *, zoom_control: bool = True) -> folium.Map:
    m = folium.Map(location=None, tiles=None, control_scale=True, zoom_control=zoom_control, min_zoom=5, max_zoom=18,
                   zoom_snap=0.5)
    m.default_js, m.default_css = [], []  # the page links Leaflet from static/ (and rendering is faster)
    # Without tiles folium drops the zoom limits, which markercluster needs: set them on the map itself.
    m.options.update(minZoom=5, maxZoom=18)
    # No tiles here: the page adds the background of MAPAPP_TILES, or the communes' fallback
    # (static/basemap.js, mapapp.web.basemap), after this script.
    m.fit_bounds([list(bounds[0]), list(bounds[1])], max_zoom=14, padding=(24, 24))
    return m


def _parts(m: folium.Map, legend: list[LegendItem]) -> MapParts:
    root = m.get_root()
    for child in root._children.values():  # what Figure.render does, without its full-page output
        child.render()
    return MapParts(html=Markup(root.html.render()), script=Markup(root.script.render()), legend=legend,
                    map_name=m.get_name())


def _marker_item(lat: float, lon: float, title: str, popup: str, extra_class: str = "") -> dict:
    item = {"lat": lat, "lon": lon, "title": title, "popup": popup}
    if extra_class:
        item["className"] = extra_class
    return item


def bounds_of(points: Iterable[tuple[float, float]]) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """((south, west), (north, east)) of (lat, lon) points, or None."""
    pts = list(points)
    if not pts:
        return None
    lats, lons = [p[0] for p in pts], [p[1] for p in pts]
    return (min(lats), min(lons)), (max(lats), max(lons))


def build_offer_map(
    selection: Selection,
    *,
    site_url: Callable[[str], str],
    commune_url: Callable[[str], str],
    commune_names: Mapping[str, str],
    commune_shapes: Mapping[str, BaseGeometry],
    communes_geojson_url: str | None,
    default_bounds,
) -> MapParts:
    """The carte de l'offre: one layer per family, clustered markers, TAD areas, itinerant routes.

    Args:
        selection: what to show (see :func:`mapapp.catalog.query.select_catalog`).
        site_url: the fiche URL of a site id.
        commune_url: the fiche URL of a commune code.
        commune_names: INSEE code -> name, for addresses.
        commune_shapes: geometries of the communes served by the shown TAD areas
            and of the focused area (commune or territory).
        communes_geojson_url: GeoJSON of commune outlines loaded after the page
            (a background that works without tiles); None to skip.
        default_bounds: ((south, west), (north, east)) when nothing narrower applies.
    """
    area = selection.area
    focus = None
    if area.codes is not None:
        shapes = [commune_shapes[c] for c in area.codes if c in commune_shapes]
        focus = shapely.union_all(shapes) if shapes else None
    points = [(e.site.lat, e.site.lon) for e in selection.sites]
    points += [(s.lat, s.lon) for s in selection.mobility if s.kind == "point"]
    if focus is not None and not focus.is_empty:
        w, s, e, n = focus.bounds
        bounds = ((s, w), (n, e))
    else:
        bounds = bounds_of(points) or default_bounds or FRANCE_BOUNDS
    m = _new_map(bounds)

    if communes_geojson_url:
        outlines = GroupLayer(name="Limites des communes", show=True).add_to(m)
        RemoteGeoJson(communes_geojson_url, {"color": "#6a6a6a", "weight": 1, "fill": False}).add_to(outlines)
    if focus is not None and not focus.is_empty:
        label = area.commune.nom if area.commune else area.territory.nom
        group = GroupLayer(name="Zone filtrée", show=True).add_to(m)
        GeoJsonBatch([{"type": "Feature", "geometry": _geojson(focus),
                       "properties": {"tooltip": str(escape(label))}}],
                     {"color": "#000091", "weight": 3, "fill": False, "dashArray": "8 4"}).add_to(group)

    legend: list[LegendItem] = []
    groups: dict[str, list[dict]] = {}
    symbols: dict[str, Symbol] = {}
    for entry in selection.sites:
        symbol = symbol_for_site(entry)
        symbols[symbol.key] = symbol
        status_class = "" if entry.site.status == "active" else f"mapapp-status-{entry.site.status}"
        groups.setdefault(symbol.key, []).append(_marker_item(
            entry.site.lat, entry.site.lon, entry.site.nom,
            site_popup(entry, site_url(entry.site.id), commune_names), status_class))
    mobility_points = [s for s in selection.mobility if s.kind == "point"]
    if mobility_points:
        symbols[MOBILITY_POINT.key] = MOBILITY_POINT
        groups[MOBILITY_POINT.key] = [
            _marker_item(s.lat, s.lon, s.nom,
                         mobility_popup(s, commune_names, commune_url(s.commune_code) if s.commune_code else None),
                         "" if s.status == "active" else f"mapapp-status-{s.status}")
            for s in mobility_points
        ]

    routes = itinerant_routes([e.site for e in selection.sites])
    route_features = [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[s.lon, s.lat] for s in stops]},
         "properties": {"tooltip": str(escape(f"Tournée « {name} » : " + " → ".join(s.nom for s in stops)))}}
        for name, stops in routes.items() if len(stops) > 1
    ]
    area_features = []
    for s in selection.mobility:
        if s.kind != "area":
            continue
        shapes = [commune_shapes[c] for c in s.served_communes if c in commune_shapes]
        if shapes:
            area_features.append({"type": "Feature", "geometry": _geojson(shapely.union_all(shapes)),
                                  "properties": {"popup": mobility_popup(s, commune_names),
                                                 "tooltip": str(escape(s.nom))}})

    for symbol in ALL_SYMBOLS:
        if symbol is ROUTE_SYMBOL:
            if route_features:
                layer = GroupLayer(name=_layer_name(symbol, len(route_features)), show=True).add_to(m)
                GeoJsonBatch(route_features, {"color": symbol.colour, "weight": 4, "dashArray": "10 6",
                                              "opacity": 0.9}).add_to(layer)
                legend.append(LegendItem(symbol, len(route_features), layer.get_name()))
            continue
        if symbol is MOBILITY_AREA:
            if area_features:
                layer = GroupLayer(name=_layer_name(symbol, len(area_features)), show=True).add_to(m)
                GeoJsonBatch(area_features, {"color": symbol.colour, "weight": 2, "dashArray": "5 4",
                                             "fillColor": symbol.colour, "fillOpacity": 0.15}).add_to(layer)
                legend.append(LegendItem(symbol, len(area_features), layer.get_name()))
            continue
        items = groups.get(symbol.key)
        if not items:
            continue
        layer = ClusterLayer(_layer_name(symbol, len(items)), symbol,
                             {"showCoverageOnHover": False, "maxClusterRadius": 40,
                              "disableClusteringAtZoom": 15}).add_to(m)
        MarkerBatch(symbol, items).add_to(layer)
        legend.append(LegendItem(symbol, len(items), layer.get_name()))

    # Collapsed: expanded, it hides popups near the top of the map; the legend beside the map
    # switches the same layers and is always visible.
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    return _parts(m, legend)


def _layer_name(symbol: Symbol, count: int) -> str:
    # Fixed labels and our own SVG (no user text): Leaflet's layer control shows names as HTML.
    return f'<span class="layer-symbol">{symbol_svg(symbol, 18)}</span> {escape(symbol.label)} ({count})'


@dataclass
class PointMarker:
    lat: float
    lon: float
    symbol: Symbol
    title: str
    popup_html: str = ""


def build_small_map(markers: Sequence[PointMarker], *, outline: BaseGeometry | None = None,
                    outline_label: str = "", default_bounds=None, commune_layers: Sequence[CommuneLayer] = (),
                    commune_shapes: Mapping[str, BaseGeometry] | None = None,
                    commune_names: Mapping[str, str] | None = None, commune_link: dict | None = None) -> MapParts:
    """A small map for a fiche: a few markers, an optional outline (a commune), optional commune layers
    (see :func:`add_commune_layers`)."""
    points = [(mk.lat, mk.lon) for mk in markers]
    layer_shapes = [commune_shapes[e["id"]] for layer in commune_layers for e in layer.entries
                    if commune_shapes and e["id"] in commune_shapes]
    if layer_shapes and (outline is None or outline.is_empty):
        outline_bounds = shapely.union_all(layer_shapes)
    else:
        outline_bounds = outline
    if outline_bounds is not None and not outline_bounds.is_empty:
        w, s, e, n = outline_bounds.bounds
        bounds = ((s, w), (n, e))
        if points:
            pb = bounds_of(points)
            bounds = ((min(bounds[0][0], pb[0][0]), min(bounds[0][1], pb[0][1])),
                      (max(bounds[1][0], pb[1][0]), max(bounds[1][1], pb[1][1])))
    else:
        bounds = bounds_of(points) or default_bounds or FRANCE_BOUNDS
        if points and bounds[0] == bounds[1]:  # one point: open around it
            (lat, lon), d = bounds[0], 0.02
            bounds = ((lat - d, lon - d), (lat + d, lon + d))
    m = _new_map(bounds)
    if commune_layers:
        add_commune_layers(m, commune_shapes or {}, commune_layers, names=commune_names, link=commune_link)
    layer = GroupLayer(name="Lieux", control=False).add_to(m)
    if outline is not None and not outline.is_empty:
        GeoJsonBatch([{"type": "Feature", "geometry": _geojson(outline),
                       "properties": {"tooltip": str(escape(outline_label))}}],
                     {"color": "#000091", "weight": 3, "fillOpacity": 0.05}).add_to(layer)
    symbols = list({mk.symbol.key: mk.symbol for mk in markers}.values())
    for symbol in symbols:
        MarkerBatch(symbol, [_marker_item(mk.lat, mk.lon, mk.title, mk.popup_html)
                             for mk in markers if mk.symbol.key == symbol.key]).add_to(layer)
    return _parts(m, [LegendItem(s, sum(mk.symbol.key == s.key for mk in markers)) for s in symbols])


# --------------------------------------------------------------------------- commune layers (accessibility)


@dataclass
class CommuneLayer:
    """Communes drawn with a style each (a choropleth, outlined zones blanches...).

    Attributes:
        key: identifier of the layer in the page (legend controls, ``vue`` parameter).
        label: fixed wording (never user text: the layer control shows it as HTML).
        entries: one per commune: ``id`` (INSEE code), ``style`` (Leaflet path
            options over ``style``), plain text ``tooltip`` (after the commune's
            name) and ``lines`` (popup), see :class:`~mapapp.web.leaflet.StyledGeoJson`.
        style: the layer's base style.
        show: drawn when the page opens.
        overlay: False for mutually exclusive views (radio buttons of the layer control).
        layer: JavaScript name of the layer, set by :func:`add_commune_layers`.
    """

    key: str
    label: str
    entries: list[dict]
    style: dict
    show: bool = True
    overlay: bool = True
    layer: str = ""


def add_commune_layers(m: folium.Map, shapes: Mapping[str, BaseGeometry], layers: Sequence[CommuneLayer], *,
                       names: Mapping[str, str] | None = None, link: dict | None = None,
                       tolerance: float = DISPLAY_TOLERANCE_DEG) -> None:
    """Add ``layers`` to ``m``; every commune's outline (and name) is written once and shared by the layers.

    Args:
        names: commune names (plain text) titling popups and tooltips.
        link: ``{"template": "/commune/__ID__", "text": ...}``: a link at the end of the popups.
    """
    names = names or {}
    codes = sorted({e["id"] for layer in layers for e in layer.entries if e["id"] in shapes})
    shared = SharedGeoJson([{"type": "Feature", "id": c, "geometry": _commune_geojson(shapes[c], tolerance),
                             "properties": {"name": names.get(c, c)}} for c in codes]).add_to(m)
    for layer in layers:
        group = GroupLayer(name=str(escape(layer.label)), overlay=layer.overlay, show=layer.show).add_to(m)
        StyledGeoJson(shared, [e for e in layer.entries if e["id"] in shapes], layer.style, link).add_to(group)
        layer.layer = group.get_name()


def build_commune_map(shapes: Mapping[str, BaseGeometry], layers: Sequence[CommuneLayer], *, default_bounds=None,
                      names: Mapping[str, str] | None = None, link: dict | None = None,
                      tolerance: float = DISPLAY_TOLERANCE_DEG) -> MapParts:
    """A map of commune layers only (the accessibility page); legends are the page's."""
    geoms = [shapes[c] for c in {e["id"] for layer in layers for e in layer.entries} if c in shapes]
    if geoms:
        w, s, e, n = shapely.union_all(geoms).bounds
        bounds = ((s, w), (n, e))
    else:
        bounds = default_bounds or FRANCE_BOUNDS
    m = _new_map(bounds)
    add_commune_layers(m, shapes, layers, names=names, link=link, tolerance=tolerance)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    return _parts(m, [])

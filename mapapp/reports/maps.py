"""Static, printable maps of a report (matplotlib + geopandas, no tiles: works offline).

Every map has a title, a legend, a scale bar, a north arrow and the credit
« © les contributeurs d'OpenStreetMap » (travel times come from the
OpenStreetMap road network). Maps are drawn in a transverse Mercator
projection centred on the unit, so distances are true in metres anywhere
(metropolitan France or overseas) and the scale bar is exact at the centre.

Three kinds (:func:`report_maps` makes them all):

- ``offre``: open sites by family (size by number of open offers),
  mobility solutions (points and served areas);
- ``temps-<theme>-<mode>``: population-weighted mean travel time per commune
  to the nearest site of the theme, in the classes of the theme's thresholds,
  zones blanches hatched, the theme's sites as white dots;
- ``zones-blanches-<mode>``: for each commune, the number of the report's
  themes for which it is a zone blanche.

User text (unit, commune and theme names) is drawn with ``parse_math=False``:
a ``$`` in a name is a dollar sign, not TeX. Figures are made with
:class:`matplotlib.figure.Figure` (no pyplot state), so rendering is
thread-safe in the web application.
"""

from __future__ import annotations

import io
import textwrap
import math
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from pyproj import CRS

from mapapp.reports.data import ReportData, ThemeInfo
from mapapp import formats

OSM_CREDIT = "Réseau routier © les contributeurs d'OpenStreetMap (ODbL)"

FAMILY_STYLE = {  # colour, marker
    "Département": ("#000091", "s"),
    "France Services": ("#e1000f", "D"),
    "Partenaires": ("#2e7d32", "o"),
}
ITINERANT_KIND = "france_services_itinerant_stop"
MOBILITY_COLOUR = "#b34000"
UNREACHABLE_COLOUR = "#3b0f3f"
NO_POPULATION_COLOUR = "#ffffff"
CONTEXT_COLOUR = "#ececec"
#: Sequential classes, light (near) to dark (far): ColorBrewer YlOrRd.
CLASS_COLOURS = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"]
ZB_COLOURS = ["#ffffff", "#fcbba1", "#fb6a4a", "#cb181d", "#67000d"]

FIG_SIZE_IN = (7.2, 6.0)
MAP_WIDTH_SHARE = 0.64
LEGEND_WIDTH_CHARS = 34


@dataclass(frozen=True)
class MapImage:
    """One rendered map: ``key`` (file name stem), French ``title`` and ``caption``, image bytes."""

    key: str
    title: str
    caption: str
    data: bytes
    fmt: str  # "png" or "svg"

    @property
    def mimetype(self) -> str:
        return "image/png" if self.fmt == "png" else "image/svg+xml"


def local_crs(geometry: gpd.GeoDataFrame) -> CRS:
    """A transverse Mercator projection centred on ``geometry`` (metres, true scale at the centre)."""
    minx, miny, maxx, maxy = geometry.total_bounds
    lon0, lat0 = (minx + maxx) / 2, (miny + maxy) / 2
    return CRS.from_proj4(f"+proj=tmerc +lat_0={lat0:.6f} +lon_0={lon0:.6f} +k=1 +x_0=0 +y_0=0 "
                          "+ellps=GRS80 +units=m +no_defs")


class _Frame:
    """The projected layers shared by all maps of a report."""

    def __init__(self, report: ReportData):
        geo = report.geometry
        unit = geo[geo["in_unit"]]
        self.crs = local_crs(unit)
        self.communes = geo.to_crs(self.crs)
        self.unit = self.communes[self.communes["in_unit"]]
        minx, miny, maxx, maxy = self.unit.total_bounds
        pad = 0.06 * max(maxx - minx, maxy - miny, 1000.0)
        self.bounds = (minx - pad, miny - pad, maxx + pad, maxy + pad)
        self.unit_outline = gpd.GeoSeries([self.unit.union_all()], crs=self.crs)
        dep = self.communes[self.communes["in_departement"]]
        self.dep_outline = gpd.GeoSeries([dep.union_all()], crs=self.crs)
        sites = report.catalog.sites
        xy = gpd.GeoSeries(gpd.points_from_xy(sites["lon"], sites["lat"]), crs="EPSG:4326").to_crs(self.crs)
        self.sites = gpd.GeoDataFrame(sites.reset_index(drop=True), geometry=xy.values, crs=self.crs)
        x0, y0, x1, y1 = self.bounds
        inside = (self.sites.geometry.x.between(x0, x1)) & (self.sites.geometry.y.between(y0, y1))
        self.sites_in_view = self.sites[inside]
        self.show_labels = len(self.unit) <= 25


def _new_axes(frame: _Frame, title: str):
    """A figure sized to the map's aspect: title band on top, legend on the right, credit below."""
    x0, y0, x1, y1 = frame.bounds
    width_in = FIG_SIZE_IN[0]
    map_w = width_in * MAP_WIDTH_SHARE
    map_h = min(max(map_w * (y1 - y0) / (x1 - x0), 3.2), 7.5)
    top_in, bottom_in = 0.75, 0.35
    height_in = map_h + top_in + bottom_in
    fig = Figure(figsize=(width_in, height_in), dpi=100)
    ax = fig.add_axes((0.01, bottom_in / height_in, MAP_WIDTH_SHARE, map_h / height_in))
    ax.set_axis_off()
    ax.set_aspect("equal")
    x0, y0, x1, y1 = frame.bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    fig.text(0.01, 1 - 0.12 / height_in, textwrap.fill(title, 70), ha="left", va="top", fontsize=11,
             fontweight="bold", parse_math=False)
    return fig, ax


def _background(ax, frame: _Frame) -> None:
    frame.communes[~frame.communes["in_unit"]].plot(ax=ax, color=CONTEXT_COLOUR, edgecolor="white", linewidth=0.4)


def _outlines(ax, frame: _Frame) -> None:
    frame.dep_outline.boundary.plot(ax=ax, color="#333333", linewidth=1.2)
    if len(frame.unit) != int(frame.communes["in_departement"].sum()):
        frame.unit_outline.boundary.plot(ax=ax, color="#000000", linewidth=1.8)


def _labels(ax, frame: _Frame) -> None:
    if not frame.show_labels:
        return
    for name, point in zip(frame.unit["nom"], frame.unit.geometry.representative_point()):
        ax.annotate(str(name), (point.x, point.y), ha="center", va="center", fontsize=5.5, color="#222222",
                    parse_math=False, annotation_clip=True, zorder=8,
                    path_effects=[patheffects.withStroke(linewidth=1.8, foreground="white")])


def _nice_length_m(span_m: float) -> float:
    target = span_m / 5
    for km in (0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 500):
        if km * 1000 >= target:
            return km * 1000
    return 1_000_000


def _scale_bar(ax, frame: _Frame) -> None:
    x0, y0, x1, y1 = frame.bounds
    length = _nice_length_m(x1 - x0)
    height = (y1 - y0) * 0.012
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    half = length / 2
    ax.add_patch(Rectangle((bx, by), half, height, facecolor="black", edgecolor="black", linewidth=0.6, zorder=10))
    ax.add_patch(Rectangle((bx + half, by), half, height, facecolor="white", edgecolor="black", linewidth=0.6,
                           zorder=10))
    label = f"{formats.integer(length / 1000)} km" if length >= 1000 else f"{formats.integer(length)} m"
    ax.text(bx, by + height * 1.8, "0", fontsize=7, ha="center", va="bottom", zorder=10)
    ax.text(bx + length, by + height * 1.8, label, fontsize=7, ha="center", va="bottom", zorder=10)


def _north_arrow(ax, frame: _Frame) -> None:
    x0, y0, x1, y1 = frame.bounds
    x, y = x1 - (x1 - x0) * 0.05, y1 - (y1 - y0) * 0.10
    ax.annotate("N", xy=(x, y + (y1 - y0) * 0.06), xytext=(x, y), ha="center", va="top", fontsize=9,
                fontweight="bold", arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.2}, zorder=10)


def _finish(fig, ax, frame: _Frame, report: ReportData, handles: list, legend_title: str) -> None:
    _outlines(ax, frame)
    _labels(ax, frame)
    _scale_bar(ax, frame)
    _north_arrow(ax, frame)
    ax.set_xlim(frame.bounds[0], frame.bounds[2])
    ax.set_ylim(frame.bounds[1], frame.bounds[3])
    for handle in handles:
        handle.set_label(textwrap.fill(handle.get_label(), LEGEND_WIDTH_CHARS))
    top = ax.get_position().y1
    legend = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(MAP_WIDTH_SHARE + 0.03, top), fontsize=7.5,
                        title=legend_title, title_fontsize=8, frameon=False, alignment="left")
    for text in legend.get_texts():
        text.set_parse_math(False)
    # Days in Paris time (a computation at 23:30 UTC is the next day for the reader).
    days = sorted({formats.local(c).date() for g in report.method["graphs"].values() if (c := g.get("computed_at"))})
    when = ", ".join(formats.date(d) for d in days)
    fig.text(0.01, 0.08 / fig.get_figheight(), f"{OSM_CREDIT}. Temps de trajet calculés par mapapp"
             + (f" le {when}" if when else "") + f". {report.territory_name}.", fontsize=6.5, color="#333333",
             ha="left", va="bottom", parse_math=False)


def _site_handles(families) -> list:
    out = []
    for family in families:
        colour, marker = FAMILY_STYLE.get(family, ("#555555", "o"))
        out.append(Line2D([], [], linestyle="", marker=marker, markersize=6, markerfacecolor=colour,
                          markeredgecolor="white", label=family))
    return out


def offer_map(report: ReportData, frame: _Frame | None = None) -> Figure:
    """Open sites by family (marker size: open offers there) and mobility solutions."""
    frame = frame or _Frame(report)
    title = f"Lieux d'accueil et offres — {report.unit.name}"
    fig, ax = _new_axes(frame, title)
    _background(ax, frame)
    frame.unit.plot(ax=ax, color="#f7f7fb", edgecolor="#9a9a9a", linewidth=0.4)
    handles = []
    mob = report.catalog.mobility
    areas = mob[mob["kind"] == "area"]
    if len(areas):
        served = frame.communes[frame.communes["code"].isin({c for cs in areas["served_communes"] for c in cs})]
        served.plot(ax=ax, facecolor="none", edgecolor=MOBILITY_COLOUR, hatch="....", linewidth=0.3)
        handles.append(Patch(facecolor="white", edgecolor=MOBILITY_COLOUR, hatch="....",
                             label="Zone desservie (transport à la demande, solidaire)"))
    sites = frame.sites_in_view
    sites = sites[sites["status"].isin(["active", "experimental"])]
    for family, (colour, marker) in FAMILY_STYLE.items():
        s = sites[(sites["family"] == family) & (sites["kind"] != ITINERANT_KIND)]
        if len(s):
            ax.scatter(s.geometry.x, s.geometry.y, s=14 + 9 * np.sqrt(s["n_open_offers"]), c=colour, marker=marker,
                       edgecolors="white", linewidths=0.5, zorder=5)
    handles = _site_handles(FAMILY_STYLE) + handles
    bus = sites[sites["kind"] == ITINERANT_KIND]
    if len(bus):
        ax.scatter(bus.geometry.x, bus.geometry.y, s=26, c=FAMILY_STYLE["France Services"][0], marker="^",
                   edgecolors="white", linewidths=0.5, zorder=5)
        handles.append(Line2D([], [], linestyle="", marker="^", markersize=6,
                              markerfacecolor=FAMILY_STYLE["France Services"][0], markeredgecolor="white",
                              label="France Services itinérant (arrêt)"))
    points = mob[(mob["kind"] == "point") & mob["lon"].notna()]
    if len(points):
        xy = gpd.GeoSeries(gpd.points_from_xy(points["lon"], points["lat"]), crs="EPSG:4326").to_crs(frame.crs)
        ax.scatter(xy.x, xy.y, s=34, c=MOBILITY_COLOUR, marker="P", edgecolors="white", linewidths=0.5, zorder=6)
        handles.append(Line2D([], [], linestyle="", marker="P", markersize=7, markerfacecolor=MOBILITY_COLOUR,
                              markeredgecolor="white", label="Solution de mobilité"))
    for n in (1, 5, 15):
        handles.append(Line2D([], [], linestyle="", marker="o", markersize=math.sqrt(14 + 9 * math.sqrt(n)),
                              markerfacecolor="#bbbbbb", markeredgecolor="white",
                              label=f"{n} offre{'s' if n > 1 else ''} ouverte{'s' if n > 1 else ''}"))
    handles.append(Patch(facecolor=CONTEXT_COLOUR, edgecolor="white", label="Hors du territoire du rapport"))
    _finish(fig, ax, frame, report, handles, "Lieux ouverts")
    return fig


def time_classes(bands_min: tuple[float, ...]) -> list[tuple[float, float, str]]:
    """``(low, high, label)`` classes from a theme's thresholds: ``≤ 7 min``, ``7 à 10 min``..., ``> 30 min``."""
    edges = sorted(bands_min)
    out = [(-math.inf, edges[0], f"{formats.threshold(edges[0])} ou moins")]
    for lo, hi in zip(edges[:-1], edges[1:]):
        out.append((lo, hi, f"{_number(lo)} à {formats.threshold(hi)}"))
    out.append((edges[-1], math.inf, f"plus de {formats.threshold(edges[-1])}"))
    return out


def _number(minutes: float) -> str:
    return formats.threshold(minutes).split(formats.NBSP)[0]


def classify_times(times: pd.Series, population: pd.Series, bands_min: tuple[float, ...]) -> pd.Series:
    """Class index per commune (``-1`` unreachable, ``-2`` no inhabitant); within = ``<=`` as the engine."""
    classes = time_classes(bands_min)
    idx = np.full(len(times), -2, dtype=int)
    t = times.to_numpy(dtype=float)
    pop = population.to_numpy(dtype=float)
    has = pop > 0
    idx[has & ~np.isfinite(t)] = -1
    for i, (lo, hi, _label) in enumerate(classes):
        idx[has & np.isfinite(t) & (t > lo) & (t <= hi)] = i
    return pd.Series(idx, index=times.index)


def time_map(report: ReportData, theme: ThemeInfo, mode: str, frame: _Frame | None = None) -> Figure:
    """Mean travel time per commune to the nearest site of ``theme`` by ``mode``, zones blanches hatched."""
    frame = frame or _Frame(report)
    title = f"Temps d'accès {formats.MODE_PHRASES.get(mode, mode)} — {theme.label} — {report.unit.name}"
    fig, ax = _new_axes(frame, title)
    _background(ax, frame)
    c = report.communes
    c = c[(c["theme"] == theme.key) & (c["mode"] == mode)].set_index("commune")
    unit = frame.unit.set_index("code")
    times = c["mean_time_min"].reindex(unit.index)
    pop = c["population_points"].reindex(unit.index).fillna(0)
    bands = theme.bands_min[mode]
    classes = time_classes(bands)
    colours = _class_colours(len(classes))
    idx = classify_times(times, pop, bands)
    fill = idx.map(lambda i: colours[i] if i >= 0 else (UNREACHABLE_COLOUR if i == -1 else NO_POPULATION_COLOUR))
    unit.assign(fill=fill.values).plot(ax=ax, color=unit.assign(fill=fill.values)["fill"], edgecolor="#7a7a7a",
                                       linewidth=0.35)
    zb = c["zone_blanche"].reindex(unit.index).fillna(False).astype(bool)
    if zb.any():
        unit[zb.values].plot(ax=ax, facecolor="none", edgecolor="#111111", hatch="////", linewidth=0.9)
    sites = set(report.theme_sites[report.theme_sites["theme"] == theme.key]["site_id"])
    s = frame.sites_in_view[frame.sites_in_view["site_id"].isin(sites)]
    if len(s):
        ax.scatter(s.geometry.x, s.geometry.y, s=22, c="white", edgecolors="black", linewidths=0.9, zorder=6)
    used = set(idx.unique())
    handles = [Patch(facecolor=colours[i], edgecolor="#7a7a7a", label=label) for i, (_l, _h, label) in
               enumerate(classes)]
    if -1 in used:
        handles.append(Patch(facecolor=UNREACHABLE_COLOUR, edgecolor="#7a7a7a", label="injoignable"))
    if -2 in used:
        handles.append(Patch(facecolor=NO_POPULATION_COLOUR, edgecolor="#7a7a7a", label="sans habitant"))
    handles.append(Patch(facecolor="white", edgecolor="#111111", hatch="////",
                         label=f"Zone blanche (personne à {formats.threshold(theme.main_min[mode])} ou moins)"))
    handles.append(Line2D([], [], linestyle="", marker="o", markersize=5, markerfacecolor="white",
                          markeredgecolor="black", label="Lieu proposant une offre du thème"))
    _finish(fig, ax, frame, report, handles, "Temps moyen des habitants\nau lieu le plus proche")
    return fig


def _class_colours(n: int) -> list[str]:
    if n <= len(CLASS_COLOURS):
        pick = np.linspace(0, len(CLASS_COLOURS) - 1, n).round().astype(int)
        return [CLASS_COLOURS[i] for i in pick]
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["YlOrRd"]
    return [to_hex(cmap(x)) for x in np.linspace(0.1, 1.0, n)]


def zones_blanches_map(report: ReportData, mode: str, frame: _Frame | None = None) -> Figure:
    """Number of the report's themes for which each commune is a zone blanche (by ``mode``)."""
    frame = frame or _Frame(report)
    title = f"Zones blanches {formats.MODE_PHRASES.get(mode, mode)} — {report.unit.name}"
    fig, ax = _new_axes(frame, title)
    _background(ax, frame)
    keys = [t.key for t in report.themes]
    c = report.communes
    c = c[(c["mode"] == mode) & c["theme"].isin(keys)]
    counts = c.assign(zb=c["zone_blanche"].fillna(False).astype(int)).groupby("commune")["zb"].sum()
    unit = frame.unit.set_index("code")
    n = counts.reindex(unit.index).fillna(0).astype(int)
    top = len(ZB_COLOURS) - 1
    fill = n.clip(upper=top).map(lambda k: ZB_COLOURS[k])
    unit.plot(ax=ax, color=fill.values, edgecolor="#7a7a7a", linewidth=0.35)
    handles = [Patch(facecolor=ZB_COLOURS[0], edgecolor="#7a7a7a", label="Aucun thème")]
    for k in range(1, min(top, len(keys)) + 1):
        plus = "+" if k == top and len(keys) > top else ""
        handles.append(Patch(facecolor=ZB_COLOURS[k], edgecolor="#7a7a7a",
                             label=f"{k}{plus} thème{'s' if k > 1 or plus else ''}"))
    _finish(fig, ax, frame, report, handles, "Thèmes du rapport\nen zone blanche")
    return fig


def figure_bytes(fig: Figure, fmt: str = "png", dpi: int = 150) -> bytes:
    """Render a figure (PNG or SVG) without pyplot; SVG carries no date so it is reproducible."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": "mapapp"}
    fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
    return buf.getvalue()


def report_maps(report: ReportData, fmt: str = "png", dpi: int = 150,
                progress: Callable[[str], None] | None = None) -> list[MapImage]:
    """Every map of the report, in reading order."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"unknown map format {fmt!r} (png or svg)")
    say = progress or (lambda _m: None)
    frame = _Frame(report)
    jobs: list[tuple[str, str, str, Callable[[], Figure]]] = [(
        "offre", "Lieux d'accueil et offres",
        "Lieux d'accueil ouverts par famille ; la taille du symbole croît avec le nombre d'offres ouvertes du lieu.",
        lambda: offer_map(report, frame))]
    for theme in report.themes:
        for mode in report.modes:
            jobs.append((f"temps-{theme.key}-{mode}", f"{theme.label} : temps d'accès {formats.MODE_PHRASES.get(mode, mode)}",
                         f"Temps moyen des habitants de chaque commune jusqu'au lieu le plus proche proposant une offre "
                         f"« {theme.label} », {formats.MODE_PHRASES.get(mode, mode)} ; communes hachurées : zones blanches "
                         f"(seuil de {formats.threshold(theme.main_min[mode])}).",
                         lambda theme=theme, mode=mode: time_map(report, theme, mode, frame)))
    for mode in report.modes:
        jobs.append((f"zones-blanches-{mode}", f"Zones blanches {formats.MODE_PHRASES.get(mode, mode)}",
                     "Nombre de thèmes du rapport pour lesquels la commune est une zone blanche "
                     f"{formats.MODE_PHRASES.get(mode, mode)}.", lambda mode=mode: zones_blanches_map(report, mode, frame)))
    out = []
    for i, (key, title, caption, make) in enumerate(jobs, 1):
        say(f"Carte {i}/{len(jobs)} : {title}")
        out.append(MapImage(key, title, caption, figure_bytes(make(), fmt, dpi), fmt))
    return out

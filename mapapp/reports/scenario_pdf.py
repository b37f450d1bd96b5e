"""The « avant / après » PDF of a scenario for the steering committee (issue 14).

It reads a stored comparison (:class:`mapapp.scenario_run.ScenarioComparison`:
the live situation or another scenario « avant », the scenario « après »)
and never routes. Contents: the scenario's changes; per public and mode, the
table of every theme the scenario changes (inhabitants gained and lost under
the threshold, zones blanches created and removed, mean time before, after
and its change, inhabitants in a superposition created); and, per changed
(mode, theme), a map of the net change per commune (inhabitants gained minus
lost), drawn with the report maps' frame, scale bar, north arrow and credit
(:mod:`mapapp.reports.maps`). Rendered like the reports: Jinja autoescaped,
WeasyPrint, tagged PDF/UA-1, only ``data:`` URIs loaded.

The comparison is made for everyone (the headline public); its ``public``
column, when present, gives one table per public.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.patches import Patch

from mapapp import formats
from mapapp.access.scenario_compare import headline
from mapapp.reports.maps import MapImage, _background, _finish, _Frame, _new_axes, figure_bytes
from mapapp.reports.render import PDF_VARIANT, _data_uri, _env, _url_fetcher

#: Diverging classes of the net change (inhabitants): red (lost) to green (gained).
NET_CLASSES = [(-np.inf, -1000, "#b2182b", "perte de plus de 1 000 habitants"),
               (-1000, -0.5, "#ef8a62", "perte de 1 à 1 000 habitants"),
               (-0.5, 0.5, "#f7f7f7", "sans changement"),
               (0.5, 1000, "#7fbf7b", "gain de 1 à 1 000 habitants"),
               (1000, np.inf, "#1b7837", "gain de plus de 1 000 habitants")]
MAX_MAPS = 12


def _mode(mode: str) -> str:
    return formats.MODE_PHRASES.get(mode, mode)


def difference_map(frame_report, communes: pd.DataFrame, theme_label: str, mode: str, frame: _Frame) -> MapImage:
    """Net change per commune (gained − lost) for one (mode, theme) of the comparison."""
    title = f"Avant / après — {theme_label} — {_mode(mode)}"
    fig, ax = _new_axes(frame, title)
    if (~frame.communes["in_unit"]).any():  # no context communes around the territory: nothing to draw
        _background(ax, frame)
    unit = frame.unit.set_index("code")
    net = (communes.set_index("commune")["population_gained"] - communes.set_index("commune")["population_lost"]) \
        .reindex(unit.index).fillna(0.0)
    colours = pd.Series("#f7f7f7", index=unit.index)
    for lo, hi, colour, _label in NET_CLASSES:
        colours[(net > lo) & (net <= hi)] = colour
    unit.plot(ax=ax, color=colours.values, edgecolor="#7a7a7a", linewidth=0.35)
    created = communes.loc[communes["zone_blanche_created"].astype(bool), "commune"]
    if len(created):
        unit.loc[unit.index.intersection(created)].plot(ax=ax, facecolor="none", edgecolor="#111111",
                                                         hatch="////", linewidth=0.9)
    handles = [Patch(facecolor=c, edgecolor="#7a7a7a", label=label) for _lo, _hi, c, label in NET_CLASSES]
    handles.append(Patch(facecolor="white", edgecolor="#111111", hatch="////", label="Zone blanche créée"))
    _finish(fig, ax, frame, frame_report, handles, "Habitants gagnés moins\nperdus sous le seuil")
    caption = (f"Par commune : habitants passés sous le seuil moins habitants passés au-delà, « {theme_label} », "
               f"{_mode(mode)} ; communes hachurées : zones blanches créées par le scénario.")
    return MapImage(f"diff-{mode}-{len(title)}", title, caption, figure_bytes(fig), "png")


def _row(r: dict, label: str) -> list[str]:
    return [label, formats.integer(r["population_gained"]), formats.integer(r["population_lost"]),
            formats.integer(r["zones_blanches_created"]), formats.integer(r["zones_blanches_removed"]),
            formats.minutes(r["mean_time_min_before"]), formats.minutes(r["mean_time_min_after"]),
            formats.decimal_fr(r["mean_time_min_change"]), formats.integer(r["overlap_created"])]


HEADERS = ["Thème", "Habitants gagnés sous le seuil", "Habitants perdus", "Zones blanches créées",
           "Zones blanches supprimées", "Temps moyen avant", "Temps moyen après", "Variation (min)",
           "Superposition créée (hab.)"]


def scenario_view(comparison, title: str, before_label: str, after_label: str, changes: list[str],
                  geometry: gpd.GeoDataFrame, theme_labels: dict[str, str], public_labels: dict[str, str],
                  territory_name: str, progress: Callable[[str], None] | None = None) -> dict:
    """Plain strings and maps for the template (``geometry``: ``code, nom, geometry`` in WGS84)."""
    say = progress or (lambda _m: None)
    terr = comparison.territories
    if "public" not in terr.columns:
        terr = terr.assign(public="tous")
    tables, changed_pairs = [], []
    for public, part in terr.groupby("public", sort=False):
        rows = headline(part)
        for mode, m_rows in rows[rows["changed"]].groupby("mode", sort=False):
            tables.append({"caption": f"{public_labels.get(public, public)}, {_mode(mode)} : tout le territoire",
                           "headers": HEADERS,
                           "rows": [_row(r, theme_labels.get(r["theme"], r["theme"]))
                                    for r in m_rows.to_dict("records")]})
            if public == "tous":
                changed_pairs += [(mode, t) for t in m_rows["theme"]]
    geo = geometry.assign(in_unit=True, in_departement=True)
    fake = SimpleNamespace(geometry=geo, catalog=SimpleNamespace(sites=pd.DataFrame(columns=["site_id", "lon", "lat"])),
                           method={"graphs": {}}, territory_name=territory_name)
    maps = []
    if changed_pairs and len(geo):
        frame = _Frame(fake)
        c = comparison.communes
        if "public" in c.columns:
            c = c[c["public"] == "tous"]
        for i, (mode, theme) in enumerate(changed_pairs[:MAX_MAPS], 1):
            say(f"Carte {i}/{min(len(changed_pairs), MAX_MAPS)} : {theme_labels.get(theme, theme)}, {_mode(mode)}")
            maps.append(difference_map(fake, c[(c["mode"] == mode) & (c["theme"] == theme)],
                                       theme_labels.get(theme, theme), mode, frame))
    computed = comparison.meta.get("computed_at")
    return {"title": title, "before": before_label, "after": after_label, "changes": changes, "tables": tables,
            "maps": maps, "more_maps": max(0, len(changed_pairs) - MAX_MAPS), "territory": territory_name,
            "computed": formats.date_time(computed) if computed else "", "today": formats.date(dt.date.today())}


def render_scenario_pdf(view: dict) -> bytes:
    import weasyprint

    html = _env.get_template("scenario.html").render(v=view, data_uri=_data_uri)
    return weasyprint.HTML(string=html, url_fetcher=_url_fetcher(), base_url=None).write_pdf(pdf_variant=PDF_VARIANT)


def scenario_pdf_from_settings(settings, scenario_id: int, comparison, other_id: int | None = None,
                               progress: Callable[[str], None] | None = None) -> bytes:
    """Read the scenario(s), the communes and the labels, then :func:`render_scenario_pdf`."""
    from sqlalchemy import select

    from mapapp.catalog.db import make_engine, make_sessionmaker
    from mapapp.catalog.models import Commune, Territory
    from mapapp.catalog.models_scenarios import Scenario
    from mapapp.catalog.scenarios import describe_change
    from mapapp.catalog.settings_store import current_settings

    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            scenario = session.get(Scenario, scenario_id)
            other = session.get(Scenario, other_id) if other_id is not None else None
            changes = [describe_change(c) for c in scenario.changes]
            if other is not None:
                changes = [f"« {other.title} » : {t}" for t in (describe_change(c) for c in other.changes)] + \
                    [f"« {scenario.title} » : {t}" for t in changes]
            rows = session.execute(select(Commune.code, Commune.nom, Commune.geometry_wkb)
                                   .where(Commune.is_buffer.is_(False))).all()
            territory = session.scalar(select(Territory))
            access = current_settings(session)
            title, other_title = scenario.title, other.title if other is not None else None
    finally:
        engine.dispose()
    geometry = gpd.GeoDataFrame({"code": [r[0] for r in rows], "nom": [r[1] for r in rows]},
                                geometry=shapely.from_wkb([r[2] for r in rows]) if rows else [], crs="EPSG:4326")
    view = scenario_view(comparison, f"Scénario « {title} » : avant / après",
                         f"le scénario « {other_title} »" if other_title else "la situation actuelle",
                         f"le scénario « {title} »", changes, geometry,
                         {t.key: t.label for t in access.themes}, {p.key: p.label for p in access.publics},
                         territory.name if territory is not None else "", progress)
    if progress:
        progress("Mise en page du PDF")
    return render_scenario_pdf(view)

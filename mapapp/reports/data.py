"""Assemble everything a report shows, as numbers and tables: :func:`build_report` → :class:`ReportData`.

Pure of formatting: no French number, no HTML, no image here. The same
:class:`ReportData` feeds the HTML/PDF report (:mod:`mapapp.reports.render`),
the maps (:mod:`mapapp.reports.maps`), the summary sentences
(:mod:`mapapp.reports.summary`) and the XLSX/CSV exports
(:func:`mapapp.io.tables.report_tables`), so they cannot disagree.

It only **reads**: the stored results (:class:`mapapp.results.ResultStore`,
columns in :mod:`mapapp.access.indicators`) and the catalog. Figures of the
unit come straight from the engine's tables: the ``territories`` row of the
unit (``grid = code = "all"`` for the département), or the ``communes`` row
for a commune. Times are minutes, ``inf`` for unreachable inhabitants; shares
are fractions in [0, 1].

Conventions kept from the engine: *beyond* a threshold means strictly more
minutes; a commune is a *zone blanche* for a theme when none of its
inhabitants is within the main threshold of an eligible open on-site offer of
the theme; a commune is listed as an **overlap** (*superposition*) when at
least :data:`OVERLAP_MIN_SHARE` of its inhabitants are within the main
threshold of two sites or more offering the theme.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.access.prepare import ENGINE_VERSION
from mapapp.catalog.inputs_state import stale_message
from mapapp.catalog.models import Offer, Territory
from mapapp.catalog.territory_store import read_communes, read_grids
from mapapp.network import profile
from mapapp.reports.catalog import UnitCatalog, freshness, unit_catalog
from mapapp.reports.evolution import build_evolution, snapshots_near
from mapapp.reports.needs import build_needs
from mapapp.reports.units import COMMUNE, DEPARTEMENT, ReportError, ReportUnit, resolve_unit
from mapapp import results_variants
from mapapp.identity import Identity, current_identity, current_logo
from mapapp.results import ResultStore

#: Travel modes in the order reports show them.
MODE_ORDER = ("car", "walk", "bike", "sans_voiture", "transit", "tad")  # car-free ones: issue 17
#: Themes detailed (maps, tables, lists) when none are asked for: the
#: Département's reception network and France Services, then the needs the
#: insertion programmes name first. Only those present in the results are kept.
DEFAULT_THEMES = ("france_services", "accueil_departement", "trouver_un_emploi", "mobilite", "numerique", "sante")
#: Sub-territories of a département report when none is asked for, first found.
DEFAULT_SUB_GRIDS = ("bassin_de_vie", "territoire_action_sociale", "epci", "canton")
#: A commune is an overlap for a theme when at least this share of its
#: inhabitants is within the main threshold of 2 sites or more.
OVERLAP_MIN_SHARE = 0.5
#: Default age, in months, beyond which a verification is too old.
DEFAULT_STALE_MONTHS = 12

#: The figures of a territory for one (theme, mode), in every table that has them.
STAT_COLUMNS = ["population_points", "population_reachable", "population_unreachable", "mean_time_min",
                "main_threshold_min", "population_beyond_main", "share_beyond_main", "n_zones_blanches"]


@dataclass(frozen=True)
class ThemeInfo:
    """A theme as stored in the results manifest: key, French label, thresholds per mode (minutes)."""

    key: str
    label: str
    description: str
    main_min: dict[str, float]
    bands_min: dict[str, tuple[float, ...]]


@dataclass
class ReportData:
    """Every figure and table of one report (numbers only; see the module doc).

    Tables (DataFrames), with ``theme, mode`` columns where relevant:

    - ``key_figures``: the unit, every stored theme × the report's modes:
      :data:`STAT_COLUMNS`; ``reference``: the same for the whole département.
    - ``bands``: the unit, chosen themes × modes: ``threshold_min,
      population_beyond, share_beyond``.
    - ``subterritories``: chosen themes × modes, one row per sub-territory
      (``level = "sub"``), then the unit (``"unit"``, unless it is the
      département) and the département (``"departement"``): ``level, grid,
      code, nom`` + :data:`STAT_COLUMNS`.
    - ``communes``: the unit's communes, every stored theme × modes: ``commune,
      nom`` + :data:`STAT_COLUMNS` + ``zone_blanche, nearest_site_id,
      nearest_site, share_population_2plus, mean_sites_within, n_sites_reaching``.
    - ``zones_blanches``: chosen themes × modes: ``commune, nom,
      population_points, time_min`` (population-weighted mean to the nearest
      site; ``inf`` if nobody can reach one), ``nearest_site_id, nearest_site,
      nearest_commune, nearest_offers`` (names of the theme's offers there).
    - ``overlaps``: chosen themes × modes: ``commune, nom, population_points,
      share_population_2plus, mean_sites_within, n_sites_reaching``.
    - ``offers_by_theme``: every theme: ``theme, code, nom, n_offers, n_sites``
      per sub-territory, plus ``code = "total"`` for the unit and, for the
      département, ``"outside"`` (sites beyond the border, which count too).
    - ``freshness`` / ``stale_records``: see :func:`mapapp.reports.catalog.freshness`.
    - ``theme_sites``: ``theme, site_id`` of the open sites offering each chosen theme.
    """

    territory_name: str
    departement: str
    fictional: bool
    unit: ReportUnit
    today: dt.date
    modes: list[str]
    themes: list[ThemeInfo]
    all_themes: list[ThemeInfo]
    sub_grid: str
    stale_months: int
    population: int
    n_communes: int
    catalog: UnitCatalog
    key_figures: pd.DataFrame
    reference: pd.DataFrame
    bands: pd.DataFrame
    subterritories: pd.DataFrame
    communes: pd.DataFrame
    zones_blanches: pd.DataFrame
    overlaps: pd.DataFrame
    offers_by_theme: pd.DataFrame
    freshness: pd.DataFrame
    stale_records: pd.DataFrame
    theme_sites: pd.DataFrame
    geometry: gpd.GeoDataFrame
    method: dict
    timings_s: dict[str, float] = field(default_factory=dict)
    #: :func:`mapapp.catalog.inputs_state.stale_message`: the results predate the catalog's last changes.
    stale_results: str | None = None
    #: The public and schedule rule of the figures (:func:`mapapp.results_variants.describe_fr`; None: everyone).
    variant: str | None = None
    #: :func:`mapapp.reports.carfree.carfree_rows`: car vs car-free per commune (None: not computed, issue 17).
    carfree: pd.DataFrame | None = None
    #: :func:`mapapp.reports.needs.build_needs`: beneficiaries beyond the thresholds, reference values.
    needs: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: :func:`mapapp.reports.evolution.build_evolution`: the indicators over the dated snapshots (None: none).
    evolution: object = None
    #: The Département's name and colours (:mod:`mapapp.identity`) for the cover; None: the defaults.
    identity: Identity | None = None
    #: Its logo (bytes, MIME type) for the cover; None: none.
    logo: tuple[bytes, str] | None = None

    @property
    def theme_labels(self) -> dict[str, str]:
        return {t.key: t.label for t in self.all_themes}

    def theme(self, key: str) -> ThemeInfo:
        return next(t for t in self.all_themes if t.key == key)

    def figure(self, theme: str, mode: str, reference: bool = False) -> pd.Series | None:
        """The unit's (or the département's) row of ``key_figures`` for one theme and mode."""
        table = self.reference if reference else self.key_figures
        rows = table[(table["theme"] == theme) & (table["mode"] == mode)]
        return None if rows.empty else rows.iloc[0]


def _theme_infos(specs: list[dict]) -> list[ThemeInfo]:
    return [ThemeInfo(key=s["key"], label=s["label"], description=s.get("description") or "",
                      main_min={m: float(t["main_min"]) for m, t in s["thresholds"].items()},
                      bands_min={m: tuple(float(b) for b in t["bands_min"]) for m, t in s["thresholds"].items()})
            for s in specs]


def _choose(asked: Sequence[str] | None, available: list[str], default: Sequence[str], what: str) -> list[str]:
    if not asked:
        chosen = [k for k in default if k in available]
        return chosen or available[: len(default)]
    if list(asked) == ["all"]:
        return list(available)
    unknown = [a for a in asked if a not in available]
    if unknown:
        raise ReportError(f"{what} inconnu(s) : {', '.join(unknown)} ; disponibles : {', '.join(available)}.")
    return list(dict.fromkeys(asked))


def _commune_stats(communes: pd.DataFrame) -> pd.DataFrame:
    """The commune rows of the engine with the territory columns (a commune as a territory of one)."""
    out = communes.copy()
    out["n_zones_blanches"] = out["zone_blanche"].fillna(False).astype(int)
    return out


def _reachable_time(row_mean: pd.Series, reachable: pd.Series, population: pd.Series) -> pd.Series:
    """Mean time, ``inf`` where inhabitants exist but none can reach a site (engine: NaN)."""
    out = row_mean.astype(float).copy()
    out[(population > 0) & (reachable <= 0)] = np.inf
    return out


def build_report(session: Session, store: ResultStore, unit: str | None = None, *,
                 themes: Sequence[str] | None = None, modes: Sequence[str] | None = None,
                 sub_grid: str | None = None, stale_months: int = DEFAULT_STALE_MONTHS,
                 today: dt.date | None = None) -> ReportData:
    """Gather the figures of a report.

    Args:
        session: a database session (catalog and territory).
        store: the stored accessibility results.
        unit: ``None`` for the département, or ``"<grid>:<code>"`` (see
            :mod:`mapapp.reports.units`).
        themes: theme keys detailed with maps, tables and lists (``["all"]``
            for every stored theme); default :data:`DEFAULT_THEMES`. Key
            figures always cover every stored theme.
        modes: travel modes (``car``, ``walk``, ``bike``); default every stored one.
        sub_grid: the grid whose units are the rows of the "per sub-territory"
            table of a département report (default: first of
            :data:`DEFAULT_SUB_GRIDS` present). A unit's report lists its communes.
        stale_months: a verification older than this many months is stale.
        today: the report's date (default: today), for freshness.

    Raises:
        ReportError: no territory, no results, unknown unit, theme or mode.
    """
    import time

    clock = time.perf_counter()
    today = today or dt.date.today()
    territory = session.scalar(select(Territory))
    if territory is None:
        raise ReportError("Aucun territoire chargé : lancez `mapapp demo load` ou importez un territoire.")
    stored_modes = [m for m in MODE_ORDER if m in store.modes()] + sorted(set(store.modes()) - set(MODE_ORDER))
    if not stored_modes:
        raise ReportError("Aucun résultat d'accessibilité : lancez `mapapp compute`.")
    # by default the car-free components (transit, tad) stay out: « sans voiture » and its section cover them
    default_modes = [m for m in stored_modes if m not in ("transit", "tad")] or stored_modes
    modes = _choose(modes, stored_modes, default_modes, "Mode(s) de déplacement")
    manifests = {m: store.manifest(m) for m in modes}
    from mapapp.reports.carfree import merged_theme_specs
    all_themes = _theme_infos(merged_theme_specs(manifests, modes))  # every mode's thresholds (issue 17)
    theme_keys = _choose(themes, [t.key for t in all_themes], DEFAULT_THEMES, "Thème(s)")
    by_key = {t.key: t for t in all_themes}
    chosen = [by_key[k] for k in theme_keys]

    all_communes = read_communes(session, include_buffer=True)
    dep = all_communes[~all_communes["is_buffer"]]
    grids = read_grids(session)
    grids = grids[grids["commune"].isin(set(dep["code"]))]
    report_unit = resolve_unit(unit, dep, grids, territory.name)
    unit_codes = set(report_unit.communes)
    names = dict(zip(all_communes["code"], all_communes["nom"]))

    if report_unit.is_departement:
        present = [g for g in DEFAULT_SUB_GRIDS if g in set(grids["grid"])] + sorted(set(grids["grid"]))
        sub = sub_grid or (present[0] if present else COMMUNE)
        if sub != COMMUNE and sub not in set(grids["grid"]):
            raise ReportError(f"Découpage « {sub} » inconnu ; disponibles : {', '.join(sorted(set(grids['grid'])))}.")
    else:
        sub = COMMUNE

    def results(table: str) -> pd.DataFrame:
        return pd.concat([store.table(m, table) for m in modes], ignore_index=True)

    res_communes = results("communes")
    res_territories = results("territories")
    timings = {"read_results": time.perf_counter() - clock}

    # -- the unit and the département, every theme
    reference = res_territories[res_territories["grid"] == "all"]
    commune_rows = _commune_stats(res_communes[res_communes["commune"].isin(unit_codes)])
    if report_unit.is_departement:
        key_figures = reference
    elif report_unit.kind == COMMUNE:
        key_figures = commune_rows
    else:
        key_figures = res_territories[(res_territories["grid"] == report_unit.kind)
                                      & (res_territories["code"] == report_unit.code)]
    cols = ["theme", "mode"] + STAT_COLUMNS
    key_figures = _order(key_figures[cols], all_themes, modes)
    reference = _order(reference[cols], all_themes, modes)
    for t in (key_figures, reference):
        t["mean_time_min"] = _reachable_time(t["mean_time_min"], t["population_reachable"], t["population_points"])

    # -- bands of the unit, chosen themes
    chosen_keys = [t.key for t in chosen]
    if report_unit.kind == COMMUNE:
        bands = results("commune_bands")
        bands = bands[bands["commune"] == report_unit.code]
    else:
        bands = results("territory_bands")
        grid, code = ("all", "all") if report_unit.is_departement else (report_unit.kind, report_unit.code)
        bands = bands[(bands["grid"] == grid) & (bands["code"] == code)]
    bands = _order(bands[bands["theme"].isin(chosen_keys)][["theme", "mode", "threshold_min", "population_beyond",
                                                            "share_beyond"]], chosen, modes, extra=["threshold_min"])

    # -- per sub-territory, chosen themes
    if sub == COMMUNE:
        subs = commune_rows.assign(level="sub", grid=COMMUNE, code=commune_rows["commune"],
                                   nom=commune_rows["commune"].map(names))
    else:
        subs = res_territories[res_territories["grid"] == sub].copy()
        unit_names = grids[grids["grid"] == sub].drop_duplicates("code").set_index("code")["nom"]
        subs = subs.assign(level="sub", nom=subs["code"].map(unit_names))
    parts = [subs]
    if not report_unit.is_departement:
        parts.append(key_figures.assign(level="unit", grid=report_unit.kind, code=report_unit.code,
                                        nom=report_unit.name))
    parts.append(reference.assign(level="departement", grid=DEPARTEMENT, code="all", nom=territory.name))
    subterritories = pd.concat([p[["theme", "mode", "level", "grid", "code", "nom"] + STAT_COLUMNS] for p in parts],
                               ignore_index=True)
    subterritories = subterritories[subterritories["theme"].isin(chosen_keys)]
    subterritories["_l"] = subterritories["level"].map({"sub": 0, "unit": 1, "departement": 2})
    subterritories = _order(subterritories, chosen, modes, extra=["_l", "nom"]).drop(columns="_l")
    subterritories["mean_time_min"] = _reachable_time(subterritories["mean_time_min"],
                                                      subterritories["population_reachable"],
                                                      subterritories["population_points"])

    # -- communes of the unit, every theme
    catalog = unit_catalog(session, unit_codes, set(dep["code"]),
                           dict(zip(grids[grids["grid"] == "epci"]["commune"], grids[grids["grid"] == "epci"]["code"])))
    site_names = dict(zip(catalog.sites["site_id"], catalog.sites["nom"]))
    site_communes = dict(zip(catalog.sites["site_id"], catalog.sites["commune"]))
    communes = commune_rows.assign(nom=commune_rows["commune"].map(names),
                                   nearest_site=commune_rows["nearest_site_id"].map(site_names))
    communes["mean_time_min"] = _reachable_time(communes["mean_time_min"], communes["population_reachable"],
                                                communes["population_points"])
    communes = _order(communes[["theme", "mode", "commune", "nom"] + STAT_COLUMNS + [
        "zone_blanche", "nearest_site_id", "nearest_site", "share_population_2plus", "mean_sites_within",
        "n_sites_reaching"]], all_themes, modes, extra=["nom", "commune"])

    # -- zones blanches and overlaps, chosen themes
    destinations = store.table(modes[0], "destinations")
    offer_names = dict(session.execute(select(Offer.id, Offer.nom)).all())
    offers_at = (destinations.assign(nom=destinations["offer_id"].map(offer_names))
                 .groupby(["theme", "site_id"])["nom"].agg(lambda s: sorted(set(s.dropna()))).to_dict())
    in_chosen = communes[communes["theme"].isin(chosen_keys)]
    zb = in_chosen[in_chosen["zone_blanche"].fillna(False).astype(bool)]
    zones_blanches = pd.DataFrame({
        "theme": zb["theme"], "mode": zb["mode"], "commune": zb["commune"], "nom": zb["nom"],
        "population_points": zb["population_points"], "time_min": zb["mean_time_min"],
        "nearest_site_id": zb["nearest_site_id"], "nearest_site": zb["nearest_site"],
        "nearest_commune": zb["nearest_site_id"].map(site_communes).map(names),
        "nearest_offers": [offers_at.get((t, s), []) for t, s in zip(zb["theme"], zb["nearest_site_id"])],
    })
    zones_blanches = _order(zones_blanches, chosen, modes, extra=["population_points"], ascending_extra=False)
    ov = in_chosen[in_chosen["share_population_2plus"].fillna(0) >= OVERLAP_MIN_SHARE]
    overlaps = _order(ov[["theme", "mode", "commune", "nom", "population_points", "share_population_2plus",
                          "mean_sites_within", "n_sites_reaching"]], chosen, modes,
                      extra=["mean_sites_within"], ascending_extra=False)

    # -- offers by theme and sub-territory (what counted as presence in the engine)
    offers_by_theme = _offers_by_theme(destinations, catalog, all_themes, report_unit, sub, grids, names)
    theme_sites = destinations[destinations["theme"].isin(chosen_keys)][["theme", "site_id"]].drop_duplicates()

    fresh, stale = freshness(catalog.records, today, stale_months)

    dep_codes = set(dep["code"])
    population = int(dep[dep["code"].isin(unit_codes)]["population"].sum())
    geometry = all_communes[["code", "nom", "population", "is_buffer", "geometry"]].copy()
    geometry["in_unit"] = geometry["code"].isin(unit_codes)
    geometry["in_departement"] = geometry["code"].isin(dep_codes)

    method = _method(territory, manifests, all_themes, modes, session)
    method["choices"] = _method_choices(store, manifests, chosen[0] if chosen else None, modes)
    timings["total"] = time.perf_counter() - clock
    from mapapp.reports.carfree import carfree_rows
    return ReportData(
        carfree=carfree_rows(store, modes, unit_codes, [t.key for t in chosen], names),
        territory_name=territory.name, departement=territory.departement, fictional=bool(territory.fictional),
        unit=report_unit, today=today, modes=modes, themes=chosen, all_themes=all_themes, sub_grid=sub,
        stale_months=stale_months, population=population, n_communes=len(unit_codes), catalog=catalog,
        key_figures=key_figures, reference=reference, bands=bands, subterritories=subterritories,
        communes=communes, zones_blanches=zones_blanches, overlaps=overlaps, offers_by_theme=offers_by_theme,
        freshness=fresh, stale_records=stale, theme_sites=theme_sites, geometry=geometry, method=method,
        timings_s=timings, stale_results=None if snapshots_near(store)[1] else stale_message(
            session, manifests.values()),
        variant=results_variants.describe_fr(results_variants.store_info(store)),
        needs=build_needs(session, store, chosen, modes, unit_codes),
        evolution=build_evolution(store, [t.key for t in chosen], modes[0], (
            "all", "all") if report_unit.is_departement else (report_unit.kind, report_unit.code), grids),
        identity=current_identity(session), logo=current_logo(session),
    )


def _order(df: pd.DataFrame, themes: list[ThemeInfo], modes: list[str], extra: Sequence[str] = (),
           ascending_extra: bool = True) -> pd.DataFrame:
    """Rows in theme order (as in the manifest), then mode order, then ``extra`` columns."""
    rank_t = {t.key: i for i, t in enumerate(themes)}
    rank_m = {m: i for i, m in enumerate(modes)}
    out = df[df["theme"].isin(rank_t) & df["mode"].isin(rank_m)].copy()
    out["_t"] = out["theme"].map(rank_t)
    out["_m"] = out["mode"].map(rank_m)
    by = ["_t", "_m", *extra]
    asc = [True, True] + [ascending_extra] * len(extra)
    return out.sort_values(by, ascending=asc, kind="stable").drop(columns=["_t", "_m"]).reset_index(drop=True)


def _offers_by_theme(destinations: pd.DataFrame, catalog: UnitCatalog, themes: list[ThemeInfo],
                     unit: ReportUnit, sub: str, grids: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    site_commune = dict(zip(catalog.sites["site_id"], catalog.sites["commune"]))
    d = destinations[["theme", "offer_id", "site_id"]].drop_duplicates().copy()
    d["commune"] = d["site_id"].map(site_commune)
    unit_codes = set(unit.communes)
    if sub == COMMUNE:
        sub_of = {c: c for c in unit_codes}
        sub_names = {c: names.get(c, c) for c in unit_codes}
    else:
        g = grids[grids["grid"] == sub]
        sub_of = dict(zip(g["commune"], g["code"]))
        sub_names = g.drop_duplicates("code").set_index("code")["nom"].to_dict()
    d["code"] = d["commune"].map(sub_of)
    rows = []
    in_unit = d[d["commune"].isin(unit_codes)]
    for theme in themes:
        t = in_unit[in_unit["theme"] == theme.key]
        for code, nom in sorted(sub_names.items(), key=lambda kv: (kv[1], kv[0])):
            s = t[t["code"] == code]
            rows.append((theme.key, code, nom, s["offer_id"].nunique(), s["site_id"].nunique()))
        if unit.is_departement:
            out = d[(d["theme"] == theme.key) & ~d["commune"].isin(unit_codes)]
            rows.append((theme.key, "outside", "Hors département", out["offer_id"].nunique(),
                         out["site_id"].nunique()))
        rows.append((theme.key, "total", unit.name, t["offer_id"].nunique(), t["site_id"].nunique()))
    return pd.DataFrame(rows, columns=["theme", "code", "nom", "n_offers", "n_sites"])


def _method_choices(store: ResultStore, manifests: dict, theme: ThemeInfo | None, modes: list[str]) -> dict:
    """Per mode, the method sentences (:mod:`mapapp.reports.method_note`) for ``theme`` at its main threshold.

    Département-wide figures (the stored points cover the département's communes).
    """
    from mapapp.reports.method_note import common_lines, mode_lines

    out = {"theme": theme.label if theme else None, "common": [], "modes": {}}
    for mode in modes:
        man = manifests[mode]
        points = store.table(mode, "points")
        points = points[points["theme"] == theme.key] if theme is not None else points.iloc[:0]
        main = theme.main_min.get(mode) if theme is not None else None
        if not out["common"]:
            out["common"] = common_lines(man.method, man.graph, n_points=len(points) or None)
        out["modes"][mode] = mode_lines(man.method, points if main is not None else None, mode,
                                        theme.key if theme else "", float(main or 0))
    return out


def _method(territory: Territory, manifests: dict, themes: list[ThemeInfo], modes: list[str],
            session: Session) -> dict:
    from sqlalchemy import func

    from mapapp.catalog.models import PopulationPoint

    graphs = {}
    for mode, man in manifests.items():
        g = man.graph or {}
        graphs[mode] = {"computed_at": man.computed_at, "source_name": g.get("source_name"),
                        "source_sha256": g.get("source_sha256"), "profile_version": g.get("profile_version"),
                        "n_nodes": g.get("n_nodes"), "n_edges": g.get("n_edges"),
                        "maxspeed_tagged_edge_share": g.get("maxspeed_tagged_edge_share"),
                        "maxspeed_factor": g.get("maxspeed_factor")}
    sources = dict(territory.sources or {})
    return {
        "graphs": graphs,
        "profile_version": profile.PROFILE_VERSION,
        "engine_version": ENGINE_VERSION,
        "speeds_kmh": {
            "walk": profile.WALK_KMH, "bike": profile.BIKE_KMH, "bike_rough": profile.BIKE_ROUGH_KMH,
            "maxspeed_factor": profile.MAXSPEED_FACTOR,
            "car": {k: profile.CAR_DEFAULT_KMH[k] for k in ("motorway", "trunk", "primary", "secondary",
                                                             "tertiary", "unclassified", "residential")},
        },
        "thresholds": [{"key": t.key, "label": t.label, "main_min": t.main_min, "bands_min": t.bands_min}
                       for t in themes],
        "modes": modes,
        "population_source": sources.get("population") or "non renseignée",
        "communes_source": sources.get("communes") or "non renseignée",
        "roads_source": sources.get("roads") or "",
        "n_population_points": int(session.scalar(select(func.count()).select_from(PopulationPoint)) or 0),
        "overlap_min_share": OVERLAP_MIN_SHARE,
    }

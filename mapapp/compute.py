"""`mapapp compute`: the territory and catalog in the database, through the engine, to stored results.

Steps: read the tables (:mod:`mapapp.catalog.frames`) and the territory's
method settings (:class:`mapapp.method.MethodSettings`), build or reload the
road graph of each mode (:func:`mapapp.network.load_or_build`, cached by the
OSM file's hash and the maxspeed factor), place the squares' inhabitants on
their populated roads (:func:`origin_points`, on the car graph's roads, the
same origins for every mode), snap origins (``out``) and sites (``in``) with
each mode's access-leg policy, run :func:`mapapp.access.run.compute_access_modes`
with the previous results so that themes whose inputs did not change are
copied, not recomputed, and write the results (:class:`mapapp.results.ResultStore`)
with the method settings that produced them and, per point, its position,
square and access leg.

Then each other variant of the territory's accessibility settings (one public,
with or without the schedule rule: :mod:`mapapp.access.variants`) runs on the
same graphs and snaps with its offers filtered, offered everyone's fresh
results and its own last ones for reuse, and is written to its own store
(:meth:`mapapp.results.ResultStore.variant`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select

from mapapp.access.frames import attach_snap
from mapapp.access.run import Memo, compute_access, compute_access_modes
from mapapp.access.settings import AccessSettings
from mapapp.access.themes import Theme, themes_for_catalog
from mapapp.access.variants import Variant, unknown_hours_count, variant_offers, variants
from mapapp.catalog.db import make_engine, make_sessionmaker, schema_problem
from mapapp.catalog.frames import EngineInputs, engine_inputs, offers_with_empty_zone
from mapapp.catalog.inputs_state import inputs_fingerprint
from mapapp.catalog.settings_store import StoredSettingsError, current_settings
from mapapp.catalog.models import Territory
from mapapp.config import Settings
from mapapp.formats import count, duration, number
from mapapp.method import MethodError, MethodSettings
from mapapp.network import MODES, WALK_KMH, AccessLeg, NetworkError, RoadGraph, load_or_build, snap_points
from mapapp.network.access_leg import WALK
from mapapp.network.buildings import building_points
from mapapp.network.snap import road_segments
from mapapp.results import ResultStore
from mapapp.territory.dasymetric import RoadSegments, place_population, placement_summary

#: Per-point columns added to the stored ``points`` table (besides the engine's).
POINT_COLUMNS = ("lon", "lat", "square_id", "placement", "access_m", "access_leg_min", "walk_leg_min")


class ComputeError(RuntimeError):
    """The inputs are not there (no territory, no road file...)."""


@dataclass
class ComputeReport:
    modes: dict[str, dict] = field(default_factory=dict)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    method: list[str] = field(default_factory=list)  # French lines: the settings and the placement
    variants: dict[str, float] = field(default_factory=dict)  # variant key -> seconds
    unknown_hours: int = 0  # offer rows at a site without known hours (the schedule rule's count)
    carfree: object = None  # :class:`mapapp.compute_carfree.CarfreeReport` (issue 17)

    def summary(self) -> str:
        lines = [f"avertissement : {w}" for w in self.warnings] + [f"méthode : {m}" for m in self.method]
        for mode, info in self.modes.items():
            lines.append(
                f"{mode} : réseau de {count(info['nodes'], 'nœud')} et {count(info['edges'], 'arc')} "
                f"({count(info['dropped_nodes'], 'nœud')} hors de la plus grande composante fortement connexe, "
                f"écartés) ; {count(info['themes'], 'thème')} ({number(info['reused'])} repris sans recalcul), "
                f"{count(info['points_unsnapped'], 'point', 'points')} de population hors réseau, "
                f"{count(info['sites_unsnapped'], 'lieu', 'lieux')} hors réseau, {duration(info['seconds'])}"
            )
        if self.variants:
            lines.append(f"variantes (publics, règle des horaires) : {count(len(self.variants), 'variante')} en "
                         f"{duration(sum(self.variants.values()))}")
        if self.unknown_hours:
            lines.append(f"horaires : {count(self.unknown_hours, 'offre sur place', 'offres sur place')} sans "
                         "horaires connus (comptées comme ouvertes par la règle des horaires, voir les pages)")
        if self.carfree is not None:
            lines += [f"sans voiture : {line}" for line in self.carfree.lines]
        lines.append(f"Total : {duration(self.seconds)}")
        return "\n".join(lines)


def snapped_tables(graph, inputs: EngineInputs, access_leg: AccessLeg = WALK) -> dict[str, pd.DataFrame]:
    """The engine's tables for one mode: inputs with the snap columns of ``graph``.

    ``access_leg`` applies to every snap of the mode (origins, main points and
    sites). The points also get ``access_m``, ``access_leg_min`` (the leg
    charged) and ``walk_leg_min`` (what walking it would cost), stored per point.
    """
    snap = snap_points(graph, inputs.points["lon"].to_numpy(), inputs.points["lat"].to_numpy(), direction="out",
                       access_leg=access_leg)
    points = attach_snap(inputs.points, snap).assign(
        access_m=snap.access_m, access_leg_min=snap.access_s / 60.0,
        walk_leg_min=snap.access_m / (WALK_KMH / 3.6) / 60.0)
    communes = attach_snap(inputs.communes, snap_points(graph, inputs.communes["main_lon"].to_numpy(),
                                                        inputs.communes["main_lat"].to_numpy(), direction="out",
                                                        access_leg=access_leg),
                           prefix="main_")
    sites = attach_snap(inputs.sites, snap_points(graph, inputs.sites["lon"].to_numpy(),
                                                  inputs.sites["lat"].to_numpy(), direction="in",
                                                  access_leg=access_leg))
    return {"points": points, "communes": communes, "sites": sites, "offers": inputs.offers,
            "grids": inputs.grids}


def origin_points(points: pd.DataFrame, roads_graph: RoadGraph | None, method: MethodSettings,
                  buildings: tuple[np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """The population points the engine routes from, with a ``point_id`` (0..n-1).

    With ``method.placement == "dasymetric"`` each square's inhabitants are
    spread over the populated roads of ``roads_graph`` inside it, weighted by
    ``buildings`` (the OSM file's, :func:`mapapp.network.buildings.building_points`)
    when there are some (:func:`mapapp.territory.dasymetric.place_population`);
    with ``"centre"``, or without a graph, every point stays where it is.
    Points that are not squares are never moved.
    """
    if method.placement == "dasymetric" and roads_graph is not None and "square_wkb" in points.columns \
            and points["square_wkb"].notna().any():
        placed = place_population(points, RoadSegments(*road_segments(roads_graph)), buildings)
    else:
        placed = points.drop(columns=[c for c in ("square_wkb",) if c in points.columns]).assign(
            placement=np.where(points["square_id"].notna(), "centre", "point") if "square_id" in points.columns
            else "point", source_row=np.arange(len(points)))
    if "square_id" not in placed.columns:
        placed["square_id"] = None
    return placed.reset_index(drop=True).assign(point_id=lambda f: np.arange(len(f)))


def _buildings(osm_path: Path, cache_dir: Path) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        return building_points(osm_path, cache_dir)
    except NetworkError:
        return None


def _placement_lines(placed: pd.DataFrame) -> list[str]:
    labels = {"routes_habitees": "sur les routes habitées", "autres_routes": "sur d'autres routes (pas de rue habitée)",
              "batiments": "au centre de leurs bâtiments (aucune route)", "centre": "au centre (ni route ni bâtiment)"}
    summary = placement_summary(placed)
    parts = [f"{count(summary[k]['squares'], 'carreau', 'carreaux')} {label} "
             f"({number(summary[k]['population'], 0)}\u00a0hab.)"
             for k, label in labels.items() if k in summary]
    if not parts:
        return []
    return [f"{count(len(placed), 'point de population', 'points de population')} ; " + ", ".join(parts)]


def centre_figures(graph: RoadGraph, inputs: EngineInputs, themes: list[Theme], access_leg: AccessLeg) -> dict:
    """Département figures per theme had every square's population stayed at its centre (same access legs).

    What the dasymetric placement changes, shown in the method notes: one more
    nearest-site search per theme (no second nearest), on ``inputs`` whose
    points are the squares as imported. Returns ``{theme: {"mean_time_min": m,
    "share_beyond": {"<threshold>": share}}}``.
    """
    tables = snapped_tables(graph, inputs, access_leg)
    res = compute_access(graph, tables["points"], tables["communes"], tables["sites"], tables["offers"], themes,
                         tables["grids"], second_nearest=False)
    whole = res.territories[res.territories["grid"] == "all"].set_index("theme")["mean_time_min"]
    bands = res.territory_bands[res.territory_bands["grid"] == "all"]
    out = {}
    for theme, rows in bands.groupby("theme"):
        out[str(theme)] = {"mean_time_min": float(whole.get(theme, np.nan)),
                           "share_beyond": {f"{t:g}": float(v) for t, v in zip(rows["threshold_min"],
                                                                             rows["share_beyond"])}}
    return out


def _with_point_columns(points: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The engine's points table with the per-point columns of :data:`POINT_COLUMNS` (by ``point_id``)."""
    extra = table[["point_id", *[c for c in POINT_COLUMNS if c in table.columns]]]
    base = points.drop(columns=[c for c in POINT_COLUMNS if c in points.columns])
    return base.merge(extra, on="point_id", how="left", validate="many_to_one")


def run_compute(settings: Settings, *, modes: Sequence[str] = MODES, themes: list[Theme] | None = None,
                workers: int = 2, force: bool = False, access: AccessSettings | None = None,
                with_variants: bool = True, progress: Callable[[str], None] | None = None,
                today: dt.date | None = None, with_carfree: bool = True) -> ComputeReport:
    """Compute and store accessibility for ``modes``; only what changed is recomputed.

    Args:
        themes: the themes to compute (default: those of ``access``).
        workers: threads for the searches (the machine's cores by default in the CLI; one below 50,000 graph nodes).
        force: ignore previous results (recompute every theme).
        access: the accessibility settings (themes, publics, schedule rule; default: the territory's
            current ones, :func:`mapapp.catalog.settings_store.current_settings`).
        with_variants: also compute every public and the schedule rule (False: the headline only).
        today: the day sites' temporary closures are judged on (default: today; a snapshot rebuilt
            for a past date, :mod:`mapapp.snapshots`, gives that date).
        with_carfree: also store the car-free modes (:mod:`mapapp.compute_carfree`; needs walk and car).
    """
    say = progress or (lambda _m: None)
    start = time.perf_counter()
    store = ResultStore(settings.data_dir / "results")
    store.remove_stale()  # what a killed run left behind (issue 12)
    engine = make_engine(settings.database_url)
    try:
        if problem := schema_problem(engine):
            raise ComputeError(problem)
        with make_sessionmaker(engine)() as session:
            territory = session.scalar(select(Territory))
            if territory is None:
                raise ComputeError("Aucun territoire chargé : lancez `mapapp demo load` ou importez un territoire.")
            if not territory.osm_path or not Path(territory.osm_path).exists():
                raise ComputeError(f"Fichier du réseau routier introuvable : {territory.osm_path!r}")
            try:
                method = MethodSettings.from_json(territory.method)
            except MethodError as exc:
                raise ComputeError(f"Réglages de méthode du territoire invalides : {exc} "
                                   "(corrigez-les avec « mapapp territory method »)") from None
            if access is None:
                try:
                    access = current_settings(session)
                except StoredSettingsError as exc:
                    raise ComputeError(str(exc)) from None
            inputs = engine_inputs(session, today)
            # what pages compare (staleness)
            inputs_digest = inputs_fingerprint(inputs, territory.method, access.digest())
    finally:
        engine.dispose()
    if inputs.points.empty:
        raise ComputeError("Aucun point de population dans le territoire.")

    themes = themes or themes_for_catalog(list(access.themes), inputs.sites)  # + BPE basket when loaded
    osm_path = Path(territory.osm_path)
    say(f"Réseaux routiers ({', '.join(modes)}) depuis {territory.osm_path}")
    try:
        graphs = load_or_build(osm_path, list(modes), settings.cache_dir, progress=True if progress else None,
                               maxspeed_factor=method.maxspeed_factor)
    except NetworkError as exc:
        raise ComputeError(f"Réseau routier inutilisable : {exc}") from None
    say("Placement de la population sur les routes habitées des carreaux")
    roads = graphs.get("car")
    if roads is None and method.placement == "dasymetric":  # the same origins whatever the modes computed
        try:
            roads = load_or_build(osm_path, "car", settings.cache_dir, maxspeed_factor=method.maxspeed_factor)
        except NetworkError:
            roads = None
    squares = inputs.points
    has_squares = "square_wkb" in squares.columns and squares["square_wkb"].notna().any()
    buildings = _buildings(osm_path, settings.cache_dir) if method.placement == "dasymetric" and has_squares \
        else None
    points = origin_points(squares, roads, method, buildings)
    inputs = EngineInputs(points=points, communes=inputs.communes, sites=inputs.sites, offers=inputs.offers,
                          grids=inputs.grids)
    say("Rattachement des points au réseau")
    tables = {mode: snapped_tables(graphs[mode], inputs, method.access_leg(mode)) for mode in modes}
    previous = {} if force else {m: r for m in modes if (r := store.read(m)) is not None}
    say(f"Calcul des temps d'accès : {count(len(themes), 'thème')} × {count(len(modes), 'mode')}")
    memo = Memo()  # the variants below share the prepared inputs
    results = compute_access_modes(graphs, tables, themes, workers=workers, previous=previous,
                                   method=method.digest_spec(), memo=memo)
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    theme_specs = [t.spec() for t in themes]
    report = ComputeReport(method=method.describe_fr() + _placement_lines(points) + (
        [f"placement pondéré par {count(len(buildings[0]), 'bâtiment')} OpenStreetMap"] if buildings is not None
        and len(buildings[0]) else []))
    for offer_id, codes in offers_with_empty_zone(inputs.offers, inputs.communes):
        report.warnings.append(f"offre {offer_id} : sa zone d'éligibilité ({', '.join(codes)}) ne contient aucune "
                               "commune du territoire, elle ne compte pour personne (code EPCI sans découpage "
                               "« epci » importé ? code erroné ?)")
    if inputs.offers.empty or inputs.sites.empty:
        report.warnings.append("le catalogue n'a encore aucune offre publiée rattachée à un lieu : chaque commune est "
                               "non desservie (zone blanche) pour chaque thème. Importez les lieux et les offres "
                               "(`mapapp import FICHIER`) puis relancez `mapapp compute`.")
    placement = placement_summary(points)
    placed = method.placement == "dasymetric" and bool(set(placement) - {"centre", "point"})
    if placed:
        say("Comparaison : la population au centre des carreaux")
        centres = EngineInputs(points=origin_points(squares, None, MethodSettings(placement="centre")),
                               communes=inputs.communes, sites=inputs.sites, offers=inputs.offers, grids=inputs.grids)
    for mode, res in results.items():
        res.points = _with_point_columns(res.points, tables[mode]["points"])
        recorded = {**method.to_json(), "placement_summary": placement,
                    "n_buildings": int(len(buildings[0])) if buildings is not None else 0}
        if placed:
            old = previous.get(mode)
            old_manifest = store.manifest(mode) if old is not None else None
            if old_manifest is not None and len(res.reused_themes) == len(themes) \
                    and old_manifest.method.get("centre_placement"):
                recorded["centre_placement"] = old_manifest.method["centre_placement"]  # nothing changed
            else:
                recorded["centre_placement"] = centre_figures(graphs[mode], centres, themes, method.access_leg(mode))
        store.write(res, computed_at=now, graph_meta=graphs[mode].meta, themes=theme_specs, method=recorded,
                    inputs_digest=inputs_digest, variant=variants(access)[0].spec(access.schedule),
                    settings_digest=access.digest())
        t = tables[mode]
        scc = graphs[mode].meta.get("largest_scc", {})
        report.modes[mode] = {
            "nodes": graphs[mode].n_nodes, "edges": graphs[mode].n_edges,
            "dropped_nodes": int(scc.get("dropped_nodes", 0)),
            "themes": len(themes), "reused": len(res.reused_themes),
            "points_unsnapped": int((~t["points"]["snapped"]).sum()),
            "sites_unsnapped": int((~t["sites"]["snapped"]).sum()),
            "seconds": float(res.timings_s.get("total", 0.0)),
        }
    if with_carfree and "walk" in results and "car" in results:  # issue 17: transit, tad, sans_voiture
        from mapapp.compute_carfree import run_carfree
        report.carfree = run_carfree(settings, store, results, tables, graphs, memo, method.digest_spec(),
                                     inputs.sites, themes, getattr(access, "carfree", None), dict(
                                         computed_at=now, method=recorded_method(method, points),
                                         inputs_digest=inputs_digest, settings_digest=access.digest(),
                                         variant=variants(access)[0].spec(access.schedule)), say)
    report.unknown_hours = unknown_hours_count(inputs.offers)
    if with_variants:
        store.remove_variants_except({v.key for v in variants(access)})  # publics dropped from the settings
        for variant in variants(access)[1:]:
            say(f"Variante : {variant.label_fr(access.schedule)}")
            seconds = _compute_variant(store, variant, access, graphs, tables, results, themes, workers, force,
                                       method, now, theme_specs, recorded_method(method, points), inputs_digest,
                                       memo, report.unknown_hours)
            report.variants[variant.key] = seconds
    report.seconds = time.perf_counter() - start
    return report


def recorded_method(method: MethodSettings, points: pd.DataFrame) -> dict:
    """What a variant's manifest records of the method (the headline's also has the centre comparison)."""
    return {**method.to_json(), "placement_summary": placement_summary(points)}


def _compute_variant(store: ResultStore, variant: Variant, access: AccessSettings, graphs, tables, headline,
                     themes, workers, force, method, now, theme_specs, recorded, inputs_digest, memo,
                     unknown_hours: int) -> float:
    """One variant: the offers filtered, the engine offered its last results and the headline's; seconds taken."""
    start = time.perf_counter()
    vstore = store.variant(variant.key)
    vstore.remove_stale()
    offers = {}  # one filtered table per distinct offers table (the modes share one): destinations shared too
    for t in tables.values():
        if id(t["offers"]) not in offers:
            offers[id(t["offers"])] = variant_offers(t["offers"], variant, access.schedule)
    vtables = {mode: {**t, "offers": offers[id(t["offers"])]} for mode, t in tables.items()}
    previous = {mode: [None if force else vstore.read(mode), headline[mode]] for mode in tables}
    results = compute_access_modes(graphs, vtables, themes, workers=workers, previous=previous,
                                   method=method.digest_spec(), memo=memo)
    for mode, res in results.items():
        res.points = _with_point_columns(res.points, tables[mode]["points"])
        vstore.write(res, computed_at=now, graph_meta=graphs[mode].meta, themes=theme_specs, method=recorded,
                     inputs_digest=inputs_digest, settings_digest=access.digest(),
                     variant={**variant.spec(access.schedule), "unknown_hours": unknown_hours})
    return time.perf_counter() - start

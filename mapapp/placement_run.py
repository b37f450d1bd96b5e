"""The planner's tools on the stored territory: best place, least-loss closures, a bus's schedule (issue 14 §3, §4).

Reads the territory, the catalog and the accessibility settings as ``mapapp
compute`` does, reloads the cached road graph of the mode, runs the one theme
(:func:`mapapp.access.whatif.whatif_state`, for a public of the settings when
asked: its offers only, :func:`mapapp.access.variants.variant_offers`), then
asks the engine:

- :func:`best_place_report`: :func:`mapapp.access.placement.best_places` for
  k = 1..K among the candidates of :func:`default_candidates` (each commune's
  main point, its town hall, and the territory's active partner sites), or
  among the planner's own list (:mod:`mapapp.catalog.candidates`);
- :func:`closure_report`: :func:`mapapp.access.placement.closure_losses`, the
  theme's sites whose closing alone loses the fewest inhabitants
  (``population_only_site``);
- :func:`schedule_report`: :func:`mapapp.access.itinerant.schedule_from_state`
  for the stops of an itinerant route (sites ``france_services_itinerant_stop``
  of that ``itinerant_route``), the situation computed without the route.

Each tool works on the live catalog, or on a scenario's (``scenario_id``: its
sites opened, closed or moved count, so a second best place takes the first
one added into account). Pure orchestration: the engine does the work. Each answer is a
:class:`PlannerAnswer` whose ``places`` table names every proposal (id, name,
commune, lon, lat) so that pages can show it on a map and add it to a scenario.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from mapapp.access.itinerant import Schedule, schedule_from_state
from mapapp.access.frames import SNAP_COLUMNS, attach_snap
from mapapp.access.placement import Placement, best_places, closure_losses, commune_candidates, site_candidates
from mapapp.access.scenario import apply_scenario
from mapapp.access.themes import Theme, themes_for_catalog
from mapapp.access.whatif import whatif_state
from mapapp.catalog.db import make_engine, make_sessionmaker
from mapapp.catalog.frames import EngineInputs, engine_inputs
from mapapp.catalog.models import Commune, Site, Territory
from mapapp.catalog.settings_store import StoredSettingsError, current_settings
from mapapp.compute import ComputeError, _buildings, origin_points, snapped_tables
from mapapp.config import Settings
from mapapp.method import MethodSettings
from mapapp.network import NetworkError, load_or_build, snap_points

ITINERANT_KIND = "france_services_itinerant_stop"


@dataclass
class PlannerAnswer:
    """What a planner's tool found, with the names and positions to show it."""

    theme: Theme
    mode: str
    public: str
    threshold_min: float
    places: pd.DataFrame  # id, nom, commune, commune_nom, lon, lat (candidates, sites or stops named in the answer)
    placement: Placement | None = None
    closures: pd.DataFrame | None = None
    schedule: Schedule | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class _Loaded:
    theme: Theme
    mode: str
    public: str
    state: object
    tables: dict
    communes: pd.DataFrame  # code, nom, lon, lat (main point)
    sites: pd.DataFrame  # site_id, nom, commune, lon, lat, kind, itinerant_route
    snapped_sites: pd.DataFrame  # the live catalog's sites snapped on the mode's graph (before any removal)
    graph: object = None  # the mode's road graph
    leg: object = None  # the mode's access leg (snaps)


def _load(settings: Settings, theme_key: str, mode: str, public: str | None, say,
          remove_sites: Callable[[pd.DataFrame], Iterable[str]] | None = None,
          scenario_id: int | None = None) -> _Loaded:
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            territory = session.scalar(select(Territory))
            if territory is None or not territory.osm_path or not Path(territory.osm_path).exists():
                raise ComputeError("Aucun territoire chargé (ou fichier du réseau routier introuvable).")
            method = MethodSettings.from_json(territory.method)
            inputs = engine_inputs(session)
            try:
                access = current_settings(session)
            except StoredSettingsError as exc:
                raise ComputeError(str(exc)) from None
            communes = pd.DataFrame(session.execute(select(Commune.code, Commune.nom, Commune.point_lon,
                                                           Commune.point_lat)).all(),
                                    columns=["code", "nom", "lon", "lat"])
            sites = pd.DataFrame(session.execute(select(Site.id, Site.nom, Site.commune_code, Site.lon, Site.lat,
                                                        Site.kind, Site.itinerant_route)).all(),
                                 columns=["site_id", "nom", "commune", "lon", "lat", "kind", "itinerant_route"])
            if scenario_id is not None:  # the scenario's catalog (its sites opened, closed, moved...) instead
                from mapapp.catalog.models_scenarios import Scenario
                from mapapp.catalog.scenarios import ScenarioError, scenario_tables

                scenario = session.get(Scenario, scenario_id)
                if scenario is None:
                    raise ComputeError(f"Aucun scénario n° {scenario_id}.")
                try:
                    s_sites, s_offers = scenario_tables(session, scenario)
                except ScenarioError as exc:
                    raise ComputeError(str(exc)) from None
                inputs = EngineInputs(points=inputs.points, communes=inputs.communes,
                                      sites=s_sites[list(inputs.sites.columns)], offers=s_offers, grids=inputs.grids)
                added = s_sites[~s_sites["site_id"].isin(sites["site_id"])].rename(columns={"commune_code": "commune"})
                sites = pd.concat([sites, added.assign(itinerant_route=None)[list(sites.columns)]], ignore_index=True)
    finally:
        engine.dispose()
    themes = themes_for_catalog(list(access.themes), inputs.sites)
    theme = next((t for t in themes if t.key == theme_key), None)
    if theme is None:
        raise ComputeError(f"thème « {theme_key} » inconnu : " + ", ".join(t.key for t in themes))
    offers = inputs.offers
    public = public or "tous"
    if public != "tous":
        from mapapp.access.variants import Variant, variant_offers

        group = next((p for p in access.publics if p.key == public), None)
        if group is None:
            raise ComputeError(f"public « {public} » inconnu : " + ", ".join(p.key for p in access.publics))
        offers = variant_offers(offers, Variant(group), access.schedule)
    say(f"Réseau routier ({mode})")
    try:
        graphs = load_or_build(Path(territory.osm_path), [mode, "car"] if mode != "car" else ["car"],
                               settings.cache_dir, maxspeed_factor=method.maxspeed_factor)
    except NetworkError as exc:
        raise ComputeError(f"Réseau routier inutilisable : {exc}") from None
    squares = inputs.points
    has_squares = "square_wkb" in squares.columns and squares["square_wkb"].notna().any()
    buildings = _buildings(Path(territory.osm_path), settings.cache_dir) \
        if method.placement == "dasymetric" and has_squares else None
    points = origin_points(squares, graphs["car"], method, buildings)
    inputs = EngineInputs(points=points, communes=inputs.communes, sites=inputs.sites, offers=offers,
                          grids=inputs.grids)
    t = snapped_tables(graphs[mode], inputs, method.access_leg(mode))
    t_sites, t_offers = t["sites"], t["offers"]
    if remove_sites is not None:
        present = set(t_sites["site_id"])  # a scenario may have closed some already
        t_sites, t_offers = apply_scenario(t_sites, t_offers,
                                           remove_site_ids=[i for i in remove_sites(sites) if i in present])
    say(f"Situation actuelle : {theme.label}")
    state = whatif_state(graphs[mode], t["points"], t["communes"], t_sites, t_offers, [theme], t["grids"],
                         method=method.digest_spec())
    return _Loaded(theme, mode, public, state, {**t, "sites": t_sites, "offers": t_offers}, communes, sites,
                   t["sites"], graphs[mode], method.access_leg(mode))


def _site_places(loaded: _Loaded, ids) -> pd.DataFrame:
    names = loaded.communes.set_index("code")["nom"].to_dict()
    s = loaded.sites.set_index("site_id")
    rows = [{"id": i, "nom": s.at[i, "nom"], "commune": s.at[i, "commune"],
             "commune_nom": names.get(s.at[i, "commune"], s.at[i, "commune"]), "lon": s.at[i, "lon"],
             "lat": s.at[i, "lat"]} for i in ids if i in s.index]
    return pd.DataFrame(rows, columns=["id", "nom", "commune", "commune_nom", "lon", "lat"])


PLACE_COLUMNS = ["id", "nom", "commune", "commune_nom", "lon", "lat", "origine"]
PARTNER_KIND = "partner"


def default_candidates(loaded: _Loaded) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(candidates with snap columns, their places) by default: the territory's active partner sites
    (``kind`` partner, status active, in a commune of the territory), then each commune's main point
    (its town hall). A town hall at the very place of a partner site (same coordinates to ~1 m) is left
    out: the partner site names the premises. Places say which is which (``origine``)."""
    names = loaded.communes.set_index("code")["nom"].to_dict()
    s = loaded.snapped_sites
    partners = s[(s["kind"] == PARTNER_KIND) & (s["status"] == "active") & s["commune_code"].isin(names)]
    c = loaded.tables["communes"]
    town = commune_candidates(c).assign(lon=c["main_lon"].to_numpy(), lat=c["main_lat"].to_numpy())
    both = pd.concat([site_candidates(partners).assign(lon=partners["lon"].to_numpy(), lat=partners["lat"].to_numpy(),
                                                       nom=partners["nom"].to_numpy(),
                                                       commune=partners["commune_code"].to_numpy(),
                                                       origine="lieu partenaire"),
                      town.assign(nom=town["candidate_id"].map(lambda code: names.get(code, code)),
                                  commune=town["candidate_id"], origine="mairie")], ignore_index=True)
    both = both.drop_duplicates("candidate_id")
    both = both[~both[["lon", "lat"]].round(5).duplicated()].reset_index(drop=True)
    return both[["candidate_id", *SNAP_COLUMNS]], _places(both, names)


def _places(frame: pd.DataFrame, names: dict) -> pd.DataFrame:
    return pd.DataFrame({"id": frame["candidate_id"].to_numpy(), "nom": frame["nom"].to_numpy(),
                         "commune": frame["commune"].to_numpy(),
                         "commune_nom": frame["commune"].map(lambda code: names.get(code, code)).to_numpy(),
                         "lon": frame["lon"].to_numpy(), "lat": frame["lat"].to_numpy(),
                         "origine": frame["origine"].to_numpy()}, columns=PLACE_COLUMNS)


def planner_candidates(loaded: _Loaded, given) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(candidates, places) for the planner's checked list (:class:`mapapp.catalog.candidates.PlannerCandidate`),
    snapped as new sites on the mode's graph. Raises ComputeError naming the lines too far from any road."""
    frame = pd.DataFrame({"candidate_id": [c.candidate_id for c in given], "nom": [c.nom for c in given],
                          "commune": [c.commune for c in given], "lon": [c.lon for c in given],
                          "lat": [c.lat for c in given], "line": [c.line for c in given],
                          "origine": ["lieu" if c.site_id else "liste" for c in given]})
    snap = snap_points(loaded.graph, frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float),
                       direction="in", access_leg=loaded.leg)
    frame = attach_snap(frame, snap)
    far = frame[~frame["snapped"].astype(bool)]
    if len(far):
        raise ComputeError("Liste de candidats refusée, rien n'a été calculé :\n" + "\n".join(
            f"ligne {r.line} : « {r.nom} » est trop loin du réseau routier ({loaded.mode})."
            for r in far.itertuples(index=False)))
    return frame[["candidate_id", *SNAP_COLUMNS]], _places(frame, loaded.communes.set_index("code")["nom"].to_dict())


def best_place_report(settings: Settings, theme_key: str, mode: str = "car", k_max: int = 3, *,
                      threshold_min: float | None = None, public: str | None = None, scenario_id: int | None = None,
                      candidates=None, progress: Callable[[str], None] | None = None) -> PlannerAnswer:
    """The k best places for a new site of the theme (k = 1..k_max), among :func:`default_candidates`
    or the planner's ``candidates`` (checked :class:`~mapapp.catalog.candidates.PlannerCandidate` rows).

    With ``scenario_id``, on that scenario's catalog (the live one otherwise); so for the other tools.

    Raises:
        ComputeError: no territory, unknown theme or public, unusable road file, a candidate too far
            from the roads (French message).
    """
    say = progress or (lambda _m: None)
    loaded = _load(settings, theme_key, mode, public, say, scenario_id=scenario_id)
    cand, places = planner_candidates(loaded, candidates) if candidates else default_candidates(loaded)
    counts = places["origine"].value_counts().to_dict()
    say(f"Meilleurs emplacements parmi {len(cand)} candidats ("
        + ", ".join(f"{n} {origin}" for origin, n in sorted(counts.items())) + ")")
    placement = best_places(loaded.state, theme_key, k_max, threshold_min=threshold_min, candidates=cand)
    chosen = set(placement.choices["candidate_id"])
    return PlannerAnswer(loaded.theme, mode, loaded.public, placement.threshold_min,
                         places[places["id"].isin(chosen)].reset_index(drop=True), placement=placement,
                         extra={"candidates": len(cand), "origins": counts})


def closure_report(settings: Settings, theme_key: str, mode: str = "car", limit: int = 10, *,
                   public: str | None = None, scenario_id: int | None = None,
                   progress: Callable[[str], None] | None = None) -> PlannerAnswer:
    """The theme's ``limit`` sites whose closing alone leaves the fewest inhabitants beyond the main threshold."""
    say = progress or (lambda _m: None)
    loaded = _load(settings, theme_key, mode, public, say, scenario_id=scenario_id)
    losses = closure_losses(loaded.state.results, theme_key).head(limit)
    main = loaded.theme.thresholds_for(mode).main_min
    return PlannerAnswer(loaded.theme, mode, loaded.public, main, _site_places(loaded, losses["site_id"]),
                         closures=losses)


def itinerant_routes(sites: pd.DataFrame) -> list[str]:
    s = sites[(sites["kind"] == ITINERANT_KIND) & sites["itinerant_route"].notna()]
    return sorted(set(s["itinerant_route"]))


def schedule_report(settings: Settings, theme_key: str, route: str, half_days: int, mode: str = "car", *,
                    max_per_stop: int = 1, visits_needed: int = 1, threshold_min: float | None = None,
                    public: str | None = None, scenario_id: int | None = None,
                    progress: Callable[[str], None] | None = None) -> PlannerAnswer:
    """Which stops of the itinerant ``route`` to serve, how many half-days each (see :mod:`mapapp.access.itinerant`)."""
    say = progress or (lambda _m: None)

    def route_stops(sites: pd.DataFrame) -> list[str]:
        ids = list(sites.loc[(sites["kind"] == ITINERANT_KIND) & (sites["itinerant_route"] == route), "site_id"])
        if not ids:
            known = ", ".join(itinerant_routes(sites)) or "aucune"
            raise ComputeError(f"Aucun arrêt itinérant pour la tournée « {route} » (tournées connues : {known}).")
        return ids

    loaded = _load(settings, theme_key, mode, public, say, remove_sites=route_stops, scenario_id=scenario_id)
    stop_ids = route_stops(loaded.sites)
    snapped = loaded.snapped_sites
    live = site_candidates(snapped[snapped["site_id"].isin(stop_ids)])  # the stops still open
    if live.empty:
        raise ComputeError(f"La tournée « {route} » n'a plus d'arrêt ouvert dans ce catalogue.")
    say(f"Tournée « {route} » : {len(live)} arrêts, {half_days} demi-journée(s)")
    schedule = schedule_from_state(loaded.state, theme_key, live, half_days, threshold_min=threshold_min,
                                   max_per_stop=max_per_stop, visits_needed=visits_needed)
    return PlannerAnswer(loaded.theme, mode, loaded.public, schedule.threshold_min, _site_places(loaded, stop_ids),
                         schedule=schedule, extra={"route": route})


"""Compare a planner's scenario with the live situation (or another scenario): the engine on both catalogs,
gains and losses stored.

Steps, per travel mode with stored results (``mapapp compute`` first): read the
territory and the live catalog as :func:`mapapp.compute.run_compute` does (same
origins, same snaps, same method settings), build the scenario's sites and
offers (:func:`mapapp.catalog.scenarios.scenario_tables`, the catalog is only
read), compute the baseline with the stored results as ``previous`` (every
theme is copied when the results are up to date) and the scenario with the
baseline as ``previous``, so that only the themes whose destinations the
scenario changes are searched again — what
:func:`mapapp.access.scenario.run_scenario` does, here with tables already
changed. Then :func:`mapapp.access.scenario_compare.gains_and_losses`.

Cost: loading the graphs from the cache and snapping (the same as a compute
without its searches), plus one nearest-site search per changed theme and
mode; the baseline costs nothing when the stored results are up to date
(every theme is copied). Measured on the demo (3 modes, a scenario opening a
site and closing one: 9 themes × 3 modes searched again, the baseline all
copied): 2.7 s for the comparison, 4.3 s for ``mapapp scenario compare
--force`` with the start-up (4.3 s and 7.4 s on a loaded machine).

The comparison is stored under ``$MAPAPP_DATA_DIR/scenarios/<key>/`` (two
Parquet tables and ``meta.json``); the key is made of the scenario's id and
revision, its changes, every mode's results version and the catalog's change
mark: any change of one of them makes a new comparison, nothing else does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from mapapp.access.frames import attach_snap
from mapapp.access.run import compute_access
from mapapp.access.scenario_compare import compare_catalogs
from mapapp.access.settings import EVERYONE_KEY
from mapapp.access.themes import themes_for_catalog
from mapapp.access.variants import Variant, variant_offers
from mapapp.catalog.settings_store import StoredSettingsError, current_settings
from mapapp.catalog.db import make_engine, make_sessionmaker
from mapapp.catalog.frames import EngineInputs, engine_inputs
from mapapp.catalog.inputs_state import change_mark
from mapapp.catalog.models import Territory
from mapapp.catalog.models_scenarios import Scenario
from mapapp.catalog.scenarios import scenario_tables
from mapapp.compute import ComputeError, _buildings, origin_points, snapped_tables
from mapapp.config import Settings
from mapapp.method import MethodSettings
from mapapp.network import NetworkError, load_or_build, snap_points
from mapapp.results import ResultStore


@dataclass
class ScenarioComparison:
    communes: pd.DataFrame
    territories: pd.DataFrame
    meta: dict = field(default_factory=dict)  # computed_at, seconds, modes, recomputed themes per mode


def comparison_key(session, scenario: Scenario, store: ResultStore, other: Scenario | None = None,
                   all_publics: bool = False, public: str | None = None) -> str:
    """The key of the comparison of ``scenario`` with the live catalog, or with the scenario ``other``,
    for everyone, for every public (``all_publics``) or for one ``public`` of the settings."""
    payload = {"scenario": scenario.id, "revision": scenario.revision,
               "changes": [c.as_change() for c in scenario.changes],
               "results": {m: store.version(m) for m in store.modes()}, "catalog": repr(change_mark(session))}
    if other is not None:
        payload["other"] = {"scenario": other.id, "revision": other.revision,
                            "changes": [c.as_change() for c in other.changes]}
    if all_publics:
        payload["publics"] = True
    elif public and public != EVERYONE_KEY:
        payload["public"] = public
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


def for_public(comparison: ScenarioComparison, public: str | None) -> ScenarioComparison:
    """The rows of one public (``None``: everyone) of a comparison made for one or every public.

    The one reading of a comparison shared by the scenario page, its XLSX and GeoPackage
    exports, the JSON API and the CLI: they all show the same figures for the same public.
    """
    key = public or EVERYONE_KEY

    def rows(frame: pd.DataFrame) -> pd.DataFrame:
        if "public" not in frame.columns:
            return frame if key == EVERYONE_KEY else frame.iloc[0:0]
        return frame[frame["public"] == key].reset_index(drop=True)

    return ScenarioComparison(rows(comparison.communes), rows(comparison.territories),
                              {**comparison.meta, "public": key})


def _folder(settings: Settings, key: str) -> Path:
    return settings.data_dir / "scenarios" / key


def stored_comparison(settings: Settings, key: str) -> ScenarioComparison | None:
    folder = _folder(settings, key)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        return ScenarioComparison(pd.read_parquet(folder / "communes.parquet"),
                                  pd.read_parquet(folder / "territories.parquet"), meta)
    except (OSError, ValueError):
        return None


def _store(settings: Settings, key: str, result: ScenarioComparison) -> None:
    folder = _folder(settings, key)
    tmp = folder.with_name(f".{key}.{time.time_ns()}.tmp")
    tmp.mkdir(parents=True)
    result.communes.to_parquet(tmp / "communes.parquet", index=False)
    result.territories.to_parquet(tmp / "territories.parquet", index=False)
    (tmp / "meta.json").write_text(json.dumps(result.meta, ensure_ascii=False), encoding="utf-8")
    import shutil

    if folder.exists():  # recomputed (--force): the new copy replaces the old one
        trash = folder.with_name(f".{key}.{time.time_ns()}.old")
        try:
            folder.rename(trash)
        except OSError:
            pass
        shutil.rmtree(trash, ignore_errors=True)
    try:
        tmp.rename(folder)
    except OSError:  # another process stored the same comparison meanwhile: keep its copy
        shutil.rmtree(tmp, ignore_errors=True)


def _groups(access, all_publics: bool, public: str | None) -> tuple:
    """The publics to compare: all of them, the one asked, or everyone (the first of the settings)."""
    if all_publics:
        return tuple(access.publics)
    if not public or public == EVERYONE_KEY:
        return tuple(access.publics[:1])
    try:
        return (access.public(public),)
    except KeyError:
        raise ComputeError(f"Public inconnu : « {public} » (publics du territoire : "
                           + ", ".join(p.key for p in access.publics) + ").") from None


def compare_scenario(settings: Settings, scenario_id: int, *, progress: Callable[[str], None] | None = None,
                     reuse: bool = True, other_id: int | None = None, all_publics: bool = False,
                     public: str | None = None) -> ScenarioComparison:
    """The stored comparison of the scenario with the live catalog (or with the scenario ``other_id``: « before »
    is then that scenario, « after » this one), computed when missing.

    With ``all_publics``, for every public of the accessibility settings (their offers only, as the
    variants of ``mapapp compute``: :func:`mapapp.access.variants.variant_offers`), not only for
    everyone; with ``public`` (a key of the settings' publics), for that public only. The tables'
    ``public`` column says which (``tous``: everyone); :func:`for_public` reads one public's rows.

    Raises:
        ComputeError: no territory, no stored results, no road file (French message);
        mapapp.catalog.scenarios.ScenarioError: the scenario no longer applies to the catalog.
        ComputeError: ``public`` is not a public of the territory's settings.
    """
    say = progress or (lambda _m: None)
    start = time.perf_counter()
    store = ResultStore(settings.data_dir / "results")
    modes = store.modes()
    if not modes:
        raise ComputeError("Aucun résultat calculé : lancez d'abord « mapapp compute ».")
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            scenario = session.get(Scenario, scenario_id)
            if scenario is None:
                raise ComputeError(f"Aucun scénario n° {scenario_id}.")
            other = None
            if other_id is not None:
                other = session.get(Scenario, other_id)
                if other is None:
                    raise ComputeError(f"Aucun scénario n° {other_id}.")
                if other_id == scenario_id:
                    raise ComputeError("Choisissez deux scénarios différents.")
            key = comparison_key(session, scenario, store, other, all_publics, public)
            if reuse and (done := stored_comparison(settings, key)) is not None:
                return done
            territory = session.scalar(select(Territory))
            if territory is None or not territory.osm_path or not Path(territory.osm_path).exists():
                raise ComputeError("Territoire ou fichier du réseau routier introuvable : relancez « mapapp compute ».")
            method = MethodSettings.from_json(territory.method)
            inputs = engine_inputs(session)
            try:  # the themes of the territory's settings, as `mapapp compute` (so the baseline is reused)
                access = current_settings(session)
                themes = themes_for_catalog(list(access.themes), inputs.sites)
            except StoredSettingsError as exc:
                raise ComputeError(str(exc)) from None
            groups = _groups(access, all_publics, public)
            new_sites, new_offers = scenario_tables(session, scenario)
            base_tables = scenario_tables(session, other) if other is not None else None
    finally:
        engine.dispose()
    new_sites = new_sites[list(inputs.sites.columns)]
    say(f"Réseaux routiers ({', '.join(modes)})")
    try:
        graphs = load_or_build(Path(territory.osm_path), modes, settings.cache_dir,
                               maxspeed_factor=method.maxspeed_factor)
    except NetworkError as exc:
        raise ComputeError(f"Réseau routier inutilisable : {exc}") from None
    roads = graphs.get("car")
    squares = inputs.points
    has_squares = "square_wkb" in squares.columns and squares["square_wkb"].notna().any()
    buildings = _buildings(Path(territory.osm_path), settings.cache_dir) \
        if method.placement == "dasymetric" and has_squares and roads is not None else None
    points = origin_points(squares, roads, method, buildings)
    inputs = EngineInputs(points=points, communes=inputs.communes, sites=inputs.sites, offers=inputs.offers,
                          grids=inputs.grids)
    communes_out, territories_out, recomputed, baseline_recomputed = [], [], {}, {}
    for mode in modes:
        say(f"{mode} : situation actuelle et scénario")
        graph, leg = graphs[mode], method.access_leg(mode)
        t = snapped_tables(graph, inputs, leg)
        sites = attach_snap(new_sites, snap_points(graph, new_sites["lon"].to_numpy(), new_sites["lat"].to_numpy(),
                                                   direction="in", access_leg=leg))
        spec = method.digest_spec()
        b_sites = None
        if base_tables is not None:
            b_sites = base_tables[0][list(inputs.sites.columns)]
            b_sites = attach_snap(b_sites, snap_points(graph, b_sites["lon"].to_numpy(), b_sites["lat"].to_numpy(),
                                                       direction="in", access_leg=leg))
        for group in groups:
            def only(offers, group=group):
                return offers if group.publics is None else variant_offers(offers, Variant(group), access.schedule)

            stored_previous = (store if group.key == EVERYONE_KEY else store.variant(group.key)).read(mode)
            live = (t["sites"], only(t["offers"]))
            if b_sites is not None:  # « before » is the other scenario, computed from the live situation
                base = compute_access(graph, t["points"], t["communes"], *live, themes, t["grids"],
                                      previous=stored_previous, method=spec)
                before, after, c, terr = compare_catalogs(
                    graph, t["points"], t["communes"], (b_sites, only(base_tables[1])), (sites, only(new_offers)),
                    themes, t["grids"], previous=base, method=spec)
            else:
                before, after, c, terr = compare_catalogs(graph, t["points"], t["communes"], live,
                                                          (sites, only(new_offers)), themes, t["grids"],
                                                          previous=stored_previous, method=spec)
            if group is groups[0]:
                recomputed[mode] = [k for k in after.digests if k not in after.reused_themes]
                baseline_recomputed[mode] = [k for k in before.digests if k not in before.reused_themes]
            communes_out.append(c.assign(public=group.key))
            territories_out.append(terr.assign(public=group.key))
    result = ScenarioComparison(
        pd.concat(communes_out, ignore_index=True), pd.concat(territories_out, ignore_index=True),
        {"computed_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
         "seconds": round(time.perf_counter() - start, 2), "modes": modes, "recomputed_themes": recomputed,
         "baseline_recomputed_themes": baseline_recomputed,
         "scenario_id": scenario_id, "other_id": other_id, "key": key,
         "publics": [g.key for g in groups]})
    _store(settings, key, result)
    return result

"""« Meilleur lieu » on the stored territory: the k best new sites for a theme (issue 14 §3).

Reads the territory, the catalog and the accessibility settings as ``mapapp
compute`` does, reloads the cached road graph of the mode, runs the theme once
(:func:`mapapp.access.whatif.whatif_state`) and asks
:func:`mapapp.access.placement.best_places` for k = 1..K among the communes'
main points (town halls). Pure orchestration: the engine does the work.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from mapapp.access.placement import Placement, best_places
from mapapp.access.themes import themes_for_catalog
from mapapp.access.whatif import whatif_state
from mapapp.catalog.db import make_engine, make_sessionmaker
from mapapp.catalog.frames import EngineInputs, engine_inputs
from mapapp.catalog.models import Commune, Territory
from mapapp.catalog.settings_store import StoredSettingsError, current_settings
from mapapp.compute import ComputeError, _buildings, origin_points, snapped_tables
from mapapp.config import Settings
from mapapp.method import MethodSettings
from mapapp.network import NetworkError, load_or_build


def best_place_report(settings: Settings, theme_key: str, mode: str = "car", k_max: int = 3, *,
                      threshold_min: float | None = None,
                      progress: Callable[[str], None] | None = None) -> tuple[Placement, dict[str, str]]:
    """The placement and the commune names (code → nom) to print it.

    Raises:
        ComputeError: no territory, unknown theme, unusable road file (French message).
    """
    say = progress or (lambda _m: None)
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            territory = session.scalar(select(Territory))
            if territory is None or not territory.osm_path or not Path(territory.osm_path).exists():
                raise ComputeError("Aucun territoire chargé (ou fichier du réseau routier introuvable).")
            method = MethodSettings.from_json(territory.method)
            inputs = engine_inputs(session)
            try:
                themes = themes_for_catalog(list(current_settings(session).themes), inputs.sites)
            except StoredSettingsError as exc:
                raise ComputeError(str(exc)) from None
            names = dict(session.execute(select(Commune.code, Commune.nom)).all())
    finally:
        engine.dispose()
    theme = next((t for t in themes if t.key == theme_key), None)
    if theme is None:
        raise ComputeError(f"thème « {theme_key} » inconnu : " + ", ".join(t.key for t in themes))
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
    inputs = EngineInputs(points=points, communes=inputs.communes, sites=inputs.sites, offers=inputs.offers,
                          grids=inputs.grids)
    t = snapped_tables(graphs[mode], inputs, method.access_leg(mode))
    say(f"Situation actuelle : {theme.label}")
    state = whatif_state(graphs[mode], t["points"], t["communes"], t["sites"], t["offers"], [theme], t["grids"],
                         method=method.digest_spec())
    say(f"Meilleurs emplacements parmi {len(t['communes'])} communes")
    return best_places(state, theme_key, k_max, threshold_min=threshold_min), names

"""`mapapp compute`: the territory and catalog in the database, through the engine, to stored results.

Steps: read the tables (:mod:`mapapp.catalog.frames`), build or reload the
road graph of each mode (:func:`mapapp.network.load_or_build`, cached by the
OSM file's hash), snap origins (``out``) and sites (``in``), run
:func:`mapapp.access.run.compute_access_modes` with the previous results so
that themes whose inputs did not change are copied, not recomputed, and write
the results (:class:`mapapp.results.ResultStore`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from mapapp.access.frames import attach_snap
from mapapp.access.run import compute_access_modes
from mapapp.access.themes import Theme, default_themes
from mapapp.catalog.db import make_engine, make_sessionmaker, schema_problem
from mapapp.catalog.frames import EngineInputs, engine_inputs, offers_with_empty_zone
from mapapp.catalog.models import Territory
from mapapp.config import Settings
from mapapp.network import MODES, NetworkError, load_or_build, snap_points
from mapapp.results import ResultStore


class ComputeError(RuntimeError):
    """The inputs are not there (no territory, no road file...)."""


@dataclass
class ComputeReport:
    modes: dict[str, dict] = field(default_factory=dict)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"avertissement : {w}" for w in self.warnings]
        for mode, info in self.modes.items():
            lines.append(
                f"{mode}: réseau de {info['nodes']:,} nœuds et {info['edges']:,} arcs "
                f"({info['dropped_nodes']} nœud(s) hors de la plus grande composante fortement connexe, écartés) ; "
                f"{info['themes']} thèmes ({info['reused']} repris sans recalcul), "
                f"{info['points_unsnapped']} point(s) de population hors réseau, "
                f"{info['sites_unsnapped']} lieu(x) hors réseau, {info['seconds']:.1f} s"
            )
        lines.append(f"Total : {self.seconds:.1f} s")
        return "\n".join(lines)


def snapped_tables(graph, inputs: EngineInputs) -> dict[str, pd.DataFrame]:
    """The engine's tables for one mode: inputs with the snap columns of ``graph``."""
    points = attach_snap(inputs.points, snap_points(graph, inputs.points["lon"].to_numpy(),
                                                    inputs.points["lat"].to_numpy(), direction="out"))
    communes = attach_snap(inputs.communes, snap_points(graph, inputs.communes["main_lon"].to_numpy(),
                                                        inputs.communes["main_lat"].to_numpy(), direction="out"),
                           prefix="main_")
    sites = attach_snap(inputs.sites, snap_points(graph, inputs.sites["lon"].to_numpy(),
                                                  inputs.sites["lat"].to_numpy(), direction="in"))
    return {"points": points, "communes": communes, "sites": sites, "offers": inputs.offers,
            "grids": inputs.grids}


def run_compute(settings: Settings, *, modes: Sequence[str] = MODES, themes: list[Theme] | None = None,
                workers: int = 2, force: bool = False,
                progress: Callable[[str], None] | None = None) -> ComputeReport:
    """Compute and store accessibility for ``modes``; only what changed is recomputed.

    Args:
        workers: processes for the searches (the machine's cores by default in the CLI).
        force: ignore previous results (recompute every theme).
    """
    say = progress or (lambda _m: None)
    start = time.perf_counter()
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
            inputs = engine_inputs(session)
    finally:
        engine.dispose()
    if inputs.points.empty:
        raise ComputeError("Aucun point de population dans le territoire.")

    themes = themes or default_themes()
    say(f"Réseaux routiers ({', '.join(modes)}) depuis {territory.osm_path}")
    try:
        graphs = load_or_build(Path(territory.osm_path), list(modes), settings.cache_dir,
                               progress=True if progress else None)
    except NetworkError as exc:
        raise ComputeError(f"Réseau routier inutilisable : {exc}") from None
    say("Rattachement des points au réseau")
    tables = {mode: snapped_tables(graphs[mode], inputs) for mode in modes}
    store = ResultStore(settings.data_dir / "results")
    previous = {} if force else {m: r for m in modes if (r := store.read(m)) is not None}
    say(f"Calcul des temps d'accès : {len(themes)} thèmes × {len(modes)} modes")
    results = compute_access_modes(graphs, tables, themes, workers=workers, previous=previous)
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    theme_specs = [t.spec() for t in themes]
    report = ComputeReport()
    for offer_id, codes in offers_with_empty_zone(inputs.offers, inputs.communes):
        report.warnings.append(f"offre {offer_id} : sa zone d'éligibilité ({', '.join(codes)}) ne contient aucune "
                               "commune du territoire, elle ne compte pour personne (code EPCI sans découpage "
                               "« epci » importé ? code erroné ?)")
    if inputs.offers.empty or inputs.sites.empty:
        report.warnings.append("le catalogue n'a encore aucune offre publiée rattachée à un lieu : chaque commune est "
                               "non desservie (zone blanche) pour chaque thème. Importez les lieux et les offres "
                               "(`mapapp import FICHIER`) puis relancez `mapapp compute`.")
    for mode, res in results.items():
        store.write(res, computed_at=now, graph_meta=graphs[mode].meta, themes=theme_specs)
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
    report.seconds = time.perf_counter() - start
    return report

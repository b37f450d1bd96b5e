"""Validate mapapp's access method against an independent osmnx + scipy computation (issue 10 §3).

Not a test: a script that prints a table. On Corse-du-Sud from ../shared/realdata
(its 1 km INSEE squares, roads.osm.pbf / roads.osm.bz2, the national France
Services list filtered by mapapp's import to 2A and its buffer) it computes, in
the same run and at the same speeds, the share of inhabitants beyond 10 / 20 /
30 minutes by car from the nearest France Services:

- **mapapp**, through its CLI, with the territory's method settings at their
  defaults except ``--maxspeed-factor 1.0`` (the file's ``maxspeed`` already is
  a driven speed): population placed on the populated roads of each square
  (dasymetric), car access leg ``none``;
- **mapapp, old method** (for context): squares at their centre, the access
  leg walked at 4.5 km/h (mapapp before issue 10);
- **reference**: ``osmnx.graph_from_xml(roads.osm.bz2)``, travel time =
  length / ``maxspeed``, largest strongly connected component; each square's
  centre tied to its nearest road node (scipy cKDTree on projected
  coordinates), each France Services site to its nearest node, one
  multi-source Dijkstra (``scipy.sparse.csgraph.dijkstra``, ``min_only``) on
  the reversed graph: the convention of INSEE's and the Observatoire des
  territoires' OSRM-based indicators.

It then compares, per commune, the population-weighted mean time (median and
largest absolute differences). Targets: shares within ±2 points at each
threshold, per-commune median absolute difference ≤ 1 min.

Usage::

    .venv/bin/python scripts/validate_method.py [--realdata ../shared/realdata] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

THRESHOLDS_MIN = (10.0, 20.0, 30.0)
THEME = "france_services"


def run_cli(env: dict, *args) -> str:
    from click.testing import CliRunner

    from mapapp.cli import main

    result = CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"mapapp {' '.join(map(str, args))} a échoué :\n{result.output}")
    return result.output


def mapapp_points(env: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(points, communes) of the France Services theme by car, from the stored results."""
    from mapapp.config import load_settings
    from mapapp.results import ResultStore

    store = ResultStore(load_settings(env).data_dir / "results")
    points = store.table("car", "points")
    communes = store.table("car", "communes")
    return points[points.theme == THEME], communes[communes.theme == THEME]


def shares(time_min: np.ndarray, population: np.ndarray) -> dict[float, float]:
    return {t: float((population * (time_min > t)).sum() / population.sum()) for t in THRESHOLDS_MIN}


def reference(realdata: Path, squares: pd.DataFrame, sites: pd.DataFrame) -> np.ndarray:
    """Minutes from each square's centre to the nearest site (osmnx graph, scipy routing)."""
    import networkx as nx
    import osmnx as ox
    import scipy.sparse as sp
    from pyproj import Transformer
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    graph = ox.graph_from_xml(realdata / "corse-du-sud" / "roads.osm.bz2", simplify=True, retain_all=True)
    graph = graph.subgraph(max(nx.strongly_connected_components(graph), key=len)).copy()
    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    rows, cols, weights = [], [], []
    for u, v, data in graph.edges(data=True):
        maxspeed = data.get("maxspeed")
        if isinstance(maxspeed, list):  # osmnx merges the tags of simplified edges
            maxspeed = min(float(m) for m in maxspeed)
        rows.append(index[u])
        cols.append(index[v])
        weights.append(float(data["length"]) / (float(maxspeed) / 3.6))
    n = len(nodes)
    coo = sp.coo_matrix((weights, (rows, cols)), shape=(n, n))
    # parallel edges: keep the fastest (a csr sum would add them)
    frame = pd.DataFrame({"r": coo.row, "c": coo.col, "w": coo.data}).groupby(["r", "c"], as_index=False).w.min()
    forward = sp.csr_matrix((frame.w, (frame.r, frame.c)), shape=(n, n))

    to_m = Transformer.from_crs(4326, 2154, always_xy=True)
    nx_, ny_ = to_m.transform([graph.nodes[v]["x"] for v in nodes], [graph.nodes[v]["y"] for v in nodes])
    tree = cKDTree(np.column_stack([nx_, ny_]))
    sx, sy = to_m.transform(sites.lon.to_numpy(), sites.lat.to_numpy())
    site_nodes = np.unique(tree.query(np.column_stack([sx, sy]))[1])
    qx, qy = to_m.transform(squares.centre_lon.to_numpy(), squares.centre_lat.to_numpy())
    square_nodes = tree.query(np.column_stack([qx, qy]))[1]
    # node -> nearest site = from the sites on the reversed graph
    dist_s = dijkstra(forward.T.tocsr(), directed=True, indices=site_nodes, min_only=True)
    return dist_s[square_nodes] / 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--realdata", type=Path, default=Path(os.environ.get("MAPAPP_REALDATA") or
                                                               ROOT.parent / "shared" / "realdata"))
    parser.add_argument("--keep", type=Path, default=None, help="data folder to keep (default: a temporary one)")
    args = parser.parse_args()
    realdata = args.realdata.resolve()
    corse = realdata / "corse-du-sud"
    if not corse.is_dir():
        raise SystemExit(f"données réelles absentes : {corse}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="validate-method-"))
    env = {"MAPAPP_DATA_DIR": str(work / "var"), "MAPAPP_SECRET_KEY": "validate"}
    start = time.perf_counter()
    run_cli(env, "db", "upgrade")
    run_cli(env, "territory", "import", "--name", "Corse-du-Sud", "--departement", "2A",
            "--communes", corse / "communes.geojson", "--commune-table", corse / "communes.csv",
            "--osm", corse / "roads.osm.pbf", "--population-grid", corse / "population-carreaux-1km-2015.gpkg")
    run_cli(env, "import", realdata / "france-services" / "france-services-20240801.csv", "--format", "france-services",
            "--date", "2024-08-01")

    run_cli(env, "territory", "method", "--reset", "--placement", "centre", "--access-leg", "car=walk",
            "--maxspeed-factor", "1.0")
    run_cli(env, "compute", "--mode", "car", "--workers", "1")
    old_points, old_communes = mapapp_points(env)
    run_cli(env, "territory", "method", "--reset", "--maxspeed-factor", "1.0")
    t0 = time.perf_counter()
    run_cli(env, "compute", "--mode", "car", "--workers", "1")
    compute_s = time.perf_counter() - t0
    points, communes = mapapp_points(env)

    # the squares, with their centres and communes, as mapapp imported them (centre = the polygon's centroid)
    import shapely
    from sqlalchemy import select

    from mapapp.catalog.db import make_engine, make_sessionmaker
    from mapapp.catalog.frames import catalog_tables, engine_inputs
    from mapapp.catalog.models import Commune
    from mapapp.config import load_settings

    engine = make_engine(load_settings(env).database_url)
    with make_sessionmaker(engine)() as session:
        inputs = engine_inputs(session)
        sites, offers = catalog_tables(session)
        names = dict(session.execute(select(Commune.code, Commune.nom)).all())
    engine.dispose()
    squares = inputs.points.copy()
    centres = shapely.centroid(shapely.from_wkb(squares.square_wkb.to_numpy()))
    squares["centre_lon"], squares["centre_lat"] = shapely.get_x(centres), shapely.get_y(centres)
    fs_sites = sites[sites.site_id.isin(set(offers.loc[offers.reseaux_porteurs.map(
        lambda r: "france-service" in (r or [])), "site_id"]))]
    t0 = time.perf_counter()
    ref_min = reference(realdata, squares, fs_sites)
    reference_s = time.perf_counter() - t0

    pop = squares.population.to_numpy(dtype=float)
    ours = shares(points.time_min.to_numpy(), points.population.to_numpy())
    old = shares(old_points.time_min.to_numpy(), old_points.population.to_numpy())
    ref = shares(ref_min, pop)
    print(f"\nCorse-du-Sud, voiture → France Services ({len(fs_sites)} lieux), "
          f"{pop.sum():,.0f} habitants dans {len(squares)} carreaux de 1 km ; {len(points)} points mapapp\n")
    print("| au-delà de | mapapp (dasymétrique, accès none) | référence osmnx + scipy (centre → nœud) | écart "
          "| mapapp ancienne méthode (centre, marche) |")
    print("|---|---|---|---|---|")
    for t in THRESHOLDS_MIN:
        print(f"| {t:g} min | {ours[t]:.1%} | {ref[t]:.1%} | {100 * (ours[t] - ref[t]):+.1f} pt | {old[t]:.1%} |")

    ref_frame = pd.DataFrame({"commune": squares.commune, "w": pop, "wt": pop * np.where(np.isfinite(ref_min),
                                                                                         ref_min, np.nan)})
    ref_mean = ref_frame.groupby("commune").apply(lambda g: np.nansum(g.wt) / g.w[np.isfinite(g.wt)].sum(),
                                                  include_groups=False)
    ours_mean = communes.set_index("commune").mean_time_min
    both = pd.DataFrame({"mapapp": ours_mean, "reference": ref_mean}).dropna()
    diff = (both.mapapp - both.reference)
    print(f"\nPar commune ({len(both)} communes habitées) : écart du temps moyen pondéré, médiane des écarts "
          f"absolus {diff.abs().median():.2f} min ; moyenne {diff.mean():+.2f} min ; "
          f"90e centile {diff.abs().quantile(0.9):.2f} min ; max {diff.abs().max():.2f} min")
    print("\nPlus grands écarts :")
    for code, d in diff.reindex(diff.abs().sort_values(ascending=False).index)[:8].items():
        print(f"  {code} {names.get(code, '?'):<28} mapapp {both.mapapp[code]:5.1f} min, "
              f"référence {both.reference[code]:5.1f} min ({d:+.1f})")
    ok_shares = all(abs(ours[t] - ref[t]) <= 0.02 for t in THRESHOLDS_MIN)
    ok_communes = diff.abs().median() <= 1.0
    print(f"\nCibles : parts à ±2 pt {'atteinte' if ok_shares else 'MANQUÉE'} ; médiane communale ≤ 1 min "
          f"{'atteinte' if ok_communes else 'MANQUÉE'}.")
    print(f"Temps : mapapp compute (voiture) {compute_s:.1f} s, référence {reference_s:.1f} s, "
          f"total {time.perf_counter() - start:.1f} s ; données dans {work}")


if __name__ == "__main__":
    main()

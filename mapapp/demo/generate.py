"""Write the fictional demo département (« Val-d'Arlenc », code 96) as files.

    generate_demo(out_dir)              # territory, grids, population, roads, catalog, GTFS timetables
    generate_roads(path, 1_000_000)     # a bigger road network alone, for benchmarks

The same seed always gives byte-identical files. File formats are described in
``geodata/README.md``.

``progress`` may be ``None`` (a tqdm bar on stderr), ``False`` (silent) or a
callable ``progress(message: str)``, like the rest of mapapp (e.g. the CLI's).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import names
from .capacities import add_capacities
from .catalog import build_catalog
from .geography import Geography, build_geography, rng_for, to_wgs84
from .grids import GRID_SPECS, build_grids, population_points
from .history import build_history
from .needs import DEMO_NEEDS, need_rows
from .addresses import write_addresses
from .osm import write_osm
from .roads import build_roads
from .transit import FILES as TRANSIT_FILES
from .transit import write_transit

FILES = ("territory.json", "communes.geojson", "grids.csv", "population.csv", "roads.osm", "catalog.json", "historique.json",
         *TRANSIT_FILES, *(need[2] for need in DEMO_NEEDS), "adresses-96.csv")
DEFAULT_SEED = 96
#: the exponent of node count vs. road detail, measured on the demo (n ~ detail ** 0.7)
_DETAIL_EXPONENT = 0.7

DESCRIPTION = (
    "Le Val-d'Arlenc est un département fictif, inventé pour la démonstration de mapapp : "
    "ses communes, sa population, ses routes, ses structures et ses offres d'insertion "
    "n'existent pas. Toute ressemblance avec des lieux, des organismes ou des personnes "
    "réels serait fortuite. Le code 96 n'est attribué à aucun département réel. "
    "Le territoire est placé de façon imaginaire dans le Massif central ; un anneau de "
    "communes voisines, elles aussi fictives, l'entoure pour que les routes et quelques "
    "lieux d'accueil débordent de la frontière."
)


class _Progress:
    """Progress as the rest of mapapp reports it: ``progress(message)``, or a tqdm bar."""

    def __init__(self, progress, total: int, desc: str, unit: str = " étapes"):
        self._cb: Callable[[str], None] | None = None
        self._bar = None
        self.desc, self.total, self.done = desc, total, 0
        if callable(progress):
            self._cb = progress
        elif progress is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=desc, file=sys.stderr, unit=unit, leave=False, unit_scale=True)

    def step(self, label: str, amount: int = 1) -> None:
        self.done += amount
        if self._cb:
            self._cb(f"{self.desc} : {label} ({self.done}/{self.total})")
        if self._bar is not None:
            self._bar.set_postfix_str(label)
            self._bar.update(amount)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _r6(values) -> list[float]:
    return [round(float(v), 6) for v in values]


def _ring_coords(ring) -> list[list[float]]:
    xy = np.asarray(ring.coords)
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
    out: list[list[float]] = []
    for p in zip(_r6(lon), _r6(lat)):
        if not out or list(p) != out[-1]:
            out.append(list(p))
    return out


def _geometry(poly) -> dict:
    polys = list(getattr(poly, "geoms", [poly]))
    rings = [[_ring_coords(p.exterior)] + [_ring_coords(r) for r in p.interiors] for p in polys]
    if len(rings) == 1:
        return {"type": "Polygon", "coordinates": rings[0]}
    return {"type": "MultiPolygon", "coordinates": rings}


def write_communes(geo: Geography, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write('{"type": "FeatureCollection", "features": [\n')
        feats = []
        for c in sorted(geo.communes, key=lambda c: c.code):
            props = {
                "code": c.code,
                "nom": c.nom,
                "population": int(c.population),
                "departement": "96",
                "is_buffer": bool(c.is_buffer),
            }
            feats.append(
                json.dumps(
                    {"type": "Feature", "properties": props, "geometry": _geometry(c.polygon)}, ensure_ascii=False
                )
            )
        f.write(",\n".join(feats))
        f.write("\n]}\n")


def _write_csv(path: Path, header: list[str], rows, delimiter: str = ",") -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n", delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)


def write_json(path: Path, obj) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


def _detail_for(geo: Geography, target_nodes: int) -> float:
    n1 = build_roads(geo, 1.0)[0].n
    if target_nodes <= n1:
        return 1.0
    return float((target_nodes / n1) ** (1 / _DETAIL_EXPONENT)) * 1.02


def _roads(geo: Geography, target_nodes: int | None):
    if not target_nodes:
        return build_roads(geo, 1.0)
    detail = _detail_for(geo, target_nodes)
    net, info = build_roads(geo, detail)
    if net.n < target_nodes:  # the power law is approximate: one corrective step
        detail *= (target_nodes / net.n) ** (1 / _DETAIL_EXPONENT) * 1.02
        net, info = build_roads(geo, detail)
    return net, info


def generate_roads(out_path: Path, target_nodes: int = 300_000, seed: int = DEFAULT_SEED, progress=None) -> dict:
    """Write only ``roads.osm`` for the demo territory, with at least ``target_nodes``
    nodes (more detail: denser street grids, more streets, more shape nodes).

    The communes, seats and hamlets are those of :func:`generate_demo` with the same
    seed, so the file can stand in for the demo's own ``roads.osm``.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    geo = build_geography(seed)
    net, info = _roads(geo, target_nodes)
    bar = _Progress(progress, net.n + len(net.ways), "roads.osm", unit=" éléments")
    write_osm(net, out_path, to_wgs84, progress=lambda k: bar.step("roads.osm", k))
    bar.close()
    return {k: v for k, v in info.items() if not isinstance(v, list)}


def generate_demo(out_dir: Path, seed: int = DEFAULT_SEED, progress=None, road_nodes: int | None = None) -> dict:
    """Generate the demo territory into ``out_dir`` (created if missing).

    Args:
        out_dir: target folder; the files of :data:`FILES` are (over)written.
        seed: random seed; the same seed gives byte-identical files.
        progress: ``None`` (tqdm on stderr), ``False`` (silent) or a callable
            ``progress(message)``, called once per step (« démo : roads (4/9) »).
        road_nodes: if given, make the road network at least this big
            (see :func:`generate_roads`); by default ~50,000 nodes.

    Returns:
        A summary of what was written (counts per layer).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    bar = _Progress(progress, 9, "démo")
    geo = build_geography(seed)
    bar.step("communes")
    write_communes(geo, out / "communes.geojson")
    grid_rows = build_grids(geo, rng_for(seed, 4))
    _write_csv(
        out / "grids.csv",
        ["grid", "code", "nom", "commune"],
        ([r["grid"], r["code"], r["nom"], r["commune"]] for r in grid_rows),
    )
    bar.step("grids")
    pts = population_points(geo.communes, rng_for(seed, 5))
    lon, lat = to_wgs84([p[0] for p in pts], [p[1] for p in pts])
    rows = sorted(zip(_r6(lon), _r6(lat), (p[2] for p in pts), (p[3] for p in pts)), key=lambda r: (r[3], r[0], r[1]))
    _write_csv(out / "population.csv", ["lon", "lat", "population", "commune"], rows)
    bar.step("population")
    net, road_info = _roads(geo, road_nodes)
    bar.step("roads")
    write_osm(net, out / "roads.osm", to_wgs84)
    bar.step("roads.osm")
    n_addresses = write_addresses(geo, net, out / "adresses-96.csv")
    bar.step("adresses")
    catalog = build_catalog(geo, grid_rows, seed)
    add_capacities(catalog, {c.code: c.kind for c in geo.communes}, seed)
    write_json(out / "catalog.json", catalog)
    write_json(out / "historique.json", build_history(catalog, seed))
    for _key, _label, filename, _year, (low, high), rng_key in DEMO_NEEDS:
        _write_csv(out / filename, ["commune", "effectif"], need_rows(geo, seed, low, high, rng_key), delimiter=";")
    bar.step("catalog")
    transit = write_transit(geo, out)
    bar.step("gtfs")
    territory = {
        "name": names.DEPARTEMENT_NAME,
        "departement": "96",
        "fictional": True,
        "description": DESCRIPTION,
        "seed": seed,
        "sources": {
            "communes": "communes.geojson — communes fictives (cellules de Voronoï), mapapp.demo",
            "grids": "grids.csv — EPCI, cantons, bassins de vie et territoires d'action sociale fictifs",
            "population": "population.csv — population fictive carroyée (carreaux de 200 m et 1 km)",
            "roads": "roads.osm — réseau routier fictif au format OpenStreetMap XML",
            "adresses": "adresses-96.csv — adresses fictives des rues de la démo, au format de la Base Adresse "
            "Nationale",
            "catalog": "catalog.json — structures, lieux, offres et solutions de mobilité fictives "
            "(vocabulaire data·inclusion v1), avec des capacités fictives (agents des France Services, places "
            "des ateliers)",
            "historique": "historique.json — une année fictive d'ouvertures, de fermetures et de modifications "
            "du catalogue (historique des modifications)",
            "gtfs": "cars-arlenc.gtfs.zip, bus-arlenc.gtfs.zip — horaires fictifs de cars et de bus urbains (GTFS)",
        },
    }
    write_json(out / "territory.json", territory)
    bar.step("territory")
    bar.close()
    inner = geo.inner
    return {
        "out_dir": str(out),
        "seed": seed,
        "communes": len(inner),
        "buffer_communes": len(geo.buffer),
        "population": int(sum(c.population for c in inner)),
        "population_points": len(rows),
        "grids": {g: len({r["code"] for r in grid_rows if r["grid"] == g}) for g in GRID_SPECS},
        "osm_nodes": net.n,
        "osm_ways": len(net.ways),
        "addresses": n_addresses,
        "remote_communes": road_info["remote_communes"],
        "island_commune": road_info["island_commune"],
        **{k: len(v) for k, v in catalog.items()},
        **transit,
        "thematique_categories": len({t.split("--")[0] for o in catalog["offers"] for t in o["thematiques"]}),
    }

"""The 2SFCA score of the stored territory: capacities against needs, on the road graph (issue 16 §3).

Glue between the database, the stored results and the pure engine
(:func:`mapapp.access.needs.two_step_fca`): the stored results keep only the two
nearest sites of each point, while the 2SFCA needs every (point, site) pair
within the catchment, so this routes again — one bounded Dijkstra per site with a
capacity, on the graph cached by ``mapapp compute`` (the same points, snapping
and access legs as the stored results).

A site's capacity is its ``capacite``, else the sum of the known ``capacite`` of
the theme's offers there; sites with neither are left out (unknown is not zero)
and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.access.needs import catchment_pairs, distribute_needs, two_step_fca
from mapapp.access.themes import Theme, select_destinations
from mapapp.catalog.frames import catalog_tables
from mapapp.catalog.models import Offer, Site, Territory
from mapapp.catalog.needs_store import read_need_counts
from mapapp.results import ResultStore


class FcaError(ValueError):
    """The score cannot be computed; the message is in French."""


@dataclass
class FcaResult:
    label: str
    year: int
    theme_label: str
    mode: str
    threshold_min: float
    communes: pd.DataFrame  # commune, need, score, score_per_100
    sites: pd.DataFrame     # site_id, capacite, need_in_catchment, ratio
    n_sites_without_capacity: int


def site_capacities(session: Session, destinations: pd.DataFrame) -> pd.DataFrame:
    """``site_id, capacite`` of the destination sites (NaN when unknown)."""
    site_cap = dict(session.execute(select(Site.id, Site.capacite)).all())
    offer_cap = dict(session.execute(select(Offer.id, Offer.capacite)).all())
    rows = []
    for site_id, group in destinations.groupby("site_id", sort=True):
        value = site_cap.get(site_id)
        if value is None:
            known = [offer_cap[o] for o in group["offer_id"].unique() if offer_cap.get(o) is not None]
            value = sum(known) if known else None
        rows.append((site_id, float("nan") if value is None else float(value)))
    return pd.DataFrame(rows, columns=["site_id", "capacite"])


def run_fca(session: Session, store: ResultStore, cache_dir: Path, *, indicator: str, theme: str, mode: str,
            threshold_min: float | None = None) -> FcaResult:
    from mapapp.method import MethodSettings
    from mapapp.network.cache import load_or_build
    from mapapp.network.snap import snap_points

    manifest = store.manifest(mode)
    if manifest is None:
        raise FcaError(f"pas de résultats pour le mode « {mode} » : lancez « mapapp compute »")
    spec = next((t for t in manifest.themes if t["key"] == theme), None)
    if spec is None:
        raise FcaError(f"thème « {theme} » inconnu des résultats : " + ", ".join(t["key"] for t in manifest.themes))
    found = read_need_counts(session, indicator)
    if found is None:
        raise FcaError(f"indicateur de besoin « {indicator} » non importé (« mapapp territory besoins »)")
    series, counts = found
    if series.zone_kind != "commune":
        raise FcaError("le score 2SFCA demande des effectifs par commune")
    threshold = float(threshold_min if threshold_min is not None else spec["thresholds"][mode]["main_min"])
    theme_obj = Theme(spec["key"], spec["label"], thematiques=spec.get("thematiques"), publics=spec.get("publics"),
                      networks=spec.get("networks"), site_kinds=spec.get("site_kinds"))
    sites, offers = catalog_tables(session)
    destinations = select_destinations(offers, sites, theme_obj)
    capacity = site_capacities(session, destinations)
    known = capacity[capacity["capacite"].notna()]
    if known.empty:
        raise FcaError(f"aucun lieu du thème « {spec['label']} » n'a de capacité (champ capacite des lieux ou des "
                       "offres)")
    territory = session.scalar(select(Territory))
    method = MethodSettings.from_json(territory.method)
    graph = load_or_build(Path(territory.osm_path), mode, cache_dir, maxspeed_factor=method.maxspeed_factor)
    points = store.table(mode, "points")
    points = points[points["theme"] == theme][["point_id", "commune", "population", "lon", "lat"]]
    points = points.reset_index(drop=True)
    where = sites.set_index("site_id").loc[known["site_id"], ["lon", "lat"]]
    point_snap = snap_points(graph, points["lon"].to_numpy(), points["lat"].to_numpy(), direction="out",
                             access_leg=method.access_leg(mode))
    site_snap = snap_points(graph, where["lon"].to_numpy(), where["lat"].to_numpy(), direction="in",
                            access_leg=method.access_leg(mode))
    pairs = catchment_pairs(graph, point_snap, site_snap, threshold)
    pairs = pd.DataFrame({"point_id": points["point_id"].to_numpy()[pairs["point"].to_numpy()],
                          "site_id": known["site_id"].to_numpy()[pairs["site"].to_numpy()],
                          "time_min": pairs["time_min"].to_numpy()})
    demand = distribute_needs(points, counts)[["point_id", "commune", "need"]]
    communes, site_rows = two_step_fca(pairs, demand, known, threshold)
    return FcaResult(label=series.label, year=series.year, theme_label=spec["label"], mode=mode,
                     threshold_min=threshold, communes=communes, sites=site_rows,
                     n_sites_without_capacity=int(capacity["capacite"].isna().sum()))


#: Folder of the stored scores under the results root (``fca/<indicator>--<theme>--<mode>.parquet``).
FCA_DIR = "fca"


def _fca_path(root: Path, indicator: str, theme: str, mode: str) -> Path:
    return Path(root) / FCA_DIR / f"{indicator}--{theme}--{mode}"


def store_fca(root: Path, result: FcaResult, indicator: str, theme: str) -> Path:
    """Keep a score for the pages (``/observatoire/besoins``, which never route): its communes and a summary."""
    import json

    path = _fca_path(root, indicator, theme, result.mode)
    path.parent.mkdir(parents=True, exist_ok=True)
    result.communes.to_parquet(path.with_suffix(".parquet"), index=False)
    meta = {"label": result.label, "year": result.year, "theme_label": result.theme_label, "mode": result.mode,
            "threshold_min": result.threshold_min, "n_sites_without_capacity": result.n_sites_without_capacity}
    path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return path.with_suffix(".parquet")


def read_fca(root: Path, indicator: str, theme: str, mode: str) -> tuple[dict, pd.DataFrame] | None:
    """The stored score of ``indicator``, ``theme`` and ``mode`` (its summary and communes), or None."""
    import json

    path = _fca_path(root, indicator, theme, mode)
    if not path.with_suffix(".parquet").exists() or not path.with_suffix(".json").exists():
        return None
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8")), pd.read_parquet(
        path.with_suffix(".parquet"))

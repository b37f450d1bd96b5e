"""Prepared inputs of one run: validated arrays, snaps renumbered, digests, theme plans.

Internal to :mod:`mapapp.access.run`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mapapp.access.dijkstra import RoutingGraph
from mapapp.access.eligibility import EligibilityGroups
from mapapp.access.frames import SNAP_COLUMNS, has_snap, require_columns, snap_from_frame
from mapapp.access.indicators import Territory, unit_matrix
from mapapp.access.themes import Theme
from mapapp.network.graph import Snap

#: Part of every digest: bump when results would change for the same inputs.
ENGINE_VERSION = "access-1"


@dataclass(frozen=True, eq=False)
class Origins:
    """Population points or main points: snap (nodes = positions in ``needed``), group lookup."""

    snap: Snap
    commune: np.ndarray  # commune index per origin

    def __len__(self) -> int:
        return len(self.snap)


@dataclass(frozen=True, eq=False)
class Inputs:
    """Validated inputs of one mode; ``needed`` are the graph nodes the origins snap to (sorted)."""

    terr: Territory
    points: Origins
    mains: Origins  # zero rows without main points
    site_snap: Snap
    needed: np.ndarray
    base_digest: str


def _localise(snap: Snap, needed: np.ndarray) -> Snap:
    def pos(node):
        return np.where(node >= 0, np.searchsorted(needed, np.maximum(node, 0)), -1)
    return Snap(pos(snap.node_a), snap.time_a_s, pos(snap.node_b), snap.time_b_s, snap.access_m, snap.snapped)


def _hash_frame(h, frame: pd.DataFrame, cols: Sequence[str]) -> None:
    """Hash the columns' values: numbers and booleans by their bytes, the rest as text.

    (Turning every number into text first was most of the input hashing of a compute, issue 15.)
    """
    cols = [c for c in cols if c in frame.columns]
    h.update(repr(cols).encode())
    if not len(frame):
        return
    for c in cols:
        col = frame[c]
        if isinstance(col.dtype, np.dtype) and col.dtype.kind in "biuf":
            h.update(col.dtype.str.encode() + np.ascontiguousarray(col.to_numpy()).tobytes())
        else:
            h.update(b"s" + pd.util.hash_pandas_object(col.astype(str), index=False).to_numpy().tobytes())


def prepare_inputs(rg: RoutingGraph, points, communes, sites, grids, method: str = "") -> Inputs:
    """Check the tables (:mod:`mapapp.access.frames`), turn them into arrays and hash them (``method`` too)."""
    require_columns(points, "points", ("commune", "population", *SNAP_COLUMNS))
    require_columns(communes, "communes", ("commune",))
    require_columns(sites, "sites", ("site_id", *SNAP_COLUMNS))
    codes = communes["commune"].astype(str).to_numpy(dtype=object)
    if pd.Index(codes).has_duplicates:
        raise ValueError("communes: duplicated commune codes")
    ci = pd.Index(codes).get_indexer(points["commune"].astype(str))
    if (ci < 0).any():
        raise ValueError(f"points: communes not in the communes table: "
                         f"{sorted(set(points['commune'].astype(str)[ci < 0]))[:10]}")
    pop = pd.to_numeric(points["population"]).to_numpy(dtype=np.float64)
    if not np.all(pop >= 0):
        raise ValueError("points: population must be >= 0 (no missing value)")
    site_id = sites["site_id"].to_numpy(dtype=object)
    if pd.Index(site_id).has_duplicates:
        raise ValueError("sites: duplicated site_id")
    point_snap = snap_from_frame(points)
    main_snap = snap_from_frame(communes, "main_") if has_snap(communes, "main_") else None
    site_snap = snap_from_frame(sites)
    origin = [point_snap] + ([main_snap] if main_snap is not None else [])
    for sn in origin + [site_snap]:
        if max(sn.node_a.max(initial=-1), sn.node_b.max(initial=-1)) >= rg.n_nodes:
            raise ValueError("snap nodes beyond the graph: were they snapped on another graph?")
    needed = np.unique(np.concatenate([n[n >= 0] for sn in origin for n in (sn.node_a, sn.node_b)]))
    if grids is None:
        grids = pd.DataFrame({"grid": [], "code": [], "commune": []})
    require_columns(grids, "grids", ("grid", "code", "commune"))
    g = grids[["grid", "code", "commune"]].astype(str).drop_duplicates()
    g = g.assign(commune_index=pd.Index(codes).get_indexer(g["commune"]))
    g = g[g.commune_index >= 0]  # communes of a grid unit outside the table carry no point
    cpop = pd.to_numeric(communes["population"]).to_numpy(dtype=float) if "population" in communes.columns \
        else np.full(len(codes), np.nan)
    point_id = points["point_id"].to_numpy() if "point_id" in points.columns else np.arange(len(points))
    terr = Territory(point_id=point_id, point_commune=ci.astype(np.int64), population=pop,
                     point_snapped=point_snap.snapped.copy(), commune=codes, commune_population=cpop,
                     has_main_point=main_snap is not None, site_id=site_id,
                     site_snapped=site_snap.snapped.copy(), **dict(zip(("units", "unit_matrix"),
                                                                       unit_matrix(g, len(codes)))))
    h = hashlib.sha256(ENGINE_VERSION.encode())
    h.update(rg.fingerprint().encode())
    if method:  # no bytes without settings: digests of callers that pass none are unchanged
        h.update(b"method:" + method.encode())
    _hash_frame(h, points, ("point_id", "commune", "population", *SNAP_COLUMNS))
    _hash_frame(h, communes, ("commune", "population", *("main_" + c for c in SNAP_COLUMNS)))
    _hash_frame(h, g, ("grid", "code", "commune"))
    if main_snap is None:
        main_snap = Snap(*(np.zeros(0, dt) for dt in (np.int64, float, np.int64, float, float, bool)))
    mains = Origins(_localise(main_snap, needed), np.arange(len(main_snap), dtype=np.int64))
    return Inputs(terr, Origins(_localise(point_snap, needed), ci.astype(np.int64)), mains, site_snap,
                   needed, h.hexdigest())


def theme_digest(inp: Inputs, mode: str, theme: Theme, groups: EligibilityGroups) -> str:
    """Hex digest of everything one theme's results depend on (graph, tables, theme, eligible sites)."""
    h = hashlib.sha256(inp.base_digest.encode())
    h.update(mode.encode())
    h.update(theme.spec_json().encode())
    sn = inp.site_snap
    for rows in groups.sites:
        order = np.argsort(inp.terr.site_id[rows].astype(str))
        h.update(repr([str(x) for x in inp.terr.site_id[rows][order]]).encode())
        for arr in (sn.node_a, sn.time_a_s, sn.node_b, sn.time_b_s, sn.snapped):
            h.update(np.ascontiguousarray(arr[rows][order]).tobytes())
    h.update(groups.group_of_commune.tobytes())
    return h.hexdigest()


@dataclass
class ThemePlan:
    """One theme of one run: main threshold (s), selected offers, eligibility groups, digest."""

    theme: Theme
    main_s: float
    dest: pd.DataFrame
    groups: EligibilityGroups
    digest: str
    u_rows: np.ndarray = None  # snapped unrestricted sites
    member: np.ndarray = None  # bool (n_groups, n_sites)



"""The input tables of the access engine and how a Snap rides along in them.

A :class:`~mapapp.network.graph.Snap` is stored as plain columns of the table
it locates, so that filtering, concatenating (scenarios: add a site) and
hashing stay ordinary pandas operations:

=================  =======  ==================================================
column             dtype    meaning (see :class:`mapapp.network.graph.Snap`)
=================  =======  ==================================================
``node_a``         int64    first graph node, -1 if none
``time_a_s``       float64  seconds between the point and ``node_a`` (inf if none)
``node_b``         int64    second graph node, -1 if none
``time_b_s``       float64  seconds between the point and ``node_b`` (inf if none)
``snapped``        bool     False when no suitable road was close enough
=================  =======  ==================================================

Origins (population points, town halls) use snaps made with
``direction="out"``; destinations (sites) with ``direction="in"``.

Tables (one travel mode; the snap columns belong to that mode's graph):

- **points**: ``commune`` (str, INSEE code), ``population`` (float >= 0,
  inhabitants) + snap columns; optional ``point_id`` (default: the row number).
- **communes**: ``commune`` (str), optional ``population`` (the official
  figure, reported beside the sum of the points), optional ``epci`` (SIREN)
  and ``departement`` (for eligibility zones), optional main point (town hall)
  as snap columns prefixed ``main_`` (``main_node_a`` ...).
- **sites**: ``site_id`` (unique) + snap columns; optional ``kind``
  (``siege``, ``antenne``, ``permanence``, ``itinerant_stop``... used by
  :attr:`Theme.site_kinds`) and ``status`` (same values as offers; absent
  means active).
- **offers**: see :mod:`mapapp.access.themes`.
- **grids**: long table ``grid``, ``code``, ``commune``: commune ``commune``
  belongs to unit ``code`` of grid ``grid`` (EPCI, canton, bassin de vie,
  territoire d'action sociale...).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mapapp.network.graph import Snap

SNAP_COLUMNS = ("node_a", "time_a_s", "node_b", "time_b_s", "snapped")


def attach_snap(frame: pd.DataFrame, snap: Snap, prefix: str = "") -> pd.DataFrame:
    """A copy of ``frame`` with the snap stored as columns (``prefix`` + name)."""
    if len(snap) != len(frame):
        raise ValueError(f"snap has {len(snap)} rows, frame {len(frame)}")
    out = frame.copy()
    out[prefix + "node_a"] = np.asarray(snap.node_a, dtype=np.int64)
    out[prefix + "time_a_s"] = np.asarray(snap.time_a_s, dtype=np.float64)
    out[prefix + "node_b"] = np.asarray(snap.node_b, dtype=np.int64)
    out[prefix + "time_b_s"] = np.asarray(snap.time_b_s, dtype=np.float64)
    out[prefix + "snapped"] = np.asarray(snap.snapped, dtype=bool)
    return out


def has_snap(frame: pd.DataFrame, prefix: str = "") -> bool:
    return all(prefix + c in frame.columns for c in SNAP_COLUMNS)


def snap_from_frame(frame: pd.DataFrame, prefix: str = "") -> Snap:
    """The Snap stored in ``frame``'s columns. Missing values count as "not snapped"."""
    missing = [prefix + c for c in SNAP_COLUMNS if prefix + c not in frame.columns]
    if missing:
        raise ValueError(f"missing snap columns: {missing}")

    def nodes(col):
        return pd.to_numeric(frame[prefix + col]).fillna(-1).to_numpy(dtype=np.int64)

    def times(col):
        return pd.to_numeric(frame[prefix + col]).fillna(np.inf).to_numpy(dtype=np.float64)

    node_a, node_b = nodes("node_a"), nodes("node_b")
    snapped = frame[prefix + "snapped"].fillna(False).to_numpy(dtype=bool)
    return Snap(node_a=node_a, time_a_s=np.where(node_a >= 0, times("time_a_s"), np.inf),
                node_b=node_b, time_b_s=np.where(node_b >= 0, times("time_b_s"), np.inf),
                access_m=np.full(len(frame), np.nan), snapped=snapped)


def require_columns(frame: pd.DataFrame, name: str, columns) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing columns {missing}")

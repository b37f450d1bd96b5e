"""Opening hours per week reachable within a theme's threshold, without double counting (issue 11 §3).

For every origin, the hours a week when **at least one** eligible site of the
theme within its main threshold is open: the union, not the sum, of their
opening. Each site's opening over the reference window is a packed bitmask
(:class:`HoursMasks`, built by :mod:`mapapp.catalog.hour_slots` and passed in:
the engine reads no catalog); an origin's reachable hours are the popcount of
the OR of the masks of its sites within the threshold. The sites within the
threshold are the engine's own ``pairs_within`` (step A's bounded searches,
:func:`mapapp.access.steps.theme_times`): no new search.

Rules:

- a site's mask for a theme is the OR of its theme offers' masks (the offer's
  own hours, else the site's: ``opening_hours`` on the offers table);
- an offer without known hours adds **no** hour (unknown, not « always
  open »); pages count such sites apart;
- an origin with no site within the threshold has 0 h.

Commune columns (:func:`commune_columns`): ``weekly_hours_reachable`` (mean
over the commune's inhabitants), ``min_weekly_hours`` (the theme's H) and
``share_below_min_hours`` (share of inhabitants with fewer than H reachable
hours; NaN when H is 0). Points get ``weekly_hours_reachable``; territory
units ``weekly_hours_reachable`` and ``share_below_min_hours``.

Cost: one pass over the pairs (sorted by origin) with 42 word-ORs per pair,
and a popcount per origin (numba), per theme.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

#: Commune columns added by :func:`add_columns` (NaN in results computed before them).
REACH_HOURS_COLUMNS = ("weekly_hours_reachable", "min_weekly_hours", "share_below_min_hours")
#: Column of the offers table holding the expression whose mask counts (offer's hours, else site's).
HOURS_COLUMN = "opening_hours"


@dataclass(frozen=True, eq=False)
class HoursMasks:
    """Packed opening masks of distinct expressions.

    Attributes:
        index: expression -> row of ``masks``.
        masks: ``(n, words)`` uint64, one bit per slot of the reference window.
        hours_per_bit: hours per week one slot stands for.
        default_min_hours: the settings' global H (a theme's own ``min_weekly_hours`` wins).
    """

    index: dict
    masks: np.ndarray
    hours_per_bit: float
    default_min_hours: float = 0.0

    def min_hours(self, theme) -> float:
        own = getattr(theme, "min_weekly_hours", None)
        return float(self.default_min_hours if own is None else own)

    def digest(self, site_masks: np.ndarray, theme) -> str:
        """What a theme's hours depend on: its sites' masks (:meth:`site_masks`) and its H.

        From the masks, not the offer rows: a public's variant that drops an offer at a site
        whose other offers keep the same hours has the same digest, and its theme is copied.
        """
        h = hashlib.sha256(f"reach-hours-1:{self.hours_per_bit}:{self.min_hours(theme)}".encode())
        h.update(np.ascontiguousarray(site_masks).tobytes())
        return h.hexdigest()[:16]

    def site_masks(self, dest: pd.DataFrame, site_id: np.ndarray) -> np.ndarray:
        """``(n_sites, words)``: per site row, the OR of the masks of ``dest``'s offers there."""
        out = np.zeros((len(site_id), self.masks.shape[1]), dtype=np.uint64)
        if HOURS_COLUMN not in dest.columns or not len(dest):
            return out
        rows = pd.Index(site_id).get_indexer(dest["site_id"])
        mrow = np.fromiter((self.index.get(e, -1) if isinstance(e, str) else -1 for e in dest[HOURS_COLUMN]),
                           np.int64, len(dest))
        ok = (rows >= 0) & (mrow >= 0)
        _or_rows(out, rows[ok].astype(np.int64), self.masks, mrow[ok])
        return out


@njit(cache=True, nogil=True)
def _or_rows(out, rows, masks, mrows):
    for i in range(rows.size):
        r, m = rows[i], mrows[i]
        for w in range(masks.shape[1]):
            out[r, w] |= masks[m, w]


@njit(cache=True, nogil=True)
def _popcount(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@njit(cache=True, nogil=True)
def _union_bits(n_origins, origin, site, site_masks):
    """Open slots of the union of ``site_masks[site]`` per origin; ``origin`` sorted ascending."""
    out = np.zeros(n_origins, dtype=np.int64)
    words = site_masks.shape[1]
    acc = np.zeros(words, dtype=np.uint64)
    i, n = 0, origin.size
    while i < n:
        o = origin[i]
        for w in range(words):
            acc[w] = np.uint64(0)
        while i < n and origin[i] == o:
            s = site[i]
            for w in range(words):
                acc[w] |= site_masks[s, w]
            i += 1
        total = 0
        for w in range(words):
            total += _popcount(acc[w])
        out[o] = total
    return out


def reachable_hours(n_origins: int, origin: np.ndarray, site: np.ndarray, site_masks: np.ndarray,
                    hours_per_bit: float) -> np.ndarray:
    """Hours per week at each origin when at least one of its ``(origin, site)`` pairs' sites is open."""
    origin = np.asarray(origin, dtype=np.int64)
    site = np.asarray(site, dtype=np.int64)
    if origin.size and np.any(origin[1:] < origin[:-1]):
        order = np.argsort(origin, kind="stable")
        origin, site = origin[order], site[order]
    if not site_masks.shape[1] or not origin.size:
        return np.zeros(n_origins)
    return _union_bits(n_origins, origin, site, site_masks).astype(float) * hours_per_bit


def add_columns(tables: dict, terr, tt, site_masks: np.ndarray, hours: HoursMasks, theme) -> None:
    """Add the reachable-hours columns to one theme's column dicts (:func:`mapapp.access.indicators.theme_tables`);
    ``site_masks``: :meth:`HoursMasks.site_masks` of the theme's destinations."""
    pp, ps = tt.pairs_within
    per_point = reachable_hours(len(terr.population), pp, ps, site_masks, hours.hours_per_bit)
    h = hours.min_hours(theme)
    w, ci, nc = terr.population, terr.point_commune, len(terr.commune)
    below = (per_point < h - 1e-9) if h > 0 else np.zeros(len(w), bool)
    sums = np.stack([np.bincount(ci, weights=w, minlength=nc), np.bincount(ci, weights=w * per_point, minlength=nc),
                     np.bincount(ci, weights=w * below, minlength=nc)], axis=1)
    tables["points"]["weekly_hours_reachable"] = per_point
    for name, agg in (("communes", sums), ("territories", terr.unit_matrix @ sums)):
        pop, hsum, bsum = agg.T
        with np.errstate(invalid="ignore", divide="ignore"):
            tables[name]["weekly_hours_reachable"] = np.where(pop > 0, hsum / np.where(pop > 0, pop, 1), np.nan)
            tables[name]["share_below_min_hours"] = np.where((pop > 0) & (h > 0), bsum / np.where(pop > 0, pop, 1),
                                                             np.nan)
        tables[name]["min_weekly_hours"] = np.full(len(pop), h)

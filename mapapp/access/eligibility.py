"""Eligibility zones: which communes may use which sites.

An offer may carry a ``zone_eligibilite`` (data·inclusion v1): a list of INSEE
codes, each one of

- a commune code, 5 characters (``47001``, ``2A004``);
- an EPCI SIREN, 9 digits (``200068930``);
- a département code, 2 or 3 characters (``47``, ``2A``, ``971``);
- ``france`` or the country code ``99100``: everywhere; another ``99xxx``
  country code: no commune of the territory.

A missing (``None``) or empty zone means no restriction. Unknown codes (an
EPCI with no commune in the table...) add no commune.

A commune only counts the sites of offers whose zone includes it. The engine
groups communes by their set of eligible sites and runs one search per
distinct set: usually one (no zones), rarely more than a handful.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

EVERYWHERE = frozenset({"france", "99100"})


def departement_of(commune: str) -> str:
    """The département code of an INSEE commune code (``97x`` overseas, ``2A``/``2B`` Corsica)."""
    return commune[:3] if commune.startswith("97") else commune[:2]


class ZoneIndex:
    """Expands eligibility codes to sets of communes of one territory.

    Args:
        communes: table with ``commune`` and optional ``epci`` (SIREN) and
            ``departement`` columns (derived from the commune code when absent).
    """

    def __init__(self, communes: pd.DataFrame):
        codes = communes["commune"].astype(str).tolist()
        self.communes = frozenset(codes)
        deps = communes["departement"].astype(str).tolist() if "departement" in communes.columns \
            else [departement_of(c) for c in codes]
        self._by_dep: dict[str, set[str]] = {}
        for c, d in zip(codes, deps):
            self._by_dep.setdefault(d, set()).add(c)
        self._by_epci: dict[str, set[str]] = {}
        if "epci" in communes.columns:
            for c, e in zip(codes, communes["epci"]):
                if isinstance(e, str) and e:
                    self._by_epci.setdefault(e, set()).add(c)
        self._cache: dict[tuple[str, ...], frozenset[str] | None] = {}

    def expand(self, codes) -> frozenset[str] | None:
        """The communes of the zone; ``None`` means every commune (no restriction)."""
        if codes is None or (not isinstance(codes, (list, tuple, set, frozenset, np.ndarray))
                             and pd.isna(codes)):
            return None
        key = tuple(sorted({str(c).strip() for c in ([codes] if isinstance(codes, str) else codes)}))
        if not key:
            return None
        if key not in self._cache:
            self._cache[key] = self._expand(key)
        return self._cache[key]

    def _expand(self, codes: tuple[str, ...]) -> frozenset[str] | None:
        if any(c.lower() in EVERYWHERE for c in codes):
            return None
        out: set[str] = set()
        for c in codes:
            if len(c) == 9 and c.isdigit():
                out |= self._by_epci.get(c, set())
            elif len(c) in (2, 3):
                out |= self._by_dep.get(c.upper(), set())
            elif len(c) == 5 and not c.startswith("99"):
                if c in self.communes:
                    out.add(c)
        return frozenset(out)


@dataclass(frozen=True, eq=False)
class EligibilityGroups:
    """Communes grouped by the set of sites they may use, for one theme.

    Attributes:
        group_of_commune: int32 (n_communes,), the group of each commune (in
            the order of the ``communes`` argument).
        sites: one int64 array per group: row numbers (in the sites table) of
            the eligible sites, sorted.
        everywhere: int64 array, sorted: the sites every commune may use (an
            offer of the theme there has no zone).
    """

    group_of_commune: np.ndarray
    sites: list[np.ndarray]
    everywhere: np.ndarray

    def membership(self, n_sites: int) -> np.ndarray:
        """bool (n_groups, n_sites): ``True`` where the group may use the site."""
        out = np.zeros((len(self.sites), n_sites), dtype=bool)
        for g, s in enumerate(self.sites):
            out[g, s] = True
        return out


def eligibility_groups(destinations: pd.DataFrame, site_ids: Sequence, communes: Sequence[str],
                       zones: ZoneIndex) -> EligibilityGroups:
    """Group communes by their eligible destination sites.

    Args:
        destinations: ``site_id`` and ``zone_eligibilite`` per selected offer
            (the output of :func:`mapapp.access.themes.select_destinations`).
        site_ids: the sites table's ``site_id`` column, giving row numbers.
        communes: commune codes, in the order results are wanted.
        zones: the territory's :class:`ZoneIndex`.

    Returns:
        :class:`EligibilityGroups`; with no destination, one group with no site.
    """
    row_of = {s: i for i, s in enumerate(site_ids)}
    everywhere: set[int] = set()
    extra: dict[str, set[int]] = {}
    for site, zone in zip(destinations["site_id"], destinations["zone_eligibilite"]):
        row = row_of[site]
        communes_ok = zones.expand(zone)
        if communes_ok is None:
            everywhere.add(row)
        else:
            for c in communes_ok:
                extra.setdefault(c, set()).add(row)
    key_of: dict[frozenset[int], int] = {}
    group = np.empty(len(communes), dtype=np.int32)
    for i, c in enumerate(communes):
        key = frozenset(everywhere | extra.get(c, set()))
        group[i] = key_of.setdefault(key, len(key_of))
    sites = [np.array(sorted(k), dtype=np.int64) for k in key_of]
    if not sites:
        sites = [np.zeros(0, dtype=np.int64)]
    return EligibilityGroups(group, sites, np.array(sorted(everywhere), dtype=np.int64))

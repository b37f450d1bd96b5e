"""Two dated snapshots compared (issue 16 §2): what changed in the catalog and in access between them.

- **Catalog** (:func:`catalog_changes`): sites and offers *opened* (open at the
  second date, absent or not open at the first), *closed* (open at the first,
  absent or not open at the second) and *changed* (open at both, some field
  other than the maintenance dates differs). « Open » is the engine's rule
  (:data:`mapapp.access.themes.OPEN_STATUSES`), a site's status judged on each
  date (:meth:`mapapp.catalog.models.Site.status_on`, temporary closures).
- **Inhabitants** (:func:`population_changes`): per variant (public, schedule
  rule), mode, theme and territory unit (``grid, code``; the whole territory is
  ``all``), the inhabitants within the theme's main threshold at each date and
  the difference (gained if positive, lost if negative).
- **Zones blanches** (:func:`zone_changes`): communes that became a zone
  blanche (appeared) or stopped being one (resolved), per variant, mode and theme.

Every function reads plain tables or catalog dicts, so comparisons are tested on
hand-made catalogs and results; :func:`compare` applies them to two snapshots.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

import pandas as pd

from mapapp.access.themes import OPEN_STATUSES
from mapapp.catalog.models import Site
from mapapp.results import ResultStore

#: Fields that change without the offer changing (upkeep of the record).
UPKEEP_FIELDS = frozenset({"date_maj", "date_verification"})
CHANGE_LABELS = {"ouvert": "ouvert", "ferme": "fermé", "modifie": "modifié"}
SECTION_LABELS = {"sites": "lieu", "offers": "offre"}


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else value


def record_open(section: str, record: dict | None, day: dt.date) -> bool:
    """Whether a site or offer record is open on ``day`` (a site's temporary closure judged on that day)."""
    if record is None:
        return False
    status = record.get("status")
    if section == "sites":
        status = Site.status_on(SimpleNamespace(status=status, closed_from=_date(record.get("closed_from")),
                                                closed_until=_date(record.get("closed_until"))), day)
    return status in OPEN_STATUSES


def catalog_changes(before: dict, after: dict, day_before: dt.date, day_after: dt.date) -> pd.DataFrame:
    """``section, change, id, nom, commune, fields`` for every site and offer opened, closed or changed."""
    rows = []
    for section in ("sites", "offers"):
        old = {r["id"]: r for r in before.get(section, [])}
        new = {r["id"]: r for r in after.get(section, [])}
        for record_id in sorted(set(old) | set(new)):
            a, b = old.get(record_id), new.get(record_id)
            was, now = record_open(section, a, day_before), record_open(section, b, day_after)
            shown = b or a
            if now and not was:
                change, fields = "ouvert", []
            elif was and not now:
                change, fields = "ferme", []
            elif was and now:
                fields = sorted(k for k in set(a) | set(b) if k not in UPKEEP_FIELDS and _norm(k, a.get(k)) != _norm(
                    k, b.get(k)))
                if not fields:
                    continue
                change = "modifie"
            else:
                continue
            rows.append((section, change, record_id, shown.get("nom", ""), shown.get("commune_code") or "",
                         fields))
    return pd.DataFrame(rows, columns=["section", "change", "id", "nom", "commune", "fields"])


def _norm(name: str, value):
    return sorted(value) if name == "site_ids" and isinstance(value, list) else value


def _within(territories: pd.DataFrame) -> pd.DataFrame:
    frame = territories[["theme", "grid", "code", "population_points", "population_beyond_main"]]
    return frame.assign(within=frame["population_points"] - frame["population_beyond_main"]).drop(
        columns=["population_beyond_main"])


def population_changes(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Inhabitants within the main threshold at each date, from two ``territories`` tables of one mode.

    Columns ``theme, grid, code, within_before, within_after, gained`` (``gained`` < 0: inhabitants lost).
    A theme or unit present at one date only counts 0 at the other.
    """
    merged = _within(before).merge(_within(after), on=["theme", "grid", "code"], how="outer",
                                   suffixes=("_before", "_after"))
    merged = merged.fillna({"within_before": 0.0, "within_after": 0.0})
    merged["gained"] = merged["within_after"] - merged["within_before"]
    return merged[["theme", "grid", "code", "within_before", "within_after", "gained"]].sort_values(
        ["theme", "grid", "code"]).reset_index(drop=True)


def _blanches(communes: pd.DataFrame) -> set[tuple[str, str]]:
    return {(t, c) for t, c, z in communes[["theme", "commune", "zone_blanche"]].itertuples(index=False)
            if z is True or (not pd.isna(z) and bool(z))}


def zone_changes(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """``theme, commune, change`` (``apparue`` or ``resorbee``) from two ``communes`` tables of one mode."""
    old, new = _blanches(before), _blanches(after)
    rows = [(t, c, "apparue") for t, c in sorted(new - old)] + [(t, c, "resorbee") for t, c in sorted(old - new)]
    return pd.DataFrame(rows, columns=["theme", "commune", "change"])


@dataclass
class Comparison:
    """Two snapshots compared; the tables of :func:`catalog_changes`, :func:`population_changes` and
    :func:`zone_changes`, the last two with ``variant`` and ``mode`` columns."""

    day_before: dt.date
    day_after: dt.date
    catalog: pd.DataFrame
    population: pd.DataFrame
    zones: pd.DataFrame
    themes: dict[str, str]  # key -> label

    def count(self, section: str, change: str) -> int:
        return int(((self.catalog["section"] == section) & (self.catalog["change"] == change)).sum())


def _stores(store: ResultStore) -> dict[str, ResultStore]:
    return {"tous": store, **{k: store.variant(k) for k in store.variant_keys()}}


def compare_stores(before: ResultStore, after: ResultStore) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Population and zone blanche changes for every variant and mode both stores have."""
    pops, zones, themes = [], [], {}
    a_stores, b_stores = _stores(before), _stores(after)
    for key in [k for k in b_stores if k in a_stores]:
        a, b = a_stores[key], b_stores[key]
        for mode in [m for m in b.modes() if m in a.modes()]:
            for spec in b.manifest(mode).themes + a.manifest(mode).themes:
                themes.setdefault(spec["key"], spec.get("label", spec["key"]))
            pops.append(population_changes(a.table(mode, "territories"), b.table(mode, "territories")).assign(
                variant=key, mode=mode))
            zones.append(zone_changes(a.table(mode, "communes"), b.table(mode, "communes")).assign(
                variant=key, mode=mode))
    population = pd.concat(pops, ignore_index=True) if pops else pd.DataFrame(
        columns=["theme", "grid", "code", "within_before", "within_after", "gained", "variant", "mode"])
    zone_table = pd.concat(zones, ignore_index=True) if zones else pd.DataFrame(
        columns=["theme", "commune", "change", "variant", "mode"])
    return population, zone_table, themes


def compare(before, after) -> Comparison:
    """Compare two :class:`mapapp.snapshots.Snapshot` (the earlier one first)."""
    if before.day > after.day:
        before, after = after, before
    population, zones, themes = compare_stores(before.store, after.store)
    return Comparison(before.day, after.day, catalog_changes(before.catalog(), after.catalog(), before.day,
                                                             after.day), population, zones, themes)

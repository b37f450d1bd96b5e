"""Result variants: the same themes computed for one public, with or without the schedule rule.

A *variant* is a filter on the offers table applied before the engine runs
(:func:`variant_offers`), so the engine, its digests and its reuse stay as they
are: a variant's theme whose eligible sites are those of everyone's run has
the same digest and is copied, not recomputed.

- **Public** (:class:`~mapapp.access.settings.PublicGroup`): an offer counts
  for the group when it is for everyone (no publics, or ``tous-publics``) or
  when its publics meet the group's. An offer reserved to young people does not
  count for « bénéficiaires des minima sociaux ».
- **Schedule rule** (:class:`~mapapp.access.settings.ScheduleRule`): an
  offer row (one offer at one site) counts only if it is open at least
  ``min_weekly_hours`` hours a week (the offer's own hours, else its site's:
  the ``weekly_hours`` column, :mod:`mapapp.catalog.weekly_hours`). Rows
  without known hours follow ``unknown_hours``: ``count`` keeps them (a siège
  whose hours nobody entered is not a monthly permanence) and the pages say how
  many there are; ``exclude`` drops them.

The variant ``tous`` without the rule is the headline result (the figures
computed before variants existed); its key is ``tous``.

- **Half-day** (opt-in, ``demi_journees`` in the settings): « tous publics,
  lieux ouverts le mardi matin », key ``tous@mardi-matin``. An offer row counts
  when its hours (the offer's, else its site's) open at some moment of that
  weekday's morning (before noon) or afternoon in at least one week of the
  reference window (:func:`mapapp.catalog.hour_slots.half_days_open`, which uses
  :func:`mapapp.catalog.weekly_hours.open_on`): a permanence « le 2e mardi du
  mois » counts for « le mardi matin ». Rows without known hours follow
  ``unknown_hours`` as under the schedule rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mapapp.access.settings import EVERYONE_KEY, AccessSettings, PublicGroup, ScheduleRule, half_day_label
from mapapp.access.themes import EVERYONE, _as_set

#: Suffix of the key of a variant computed under the schedule rule.
SCHEDULE_SUFFIX = "+horaires"


#: Separator of a half-day variant's key: ``tous@mardi-matin``.
HALF_DAY_SEPARATOR = "@"
#: Column of the offers table: the weekday half-days the offer is open in the reference window
#: (a frozenset of :data:`~mapapp.access.settings.HALF_DAY_KEYS`; None when its hours are unknown).
HALF_DAYS_COLUMN = "half_days_open"


@dataclass(frozen=True)
class Variant:
    """One public, with or without the schedule rule, or on one weekday half-day."""

    public: PublicGroup
    schedule: bool = False
    half_day: str | None = None

    @property
    def key(self) -> str:
        if self.half_day:
            return self.public.key + HALF_DAY_SEPARATOR + self.half_day
        return self.public.key + (SCHEDULE_SUFFIX if self.schedule else "")

    @property
    def is_headline(self) -> bool:
        return self.public.key == EVERYONE_KEY and not self.schedule and not self.half_day

    def label_fr(self, rule: ScheduleRule) -> str:
        text = self.public.label
        if self.schedule:
            text += f", lieux ouverts au moins {hours_fr(rule.min_weekly_hours)} par semaine"
        if self.half_day:
            text += f", lieux ouverts {half_day_label(self.half_day)}"
        return text

    def spec(self, rule: ScheduleRule, themes=()) -> dict:
        """What the manifest records; under the rule, ``theme_hours`` gives the H each theme used."""
        out = {"key": self.key, "public": self.public.spec(),
               "schedule": rule.spec() if self.schedule else None}
        if self.half_day:
            out["half_day"] = self.half_day
        if self.schedule and themes:
            out["theme_hours"] = {t.key: rule.hours_for(t) for t in themes}
        return out


def hours_fr(hours: float) -> str:
    """``3.0`` → « 3 h », ``1.5`` → « 1,5 h »."""
    return f"{float(hours):g}".replace(".", ",") + "\u00a0h"


def variants(settings: AccessSettings) -> list[Variant]:
    """Every variant the settings ask for: each public, then each public under the schedule rule
    (when ``min_weekly_hours`` > 0, globally or for a theme). The headline (everyone, every site) is first."""
    out = [Variant(p) for p in settings.publics]
    if settings.schedule.min_weekly_hours > 0 or any(t.min_weekly_hours for t in settings.themes):
        out += [Variant(p, True) for p in settings.publics]
    out += [Variant(settings.publics[0], half_day=h) for h in settings.schedule.half_days]  # opt-in
    return out


def parse_variant(settings: AccessSettings, key: str) -> Variant:
    """The variant of ``key`` (``jeunes``, ``tous+horaires``); KeyError when the settings have no such variant."""
    for v in variants(settings):
        if v.key == key:
            return v
    raise KeyError(key)


def open_to(publics, group: PublicGroup) -> bool:
    """Whether an offer with ``publics`` is open to ``group``."""
    if group.publics is None:
        return True
    s = _as_set(publics)
    return not s or EVERYONE in s or bool(s & group.publics)


def variant_offers(offers: pd.DataFrame, variant: Variant, rule: ScheduleRule) -> pd.DataFrame:
    """The offer rows that count for ``variant`` (same columns; ``weekly_hours`` needed under the rule)."""
    keep = np.fromiter((open_to(p, variant.public) for p in offers["publics"]), bool, len(offers))
    if variant.half_day:
        if HALF_DAYS_COLUMN not in offers.columns:
            raise ValueError(f"offers: a half-day variant needs a {HALF_DAYS_COLUMN} column")
        unknown = rule.unknown_hours == "count"
        keep &= np.fromiter((unknown if h is None or (isinstance(h, float) and math.isnan(h))
                             else variant.half_day in h for h in offers[HALF_DAYS_COLUMN]), bool, len(offers))
    if variant.schedule:
        if "weekly_hours" not in offers.columns:
            raise ValueError("offers: the schedule rule needs a weekly_hours column")
        hours = offers["weekly_hours"].to_numpy(dtype=float)
        known = ~np.isnan(hours)
        keep &= np.where(known, hours >= rule.min_weekly_hours - 1e-9, rule.unknown_hours == "count")
    return offers[keep].reset_index(drop=True)


def theme_hour_groups(themes, variant: Variant, rule: ScheduleRule) -> list[tuple[ScheduleRule, list]]:
    """The themes of one variant grouped by the rule that filters their offers, in order of first theme.

    Without the schedule rule: one group, ``rule`` (unused by :func:`variant_offers`). Under it: one
    group per distinct « H » (each theme's own ``min_weekly_hours``, else the rule's): a theme with
    its own H counts other sites than its neighbours, so its offers are filtered apart.
    """
    if not variant.schedule:
        return [(rule, list(themes))]
    groups: dict[float, list] = {}
    for theme in themes:
        groups.setdefault(rule.hours_for(theme), []).append(theme)
    return [(ScheduleRule(h, rule.unknown_hours), ts) for h, ts in groups.items()]


def unknown_hours_count(offers: pd.DataFrame) -> int:
    """Offer rows with a site (presence) whose hours are unknown (for the page's count)."""
    if "weekly_hours" not in offers.columns:
        return 0
    has_site = offers["site_id"].notna()
    return int((has_site & offers["weekly_hours"].isna()).sum())


def effective_expression(offer_hours: str | None, site_hours: str | None, weekly) -> str | None:
    """The expression whose hours count for one offer at one site (the one :func:`effective_weekly_hours` reads)."""
    for expression in (offer_hours, site_hours):
        if expression is not None and not (isinstance(expression, float) and math.isnan(expression)) \
                and str(expression).strip():
            try:
                value = weekly(str(expression))
            except ValueError:
                continue
            if value is not None:
                return str(expression).strip()
    return None


def effective_weekly_hours(offer_hours: str | None, site_hours: str | None, weekly) -> float:
    """Weekly hours of one offer at one site: the offer's own hours, else the site's; NaN when neither is given.

    ``weekly`` is :func:`mapapp.catalog.weekly_hours.weekly_hours` (passed in: the engine does not import the catalog).
    """
    for expression in (offer_hours, site_hours):
        if expression is not None and not (isinstance(expression, float) and math.isnan(expression)) \
                and str(expression).strip():
            value = weekly(str(expression))
            if value is not None:
                return float(value)
    return math.nan

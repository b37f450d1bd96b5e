"""A territory's accessibility settings: which themes, for which publics, under which schedule rule.

This module is the engine's side of the settings (pure: no file, no database).
:func:`default_settings` is what a territory gets until its planners change it;
the settings file and the administrator page (``mapapp.settings_file``) produce
an :class:`AccessSettings` and the compute records its :meth:`~AccessSettings.digest`
with the results, so a result says which settings produced it.

- **Themes** (:class:`~mapapp.access.themes.Theme`): a catalog filter and its
  thresholds per mode.
- **Publics** (:class:`PublicGroup`): the people an indicator is computed for.
  For a group, only offers open to it count: offers for everyone (no publics or
  ``tous-publics``) and offers whose publics meet the group's. The group
  ``tous`` (everyone) counts every offer; it is always first.
- **Schedule** (:class:`ScheduleRule`): how opening hours enter the indicators.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from mapapp.access.carfree import CarfreeSettings
from mapapp.access.themes import EVERYONE, PUBLICS, Theme, default_themes

EVERYONE_KEY = "tous"


@dataclass(frozen=True)
class PublicGroup:
    """People an indicator is computed for.

    Attributes:
        key: short identifier used in results, URLs and files (``tous``, ``minima_sociaux``).
        label: French label.
        publics: data·inclusion v1 publics, any of; ``None`` means everyone (every offer counts).
    """

    key: str
    label: str
    publics: frozenset[str] | None = None

    def __post_init__(self):
        if self.publics is not None:
            values = frozenset([self.publics] if isinstance(self.publics, str) else self.publics)
            unknown = sorted(values - PUBLICS)
            if unknown:
                raise ValueError(f"unknown publics: {unknown}")
            if not values or EVERYONE in values:
                values = None
            object.__setattr__(self, "publics", values)

    def spec(self) -> dict:
        return {"key": self.key, "label": self.label,
                "publics": None if self.publics is None else sorted(self.publics)}


@dataclass(frozen=True)
class ScheduleRule:
    """How opening hours enter the indicators.

    Attributes:
        min_weekly_hours: under the rule, a site counts for a theme only if
            the theme's offers there are open at least this many hours in an
            average week (``0``: no rule, only the results without it are
            computed). The results without the rule are always computed too;
            the rule adds the variants « lieux ouverts au moins H h par
            semaine » (:mod:`mapapp.access.variants`). Default 3 h: a weekly
            half-day counts, a permanence open « le 2e jeudi du mois,
            9 h–12 h » (0.75 h a week) or twice a month for two hours (1 h)
            does not.
        unknown_hours: what a site without known hours does under the rule:
            ``"count"`` (counts, and is reported as such) or ``"exclude"``.
    """

    min_weekly_hours: float = 3.0
    unknown_hours: str = "count"

    def __post_init__(self):
        if self.min_weekly_hours < 0:
            raise ValueError("min_weekly_hours must be >= 0")
        if self.unknown_hours not in ("count", "exclude"):
            raise ValueError("unknown_hours must be 'count' or 'exclude'")

    def spec(self) -> dict:
        return {"min_weekly_hours": float(self.min_weekly_hours), "unknown_hours": self.unknown_hours}


def default_publics() -> tuple[PublicGroup, ...]:
    """Everyone and the three publics the insertion programmes name most (issue 11)."""
    return (
        PublicGroup(EVERYONE_KEY, "Tous publics"),
        PublicGroup("minima_sociaux", "Bénéficiaires des minima sociaux", frozenset({"beneficiaires-des-minimas-sociaux"})),
        PublicGroup("jeunes", "Jeunes", frozenset({"jeunes"})),
        PublicGroup("handicap", "Personnes en situation de handicap", frozenset({"personnes-en-situation-de-handicap"})),
    )


@dataclass(frozen=True)
class AccessSettings:
    """Themes, publics and schedule rule of one territory."""

    themes: tuple[Theme, ...] = field(default_factory=lambda: tuple(default_themes()))
    publics: tuple[PublicGroup, ...] = field(default_factory=default_publics)
    schedule: ScheduleRule = field(default_factory=ScheduleRule)
    #: Departure window and on-demand rules of the car-free modes (issue 17, section ``[sans_voiture]``).
    carfree: CarfreeSettings = field(default_factory=CarfreeSettings)

    def __post_init__(self):
        object.__setattr__(self, "themes", tuple(self.themes))
        object.__setattr__(self, "publics", tuple(self.publics))
        for what, keys in (("theme", [t.key for t in self.themes]), ("public", [p.key for p in self.publics])):
            if len(set(keys)) != len(keys):
                raise ValueError(f"duplicate {what} keys")
        if not self.publics or self.publics[0].key != EVERYONE_KEY or self.publics[0].publics is not None:
            raise ValueError(f"the first public must be {EVERYONE_KEY!r} (everyone)")

    def theme(self, key: str) -> Theme:
        for t in self.themes:
            if t.key == key:
                return t
        raise KeyError(key)

    def public(self, key: str) -> PublicGroup:
        for p in self.publics:
            if p.key == key:
                return p
        raise KeyError(key)

    def spec(self) -> dict:
        """JSON-serialisable form (for digests and manifests)."""
        out = {"themes": [t.spec() for t in self.themes], "publics": [p.spec() for p in self.publics],
               "schedule": self.schedule.spec()}
        if self.carfree != CarfreeSettings():  # the defaults leave earlier digests unchanged
            out["carfree"] = self.carfree.spec()
        return out

    def digest(self) -> str:
        """Short hex digest of :meth:`spec`: which settings produced a result."""
        text = json.dumps(self.spec(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def default_settings() -> AccessSettings:
    """The settings of a territory whose planners changed nothing."""
    return AccessSettings()

"""A territory's method settings: how origins are placed, how roads are joined, how fast cars drive.

These are choices of method, not data: two défensible choices give two
different figures, so they are explicit, validated, stored with the territory
(``territory.method``, a JSON column) and recorded with every result
(:mod:`mapapp.results` manifests; part of every theme's digest, so a change
recomputes). ``mapapp territory method`` shows and sets them.

``access_legs`` — per mode, what the straight line from a point to its road
    costs (:mod:`mapapp.network.access_leg`): ``none`` for car (the convention of
    INSEE's and the Observatoire des territoires' OSRM indicators), ``walk`` for
    walk and bike; ``capped:<N>m|min`` bounds it.
``maxspeed_factor`` — share of a tagged ``maxspeed`` driven by car (0.85 by
    default, :data:`mapapp.network.profile.MAXSPEED_FACTOR`); 1.0 for files whose
    ``maxspeed`` already is a driven speed (MATSim-derived extracts).
``placement`` — where the inhabitants of a population square start from:
    ``dasymetric`` (default: spread over the populated roads of the square,
    :mod:`mapapp.territory.dasymetric`) or ``centre`` (the square's centre, as
    before issue 10).

A later settings record (themes, thresholds, publics...) will absorb this one;
until then it is the one place these choices live. Pure: no database here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from mapapp.network.access_leg import DEFAULT_ACCESS_LEGS, AccessLeg, AccessLegError
from mapapp.network.graph import MODES
from mapapp.network.profile import MAXSPEED_FACTOR, check_maxspeed_factor
from mapapp.territory.dasymetric import PLACEMENT_VERSION

PLACEMENTS = ("dasymetric", "centre")
#: Version of the stored JSON layout.
SETTINGS_VERSION = 1
MODE_NAMES_FR = {"car": "voiture", "walk": "marche", "bike": "vélo"}
_MODE_OF = {"car": "car", "voiture": "car", "walk": "walk", "marche": "walk", "pied": "walk",
            "bike": "bike", "velo": "bike", "vélo": "bike"}


class MethodError(ValueError):
    """Invalid method settings (message in French, naming the faulty value)."""


#: The keys of ``territory.method`` (manifests add figures beside them).
SETTING_KEYS = ("version", "access_leg", "maxspeed_factor", "placement")


@dataclass(frozen=True)
class MethodSettings:
    """The method choices of one territory (see the module docstring)."""

    access_legs: Mapping[str, AccessLeg] = field(default_factory=lambda: dict(DEFAULT_ACCESS_LEGS))
    maxspeed_factor: float = MAXSPEED_FACTOR
    placement: str = "dasymetric"

    def __post_init__(self):
        legs = dict(DEFAULT_ACCESS_LEGS)
        for mode, leg in dict(self.access_legs).items():
            if mode not in MODES:
                raise MethodError(f"mode « {mode} » inconnu : voiture (car), marche (walk) ou vélo (bike)")
            if not isinstance(leg, AccessLeg):
                raise MethodError(f"politique d'accès du mode {mode} : AccessLeg attendu")
            legs[mode] = leg
        object.__setattr__(self, "access_legs", MappingProxyType(legs))
        try:
            object.__setattr__(self, "maxspeed_factor", check_maxspeed_factor(self.maxspeed_factor))
        except ValueError as exc:
            raise MethodError(str(exc)) from None
        if self.placement not in PLACEMENTS:
            raise MethodError(f"placement « {self.placement} » inconnu : dasymetric ou centre")

    def access_leg(self, mode: str) -> AccessLeg:
        return self.access_legs[mode]

    def to_json(self) -> dict:
        """What ``territory.method`` stores (and manifests record)."""
        return {"version": SETTINGS_VERSION,
                "access_leg": {m: self.access_legs[m].spec() for m in MODES},
                "maxspeed_factor": self.maxspeed_factor, "placement": self.placement}

    @classmethod
    def from_json(cls, data: Mapping | None) -> MethodSettings:
        """Settings from the stored JSON; ``None`` or ``{}`` gives the defaults.

        Raises:
            MethodError: an unknown key or an invalid value (a hand-edited row).
        """
        if not data:
            return cls()
        unknown = sorted(set(data) - set(SETTING_KEYS))
        if unknown:
            raise MethodError(f"réglage(s) de méthode inconnu(s) : {', '.join(unknown)}")
        legs = {}
        for mode, text in dict(data.get("access_leg") or {}).items():
            legs[_mode(mode)] = _leg(mode, text)
        return cls(access_legs=legs, maxspeed_factor=data.get("maxspeed_factor", MAXSPEED_FACTOR),
                   placement=data.get("placement", "dasymetric"))

    @classmethod
    def from_manifest(cls, recorded: Mapping | None) -> MethodSettings | None:
        """The settings a results manifest records (it also holds figures such as ``placement_summary``).

        None for results computed before settings were recorded.

        Raises:
            MethodError: an invalid recorded value.
        """
        stored = {k: v for k, v in (recorded or {}).items() if k in SETTING_KEYS}
        return cls.from_json(stored) if stored else None

    def digest_spec(self) -> str:
        """Canonical text of everything results depend on here (hashed into every theme's digest)."""
        return json.dumps({**self.to_json(), "placement_version": PLACEMENT_VERSION}, sort_keys=True)

    def with_changes(self, *, access_legs: Iterable[str] = (), maxspeed_factor=None,
                     placement: str | None = None) -> MethodSettings:
        """A copy with ``access_legs`` (``"car=none"``... items), factor and placement replaced when given."""
        legs = dict(self.access_legs)
        for item in access_legs:
            mode, sep, text = str(item).partition("=")
            if not sep or not text.strip():
                raise MethodError(f"« {item} » : MODE=POLITIQUE attendu (exemple : car=none, walk=walk, "
                                  "bike=capped:500m)")
            legs[_mode(mode)] = _leg(mode, text)
        return MethodSettings(access_legs=legs,
                              maxspeed_factor=self.maxspeed_factor if maxspeed_factor is None else maxspeed_factor,
                              placement=self.placement if placement is None else placement)

    def describe_fr(self) -> list[str]:
        """French lines for ``mapapp territory method`` and method notes."""
        lines = [f"Accès à la route ({MODE_NAMES_FR[m]}) : {self.access_legs[m].spec()} — "
                 f"{self.access_legs[m].describe_fr()}" for m in MODES]
        lines.append(f"Facteur appliqué aux vitesses maxspeed (voiture) : {self.maxspeed_factor:g}"
                     + (" (défaut)" if self.maxspeed_factor == MAXSPEED_FACTOR else ""))
        lines.append("Placement de la population des carreaux : " + (
            "sur les routes habitées du carreau (méthode dasymétrique)" if self.placement == "dasymetric"
            else "au centre du carreau"))
        return lines


def _mode(text: str) -> str:
    mode = _MODE_OF.get(str(text).strip().lower())
    if mode is None:
        raise MethodError(f"mode « {text} » inconnu : car (voiture), walk (marche) ou bike (vélo)")
    return mode


def _leg(mode: str, text) -> AccessLeg:
    try:
        return AccessLeg.parse(text)
    except AccessLegError as exc:
        raise MethodError(f"mode {mode} : {exc}") from None

"""What joining the road costs: the *access leg* policy of a travel mode.

A point (a home, a site) rarely lies on a road. :func:`mapapp.network.snap.snap_points`
projects it onto the nearest suitable road; the straight line from the point to
that projection is the **access leg**. How much time it adds is a choice of
method, made per mode and settable per territory
(:class:`mapapp.method.MethodSettings`):

``none``
    The leg is free: the point is tied to the road. This is the convention of
    INSEE's and the Observatoire des territoires' access-time indicators
    (OSRM on OpenStreetMap: a point is snapped to the nearest road and the
    snapping distance is not charged), hence the default for **car**, so that
    mapapp's figures compare with the published ones (« 5 % des Français
    métropolitains à plus de 7 minutes »). The part of the road between the
    projection and the road's end nodes is still driven at the road's speed.
``walk``
    The leg is walked at :data:`~mapapp.network.profile.WALK_KMH` (straight
    line, no detour): the default for **walk** and **bike** (one walks to the
    pavement, pushes the bike to the road). Before issue 10 it applied to every
    mode, car included.
``capped:<N>m`` / ``capped:<N>min``
    Walked like ``walk``, but never more than N metres (or N minutes) are
    charged: a point far from every road (a mountain square) pays a bounded
    penalty instead of a long walk.

With population placed on the roads of its square
(:mod:`mapapp.territory.dasymetric`), most origins are within metres of a road
and the policy matters mainly for squares without roads, commune main points
and sites.

Pure: numbers in, numbers out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from mapapp import formats

from .profile import WALK_KMH

KINDS = ("none", "walk", "capped")
_CAPPED_RE = re.compile(r"^capped:(\d+(?:[.,]\d+)?)\s*(m|min)$")


class AccessLegError(ValueError):
    """An access-leg policy that cannot be read (message in French)."""


@dataclass(frozen=True)
class AccessLeg:
    """One mode's access-leg policy (see the module docstring).

    Attributes:
        kind: ``"none"``, ``"walk"`` or ``"capped"``.
        cap_m: for ``capped``, the most metres charged (or None).
        cap_min: for ``capped``, the most minutes charged (or None).
    """

    kind: str
    cap_m: float | None = None
    cap_min: float | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise AccessLegError(f"politique d'accès « {self.kind} » inconnue : none, walk ou capped:<N>m|min")
        if self.kind == "capped":
            if (self.cap_m is None) == (self.cap_min is None):
                raise AccessLegError("capped : donner exactement une limite, en mètres (capped:500m) "
                                     "ou en minutes (capped:5min)")
            cap = self.cap_m if self.cap_m is not None else self.cap_min
            if not (cap > 0 and np.isfinite(cap)):
                raise AccessLegError(f"capped : la limite doit être un nombre positif, pas {cap}")
        elif self.cap_m is not None or self.cap_min is not None:
            raise AccessLegError(f"la politique « {self.kind} » ne prend pas de limite")

    @classmethod
    def parse(cls, text: str) -> AccessLeg:
        """``"none"``, ``"walk"``, ``"capped:500m"``, ``"capped:5min"`` (decimal comma accepted)."""
        value = str(text).strip().lower()
        if value in ("none", "walk"):
            return cls(value)
        m = _CAPPED_RE.match(value)
        if not m:
            raise AccessLegError(f"politique d'accès « {text} » illisible : none, walk, capped:<N>m ou "
                                 "capped:<N>min (exemple : capped:500m)")
        number = float(m.group(1).replace(",", "."))
        return cls("capped", cap_m=number, cap_min=None) if m.group(2) == "m" else \
            cls("capped", cap_m=None, cap_min=number)

    def spec(self) -> str:
        """The text :meth:`parse` reads back (for settings, digests and manifests)."""
        if self.kind != "capped":
            return self.kind
        return f"capped:{self.cap_m:g}m" if self.cap_m is not None else f"capped:{self.cap_min:g}min"

    def seconds(self, distance_m) -> np.ndarray:
        """Seconds charged for access legs of ``distance_m`` metres (array-like; NaN stays NaN)."""
        d = np.asarray(distance_m, dtype=np.float64)
        if self.kind == "none":
            return np.where(np.isnan(d), np.nan, 0.0)
        walk_s = d / (WALK_KMH / 3.6)
        if self.kind == "walk":
            return walk_s
        if self.cap_m is not None:
            return np.minimum(d, self.cap_m) / (WALK_KMH / 3.6)
        return np.minimum(walk_s, self.cap_min * 60.0)

    def describe_fr(self) -> str:
        """French phrase for method notes."""
        if self.kind == "none":
            return "non compté (point rattaché à la route la plus proche, convention INSEE / OSRM)"
        if self.kind == "walk":
            return f"à pied à {formats.number(WALK_KMH)} km/h en ligne droite"
        cap = f"{formats.number(self.cap_m)} m" if self.cap_m is not None else f"{formats.number(self.cap_min)} min"
        return f"à pied à {formats.number(WALK_KMH)} km/h, plafonné à {cap}"


#: Tied to the road, leg not charged.
NONE = AccessLeg("none")
#: Walked at walking speed (the behaviour of every mode before issue 10).
WALK = AccessLeg("walk")

#: Defaults per mode: car follows the field's convention (INSEE / Observatoire
#: des territoires, OSRM); on foot and by bike the leg is walked.
DEFAULT_ACCESS_LEGS = {"car": NONE, "walk": WALK, "bike": WALK}

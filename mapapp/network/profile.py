"""The French travel profile: who may use which road, in which direction, how fast.

One function, :func:`way_rules`, turns the tags of an OSM way into a road class
and, for each mode, the speed allowed along and against the way's node order
(0 = forbidden). Everything the accessibility figures depend on is a named,
documented constant of this module; changing any of them must change
:data:`PROFILE_VERSION`, which keys the graph cache (see :mod:`.cache`).

Speeds are *free-flow* speeds in km/h: what a driver, walker or cyclist does on
an empty road, the usual convention of French accessibility indicators
(off-peak road times). Congestion, traffic lights and turns are not modelled.

Access rules, in order:

1. ``area=yes`` (a pedestrian square drawn as a polygon) and any ``highway``
   value that is not a road in use (``construction``, ``proposed``,
   ``abandoned``, ``platform``, ``raceway``, ``corridor``...: everything not in
   :data:`CAR_DEFAULT_KMH`'s key set or :data:`NON_CAR_CLASSES`) are not routable.
2. Each class has a base permission per mode (:data:`BASE_ACCESS`): cars stay
   off footways, paths, cycleways, steps, pedestrian streets, bridleways,
   busways and, by default, tracks; walkers and cyclists stay off motorways and
   their ramps.
3. The access tags refine it, the most specific key present winning:
   ``access`` < ``vehicle`` < ``motor_vehicle`` < ``motorcar`` for cars,
   ``access`` < ``vehicle`` < ``bicycle`` for bikes, ``access`` < ``foot`` for
   walking. ``no``, ``private``, ``agricultural``, ``forestry``, ``delivery``,
   ``emergency``... forbid; ``yes``, ``permissive``, ``designated``,
   ``destination``, ``customers``... allow; unknown values are ignored.
   A class closed to a mode by rule 2 is only opened by the mode's *own* key
   (``motor_vehicle=yes`` on a track, ``bicycle=yes`` on a footway):
   ``access=yes`` on a footway means "public", not "open to cars".
4. ``motorroad=yes`` (French *route pour automobiles*, signed expressways)
   closes the road to pedestrians and cyclists, as the Code de la route does.

Direction rules (:func:`_oneway`):

- walking ignores ``oneway`` (pavements go both ways);
- ``oneway=yes|true|1`` allows the node order only, ``-1|reverse`` the
  opposite only, ``no|false|0|alternating`` both; ``reversible`` (direction
  changing with the time of day) neither, for cars and bikes;
- without an explicit ``oneway``, ``junction=roundabout|circular`` and
  ``highway=motorway`` imply ``oneway=yes`` (an explicit tag always wins);
- bikes follow the cars' direction unless ``oneway:bicycle`` says otherwise or
  a contraflow lane is tagged (``cycleway*=opposite*``,
  ``cycleway:left|right:oneway=-1|no``: the French *double sens cyclable*).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .graph import ROAD_CLASS_INDEX

#: Bump whenever a rule or a number below changes: it is part of the cache key.
PROFILE_VERSION = "fr-2025.1"

#: Walking speed, km/h. A healthy adult walks at about 5 km/h (1.4 m/s); 4.5 km/h
#: (1.25 m/s) leaves room for older people, children, pushchairs and crossings,
#: the people these services are for. Also the speed of every access leg
#: (from a point to the road) in every mode, see :mod:`.snap`.
WALK_KMH = 4.5

#: Cycling speed on roads and cycleways, km/h: an everyday cyclist on an
#: ordinary bike, stops included; 15 km/h is the usual planning value (e-bikes
#: are faster, hills slower; slopes are not modelled).
BIKE_KMH = 15.0
#: On tracks, paths and bridleways (often unpaved), km/h.
BIKE_ROUGH_KMH = 12.0
#: Where cyclists must dismount (footways, pedestrian streets without
#: ``bicycle=yes``, ``bicycle=dismount``): pushing the bike, at walking speed.
BIKE_DISMOUNT_KMH = WALK_KMH

#: Default share of a tagged ``maxspeed`` actually driven in free flow (a
#: **profile parameter**: a territory can override it, see
#: :class:`mapapp.method.MethodSettings` and ``mapapp territory method
#: --maxspeed-factor``; it is part of the graph cache key). Legal limits are
#: ceilings: curves, slopes, junctions and priorities keep average speeds below
#: them even on an empty road. We assume 15 % below (130 on motorways gives
#: ~110 effective, 80 on a rural road 68), the order of the reductions routing
#: engines apply to tagged limits. Applied to every tagged value, numeric or
#: implicit (``FR:urban``...). Files whose ``maxspeed`` already is a driven
#: free-flow speed (MATSim-derived extracts such as ../shared/realdata's) need
#: a factor of 1.0, or they come out 15 % slower. Class defaults
#: (:data:`CAR_DEFAULT_KMH`) are driven speeds already and never scaled.
MAXSPEED_FACTOR = 0.85

#: Accepted range of a territory's factor (a typo such as 85 instead of 0.85 is refused).
MAXSPEED_FACTOR_RANGE = (0.3, 1.2)

#: Effective car speed, km/h, per class when ``maxspeed`` is missing (or
#: ``none``/``signals``/unreadable). Each is the class's usual French limit
#: times :data:`MAXSPEED_FACTOR`, rounded, or a typical driven speed where the
#: limit says little:
CAR_DEFAULT_KMH: dict[str, float] = {
    "motorway": 110.0,      # 130 legal (110 in rain), ~110 driven
    "motorway_link": 50.0,  # ramps: tight curves, merging
    "trunk": 85.0,          # mix of 110 voies express and 80/90 single carriageways
    "trunk_link": 45.0,
    "primary": 68.0,        # FR:rural 80 since 1 July 2018 (x0.85), crossing villages at 50
    "primary_link": 40.0,
    "secondary": 60.0,      # 80 legal but narrower, more villages
    "secondary_link": 40.0,
    "tertiary": 50.0,       # local roads between villages
    "tertiary_link": 35.0,
    "unclassified": 40.0,   # minor rural roads, often single-lane
    "residential": 30.0,    # FR:urban 50 legal, many zones 30, parked cars
    "living_street": 15.0,  # zone de rencontre, 20 legal
    "service": 20.0,        # driveways, parking aisles, yards
    "road": 40.0,           # class unknown to the mapper: a minor road
    "track": 15.0,          # only when explicitly open to cars (see BASE_ACCESS)
}

#: Road classes no car uses (closed by default, see :data:`BASE_ACCESS`).
NON_CAR_CLASSES = ("pedestrian", "footway", "path", "cycleway", "steps", "bridleway", "busway")

#: French implicit speed limits (``maxspeed=FR:...``), km/h, legal values.
FR_IMPLICIT_KMH: dict[str, float] = {
    "fr:urban": 50.0,
    "fr:rural": 80.0,       # 90 before 1 July 2018; some départements restored 90 since 2020
    "fr:motorway": 130.0,
    "fr:zone30": 30.0,
    "fr:zone:30": 30.0,
    "fr:zone20": 20.0,
    "fr:zone:20": 20.0,
    "fr:living_street": 20.0,
    "fr:walk": 6.0,
    "walk": 6.0,
}

_MPH = 1.609344
_KNOT = 1.852
_NUMBER_RE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")

#: Which modes may use each class before access tags are read.
BASE_ACCESS: dict[str, frozenset[str]] = {
    **{c: frozenset({"car", "walk", "bike"}) for c in CAR_DEFAULT_KMH},
    "motorway": frozenset({"car"}),
    "motorway_link": frozenset({"car"}),
    # Tracks are farm and forest roads, often unpaved and legally closed to
    # through traffic: cars only when tagged open (or paved, tracktype=grade1).
    "track": frozenset({"walk", "bike"}),
    "pedestrian": frozenset({"walk", "bike"}),   # bike at dismount speed
    "footway": frozenset({"walk", "bike"}),      # idem
    "path": frozenset({"walk", "bike"}),
    "cycleway": frozenset({"walk", "bike"}),     # shared in practice (voies vertes)
    "steps": frozenset({"walk"}),
    "bridleway": frozenset({"walk"}),
    "busway": frozenset(),                       # buses only unless tagged
}

#: Access keys from least to most specific, per mode.
ACCESS_KEYS: dict[str, tuple[str, ...]] = {
    "car": ("access", "vehicle", "motor_vehicle", "motorcar"),
    "walk": ("access", "foot"),
    "bike": ("access", "vehicle", "bicycle"),
}
#: The keys that may open a class closed to the mode by :data:`BASE_ACCESS`.
OWN_KEYS: dict[str, tuple[str, ...]] = {
    "car": ("motor_vehicle", "motorcar"),
    "walk": ("foot",),
    "bike": ("bicycle",),
}
ALLOW_VALUES = frozenset({"yes", "permissive", "designated", "destination", "customers",
                          "public", "official", "discouraged", "dismount"})
DENY_VALUES = frozenset({"no", "private", "agricultural", "forestry", "delivery", "emergency",
                         "military", "restricted", "permit", "use_sidepath", "agricultural;forestry",
                         "forestry;agricultural"})

ONEWAY_FORWARD = frozenset({"yes", "true", "1"})
ONEWAY_BACKWARD = frozenset({"-1", "reverse"})
ONEWAY_BOTH = frozenset({"no", "false", "0", "alternating"})
#: ``oneway=reversible`` roads change direction with the time of day: no
#: direction can be relied on, so cars and bikes do not use them.
ONEWAY_UNUSABLE = frozenset({"reversible"})

#: The tag keys :func:`way_rules` reads; a reader may cache results keyed on them.
RELEVANT_KEYS = (
    "highway", "area", "maxspeed", "maxspeed:forward", "maxspeed:backward",
    "oneway", "oneway:bicycle", "junction", "motorroad", "tracktype",
    "access", "vehicle", "motor_vehicle", "motorcar", "bicycle", "foot",
    "cycleway", "cycleway:left", "cycleway:right", "cycleway:both",
    "cycleway:left:oneway", "cycleway:right:oneway",
)


def check_maxspeed_factor(value) -> float:
    """``value`` as a maxspeed factor, or :class:`ValueError` with a French message."""
    try:
        factor = float(str(value).replace(",", "."))
    except ValueError:
        raise ValueError(f"facteur de vitesse « {value} » illisible : un nombre entre "
                         f"{MAXSPEED_FACTOR_RANGE[0]:g} et {MAXSPEED_FACTOR_RANGE[1]:g} est attendu "
                         "(exemple : 0.85, ou 1.0 quand maxspeed est déjà une vitesse pratiquée)") from None
    lo, hi = MAXSPEED_FACTOR_RANGE
    if not lo <= factor <= hi:
        raise ValueError(f"facteur de vitesse {factor:g} hors de l'intervalle [{lo:g}, {hi:g}] "
                         "(exemple : 0.85, ou 1.0 quand maxspeed est déjà une vitesse pratiquée)")
    return factor


def parse_maxspeed(value: str | None) -> float | None:
    """A ``maxspeed`` tag as a legal limit in km/h, or ``None`` if it gives none.

    Reads ``"50"``, ``"50 km/h"``, ``"30 mph"`` (converted), ``"10 knots"``, the
    French implicit values of :data:`FR_IMPLICIT_KMH` (``"FR:urban"``,
    ``"FR:rural"``, ``"FR:motorway"``, ``"FR:zone30"``...) and lists such as
    ``"50;30"`` (the lowest limit wins). ``"none"`` (no limit), ``"signals"``,
    ``"variable"``, zero and anything unreadable give ``None``: the class
    default applies.
    """
    if not value:
        return None
    limits = []
    for part in re.split(r"[;|]", value):
        part = part.strip().lower()
        if part in FR_IMPLICIT_KMH:
            limits.append(FR_IMPLICIT_KMH[part])
            continue
        m = _NUMBER_RE.match(part)
        if not m:
            continue
        number = float(m.group(1).replace(",", "."))
        unit = m.group(2)
        if unit == "mph":
            number *= _MPH
        elif unit == "knots":
            number *= _KNOT
        if number > 0:
            limits.append(number)
    return min(limits) if limits else None


def car_speed_kmh(road_class: str, maxspeed: str | None,
                  maxspeed_factor: float = MAXSPEED_FACTOR) -> tuple[float, bool]:
    """Free-flow car speed in km/h, and whether it came from a ``maxspeed`` tag.

    A readable tag gives ``limit * maxspeed_factor`` (default
    :data:`MAXSPEED_FACTOR`); otherwise the class default of
    :data:`CAR_DEFAULT_KMH` (40 km/h for a class without one).
    """
    limit = parse_maxspeed(maxspeed)
    if limit is not None:
        return limit * maxspeed_factor, True
    return CAR_DEFAULT_KMH.get(road_class, 40.0), False


def _access_verdict(tags: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    """``"yes"``, ``"no"``, ``"dismount"`` or ``None`` from the most specific known key."""
    verdict = None
    for key in keys:
        value = tags.get(key)
        if value is None:
            continue
        value = value.strip().lower()
        if value == "dismount":
            verdict = "dismount"
        elif value in ALLOW_VALUES:
            verdict = "yes"
        elif value in DENY_VALUES:
            verdict = "no"
    return verdict


def mode_allowed(tags: Mapping[str, str], road_class: str, mode: str) -> str | None:
    """Whether ``mode`` may use a way: ``"yes"``, ``"dismount"`` (bike pushed) or ``None``.

    Applies rules 2 to 4 of the module docstring.
    """
    if mode != "car" and tags.get("motorroad") == "yes":
        return None
    general = _access_verdict(tags, ACCESS_KEYS[mode])  # most specific key, own key included
    own = _access_verdict(tags, OWN_KEYS[mode])
    if general == "no":
        return None
    if mode in BASE_ACCESS.get(road_class, frozenset()):
        if mode == "bike" and (general == "dismount" or (
                road_class in ("footway", "pedestrian") and own != "yes")):
            return "dismount"  # cycling on footways is forbidden unless signed
        return "yes"
    # closed by default: only the mode's own key (or a paved track for cars) opens it
    if own == "yes":
        return "yes"
    if own == "dismount" and mode == "bike":
        return "dismount"
    if mode == "car" and road_class == "track" and tags.get("tracktype") == "grade1":
        return "yes"
    return None


def _oneway(tags: Mapping[str, str], road_class: str, mode: str) -> tuple[bool, bool]:
    """Whether the mode may go along (forward) and against (backward) the node order."""
    if mode == "walk":
        return True, True  # pedestrians walk both ways on one-way streets
    value = (tags.get("oneway") or "").strip().lower()
    if value in ONEWAY_UNUSABLE:
        return False, False
    if value in ONEWAY_FORWARD:
        fwd, bwd = True, False
    elif value in ONEWAY_BACKWARD:
        fwd, bwd = False, True
    elif value in ONEWAY_BOTH:
        fwd, bwd = True, True
    elif tags.get("junction") in ("roundabout", "circular") or road_class == "motorway":
        fwd, bwd = True, False  # implied oneway (an explicit oneway tag wins)
    else:
        fwd, bwd = True, True
    if mode == "bike":
        bike = (tags.get("oneway:bicycle") or "").strip().lower()
        contraflow = bike in ONEWAY_BOTH or any(
            (tags.get(k) or "").startswith("opposite")
            for k in ("cycleway", "cycleway:left", "cycleway:right", "cycleway:both")
        ) or any(tags.get(k) in ("-1", "no") for k in ("cycleway:left:oneway", "cycleway:right:oneway"))
        if bike in ONEWAY_FORWARD:
            return True, False
        if bike in ONEWAY_BACKWARD:
            return False, True
        if contraflow and (fwd or bwd):
            return True, True  # double sens cyclable
    return fwd, bwd


def way_rules(tags: Mapping[str, str], maxspeed_factor: float = MAXSPEED_FACTOR
              ) -> tuple[int, dict[str, tuple[float, float]], bool] | None:
    """How each mode may travel a way, from its tags.

    Args:
        tags: the way's OSM tags (only :data:`RELEVANT_KEYS` are read).
        maxspeed_factor: share of a tagged ``maxspeed`` driven (:data:`MAXSPEED_FACTOR`).

    Returns:
        ``None`` when no mode may use the way; otherwise ``(road_class,
        speeds, maxspeed_tagged)`` where ``road_class`` indexes
        :data:`~mapapp.network.graph.ROAD_CLASSES`, ``speeds[mode] =
        (forward_kmh, backward_kmh)`` for every mode in
        :data:`~mapapp.network.graph.MODES` (0.0 = not allowed in that
        direction) and ``maxspeed_tagged`` tells whether the car speed came
        from a ``maxspeed`` tag rather than a class default.
    """
    road_class = tags.get("highway")
    if road_class is None or tags.get("area") == "yes":
        return None
    if road_class not in CAR_DEFAULT_KMH and road_class not in NON_CAR_CLASSES:
        return None  # construction, proposed, platform, corridor, raceway...
    speeds: dict[str, tuple[float, float]] = {}
    tagged = False
    for mode in ("car", "walk", "bike"):
        allowed = mode_allowed(tags, road_class, mode)
        if allowed is None:
            speeds[mode] = (0.0, 0.0)
            continue
        fwd, bwd = _oneway(tags, road_class, mode)
        if mode == "car":
            kmh_f, tag_f = car_speed_kmh(road_class, tags.get("maxspeed:forward") or tags.get("maxspeed"),
                                         maxspeed_factor)
            kmh_b, tag_b = car_speed_kmh(road_class, tags.get("maxspeed:backward") or tags.get("maxspeed"),
                                         maxspeed_factor)
            tagged = tag_f or tag_b
        elif mode == "walk":
            kmh_f = kmh_b = WALK_KMH
        elif allowed == "dismount":
            kmh_f = kmh_b = BIKE_DISMOUNT_KMH
            fwd = bwd = True  # a pushed bike is a pedestrian
        else:
            kmh_f = kmh_b = BIKE_ROUGH_KMH if road_class in ("track", "path", "bridleway") else BIKE_KMH
        speeds[mode] = (kmh_f if fwd else 0.0, kmh_b if bwd else 0.0)
    if not any(f > 0 or b > 0 for f, b in speeds.values()):
        return None
    return ROAD_CLASS_INDEX[road_class], speeds, tagged

"""Opening hours in OpenStreetMap ``opening_hours`` syntax: validation and plain French.

Parsing is delegated to ``opening-hours-py`` (the Rust ``opening-hours``
crate); :func:`describe_fr` renders the common patterns (weekday ranges, times,
``Th[2]`` nth weekday of the month, ``PH off``) in plain French for popups and
previews, and falls back to the raw expression for anything rarer rather than
inventing a wrong sentence.
"""

from __future__ import annotations

import re

from opening_hours import OpeningHours

from mapapp.catalog.vocab import RecordError

DAYS_FR = {"Mo": "lundi", "Tu": "mardi", "We": "mercredi", "Th": "jeudi", "Fr": "vendredi", "Sa": "samedi", "Su": "dimanche"}
ORDINALS_FR = {1: "1er", 2: "2e", 3: "3e", 4: "4e", 5: "5e", -1: "dernier"}


def validate_hours(field: str, expression: str | None) -> str | None:
    """Return the expression stripped if it parses, ``None`` if empty; raise otherwise."""
    if expression is None or not expression.strip():
        return None
    expression = expression.strip()
    try:
        OpeningHours(expression)
    except Exception:  # the parser raises its own SyntaxError subclass, in English: say it in French
        raise RecordError(field, f"horaires illisibles « {expression} » : format OpenStreetMap attendu "
                          "(par exemple « Mo-Fr 09:00-12:00 » ou « Tu,Th 14:00-17:00; PH off »)") from None
    return expression


_RULE_RE = re.compile(
    r"^(?P<days>(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:\[-?\d\])?(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?"
    r"(?:,(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:\[-?\d\])?(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?)*)"
    r"(?:\s+(?P<times>\d{2}:\d{2}-\d{2}:\d{2}(?:,\d{2}:\d{2}-\d{2}:\d{2})*|off|closed))?$"
)


def _days_fr(spec: str) -> str:
    parts = []
    for item in spec.split(","):
        m = re.match(r"^(\w\w)(?:\[(-?\d)\])?(?:-(\w\w))?$", item)
        if not m:
            return spec
        start, nth, end = m.groups()
        if nth:
            parts.append(f"le {ORDINALS_FR.get(int(nth), nth)} {DAYS_FR[start]} du mois")
        elif end:
            parts.append(f"du {DAYS_FR[start]} au {DAYS_FR[end]}")
        else:
            parts.append(f"le {DAYS_FR[start]}")
    return ", ".join(parts)


def _times_fr(spec: str) -> str:
    ranges = [r.split("-") for r in spec.split(",")]
    return " et ".join(f"de {a.replace(':', 'h')} à {b.replace(':', 'h')}" for a, b in ranges)


def describe_fr(expression: str | None) -> str:
    """Plain-French description of an opening_hours expression.

    >>> describe_fr("Mo-Fr 08:30-12:00,13:30-17:00; PH off")
    'du lundi au vendredi de 08h30 à 12h00 et de 13h30 à 17h00 ; fermé les jours fériés'
    >>> describe_fr("Th[2] 09:00-12:00")
    'le 2e jeudi du mois de 09h00 à 12h00'
    """
    if not expression:
        return "Horaires non renseignés"
    if expression.strip() == "24/7":
        return "ouvert en permanence"
    out = []
    for rule in (r.strip() for r in expression.split(";")):
        if not rule:
            continue
        if rule in ("PH off", "PH closed"):
            out.append("fermé les jours fériés")
            continue
        m = _RULE_RE.match(rule)
        if not m:
            return f"Horaires : {expression}"
        days = _days_fr(m.group("days"))
        times = m.group("times")
        if times in ("off", "closed"):
            out.append(f"fermé {days}")
        elif times:
            out.append(f"{days} {_times_fr(times)}")
        else:
            out.append(days)
    return " ; ".join(out)

"""Opening hours in OpenStreetMap ``opening_hours`` syntax: validation and plain French.

Parsing and evaluation are delegated to ``opening-hours-py`` (the Rust
``opening-hours`` crate; weekly hours are in :mod:`mapapp.catalog.weekly_hours`).
:func:`describe_fr` renders the patterns the catalog holds in plain French
for popups, fiches and previews. It is hand-written because no maintained
Python library renders ``opening_hours`` in French (``opening_hours.js``
prettifies, but only in JavaScript and in English/German syntax) and the
parser does not expose its syntax tree to Python.

What is rendered: rules separated by ``;``, each made of an optional month
selector (``Sep-Jun``, ``Jul,Aug``), weekdays (``Mo``, ``Mo-Fr``, ``Mo,We``,
``Th[1,3]``, ``Tu[2-4]``, ``Fr[-1]``, ``PH``), times (``09:00-12:00``, several
separated by ``,``; none = all day), ``off`` / ``closed``, a quoted comment,
and ``24/7``. Anything else (week numbers, sunrise, ``||`` fallbacks, dates)
is shown as « horaires particuliers : » plus the expression, rather than an
invented sentence.
"""

from __future__ import annotations

import re

from opening_hours import OpeningHours

from mapapp.catalog.vocab import RecordError

DAYS_FR = {"Mo": "lundi", "Tu": "mardi", "We": "mercredi", "Th": "jeudi", "Fr": "vendredi", "Sa": "samedi", "Su": "dimanche"}
ORDINALS_FR = {1: "1er", 2: "2e", 3: "3e", 4: "4e", 5: "5e", -1: "dernier", -2: "avant-dernier"}
MONTHS_FR = {"Jan": "janvier", "Feb": "février", "Mar": "mars", "Apr": "avril", "May": "mai", "Jun": "juin",
             "Jul": "juillet", "Aug": "août", "Sep": "septembre", "Oct": "octobre", "Nov": "novembre", "Dec": "décembre"}


def validate_hours(field: str, expression: str | None) -> str | None:
    """Return the expression stripped if it parses, ``None`` if empty; raise otherwise."""
    if expression is None or not expression.strip():
        return None
    expression = expression.strip()
    try:
        OpeningHours(expression)
    except Exception:  # the parser raises its own SyntaxError subclass, in English: say it in French
        raise RecordError(field, explain_fr(expression)) from None
    return expression


_FRENCH_DAYS = re.compile(r"\b(lun|mar|mer|jeu|ven|sam|dim)[a-z]*\b", re.IGNORECASE)
_H_TIME = re.compile(r"\b\d{1,2}\s*h(\s*\d{2})?\b", re.IGNORECASE)


def explain_fr(expression: str) -> str:
    """A French message for an expression the parser refuses, with a hint for the common mistakes."""
    hint = ""
    if _FRENCH_DAYS.search(expression):
        hint = " Les jours s'écrivent en abrégé anglais : Mo Tu We Th Fr Sa Su (lundi … dimanche)."
    elif _H_TIME.search(expression):
        hint = " Les heures s'écrivent 09:00 et non 9h."
    elif re.search(r"\d{2}:\d{2}\s+\d{2}:\d{2}", expression):
        hint = " Une plage s'écrit avec un tiret : 09:00-12:00 ; deux plages sont séparées par une virgule."
    return (f"horaires illisibles « {expression} » : format OpenStreetMap attendu "
            f"(par exemple « Mo-Fr 09:00-12:00,14:00-17:00; PH off » ou « Th[1,3] 14:00-16:00 »).{hint}")


_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_NTH = r"-?[1-5]"
_DAY_ITEM_RE = re.compile(
    rf"^(?P<start>{_DAY})(?:\[(?P<nth>{_NTH}(?:(?:,|-){_NTH})*)\]|-(?P<end>{_DAY}))?$|^(?P<ph>PH)$"
)
_TIME = r"(?:[01]\d|2[0-4]):[0-5]\d"
_TIME_RANGE_RE = re.compile(rf"^(?P<a>{_TIME})-(?P<b>{_TIME})$")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_MONTH_ITEM_RE = re.compile(rf"^(?P<start>{_MONTH})(?:-(?P<end>{_MONTH}))?$")
_RULE_RE = re.compile(
    rf"^(?:(?P<months>{_MONTH}(?:-{_MONTH})?(?:,{_MONTH}(?:-{_MONTH})?)*)\s+)?"
    r"(?P<days>[A-Z][a-zA-Z](?:\[[-\d,]+\])?(?:-[A-Z][a-z])?(?:,[A-Z][a-zA-Z](?:\[[-\d,]+\])?(?:-[A-Z][a-z])?)*)?"
    r"\s*(?P<times>[\d:,\-]+|off|closed)?"
    r'(?:\s*"(?P<comment>[^"]*)")?$'
)


class _Rare(ValueError):
    """A rule outside the rendered subset: the expression is shown as it is."""


def _list_fr(items: list[str]) -> str:
    """``["a", "b", "c"]`` → ``"a, b et c"``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} et {items[-1]}"


def _nth_fr(spec: str, day: str) -> str:
    if re.fullmatch(rf"{_NTH}-{_NTH}", spec):
        a, b = (int(x) for x in re.match(rf"({_NTH})-({_NTH})$", spec).groups())
        if not (0 < a < b):
            raise _Rare(spec)
        return f"du {ORDINALS_FR[a]} au {ORDINALS_FR[b]} {day} du mois"
    if "-" in spec.replace(",-", ",").lstrip("-"):
        raise _Rare(spec)
    ordinals = [ORDINALS_FR[int(n)] for n in spec.split(",")]
    return f"{_list_fr([f'le {o}' for o in ordinals])} {day} du mois"


def _days_fr(spec: str) -> str:
    items = []
    for item in re.split(r",(?![^\[]*\])", spec):  # commas outside brackets: Mo,Th[1,3]
        m = _DAY_ITEM_RE.match(item)
        if not m:
            raise _Rare(item)
        start, nth, end = m["start"], m["nth"], m["end"]
        if m["ph"]:
            items.append("les jours fériés")
        elif nth:
            items.append(_nth_fr(nth, DAYS_FR[start]))
        elif end and (start, end) == ("Mo", "Su"):
            items.append("tous les jours")
        elif end:
            items.append(f"du {DAYS_FR[start]} au {DAYS_FR[end]}")
        else:
            items.append(f"le {DAYS_FR[start]}")
    return _list_fr(items)


def _clock_fr(hhmm: str) -> str:
    """``08:30`` → ``8h30``, ``14:00`` → ``14h``."""
    h, m = hhmm.split(":")
    return f"{int(h)}h{m if m != '00' else ''}"


def _times_fr(spec: str) -> str:
    ranges = []
    for item in spec.split(","):
        m = _TIME_RANGE_RE.match(item)
        if not m:
            raise _Rare(item)
        if (m["a"], m["b"]) == ("00:00", "24:00"):
            ranges.append("24 h sur 24")
        else:
            ranges.append(f"de {_clock_fr(m['a'])} à {_clock_fr(m['b'])}")
    return _list_fr(ranges)


def _months_fr(spec: str) -> str:
    items = []
    for item in spec.split(","):
        m = _MONTH_ITEM_RE.match(item)
        if m["end"]:
            items.append(f"de {MONTHS_FR[m['start']]} à {MONTHS_FR[m['end']]}")
        else:
            items.append(f"en {MONTHS_FR[m['start']]}")
    return _list_fr(items)


def _rule_fr(rule: str) -> str:
    if rule == "24/7":
        return "ouvert en permanence"
    m = _RULE_RE.match(rule)
    if not m or not (m["days"] or m["times"]):
        raise _Rare(rule)
    days = _days_fr(m["days"]) if m["days"] else "tous les jours"
    times = m["times"]
    if times in ("off", "closed"):
        text = f"fermé {days}"
    else:
        text = f"{days} {_times_fr(times) if times else 'toute la journée'}"
    if m["months"]:
        text = f"{_months_fr(m['months'])}, {text}"
    if m["comment"]:
        text = f"{text} ({m['comment']})"
    return text


def describe_fr(expression: str | None) -> str:
    """Plain-French description of an opening_hours expression.

    >>> describe_fr("Mo-Fr 08:30-12:00,13:30-17:00; PH off")
    'du lundi au vendredi de 8h30 à 12h et de 13h30 à 17h ; fermé les jours fériés'
    >>> describe_fr("Th[1,3] 14:00-16:00")
    'le 1er et le 3e jeudi du mois de 14h à 16h'
    >>> describe_fr("week 1-53/2 Mo 10:00-12:00")
    'horaires particuliers : week 1-53/2 Mo 10:00-12:00'
    """
    if not expression or not expression.strip():
        return "Horaires non renseignés"
    expression = expression.strip()
    try:
        return " ; ".join(_rule_fr(rule.strip()) for rule in expression.split(";") if rule.strip())
    except _Rare:
        return f"horaires particuliers : {expression}"

"""How much a site is open: weekly hours, the union of several sites, a given day or half-day.

Pure functions over OpenStreetMap ``opening_hours`` expressions (no Flask, no
database); the schedule itself is evaluated by ``opening-hours-py``, which
understands ``Th[1,3]``, week numbers, months and the rest of the syntax. This
module only adds up the open intervals it yields.

**Reference period (« un mois type de 4 semaines »).** Weekly hours are
averaged over twelve four-week windows: days 1 to 28 of each month of
:data:`REFERENCE_YEAR`. Twenty-eight days starting on the 1st hold every
weekday exactly four times *and* exactly its 1st, 2nd, 3rd and 4th occurrence
of the month, whatever weekday the month starts on, so

* a weekly rule counts four times per window: ``Mo-Fr 09:00-12:00,14:00-17:00``
  → 30 h a week, ``24/7`` → 168 h;
* an « n-th weekday of the month » rule counts once per window:
  ``Th[1,3] 14:00-16:00`` → 2 × 2 h per 4 weeks = 1 h a week,
  ``Tu[2] 09:00-12:00`` → 0.75 h;
* seasonal rules (``Sep-Jun``, week numbers) are averaged over the twelve
  months of the year, which a single four-week window could not do.

A single calendar year divided by 52 would give ``Th[1,3]`` 24 × 2 h / 52 ≈
0.92 h and count five-week months as extra weekly hours; the issue defines a
permanence « 2 fois par mois » as 2 openings per 4 weeks, hence the windows.
Known limits of the choice, both rare in the catalog: a 5th-weekday rule
(``Mo[5]``) never falls within days 1-28 and counts 0 h; a last-weekday rule
(``Mo[-1]``) counts only in the months where the last is also the 4th.

Public holidays are not applied to weekly hours (no country is given to the
parser, so ``PH off`` never matches): a typical week has no holiday.
:func:`open_on` does apply the French calendar, since it answers for a real
date.

**No hours given.** An empty or ``None`` expression gives ``None`` everywhere
(unknown), never « always open »; callers decide and state their own rule for
such sites.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

from opening_hours import OpeningHours, State

from mapapp.catalog.hours import explain_fr

#: The year whose twelve « days 1-28 » windows make the reference period.
REFERENCE_YEAR = 2025
#: Weeks in the reference period: 12 windows of 4 weeks.
REFERENCE_WEEKS = 12 * 4
#: Morning ends and afternoon starts at noon (« le mardi matin »).
NOON = dt.time(12, 0)
HALF_DAYS = ("matin", "apres-midi")

Interval = tuple[dt.datetime, dt.datetime]


def _windows() -> list[Interval]:
    firsts = [dt.datetime(REFERENCE_YEAR, m, 1) for m in range(1, 13)]
    return [(first, first + dt.timedelta(days=28)) for first in firsts]


def _parse(expression: str, **kwargs) -> OpeningHours:
    try:
        return OpeningHours(expression, **kwargs)
    except Exception:  # the parser raises its own SyntaxError subclass, in English: said in French
        raise ValueError(explain_fr(expression)) from None


def _blank(expression: str | None) -> bool:
    return expression is None or not expression.strip()


def _open_intervals(oh: OpeningHours, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """Open intervals of ``oh`` clipped to ``[start, end)`` (``unknown`` does not count as open)."""
    out = []
    for a, b, state, _comment in oh.intervals(start, end):
        if state == State.OPEN:
            a, b = max(a, start), min(b if b is not None else end, end)
            if b > a:
                out.append((a, b))
    return out


@lru_cache(maxsize=4096)
def _reference_intervals(expression: str) -> tuple[Interval, ...]:
    oh = _parse(expression.strip())
    return tuple(iv for start, end in _windows() for iv in _open_intervals(oh, start, end))


def _hours(intervals: Iterable[Interval]) -> float:
    return sum((b - a).total_seconds() for a, b in intervals) / 3600


def _union(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[list[dt.datetime]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def weekly_hours(expression: str | None) -> float | None:
    """Hours open per week, averaged over the reference period (see the module docstring).

    >>> weekly_hours("Th[1,3] 14:00-16:00")
    1.0
    >>> weekly_hours("Mo-Fr 09:00-12:00,14:00-17:00; PH off")
    30.0
    >>> weekly_hours(None) is None
    True

    Raises:
        ValueError: the expression does not parse (French message).
    """
    if _blank(expression):
        return None
    return _hours(_reference_intervals(expression.strip())) / REFERENCE_WEEKS


def union_weekly_hours(expressions: Iterable[str | None]) -> float | None:
    """Hours per week when at least one of several sites is open, overlaps counted once.

    Blank expressions are skipped (their hours are unknown, not « always »);
    ``None`` when none of the expressions gives hours.

    >>> union_weekly_hours(["Mo 09:00-12:00", "Mo 09:00-12:00"])
    3.0
    """
    given = [e.strip() for e in expressions if not _blank(e)]
    if not given:
        return None
    return _hours(_union(iv for e in dict.fromkeys(given) for iv in _reference_intervals(e))) / REFERENCE_WEEKS


def open_on(expression: str | None, day: dt.date, half_day: str | None = None) -> bool | None:
    """Whether the site is open at some moment on ``day`` (or that day's morning / afternoon).

    ``half_day`` is ``None`` (the whole day), ``"matin"`` (before noon) or
    ``"apres-midi"`` (from noon). French public holidays apply (``PH off``).
    ``None`` when no hours are given: unknown, not open.

    >>> open_on("Tu[1,3] 09:00-12:00", dt.date(2025, 3, 4), "matin")
    True
    >>> open_on("Tu[1,3] 09:00-12:00", dt.date(2025, 3, 11))
    False

    Raises:
        ValueError: unknown ``half_day`` or an expression that does not parse.
    """
    if half_day not in (None, *HALF_DAYS):
        raise ValueError(f"demi-journée inconnue « {half_day} » (attendu : {', '.join(HALF_DAYS)})")
    if _blank(expression):
        return None
    start = dt.datetime.combine(day, dt.time(0, 0))
    end = start + dt.timedelta(days=1)
    if half_day == "matin":
        end = dt.datetime.combine(day, NOON)
    elif half_day == "apres-midi":
        start = dt.datetime.combine(day, NOON)
    return bool(_open_intervals(_parse(expression.strip(), country="FR"), start, end))


def weekly_hours_fr(expression: str | None) -> str | None:
    """Weekly hours in plain French for a fiche, rounded to the quarter hour; ``None`` without hours.

    >>> weekly_hours_fr("Th[1,3] 14:00-16:00")
    'ouvert environ 1 h par semaine'
    >>> weekly_hours_fr("Tu[2] 09:00-12:00")
    'ouvert environ 45 min par semaine'
    >>> weekly_hours_fr("Mo-Fr 09:00-12:30,13:30-17:00")
    'ouvert environ 35 h par semaine'
    """
    hours = weekly_hours(expression)
    if hours is None:
        return None
    if hours >= 7 * 24:
        return "ouvert en permanence (168 h par semaine)"
    minutes = round(hours * 4) * 15
    if minutes == 0:
        return "ouvert moins de 10 min par semaine en moyenne" if hours > 0 else "aucune ouverture régulière sur un mois type de 4 semaines"
    if minutes < 60:
        return f"ouvert environ {minutes} min par semaine"
    h, m = divmod(minutes, 60)
    return f"ouvert environ {h} h{f' {m:02d}' if m else ''} par semaine"

"""French formatting of numbers, percentages, durations and counts, for the CLI, pages and reports.

Numbers and percentages come from Babel (CLDR ``fr_FR``): « 5 332 » (narrow
no-break space between thousands), « 4,5 », « 12 % ». One place, so the CLI,
pages, CSV/XLSX and reports all write figures the same way.

Two helpers are hand-written on top of Babel, on purpose:

* :func:`duration` — :func:`babel.dates.format_timedelta` rounds to a single unit
  (« 1 minute » for 65 s, « 11 heures » for 10 h 36), where a report or a
  progress line needs the compact French notation « 4,0 s », « 1 min 05 s »,
  « 10 h 36 ».
* :func:`count` — French plural agreement of a noun after a number (0 and 1
  take the singular: « 0 erreur », « 1 mode », « 2 modes »); Babel's plural
  rules say which form, but hold no nouns.
"""

from __future__ import annotations

import decimal
import math

from babel.numbers import format_decimal, format_percent

LOCALE = "fr_FR"


def _half_up() -> decimal.Context:
    """Babel rounds in the current decimal context (half to even); people round half up, as the reports do."""
    context = decimal.getcontext().copy()
    context.rounding = decimal.ROUND_HALF_UP
    return context


def number(value: float, decimals: int | None = None) -> str:
    """``value`` written in French: « 5 332 », « 4,5 »; ``decimals`` fixes the digits after the comma."""
    with decimal.localcontext(_half_up()):
        if decimals is None:
            return format_decimal(value, locale=LOCALE)
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=LOCALE)


def percent(share: float, decimals: int = 0) -> str:
    """A share (0.123) as a French percentage: « 12 % » (``decimals`` digits after the comma)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "\u00a0%"
    with decimal.localcontext(_half_up()):
        return format_percent(share, format=pattern, locale=LOCALE)


def duration(seconds: float) -> str:
    """A duration the French way: « 4,0 s » under a minute, « 1 min 05 s » under an hour, then « 10 h 36 »."""
    if seconds < 0 or math.isnan(seconds):
        raise ValueError(f"durée invalide : {seconds}")
    if seconds < 59.95:
        return f"{number(seconds, 1)}\u00a0s"
    total = round(seconds)
    if total < 3600:
        minutes, secs = divmod(total, 60)
        return f"{minutes}\u00a0min {secs:02d}\u00a0s"
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{number(hours)}\u00a0h {rest:02d}"


def minutes(value: float) -> str:
    """A travel time given in minutes: « 12 min », « 1 h 05 » (from an hour), « 10 h 36 »."""
    if value < 0 or math.isnan(value):
        raise ValueError(f"durée invalide : {value}")
    total = round(value)
    if total < 60:
        return f"{total}\u00a0min"
    hours, rest = divmod(total, 60)
    return f"{number(hours)}\u00a0h {rest:02d}"


def plural(n: float, singular: str, plural_form: str | None = None) -> str:
    """The form of a noun that agrees with ``n`` in French (singular for 0 and 1, and below 2)."""
    return singular if abs(n) < 2 else (plural_form or singular + "s")


def count(n: float, singular: str, plural_form: str | None = None) -> str:
    """``n`` and its noun, agreed: « 1 mode », « 2 modes », « 5 332 nœuds », « 3 lieux » (with ``plural_form``)."""
    return f"{number(n)} {plural(n, singular, plural_form)}"

"""French formats of numbers, shares, times, dates and counts: the one place for the CLI, pages, exports and reports.

Everything a person reads is written here, so the CLI, the web pages (Jinja
filters registered by :func:`mapapp.web.formatting.register`), the text cells of
CSV/XLSX exports and the reports say the same thing the same way. Numbers,
percentages and dates come from Babel (CLDR ``fr_FR``):

- integers with a narrow no-break space between thousands (« 12 345 »), decimals
  with a comma (« 7,4 »), rounded half up as people round (Babel rounds in the
  decimal context, half to even by default);
- shares as percentages with a no-break space (« 5,4 % »); a share that is not 0
  but rounds to 0 reads « < 0,1 % », one that is not 1 but rounds to 100 reads
  « > 99,9 % », so a reader never sees « 0 % » for people who are in fact beyond;
- travel times: :func:`minutes` keeps the decimal of the indicator tables
  (« 7,4 min »), :func:`travel_time` reads like a person says it (« 12 min »,
  « 10 h 36 »); an infinite time is « injoignable », a missing one an em dash;
- dates in words (« 1er novembre 2026 ») and instants in the local time of
  Europe/Paris (« 7 décembre 2026 à 11 h 58 »), never UTC.

Some helpers are hand-written on top of Babel, on purpose:

* :func:`duration` and :func:`travel_time` — :func:`babel.dates.format_timedelta`
  rounds to a single unit (« 1 minute » for 65 s, « 11 heures » for 10 h 36), where
  a report or a progress line needs the compact « 4,0 s », « 1 min 05 s », « 10 h 36 »;
* :func:`count` — French agreement of a noun after a number (0 and 1 take the
  singular); Babel's plural rules say which form, but hold no nouns;
* the « 1er » of the first day of a month, which CLDR does not write.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal, format_percent

LOCALE = "fr_FR"
#: Local time of the pages and reports (the département is in metropolitan France).
TIMEZONE = ZoneInfo("Europe/Paris")
NNBSP = "\u202f"  # narrow no-break space: thousands separator (CLDR fr)
NBSP = "\u00a0"   # no-break space: before % and units
DASH = "—"
UNREACHABLE = "injoignable"

#: How a travel mode reads in a sentence: « à plus de 20 minutes *en voiture* ».
MODE_PHRASES = {"car": "en voiture", "walk": "à pied", "bike": "à vélo", "sans_voiture": "sans voiture",
                "transit": "à pied et en transport en commun", "tad": "en transport à la demande"}
#: Column or legend label of a travel mode.
MODE_LABELS = {"car": "Voiture", "walk": "À pied", "bike": "Vélo", "sans_voiture": "Sans voiture",
               "transit": "Transport en commun", "tad": "Transport à la demande"}


def _half_up() -> decimal.Context:
    """Babel rounds in the current decimal context (half to even); people round half up."""
    context = decimal.getcontext().copy()
    context.rounding = decimal.ROUND_HALF_UP
    return context


def is_missing(value) -> bool:
    """None, NaN and pandas' NA: a value nobody has (shown as an em dash)."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, and pandas.NA raises below
    except TypeError:
        return True


def _decimal(value: float) -> decimal.Decimal:
    # The shortest decimal form (5.35 → 5.35, not 5.3499…), so 5.35 rounds to 5.4 as people expect.
    return decimal.Decimal(repr(float(value)))


def number(value: float, decimals: int | None = None) -> str:
    """``value`` written in French: « 5 332 », « 4,5 »; ``decimals`` fixes the digits after the comma."""
    with decimal.localcontext(_half_up()):
        if decimals is None:
            return format_decimal(value, locale=LOCALE)
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(_decimal(value), format=pattern, locale=LOCALE)


def round_half_up(value: float) -> int:
    """Round half away from zero (Python's ``round`` rounds half to even)."""
    return int(math.floor(abs(value) + 0.5)) * (1 if value >= 0 else -1)


def integer(value, missing: str = DASH) -> str:
    """``12345.4`` → « 12 345 »; missing → ``missing``."""
    if is_missing(value):
        return missing
    return number(round_half_up(float(value)), 0)


def decimal_fr(value, digits: int = 1, missing: str = DASH) -> str:
    """``7.36`` → « 7,4 »; missing → ``missing``; infinite → « injoignable »."""
    if is_missing(value):
        return missing
    if math.isinf(float(value)):
        return UNREACHABLE
    return number(float(value), digits)


def percent(share, decimals: int = 1, missing: str = DASH) -> str:
    """A share in [0, 1] as a French percentage: ``0.0535`` → « 5,4 % », 0 → « 0 % », 1 → « 100 % ».

    Tiny non-zero shares read « < 0,1 % » and near-complete ones « > 99,9 % ».
    """
    if is_missing(share):
        return missing
    share = float(share)
    step = 10.0 ** -decimals
    pct = share * 100.0
    if 0 < pct < step / 2:
        return f"<{NBSP}{number(step, decimals)}{NBSP}%"
    if 100 - step / 2 <= pct < 100:
        return f">{NBSP}{number(100 - step, decimals)}{NBSP}%"
    if pct in (0, 100):
        return f"{int(pct)}{NBSP}%"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + NBSP + "%"
    with decimal.localcontext(_half_up()):
        return format_percent(_decimal(share), format=pattern, locale=LOCALE)


def minutes(value, digits: int = 1, unreachable: str = UNREACHABLE, missing: str = DASH) -> str:
    """A mean travel time with its decimal, for tables of indicators: ``7.36`` → « 7,4 min »."""
    if is_missing(value):
        return missing
    if math.isinf(float(value)):
        return unreachable
    return f"{number(float(value), digits)}{NBSP}min"


def travel_time(value, unreachable: str = UNREACHABLE, missing: str = DASH) -> str:
    """A travel time in minutes for people: ``12.3`` → « 12 min », ``65`` → « 1 h 05 », ``636`` → « 10 h 36 ».

    Under a minute, « moins d'1 min »; ``inf`` → « injoignable »; NaN/None → ``missing``.
    Rounded to the minute, half up (a reader plans a trip, not a statistic).

    Raises:
        ValueError: a negative time (French message).
    """
    if is_missing(value):
        return missing
    value = float(value)
    if math.isinf(value):
        return unreachable
    if value < 0:
        raise ValueError(f"durée invalide : {value}")
    if value < 1:
        return f"moins d'1{NBSP}min"
    total = round_half_up(value)
    if total < 60:
        return f"{total}{NBSP}min"
    hours, rest = divmod(total, 60)
    return f"{number(hours)}{NBSP}h{NBSP}{rest:02d}"


def threshold(value) -> str:
    """A threshold in minutes, without useless decimals: ``20.0`` → « 20 min », ``7.5`` → « 7,5 min »."""
    value = float(value)
    text = integer(value) if value == int(value) else number(value, 1)
    return f"{text}{NBSP}min"


def duration(seconds: float) -> str:
    """A run time the French way: « 4,0 s » under a minute, « 1 min 05 s » under an hour, then « 10 h 36 »."""
    if seconds < 0 or math.isnan(seconds):
        raise ValueError(f"durée invalide : {seconds}")
    if seconds < 59.95:
        return f"{number(seconds, 1)}{NBSP}s"
    total = round_half_up(seconds)
    if total < 3600:
        mins, secs = divmod(total, 60)
        return f"{mins}{NBSP}min {secs:02d}{NBSP}s"
    hours, rest = divmod(round_half_up(seconds / 60), 60)
    return f"{number(hours)}{NBSP}h{NBSP}{rest:02d}"


def span(delta: dt.timedelta) -> str:
    """A policy duration in words, by Babel: « 12 heures », « 15 minutes », « 7 jours ».

    Written in the largest unit that divides it exactly: Babel alone would round 7 days to « 1 semaine »
    and 36 hours to « 2 jours »; a threshold equal to the count in that unit makes Babel pick it.
    """
    seconds = int(delta.total_seconds())
    for size in (86400, 3600, 60, 1):
        if seconds >= size and seconds % size == 0:
            return format_timedelta(delta, threshold=seconds // size, format="long", locale=LOCALE)
    return format_timedelta(delta, granularity="second", locale=LOCALE)


def date(value: dt.date | dt.datetime | str | None) -> str:
    """``2026-11-22`` → « 22 novembre 2026 », « 1er novembre 2026 »; empty for None or ''."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = local(value).date() if value.tzinfo else value.date()
    text = format_date(value, "d MMMM y", locale=LOCALE)
    return "1er" + text[1:] if value.day == 1 else text


def local(value: dt.datetime | str) -> dt.datetime:
    """An instant in Europe/Paris time; a naive datetime is taken as UTC (what the database stores)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(TIMEZONE)


def date_time(value: dt.datetime | str | None) -> str:
    """An instant in words, in local time: « 7 décembre 2026 à 11 h 58 » (empty for None)."""
    if not value:
        return ""
    when = local(value)
    day = date(when.date())
    return f"{day} à {format_datetime(when, 'H', locale=LOCALE)}{NBSP}h{NBSP}{when:%M}"


def short_date_time(value: dt.datetime | str | None) -> str:
    """An instant in a table cell, in local time: « 07/12/2026 11:58 » (empty for None)."""
    if not value:
        return ""
    return format_datetime(local(value), "dd/MM/y HH:mm", locale=LOCALE)


def plural(n: float, singular: str, plural_form: str | None = None) -> str:
    """The form of a noun that agrees with ``n`` in French (singular for 0 and 1, and below 2)."""
    return singular if abs(n) < 2 else (plural_form or singular + "s")


def count(n: float, singular: str, plural_form: str | None = None) -> str:
    """``n`` and its noun, agreed: « 1 mode », « 2 modes », « 5 332 nœuds », « 3 lieux » (with ``plural_form``)."""
    return f"{number(n)} {plural(n, singular, plural_form)}"

"""French display formats for reports: numbers, shares, travel times, dates.

One place so the HTML/PDF report, the summary sentences and the maps' legends
say the same thing the same way:

- integers with a narrow no-break space as thousands separator (``12 345``,
  U+202F), rounded half away from zero as people count inhabitants;
- decimals with a comma (``7,4``);
- shares as percentages with one decimal and a no-break space before ``%``
  (``5,4 %``); a share that is not 0 but rounds to 0 reads ``< 0,1 %``, one
  that is not 1 but rounds to 100 reads ``> 99,9 %``, so a reader never sees
  "0 %" for people who are in fact beyond the threshold;
- travel times in minutes with one decimal (``7,4 min``); an infinite time is
  **« injoignable »** (no road path), never a number; a missing one (no
  inhabitant) is an em dash;
- dates in words (``22 novembre 2026``).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

NNBSP = "\u202f"  # narrow no-break space: thousands separator, as the Imprimerie nationale recommends
NBSP = "\u00a0"   # no-break space: before % and units
DASH = "—"
UNREACHABLE = "injoignable"

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre")

#: How a travel mode reads in a sentence: « à plus de 20 minutes *en voiture* ».
MODE_PHRASES = {"car": "en voiture", "walk": "à pied", "bike": "à vélo"}
#: Column or legend label of a travel mode.
MODE_LABELS = {"car": "Voiture", "walk": "À pied", "bike": "Vélo"}


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def round_half_up(value: float) -> int:
    """Round half away from zero (Python's ``round`` rounds half to even)."""
    return int(math.floor(abs(value) + 0.5)) * (1 if value >= 0 else -1)


def fr_int(value) -> str:
    """``12345.4`` → ``12 345`` (narrow no-break space); missing → ``—``."""
    if _missing(value):
        return DASH
    return f"{round_half_up(float(value)):,}".replace(",", NNBSP)


def fr_decimal(value, digits: int = 1) -> str:
    """``7.36`` → ``7,4``; missing → ``—``; infinite → « injoignable »."""
    if _missing(value):
        return DASH
    value = float(value)
    if math.isinf(value):
        return UNREACHABLE
    # Round half up on the shortest decimal form (5.35 → 5.4), as people round, not on the binary value.
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{digits}f}".replace(",", NNBSP).replace(".", ",")


def fr_pct(share, digits: int = 1) -> str:
    """A share in [0, 1] as a French percentage: ``0.0535`` → ``5,4 %``.

    Tiny non-zero shares read ``< 0,1 %`` and near-complete ones ``> 99,9 %``.
    """
    if _missing(share):
        return DASH
    share = float(share)
    step = 10 ** -digits
    pct = share * 100.0
    if 0 < pct < step / 2:
        return f"<{NBSP}{fr_decimal(step, digits)}{NBSP}%"
    if 100 - step / 2 <= pct < 100:
        return f">{NBSP}{fr_decimal(100 - step, digits)}{NBSP}%"
    if pct == 0 or pct == 100:
        return f"{int(pct)}{NBSP}%"
    return f"{fr_decimal(pct, digits)}{NBSP}%"


def fr_minutes(value, digits: int = 1) -> str:
    """``7.36`` → ``7,4 min``; ``inf`` → « injoignable »; missing → ``—``."""
    if _missing(value):
        return DASH
    value = float(value)
    if math.isinf(value):
        return UNREACHABLE
    return f"{fr_decimal(value, digits)}{NBSP}min"


def fr_threshold(value) -> str:
    """A threshold in minutes, without useless decimals: ``20.0`` → ``20 min``."""
    value = float(value)
    text = fr_int(value) if value == int(value) else fr_decimal(value)
    return f"{text}{NBSP}min"


def fr_date(value: dt.date | dt.datetime | str | None) -> str:
    """``2026-11-22`` → ``22 novembre 2026`` (``1er`` for the first day); empty for None."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS_FR[value.month - 1]} {value.year}"


def plural(n, singular: str, plural_form: str | None = None) -> str:
    """``1 commune``, ``3 communes``, ``0 commune`` (French: 0 and 1 are singular)."""
    n_int = round_half_up(float(n))
    word = singular if abs(n_int) < 2 else (plural_form or singular + "s")
    return f"{fr_int(n_int)} {word}"

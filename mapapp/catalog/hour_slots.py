"""Opening hours as packed bitmasks of fixed slots, for unions over many sites (reachable hours, issue 11 §3).

A site's opening over the **reference window** is a row of :data:`N_WORDS`
``uint64`` words, one bit per :data:`SLOT_MIN`-minute slot of the 28 days
starting on :data:`WINDOW_START` (a Monday-agnostic « mois type de 4
semaines »: 28 days from the 1st hold every weekday four times and its 1st to
4th occurrence of the month, so ``Th[1,3]`` opens twice, see
:mod:`mapapp.catalog.weekly_hours`). The union of several sites is the OR of
their rows and its hours the popcount times the slot length, divided by 4
weeks: overlapping hours count once by construction.

A slot is open when at least half of it is open (opening times are rounded to
the nearest quarter hour; every pattern of the demo and of the France
Services file is on quarter hours, so nothing is rounded there). Unlike
:func:`~mapapp.catalog.weekly_hours.weekly_hours`, which averages twelve such
windows, the masks use **one** window (:data:`WINDOW_START`, in the school
year): a seasonal rule (``Jul-Aug``) counts as it is in that month. Masks are
computed once per distinct expression (``lru_cache``).

Blank expressions and expressions that do not parse have no mask (``None``):
their hours are unknown and add nothing to a union (the rule stated on the
pages), never « always open ».
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

from mapapp.catalog.weekly_hours import _open_intervals, _parse

#: Slot length in minutes.
SLOT_MIN = 15
#: Days in the reference window (four weeks).
N_DAYS = 28
#: First day of the reference window.
WINDOW_START = dt.datetime(2025, 10, 1)
N_SLOTS = N_DAYS * 24 * 60 // SLOT_MIN
N_WORDS = (N_SLOTS + 63) // 64
#: Hours per week of one open slot.
HOURS_PER_SLOT_WEEK = SLOT_MIN / 60 / (N_DAYS / 7)


def _slots(expression: str) -> np.ndarray:
    oh = _parse(expression)
    end = WINDOW_START + dt.timedelta(days=N_DAYS)
    open_s = np.zeros(N_SLOTS, dtype=float)  # seconds open in each slot
    step = SLOT_MIN * 60
    for a, b in _open_intervals(oh, WINDOW_START, end):
        sa, sb = (a - WINDOW_START).total_seconds(), (b - WINDOW_START).total_seconds()
        first, last = int(sa // step), int(min((sb - 1e-6) // step, N_SLOTS - 1))
        for s in range(first, last + 1):
            open_s[s] += min(sb, (s + 1) * step) - max(sa, s * step)
    bits = np.zeros(N_WORDS * 64, dtype=bool)
    bits[:N_SLOTS] = open_s >= step / 2
    return np.packbits(bits.reshape(N_WORDS, 64)[:, ::-1], axis=1, bitorder="big").view(">u8").astype(
        np.uint64).ravel()


@lru_cache(maxsize=8192)
def slot_mask(expression: str | None) -> np.ndarray | None:
    """The packed mask of ``expression`` (read-only ``uint64[N_WORDS]``); ``None`` when blank or unparsable."""
    if expression is None or not str(expression).strip():
        return None
    try:
        mask = _slots(str(expression).strip())
    except ValueError:
        return None
    mask.setflags(write=False)
    return mask


def mask_hours(mask: np.ndarray) -> float:
    """Hours per week of a mask (or of the OR of several: pass the OR)."""
    return float(np.unpackbits(np.ascontiguousarray(mask).view(np.uint8)).sum()) * HOURS_PER_SLOT_WEEK


def mask_table(expressions: Iterable[str | None]) -> tuple[dict[str, int], np.ndarray]:
    """Row of each distinct known expression and the ``(n, N_WORDS)`` matrix of their masks."""
    index: dict[str, int] = {}
    rows = []
    for e in dict.fromkeys(x for x in expressions if isinstance(x, str)):
        m = slot_mask(e)
        if m is not None:
            index[e] = len(rows)
            rows.append(m)
    return index, (np.stack(rows) if rows else np.zeros((0, N_WORDS), dtype=np.uint64))


def hours_masks(offers, default_min_hours: float = 0.0):
    """The engine's :class:`~mapapp.access.reach_hours.HoursMasks` of an offers table's ``opening_hours``."""
    from mapapp.access.reach_hours import HOURS_COLUMN, HoursMasks

    expressions = offers[HOURS_COLUMN] if HOURS_COLUMN in offers.columns else []
    index, table = mask_table(expressions)
    return HoursMasks(index, table, HOURS_PER_SLOT_WEEK, float(default_min_hours))


@lru_cache(maxsize=8192)
def half_days_open(expression: str | None) -> frozenset[str] | None:
    """The weekday half-days (``mardi-matin``…) ``expression`` opens in at least one week of the reference
    window (:func:`~mapapp.catalog.weekly_hours.open_on` on each of its 28 days); ``None`` when unknown."""
    from mapapp.access.settings import HALF_DAY_NAMES, WEEKDAYS_FR
    from mapapp.catalog.weekly_hours import open_on

    if expression is None or not str(expression).strip():
        return None
    out = set()
    try:
        for d in range(N_DAYS):
            day = (WINDOW_START + dt.timedelta(days=d)).date()
            for half in HALF_DAY_NAMES:
                if open_on(str(expression), day, half):
                    out.add(f"{WEEKDAYS_FR[day.weekday()]}-{half}")
    except ValueError:
        return None
    return frozenset(out)


def with_half_days(offers):
    """``offers`` with the column the half-day variants filter on (:data:`mapapp.access.variants.HALF_DAYS_COLUMN`)."""
    from mapapp.access.reach_hours import HOURS_COLUMN
    from mapapp.access.variants import HALF_DAYS_COLUMN

    values = offers[HOURS_COLUMN] if HOURS_COLUMN in offers.columns else [None] * len(offers)
    return offers.assign(**{HALF_DAYS_COLUMN: [half_days_open(e) if isinstance(e, str) else None for e in values]})

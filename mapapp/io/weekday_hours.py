"""Opening hours given as one cell per weekday → OpenStreetMap ``opening_hours``.

Files like the ANCT France Services list give hours as columns ``h_lundi``
... ``h_samedi`` with cells such as ``09:00 - 12:00 / 13:30 - 17:00``. This
module turns them into one ``opening_hours`` expression
(``Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00``), the syntax of the
data·inclusion schema, and validates it with ``opening-hours-py``.

What the conversion does with odd cells (all seen in the 2024 ANCT file):

=======================================  ====================================
cell                                     result
=======================================  ====================================
empty                                    closed that day
``00:00 - 00:00`` (a form placeholder)   dropped silently (counted)
the same range twice                     kept once, silently
overlapping ranges                       merged into their union, with a note
(``09:00 - 12:30 / 09:00 - 17:00``)      (several sites or services listed)
touching ranges (``-12:00 / 12:00-``)    merged silently
``9h-12h``, ``9h30 à 12h``, en dash      accepted
a range that ends before it starts,      unconvertible: ``None`` and a
an hour past 24:00, free text            problem message
every day empty                          ``None`` and a note (no hours given)
=======================================  ====================================

Sunday has no column in the ANCT file: it is closed. Public holidays are not
mentioned (``PH off`` is not invented).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from opening_hours import OpeningHours

#: OSM weekday abbreviations in week order.
WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")

_RANGE_RE = re.compile(
    r"^(?P<h1>\d{1,2})\s*(?:[:hH.]\s*(?P<m1>\d{2})?)?\s*(?:-|–|—|à|a)\s*(?P<h2>\d{1,2})\s*(?:[:hH.]\s*(?P<m2>\d{2})?)?$"
)
_SPLIT_RE = re.compile(r"\s*(?:/|;|\bet\b|\+)\s*")


@dataclass
class HoursConversion:
    """Result of a conversion: the expression (or None), and what was noticed."""

    expression: str | None
    #: Unconvertible input: why ``expression`` is None.
    problem: str | None = None
    #: Harmless but worth saying (merged overlaps, no hours at all).
    notes: list[str] = field(default_factory=list)
    #: ``00:00 - 00:00`` placeholders dropped.
    placeholders: int = 0


class _Unconvertible(ValueError):
    pass


def _minutes(hours: str, minutes: str | None, raw: str) -> int:
    value = int(hours) * 60 + int(minutes or 0)
    if int(minutes or 0) >= 60 or value > 24 * 60:
        raise _Unconvertible(f"heure impossible dans « {raw} »")
    return value


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_day_cell(cell: str) -> tuple[list[tuple[int, int]], int, bool]:
    """Parse one day's cell into sorted, merged ``(start_min, end_min)`` ranges.

    Returns ``(ranges, placeholders, merged_overlap)``.

    Raises:
        ValueError: the cell cannot be read as time ranges.
    """
    text = (cell or "").strip()
    if not text:
        return [], 0, False
    ranges: list[tuple[int, int]] = []
    placeholders = 0
    for part in _SPLIT_RE.split(text):
        if not part:
            continue
        m = _RANGE_RE.match(part)
        if not m:
            raise _Unconvertible(f"plage illisible « {part} »")
        start = _minutes(m["h1"], m["m1"], part)
        end = _minutes(m["h2"], m["m2"], part)
        if start == 0 and end == 0:
            placeholders += 1
            continue
        if end <= start:
            raise _Unconvertible(f"plage « {part} » qui finit avant de commencer")
        ranges.append((start, end))
    ranges = sorted(set(ranges))
    merged: list[tuple[int, int]] = []
    overlap = False
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            if start < merged[-1][1]:
                overlap = True
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged, placeholders, overlap


def day_spec(indices: Sequence[int]) -> str:
    """``[0, 1, 2, 4]`` → ``Mo-We,Fr``; two consecutive days are listed (``Mo,Tu``)."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{WEEKDAYS[run[0]]}-{WEEKDAYS[run[-1]]}")
        else:
            parts.extend(WEEKDAYS[i] for i in run)
    return ",".join(parts)


def weekday_cells_to_opening_hours(cells: Mapping[int, str]) -> HoursConversion:
    """Convert ``{weekday index (0 = Monday): cell}`` into an ``opening_hours`` expression.

    Days absent from ``cells`` are closed. The expression groups days with
    identical hours, rules ordered by their first day, and is checked by
    ``opening_hours.OpeningHours``.
    """
    by_signature: dict[str, list[int]] = {}
    placeholders = 0
    notes: list[str] = []
    for day in sorted(cells):
        try:
            ranges, n_placeholders, overlap = parse_day_cell(cells[day])
        except _Unconvertible as exc:
            return HoursConversion(None, problem=f"{_DAY_FR[day]} : {exc}")
        placeholders += n_placeholders
        if overlap:
            notes.append(f"{_DAY_FR[day]} : plages qui se chevauchent fusionnées (« {cells[day].strip()} »)")
        if ranges:
            signature = ",".join(f"{_fmt(a)}-{_fmt(b)}" for a, b in ranges)
            by_signature.setdefault(signature, []).append(day)
    if not by_signature:
        notes.append("aucun horaire renseigné")
        return HoursConversion(None, notes=notes, placeholders=placeholders)
    rules = sorted(by_signature.items(), key=lambda item: item[1][0])
    expression = "; ".join(f"{day_spec(days)} {signature}" for signature, days in rules)
    try:
        OpeningHours(expression)
    except Exception:  # the parser raises its own SyntaxError subclass, in English: not shown
        return HoursConversion(None, problem=f"expression refusée par opening_hours « {expression} »")
    return HoursConversion(expression, notes=notes, placeholders=placeholders)


_DAY_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

"""The opening-hours editor's model: a week of days with up to two slots, and its ``opening_hours`` text.

The partner forms edit hours day by day (two slots a day, days left empty are
closed, « 1er et 3e jeudi du mois », closed on public holidays). This module is
the one place that turns such a week into the OpenStreetMap ``opening_hours``
syntax the catalog stores, and back:

- :func:`to_expression` writes a :class:`WeekHours` (days with identical hours
  grouped, ``Mo-Fr`` for three days or more in a row, ``Th[1,3]`` for weeks of
  the month, ``PH off``);
- :func:`to_model` reads an expression into a :class:`WeekHours`, or raises
  :class:`ExpertOnly` with a French reason when the expression says more than
  the editor can show (months, comments, several rules for one day of some
  weeks, more than two slots, a slot past midnight, holidays with hours...):
  such hours stay in the text field, for experts, and are kept as they are;
- :func:`model_from_form` reads the editor's inputs (the page without
  JavaScript posts them; the widget sends them to the preview endpoint), with
  French messages tied to each input;
- :func:`explain_fr`: a French message for an expression the parser refuses
  (the parser's own text is English and never shown).

``to_model(to_expression(m)) == m`` for every model; the demo catalog's
patterns all read into the editor (``tests/catalog/test_hours_editor.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from opening_hours import OpeningHours

from mapapp.catalog.hours import DAYS_FR, ORDINALS_FR, explain_fr
from mapapp.io.weekday_hours import WEEKDAYS, day_spec

__all__ = ["DAYS_FR", "WEEKDAYS", "explain_fr"]  # re-exported for the form's template

#: Weeks of the month the editor offers (``-1``: the last one of the month).
WEEKS = (1, 2, 3, 4, 5, -1)
#: At most this many slots a day in the editor.
MAX_SLOTS = 2
WEEK_LABELS = {w: ("dernier" if w == -1 else ORDINALS_FR[w]) for w in WEEKS}

_TIME = r"(?:[01]?\d|2[0-4]):[0-5]\d"
_SLOT_RE = re.compile(rf"^({_TIME})-({_TIME})$")
_DAY_ITEM_RE = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su)|\[([-\d,]+)\])?$")
_RULE_RE = re.compile(r"^(?P<days>[A-Za-z][A-Za-z0-9\[\],\-]*)(?:\s+(?P<times>\S+))?$")


class ExpertOnly(ValueError):
    """The expression is valid but says more than the editor shows: it stays in the text field (French reason)."""


@dataclass(frozen=True)
class DayHours:
    """One weekday: its slots (``("09:00", "12:00")``, at most two) and the weeks of the month (empty: every week)."""

    slots: tuple[tuple[str, str], ...]
    weeks: tuple[int, ...] = ()


@dataclass
class WeekHours:
    """A week as the editor shows it: open days only (a day absent is closed)."""

    days: dict[str, DayHours] = field(default_factory=dict)
    holidays_closed: bool = False
    always_open: bool = False

    def is_empty(self) -> bool:
        return not self.days and not self.holidays_closed and not self.always_open


# --------------------------------------------------------------------------- model -> expression


def _weeks_text(weeks: tuple[int, ...]) -> str:
    return ",".join(str(w) for w in weeks)


def _sorted_weeks(weeks) -> tuple[int, ...]:
    return tuple(sorted(set(weeks), key=lambda w: (w < 0, w)))


def to_expression(model: WeekHours) -> str | None:
    """The ``opening_hours`` text of ``model`` (``None`` when nothing is said)."""
    rules: list[str] = []
    if model.always_open:
        rules.append("24/7")
    groups: dict[DayHours, list[int]] = {}
    for index, day in enumerate(WEEKDAYS):
        hours = model.days.get(day)
        if hours is not None and hours.slots:
            groups.setdefault(hours, []).append(index)
    for hours, indices in sorted(groups.items(), key=lambda item: item[1][0]):
        times = ",".join(f"{a}-{b}" for a, b in hours.slots)
        if hours.weeks:
            days = ",".join(f"{WEEKDAYS[i]}[{_weeks_text(hours.weeks)}]" for i in indices)
        else:
            days = day_spec(indices)
        rules.append(f"{days} {times}")
    if model.holidays_closed:
        rules.append("PH off")
    return "; ".join(rules) or None


# --------------------------------------------------------------------------- expression -> model


def _slots(text: str, rule: str) -> tuple[tuple[str, str], ...]:
    parts = [p.strip() for p in text.split(",")]
    out = []
    for part in parts:
        m = _SLOT_RE.match(part)
        if not m:
            raise ExpertOnly(f"« {rule} » : la plage « {part} » ne s'écrit pas comme « 09:00-12:00 »")
        start, end = (t.zfill(5) for t in m.groups())
        if end <= start:
            raise ExpertOnly(f"« {rule} » : la plage {start}-{end} passe minuit")
        out.append((start, end))
    if len(out) > MAX_SLOTS:
        raise ExpertOnly(f"« {rule} » : plus de {MAX_SLOTS} créneaux dans la journée")
    out.sort()
    for (_, end), (start, _) in zip(out, out[1:]):
        if start < end:
            raise ExpertOnly(f"« {rule} » : créneaux qui se chevauchent")
    return tuple(out)


def _nth(spec: str, rule: str) -> tuple[int, ...]:
    weeks: list[int] = []
    for item in spec.split(","):
        m = re.fullmatch(r"([1-5])-([1-5])", item)
        if m and int(m[1]) < int(m[2]):
            weeks.extend(range(int(m[1]), int(m[2]) + 1))
        elif re.fullmatch(r"-?[1-5]", item) and int(item) in WEEKS:
            weeks.append(int(item))
        else:
            raise ExpertOnly(f"« {rule} » : semaines du mois « [{spec}] » hors de l'éditeur")
    return _sorted_weeks(weeks)


def _days(spec: str, rule: str) -> list[tuple[str, tuple[int, ...]]]:
    out = []
    for item in re.split(r",(?![^\[]*\])", spec):
        m = _DAY_ITEM_RE.match(item)
        if not m:
            raise ExpertOnly(f"« {rule} » : sélecteur « {item} » hors de l'éditeur (mois, dates, semaines...)")
        start, end, nth = m.groups()
        if end:
            a, b = WEEKDAYS.index(start), WEEKDAYS.index(end)
            if b < a:
                raise ExpertOnly(f"« {rule} » : plage de jours qui passe par dimanche")
            out.extend((WEEKDAYS[i], ()) for i in range(a, b + 1))
        else:
            out.append((start, _nth(nth, rule) if nth else ()))
    return out


def to_model(expression: str | None) -> WeekHours:
    """The editor's week for ``expression``.

    Raises:
        ExpertOnly: a valid expression the editor cannot show (French reason).
        ValueError: an expression the parser refuses (French message, :func:`explain_fr`).
    """
    model = WeekHours()
    if expression is None or not expression.strip():
        return model
    expression = expression.strip()
    try:
        OpeningHours(expression)
    except Exception:  # its own SyntaxError subclass, in English
        raise ValueError(explain_fr(expression)) from None
    if '"' in expression or "||" in expression:
        raise ExpertOnly("commentaire ou règle de repli (« || ») : hors de l'éditeur")
    regular: dict[str, DayHours | None] = {}  # None: said closed
    monthly: dict[str, DayHours] = {}
    for rule in (r.strip() for r in expression.split(";")):
        if not rule:
            continue
        if rule == "24/7":
            model.always_open = True
            continue
        m = _RULE_RE.match(re.sub(r"\s*,\s*", ",", rule))
        if not m:
            raise ExpertOnly(f"« {rule} » : règle hors de l'éditeur (mois, dates, numéros de semaine...)")
        days, times = m["days"], (m["times"] or "").strip()
        if days == "PH":
            if times not in ("off", "closed"):
                raise ExpertOnly(f"« {rule} » : l'éditeur ne connaît que « fermé les jours fériés »")
            model.holidays_closed = True
            continue
        if not times:
            raise ExpertOnly(f"« {rule} » : jours sans heures (toute la journée)")
        closed = times in ("off", "closed")
        slots = () if closed else _slots(times, rule)
        for day, weeks in _days(days, rule):
            if weeks:
                if closed:
                    raise ExpertOnly(f"« {rule} » : fermeture certaines semaines seulement")
                previous = monthly.get(day)
                if previous is not None and previous.slots != slots:
                    raise ExpertOnly(f"« {rule} » : le {DAYS_FR[day]} a des heures différentes selon la semaine")
                monthly[day] = DayHours(slots, _sorted_weeks((previous.weeks if previous else ()) + weeks))
            else:
                regular[day] = None if closed else DayHours(slots)  # a later rule replaces the day (OSM)
    for day, hours in monthly.items():
        if regular.get(day) is not None:
            raise ExpertOnly(f"le {DAYS_FR[day]} a des heures chaque semaine et d'autres certaines semaines")
        regular[day] = hours
    model.days = {d: regular[d] for d in WEEKDAYS if regular.get(d) is not None}
    return model


def editable(expression: str | None) -> tuple[WeekHours | None, str | None]:
    """``(model, None)`` when the editor can show ``expression``, else ``(None, French reason)``."""
    try:
        return to_model(expression), None
    except ExpertOnly as exc:
        return None, f"horaires avancés, modifiables seulement dans le champ texte : {exc}"
    except ValueError as exc:
        return None, str(exc)


# --------------------------------------------------------------------------- the editor's inputs


def input_name(field_name: str, day: str, slot: int, end: bool) -> str:
    """The input of a slot's start or end: ``horaires_accueil-Mo-1-debut``."""
    return f"{field_name}-{day}-{slot}-{'fin' if end else 'debut'}"


def weeks_name(field_name: str, day: str) -> str:
    return f"{field_name}-{day}-semaines"


def holidays_name(field_name: str) -> str:
    return f"{field_name}-feries"


def always_name(field_name: str) -> str:
    return f"{field_name}-h24"


def marker_name(field_name: str) -> str:
    """A hidden input the editor always posts: tells that the editor's inputs were on the page."""
    return f"{field_name}-editeur"


_CLOCK_RE = re.compile(r"^(\d{1,2})\s*(?:[:hH]\s*(\d{2})?)?$")


def _clock(raw: str) -> str:
    m = _CLOCK_RE.match(raw.strip())
    if not m:
        raise ValueError(f"heure illisible « {raw.strip()} » : écrivez par exemple 09:00")
    hours, minutes = int(m[1]), int(m[2] or 0)
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"heure impossible « {raw.strip()} »")
    return f"{hours:02d}:{minutes:02d}"


def model_from_form(field_name: str, form: Mapping) -> tuple[WeekHours, list[tuple[str, str]]]:
    """The week the editor's inputs say, and the errors as ``(input name, French message)``.

    ``form`` is a werkzeug ``MultiDict`` (``getlist`` for the weeks of the month).
    """
    model = WeekHours(holidays_closed=bool(form.get(holidays_name(field_name))),
                      always_open=bool(form.get(always_name(field_name))))
    errors: list[tuple[str, str]] = []
    for day in WEEKDAYS:
        slots = []
        for slot in range(1, MAX_SLOTS + 1):
            names = input_name(field_name, day, slot, False), input_name(field_name, day, slot, True)
            raw = [(form.get(n) or "").strip() for n in names]
            label = f"{DAYS_FR[day]}, créneau {slot}"
            if not any(raw):
                continue
            if not all(raw):
                missing = names[0] if not raw[0] else names[1]
                errors.append((missing, f"{label} : indiquez l'heure de {'début' if missing == names[0] else 'fin'}"))
                continue
            try:
                start, end = _clock(raw[0]), _clock(raw[1])
            except ValueError as exc:
                errors.append((names[0], f"{label} : {exc}"))
                continue
            if end <= start:
                errors.append((names[1], f"{label} : l'heure de fin ({end}) doit suivre l'heure de début ({start})"))
                continue
            slots.append((start, end))
        slots.sort()
        if len(slots) == 2 and slots[1][0] < slots[0][1]:
            errors.append((input_name(field_name, day, 2, False), f"{DAYS_FR[day]} : les deux créneaux se chevauchent"))
            continue
        try:
            weeks = _sorted_weeks(int(w) for w in form.getlist(weeks_name(field_name, day)) if w)
        except ValueError:
            weeks = ()
        if any(w not in WEEKS for w in weeks):
            errors.append((weeks_name(field_name, day), f"{DAYS_FR[day]} : semaine du mois inconnue"))
            continue
        if slots:
            model.days[day] = DayHours(tuple(slots), weeks)
        elif weeks:
            errors.append((input_name(field_name, day, 1, False),
                           f"{DAYS_FR[day]} : des semaines du mois sont cochées mais aucun créneau n'est indiqué"))
    return model, errors

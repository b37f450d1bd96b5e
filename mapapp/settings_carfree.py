"""The ``[sans_voiture]`` section of the settings file: departure window and on-demand transport rules.

Read into :class:`mapapp.access.carfree.CarfreeSettings` (every key optional;
an absent section gives the defaults)::

    [sans_voiture]
    jour = "2026-09-15"           # the timetables' day; absent: the Tuesday with the most trips
    fenetre = "08:00-10:00"       # departures, both ends included
    pas_minutes = 5               # one departure every 5 minutes
    duree_max_minutes = 180       # longer journeys count as impossible
    marche_max_m = 1200           # longest walk to or from a stop (straight line)
    sejour_minutes = 60           # the return rule: time on site,
    retour_avant = "12:30"        # and home by (same half-day)
    tad_facteur = 1.25            # transport à la demande: car time × factor,
    tad_horaires = "08:30-17:30"  # within these hours, Monday to Friday
    solidaire_facteur = 1.0
    solidaire_horaires = "09:00-17:00"

Problems are collected by the settings file's reader, with their line, in French.
"""

from __future__ import annotations

import datetime as dt
import re

from mapapp.access.carfree import CarfreeSettings, OnDemand

SECTION = "sans_voiture"
KEYS = ("jour", "fenetre", "pas_minutes", "duree_max_minutes", "marche_max_m", "sejour_minutes", "retour_avant",
        "tad_facteur", "tad_horaires", "solidaire_facteur", "solidaire_horaires")
_TIME = re.compile(r"^([0-2]?\d):([0-5]\d)$")


def _clock(text) -> int | None:
    m = _TIME.match(str(text).strip()) if isinstance(text, str) else None
    if not m or int(m.group(1)) > 29:
        return None
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60


def _span(reader, table, key) -> tuple[int, int] | None:
    value = table[key]
    parts = value.split("-") if isinstance(value, str) else []
    times = [_clock(p) for p in parts]
    if len(times) != 2 or None in times:
        reader.problem(SECTION, 0, key, f"« {key} » doit être une plage « HH:MM-HH:MM » (par exemple "
                                        "\"08:00-10:00\")")
        return None
    if times[0] >= times[1]:
        reader.problem(SECTION, 0, key, f"« {key} » : le début ({parts[0].strip()}) doit précéder la fin "
                                        f"({parts[1].strip()})")
        return None
    return times[0], times[1]


def read_carfree(reader, table) -> CarfreeSettings:
    """The section read with ``reader`` (:class:`mapapp.settings_file._Reader`), problems noted on it."""
    default = CarfreeSettings()
    if not isinstance(table, dict):
        reader.problem(None, 0, SECTION, f"« {SECTION} » doit être une section [{SECTION}]")
        return default
    reader.check_keys(SECTION, 0, table, KEYS)
    kw: dict = {}
    if "jour" in table:
        try:
            kw["service_date"] = dt.date.fromisoformat(str(table["jour"])).isoformat()
        except ValueError:
            reader.problem(SECTION, 0, "jour", f"« jour » : date « {table['jour']} » illisible (attendu "
                                               "AAAA-MM-JJ, par exemple \"2026-09-15\")")
    if "fenetre" in table and (span := _span(reader, table, "fenetre")):
        kw["window_start_s"], kw["window_end_s"] = span
    for key, name, scale in (("pas_minutes", "step_s", 60), ("duree_max_minutes", "max_time_s", 60),
                             ("marche_max_m", "access_m", 1), ("sejour_minutes", "stay_s", 60)):
        if key in table and (v := reader.number(SECTION, 0, table, key, positive=key != "sejour_minutes")) \
                is not None:
            kw[name] = int(round(v * scale)) if scale != 1 else v
    if "retour_avant" in table:
        if (t := _clock(table["retour_avant"])) is None:
            reader.problem(SECTION, 0, "retour_avant", "« retour_avant » doit être une heure « HH:MM »")
        elif t < kw.get("window_start_s", default.window_start_s):
            reader.problem(SECTION, 0, "retour_avant", "« retour_avant » précède le début de la fenêtre de départ")
        else:
            kw["home_by_s"] = t
    for prefix, base in (("tad", default.tad), ("solidaire", default.solidaire)):
        rule = {}
        if f"{prefix}_facteur" in table and (v := reader.number(SECTION, 0, table, f"{prefix}_facteur",
                                                                positive=True)) is not None:
            if v < 1:
                reader.problem(SECTION, 0, f"{prefix}_facteur", f"« {prefix}_facteur » doit valoir au moins 1 "
                                                                "(pas plus rapide qu'une voiture)")
            else:
                rule["speed_factor"] = v
        if f"{prefix}_horaires" in table and (span := _span(reader, table, f"{prefix}_horaires")):
            rule["service_start_s"], rule["service_end_s"] = span
        if rule:
            kw["tad" if prefix == "tad" else "solidaire"] = OnDemand(**{**_fields(base), **rule})
    try:
        return CarfreeSettings(**kw)
    except ValueError as exc:  # combinations the checks above let through
        reader.problem(SECTION, 0, None, f"réglages sans voiture incohérents : {exc}")
        return default


def _fields(rule: OnDemand) -> dict:
    return {"speed_factor": rule.speed_factor, "service_start_s": rule.service_start_s,
            "service_end_s": rule.service_end_s, "weekdays": rule.weekdays}


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def write_carfree(c: CarfreeSettings) -> list[str]:
    """The section's lines (empty for the defaults: the file stays as it was)."""
    if c == CarfreeSettings():
        return []
    lines = ["", "# Sans voiture : jour des horaires de transport, fenêtre de départ, transport à la demande.",
             f"[{SECTION}]"]
    if c.service_date:
        lines.append(f'jour = "{c.service_date}"')
    lines += [f'fenetre = "{_hhmm(c.window_start_s)}-{_hhmm(c.window_end_s)}"',
              f"pas_minutes = {c.step_s / 60:g}", f"duree_max_minutes = {c.max_time_s / 60:g}",
              f"marche_max_m = {c.access_m:g}", f"sejour_minutes = {c.stay_s / 60:g}",
              f'retour_avant = "{_hhmm(c.home_by_s)}"']
    for prefix, rule in (("tad", c.tad), ("solidaire", c.solidaire)):
        lines += [f"{prefix}_facteur = {rule.speed_factor:g}",
                  f'{prefix}_horaires = "{_hhmm(rule.service_start_s)}-{_hhmm(rule.service_end_s)}"']
    return lines

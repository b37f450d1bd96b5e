"""Reference values read from a CSV: figures of France, a région or another département to compare with.

One row per indicator, zone and year::

    indicateur;zone;valeur;annee;source;unite
    part_au_dela:services_quotidien:car:7;France métropolitaine;5;2021;Insee Première n° 1874;%
    part_au_dela:services_quotidien:car:7;47;9;2021;Insee Analyses Nouvelle-Aquitaine;%

- ``indicateur``: a free key; the pages show a reference beside their own figure when the keys
  match. The share of inhabitants beyond a threshold is
  ``part_au_dela:<thème>:<mode>:<minutes>`` (:func:`share_beyond_key`), e.g.
  ``part_au_dela:france_services:car:20``;
- ``zone``: ``France``, ``France métropolitaine`` (or ``FR``, ``FRM``), a région
  (``R76``, ``région 76``) or a département code (``47``, ``2A``, ``974``);
- ``valeur``: a number (``5`` or ``5,2``); ``unite`` (optional): ``%`` (the value is a
  percentage), ``min`` or empty;
- ``annee`` and ``source`` are required: a figure without its source and year is not shown.

Read by the project's strict CSV reader; every problem is reported with its line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from mapapp.formats import number, percent

from mapapp.territory.tabular import find_column, parse_number, read_csv_table
from mapapp.territory.validation import ImportReport, TerritoryImportError, finish, start

REFERENCE_COLUMNS = ("indicator", "zone", "zone_label", "value", "unit", "year", "source", "line")
UNITS = {"": "", "%": "%", "pourcent": "%", "min": "min", "minutes": "min", "nombre": ""}
_REGION = re.compile(r"^(?:r|region|région)\s*[:\s-]?\s*(\d{2})$", re.IGNORECASE)
_DEPARTEMENT = re.compile(r"^(?:d|dep|département|departement)?\s*[:\s-]?\s*(\d{2,3}|2[AB])$", re.IGNORECASE)


def share_beyond_key(theme: str, mode: str, minutes: float) -> str:
    """The reference key of « share of inhabitants beyond ``minutes`` of ``theme`` by ``mode`` »."""
    return f"part_au_dela:{theme}:{mode}:{minutes:g}"


def format_reference(ref) -> str:
    """« France métropolitaine : 5 % (Insee Première, 2021) »."""
    if ref.unit == "%":
        value = percent(ref.value / 100, 0 if float(ref.value).is_integer() else 1)
    elif ref.unit == "min":
        value = f"{number(ref.value)}\u00a0min"
    else:
        value = number(ref.value)
    return f"{ref.zone_label} : {value} ({ref.source}, {ref.year})"


def parse_zone(text: str) -> tuple[str, str] | None:
    """``(zone, label)`` of a zone as written, or None when it is not one."""
    bare = " ".join(text.strip().split())
    low = bare.lower()
    if low in ("france", "fr", "france entière", "france entiere"):
        return "france", "France"
    if low in ("france métropolitaine", "france metropolitaine", "frm", "métropole", "metropole"):
        return "france_metro", "France métropolitaine"
    if m := _REGION.match(bare):
        return f"region:{m.group(1)}", f"Région {m.group(1)}"
    if m := _DEPARTEMENT.match(bare):
        code = m.group(1).upper()
        return f"departement:{code}", f"Département {code}"
    return None


def read_references(path: str | Path, report: ImportReport | None = None, source: str | None = None) -> pd.DataFrame:
    """Read a reference values CSV into :data:`REFERENCE_COLUMNS` (``zone_label`` from an optional
    ``libelle_zone`` column, else derived from the zone)."""
    report, owned = start(report)
    path = Path(path)
    source = source or path.name
    empty = pd.DataFrame(columns=list(REFERENCE_COLUMNS))
    try:
        table = read_csv_table(path, report, source, multiline=())
    except TerritoryImportError:
        if owned:
            raise
        return empty
    cols = {name: find_column(table.columns, cands) for name, cands in {
        "indicator": ("indicateur", "indicator"), "zone": ("zone",), "value": ("valeur", "value"),
        "year": ("annee", "année", "year"), "source": ("source",), "unit": ("unite", "unité", "unit"),
        "label": ("libelle_zone", "libellé_zone", "nom_zone")}.items()}
    missing = [n for n, k in (("indicateur", "indicator"), ("zone", "zone"), ("valeur", "value"),
                              ("annee", "year"), ("source", "source")) if cols[k] is None]
    if missing:
        report.error(source, 1, f"colonne(s) absente(s) : {', '.join(missing)} (attendu : indicateur, zone, valeur, "
                                "annee, source ; facultatif : unite, libelle_zone)")
        finish(report, owned)
        return empty
    rows, seen = [], {}
    for row, line in zip(table.rows, table.lines):
        indicator = row[cols["indicator"]]
        if not indicator:
            report.error(source, line, "indicateur vide", column=cols["indicator"])
            continue
        zone = parse_zone(row[cols["zone"]])
        if zone is None:
            report.error(source, line, f"zone « {row[cols['zone']]} » inconnue : France, France métropolitaine, "
                                       "une région (R76) ou un code de département (47, 2A, 974)",
                         column=cols["zone"], value=row[cols["zone"]])
            continue
        try:
            value = parse_number(row[cols["value"]])
        except ValueError:
            value = None
        if value is None:
            report.error(source, line, f"valeur « {row[cols['value']]} » : un nombre est attendu",
                         column=cols["value"], value=row[cols["value"]])
            continue
        year_text = row[cols["year"]]
        if not re.fullmatch(r"(19|20)\d{2}", year_text):
            report.error(source, line, f"année « {year_text} » : quatre chiffres attendus (2021)",
                         column=cols["year"], value=year_text)
            continue
        if not row[cols["source"]]:
            report.error(source, line, "source vide : une valeur de référence dit d'où elle vient",
                         column=cols["source"])
            continue
        unit_text = row[cols["unit"]].lower() if cols["unit"] else ""
        if unit_text not in UNITS:
            report.error(source, line, f"unité « {unit_text} » inconnue : %, min ou vide", column=cols["unit"],
                         value=unit_text)
            continue
        key = (indicator, zone[0], int(year_text))
        if key in seen:
            report.error(source, line, f"déjà donnée ligne {seen[key]} (même indicateur, zone et année)")
            continue
        seen[key] = line
        label = (row[cols["label"]] if cols["label"] else "") or zone[1]
        rows.append((indicator, zone[0], label, value, UNITS[unit_text], int(year_text), row[cols["source"]], line))
    finish(report, owned)
    return pd.DataFrame(rows, columns=list(REFERENCE_COLUMNS)) if report.ok else empty

"""The Jinja filters of French formats: every one a thin name for a :mod:`mapapp.formats` function.

Registered once on the application (:func:`register`), so every page writes numbers,
shares, travel times, dates and instants (in Europe/Paris time) the same way as the
CLI, the exports and the reports.
"""

from __future__ import annotations

from flask import Flask

from mapapp import formats

#: Filter name (used by the templates) → formatting function.
FILTERS = {
    "minutes_fr": formats.minutes,        # « 7,4 min » (tables of indicators)
    "duree_fr": formats.travel_time,      # « 12 min », « 10 h 36 »
    "percent_fr": formats.percent,        # « 5,4 % », « < 0,1 % »
    "count_fr": formats.integer,          # « 12 345 »
    "thousands": formats.integer,
    "number_fr": formats.number,          # « 4,5 »
    "decimal_fr": formats.decimal_fr,
    "seuil_fr": formats.threshold,        # « 20 min »
    "date_fr": formats.date,              # « 1er novembre 2026 »
    "datetime_fr": formats.date_time,     # « 7 décembre 2026 à 11 h 58 » (Paris time)
    "short_datetime_fr": formats.short_date_time,  # « 07/12/2026 11:58 » (Paris time)
}


def register(app: Flask) -> None:
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)

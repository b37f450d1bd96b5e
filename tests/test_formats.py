"""mapapp.formats: the one place of French numbers, shares, times, dates and agreed counts (Babel, fr_FR)."""

import datetime as dt
import math

import pytest

from mapapp.formats import (
    count,
    date,
    date_time,
    decimal_fr,
    duration,
    integer,
    minutes,
    number,
    percent,
    plural,
    short_date_time,
    span,
    threshold,
    travel_time,
)

NNBSP = "\u202f"  # CLDR French thousands separator (narrow no-break space)
NBSP = "\u00a0"


def test_numbers_use_french_separators():
    assert number(5332) == f"5{NNBSP}332"
    assert number(1234567.5) == f"1{NNBSP}234{NNBSP}567,5"
    assert number(4, 1) == "4,0"
    assert number(0.85, 2) == "0,85"
    assert number(12.6, 0) == "13"


def test_integers_and_decimals_round_half_up_like_people():
    assert integer(218649.0) == f"218{NNBSP}649"
    assert integer(2.5) == "3" and integer(0.4) == "0" and integer(-2.5) == "-3"
    assert integer(float("nan")) == "—" and integer(None, missing="?") == "?"
    assert decimal_fr(5.35) == "5,4" and decimal_fr(7.36) == "7,4" and decimal_fr(0.05, 1) == "0,1"
    assert decimal_fr(math.inf) == "injoignable"


def test_percentages_never_hide_small_non_zero_shares():
    assert percent(0.0535) == f"5,4{NBSP}%"
    assert percent(0.123, 0) == f"12{NBSP}%" and percent(0.125, 0) == f"13{NBSP}%"
    assert percent(0.0) == f"0{NBSP}%" and percent(1.0) == f"100{NBSP}%"
    assert percent(0.0002) == f"<{NBSP}0,1{NBSP}%"
    assert percent(0.9999) == f">{NBSP}99,9{NBSP}%"
    assert percent(None) == "—"


@pytest.mark.parametrize(("seconds", "expected"), [
    (4.0, "4,0 s"), (0.04, "0,0 s"), (59.9, "59,9 s"), (65, "1 min 05 s"), (600, "10 min 00 s"),
    (3599.4, "59 min 59 s"), (3600, "1 h 00"), (38160, "10 h 36"), (90000, "25 h 00"),
])
def test_durations(seconds, expected):
    assert duration(seconds).replace(NBSP, " ") == expected


def test_duration_keeps_value_and_unit_together():
    assert NBSP + "s" in duration(4) and " " not in duration(4)


@pytest.mark.parametrize("minutes_, text", [
    (0.0, f"moins d'1{NBSP}min"),
    (0.4, f"moins d'1{NBSP}min"),
    (1.0, f"1{NBSP}min"),
    (12.3, f"12{NBSP}min"),
    (12.5, f"13{NBSP}min"),  # half up, as people round
    (59.4, f"59{NBSP}min"),
    (59.6, f"1{NBSP}h{NBSP}00"),
    (65, f"1{NBSP}h{NBSP}05"),
    (636.0, f"10{NBSP}h{NBSP}36"),  # the « 636,0 min » of issue 18
    (1440, f"24{NBSP}h{NBSP}00"),
])
def test_travel_time_reads_like_a_person_would_say_it(minutes_, text):
    assert travel_time(minutes_) == text


def test_travel_time_unreachable_missing_and_invalid():
    assert travel_time(math.inf) == "injoignable"
    assert travel_time(None) == "—" and travel_time(float("nan"), missing="?") == "?"
    with pytest.raises(ValueError, match="durée invalide"):
        travel_time(-1)
    with pytest.raises(ValueError, match="durée invalide"):
        duration(float("nan"))


def test_minutes_with_decimal_and_thresholds():
    assert minutes(7.36) == f"7,4{NBSP}min"
    assert minutes(math.inf) == "injoignable" and minutes(math.inf, unreachable="∞") == "∞"
    assert minutes(float("nan")) == "—"
    assert threshold(20.0) == f"20{NBSP}min" and threshold(7.5) == f"7,5{NBSP}min"


def test_dates_in_words():
    assert date(dt.date(2026, 11, 1)) == "1er novembre 2026"
    assert date("2026-02-14T10:00:00+00:00") == "14 février 2026"
    assert date(None) == "" and date("") == ""
    # 23:30 UTC on 31 December is already the 1st of January in Paris.
    assert date("2026-12-31T23:30:00+00:00") == "1er janvier 2027"


def test_instants_are_in_paris_time_never_utc():
    # Winter: UTC+1; summer: UTC+2. A naive datetime is UTC (what the database stores).
    assert date_time("2026-12-07T10:58:03+00:00") == f"7 décembre 2026 à 11{NBSP}h{NBSP}58"
    assert date_time(dt.datetime(2026, 7, 1, 10, 5)) == f"1er juillet 2026 à 12{NBSP}h{NBSP}05"
    assert short_date_time(dt.datetime(2026, 7, 1, 22, 5)) == "02/07/2026 00:05"
    assert date_time(None) == ""


def test_policy_spans_in_the_largest_exact_unit():
    assert span(dt.timedelta(hours=12)).replace(NBSP, " ") == "12 heures"
    assert span(dt.timedelta(minutes=15)).replace(NBSP, " ") == "15 minutes"
    assert span(dt.timedelta(days=7)).replace(NBSP, " ") == "7 jours"  # not Babel's « 1 semaine »
    assert span(dt.timedelta(hours=36)).replace(NBSP, " ") == "36 heures"
    assert span(dt.timedelta(days=1)).replace(NBSP, " ") == "1 jour"


def test_french_plural_agreement():
    assert count(0, "erreur") == "0 erreur"
    assert count(1, "mode") == "1 mode"
    assert count(2, "mode") == "2 modes"
    assert count(1.5, "kilomètre") == "1,5 kilomètre"
    assert count(5332, "nœud") == f"5{NNBSP}332 nœuds"
    assert count(3, "lieu", "lieux") == "3 lieux"
    assert plural(1, "carreau", "carreaux") == "carreau" and plural(7, "carreau", "carreaux") == "carreaux"

"""French formats: numbers, shares, minutes (« injoignable », never a number), dates."""

import datetime as dt
import math

from mapapp.reports.fmt import fr_date, fr_int, fr_minutes, fr_pct, fr_threshold, plural


def test_integers_have_narrow_no_break_space_thousands():
    assert fr_int(218649.0) == "218\u202f649"
    assert fr_int(2.5) == "3" and fr_int(0.4) == "0"
    assert fr_int(float("nan")) == "—"


def test_shares_as_french_percentages_never_hide_small_non_zero_shares():
    assert fr_pct(0.0535) == "5,4\u00a0%"
    assert fr_pct(0.0) == "0\u00a0%" and fr_pct(1.0) == "100\u00a0%"
    assert fr_pct(0.0002) == "<\u00a00,1\u00a0%"
    assert fr_pct(0.9999) == ">\u00a099,9\u00a0%"


def test_minutes_unreachable_is_a_word():
    assert fr_minutes(7.36) == "7,4\u00a0min"
    assert fr_minutes(math.inf) == "injoignable"
    assert fr_minutes(float("nan")) == "—"
    assert fr_threshold(20.0) == "20\u00a0min" and fr_threshold(7.5) == "7,5\u00a0min"


def test_dates_and_plurals():
    assert fr_date(dt.date(2026, 11, 1)) == "1er novembre 2026"
    assert fr_date("2026-02-14T10:00:00+00:00") == "14 février 2026"
    assert plural(1, "commune") == "1 commune" and plural(0, "commune") == "0 commune"
    assert plural(2, "lieu", "lieux") == "2 lieux"

"""mapapp.formats: French numbers, percentages, durations and agreed counts (Babel, fr_FR)."""

import pytest

from mapapp.formats import count, duration, minutes, number, percent, plural

NNBSP = "\u202f"  # CLDR French thousands separator (narrow no-break space)
NBSP = "\u00a0"


def test_numbers_use_french_separators():
    assert number(5332) == f"5{NNBSP}332"
    assert number(1234567.5) == f"1{NNBSP}234{NNBSP}567,5"
    assert number(4, 1) == "4,0"
    assert number(0.85, 2) == "0,85"
    assert number(12.6, 0) == "13"


def test_percentages():
    assert percent(0.123) == f"12{NBSP}%"
    assert percent(0.1234, 1) == f"12,3{NBSP}%"
    assert percent(1) == f"100{NBSP}%"


@pytest.mark.parametrize(("seconds", "expected"), [
    (4.0, "4,0 s"), (0.04, "0,0 s"), (59.9, "59,9 s"), (65, "1 min 05 s"), (600, "10 min 00 s"),
    (3599.4, "59 min 59 s"), (3600, "1 h 00"), (38160, "10 h 36"), (90000, "25 h 00"),
])
def test_durations(seconds, expected):
    assert duration(seconds).replace(NBSP, " ") == expected


def test_duration_keeps_value_and_unit_together():
    assert NBSP + "s" in duration(4) and " " not in duration(4)


def test_travel_minutes():
    assert minutes(12.4).replace(NBSP, " ") == "12 min"
    assert minutes(636).replace(NBSP, " ") == "10 h 36"
    assert minutes(65).replace(NBSP, " ") == "1 h 05"


@pytest.mark.parametrize("bad", [-1, float("nan")])
def test_invalid_durations_are_refused(bad):
    with pytest.raises(ValueError):
        duration(bad)
    with pytest.raises(ValueError):
        minutes(bad)


def test_french_plural_agreement():
    assert count(0, "erreur") == "0 erreur"
    assert count(1, "mode") == "1 mode"
    assert count(2, "mode") == "2 modes"
    assert count(1.5, "kilomètre") == "1,5 kilomètre"
    assert count(5332, "nœud") == f"5{NNBSP}332 nœuds"
    assert count(3, "lieu", "lieux") == "3 lieux"
    assert plural(1, "carreau", "carreaux") == "carreau" and plural(7, "carreau", "carreaux") == "carreaux"


def test_rounding_is_half_up_like_the_reports():
    from mapapp.reports.fmt import fr_decimal, fr_int

    for value in (2.5, 3.5, 1234.5, 5.35, 0.05, 125936.5, 7.36):
        assert number(value, 0) == fr_int(value), value
        assert number(value, 1) == fr_decimal(value, 1), value
    assert percent(0.125) == f"13{NBSP}%"

import datetime as dt

import pytest

from mapapp.catalog.weekly_hours import open_on, union_weekly_hours, weekly_hours, weekly_hours_fr


@pytest.mark.parametrize("expr, hours", [
    ("Th[1,3] 14:00-16:00", 1.0),  # 2 × 2 h per 4 weeks
    ("Tu[2] 09:00-12:00", 0.75),  # 3 h per 4 weeks
    ("Fr[2,4] 09:00-11:30", 1.25),
    ("Mo-Fr 09:00-12:00,14:00-17:00", 30.0),
    ("Mo-Fr 08:30-12:00,13:30-17:00; PH off", 35.0),  # a typical week has no holiday
    ("24/7", 168.0),
    ("Mo 09:00-12:00", 3.0),
    ("Mo 22:00-02:00", 4.0),  # past midnight
    ("Tu,We,Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00", 21.0),
])
def test_weekly_hours(expr, hours):
    assert weekly_hours(expr) == pytest.approx(hours)


def test_seasonal_rule_is_averaged_over_the_year():
    # open Mondays 2 h from September to June: 10 months out of 12
    assert weekly_hours("Sep-Jun Mo 10:00-12:00") == pytest.approx(2 * 10 / 12)


@pytest.mark.parametrize("expr", [None, "", "   "])
def test_no_hours_given_is_unknown_never_always_open(expr):
    assert weekly_hours(expr) is None
    assert open_on(expr, dt.date(2025, 3, 4)) is None
    assert union_weekly_hours([expr, expr]) is None


def test_unparsable_hours_say_so_in_french():
    with pytest.raises(ValueError, match="horaires illisibles « Lundi 9h-12h »"):
        weekly_hours("Lundi 9h-12h")


@pytest.mark.parametrize("exprs, hours", [
    (["Mo 09:00-12:00", "Mo 09:00-12:00"], 3.0),  # the same half-day: counted once
    (["Mo 09:00-12:00", "Mo 11:00-13:00"], 4.0),  # overlap of 1 h
    (["Mo 09:00-12:00", "Tu 09:00-12:00"], 6.0),
    (["Th[1,3] 14:00-16:00", "Th 14:00-16:00"], 2.0),  # the permanence adds nothing to a weekly site
    (["Th[1] 14:00-16:00", "Th[3] 14:00-16:00"], 1.0),
    (["Mo 09:00-12:00", None, ""], 3.0),  # unknown hours add nothing
])
def test_union_weekly_hours(exprs, hours):
    assert union_weekly_hours(exprs) == pytest.approx(hours)


def test_union_is_at_least_the_largest_and_at_most_the_sum():
    exprs = ["Mo-Fr 09:00-12:00,13:30-17:00", "Tu,Th 09:00-12:00,14:00-16:30", "Th[2] 09:00-12:00"]
    each = [weekly_hours(e) for e in exprs]
    union = union_weekly_hours(exprs)
    assert max(each) <= union < sum(each)


# March 2025: Tuesday 4th is the 1st Tuesday, 11th the 2nd, 18th the 3rd.
@pytest.mark.parametrize("expr, day, half_day, expected", [
    ("Tu[1,3] 09:00-12:00", dt.date(2025, 3, 4), None, True),
    ("Tu[1,3] 09:00-12:00", dt.date(2025, 3, 4), "matin", True),
    ("Tu[1,3] 09:00-12:00", dt.date(2025, 3, 4), "apres-midi", False),
    ("Tu[1,3] 09:00-12:00", dt.date(2025, 3, 11), None, False),
    ("Tu[1,3] 09:00-12:00", dt.date(2025, 3, 18), "matin", True),
    ("Mo 14:00-16:30", dt.date(2025, 3, 3), "matin", False),
    ("Mo 14:00-16:30", dt.date(2025, 3, 3), "apres-midi", True),
    ("Mo 11:00-13:00", dt.date(2025, 3, 3), "matin", True),  # straddles noon: both half-days
    ("Mo 11:00-13:00", dt.date(2025, 3, 3), "apres-midi", True),
    ("Mo 09:00-12:00", dt.date(2025, 3, 3), "apres-midi", False),  # closes at noon sharp
    ("Mo-Fr 09:00-12:00; PH off", dt.date(2025, 5, 1), None, False),  # 1er mai, a Thursday
    ("Mo-Fr 09:00-12:00; PH off", dt.date(2025, 5, 2), None, True),
    ("24/7", dt.date(2025, 12, 25), "apres-midi", True),
])
def test_open_on(expr, day, half_day, expected):
    assert open_on(expr, day, half_day) is expected


def test_open_on_rejects_an_unknown_half_day():
    with pytest.raises(ValueError, match="demi-journée inconnue « soir »"):
        open_on("Mo 09:00-12:00", dt.date(2025, 3, 3), "soir")


@pytest.mark.parametrize("expr, text", [
    ("Th[1,3] 14:00-16:00", "ouvert environ 1 h par semaine"),
    ("Tu[2] 09:00-12:00", "ouvert environ 45 min par semaine"),
    ("Fr[2,4] 09:00-11:30", "ouvert environ 1 h 15 par semaine"),
    ("Mo-Fr 09:00-12:00,13:30-17:00", "ouvert environ 32 h 30 par semaine"),
    ("Th[1] 10:00-10:05", "ouvert moins de 10 min par semaine en moyenne"),
    ("Mo[5] 10:00-12:00", "aucune ouverture régulière sur un mois type de 4 semaines"),  # the documented limit
    ("24/7", "ouvert en permanence (168 h par semaine)"),
    (None, None),
])
def test_weekly_hours_fr(expr, text):
    assert weekly_hours_fr(expr) == text

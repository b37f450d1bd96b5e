from __future__ import annotations

import pytest
from opening_hours import OpeningHours

from mapapp.io.weekday_hours import parse_day_cell, weekday_cells_to_opening_hours

MORNING_AFTERNOON = "09:00 - 12:00 / 13:30 - 17:00"


@pytest.mark.parametrize(("cells", "expected"), [
    ({d: MORNING_AFTERNOON for d in range(5)}, "Mo-Fr 09:00-12:00,13:30-17:00"),
    ({0: "13:30 - 17:00", 1: MORNING_AFTERNOON, 2: MORNING_AFTERNOON, 3: MORNING_AFTERNOON, 4: "09:00 - 12:00 / 13:30 - 16:00", 5: ""},
     "Mo 13:30-17:00; Tu-Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00,13:30-16:00"),
    ({0: "09:00 - 12:00", 2: "09:00 - 12:00", 4: "09:00 - 12:00", 5: "09:00 - 12:00"}, "Mo,We,Fr,Sa 09:00-12:00"),
    ({0: "09:00 - 12:00", 1: "09:00 - 12:00", 3: "14:00 - 16:00"}, "Mo,Tu 09:00-12:00; Th 14:00-16:00"),
    ({d: "08:30 - 12:00" for d in range(6)}, "Mo-Sa 08:30-12:00"),
    ({0: "9h-12h", 1: "9h30 à 12h", 2: "14:00–17:00"}, "Mo 09:00-12:00; Tu 09:30-12:00; We 14:00-17:00"),
    ({0: "13:30 - 17:00 / 09:00 - 12:00"}, "Mo 09:00-12:00,13:30-17:00"),  # ranges sorted
    ({0: "08:00 - 12:00 / 12:00 - 13:00"}, "Mo 08:00-13:00"),  # touching ranges joined
    ({0: "09:00 - 12:00 / 09:00 - 12:00"}, "Mo 09:00-12:00"),  # duplicate range
    ({0: "00:00 - 00:00 / 09:00 - 12:00", 1: "00:00 - 00:00"}, "Mo 09:00-12:00"),  # form placeholders
    ({0: "18:00 - 24:00"}, "Mo 18:00-24:00"),
])
def test_conversions(cells, expected):
    result = weekday_cells_to_opening_hours(cells)
    assert result.expression == expected and result.problem is None
    OpeningHours(result.expression)


def test_overlaps_are_merged_with_a_note():
    result = weekday_cells_to_opening_hours({0: "09:00 - 12:30 / 09:00 - 17:00 / 14:00 - 17:00", 1: "08:00 - 15:00 / 08:30 - 13:30"})
    assert result.expression == "Mo 09:00-17:00; Tu 08:00-15:00"
    assert len(result.notes) == 2 and "lundi" in result.notes[0] and "mardi" in result.notes[1]


@pytest.mark.parametrize(("cell", "problem"), [
    ("12:00 - 09:00", "finit avant de commencer"),
    ("25:00 - 26:00", "heure impossible"),
    ("09:75 - 10:00", "heure impossible"),
    ("sur rendez-vous", "plage illisible"),
    ("09:00", "plage illisible"),
])
def test_unconvertible(cell, problem):
    result = weekday_cells_to_opening_hours({0: "09:00 - 12:00", 3: cell})
    assert result.expression is None
    assert result.problem.startswith("jeudi : ") and problem in result.problem


def test_no_hours_at_all():
    result = weekday_cells_to_opening_hours({d: "" for d in range(6)})
    assert result.expression is None and result.problem is None and result.notes == ["aucun horaire renseigné"]
    result = weekday_cells_to_opening_hours({0: "00:00 - 00:00"})
    assert result.expression is None and result.placeholders == 1


def test_parse_day_cell():
    assert parse_day_cell("") == ([], 0, False)
    assert parse_day_cell("09:00 - 12:00 / 13:30 - 17:00") == ([(540, 720), (810, 1020)], 0, False)
    assert parse_day_cell("00:00 - 00:00 / 08:30-12:00 / 10:00 - 12:30") == ([(510, 750)], 1, True)

import pytest

from mapapp.catalog.hours import describe_fr, validate_hours
from mapapp.catalog.vocab import RecordError


@pytest.mark.parametrize("expr, expected", [
    ("Mo-Fr 08:30-12:00,13:30-17:00; PH off",
     "du lundi au vendredi de 08h30 à 12h00 et de 13h30 à 17h00 ; fermé les jours fériés"),
    ("Th[2] 09:00-12:00", "le 2e jeudi du mois de 09h00 à 12h00"),
    ("Tu[-1] 14:00-16:30", "le dernier mardi du mois de 14h00 à 16h30"),
    ("Mo,We 14:00-17:00", "le lundi, le mercredi de 14h00 à 17h00"),
    ("24/7", "ouvert en permanence"),
    (None, "Horaires non renseignés"),
])
def test_describe_fr(expr, expected):
    assert describe_fr(expr) == expected


def test_describe_fr_keeps_rare_syntax_verbatim_rather_than_guessing():
    assert describe_fr("Sep-Jun Mo 10:00-12:00") == "Horaires : Sep-Jun Mo 10:00-12:00"


def test_validate_hours():
    assert validate_hours("f", "  Mo 10:00-12:00 ") == "Mo 10:00-12:00"
    assert validate_hours("f", "") is None
    with pytest.raises(RecordError, match="f : horaires illisibles « Lundi 9h-12h » : format OpenStreetMap attendu") as err:
        validate_hours("f", "Lundi 9h-12h")
    assert "parse" not in str(err.value)  # the parser's English text never reaches the user

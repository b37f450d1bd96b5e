import json
import re

import pytest

from mapapp.catalog.hours import describe_fr, validate_hours
from mapapp.catalog.vocab import RecordError
from tests.territory.territory_fixtures import REALDATA, realdata


@pytest.mark.parametrize("expr, expected", [
    ("Mo-Fr 08:30-12:00,13:30-17:00; PH off",
     "du lundi au vendredi de 8h30 à 12h et de 13h30 à 17h ; fermé les jours fériés"),
    ("Th[2] 09:00-12:00", "le 2e jeudi du mois de 9h à 12h"),
    ("Th[1,3] 14:00-16:00", "le 1er et le 3e jeudi du mois de 14h à 16h"),
    ("Fr[2,4] 09:00-11:30", "le 2e et le 4e vendredi du mois de 9h à 11h30"),
    ("Tu[1,3,5] 09:00-12:00", "le 1er, le 3e et le 5e mardi du mois de 9h à 12h"),
    ("Tu[-1] 14:00-16:30", "le dernier mardi du mois de 14h à 16h30"),
    ("We[1-3] 14:00-17:00", "du 1er au 3e mercredi du mois de 14h à 17h"),
    ("Mo,We 14:00-17:00", "le lundi et le mercredi de 14h à 17h"),
    ("Mo,Tu,Th 09:00-12:00,13:30-17:00", "le lundi, le mardi et le jeudi de 9h à 12h et de 13h30 à 17h"),
    ("Mo 09:00-10:00,11:00-12:00,14:00-15:00", "le lundi de 9h à 10h, de 11h à 12h et de 14h à 15h"),
    ("Tu-Fr 09:00-12:00; Sa 09:00-12:00; Mo off", "du mardi au vendredi de 9h à 12h ; le samedi de 9h à 12h ; fermé le lundi"),
    ("Mo-Su 00:00-24:00", "tous les jours 24 h sur 24"),
    ("Mo-Fr", "du lundi au vendredi toute la journée"),  # no time selector: the whole day
    ("10:00-12:00", "tous les jours de 10h à 12h"),
    ("Sep-Jun Mo 10:00-12:00", "de septembre à juin, le lundi de 10h à 12h"),
    ("Jul,Aug Sa 10:00-12:00", "en juillet et en août, le samedi de 10h à 12h"),
    ('Mo 14:00-17:00 "sur rendez-vous"', "le lundi de 14h à 17h (sur rendez-vous)"),
    ("24/7", "ouvert en permanence"),
    (None, "Horaires non renseignés"),
    ("  ", "Horaires non renseignés"),
])
def test_describe_fr(expr, expected):
    assert describe_fr(expr) == expected


@pytest.mark.parametrize("expr", [
    "week 01-53/2 Mo 10:00-12:00",  # week numbers
    "sunrise-sunset",
    'Mo-Fr 09:00-12:00 || "sur rendez-vous"',
    "2025 Dec 24 10:00-12:00",
    "Mo[1-1] 10:00-12:00",
    "SH off",
])
def test_describe_fr_shows_rare_syntax_as_it_is_rather_than_guessing(expr):
    assert describe_fr(expr) == f"horaires particuliers : {expr}"


def test_validate_hours():
    assert validate_hours("f", "  Mo 10:00-12:00 ") == "Mo 10:00-12:00"
    assert validate_hours("f", "") is None
    with pytest.raises(RecordError, match="f : horaires illisibles « Lundi 9h-12h » : format OpenStreetMap attendu") as err:
        validate_hours("f", "Lundi 9h-12h")
    assert "parse" not in str(err.value)  # the parser's English text never reaches the user


# ----------------------------------------------------------------------- every pattern in the data
#: What opening_hours syntax looks like; none of it may reach a reader.
_RAW = re.compile(r"\d{1,2}:\d{2}|\[|\]|\b(?:Mo|Tu|We|Th|Fr|Sa|Su|PH|SH|off|closed|week)\b|horaires particuliers|;\S|\|\|")


def assert_all_plain_french(expressions):
    raw = {e: describe_fr(e) for e in expressions if _RAW.search(describe_fr(e))}
    assert not raw, f"{len(raw)} expressions non traduites : {raw}"


def test_the_raw_pattern_catches_raw_syntax():
    """The check below can fail: the fallback and OSM tokens are caught."""
    assert _RAW.search(describe_fr("week 01-53/2 Mo 10:00-12:00"))
    assert _RAW.search("le lundi de 09:00 à 12h")
    assert _RAW.search("Th[1,3]")
    assert not _RAW.search(describe_fr("Mo-Fr 08:30-12:00,13:30-17:00; PH off"))


@pytest.fixture(scope="module")
def demo_expressions(tmp_path_factory):
    from mapapp.demo import generate_demo

    out = tmp_path_factory.mktemp("demo-hours") / "demo"
    generate_demo(out, progress=False)
    catalog = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    return {r["horaires_accueil"] for key in ("sites", "offers") for r in catalog[key] if r.get("horaires_accueil")}


def test_every_demo_pattern_reads_in_plain_french(demo_expressions):
    assert {"Th[1,3] 14:00-16:00", "Tu[1,3] 14:00-16:30", "Fr[2,4] 09:00-11:30"} <= demo_expressions
    assert_all_plain_french(demo_expressions)


@realdata
def test_every_france_services_pattern_reads_in_plain_french():
    from mapapp.io.france_services import parse_france_services

    records, _report = parse_france_services(REALDATA / "france-services" / "france-services-20240801.csv",
                                             date_maj="2024-08-01")
    expressions = {s["horaires_accueil"] for s in records["sites"] if s.get("horaires_accueil")}
    assert len(expressions) > 1000  # 2,023 distinct schedules in the 2024-08-01 file
    assert_all_plain_french(expressions)

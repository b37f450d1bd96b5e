"""Per-theme « heures_min_semaine » in the settings file: read, written back, validated in French by line."""

from __future__ import annotations

import pytest

from mapapp.access.variants import Variant, variants
from mapapp.settings_file import SettingsFileError, parse_settings, write_settings

BASE = """\
[horaires]
heures_min_semaine = {global_h}

[[public]]
cle = "tous"
libelle = "Tous publics"

[[theme]]
cle = "mobilite"
libelle = "Mobilité"
thematiques = ["mobilite"]
seuil_voiture = 10
seuil_velo = 15
seuil_marche = 15
{theme_line}
"""


def text(theme_line: str = "", global_h="3") -> str:
    return BASE.format(theme_line=theme_line, global_h=global_h)


def test_a_theme_sets_its_own_hours_and_others_fall_back_to_the_global_value():
    settings = parse_settings(text("heures_min_semaine = 6"))
    theme = settings.themes[0]
    assert theme.min_weekly_hours == 6.0
    assert settings.schedule.hours_for(theme) == 6.0
    assert parse_settings(text()).themes[0].min_weekly_hours is None
    assert parse_settings(text()).schedule.hours_for(parse_settings(text()).themes[0]) == 3.0
    again = parse_settings(write_settings(settings))
    assert again.themes[0].min_weekly_hours == 6.0 and again.digest() == settings.digest()


def test_the_manifest_spec_says_which_hours_each_theme_used():
    settings = parse_settings(text("heures_min_semaine = 1.5"))
    spec = Variant(settings.publics[0], True).spec(settings.schedule, settings.themes)
    assert spec["theme_hours"] == {"mobilite": 1.5}


def test_a_theme_hours_alone_asks_for_the_schedule_variants():
    settings = parse_settings(text("heures_min_semaine = 2", global_h="0"))
    assert [v.key for v in variants(settings)] == ["tous", "tous+horaires"]


@pytest.mark.parametrize("value, message", [
    ('"six"', "« heures_min_semaine » doit être un nombre"),
    ("-2", "« heures_min_semaine » doit être positif"),
    ("200", "« heures_min_semaine » doit être au plus 168"),
    ("true", "« heures_min_semaine » doit être un nombre"),
])
def test_bad_theme_hours_are_french_errors_on_their_line(value, message):
    source = text(f"heures_min_semaine = {value}")
    line = source.splitlines().index(f"heures_min_semaine = {value}") + 1
    with pytest.raises(SettingsFileError) as err:
        parse_settings(source)
    assert any(p.line == line and message in p.message for p in err.value.problems), err.value.problems


def test_a_misspelt_theme_key_suggests_heures_min_semaine():
    with pytest.raises(SettingsFileError) as err:
        parse_settings(text("heures_min_semain = 4"))
    assert "vouliez-vous dire « heures_min_semaine »" in str(err.value)

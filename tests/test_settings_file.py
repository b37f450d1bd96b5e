"""The settings file: written, read back equal; every kind of error named with its line and the nearest value."""

from __future__ import annotations

import tomllib

import pytest

from mapapp.access.settings import AccessSettings, PublicGroup, ScheduleRule, default_settings
from mapapp.access.themes import Theme, Thresholds
from mapapp.settings_file import SettingsFileError, closest, parse_settings, write_settings
from mapapp.settings_writer import toml_string

SMALL = """\
[horaires]
heures_min_semaine = 2.5
horaires_inconnus = "exclure"

[[public]]
cle = "tous"
libelle = "Tous publics"

[[public]]
cle = "jeunes"
libelle = "Jeunes"
publics = ["jeunes"]

[[theme]]
cle = "sante_mentale"
libelle = "Santé mentale"
thematiques = ["sante--sante-mentale"]
types_de_lieux = ["partner"]
seuil_voiture = 7
paliers_voiture = [7, 15]
seuil_velo = 15
seuil_marche = 20
paliers_marche = [10, 30]
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(SettingsFileError) as info:
        parse_settings(text)
    return [str(p) for p in info.value.problems]


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


def _everything(settings: AccessSettings) -> tuple:
    """What settings say, description included (not part of the digest)."""
    return settings.spec(), [t.description for t in settings.themes]


def test_default_settings_written_and_read_back_are_equal():
    default = default_settings()
    text = write_settings(default)
    back = parse_settings(text)
    assert back.digest() == default.digest()
    assert _everything(back) == _everything(default)
    assert len(back.themes) == 20 and [p.key for p in back.publics] == ["tous", "minima_sociaux", "jeunes", "handicap"]
    assert text.startswith("# Paramètres d'accessibilité du territoire")
    assert "[[theme]]" in text and "seuil_voiture = 20" in text and "paliers_voiture = [7, 10, 20, 30]" in text


def test_a_planners_file_is_read():
    s = parse_settings(SMALL)
    theme = s.theme("sante_mentale")
    assert theme.thematiques == {"sante--sante-mentale"} and theme.site_kinds == {"partner"}
    assert theme.thresholds["car"].bands_min == (7.0, 15.0)
    assert theme.thresholds["car"].main_min == 7.0
    assert theme.thresholds["bike"].bands_min == (15.0,)
    assert theme.thresholds["walk"].bands_min == (10.0, 20.0, 30.0)  # the main threshold is always a band
    assert s.schedule == ScheduleRule(2.5, "exclude")
    assert s.public("jeunes").publics == {"jeunes"}


def test_unusual_settings_round_trip_too():
    odd = AccessSettings(
        themes=(Theme("t1", 'Guillemets " et \\ barre\tet\nligne', networks={"france-service"},
                      thresholds={"car": Thresholds(7.5, (3, 45)), "bike": Thresholds(1), "walk": Thresholds(12)},
                      description="Écrit « à la main » \x7f"),
                Theme("tout", "Toute offre", thresholds={"car": Thresholds(10), "bike": Thresholds(10),
                                                         "walk": Thresholds(10)})),
        publics=(PublicGroup("tous", "Tous"), PublicGroup("deux", "Deux", frozenset({"jeunes", "seniors"}))),
        schedule=ScheduleRule(0.75, "count"))
    text = write_settings(odd)
    tomllib.loads(text)
    back = parse_settings(text)
    assert back.digest() == odd.digest() and _everything(back) == _everything(odd)
    assert back.theme("tout").thematiques is None  # no filter written, none read


def test_toml_string_is_a_toml_basic_string():
    for text in ['a"b', "a\\b", "é\n\t\x01\x7f", "«»"]:
        assert tomllib.loads(f"x = {toml_string(text)}")["x"] == text


def test_syntax_error_names_its_line_in_french():
    text = SMALL.replace('libelle = "Jeunes"', "libelle = Jeunes")
    (problem,) = _problems(text)
    assert problem.startswith(f"ligne {_line_of(text, 'libelle = Jeunes')} : colonne 11 : valeur invalide")


def test_unknown_values_name_their_line_and_the_closest_value():
    text = (SMALL.replace('"sante--sante-mentale"', '"sante--sante-mentalle"')
            .replace('publics = ["jeunes"]', 'publics = ["jeune"]')
            .replace('types_de_lieux = ["partner"]', 'types_de_lieux = ["partenaire"]\nreseaux_porteurs = ["france-services"]'))
    problems = _problems(text)
    assert problems == [
        f"ligne {_line_of(text, 'publics = [')} : public inconnu « jeune » ; vouliez-vous dire « jeunes » ?",
        f"ligne {_line_of(text, 'thematiques')} : thématique inconnue « sante--sante-mentalle » ; "
        "vouliez-vous dire « sante--sante-mentale » ?",
        f"ligne {_line_of(text, 'types_de_lieux')} : type de lieu inconnu « partenaire » ; "
        "vouliez-vous dire « partner » ?",
        f"ligne {_line_of(text, 'reseaux_porteurs')} : réseau porteur inconnu « france-services » ; "
        "vouliez-vous dire « france-service » ?",
    ]


def test_unknown_keys_and_modes_suggest_the_right_one():
    text = SMALL.replace("seuil_velo = 15", "seuil_velos = 15").replace("[[theme]]", "[[themes]]\ncle = \"x\"\n[[theme]]")
    problems = _problems(text)
    assert f"ligne {_line_of(text, '[[themes]]')} : section inconnue « themes » ; vouliez-vous dire « theme » ?" \
        in problems
    assert f"ligne {_line_of(text, 'seuil_velos')} : clé inconnue « seuil_velos » ; vouliez-vous dire « seuil_velo » ?" \
        in problems
    # and the missing bike threshold is reported at the theme's header
    assert f"ligne {_line_of(text, '[[theme]]')} : clé « seuil_velo » manquante (seuil principal en minutes en vélo)" \
        in problems


def test_semantic_errors_each_with_their_line():
    text = (SMALL.replace("seuil_voiture = 7", "seuil_voiture = 0")
            .replace("paliers_marche = [10, 30]", "paliers_marche = [10, \"trente\"]")
            .replace("heures_min_semaine = 2.5", "heures_min_semaine = -1")
            .replace('horaires_inconnus = "exclure"', 'horaires_inconnus = "exclues"')
            .replace('cle = "jeunes"', 'cle = "Jeunes gens"'))
    text += '\n[[theme]]\ncle = "sante_mentale"\nthematiques = "sante"\nseuil_voiture = 1\nseuil_velo = 1\nseuil_marche = 1\n'
    problems = _problems(text)
    second = [i for i, line in enumerate(text.splitlines(), 1) if line == "[[theme]]"][1]
    assert problems == sorted(problems, key=lambda p: int(p.split()[1]))
    expected = [
        f"ligne {_line_of(text, 'heures_min_semaine')} : « heures_min_semaine » doit être positif",
        f"ligne {_line_of(text, 'horaires_inconnus')} : valeur inconnue « exclues » ; vouliez-vous dire "
        "« exclure » ? (« compter » ou « exclure »)",
        f"ligne {_line_of(text, 'Jeunes gens')} : clé « Jeunes gens » invalide : lettres minuscules sans accent, "
        "chiffres et « _ » seulement (60 au plus)",
        f"ligne {_line_of(text, 'seuil_voiture = 0')} : « seuil_voiture » doit être strictement positif",
        f"ligne {_line_of(text, 'trente')} : « paliers_marche » doit être une liste de nombres strictement "
        "positifs, par exemple [7, 10, 20, 30]",
        f"ligne {second} : clé « libelle » manquante",
        f"ligne {second + 2} : « thematiques » doit être une liste de textes, par exemple thematiques = [\"…\", \"…\"]",
    ]
    for line in expected:
        assert line in problems, (line, problems)


def test_duplicate_keys_and_publics_rules():
    text = SMALL + SMALL.split("\n\n", 3)[3].replace("[[public]]", "")  # the theme again
    assert _problems(text) == [f"ligne {[i for i, l in enumerate(text.splitlines(), 1) if l == '[[theme]]'][1] + 1}"
                               " : clé « sante_mentale » déjà utilisée par un autre [[theme]]"]
    first_not_everyone = SMALL.replace('cle = "tous"\nlibelle = "Tous publics"',
                                       'cle = "tous"\nlibelle = "Tous publics"\npublics = ["jeunes"]')
    assert _problems(first_not_everyone) == [
        f"ligne {_line_of(first_not_everyone, 'Tous publics') + 1} : le public « tous » est tout le monde : "
        "retirez sa liste de publics"]
    swapped = SMALL.replace('cle = "tous"', 'cle = "tout"')
    assert _problems(swapped) == [
        f"ligne {_line_of(swapped, 'tout')} : le premier [[public]] doit être « tous » "
        "(tout le monde, sans liste de publics)"]


def test_empty_file_and_bad_encoding():
    assert _problems("") == ["aucun public : ajoutez au moins une section [[public]] (la première : cle = \"tous\")",
                             "aucun thème : ajoutez au moins une section [[theme]]"]
    with pytest.raises(SettingsFileError, match="n'est pas en UTF-8"):
        parse_settings("cle = \"é\"".encode("latin-1"))
    assert parse_settings(("\ufeff" + SMALL).encode()).digest() == parse_settings(SMALL).digest()  # BOM accepted


def test_closest_is_none_when_nothing_is_near():
    assert closest("zzzz", ["mobilite", "sante"]) is None
    assert closest("mobilit", ["mobilite", "sante"]) == "mobilite"


def test_a_value_of_a_list_over_several_lines_is_named_at_its_own_line():
    text = SMALL.replace('thematiques = ["sante--sante-mentale"]',
                         'thematiques = [\n  "sante",\n  "numerik",\n]')
    assert _problems(text) == [f"ligne {_line_of(text, 'numerik')} : thématique inconnue « numerik » ; "
                               "vouliez-vous dire « numerique » ?"]


def test_a_single_bracket_section_is_named_at_its_header():
    text = SMALL.replace("[[theme]]", "[theme]")
    assert _problems(text) == [f"ligne {_line_of(text, '[theme]')} : « theme » doit être une suite de sections "
                               "[[theme]]"]

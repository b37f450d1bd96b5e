"""The opening-hours editor's model: every pattern of the demo catalog round-trips; what stays expert-only."""

from __future__ import annotations

import datetime as dt

import pytest
from opening_hours import OpeningHours
from werkzeug.datastructures import MultiDict

from mapapp.catalog.hours_editor import (
    DayHours,
    always_name,
    ExpertOnly,
    WeekHours,
    editable,
    holidays_name,
    input_name,
    model_from_form,
    to_expression,
    to_model,
    weeks_name,
)
from tests.territory.territory_fixtures import REALDATA, realdata


@pytest.fixture(scope="module")
def demo_patterns() -> list[str]:
    """Every ``horaires_accueil`` of the generated demo catalog (sites and offers)."""
    from mapapp.demo.generate import DEFAULT_SEED, build_catalog, build_geography, build_grids, rng_for

    geo = build_geography(DEFAULT_SEED)
    catalog = build_catalog(geo, build_grids(geo, rng_for(DEFAULT_SEED, 4)), DEFAULT_SEED)
    patterns = {r["horaires_accueil"] for rows in catalog.values() for r in rows if r.get("horaires_accueil")}
    assert len(patterns) > 30  # the demo's variety: offices, permanences, bus stops, 24/7...
    return sorted(patterns)


def _same_schedule(a: str, b: str) -> bool:
    """The two expressions open and close at the same moments over eight weeks (holidays included)."""
    start = dt.datetime(2026, 4, 27)
    end = start + dt.timedelta(weeks=8)
    return (list(OpeningHours(a).intervals(start, end)) == list(OpeningHours(b).intervals(start, end)))


def test_every_demo_pattern_round_trips_through_the_editor(demo_patterns):
    expert = []
    for expression in demo_patterns:
        try:
            model = to_model(expression)
        except ExpertOnly as exc:
            expert.append((expression, str(exc)))
            continue
        text = to_expression(model)
        assert to_model(text) == model, expression  # model -> string -> model
        assert text == expression, (expression, text)  # the demo writes the editor's canonical form
        assert _same_schedule(text, expression)
    assert expert == [], f"demo patterns the editor cannot show: {expert}"


def test_the_model_reads_days_slots_weeks_and_holidays():
    model = to_model("Mo-Fr 08:30-12:00,13:30-17:00; PH off")
    assert set(model.days) == {"Mo", "Tu", "We", "Th", "Fr"} and model.holidays_closed
    assert model.days["We"] == DayHours((("08:30", "12:00"), ("13:30", "17:00")))
    assert to_model("Th[1,3] 14:00-16:00").days == {"Th": DayHours((("14:00", "16:00"),), (1, 3))}
    assert to_model("Fr[-1] 09:00-12:00").days["Fr"].weeks == (-1,)
    assert to_model("Tu[2-4] 09:00-12:00").days["Tu"].weeks == (2, 3, 4)
    assert to_model("Mo 9:00-12:00").days["Mo"].slots == (("09:00", "12:00"),)  # the parser accepts it too
    assert to_model("24/7").always_open and to_expression(to_model("24/7")) == "24/7"
    # A later rule replaces the day, as in OSM; said closed: closed.
    override = to_model("Mo-Fr 09:00-17:00; We 09:00-12:00; Fr off")
    assert override.days["We"].slots == (("09:00", "12:00"),) and "Fr" not in override.days
    assert _same_schedule(to_expression(override), "Mo-Fr 09:00-17:00; We 09:00-12:00; Fr off")
    assert to_model("") == WeekHours() and to_expression(WeekHours()) is None


@pytest.mark.parametrize("model", [
    WeekHours({"Mo": DayHours((("09:00", "12:00"),)), "Tu": DayHours((("09:00", "12:00"),)),
               "Th": DayHours((("09:00", "12:00"), ("14:00", "17:00")))}, holidays_closed=True),
    WeekHours({"Tu": DayHours((("09:00", "12:00"),), (1, 3)), "Th": DayHours((("09:00", "12:00"),), (1, 3))}),
    WeekHours({d: DayHours((("10:00", "11:00"),), (-1,) if d == "Sa" else ()) for d in ("Mo", "We", "Fr", "Sa")}),
    WeekHours({"Su": DayHours((("00:00", "24:00"),))}),
    WeekHours(holidays_closed=True),
], ids=["two-groups", "same-weeks", "last-saturday", "sunday-all-day", "holidays-only"])
def test_models_round_trip(model):
    text = to_expression(model)
    OpeningHours(text)  # the parser accepts what the editor writes
    assert to_model(text) == model


@pytest.mark.parametrize("expression,reason", [
    ("Mo-Fr 09:00-12:00; Th[1] 14:00-16:00", "chaque semaine et d'autres certaines semaines"),
    ("Sep-Jun Mo-Fr 09:00-17:00", "hors de l'éditeur"),
    ('Mo 09:00-12:00 "sur rendez-vous"', "commentaire"),
    ("Mo 08:00-10:00,11:00-12:00,14:00-16:00", "plus de 2 créneaux"),
    ("Fr 22:00-02:00", "passe minuit"),
    ("PH 10:00-12:00", "fermé les jours fériés"),
    ("Th[1] 09:00-12:00; Th[3] 14:00-16:00", "différentes selon la semaine"),
    ("Mo-Fr", "toute la journée"),
    ("week 1-53/2 Mo 10:00-12:00", "hors de l'éditeur"),
])
def test_expert_only_patterns_say_why_in_french(expression, reason):
    OpeningHours(expression)  # valid: kept in the text field, as it is
    with pytest.raises(ExpertOnly, match=reason):
        to_model(expression)
    model, message = editable(expression)
    assert model is None and message.startswith("horaires avancés, modifiables seulement dans le champ texte")


@pytest.mark.parametrize("expression,hint", [
    ("lundi 9h-12h", "abrégé anglais"),
    ("Mo 9h-12h", "09:00 et non 9h"),
    ("Mo 09:00 12:00", "avec un tiret"),
])
def test_invalid_text_gets_a_french_message_never_the_parsers(expression, hint):
    with pytest.raises(ValueError) as err:
        to_model(expression)
    text = str(err.value)
    assert text.startswith(f"horaires illisibles « {expression} »") and hint in text
    assert "expected" not in text.lower() and "syntax" not in text.lower()


def _form(**values) -> MultiDict:
    out = MultiDict()
    for key, value in values.items():
        for v in value if isinstance(value, list) else [value]:
            out.add(key, v)
    return out


def test_the_editor_inputs_give_the_model():
    f = "horaires_accueil"
    form = _form(**{input_name(f, "Mo", 1, False): "09:00", input_name(f, "Mo", 1, True): "12:00",
                    input_name(f, "Mo", 2, False): "14:00", input_name(f, "Mo", 2, True): "17:00",
                    input_name(f, "Th", 1, False): "9h30", input_name(f, "Th", 1, True): "11:30",
                    weeks_name(f, "Th"): ["1", "3"], holidays_name(f): "1"})
    model, errors = model_from_form(f, form)
    assert errors == []
    assert to_expression(model) == "Mo 09:00-12:00,14:00-17:00; Th[1,3] 09:30-11:30; PH off"
    always, errors = model_from_form(f, _form(**{always_name(f): "1"}))
    assert errors == [] and to_expression(always) == "24/7"


def test_the_editor_inputs_errors_are_french_and_name_their_input():
    f = "horaires_accueil"
    form = _form(**{input_name(f, "Mo", 1, False): "14:00", input_name(f, "Mo", 1, True): "12:00",
                    input_name(f, "Tu", 1, False): "09:00",
                    input_name(f, "We", 1, False): "25:00", input_name(f, "We", 1, True): "26:00",
                    input_name(f, "Fr", 1, False): "09:00", input_name(f, "Fr", 1, True): "12:00",
                    input_name(f, "Fr", 2, False): "11:00", input_name(f, "Fr", 2, True): "15:00",
                    weeks_name(f, "Sa"): "2"})
    _, errors = model_from_form(f, form)
    assert dict(errors) == {
        input_name(f, "Mo", 1, True): "lundi, créneau 1 : l'heure de fin (12:00) doit suivre l'heure de début (14:00)",
        input_name(f, "Tu", 1, True): "mardi, créneau 1 : indiquez l'heure de fin",
        input_name(f, "We", 1, False): "mercredi, créneau 1 : heure impossible « 25:00 »",
        input_name(f, "Fr", 2, False): "vendredi : les deux créneaux se chevauchent",
        input_name(f, "Sa", 1, False): "samedi : des semaines du mois sont cochées mais aucun créneau n'est indiqué",
    }


@realdata
def test_the_national_france_services_hours_read_into_the_editor():
    """The ANCT file's 2,022 schedules: all but one (three slots a day) round-trip through the editor."""
    from mapapp.io.france_services import parse_france_services

    records, _ = parse_france_services(REALDATA / "france-services" / "france-services-20240801.csv",
                                       date_maj="2024-08-01")
    expressions = {s["horaires_accueil"] for s in records["sites"] if s.get("horaires_accueil")}
    expert = []
    for expression in expressions:
        try:
            model = to_model(expression)
        except ExpertOnly as exc:
            expert.append(str(exc))
            continue
        assert to_model(to_expression(model)) == model and to_expression(model) == expression
    assert len(expressions) > 2000 and len(expert) == 1 and "plus de 2 créneaux" in expert[0]

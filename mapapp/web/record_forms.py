"""The partner forms and the moderator's refusal on WTForms: parsing and first checks, with French messages.

:func:`record_form` builds, from the field list of
:data:`mapapp.web.contrib_forms.FIELDS`, one WTForms form per kind of record
(structure, lieu, offre, solution de mobilité): each field parses its input
(numbers with a comma, dates, lists of codes, one value per line, checkboxes)
and checks what can be checked without the database (required, e-mail,
web address, date, number, a choice of the vocabulary, opening hours), with
a French message attached to the field: the errors are keyed by the field's
name and the page shows them next to the input and in the summary under the
label the user sees (``templates/_errors.html``), never the name.

The record itself is then validated by the catalog's validators
(:func:`mapapp.catalog.moderation.validate_data`), whose messages go through
:func:`mapapp.web.contrib_forms.readable_errors`.

The hours fields carry the editor (:mod:`mapapp.catalog.hours_editor`): when
the page posts the editor's inputs and the expert text was left as the page
showed it, the text is what the editor says (the page without JavaScript);
when the text was changed, it wins. CSRF is checked for every POST by
Flask-WTF's ``CSRFProtect`` (:mod:`mapapp.web.auth`), so these forms do not
check it a second time.
"""

from __future__ import annotations

import datetime as dt
import re

from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, Email, Length, StopValidation, ValidationError

from mapapp.catalog import hours_editor
from mapapp.catalog.hours import explain_fr, validate_hours
from mapapp.catalog.vocab import RecordError
from mapapp.formats import count
from mapapp.web.contrib_forms import FIELDS, Field

REQUIRED = "champ obligatoire"
#: Longest text of a one-line field or of a refusal's reason.
MAX_TEXT = 2000


class _Meta:
    locales = ("fr_FR", "fr")  # WTForms' own messages, if any reaches the page, in French
    csrf = False  # CSRFProtect checks every POST of the application


class Required:
    """A value is needed (after stripping): « champ obligatoire » (0 is a value)."""

    field_flags = {"required": True}

    def __init__(self, message: str = REQUIRED):
        self.message = message

    def __call__(self, form, field):
        if field.data is None or field.data == "" or field.data == []:
            if not field.errors:  # an unreadable value already says why
                raise StopValidation(self.message)
            raise StopValidation()


def _blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


class TextField(StringField):
    """A text input: stripped, ``None`` when empty."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, filters=[_blank_to_none], **kwargs)


class LongTextField(TextAreaField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, filters=[_blank_to_none], **kwargs)


class NumberField(StringField):
    """A decimal number, with a point or a comma (« 45,03 »); ``None`` when empty."""

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if self.raw:
            try:
                self.data = float(self.raw.replace(",", "."))
            except ValueError:
                raise ValueError(f"nombre illisible « {self.raw} » : écrivez par exemple 45,0301") from None


class FrenchDateField(StringField):
    """A date, as ``<input type="date">`` sends it (2026-03-31) or typed (31/03/2026); stored ISO."""

    def process_formdata(self, valuelist):
        raw = self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not raw:
            return
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                self.data = dt.datetime.strptime(raw, fmt).date().isoformat()
                return
            except ValueError:
                continue
        raise ValueError(f"date illisible « {raw} » : écrivez-la jj/mm/aaaa, par exemple 31/03/2026")


def _values(choices) -> set[str]:
    return {c.value if isinstance(c, SelectChoice) else c[0] for c in choices or []}


class ChoiceField(SelectField):
    """A choice of the vocabulary; an empty value is no choice."""

    def pre_validate(self, form):
        if self.data in (None, ""):
            self.data = None
            return
        if self.data not in _values(self.choices):
            raise ValidationError(f"valeur inconnue « {self.data} »")


class ChoicesField(SelectMultipleField):
    """Checkboxes: the list of values ticked, each of the vocabulary (unless ``check_choices`` is off)."""

    def __init__(self, *args, check_choices: bool = True, **kwargs):
        super().__init__(*args, validate_choice=False, **kwargs)
        self.check_choices = check_choices

    def process_formdata(self, valuelist):
        self.data = [v for v in valuelist if v]

    def pre_validate(self, form):
        if not self.check_choices:
            return
        known = _values(self.choices)
        unknown = [v for v in self.data or [] if v not in known]
        if unknown:
            raise ValidationError(f"valeur inconnue « {unknown[0]} »")


class CodesField(StringField):
    """Codes separated by spaces, commas or semicolons (INSEE, SIREN); a list."""

    def process_formdata(self, valuelist):
        self.data = [c for c in re.split(r"[\s,;]+", valuelist[0] if valuelist else "") if c]

    def _value(self):
        return " ".join(self.data or [])


class LinesField(TextAreaField):
    """One value per line; a list."""

    def process_formdata(self, valuelist):
        self.data = [line.strip() for line in (valuelist[0] if valuelist else "").splitlines() if line.strip()]


class HoursField(TextField):
    """``opening_hours`` text, checked by the parser (French message, :func:`mapapp.catalog.hours.explain_fr`)."""

    def pre_validate(self, form):
        try:
            self.data = validate_hours(self.name, self.data)
        except RecordError:
            raise ValidationError(explain_fr(self.data)) from None


def _flat_choices(f: Field) -> list[SelectChoice]:
    options = f.options()
    if f.kind == "grouped":
        return [SelectChoice(v, label) for group in options.values() for v, label in group.items()]
    return [SelectChoice(v, label) for v, label in options.items()]


def _wtforms_field(f: Field):
    validators = [Required()] if f.required else []
    if f.kind == "select":
        return ChoiceField(f.label, choices=_flat_choices(f), validators=validators)
    if f.kind in ("checkboxes", "grouped"):
        return ChoicesField(f.label, choices=_flat_choices(f))
    if f.kind == "sites":  # the structure's sites: checked against the catalog by the record's validator
        return ChoicesField(f.label, choices=[], check_choices=False)
    if f.kind == "number":
        return NumberField(f.label, validators=validators)
    if f.kind == "date":
        return FrenchDateField(f.label)
    if f.kind == "codes":
        return CodesField(f.label)
    if f.kind == "lines":
        return LinesField(f.label)
    if f.kind == "hours":
        return HoursField(f.label)
    if f.kind == "textarea":
        return LongTextField(f.label, validators=validators)
    if f.kind == "email":
        return TextField(f.label, validators=[*validators, _optional_then(Email(
            message="adresse électronique invalide : elle s'écrit nom@domaine.fr", check_deliverability=False))])
    if f.kind == "url":
        return TextField(f.label, validators=[*validators, _optional_then(URL(
            message="adresse web invalide : elle commence par https:// (par exemple https://www.exemple.fr)"))])
    return TextField(f.label, validators=[*validators, Length(max=MAX_TEXT, message=f"texte trop long ({count(MAX_TEXT, 'caractère')} au plus)")])


def _optional_then(validator):
    """Run ``validator`` only on a value (an empty optional field is no error)."""

    def check(form, field):
        if field.data:
            validator(form, field)

    return check


_FORMS: dict[str, type[Form]] = {}


def record_form(section: str) -> type[Form]:
    """The WTForms form class of a kind of record (built once from its field list)."""
    if section not in _FORMS:
        attrs = {"Meta": _Meta, **{f.name: _wtforms_field(f) for f in FIELDS[section]}}
        _FORMS[section] = type(f"{section.title().replace('_', '')}Form", (Form,), attrs)
    return _FORMS[section]


def hours_text(name: str, formdata: MultiDict) -> tuple[str | None, list[tuple[str, str]]]:
    """The hours text of field ``name``: the editor's when it was used and the text left as shown."""
    posted = formdata.get(name) or ""
    if not formdata.get(hours_editor.marker_name(name)):
        return posted, []  # no editor on the page (or an expert pattern: the editor was not offered)
    shown = formdata.get(f"{name}-initial") or ""
    if posted.strip() != shown.strip():
        return posted, []  # the expert text was changed: it wins
    if hours_editor.editable(shown)[0] is None:
        return posted, []  # hours beyond the editor: the page set it aside, only the text says them
    model, errors = hours_editor.model_from_form(name, formdata)
    return (hours_editor.to_expression(model) or "") if not errors else posted, errors


def bind(section: str, formdata: MultiDict, *, site_choices=()) -> tuple[Form, list[tuple[str, str]]]:
    """The section's form on the posted data, validated: ``(form, errors as (name, French message))``.

    The errors of the hours editor are keyed by their input's name.
    """
    data = MultiDict(formdata)
    editor_errors: list[tuple[str, str]] = []
    for f in FIELDS[section]:
        if f.kind == "hours":
            text, errors = hours_text(f.name, data)
            data.setlist(f.name, [text or ""])
            editor_errors.extend(errors)
        elif f.kind == "codes" and f.extra.get("picker"):
            # The picker's choices (communes, EPCI) and the codes typed beside them: one list.
            typed = re.split(r"[\s,;]+", data.get(f.name) or "")
            codes = list(dict.fromkeys(c for c in [*data.getlist(f"{f.name}-choix"), *typed] if c))
            data.setlist(f.name, [" ".join(codes)])
    form = record_form(section)(data)
    for f in FIELDS[section]:
        if f.kind == "sites":
            form[f.name].choices = [SelectChoice(v, label) for v, label in site_choices]
    form.validate()
    errors = [(name, messages[0]) for name, messages in form.errors.items() if messages]
    return form, [*editor_errors, *errors]


def record_data(section: str, form: Form, base: dict, *, today: dt.date | None = None) -> dict:
    """The record ``base`` with the form's values (a person edited it: ``date_verification`` = today).

    A field whose input could not be read keeps the raw text, so that the form
    shows it again as typed.
    """
    from mapapp.web.contrib_forms import MAP_SECTIONS

    data = dict(base)
    for f in FIELDS[section]:
        field = form[f.name]
        value = field.data
        if field.errors and getattr(field, "raw", None) is not None and value is None:
            value = field.raw
        if f.name == "zone_eligibilite" and not value:
            value = None
        data[f.name] = value
    if section in MAP_SECTIONS:
        data["commune_code"] = None  # derived from the point
    data["date_verification"] = (today or dt.date.today()).isoformat()
    return data


class RefusalForm(Form):
    """The moderator's refusal: the reason, which the partner reads."""

    Meta = _Meta
    reason = LongTextField("Raison du refus", validators=[
        Required("Indiquez la raison du refus : le partenaire la verra."),
        Length(max=MAX_TEXT, message=f"Raison trop longue : {count(MAX_TEXT, 'caractère')} au plus.")])

"""The partner forms on WTForms: French messages tied to fields, the hours editor without JavaScript, the zone
picker, the address placed from the offline BAN, the sections; the moderator's refusal."""

from __future__ import annotations

import html
import re

import pytest
from werkzeug.datastructures import MultiDict

from mapapp.catalog.db import transaction
from mapapp.catalog.models_users import Revision
from mapapp.web.contrib_forms import FIELDS, FORM_SECTIONS
from mapapp.web.record_forms import RefusalForm, bind
from tests.catalog.contrib import (  # noqa: F401  (fixtures)
    contrib_app,
    contrib_settings,
    contrib_template,
    factory,
    form_values,
    logged_in,
)

SITE_URL = "/espace/lieu/test--num-1/modifier"
OFFER_URL = "/espace/offre/test--o-num/modifier"


def test_every_field_is_in_exactly_one_section():
    for section, fields in FIELDS.items():
        names = [n for _legend, group in FORM_SECTIONS[section] for n in group]
        assert sorted(names) == sorted(f.name for f in fields), section


@pytest.mark.parametrize("section,values,errors", [
    ("offers", {"nom": "  ", "description": "Une description.", "delivery_mode": "on_site", "status": "active"},
     {"nom": "champ obligatoire"}),
    ("offers", {"nom": "Atelier", "description": "D", "delivery_mode": "par-pigeon", "status": "active",
                "courriel": "pas-une-adresse", "lien_mobilisation": "javascript:alert(1)", "publics": ["martiens"]},
     {"delivery_mode": "valeur inconnue « par-pigeon »",
      "courriel": "adresse électronique invalide : elle s'écrit nom@domaine.fr",
      "lien_mobilisation": "adresse web invalide : elle commence par https:// (par exemple https://www.exemple.fr)",
      "publics": "valeur inconnue « martiens »"}),
    ("sites", {"nom": "Lieu", "kind": "partner", "lon": "2,15", "lat": "quarante-cinq", "status": "active",
               "closed_from": "31/02/2026", "horaires_accueil": "lundi 9h-12h"},
     {"lat": "nombre illisible « quarante-cinq » : écrivez par exemple 45,0301",
      "closed_from": "date illisible « 31/02/2026 » : écrivez-la jj/mm/aaaa, par exemple 31/03/2026",
      "horaires_accueil": "horaires illisibles « lundi 9h-12h » : format OpenStreetMap attendu (par exemple "
                          "« Mo-Fr 09:00-12:00,14:00-17:00; PH off » ou « Th[1,3] 14:00-16:00 »). Les jours "
                          "s'écrivent en abrégé anglais : Mo Tu We Th Fr Sa Su (lundi … dimanche)."}),
], ids=["required", "choices-email-url", "number-date-hours"])
def test_wtforms_checks_say_what_is_wrong_in_french(section, values, errors):
    form = MultiDict([(k, x) for k, v in values.items() for x in (v if isinstance(v, list) else [v])])
    _, found = bind(section, form)
    assert dict(found) == errors


def test_wtforms_parses_what_people_type():
    form, errors = bind("sites", MultiDict({"nom": " Lieu ", "kind": "partner", "lon": "2,15", "lat": "45.05",
                                            "status": "active", "closed_from": "01/03/2026"}))
    assert errors == []
    assert (form.nom.data, form.lon.data, form.lat.data, form.closed_from.data) == ("Lieu", 2.15, 45.05, "2026-03-01")
    offer, errors = bind("offers", MultiDict([("nom", "Atelier"), ("description", "D"), ("delivery_mode", "remote"),
                                              ("status", "active"), ("financeurs", "État\n\n Département "),
                                              ("zone_eligibilite", "96001, 96002;96")]))
    assert errors == [] and offer.financeurs.data == ["État", "Département"]
    assert offer.zone_eligibilite.data == ["96001", "96002", "96"]


def test_field_errors_reach_the_page_tied_to_their_fields_without_internal_names(contrib_app):
    client = logged_in(contrib_app, "ml")
    data = form_values(client, OFFER_URL, courriel="pas-une-adresse", lien_mobilisation="ftp//x", nom="")
    response = client.post(OFFER_URL, data=data)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    summary = page.split('id="erreurs"')[1].split("</div>")[0]
    assert '<a href="#f-courriel">Courriel : adresse électronique invalide' in summary
    assert '<a href="#f-nom">Nom de l\'offre : champ obligatoire</a>' in summary
    said = re.sub(r"<[^>]+>", "", summary)  # what is read on the screen
    assert "lien_mobilisation" not in said and "offer." not in page and "courriel :" not in said
    assert re.search(r'id="f-courriel"[^>]*aria-invalid="true" aria-describedby="f-courriel-err', page)
    assert '<span class="field-error" id="f-courriel-err">adresse électronique invalide' in page


def test_the_hours_editor_works_without_javascript(contrib_app, factory):
    client = logged_in(contrib_app, "ml")
    page = client.get(SITE_URL).get_data(as_text=True)
    assert 'data-hours-editor="horaires_accueil"' in page and 'name="horaires_accueil-editeur"' in page
    # The site's hours are shown in the editor: Monday's first slot, holidays closed.
    assert re.search(r'name="horaires_accueil-Mo-1-debut" value="08:30"', page)
    assert re.search(r'name="horaires_accueil-feries" value="1" checked', page)
    # A person changes the editor only (the expert text stays as shown): the editor's hours are saved.
    data = form_values(client, SITE_URL)
    for day in ("Tu", "We", "Fr"):
        for key in ("1-debut", "1-fin", "2-debut", "2-fin"):
            data[f"horaires_accueil-{day}-{key}"] = ""
    data["horaires_accueil-Th-1-debut"], data["horaires_accueil-Th-1-fin"] = "14:00", "16:00"
    data["horaires_accueil-Th-2-debut"] = data["horaires_accueil-Th-2-fin"] = ""
    data.setlist("horaires_accueil-Th-semaines", ["1", "3"])
    response = client.post(SITE_URL, data=data)
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-3000:]
    rev_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with factory() as s:
        assert s.get(Revision, rev_id).data["horaires_accueil"] == "Mo 08:30-12:00,13:30-17:00; Th[1,3] 14:00-16:00; PH off"


def test_the_expert_text_wins_when_it_was_changed(contrib_app, factory):
    client = logged_in(contrib_app, "ml")
    data = form_values(client, SITE_URL, horaires_accueil="Sep-Jun Mo-Fr 09:00-17:00")
    response = client.post(SITE_URL, data=data)
    assert response.status_code == 302
    rev_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with factory() as s:
        assert s.get(Revision, rev_id).data["horaires_accueil"] == "Sep-Jun Mo-Fr 09:00-17:00"
    # Opened again, these hours are beyond the editor: it is set aside, and the page says why, in French.
    page = html.unescape(client.get(SITE_URL).get_data(as_text=True))
    assert re.search(r'<fieldset id="f-horaires_accueil-editeur"[^>]* disabled hidden>', page)
    assert "horaires avancés, modifiables seulement dans le champ texte : « Sep-Jun Mo-Fr 09:00-17:00 »" in page
    again = client.post(SITE_URL, data=form_values(client, SITE_URL, nom="Point numérique (horaires d'été)"))
    assert again.status_code == 302  # the text is kept as it is
    with factory() as s:
        assert s.get(Revision, rev_id).data["horaires_accueil"] == "Sep-Jun Mo-Fr 09:00-17:00"


def test_editor_errors_are_tied_to_their_input(contrib_app):
    client = logged_in(contrib_app, "ml")
    data = form_values(client, SITE_URL)
    data["horaires_accueil-Mo-1-debut"], data["horaires_accueil-Mo-1-fin"] = "14:00", "12:00"
    response = client.post(SITE_URL, data=data)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert ('<a href="#f-horaires_accueil-Mo-1-fin">Horaires d\'accueil, lundi : lundi, créneau 1 : l\'heure de fin '
            '(12:00) doit suivre l\'heure de début (14:00)</a>') in page
    assert re.search(r'id="f-horaires_accueil-Mo-1-fin"[^>]*value="12:00"[^>]*aria-invalid="true" '
                     r'aria-describedby="f-horaires_accueil-Mo-1-fin-err"', page)


def test_the_zone_picker_lists_the_territory_and_merges_with_typed_codes(contrib_app, factory):
    client = logged_in(contrib_app, "ml")
    page = html.unescape(client.get(OFFER_URL).get_data(as_text=True))
    picker = page.split('id="f-zone_eligibilite-choix"')[1].split("</select>")[0]
    assert '<optgroup label="Intercommunalités (EPCI)">' in picker and ">CC du Test (EPCI)</option>" in picker
    assert '<option value="96001"' in picker and "96501" not in picker  # the buffer is not the territory
    data = form_values(client, OFFER_URL, zone_eligibilite="96")
    data.setlist("zone_eligibilite-choix", ["200096001", "96002"])
    response = client.post(OFFER_URL, data=data)
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-2000:]
    rev_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with factory() as s:
        assert s.get(Revision, rev_id).data["zone_eligibilite"] == ["200096001", "96002", "96"]
    shown = html.unescape(client.get(OFFER_URL).get_data(as_text=True))
    assert re.search(r'<option value="200096001" selected>', shown) and 'name="zone_eligibilite" type="text"' in shown
    assert re.search(r'id="f-zone_eligibilite" name="zone_eligibilite" type="text"[^>]*value="96"', shown)


def _store_addresses(factory):
    from mapapp.catalog.addresses_store import store_addresses
    from mapapp.territory.addresses import Address, AddressFile

    rows = [Address("96002_0010_00012", 12, "", "Rue des Tilleuls", "96200", "96002", "Saint-Jo", "", "", 2.1503, 45.0507),
            Address("96001_0020_00003", 3, "", "Place de la Mairie", "96000", "96001", "Arlenc", "", "", 2.0402, 45.0302)]
    with transaction(factory) as s:
        store_addresses(s, AddressFile(rows), "test")


def test_a_site_with_an_address_and_no_point_is_placed_from_the_ban(contrib_app, factory):
    _store_addresses(factory)
    client = logged_in(contrib_app, "ml")
    data = form_values(client, SITE_URL, adresse="12 rue des Tilleuls", code_postal="96200", lon="", lat="")
    response = client.post(SITE_URL, data=data)
    assert response.status_code == 302
    rev_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with factory() as s:
        rev = s.get(Revision, rev_id).data
        assert (rev["lon"], rev["lat"], rev["commune_code"]) == (2.1503, 45.0507, "96002")
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Lieu placé à l'adresse « 12 Rue des Tilleuls, 96200 Saint-Jo » : vérifiez-le sur la carte." in page
    # No address found: the point stays required, said in French next to the field.
    unknown = client.post(SITE_URL, data=form_values(client, SITE_URL, adresse="Chemin introuvable", lon="", lat=""))
    assert unknown.status_code == 400 and 'id="f-lon-err">champ obligatoire' in unknown.get_data(as_text=True)


def test_the_site_form_has_the_address_combobox_sections_and_one_primary_button(contrib_app):
    client = logged_in(contrib_app, "ml")
    page = html.unescape(client.get(SITE_URL).get_data(as_text=True))
    assert re.search(r'id="f-adresse"[^>]*data-address-combobox data-api="/api/adresses"', page)
    assert "address_combobox.js" in page and "contrib/point.js" in page and "contrib/hours.js" in page
    legends = re.findall(r'<fieldset class="form-section" id="partie-\d+">\s*<legend>([^<]+)</legend>', page)
    assert legends == ["1. Le lieu", "2. Adresse et emplacement", "3. Horaires d'accueil", "4. Ouverture"]
    assert len(re.findall(r'class="primary"', page)) == 1
    assert re.search(r'value="submit" class="primary">Enregistrer et soumettre à la modération', page)


def test_the_refusal_needs_a_reason_in_french():
    form = RefusalForm(MultiDict({"reason": "   "}))
    assert not form.validate() and form.reason.errors == ["Indiquez la raison du refus : le partenaire la verra."]
    long = RefusalForm(MultiDict({"reason": "x" * 2001}))
    assert not long.validate() and long.reason.errors == ["Raison trop longue : 2\u202f000 caractères au plus."]
    ok = RefusalForm(MultiDict({"reason": "  Adresse fausse  "}))
    assert ok.validate() and ok.reason.data == "Adresse fausse"

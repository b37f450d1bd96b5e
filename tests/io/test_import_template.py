"""The XLSX import template: its sheets, the template filled with a few rows imports cleanly, wrong codes are named."""

from __future__ import annotations

import re

from openpyxl import load_workbook
from sqlalchemy import select

from mapapp.catalog import vocab
from mapapp.catalog.db import transaction
from mapapp.catalog.models import Offer, Site, Structure
from mapapp.io.catalog_import import run_import
from mapapp.io.import_template import SHEETS, columns, write_template
from mapapp.io.readers_core import FIELD_TYPES
from tests.catalog.contrib import contrib_settings, contrib_template, factory  # noqa: F401  (fixtures)

ROWS = {
    "structures": [{"id": "mod--asso", "nom": "Association Le Relais", "reseaux_porteurs": ""}],
    "sites": [{"id": "mod--lieu", "structure_id": "mod--asso", "nom": "Local du Relais", "kind": "partner",
               "adresse": "3 rue Haute", "code_postal": "96000", "commune_code": "96001", "lon": "2,051",
               "lat": "45,071", "horaires_accueil": "Mo-Fr 09:00-12:00; Th[1,3] 14:00-16:00", "status": "active"}],
    "offers": [{"id": "mod--offre", "structure_id": "mod--asso", "nom": "Aide au CV",
                "description": "Un bénévole vous aide à écrire votre CV.",
                "thematiques": "trouver-un-emploi--convaincre-un-recruteur-en-entretien",
                "publics": "jeunes|femmes", "delivery_mode": "on_site", "site_ids": "mod--lieu", "frais": "gratuit",
                "zone_eligibilite": "96001|96002", "status": "active", "date_verification": "15/01/2026"}],
}


def _filled(tmp_path, rows=ROWS, name="modele-rempli.xlsx"):
    """The template written by the application, filled as a partner would in a spreadsheet."""
    path = write_template(tmp_path / name)
    wb = load_workbook(path)
    for section, records in rows.items():
        sheet = wb[SHEETS[section]]
        header = [c.value for c in sheet[1]]
        for record in records:
            assert set(record) <= set(header), set(record) - set(header)
            sheet.append([record.get(column) for column in header])
    wb.save(path)
    return path


def test_the_template_has_a_readme_the_record_sheets_and_the_vocabularies(tmp_path):
    wb = load_workbook(write_template(tmp_path / "modele.xlsx"))
    assert wb.sheetnames == ["Lisez-moi", "Vocabulaires", "structures", "lieux", "offres", "mobilite"]
    readme = [row for row in wb["Lisez-moi"].iter_rows(values_only=True)]
    assert readme[0][0].startswith("Modèle d'import du catalogue")
    assert ("offres", "frais", "Frais", None, "un code de la liste « Frais » (feuille Vocabulaires)") in readme
    assert ("lieux", "lon", "Longitude", "oui",
            "longitude en degrés décimaux (WGS 84), par exemple 2,0401") in readme
    for section, sheet in SHEETS.items():  # the real column names, every one the importer reads
        header = [c.value for c in wb[sheet][1]]
        assert header == columns(section) and set(header) == set(FIELD_TYPES[section])
        assert wb[sheet]["A1"].comment is not None
    vocabularies = {(r[1], r[2]) for r in wb["Vocabulaires"].iter_rows(min_row=2, values_only=True)}
    assert ("gratuit", vocab.FRAIS["gratuit"]) in vocabularies
    assert ("departement_permanence", "Département – permanence") in vocabularies
    assert set(vocab.THEMATIQUES.items()) <= vocabularies
    # A one-value controlled column offers its codes as a drop-down list; a list column does not.
    offers = wb["offres"]
    letter = {c.value: c.column_letter for c in offers[1]}
    validated = {str(v.sqref): v.formula1 for v in offers.data_validations.dataValidation}
    frais = validated[f"{letter['frais']}2:{letter['frais']}1000"]
    m = re.fullmatch(r"='Vocabulaires'!\$B\$(\d+):\$B\$(\d+)", frais)
    assert m, frais
    codes = [wb["Vocabulaires"][f"B{i}"].value for i in range(int(m[1]), int(m[2]) + 1)]
    assert codes == list(vocab.FRAIS)
    assert not any(letter["thematiques"] in ref for ref in validated)


def test_the_filled_template_imports_cleanly_and_again_changes_nothing(factory, tmp_path):
    path = _filled(tmp_path)
    with transaction(factory) as s:
        result = run_import(s, path, "xlsx", dry_run=False)
        assert result.ok, result.summary()
        assert result.report.warnings == []  # the « Lisez-moi » and « Vocabulaires » sheets are passed over silently
    with factory() as s:
        assert s.get(Structure, "mod--asso").nom == "Association Le Relais"
        site = s.get(Site, "mod--lieu")
        assert (site.lon, site.lat, site.horaires_accueil) == (2.051, 45.071, "Mo-Fr 09:00-12:00; Th[1,3] 14:00-16:00")
        offer = s.get(Offer, "mod--offre")
        assert offer.publics == ["jeunes", "femmes"] and offer.zone_eligibilite == ["96001", "96002"]
        assert offer.frais == "gratuit" and [x.id for x in offer.sites] == ["mod--lieu"]
    with transaction(factory) as s:
        again = run_import(s, path, "xlsx", dry_run=False)
        assert again.ok and all(c.get("update", 0) == 0 for c in again.counts().values()), again.summary()


def test_a_wrong_code_names_its_column_and_line_and_the_closest_value(factory, tmp_path):
    rows = {**ROWS, "offers": [{**ROWS["offers"][0], "frais": "gratui"},
                               {**ROWS["offers"][0], "id": "mod--offre-2", "frais": "PAYANT"},
                               {**ROWS["offers"][0], "id": "mod--offre-3", "frais": "zzz"}]}
    path = _filled(tmp_path, rows)
    with factory() as s:
        result = run_import(s, path, "xlsx", dry_run=True)
    messages = [e.message for e in result.report.errors]
    assert messages == [
        "colonne frais, ligne 2 (feuille offres) : valeur « gratui » inconnue ; vouliez-vous dire « gratuit » ?",
        # the French label typed (in capitals) for the code: the code it labels
        "colonne frais, ligne 3 (feuille offres) : valeur « PAYANT » inconnue ; vouliez-vous dire « payant » ?",
        "colonne frais, ligne 4 (feuille offres) : valeur « zzz » inconnue (les codes possibles sont dans la "
        "feuille « Vocabulaires » du modèle d'import)",
    ]
    assert [(e.column, e.value) for e in result.report.errors][0] == ("frais", "gratui")
    with factory() as s:  # a failed import changes nothing
        assert s.scalar(select(Structure).where(Structure.id == "mod--asso")) is None


def test_a_csv_import_says_the_same(factory, tmp_path):
    path = tmp_path / "offres.csv"
    path.write_text("type_fiche;id;structure_id;nom;description;delivery_mode;site_ids;publics\n"
                    "offre;mod--o;test--ml;Atelier;Un atelier pour tous.;on_site;test--num-1;jeunez\n",
                    encoding="utf-8")
    with factory() as s:
        result = run_import(s, path, "csv", dry_run=True)
    assert [e.message for e in result.report.errors] == [
        "colonne publics, ligne 2 : valeur « jeunez » inconnue ; vouliez-vous dire « jeunes » ?"]


def test_the_command_writes_the_template_and_the_partner_space_offers_it(tmp_path, contrib_settings):
    from click.testing import CliRunner

    from mapapp.cli import main
    from mapapp.web import create_app
    from tests.catalog.contrib import logged_in

    result = CliRunner().invoke(main, ["modele-import", str(tmp_path / "modele.xlsx")])
    assert result.exit_code == 0 and "Modèle d'import écrit" in result.output
    assert load_workbook(tmp_path / "modele.xlsx").sheetnames[0] == "Lisez-moi"
    wrong = CliRunner().invoke(main, ["modele-import", str(tmp_path / "modele.csv")])
    assert wrong.exit_code == 2 and "classeur XLSX" in wrong.output
    assert "Écrire le modèle d'import du catalogue" in CliRunner().invoke(main, ["modele-import", "--help"]).output

    client = logged_in(create_app(contrib_settings), "ml")
    assert 'href="/espace/import/modele.xlsx"' in client.get("/espace/import").get_data(as_text=True)
    download = client.get("/espace/import/modele.xlsx")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    (tmp_path / "web.xlsx").write_bytes(download.data)
    assert load_workbook(tmp_path / "web.xlsx").sheetnames == load_workbook(tmp_path / "modele.xlsx").sheetnames

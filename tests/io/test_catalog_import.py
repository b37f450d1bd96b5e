"""Bulk import: every format, per-line dry-run report, all-or-nothing, idempotent, moderation for partners."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from mapapp.catalog.db import transaction
from mapapp.catalog.frames import engine_inputs
from mapapp.catalog.models import Offer, Site, Structure
from mapapp.catalog.models_users import ChangeLog, Revision
from mapapp.catalog.users import get_user_by_email
from mapapp.io.catalog_import import run_import
from mapapp.io.catalog_readers import detect_format
from tests.catalog.contrib import contrib_settings, contrib_template, factory  # noqa: F401  (fixtures)

COLUMNS = ["type_fiche", "id", "structure_id", "nom", "siret", "kind", "adresse", "commune_code", "lon", "lat",
           "horaires_accueil", "description", "thematiques", "publics", "delivery_mode", "site_ids"]


def write_csv(path, rows, columns=COLUMNS, delimiter=";"):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(columns)
        for r in rows:
            w.writerow([r.get(c, "") for c in columns])
    return path


def good_rows():
    return [
        {"type_fiche": "structure", "id": "imp--asso", "nom": "Association Coup de main", "siret": ""},
        {"type_fiche": "lieu", "id": "imp--lieu-1", "structure_id": "imp--asso", "nom": "Local de l'association",
         "kind": "partner", "adresse": "3 rue Haute", "commune_code": "96001", "lon": "2,051", "lat": "45,071",
         "horaires_accueil": "Mo-Fr 09:00-12:00"},
        {"type_fiche": "offre", "id": "imp--offre-1", "structure_id": "imp--asso", "nom": "Aide au CV",
         "description": "Un bénévole vous aide à écrire votre CV.", "thematiques": "trouver-un-emploi--convaincre-un-recruteur-en-entretien",
         "publics": "tous-publics", "delivery_mode": "on_site", "site_ids": "imp--lieu-1"},
    ]


def _count(s, model):
    return s.scalar(select(func.count()).select_from(model))


def _user(s, name):
    return get_user_by_email(s, f"{name}@example.org")


def test_dry_run_reports_every_problem_with_its_line_and_writes_nothing(factory, tmp_path):
    rows = good_rows() + [
        {"type_fiche": "lieu", "id": "imp--sans-nom", "structure_id": "imp--asso", "kind": "partner",
         "commune_code": "96001", "lon": "2.05", "lat": "45.05"},                                      # line 5
        {"type_fiche": "lieu", "id": "imp--insee", "structure_id": "imp--asso", "nom": "Code faux", "kind": "partner",
         "commune_code": "9600A", "lon": "2.05", "lat": "45.05"},                                      # line 6
        {"type_fiche": "lieu", "id": "imp--loin", "structure_id": "imp--asso", "nom": "Ailleurs", "kind": "partner",
         "commune_code": "96001", "lon": "4.8", "lat": "46.1"},                                        # line 7
        {"type_fiche": "offre", "id": "imp--theme", "structure_id": "imp--asso", "nom": "Thème inconnu",
         "description": "Une offre au thème inventé.", "thematiques": "emploi--trouver-du-boulot",
         "publics": "tous-publics", "delivery_mode": "on_site", "site_ids": "imp--lieu-1"},             # line 8
        {"type_fiche": "lieu", "id": "imp--horaires", "structure_id": "imp--asso", "nom": "Horaires faux",
         "kind": "partner", "commune_code": "96001", "lon": "2.06", "lat": "45.06",
         "horaires_accueil": "le lundi matin"},                                                        # line 9
    ]
    path = write_csv(tmp_path / "offre.csv", rows)
    with factory() as s:
        result = run_import(s, path, "csv", dry_run=True)
    errors = {(e.where, e.message.split(" :")[0]) for e in result.report.errors}
    by_line = {}
    for e in result.report.errors:
        by_line.setdefault(e.where, []).append(e.message)
    assert sorted(by_line) == [5, 6, 7, 8, 9], result.summary()
    assert "nom : champ obligatoire" in by_line[5]
    assert any("9600A" in m for m in by_line[6])
    assert any("hors du territoire" in m for m in by_line[7])
    assert any("emploi--trouver-du-boulot" in m for m in by_line[8])
    assert any("le lundi matin" in m for m in by_line[9])
    assert errors and not result.written
    with factory() as s:
        assert s.get(Structure, "imp--asso") is None and _count(s, ChangeLog) == 0
    with factory() as s:  # for real this time: refused, and the summary never claims anything was created
        refused = run_import(s, path, "csv", dry_run=False)
    summary = refused.summary()
    assert not refused.ok and summary.startswith("Import refusé") and summary.endswith("Rien n'a été écrit.")
    assert "créée(s)" not in summary and "à créer" in summary


def test_import_is_one_transaction_and_reimporting_changes_nothing(factory, tmp_path):
    path = write_csv(tmp_path / "offre.csv", good_rows())
    with transaction(factory) as s:
        dry = run_import(s, path, dry_run=True)
        assert dry.ok and dry.counts()["sites"]["create"] == 1 and not dry.written
    with factory() as s:
        assert s.get(Site, "imp--lieu-1") is None
    with transaction(factory) as s:
        result = run_import(s, path, dry_run=False)
        assert result.ok and result.written, result.summary()
    with factory() as s:
        site = s.get(Site, "imp--lieu-1")
        assert (site.lon, site.lat, site.commune_code) == (2.051, 45.071, "96001")
        assert [o.id for o in site.offers] == ["imp--offre-1"]
        logged = _count(s, ChangeLog)
        assert logged == 3 and s.scalar(select(ChangeLog.user_label)) == "ligne de commande"
    with transaction(factory) as s:
        again = run_import(s, path, dry_run=False)
        assert again.ok and again.changed == 0 and not again.written
        assert again.counts()["offers"]["unchanged"] == 1
    with factory() as s:
        assert _count(s, ChangeLog) == logged and s.get(Site, "imp--lieu-1").version == 1

    # One bad line among good changes: nothing at all is written.
    rows = good_rows()
    rows[1]["nom"] = "Local rénové"
    rows.append({"type_fiche": "lieu", "id": "imp--bad", "structure_id": "imp--asso", "nom": "X", "kind": "castle",
                 "commune_code": "96001", "lon": "2.05", "lat": "45.05"})
    with transaction(factory) as s:
        bad = run_import(s, write_csv(tmp_path / "bad.csv", rows), dry_run=False)
        assert [e.where for e in bad.report.errors] == [5]
    with factory() as s:
        assert s.get(Site, "imp--lieu-1").nom == "Local de l'association"


def test_absent_columns_keep_their_value_and_duplicates_are_warned(factory, tmp_path):
    rows = [
        # Same SIRET as the Département (another id).
        {"type_fiche": "structure", "id": "imp--cd-bis", "nom": "Conseil départemental", "siret": "22960001200017"},
        # Same name as test--num-1, 10 m away.
        {"type_fiche": "lieu", "id": "imp--num", "structure_id": "test--ml", "nom": "Point numérique 1",
         "kind": "partner", "commune_code": "96001", "lon": "2.0402", "lat": "45.0302"},
        # Existing id: an update of test--num-2, renamed (horaires_accueil is not a column of the file).
        {"type_fiche": "lieu", "id": "test--num-2", "structure_id": "test--ml", "nom": "Point numérique de la gare",
         "kind": "partner", "commune_code": "96001", "lon": "2.0402", "lat": "45.0302"},
    ]
    path = write_csv(tmp_path / "dup.csv", rows,
                     columns=["type_fiche", "id", "structure_id", "nom", "siret", "kind", "commune_code", "lon", "lat"])
    with transaction(factory) as s:
        result = run_import(s, path, dry_run=False)
        assert result.ok, result.summary()
    warnings = {w.where: w.message for w in result.report.warnings}
    assert "même SIRET" in warnings[2] and "test--cd" in warnings[2]
    assert "même nom que « Point numérique 1 » (test--num-1), à 14 m" in warnings[3]
    assert "même identifiant source" in warnings[4] and "(nom)" in warnings[4]
    with factory() as s:
        site = s.get(Site, "test--num-2")
        # horaires_accueil was not a column of the file: kept.
        assert site.nom == "Point numérique de la gare" and site.horaires_accueil == "Mo-Fr 08:30-12:00,13:30-17:00; PH off"
        assert len(s.get(Offer, "test--o-num").sites) == 2


def test_xlsx_with_one_sheet_per_kind(factory, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Notes"
    ws.append(["Ce classeur suit docs/import.md"])
    sheets = {"structures": ["id", "nom"], "lieux": ["id", "structure_id", "nom", "kind", "commune_code", "lon", "lat"],
              "offres": ["id", "structure_id", "nom", "description", "thematiques", "publics", "delivery_mode", "site_ids"]}
    for title, header in sheets.items():
        wb.create_sheet(title).append(header)
    wb["structures"].append(["x--s", "Structure du classeur"])
    # Excel turns codes into numbers: 96001 stays right; lon/lat are numbers.
    wb["lieux"].append(["x--l", "x--s", "Lieu du classeur", "partner", 96002, 2.15, 45.05])
    wb["offres"].append(["x--o", "x--s", "Offre du classeur", "Une offre venue d'Excel.",
                         "numerique--acceder-a-une-connexion-internet|numerique--acquerir-un-equipement",
                         "jeunes|seniors", "on_site", "x--l"])
    wb["offres"].append(["x--o2", "x--s", "Offre sans lieu", "Une offre sans lieu.", "mobilite--preparer-un-permis",
                         "jeunes", "on_site", ""])
    path = tmp_path / "catalogue.xlsx"
    wb.save(path)
    assert detect_format(path) == "xlsx"
    with transaction(factory) as s:
        result = run_import(s, path, dry_run=False)
    assert [(e.where, "site_ids" in e.message) for e in result.report.errors] == [("offres, ligne 3", True)]
    assert any("feuille « Notes » ignorée" in str(w) for w in result.report.warnings)
    wb["offres"].delete_rows(3)
    wb.save(path)
    with transaction(factory) as s:
        assert run_import(s, path, dry_run=False).ok
    with factory() as s:
        offer = s.get(Offer, "x--o")
        assert offer.publics == ["jeunes", "seniors"] and [x.id for x in offer.sites] == ["x--l"]
        assert offer.thematiques == ["numerique--acceder-a-une-connexion-internet", "numerique--acquerir-un-equipement"]


def test_geojson_sites(factory, tmp_path):
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.12, 45.04]},
         "properties": {"id": "geo--1", "structure_id": "test--ml", "nom": "Antenne géolocalisée", "kind": "partner"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[2.1, 45.0], [2.2, 45.1]]},
         "properties": {"id": "geo--2", "structure_id": "test--ml", "nom": "Une ligne", "kind": "partner"}},
    ]
    path = tmp_path / "lieux.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    with transaction(factory) as s:
        result = run_import(s, path, dry_run=False)
        assert [e.where for e in result.report.errors] == ["objet 2 (geo--2)"]
    features.pop()
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    with transaction(factory) as s:
        assert run_import(s, path, dry_run=False).ok
    with factory() as s:
        site = s.get(Site, "geo--1")
        assert site.commune_code == "96002"  # derived from the point: no commune_code in the file


def test_datainclusion_structures_and_services(factory, tmp_path):
    data = {
        "structures": [{"source": "dora", "id": "s1", "nom": "CCAS de Saint-Jo", "siret": None, "date_maj": "2026-05-01",
                        "code_insee": "96002", "adresse": "Place de l'église", "longitude": 2.16, "latitude": 45.06,
                        "reseaux_porteurs": ["ccas-cias"]}],
        "services": [
            {"source": "dora", "id": "sv1", "structure_id": "s1", "nom": "Aide alimentaire d'urgence",
             "description": "Colis alimentaires sur rendez-vous.", "date_maj": "2026-05-01", "type": "aide-materielle",
             "thematiques": ["numerique--acquerir-un-equipement"],
             "publics": ["tous-publics"], "modes_accueil": ["en-presentiel"], "frais": "gratuit",
             "horaires_accueil": "We 14:00-17:00"},
            {"source": "dora", "id": "sv2", "structure_id": "s1", "nom": "Écoute téléphonique",
             "description": "Une ligne d'écoute.", "date_maj": "2026-05-01", "thematiques": [],
             "publics": ["seniors"], "modes_accueil": ["a-distance"], "frais": ["payant"]},  # v0 shape
        ],
    }
    path = tmp_path / "di.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert detect_format(path) == "datainclusion"
    with transaction(factory) as s:
        result = run_import(s, path, dry_run=False)
        assert result.ok, result.summary()
    with factory() as s:
        assert s.get(Structure, "dora--s1").reseaux_porteurs == ["ccas-cias"]
        on_site, remote = s.get(Offer, "dora--sv1"), s.get(Offer, "dora--sv2")
        assert on_site.delivery_mode == "on_site" and on_site.sites[0].commune_code == "96002"
        assert on_site.sites[0].structure_id == "dora--s1" and on_site.horaires_accueil == "We 14:00-17:00"
        assert remote.delivery_mode == "remote" and remote.sites == []
        assert on_site.frais == "gratuit" and remote.frais == "payant"  # one value, whatever the file's shape
    with transaction(factory) as s:
        assert run_import(s, path, dry_run=False, data_date=dt.date(2026, 9, 1)).changed == 0


def test_france_services_get_one_offer_per_structure_that_the_engine_counts(factory, tmp_path):
    header = ["id_fs", "insee_dep", "lib_fs", "adresse", "insee_com", "code_postal", "latitude", "longitude",
              "h_lundi", "type_fs", "format_fs", "groupe_fs"]
    rows = [
        ["101", "96", "France services de Saint-Jo", "1 place", "96002", "96000", "45.05", "2.17", "09:00 - 12:00",
         "Principal", "Fixe", "SJ"],
        ["102", "96", "France services de Saint-Jo - antenne", "2 rue", "96001", "96000", "45.04", "2.02", "",
         "Antenne", "Fixe_antenne(s)", "SJ"],
        ["103", "75", "France services de Paris", "3 rue", "75056", "75000", "48.85", "2.35", "", "Principal", "Fixe", ""],
    ]
    path = tmp_path / "liste-fs-20260901.csv"
    write_csv(path, [dict(zip(header, r)) for r in rows], columns=header, delimiter=",")
    assert detect_format(path) == "france-services"
    with transaction(factory) as s:
        result = run_import(s, path, dry_run=False, data_date=dt.date(2026, 9, 1))
        assert result.ok, result.summary()
    with factory() as s:
        offer = s.get(Offer, "anct-fs--101--offre")
        assert offer.structure.reseaux_porteurs == ["france-service"]
        assert [x.id for x in offer.sites] == ["anct-fs--101", "anct-fs--102"]
        assert "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives" in offer.thematiques
        assert s.get(Site, "anct-fs--103") is None  # outside the territory
        offers = engine_inputs(s).offers
        assert set(offers[offers["offer_id"] == "anct-fs--101--offre"]["site_id"]) == {"anct-fs--101", "anct-fs--102"}
    with transaction(factory) as s:
        assert run_import(s, path, dry_run=False, data_date=dt.date(2026, 9, 1)).changed == 0


def test_partner_imports_become_submitted_revisions_of_its_own_structures(factory, tmp_path):
    rows = [
        {"type_fiche": "lieu", "id": "ml--lieu-neuf", "structure_id": "test--ml", "nom": "Nouveau local", "kind": "partner",
         "commune_code": "96001", "lon": "2.03", "lat": "45.03"},
        {"type_fiche": "offre", "id": "ml--offre-neuve", "structure_id": "test--ml", "nom": "Atelier CV",
         "description": "Atelier collectif.", "thematiques": "trouver-un-emploi--convaincre-un-recruteur-en-entretien",
         "publics": "jeunes", "delivery_mode": "on_site", "site_ids": "ml--lieu-neuf"},
    ]
    path = write_csv(tmp_path / "ml.csv", rows)
    with transaction(factory) as s:
        result = run_import(s, path, user=_user(s, "ml"), dry_run=False)
        assert result.ok and result.mode == "moderation", result.summary()
    with factory() as s:
        assert s.get(Site, "ml--lieu-neuf") is None  # not live before moderation
        revs = s.scalars(select(Revision).order_by(Revision.id)).all()
        assert [(r.record_id, r.status, r.batch == result.batch) for r in revs] == [
            ("ml--lieu-neuf", "submitted", True), ("ml--offre-neuve", "submitted", True)]
    with transaction(factory) as s:
        assert run_import(s, path, user=_user(s, "ml"), dry_run=False).changed == 0
    with factory() as s:
        assert _count(s, Revision) == 2
    # Records of another structure, or a new structure: refused, line by line.
    rows = [{"type_fiche": "lieu", "id": "test--site-1", "structure_id": "test--cd", "nom": "Piraté", "kind": "partner",
             "commune_code": "96001", "lon": "2.05", "lat": "45.05"},
            {"type_fiche": "structure", "id": "ml--filiale", "nom": "Filiale"}]
    with transaction(factory) as s:
        bad = run_import(s, write_csv(tmp_path / "bad.csv", rows), user=_user(s, "ml"), dry_run=False)
    assert [(e.where, e.message) for e in bad.report.errors] == [
        (2, "la structure « test--cd » n'est pas la vôtre"),
        (3, "la structure « ml--filiale » n'est pas la vôtre")]


@pytest.mark.parametrize("name,fmt", [("a.csv", "csv"), ("a.json", "json")])
def test_detect_format(tmp_path, name, fmt):
    path = tmp_path / name
    path.write_text("type_fiche,id\n" if fmt == "csv" else '{"sites": []}', encoding="utf-8")
    assert detect_format(path) == fmt


def test_point_just_outside_its_own_commune_is_accepted_but_not_far_away(factory, tmp_path):
    """Commune outlines are simplified: a coastal site may fall a few hundred metres outside."""
    rows = good_rows() + [
        {"type_fiche": "lieu", "id": "imp--port", "structure_id": "imp--asso", "nom": "Au port", "kind": "partner",
         "commune_code": "96001", "lon": "2.05", "lat": "44.996"},                                     # ~450 m south
        {"type_fiche": "lieu", "id": "imp--large", "structure_id": "imp--asso", "nom": "Au large", "kind": "partner",
         "commune_code": "96001", "lon": "2.05", "lat": "44.98"},                                      # ~2.2 km south
        {"type_fiche": "lieu", "id": "imp--nord", "structure_id": "imp--asso", "nom": "Au nord", "kind": "partner",
         "commune_code": "96001", "lon": "2.05", "lat": "45.1072"},                                    # ~800 m north
        {"type_fiche": "lieu", "id": "imp--nord-loin", "structure_id": "imp--asso", "nom": "Plus au nord",
         "kind": "partner", "commune_code": "96001", "lon": "2.05", "lat": "45.1108"},                 # ~1.2 km north
    ]
    path = write_csv(tmp_path / "cote.csv", rows)
    with factory() as s:
        result = run_import(s, path, "csv", dry_run=True)
    wheres = {e.where for e in result.report.errors if "hors du territoire" in e.message}
    assert wheres == {6, 8}, result.summary()  # metres north weigh as much as metres east


def test_partner_import_cannot_take_over_another_structures_record(factory, tmp_path):
    # test--fs-arlenc belongs to test--fs: a line giving it the partner's own structure is refused.
    rows = [{"type_fiche": "lieu", "id": "test--fs-arlenc", "structure_id": "test--ml", "nom": "Repris",
             "kind": "partner", "commune_code": "96001", "lon": "2.03", "lat": "45.08"}]
    path = write_csv(tmp_path / "takeover.csv", rows)
    with factory() as s:
        result = run_import(s, path, user=_user(s, "ml"), dry_run=True)
        assert [(e.where, e.message) for e in result.report.errors] == [
            (2, "la fiche « test--fs-arlenc » appartient à la structure « test--fs », qui n'est pas la vôtre")]
        assert result.plans == []
    with factory() as s:
        assert s.get(Site, "test--fs-arlenc").structure_id == "test--fs" and _count(s, Revision) == 0


def test_partner_import_does_not_reopen_another_structures_request(factory):
    import datetime as dt

    from mapapp.catalog import moderation
    from mapapp.io.catalog_import import RecordPlan, _write
    from mapapp.territory.validation import ImportReport

    with transaction(factory) as s:
        site = {"id": "fs--projet", "structure_id": "test--fs", "nom": "Projet", "kind": "partner",
                "commune_code": "96001", "lon": 2.03, "lat": 45.08}
        rev_id = moderation.save_draft(s, _user(s, "fs"), "sites", site, submit=True).id
    with factory() as s:
        report = ImportReport()
        plan = RecordPlan("sites", "fs--projet", 2, "create", {}, {**site, "structure_id": "test--ml"})
        _write(s, [plan], _user(s, "ml"), "moderation", dt.date(2026, 1, 1), "batch", report, "f.csv")
        assert [e.where for e in report.errors] == [2]
        assert s.get(Revision, rev_id).status == "submitted"  # untouched, not even in the session


def test_partner_import_cannot_attach_another_structures_site_to_its_offer(factory, tmp_path):
    rows = [{"type_fiche": "offre", "id": "test--ml--offre-import", "structure_id": "test--ml", "nom": "Atelier CV",
             "description": "Un conseiller vous aide à écrire votre CV.",
             "thematiques": "trouver-un-emploi--convaincre-un-recruteur-en-entretien", "publics": "tous-publics",
             "delivery_mode": "on_site", "site_ids": "test--num-1,test--fs-arlenc"}]
    path = write_csv(tmp_path / "foreign-site.csv", rows)
    with factory() as s:
        result = run_import(s, path, user=_user(s, "ml"), dry_run=True)
        assert [(e.where, e.message) for e in result.report.errors] == [
            (2, "site_ids : le lieu « France Services d'Arlenc » (test--fs-arlenc) appartient à une autre structure : "
                "une offre ne peut utiliser que les lieux de sa propre structure")]
        assert result.plans == []
    with factory() as s:
        assert _count(s, Revision) == 0


def test_optional_capacity_is_imported_as_a_whole_number(factory, tmp_path):
    rows = good_rows()
    rows[1]["capacite"] = "12"
    rows[2]["capacite"] = "30"
    path = write_csv(tmp_path / "capacite.csv", rows, COLUMNS + ["capacite"])
    with transaction(factory) as s:
        result = run_import(s, path, dry_run=False)
        assert result.ok, result.summary()
    with factory() as s:
        assert s.get(Site, "imp--lieu-1").capacite == 12 and s.get(Offer, "imp--offre-1").capacite == 30
    with transaction(factory) as s:
        assert run_import(s, path, dry_run=False).changed == 0  # idempotent: 12 is 12
    rows[1]["capacite"] = "douze"
    with transaction(factory) as s:
        bad = run_import(s, write_csv(tmp_path / "bad.csv", rows, COLUMNS + ["capacite"]), dry_run=False)
        assert [e.where for e in bad.report.errors] == [3] and "capacite" in str(bad.report.errors[0])

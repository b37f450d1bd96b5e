"""The partners' space: forms with moderation, the map point, hours preview, import, and what a partner cannot reach."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from sqlalchemy import select

from mapapp.catalog.models import Offer, Site
from mapapp.catalog.models_users import ChangeLog, Revision
from tests.catalog.contrib import (  # noqa: F401  (fixtures)
    contrib_app,
    contrib_settings,
    contrib_template,
    csrf,
    factory,
    form_values,
    logged_in,
    opened_on,
    read_form,
)
from tests.web.conftest import XSS

SITE_FORM = {"nom": "Point numérique 1", "kind": "partner", "adresse": "2 rue Basse", "code_postal": "96000",
             "lon": "2.0401", "lat": "45.0301", "horaires_accueil": "Mo-Fr 08:30-12:00,13:30-17:00; PH off",
             "status": "active"}


def _post_site(client, record_id="test--num-1", **fields):
    url = f"/espace/lieu/{record_id}/modifier"
    data = {**SITE_FORM, **opened_on(client, url), **fields, "csrf_token": csrf(client, url)}
    return client.post(url, data=data)


def _revision_id(response) -> int:
    return int(re.search(r"/espace/demande/(\d+)$", response.headers["Location"]).group(1))


def test_partner_edits_its_site_as_a_draft_then_submits_it(contrib_app, factory):
    client = logged_in(contrib_app, "ml")
    form = client.get("/espace/lieu/test--num-1/modifier").get_data(as_text=True)
    assert 'id="point-map"' in form and "contrib/point.js" in form and 'data-hours-preview="/espace/horaires/apercu"' in form
    assert "<script>" not in form.split("</main>")[0].split("<main")[1]  # no inline script in the page body
    response = _post_site(client, nom="Point numérique de la médiathèque", lon="2.1501", lat="45.0501")
    assert response.status_code == 302
    rev_id = _revision_id(response)
    page = client.get(f"/espace/demande/{rev_id}").get_data(as_text=True)
    assert "Brouillon" in page and "Point numérique de la médiathèque" in page
    assert "modification du lieu « Point numérique" in page
    with factory() as s:
        rev = s.get(Revision, rev_id)
        # The commune follows the point (moved into Saint-Jo); a person edited it: verified today.
        assert rev.data["commune_code"] == "96002" and rev.data["date_verification"] == dt.date.today().isoformat()
        assert s.get(Site, "test--num-1").nom == "Point numérique 1"  # live unchanged
    # The public fiche still shows the published name.
    assert "Point numérique de la médiathèque" not in contrib_app.test_client().get("/site/test--num-1").get_data(as_text=True)
    token = csrf(client, f"/espace/demande/{rev_id}")
    assert client.post(f"/espace/demande/{rev_id}/soumettre",
                       data={"csrf_token": token, **opened_on(client, f"/espace/demande/{rev_id}")}).status_code == 302
    with factory() as s:
        assert s.get(Revision, rev_id).status == "submitted"
    # Editing it again needs withdrawing first.
    assert client.get("/espace/lieu/test--num-1/modifier").status_code == 302


def test_invalid_form_values_come_back_with_french_messages_and_escaped(contrib_app, factory):
    client = logged_in(contrib_app, "ml")
    response = _post_site(client, nom=XSS, horaires_accueil="le lundi", lon="9.5", lat="48.0")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "hors du territoire" in page and "le lundi" in page
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    with factory() as s:
        assert s.scalar(select(Revision.id)) is None


def test_new_site_and_offer_exist_only_as_revisions(contrib_app, factory):
    client = logged_in(contrib_app, "ml")
    form = client.get("/espace/lieu/nouveau?structure=test--ml").get_data(as_text=True)
    record_id = re.search(r'name="id" value="([^"]+)"', form).group(1)
    assert record_id.startswith("test--ml--lieu-")
    response = client.post("/espace/lieu/nouveau", data={**SITE_FORM, "nom": XSS, "id": record_id, "structure": "test--ml",
                                                         "csrf_token": csrf(client, "/espace/"), "action": "submit",
                                                         "lock_version": "0", "version": "0"})
    assert response.status_code == 302
    with factory() as s:
        assert s.get(Site, record_id) is None
    # The public API and pages never show it.
    public = contrib_app.test_client()
    assert record_id not in public.get("/api/sites").get_data(as_text=True)
    assert public.get(f"/site/{record_id}").status_code == 404
    # A forged id (another structure's namespace) is refused.
    forged = client.post("/espace/lieu/nouveau", data={**SITE_FORM, "id": "test--cd--lieu-0000abcd", "structure": "test--ml",
                                                       "csrf_token": csrf(client, "/espace/"),
                                                       "lock_version": "0", "version": "0"})
    assert forged.status_code == 400
    # The offer form lists the unpublished site.
    offer_form = client.get("/espace/offre/nouveau?structure=test--ml").get_data(as_text=True)
    assert f'value="{record_id}"' in offer_form and "(non publié)" in offer_form
    assert XSS not in offer_form


@pytest.mark.parametrize("method,url", [
    ("get", "/espace/lieu/test--site-1/modifier"),
    ("post", "/espace/lieu/test--site-1/modifier"),
    ("get", "/espace/offre/test--offre-1/modifier"),
    ("get", "/espace/structure/test--cd"),
    ("get", "/espace/lieu/nouveau?structure=test--cd"),
    ("post", "/espace/lieu/nouveau?structure=test--cd"),
    ("get", "/espace/lieu/test--site-1/historique"),
    ("post", "/espace/lieu/test--site-1/toujours-valable"),
    ("get", "/espace/structure/test--cd/modifier"),
    ("get", "/espace/mobilite/test--tad/modifier"),
    ("get", "/moderation/"),
    ("post", "/moderation/demande/1/publier"),
])
def test_partner_cannot_reach_another_structure(contrib_app, method, url):
    client = logged_in(contrib_app, "ml")
    token = csrf(client, "/espace/")
    response = getattr(client, method)(url, data={**SITE_FORM, "csrf_token": token} if method == "post" else None)
    assert response.status_code == 403, (url, response.status_code)
    assert "Accès refusé" in response.get_data(as_text=True)


def test_drafts_of_another_structure_cannot_be_read_by_page_or_api(contrib_app, factory):
    fs = logged_in(contrib_app, "fs")
    response = fs.post("/espace/lieu/test--fs-arlenc/modifier", data={
        **SITE_FORM, "nom": "Projet confidentiel", "kind": "france_services", "lon": "2.03", "lat": "45.08",
        **opened_on(fs, "/espace/lieu/test--fs-arlenc/modifier"), "csrf_token": csrf(fs, "/espace/lieu/test--fs-arlenc/modifier")})
    rev_id = _revision_id(response)
    assert fs.get(f"/espace/api/demandes/{rev_id}").get_json()["data"]["nom"] == "Projet confidentiel"
    ml = logged_in(contrib_app, "ml")
    # Someone else's request answers exactly as one that does not exist: 404, same message.
    for url, unknown in ((f"/espace/demande/{rev_id}", "/espace/demande/999"),
                         (f"/espace/api/demandes/{rev_id}", "/espace/api/demandes/999")):
        response, missing = ml.get(url), ml.get(unknown)
        assert response.status_code == missing.status_code == 404, url
        assert response.get_data() == missing.get_data()
        assert "Projet confidentiel" not in response.get_data(as_text=True)
    token = csrf(ml, "/espace/")
    for action in ("soumettre", "retirer"):
        assert ml.post(f"/espace/demande/{rev_id}/{action}", data={"csrf_token": token, "lock_version": "1"}).status_code == 404
    # Nor by editing the record (the open draft is another structure's).
    assert ml.get("/espace/lieu/test--fs-arlenc/modifier").status_code == 403
    assert "Projet confidentiel" not in ml.get("/espace/").get_data(as_text=True)
    # Anonymous: the JSON API says 401, pages redirect to the login.
    anonymous = contrib_app.test_client()
    assert anonymous.get(f"/espace/api/demandes/{rev_id}").status_code == 401
    assert anonymous.get(f"/espace/demande/{rev_id}").status_code == 302


def test_two_members_saving_drafts_of_the_same_record_cannot_erase_each_other(contrib_app, factory):
    """The attack: two members open the same draft; the second's save used to erase the first's text."""
    first, second = logged_in(contrib_app, "ml"), logged_in(contrib_app, "ml2")
    rev_id = _revision_id(_post_site(first, nom="Brouillon initial"))
    url = "/espace/lieu/test--num-1/modifier"
    form_a, form_b = form_values(first, url), form_values(second, url)
    assert form_a["lock_version"] == form_b["lock_version"] != "0"
    form_a["nom"], form_b["adresse"] = "Version de la première", "9 place du Marché"
    assert first.post(url, data=form_a).status_code == 302
    # Different fields: the second save keeps the first's name.
    assert second.post(url, data=form_b).status_code == 302
    with factory() as s:
        data = s.get(Revision, rev_id).data
        assert (data["nom"], data["adresse"]) == ("Version de la première", "9 place du Marché")
    # The same field: nothing is saved, and the conflict is shown field by field with both values.
    form_a, form_b = form_values(first, url, nom="Nom de la première"), form_values(second, url, nom="Nom de la seconde")
    assert first.post(url, data=form_a).status_code == 302
    late = second.post(url, data=form_b)
    page = html.unescape(late.get_data(as_text=True))
    assert late.status_code == 409
    assert "Nom : enregistré entre-temps « Nom de la première », votre saisie « Nom de la seconde »" in page
    assert 'id="f-nom-err">Modifié entre-temps par quelqu\'un d\'autre : « Nom de la première »' in page
    with factory() as s:
        assert s.get(Revision, rev_id).data["nom"] == "Nom de la première"
    # The page shown again is on the current version: saving it now is a decision, and goes through.
    assert second.post(url, data=read_form(late.get_data(as_text=True))).status_code == 302
    with factory() as s:
        assert s.get(Revision, rev_id).data["nom"] == "Nom de la seconde"


def test_hours_preview_and_commune_of_a_point(contrib_app):
    client = logged_in(contrib_app, "ml")
    ok = client.get("/espace/horaires/apercu", query_string={"expression": "Th[2] 09:00-12:00"}).get_json()
    assert ok == {"ok": True, "expression": "Th[2] 09:00-12:00", "description": "le 2e jeudi du mois de 9h à 12h",
                  "expert": None,  # the editor shows it: its model comes along
                  "model": {"days": {"Th": {"slots": [["09:00", "12:00"]], "weeks": [2]}},
                            "holidays_closed": False, "always_open": False}}
    expert = client.get("/espace/horaires/apercu", query_string={"expression": "Sep-Jun Mo 09:00-12:00"}).get_json()
    assert expert["ok"] and expert["model"] is None and expert["expert"].startswith("horaires avancés")
    bad = client.get("/espace/horaires/apercu", query_string={"expression": "tous les jours"}).get_json()
    assert bad["ok"] is False and "tous les jours" in bad["error"]
    # From the editor's inputs: the text they make, or their errors by input, in French.
    made = client.get("/espace/horaires/apercu", query_string={
        "field": "horaires_accueil", "horaires_accueil-Tu-1-debut": "09:00", "horaires_accueil-Tu-1-fin": "12:00",
        "horaires_accueil-Tu-semaines": ["1", "3"], "horaires_accueil-feries": "1"}).get_json()
    assert made == {"ok": True, "expression": "Tu[1,3] 09:00-12:00; PH off",
                    "description": "le 1er et le 3e mardi du mois de 9h à 12h ; fermé les jours fériés"}
    wrong = client.get("/espace/horaires/apercu", query_string={
        "field": "horaires_accueil", "horaires_accueil-Tu-1-debut": "14:00", "horaires_accueil-Tu-1-fin": "12:00"}).get_json()
    assert wrong["ok"] is False and wrong["errors"] == {
        "horaires_accueil-Tu-1-fin": "mardi, créneau 1 : l'heure de fin (12:00) doit suivre l'heure de début (14:00)"}
    assert client.get("/espace/commune?lon=2.15&lat=45.05").get_json()["code"] == "96002"
    assert client.get("/espace/commune?lon=5&lat=48").get_json()["code"] is None
    assert contrib_app.test_client().get("/espace/horaires/apercu?expression=Mo",
                                         headers={"Accept": "application/json"}).status_code == 401


def test_still_valid_button_updates_the_verification_date_and_the_history(contrib_app, factory):
    client = logged_in(contrib_app, "ml")
    stale_page = client.get("/espace/a-verifier").get_data(as_text=True)
    assert "Ateliers numériques" in stale_page and "Maison des Solidarités" not in stale_page
    response = client.post("/espace/offre/test--o-num/toujours-valable",
                           data={"csrf_token": csrf(client, "/espace/"), "next": "/espace/a-verifier"})
    assert response.status_code == 302 and response.headers["Location"] == "/espace/a-verifier"
    with factory() as s:
        assert s.get(Offer, "test--o-num").date_verification == dt.date.today()
        assert s.scalar(select(ChangeLog.action).where(ChangeLog.record_id == "test--o-num")) == "verify"
    history = client.get("/espace/offre/test--o-num/historique").get_data(as_text=True)
    assert "Confirmée « toujours valable »" in history and "ml@example.org" in history
    assert "Restaurer" not in history  # partners do not restore


def test_import_upload_dry_run_then_confirm(contrib_app, factory):
    client = logged_in(contrib_app, "ml")
    csv_text = ("type_fiche;id;structure_id;nom;kind;commune_code;lon;lat\n"
                "lieu;ml--web-1;test--ml;Local importé;partner;96001;2.02;45.02\n"
                f"lieu;ml--web-2;test--ml;{XSS};castle;96001;2.03;45.03\n")
    def upload(text):
        return client.post("/espace/import", data={"csrf_token": csrf(client, "/espace/import"), "format": "csv",
                                                   "fichier": (io.BytesIO(text.encode()), "lieux.csv")},
                           content_type="multipart/form-data")
    page = upload(csv_text).get_data(as_text=True)
    assert "ligne 3" in page and "castle" in page and "Confirmer" not in page and XSS not in page
    response = upload(csv_text.rsplit("\n", 2)[0] + "\n")
    page = response.get_data(as_text=True)
    assert "Simulation" in page and "Confirmer l'import" in page
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)
    with factory() as s:
        assert s.scalar(select(Revision.id)) is None  # the dry run wrote nothing
    # Another user cannot confirm this upload.
    other = logged_in(contrib_app, "ml2")
    assert other.post("/espace/import/confirmer", data={"csrf_token": csrf(other, "/espace/"), "token": token}).status_code == 403
    done = client.post("/espace/import/confirmer", data={"csrf_token": csrf(client, "/espace/"), "token": token})
    assert done.status_code == 200 and "soumise(s) à la modération" in done.get_data(as_text=True)
    with factory() as s:
        rev = s.scalar(select(Revision))
        assert (rev.record_id, rev.status) == ("ml--web-1", "submitted") and s.get(Site, "ml--web-1") is None


def test_still_valid_redirects_only_to_a_safe_local_page(contrib_app):
    client = logged_in(contrib_app, "ml")
    def confirm(target):
        return client.post("/espace/offre/test--o-num/toujours-valable",
                           data={"csrf_token": csrf(client, "/espace/"), "next": target}).headers["Location"]
    assert confirm("/espace/structure/test--ml") == "/espace/structure/test--ml"
    for target in ("https://evil.example/espace/", "//evil.example/espace/", "/espace/\\evil.example", ""):
        assert confirm(target) == "/espace/a-verifier", target


def test_pending_imports_stay_few_in_the_session_and_old_uploads_are_deleted(contrib_app, contrib_settings):
    import os
    import time

    uploads = contrib_settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    old, recent = uploads / ("0" * 32 + ".csv"), uploads / ("1" * 32 + ".csv")
    for path in (old, recent):
        path.write_text("type_fiche;id\n", encoding="utf-8")
    two_days_ago = time.time() - 48 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    client = logged_in(contrib_app, "ml")
    csv_text = "type_fiche;id;structure_id;nom;kind;commune_code;lon;lat\nlieu;ml--web-1;test--ml;Local;partner;96001;2.02;45.02\n"
    tokens = []
    for _ in range(6):
        page = client.post("/espace/import", data={"csrf_token": csrf(client, "/espace/import"), "format": "csv",
                                                   "fichier": (io.BytesIO(csv_text.encode()), "lieux.csv")},
                           content_type="multipart/form-data").get_data(as_text=True)
        tokens.append(re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1))
    with client.session_transaction() as sess:
        pending = set(sess["imports"])
    # Only the latest few simulations stay in the (cookie) session: it does not grow with each upload.
    assert len(pending) <= 3 and pending == set(tokens[-len(pending):])
    # Files older than 24 h are gone, recent ones (another session's) stay; of ours, only the pending ones.
    assert not old.exists() and recent.exists()
    assert {p.stem for p in uploads.iterdir()} == {recent.stem, *pending}
    # A dropped simulation can no longer be confirmed; the latest one can.
    assert client.post("/espace/import/confirmer",
                       data={"csrf_token": csrf(client, "/espace/"), "token": tokens[0]}).status_code == 403
    assert client.post("/espace/import/confirmer",
                       data={"csrf_token": csrf(client, "/espace/"), "token": tokens[-1]}).status_code == 200


def _upload(client, data: bytes, name: str = "lieux.csv"):
    return client.post("/espace/import", data={"csrf_token": csrf(client, "/espace/import"), "format": "csv",
                                               "fichier": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_an_upload_over_the_limit_is_refused_in_french_and_nothing_is_kept(contrib_settings, monkeypatch):
    from mapapp.web import create_app

    monkeypatch.setenv("MAPAPP_MAX_UPLOAD_MB", "1")
    app = create_app(contrib_settings)
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    client = logged_in(app, "ml")
    big = b"type_fiche;id\n" + b"x" * (2 * 1024 * 1024)
    response = _upload(client, big)
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and "trop volumineux" in page and "1 Mo" in page
    assert list((contrib_settings.data_dir / "uploads").glob("*")) == []


def test_the_default_limit_takes_effect(contrib_app):
    # Flask defines MAX_CONTENT_LENGTH as None: a setdefault would leave uploads unbounded.
    assert contrib_app.config["MAX_CONTENT_LENGTH"] == 20 * 1024 * 1024


def test_uploads_are_deleted_after_use_and_on_failure(contrib_app, contrib_settings, monkeypatch):
    uploads = contrib_settings.data_dir / "uploads"
    client = logged_in(contrib_app, "ml")
    header = "type_fiche;id;structure_id;nom;kind;commune_code;lon;lat\n"
    # A simulation with errors cannot be confirmed: its file goes at once.
    bad = _upload(client, (header + "lieu;ml--w;test--ml;Local;castle;96001;2.02;45.02\n").encode())
    assert "castle" in bad.get_data(as_text=True) and list(uploads.iterdir()) == []
    # A file the importer refuses as a whole goes too.
    refused = _upload(client, b"\x00\x01 not a table", name="lieux.xlsx")
    assert refused.status_code == 400 and list(uploads.iterdir()) == []
    # A good simulation waits for its confirmation, which then consumes the file even when it fails.
    page = _upload(client, (header + "lieu;ml--w;test--ml;Local;partner;96001;2.02;45.02\n").encode())
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page.get_data(as_text=True)).group(1)
    assert [p.stem for p in uploads.iterdir()] == [token]
    import mapapp.io.catalog_import as catalog_import

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(catalog_import, "run_import", broken)
    contrib_app.config["PROPAGATE_EXCEPTIONS"] = False
    failed = client.post("/espace/import/confirmer", data={"csrf_token": csrf(client, "/espace/"), "token": token})
    assert failed.status_code == 500 and list(uploads.iterdir()) == []


def test_stale_uploads_are_purged_when_the_application_starts(contrib_settings):
    import os
    import time

    from mapapp.web import create_app

    uploads = contrib_settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    stale, fresh = uploads / ("2" * 32 + ".csv"), uploads / ("3" * 32 + ".csv")
    for path in (stale, fresh):
        path.write_text("type_fiche;id\n", encoding="utf-8")
    os.utime(stale, (time.time() - 48 * 3600,) * 2)
    create_app(contrib_settings)
    assert not stale.exists() and fresh.exists()


def test_the_id_of_another_structures_new_draft_cannot_be_probed(contrib_app):
    """403 for a draft and 404 for nothing told that the draft existed: both answer 404, word for word."""
    fs = logged_in(contrib_app, "fs")
    form = fs.get("/espace/lieu/nouveau?structure=test--fs").get_data(as_text=True)
    record_id = re.search(r'name="id" value="([^"]+)"', form).group(1)
    created = fs.post("/espace/lieu/nouveau", data={**SITE_FORM, "nom": "Nouveau lieu secret", "id": record_id,
                                                    "structure": "test--fs", "csrf_token": csrf(fs, "/espace/"),
                                                    "lock_version": "0", "version": "0"})
    assert created.status_code == 302
    assert fs.get(f"/espace/lieu/{record_id}/modifier").status_code == 200  # its author sees it
    ml = logged_in(contrib_app, "ml")
    for who in (ml, logged_in(contrib_app, "modo2")):  # another partner; a moderator of another territory
        draft = who.get(f"/espace/lieu/{record_id}/modifier")
        missing = who.get("/espace/lieu/test--fs--lieu-00000000/modifier")
        assert draft.status_code == missing.status_code == 404
        assert draft.get_data() == missing.get_data() and b"secret" not in draft.get_data()


def test_the_national_france_services_list_takes_its_date_from_the_form(contrib_app, factory):
    """The list has no date column: the upload says to give one, then uses it for every record it writes."""
    client = logged_in(contrib_app, "admin")
    header = "id_fs,insee_dep,lib_fs,adresse,insee_com,code_postal,latitude,longitude,h_lundi,type_fs,format_fs\n"
    text = (header + '"501","96","France services de test","1 place","96001","96000",45.02,2.02,"09:00 - 12:00",'
            '"Principal","Fixe"\n' + '"502","13","France services ailleurs","","13055","13000",abc,5.37,,'
            '"Principal","Fixe"\n')

    def upload(date):
        return client.post("/espace/import", data={"csrf_token": csrf(client, "/espace/import"), "format": "",
                                                   "date_donnees": date,
                                                   "fichier": (io.BytesIO(text.encode()), "liste-fs-20240801.csv")},
                           content_type="multipart/form-data")

    undated = upload("")
    assert undated.status_code == 400
    assert "précisez la date de publication" in html.unescape(undated.get_data(as_text=True))
    assert upload("1er août").status_code == 400
    page = upload("2024-08-01").get_data(as_text=True)
    assert "Confirmer l'import" in page, page  # the broken row of another département does not block it
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)
    done = client.post("/espace/import/confirmer", data={"csrf_token": csrf(client, "/espace/"), "token": token})
    assert done.status_code == 200
    with factory() as s:
        assert s.get(Site, "anct-fs--501").date_maj.isoformat() == "2024-08-01"
        assert s.get(Site, "anct-fs--502") is None


def test_a_partner_offer_form_cannot_attach_another_structures_site(contrib_app, factory):
    """The attack: the offer form posted with a site of another structure (test--site-1 is test--cd's)."""
    client = logged_in(contrib_app, "ml")
    url = "/espace/offre/test--o-num/modifier"
    form = form_values(client, url, site_ids=["test--num-1", "test--site-1"], action="submit")
    response = client.post(url, data=form)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "le lieu « Maison des Solidarités de Test » (test--site-1) appartient à une autre structure" in page
    with factory() as s:
        assert s.scalar(select(Revision).where(Revision.record_id == "test--o-num")) is None  # never reaches moderation


def test_import_report_offers_the_full_list_of_problems_as_csv_to_its_own_session(contrib_app):
    client = logged_in(contrib_app, "ml")
    rows = "".join(f"lieu;ml--bad-{i};test--ml;Local {i};castle;96001;2.02;45.02\n" for i in range(60))
    page = client.post("/espace/import", data={"csrf_token": csrf(client, "/espace/import"), "format": "csv",
                                               "fichier": (io.BytesIO(("type_fiche;id;structure_id;nom;kind;"
                                                                       "commune_code;lon;lat\n" + rows).encode()),
                                                           "lieux.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Erreurs (60)" in page and "ligne 61" in page  # every error on the page, none cut
    url = re.search(r'href="(/espace/import/problemes/[0-9a-f]{32}\.csv)"', page).group(1)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert sorted(int(r["Ligne"]) for r in table if r["Gravité"] == "erreur") == list(range(2, 62))
    assert logged_in(contrib_app, "ml2").get(url).status_code == 404  # another session: not its list


def test_offer_request_page_speaks_french_labels_and_elides(contrib_app):
    """« modification de l'offre » (not « de la offre »); diffs show labels and names, not codes and ids."""
    client = logged_in(contrib_app, "ml")
    url = "/espace/offre/test--o-num/modifier"
    form = form_values(client, url, publics=["jeunes"], site_ids=["test--num-1"], action="save")
    response = client.post(url, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "modification de l'offre « Ateliers numériques »" in page and "de la offre" not in page
    diff = page.split('<table class="diff">')[1].split("</table>")[0]
    assert '<td class="new">Jeunes</td>' in diff and "jeunes<" not in diff
    assert "Point numérique 1" in diff and "test--num-1" not in diff


def test_dashboard_and_stale_list_show_names_not_codes(contrib_app):
    client = logged_in(contrib_app, "ml")
    dashboard = html.unescape(client.get("/espace/").get_data(as_text=True))
    assert "Mission locale" in dashboard.split("<tbody>")[1] and "mission-locale" not in dashboard
    stale = html.unescape(client.get("/espace/a-verifier?mois=1").get_data(as_text=True))
    assert ">Mission locale <script>" in stale and ">test--ml<" not in stale


def test_form_errors_are_french_with_the_fields_labels(contrib_app):
    """No « None », no ``offer.nom``, no English parser text: one French message per field, with its label."""
    client = logged_in(contrib_app, "ml")
    url = "/espace/offre/test--o-num/modifier"
    response = client.post(url, data=form_values(client, url, nom="", horaires_accueil="lundi", action="save"))
    assert response.status_code == 400
    alert = html.unescape(response.get_data(as_text=True)).split('role="alert"')[1].split("</div>")[0]
    messages = [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r"<li>(.*?)</li>", alert, re.S)]
    assert "Nom de l'offre : champ obligatoire" in messages
    assert any(m.startswith("Horaires propres à l'offre : horaires illisibles « lundi »") for m in messages), messages
    assert len([m for m in messages if m.startswith("Nom de l'offre")]) == 1
    for raw in ("None", "offer.", "Failed", "parse"):
        assert raw not in alert
    site = client.post("/espace/lieu/test--num-1/modifier",
                       data=form_values(client, "/espace/lieu/test--num-1/modifier", lon="abc", action="save"))
    assert "Longitude : nombre illisible « abc »" in html.unescape(site.get_data(as_text=True))
    assert "could not convert" not in site.get_data(as_text=True)


def test_form_errors_are_tied_to_their_fields_with_a_linked_summary(contrib_app):
    """RGAA 11.10/11.11: « 2 erreurs : » with a link per field; each input aria-invalid and described by its error."""
    from tests.web.html_ids import elements_by_id

    client = logged_in(contrib_app, "ml")
    url = "/espace/offre/test--o-num/modifier"
    response = client.post(url, data=form_values(client, url, nom="", horaires_accueil="lundi", action="save"))
    assert response.status_code == 400
    page = elements_by_id(response.get_data(as_text=True))
    summary = page["erreurs"]
    assert summary.attrs.get("tabindex") == "-1" and "data-focus-on-load" in summary.attrs
    assert " ".join(summary.text.split()).startswith("2 erreurs :")
    assert summary.links == ["#f-nom", "#f-horaires_accueil"]
    for name in ("nom", "horaires_accueil"):
        field = page[f"f-{name}"]
        assert field.attrs.get("aria-invalid") == "true", field
        described = field.attrs["aria-describedby"].split()
        assert f"f-{name}-err" in described
        assert all(i in page for i in described), described  # no dangling reference
        assert page[f"f-{name}-err"].text.strip()
    assert "aria-invalid" not in page["f-description"].attrs

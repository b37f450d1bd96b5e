"""Territorial guides: what they list, how they render (HTML, tagged PDF, FALC), the CLI and the web page."""

from __future__ import annotations

import base64
import io

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from mapapp.catalog.db import transaction
from mapapp.catalog.hours import describe_fr
from mapapp.catalog.models import Offer, Structure
from mapapp.guides import GuideError, build_guide, render_guide
from mapapp.guides.qr import qr_svg
from mapapp.web import create_app
from tests.catalog.contrib import (  # noqa: F401  (fixtures)
    PASSWORD,
    contrib_app,
    contrib_settings,
    contrib_template,
    factory,
    logged_in,
)
from tests.catalog.records import SITE
from tests.web.conftest import XSS

BASE = "https://guide.example"


def _guide(loaded, **kwargs):
    with loaded() as s:
        return build_guide(s, base_url=BASE, **kwargs)


def _offers(theme) -> list[str]:
    return [o.nom for o in theme.offers]


def test_guide_lists_the_open_offers_a_person_of_the_territory_can_use(loaded):
    guide = _guide(loaded, unit="territoire_action_sociale:TAS1", themes=["numerique", "trouver-un-emploi", "mobilite"])
    assert guide.unit.name and [t.key for t in guide.themes] == ["numerique", "trouver-un-emploi", "mobilite"]
    numerique, emploi, mobilite = guide.themes
    # The XSS-named offer is at Saint-Jo (TAS2): not in Arlenc's guide.
    assert _offers(numerique) == ["Ateliers numériques"]
    assert [p.nom for p in numerique.offers[0].places] == ["Point numérique 1", "Point numérique 2"]
    # Remote offers open to the territory only; the one of another département and the buffer's are out.
    assert _offers(emploi) == ["Permanence téléphonique emploi"] and emploi.offers[0].remote
    assert emploi.remote == emploi.offers and not emploi.on_site
    offer = mobilite.offers[0]
    assert offer.nom == "Accompagnement socio-professionnel" and not offer.remote
    place = offer.places[0]
    assert place.hours == describe_fr(SITE["horaires_accueil"]) and "lundi" in place.hours
    assert place.commune == "Arlenc" and place.adresse == "1 rue de la Mairie, 96000"
    assert offer.url == f"{BASE}/offre/test--offre-1" and place.url == f"{BASE}/site/test--site-1"
    assert offer.frais == "Gratuit" and offer.pro == {}


def test_guide_of_the_departement_keeps_closed_offers_out_and_says_when_a_site_is_closed(loaded):
    import datetime as dt

    guide = _guide(loaded, themes=["difficultes-administratives-ou-juridiques", "mobilite"],
                   today=dt.date(2026, 7, 15))
    fs = guide.themes[0].offers[0]
    assert fs.nom == "Aide aux démarches administratives"
    assert {p.nom for p in fs.places} == {"France Services d'Arlenc", "Bus : arrêt de la place", "Bus : arrêt de l'école"}
    assert ("Comment la solliciter", "Se présenter, Téléphoner") in fs.mobilisation
    assert ("Lien pour la solliciter", "https://rdv.example/fs") in fs.mobilisation
    assert "Offre arrêtée" not in {o.nom for t in guide.themes for o in t.offers}


@pytest.mark.parametrize("kwargs, message", [
    ({"themes": ["zzz"]}, "Thème inconnu « zzz »"),
    ({"unit": "epci:nope"}, "Aucun territoire de code « nope »"),
    ({"variant": "gros"}, "Version de guide inconnue"),
])
def test_bad_requests_are_french_errors(loaded, kwargs, message):
    with pytest.raises(GuideError, match=message):
        _guide(loaded, **kwargs)


def test_html_escapes_catalog_text_and_embeds_one_qr_code_per_offer(loaded):
    guide = _guide(loaded, themes=["numerique"])
    assert {o.nom for o in guide.themes[0].offers} == {"Ateliers numériques", XSS}
    html = render_guide(guide, "html").decode("utf-8")
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<html lang="fr">' in html
    for offer in guide.themes[0].offers:
        # The QR code of the offer's public address, drawn here (segno), embedded as SVG.
        assert base64.b64encode(qr_svg(offer.url)).decode("ascii") in html
        assert offer.url.startswith(f"{BASE}/offre/")
    assert html.count("data:image/svg+xml;base64,") == 2 + 1  # two QR codes, one pictogram
    assert "Réservé aux professionnels" not in html


def test_professional_version_adds_the_professional_fields(factory):
    with transaction(factory) as s:
        s.get(Structure, "test--ml").contact_pro_telephone = "05 99 00 11 22"
        s.get(Offer, "test--o-num").note_orientation = "Fiche de liaison obligatoire"
    with factory() as s:
        public = build_guide(s, themes=["numerique"], base_url=BASE)
        pro = build_guide(s, themes=["numerique"], base_url=BASE, professional=True)
    public_html = render_guide(public, "html").decode()
    pro_html = render_guide(pro, "html").decode()
    assert "05 99 00 11 22" not in public_html and "Fiche de liaison" not in public_html
    assert "05 99 00 11 22" in pro_html and "Fiche de liaison obligatoire" in pro_html
    assert "Ne la remettez pas au public" in pro_html


def test_pdf_is_tagged_like_the_reports(loaded):
    guide = _guide(loaded, unit="territoire_action_sociale:TAS1", themes=["numerique", "mobilite"])
    pdf = render_guide(guide, "pdf")
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert pdf.startswith(b"%PDF-") and root["/MarkInfo"]["/Marked"] and root["/Lang"] == "fr"
    assert "/StructTreeRoot" in root
    assert reader.metadata.title.startswith("Guide des ressources")
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Ateliers numériques" in text and "Accompagnement socio-professionnel" in text
    assert "du lundi au vendredi" in text


def test_easy_to_read_variant(loaded):
    guide = _guide(loaded, themes=["difficultes-administratives-ou-juridiques", "mobilite"], variant="facile")
    html = render_guide(guide, "html").decode("utf-8")
    assert guide.title.startswith("Guide facile à lire")
    assert "Pour faire ses papiers" in html and "Pour se déplacer" in html  # one short title per theme
    assert "Vous pouvez venir sur place." in html and "Vous pouvez téléphoner." in html
    assert "C'est gratuit." in html and "font-size: 15pt" in html
    # One idea per line: every sentence of the offer blocks is its own paragraph.
    assert "<p>Horaires : " in html and "<p>Adresse : " in html
    # A pictogram per theme.
    assert html.count('alt=""') == 2


def test_cli_writes_the_guide(contrib_settings, tmp_path):
    from mapapp.cli import main

    env = {"MAPAPP_DATA_DIR": str(contrib_settings.data_dir), "MAPAPP_DATABASE_URL": contrib_settings.database_url,
           "MAPAPP_SECRET_KEY": "x" * 40, "MAPAPP_BASE_URL": "https://carto.example.fr"}
    runner = CliRunner()
    help_text = runner.invoke(main, ["guide", "--help"], env=env).output
    assert "QR code" in help_text and "facile" in help_text and "MAPAPP_BASE_URL" in help_text
    out = tmp_path / "g.html"
    result = runner.invoke(main, ["guide", "--unit", "territoire_action_sociale:TAS1", "--theme", "numerique",
                                  "--format", "html", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "1 offre(s)" in result.output
    assert "Ateliers numériques" in out.read_text() and "https://carto.example.fr/offre/test--o-num" in out.read_text()
    bad = runner.invoke(main, ["guide", "--theme", "zzz"], env=env)
    assert bad.exit_code != 0 and "Thème inconnu" in bad.output and "Traceback" not in bad.output
    themes = runner.invoke(main, ["guide", "--list-themes"], env=env).output
    assert "trouver-un-emploi\tTrouver un emploi" in themes


# --------------------------------------------------------------------------- web


@pytest.fixture
def guide_app(contrib_settings):
    return create_app(contrib_settings, MAPAPP_JOB_WAIT=120)


def test_guide_page_form_and_document(guide_app):
    client = guide_app.test_client()
    page = client.get("/guide").get_data(as_text=True)
    assert 'name="unit"' in page and 'value="territoire_action_sociale:TAS1"' in page
    assert 'name="theme" id="g-theme-numerique" value="numerique" checked' in page
    assert 'name="variant"' in page and 'name="pro"' not in page  # no professional version for the public
    url = "/guide/document?unit=territoire_action_sociale:TAS1&theme=numerique&variant=livret&format=html"
    # Links come from MAPAPP_BASE_URL, whatever Host the request names.
    response = client.get(url, headers={"Host": "127.0.0.1"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    body = response.get_data(as_text=True)
    assert "http://localhost/offre/test--o-num" in body and "127.0.0.1" not in body
    pdf = client.get(url.replace("format=html", "format=pdf"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert pdf.headers["Content-Disposition"] == 'attachment; filename="guide-territoire_action_sociale-TAS1.pdf"'


def test_guide_is_cached_per_catalog_version(guide_app, factory):
    client = guide_app.test_client()
    url = "/guide/document?theme=numerique&format=html"
    first = client.get(url).get_data(as_text=True)
    runner = guide_app.extensions["mapapp.jobs"]
    started = runner.started
    assert client.get(url).get_data(as_text=True) == first and runner.started == started  # served from the cache
    with transaction(factory) as s:
        s.get(Offer, "test--o-num").nom = "Ateliers numériques du mardi"
    again = client.get(url).get_data(as_text=True)
    assert runner.started == started + 1 and "Ateliers numériques du mardi" in again


def test_guide_bad_parameters_and_professional_version(guide_app, factory):
    client = guide_app.test_client()
    for url, status in (("/guide/document?theme=zzz", 400), ("/guide/document?variant=gros", 400),
                        ("/guide/document?format=doc", 400), ("/guide/document?unit=epci:nope&format=html", 400),
                        ("/guide/document?pro=1", 403), ("/guide/document?theme=all", 403)):
        response = client.get(url)
        assert response.status_code == status, url
        assert "Traceback" not in response.get_data(as_text=True)
    with transaction(factory) as s:
        from mapapp.catalog.users import create_user

        create_user(s, "pro@example.org", "professional", password=PASSWORD)
        s.get(Structure, "test--ml").note_orientation = "Note interne pour les référents"
    pro = logged_in(guide_app, "pro")
    page = pro.get("/guide").get_data(as_text=True)
    assert 'name="pro"' in page and "Se déconnecter" in page
    response = pro.get("/guide/document?theme=numerique&format=html&pro=1")
    assert response.status_code == 200 and "Note interne pour les référents" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    # The public version of the same guide does not carry it (another cache entry).
    public = client.get("/guide/document?theme=numerique&format=html").get_data(as_text=True)
    assert "Note interne" not in public

"""Download routes: /rapports (form), /rapport (PDF, HTML under a strict CSP), /export/<format>."""

import io
import zipfile

import openpyxl
import pytest

from mapapp.web import create_app


@pytest.fixture(scope="module")
def client(demo_settings):
    # Wait for the jobs: these tests check the documents themselves (tests/web/test_jobs.py the waiting).
    return create_app(demo_settings, MAPAPP_JOB_WAIT=300).test_client()


def test_home_links_to_the_reports_page(client):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/rapports"' in home
    page = client.get("/rapports")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'value="epci:200096001"' in text and "/export/gpkg" in text


def test_html_report_inline_with_csp(client):
    r = client.get("/rapport?unit=commune:96002&format=html&theme=france_services&mode=car")
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    assert "France Services" in r.get_data(as_text=True)


def test_pdf_report_is_an_attachment(client):
    r = client.get("/rapport?unit=commune:96002&format=pdf&theme=france_services&mode=car")
    assert r.status_code == 200 and r.data.startswith(b"%PDF-")
    assert r.headers["Content-Disposition"] == 'attachment; filename="rapport-commune-96002.pdf"'


@pytest.mark.parametrize("url", ["/rapport?unit=epci:nope", "/rapport?format=doc", "/rapport?theme=zzz",
                                 "/export/xlsx?stale_months=abc"])
def test_bad_parameters_are_400_in_french(client, url):
    r = client.get(url)
    assert r.status_code == 400 and "Requête invalide" in r.get_data(as_text=True)


def test_exports(client):
    r = client.get("/export/xlsx?unit=commune:96002&theme=france_services&mode=car")
    assert r.status_code == 200 and "Chiffres clés" in openpyxl.load_workbook(io.BytesIO(r.data)).sheetnames
    r = client.get("/export/csv?unit=commune:96002&theme=france_services&mode=car")
    assert r.mimetype == "application/zip" and "chiffres_cles.csv" in zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    r = client.get("/export/datainclusion-json")
    assert r.headers["Content-Disposition"].endswith('catalogue.zip"')
    assert client.get("/export/pdf").status_code == 404

"""The Département's identity (issue 18 §2): checks, the admin page, the header, footer and logo."""

from __future__ import annotations

import html
import io

import pytest
from sqlalchemy import select

from mapapp import identity as ident
from mapapp.catalog.models_identity import SiteIdentity
from tests.catalog.contrib import contrib_app, contrib_settings, contrib_template, csrf, factory, logged_in  # noqa: F401
from tests.web.html_ids import elements_by_id

URL = "/admin/identite"
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
       b'<rect width="120" height="40" fill="#1f4e79"/><text x="10" y="25" fill="#fff">CD 96</text></svg>')


def png(width: int = 60, height: int = 30) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (31, 78, 121)).save(out, format="PNG")
    return out.getvalue()


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --------------------------------------------------------------------------- checks


def test_contrast_under_white_text():
    assert ident.contrast_with_white("#000000") == pytest.approx(21)
    assert ident.contrast_with_white("#ffffff") == pytest.approx(1)
    assert ident.contrast_with_white("#767676") == pytest.approx(4.54, abs=0.01)  # the classic 4.5:1 grey
    assert ident.colour_problem(ident.DEFAULT_PRIMARY) is None and ident.colour_problem(ident.DEFAULT_SECONDARY) is None
    assert ident.colour_problem("#777777") is not None  # 4.48:1, just under


def test_colour_problems_are_french_and_name_the_ratio():
    assert ident.colour_problem("#ffcc00") == ("le texte blanc sur #ffcc00 a un contraste de 1,51:1, il faut au moins "
                                               "4,5:1 (RGAA 3.2) : choisissez une couleur plus foncée.")
    assert "hexadécimal" in ident.colour_problem("bleu")
    assert "hexadécimal" in ident.colour_problem("#12345")


@pytest.mark.parametrize("data, message", [
    (b"", "vide"),
    (b"GIF89a....", "PNG ou SVG"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "illisible"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "« script »"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>', "« onload »"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
     b'<image x:href="https://evil.example/a.png"/></svg>', "fichier externe"),
    (b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>', "DOCTYPE"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect>', "XML valide"),
    (b'<html><svg></svg></html>', "PNG ou SVG"),
])
def test_bad_logos_are_refused_in_french(data, message):
    mime, problem = ident.logo_problem(data)
    assert mime is None and message in problem


def test_good_logos_and_size_limits():
    assert ident.logo_problem(png()) == ("image/png", None)
    assert ident.logo_problem(SVG) == ("image/svg+xml", None)
    assert "au plus 2000 de côté" in ident.logo_problem(png(2100, 10))[1]
    assert "Ko" in ident.logo_problem(SVG + b" " * ident.MAX_LOGO_BYTES)[1]


# --------------------------------------------------------------------------- admin page


@pytest.mark.parametrize("who, status", [("ml", 403), ("modo-all", 403)])
def test_only_administrators_reach_the_page(contrib_app, who, status):
    assert logged_in(contrib_app, who).get(URL).status_code == status
    anonymous = contrib_app.test_client().get(URL)
    assert anonymous.status_code == 302 and "/connexion" in anonymous.headers["Location"]


def test_post_without_csrf_is_refused(contrib_app, factory):
    client = logged_in(contrib_app, "admin")
    response = client.post(URL, data={"name": "Département X", "primary": "#1f4e79", "secondary": "#6b3a5b"})
    assert response.status_code == 400
    with factory() as s:
        assert s.get(SiteIdentity, 1) is None


def test_errors_are_tied_to_their_fields_and_nothing_is_stored(contrib_app, factory):
    client = logged_in(contrib_app, "admin")
    response = client.post(URL, data={"csrf_token": csrf(client, URL), "name": "Département du Test",
                                      "primary": "#ffcc00", "secondary": "#6b3a5b", "logo_alt": "",
                                      "logo": (io.BytesIO(png()), "logo.png")}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = elements_by_id(response.get_data(as_text=True))
    assert page["erreurs"].links == ["#id-primaire", "#id-logo-alt"]
    assert page["id-primaire"].attrs["aria-invalid"] == "true"
    assert page["id-primaire"].attrs["aria-describedby"] == "id-primaire-err id-primaire-hint"
    assert "1,51:1" in page["id-primaire-err"].text
    assert "lecteurs d'écran" in page["id-logo-alt-err"].text
    assert "aria-invalid" not in page["id-secondaire"].attrs
    assert page["id-nom"].attrs["value"] == "Département du Test"  # what was typed is kept
    with factory() as s:
        assert s.get(SiteIdentity, 1) is None


def test_identity_applies_to_header_footer_and_css(contrib_app, factory):
    public = contrib_app.test_client()
    before = _text(public.get("/"))
    assert "le Département" in before and "--couleur-primaire: #1f4e79" in before and "identity-logo" not in before
    client = logged_in(contrib_app, "admin")
    response = client.post(URL, data={"csrf_token": csrf(client, URL), "name": "Département du Test <b>",
                                      "primary": "#5A1E6E", "secondary": "#1f4e79",
                                      "logo_alt": "Logo du Département du Test",
                                      "logo": (io.BytesIO(png()), "logo.png")}, content_type="multipart/form-data")
    assert response.status_code == 302, _text(response)[:2000]
    with factory() as s:
        row = s.scalars(select(SiteIdentity)).one()
        assert (row.name, row.primary, row.logo_mime, row.updated_by) == (
            "Département du Test <b>", "#5a1e6e", "image/png", "Admin <admin@example.org>")
    raw = public.get("/").get_data(as_text=True)
    assert "Département du Test &lt;b&gt;" in raw and "<b>" not in raw.split("<main")[0].split("<title>")[1]  # escaped
    assert "--couleur-primaire: #5a1e6e; --couleur-secondaire: #1f4e79;" in raw
    assert 'alt="Logo du Département du Test"' in raw
    footer = raw.split("<footer>")[1]
    assert "<strong>Département du Test &lt;b&gt;</strong>" in footer
    assert "Site édité par le Département." in footer  # the legal publisher stays MAPAPP_ORG_NAME
    logo_url = raw.split('class="identity-logo" src="')[1].split('"')[0]
    logo = public.get(html.unescape(logo_url))
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.data == png()
    assert "sandbox" in logo.headers["Content-Security-Policy"]

    # Keeping the logo (no new file), then an SVG, then removal.
    token = csrf(client, URL)
    keep = client.post(URL, data={"csrf_token": token, "name": "Département du Test", "primary": "#5a1e6e",
                                  "secondary": "#1f4e79", "logo_alt": "Logo"})
    assert keep.status_code == 302 and public.get("/identite/logo").data == png()
    svg = client.post(URL, data={"csrf_token": token, "name": "Département du Test", "primary": "#5a1e6e",
                                 "secondary": "#1f4e79", "logo_alt": "Logo",
                                 "logo": (io.BytesIO(SVG), "logo.svg")}, content_type="multipart/form-data")
    assert svg.status_code == 302 and public.get("/identite/logo").mimetype == "image/svg+xml"
    removed = client.post(URL, data={"csrf_token": token, "name": "Département du Test", "primary": "#5a1e6e",
                                     "secondary": "#1f4e79", "logo_alt": "", "remove_logo": "1"})
    assert removed.status_code == 302
    assert public.get("/identite/logo").status_code == 404 and "identity-logo" not in _text(public.get("/"))


def test_the_admin_page_links_from_the_admin_bar(contrib_app):
    page = _text(logged_in(contrib_app, "admin").get(URL))
    assert "Identité du site" in page and 'href="/admin/identite"' in page
    assert "DSFR" in page  # says why the State's identity is not used


def test_a_new_identity_is_a_new_report_in_the_cache(contrib_settings, factory):
    """Reports are cached per results and catalog: the cover's identity is part of the key too."""
    from mapapp.results import ResultStore
    from mapapp.web.jobs import output_key

    store = ResultStore(contrib_settings.data_dir / "results")
    with factory() as s:
        before = output_key("rapport", {"unit": "departement:96"}, s, store)
        assert output_key("rapport", {"unit": "departement:96"}, s, store) == before
        ident.save_identity(s, name="Département du Test", primary="#1f4e79", secondary="#6b3a5b", logo_alt="")
        assert output_key("rapport", {"unit": "departement:96"}, s, store) != before
        s.rollback()

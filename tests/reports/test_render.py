"""The report as PDF and HTML: the engine's figures in French, escaping, maps."""

import dataclasses
import io
import re

import pandas as pd
import pytest
from markupsafe import escape
from pypdf import PdfReader

from mapapp.formats import integer as fr_int, minutes as fr_minutes, percent as fr_pct
from mapapp.reports.maps import OSM_CREDIT, figure_bytes, report_maps, time_map
from mapapp.reports.render import render_html, render_pdf
from tests.reports.fixtures import EPCI, TEMPLATE, XSS


def _flat(text: str) -> str:
    """Whitespace as PDF text extraction gives it: any run of spaces (narrow, no-break...) → one space."""
    return re.sub(r"[\s\u202f\u00a0]+", " ", text)


@pytest.fixture(scope="module")
def maps(epci_report):
    return report_maps(epci_report)


@pytest.fixture(scope="module")
def pdf_bytes(epci_report, maps):
    return render_pdf(epci_report, maps)


@pytest.fixture(scope="module")
def pdf_text(pdf_bytes):
    pdf = pdf_bytes
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 3
    return _flat("\n".join(page.extract_text() for page in reader.pages))


def _struct_elements(node, out: list[dict], depth: int = 0) -> list[dict]:
    """The structure elements (dicts with ``/S``) of a tagged PDF's tree, depth first."""
    node = node.get_object()
    if "/S" in node:
        out.append(node)
    kids = node.get("/K")
    if kids is None or depth > 60:
        return out
    kids = kids.get_object()
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, dict):
            _struct_elements(kid, out, depth + 1)
    return out


def test_pdf_is_tagged_pdf_ua_with_language_and_title(pdf_bytes, epci_report, maps):
    reader = PdfReader(io.BytesIO(pdf_bytes))
    root = reader.trailer["/Root"].get_object()
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]) == "fr"
    assert reader.metadata.title == f"Temps d'accès à l'offre d'insertion — {epci_report.unit.name}"
    elements = _struct_elements(root["/StructTreeRoot"], [])
    types = {str(e["/S"]) for e in elements}
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/Figure"} <= types, sorted(types)
    # Every map is a figure whose alternative text is the map's title.
    alts = {str(e.get("/Alt")) for e in elements if str(e["/S"]) == "/Figure"}
    assert {m.title for m in maps} <= alts
    assert reader.xmp_metadata is not None
    assert b"pdfuaid" in reader.xmp_metadata.stream.get_data()  # declares PDF/UA


def test_pdf_holds_the_engine_figures_in_french(pdf_text, demo_store, epci_report):
    grid, code = EPCI.split(":")
    terr = demo_store.table("car", "territories")
    fs = terr[(terr["theme"] == "france_services") & (terr["grid"] == grid) & (terr["code"] == code)].iloc[0]
    dep = terr[(terr["theme"] == "france_services") & (terr["grid"] == "all")].iloc[0]
    for expected in (fr_pct(fs["share_beyond_main"]), fr_minutes(fs["mean_time_min"]),
                     fr_int(fs["population_beyond_main"]), fr_pct(dep["share_beyond_main"])):
        assert _flat(expected) in pdf_text, expected
    sentence = (f"{_flat(fr_pct(fs['share_beyond_main']))} des habitants ({_flat(fr_int(fs['population_beyond_main']))} "
                "personnes) sont à plus de 20 minutes en voiture d'une France Services")
    if fs["population_beyond_main"] < 2:  # French: « 0 personne », « 1 personne »
        sentence = sentence.replace(" personnes)", " personne)")
    assert sentence in pdf_text
    assert "Communauté d'agglomération d'Arlenc" in pdf_text
    assert "© les contributeurs d'OpenStreetMap" in pdf_text and "Note de méthode" in pdf_text
    assert _flat(fr_int(epci_report.population)) in pdf_text


def test_pdf_lists_zones_blanches_with_nearest_offer_and_time(pdf_text, epci_report):
    zb = epci_report.zones_blanches
    zb = zb[(zb["theme"] == "mobilite") & (zb["mode"] == "car")]
    assert len(zb), "the demo EPCI has zones blanches for mobility by car"
    first = zb.iloc[0]
    assert f"{first['nom']} ({first['commune']})" in pdf_text
    assert _flat(fr_minutes(first["time_min"])) in pdf_text
    assert first["nearest_site"].split(" ")[0] in pdf_text


def test_pdf_method_note_names_network_profile_and_thresholds(pdf_text, demo_store):
    graph = demo_store.manifest("car").graph
    assert graph["source_name"] in pdf_text and graph["source_sha256"][:12] in pdf_text
    assert graph["profile_version"] in pdf_text
    assert "4,5 km/h" in pdf_text and "France Services : en voiture 20 min" in pdf_text


def test_html_is_self_contained_and_escapes_user_text(epci_report, maps):
    hostile_unit = dataclasses.replace(epci_report.unit, name=f"EPCI {XSS} {TEMPLATE}")
    zb = epci_report.zones_blanches.copy()
    zb["nom"] = XSS
    zb["nearest_offers"] = [[TEMPLATE]] * len(zb)
    hostile = dataclasses.replace(epci_report, unit=hostile_unit, territory_name=XSS, zones_blanches=zb)
    html = render_html(hostile, maps)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and ">49<" not in html  # shown, not evaluated
    assert 'src="http' not in html and "src='http" not in html
    assert html.count('src="data:image/png;base64,') == len(maps)


def test_maps_render_with_hostile_names_png_and_svg(epci_report, maps):
    assert [m.key for m in maps] == ["offre", "temps-france_services-car", "temps-france_services-walk",
                                     "temps-mobilite-car", "temps-mobilite-walk", "zones-blanches-car",
                                     "zones-blanches-walk"]
    png = maps[1]
    assert png.data.startswith(b"\x89PNG") and png.mimetype == "image/png"
    from PIL import Image

    width, height = Image.open(io.BytesIO(png.data)).size
    assert width >= 1000 and height >= 600  # printable: 150 dpi
    # a name with TeX ($...$) and template syntax is drawn as plain text, in PNG and SVG
    hostile = dataclasses.replace(epci_report, unit=dataclasses.replace(epci_report.unit, name=TEMPLATE),
                                  geometry=epci_report.geometry.assign(nom=TEMPLATE))
    theme = hostile.themes[0]
    for fmt in ("png", "svg"):
        data = figure_bytes(time_map(hostile, theme, "car"), fmt)
        assert data.startswith(b"\x89PNG") if fmt == "png" else b"<script" not in data
    fig = time_map(epci_report, theme, "car")
    texts = [t.get_text() for t in fig.texts] + [t.get_text() for ax in fig.axes for t in ax.texts]
    assert fig.legends and any("© les contributeurs d'OpenStreetMap" in t for t in texts)
    assert any(t.endswith(" km") for t in texts) and "N" in texts  # scale bar, north arrow
    assert "© les contributeurs d'OpenStreetMap" in OSM_CREDIT


def test_unreachable_is_a_word_in_the_report(epci_report, maps):
    html = render_html(epci_report, maps)
    kf = epci_report.key_figures
    if (kf["population_reachable"] <= 0).any():  # a theme with no site at all
        assert "injoignable" in html
    assert "inf" not in re.sub(r"<[^>]+>", " ", html).split()
    assert isinstance(kf, pd.DataFrame)


def test_method_note_states_the_method_choices_per_mode(epci_report, maps):
    choices = epci_report.method["choices"]
    assert set(choices["modes"]) == set(epci_report.modes)
    html = render_html(epci_report, maps)
    assert "Choix de méthode" in html
    for lines in choices["modes"].values():
        assert lines and lines[0].startswith("Accès à la route")
        assert str(escape(lines[0])) in html


def test_cover_carries_the_departement_identity(epci_report, maps):
    """Name, colours and logo (a tagged figure with its alt text) of :mod:`mapapp.identity` on the cover."""
    from PIL import Image

    from mapapp.identity import Identity

    png = io.BytesIO()
    Image.new("RGB", (80, 30), (90, 30, 110)).save(png, format="PNG")
    report = dataclasses.replace(
        epci_report, identity=Identity(name=f"Département du Test {XSS}", primary="#5a1e6e", secondary="#1f4e79",
                                       logo_mime="image/png", logo_alt="Logo du Département du Test"),
        logo=(png.getvalue(), "image/png"))
    page = render_html(report, maps)
    cover = page.split("<h1>")[0]
    assert str(escape(f"Département du Test {XSS}")) in cover and XSS not in page
    assert 'alt="Logo du Département du Test"' in cover and "data:image/png;base64," in cover
    assert "h1 { font-size: 18pt; color: #5a1e6e;" in page and "Marianne" not in page
    reader = PdfReader(io.BytesIO(render_pdf(report, maps)))
    assert "Département du Test" in _flat(reader.pages[0].extract_text())
    elements = _struct_elements(reader.trailer["/Root"].get_object()["/StructTreeRoot"], [])
    assert "Logo du Département du Test" in {str(e.get("/Alt")) for e in elements if str(e["/S"]) == "/Figure"}
    # Without a stored identity (None): no identity block, the default colours.
    plain = render_html(dataclasses.replace(epci_report, identity=None, logo=None), maps)
    assert 'class="identity"' not in plain and "#1f4e79" in plain

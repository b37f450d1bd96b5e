"""The guide as HTML (Jinja, autoescaped) and as a tagged PDF (WeasyPrint, PDF/UA-1, like the reports).

Two templates: ``templates/guide.html`` (the booklet: offers by theme, their
places with hours in French, contacts, how to mobilise, a QR code to each online
fiche) and ``templates/guide_facile.html`` (FALC: short sentences, one idea per
line, large type, a pictogram per theme). Every catalog value is escaped; the
only images are the QR codes and pictograms drawn here, embedded as ``data:``
URIs, and WeasyPrint may load nothing else (:func:`mapapp.reports.render._url_fetcher`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from mapapp.catalog import vocab
from mapapp.guides.data import Guide
from mapapp.guides.qr import qr_data_uri
from mapapp.reports.render import PDF_VARIANT, _url_fetcher
from mapapp.web.symbols import PARTNER_OTHER, PARTNER_SYMBOLS, symbol_svg

TEMPLATES = Path(__file__).with_name("templates")
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"], default=True),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)

#: Easy-to-read sentences for the ways to mobilise an offer (FALC: the person acts).
FALC_MODES = {
    "se-presenter": "Vous pouvez venir sur place.",
    "telephoner": "Vous pouvez téléphoner.",
    "envoyer-un-courriel": "Vous pouvez envoyer un courriel.",
    "utiliser-lien-mobilisation": "Vous pouvez vous inscrire sur internet.",
}
#: Easy-to-read titles of the themes: « Pour … ».
FALC_TITLES = {
    "trouver-un-emploi": "Pour trouver un travail", "mobilite": "Pour se déplacer",
    "numerique": "Pour utiliser internet et l'ordinateur",
    "difficultes-administratives-ou-juridiques": "Pour faire ses papiers",
    "sante": "Pour se soigner", "logement-hebergement": "Pour trouver un logement",
    "difficultes-financieres": "Pour l'argent et le budget", "famille": "Pour la famille",
    "equipement-et-alimentation": "Pour manger et s'équiper", "se-former": "Pour apprendre un métier",
    "choisir-un-metier": "Pour choisir un métier", "preparer-sa-candidature": "Pour préparer son CV",
    "lecture-ecriture-calcul": "Pour lire, écrire et compter", "creer-une-entreprise": "Pour créer son entreprise",
    "remobilisation": "Pour reprendre confiance", "souvrir-a-linternational": "Pour partir à l'étranger",
}


def pictogram_uri(theme: str, size: int = 48) -> str:
    """The theme's symbol of the maps (:mod:`mapapp.web.symbols`) as an SVG ``data:`` URI."""
    svg = str(symbol_svg(PARTNER_SYMBOLS.get(theme, PARTNER_OTHER), size))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def first_sentence(text: str, limit: int = 140) -> str:
    """The description's first sentence when it is short enough for the easy-to-read guide, else ""."""
    text = " ".join((text or "").split())
    for end in (". ", "! ", "? "):
        if end in text:
            text = text[: text.index(end) + 1]
            break
    return text if len(text) <= limit else ""


def render_html(guide: Guide) -> str:
    template = "guide_facile.html" if guide.variant == "facile" else "guide.html"
    return _env.get_template(template).render(
        g=guide, qr=qr_data_uri, pictogram=pictogram_uri, falc_modes=FALC_MODES, falc_titles=FALC_TITLES,
        first_sentence=first_sentence, vocab=vocab)


def render_pdf(guide: Guide, progress: Callable[[str], None] | None = None) -> bytes:
    """The guide as an A4 PDF, tagged PDF/UA-1 (structure tree, language, title, alternative texts)."""
    import weasyprint

    html = render_html(guide)
    if progress:
        progress("Mise en page du PDF")
    return weasyprint.HTML(string=html, url_fetcher=_url_fetcher(), base_url=None).write_pdf(pdf_variant=PDF_VARIANT)

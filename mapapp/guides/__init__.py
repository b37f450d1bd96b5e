"""Territorial guides: printable booklets of the offers of a territory, generated from the live catalog.

- :mod:`.data` — :func:`build_guide` → :class:`Guide` (the territory, the themes, their offers and places);
- :mod:`.render` — :func:`render_html`, :func:`render_pdf` (tagged PDF/UA-1, like the reports);
- :mod:`.qr` — the QR codes to the online fiches (SVG, segno, no network).

Two variants: ``livret`` (complete booklet) and ``facile`` (easy-to-read, FALC). The
``professional`` version adds the professional-only fields (:mod:`mapapp.catalog.professional`);
the CLI and the web page decide who may ask for it. ``mapapp guide`` and the page ``/guide``
produce them.
"""

from mapapp.guides.data import DEFAULT_THEMES, VARIANTS, Guide, GuideError, build_guide

GUIDE_FORMATS = {"pdf": ("application/pdf", ".pdf"), "html": ("text/html; charset=utf-8", ".html")}


def render_guide(guide: Guide, fmt: str, progress=None) -> bytes:
    """The guide as PDF or HTML bytes."""
    from mapapp.guides.render import render_html, render_pdf

    if fmt not in GUIDE_FORMATS:
        raise GuideError(f"Format de guide inconnu « {fmt} » : pdf ou html.")
    if fmt == "pdf":
        return render_pdf(guide, progress=progress)
    return render_html(guide).encode("utf-8")


__all__ = ["DEFAULT_THEMES", "GUIDE_FORMATS", "VARIANTS", "Guide", "GuideError", "build_guide", "render_guide"]

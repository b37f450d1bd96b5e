"""Accessibility reports: figures (:func:`build_report`), maps, HTML and PDF.

Reports only read the stored results (:class:`mapapp.results.ResultStore`)
and the catalog; they never route. The pieces:

- :mod:`.units` — what a report covers (``epci:200096001``...);
- :mod:`.data` — :func:`build_report` → :class:`ReportData`, numbers only;
- :mod:`.summary` — the plain-language sentences;
- :mod:`.maps` — static maps (matplotlib), PNG or SVG;
- :mod:`.render` — :func:`render_html` (Jinja, autoescaped) and :func:`render_pdf` (WeasyPrint);
- :mod:`mapapp.formats` — French number, share, time and date formats (shared with the CLI and pages).

The XLSX, CSV, GeoPackage and GeoJSON exports of the same figures live in :mod:`mapapp.io`.
"""

from mapapp.reports.data import DEFAULT_STALE_MONTHS, DEFAULT_THEMES, ReportData, build_report
from mapapp.reports.units import ReportError, ReportUnit

REPORT_FORMATS = {"pdf": ("application/pdf", ".pdf"), "html": ("text/html; charset=utf-8", ".html")}


def render_report(report: ReportData, fmt: str, progress=None) -> bytes:
    """The report as PDF or HTML bytes (maps drawn on the way)."""
    from mapapp.reports.maps import report_maps
    from mapapp.reports.render import render_html, render_pdf

    if fmt not in REPORT_FORMATS:
        raise ReportError(f"Format de rapport inconnu « {fmt} » : pdf ou html.")
    maps = report_maps(report, progress=progress)
    if fmt == "pdf":
        return render_pdf(report, maps, progress=progress)
    return render_html(report, maps).encode("utf-8")


__all__ = ["DEFAULT_STALE_MONTHS", "DEFAULT_THEMES", "REPORT_FORMATS", "ReportData", "ReportError", "ReportUnit",
           "build_report", "render_report"]

"""The report's needs section: beneficiaries beyond the main threshold, computed from the stored points."""

import io
import re

import numpy as np
import pytest
from pypdf import PdfReader

from mapapp.catalog.needs_store import read_need_counts
from mapapp.formats import percent as fr_pct
from mapapp.reports.render import render_html, render_pdf
from tests.reports.fixtures import EPCI


def _expected(store, counts, theme, mode, threshold, communes=None):
    points = store.table(mode, "points")
    points = points[points["theme"] == theme]
    if communes is not None:
        points = points[points["commune"].isin(communes)]
    counts = dict(zip(counts["zone"], counts["count"]))
    need = points["commune"].map(counts).astype(float) * points["population"] / \
        points.groupby("commune")["population"].transform("sum")
    beyond = ~(points["time_min"] <= threshold)
    return np.nansum(need[beyond]) / np.nansum(need)


def test_needs_rows_match_the_stored_points(epci_report, demo_sessions, demo_store):
    needs = epci_report.needs
    assert set(needs["indicator"]) == {"rsa", "demandeurs_emploi"}
    row = needs[(needs["indicator"] == "rsa") & (needs["theme"] == "france_services") & (needs["mode"] == "car")].iloc[0]
    with demo_sessions() as session:
        _, counts = read_need_counts(session, "rsa")
    unit_codes = set(epci_report.unit.communes)
    assert row["threshold_min"] == 20
    assert row["share_need_departement"] == pytest.approx(_expected(demo_store, counts, "france_services", "car", 20))
    assert row["share_need_unit"] == pytest.approx(
        _expected(demo_store, counts, "france_services", "car", 20, unit_codes))
    secret = counts[counts["secret"].notna() & counts["zone"].isin(unit_codes)]
    assert row["n_secret"] == len(secret)


def test_needs_section_is_in_the_pdf(epci_report):
    html = render_html(epci_report, [])
    assert "Besoins et valeurs de référence" in html
    pdf = render_pdf(epci_report, [])
    text = re.sub(r"[\s\u202f\u00a0]+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    row = epci_report.needs.iloc[0]
    assert "Besoins et valeurs de référence" in text
    assert re.sub(r"[\s\u202f\u00a0]+", " ", fr_pct(row["share_need_unit"])) in text
    assert "Bénéficiaires du RSA (2025)" in text

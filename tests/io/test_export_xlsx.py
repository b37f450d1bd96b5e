"""XLSX export: one sheet per table, French headers, frozen header row, typed values, no formula."""

import io

import openpyxl
import pandas as pd
import pytest

from mapapp.io.export_xlsx import xlsx_bytes
from mapapp.io.tables import Column, Table, report_tables
from tests.reports.fixtures import (  # noqa: F401  (fixtures)
    EPCI,
    FORMULA,
    demo_sessions,
    demo_settings,
    demo_store,
    epci_report,
)

SHEETS = ["Synthèse", "Chiffres clés", "Temps par territoire", "Habitants par seuil", "Communes", "Zones blanches",
          "Superpositions", "Offres par thème", "Fraîcheur", "Fiches à vérifier", "Méthode"]


@pytest.fixture(scope="module")
def workbook(epci_report):
    return openpyxl.load_workbook(io.BytesIO(xlsx_bytes(report_tables(epci_report))))


def _records(ws) -> list[dict]:
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    return [dict(zip(header, r)) for r in rows[1:]]


def test_sheets_headers_and_frozen_row(workbook, epci_report):
    assert workbook.sheetnames == SHEETS
    for name in SHEETS:
        ws = workbook[name]
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1])
    assert len(_records(workbook["Communes"])) == len(epci_report.communes)


def test_key_figures_are_the_engine_values_with_formats(workbook, demo_store):
    grid, code = EPCI.split(":")
    terr = demo_store.table("car", "territories")
    row = terr[(terr["theme"] == "france_services") & (terr["grid"] == grid) & (terr["code"] == code)].iloc[0]
    cells = {r["Code du thème"].value + "/" + r["Mode"].value: r for r in _records(workbook["Chiffres clés"])}
    cell = cells["france_services/Voiture"]
    assert cell["Habitants"].value == round(row["population_points"]) and cell["Habitants"].number_format == "#,##0"
    assert cell["Part au-delà du seuil"].value == pytest.approx(row["share_beyond_main"])
    assert cell["Part au-delà du seuil"].number_format == "0.0%"
    assert cell["Temps moyen (min)"].value == pytest.approx(row["mean_time_min"])
    assert cell["Seuil (min)"].value == 20


def test_unreachable_time_is_the_word_injoignable(workbook, epci_report):
    inf = epci_report.communes[epci_report.communes["mean_time_min"] == float("inf")]
    assert len(inf), "a theme without any site makes every inhabitant unreachable"
    first = inf.iloc[0]
    rows = [r for r in _records(workbook["Communes"])
            if r["Code commune"].value == first["commune"] and r["Code du thème"].value == first["theme"]]
    assert {r["Temps moyen (min)"].value for r in rows} >= {"injoignable"}


def test_text_cells_never_become_formulas():
    table = Table("t", "Test", "Test", [Column("a", "=Entête"), Column("b", "Nombre", "int")],
                  pd.DataFrame({"a": [FORMULA, "+33 1 23", "-3 rue", "@cmd", "normal"], "b": [1, -2, 3, 4, 5]}))
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([table])))["Test"]
    values = [c.value for c in ws["A"]]
    assert values == ["=Entête", FORMULA, "+33 1 23", "-3 rue", "@cmd", "normal"]  # shown as typed
    assert all(c.data_type == "s" for c in ws["A"])  # stored as text, never as a formula
    assert [c.quotePrefix for c in ws["A"]] == [True, True, True, True, True, False]  # and stays text when edited
    assert [c.value for c in ws["B"]][1:] == [1, -2, 3, 4, 5]  # numbers stay numbers


def test_columns_are_sized_to_their_headers(workbook):
    from mapapp.io.export_xlsx import MAX_WIDTH

    for name in SHEETS:
        ws = workbook[name]
        for cell in ws[1]:
            width = ws.column_dimensions[cell.column_letter].width
            assert width >= min(len(cell.value) + 1, MAX_WIDTH), (name, cell.value, width)
            assert width <= MAX_WIDTH
    # A text column is as wide as its longest value too (the commune names), not just its header.
    communes = workbook["Communes"]
    names = [c for c in communes[1] if c.value == "Commune"]
    assert names, [c.value for c in communes[1]]
    longest = max(len(str(r[0].value or "")) for r in communes.iter_rows(min_row=2, min_col=names[0].column,
                                                                         max_col=names[0].column))
    assert communes.column_dimensions[names[0].column_letter].width >= min(longest + 1, MAX_WIDTH)


def test_method_sheet_text_is_written_the_french_way(workbook):
    cells = {r[0].value: r[1].value for r in workbook["Méthode"].iter_rows(min_row=2)}
    network = next(v for k, v in cells.items() if k.startswith("Réseau"))
    assert "+00:00" not in network and "T" not in network.split("calcul du ")[1]
    assert " à " in network.split("calcul du ")[1]  # « 7 décembre 2026 à 11 h 58 », Paris time
    thresholds = next(v for k, v in cells.items() if k.startswith("Seuils"))
    assert "\u00a0min" in thresholds and ".0" not in thresholds
    assert cells["Superposition"].startswith("au moins ") and "\u00a0%" in cells["Superposition"]

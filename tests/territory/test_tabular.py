"""The shared CSV reader refuses what it cannot read exactly, row by row, and never loses rows silently."""

from __future__ import annotations

import csv

import pytest

from mapapp.territory.grids import read_grid_csv
from mapapp.territory.tabular import read_csv_table
from mapapp.territory.validation import ImportReport, TerritoryImportError

HEADER = "code;nom;population\n"


def read(tmp_path, text: str | bytes, **kwargs):
    path = tmp_path / "t.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    report = ImportReport()
    table = read_csv_table(path, report, **kwargs)
    return table, report


def errors_by_line(report):
    return {e.where: e.message for e in report.errors}


def test_unterminated_quote_in_last_column_loses_no_row(tmp_path):
    rows = "".join(f"7700{i};Commune {i};{i}00\n" for i in range(2, 9))
    table, report = read(tmp_path, HEADER + '77001;Alpha;"100\n' + rows)
    assert list(errors_by_line(report)) == [2]
    assert "guillemet ouvert jamais fermé" in report.errors[0].message
    # the rows after the open quote are read, each on its own line
    assert [r["code"] for r in table.rows] == [f"7700{i}" for i in range(2, 9)]
    assert table.lines == list(range(3, 10))


def test_quote_closed_many_lines_later_is_an_error_at_its_opening_line(tmp_path):
    text = HEADER + '77001;"Alpha;100\n77002;Beta;200\n77003;Gamma";300\n77004;Delta;400\n'
    table, report = read(tmp_path, text, multiline=())
    assert list(errors_by_line(report)) == [2]
    assert "3 lignes (lignes 2 à 4)" in report.errors[0].message and report.errors[0].column == "nom"
    # reading resumed after the opening line: the real rows are there (a lone quote inside a value is text)
    assert [r["code"] for r in table.rows] == ["77002", "77003", "77004"]


def test_multiline_values_allowed_only_where_expected(tmp_path):
    text = 'code;nom;description\n1;A;"deux\nlignes"\n2;B;une\n'
    table, report = read(tmp_path, text, multiline={"description"})
    assert report.ok and table.rows[0]["description"] == "deux\nlignes" and table.lines == [2, 4]
    table, report = read(tmp_path, text.replace("description", "population"), multiline={"description"})
    assert report.errors[0].where == 2 and "sur 2 lignes" in report.errors[0].message
    assert [r["code"] for r in table.rows] == ["2"]


def test_multiline_value_that_swallowed_rows_is_an_error_even_where_allowed(tmp_path):
    text = 'code;nom;description\n1;A;"ouvert\n2;B;une\n3;C;"fin"\n'
    _table, report = read(tmp_path, text, multiline=None)
    assert 2 in errors_by_line(report)


@pytest.mark.parametrize("line, count", [("77001;Alpha;100;extra\n", 4), ("77001;Alpha\n", 2),
                                         ("77001;Alpha;100;\n", 4)])
def test_ragged_rows_are_errors_with_their_line(tmp_path, line, count):
    table, report = read(tmp_path, HEADER + "77002;Beta;200\n" + line + "77003;Gamma;300\n")
    assert list(errors_by_line(report)) == [3]
    assert f"{count} valeurs pour 3 colonnes" in report.errors[0].message
    assert [r["code"] for r in table.rows] == ["77002", "77003"]


def test_field_longer_than_the_csv_limit_is_an_error_not_a_traceback(tmp_path):
    big = "x" * (csv.field_size_limit() + 10)
    table, report = read(tmp_path, HEADER + f"77001;{big};1\n77002;Beta;2\n")
    assert list(errors_by_line(report)) == [2] and "caractères" in report.errors[0].message
    assert [r["code"] for r in table.rows] == ["77002"]


def test_nul_character_is_an_error_with_line_and_column(tmp_path):
    table, report = read(tmp_path, HEADER + "77001;Al\x00pha;1\n77002;Beta;2\n")
    (issue,) = report.errors
    assert (issue.where, issue.column) == (2, "nom") and "caractère nul" in issue.message
    assert [r["code"] for r in table.rows] == ["77002"]


def test_workbook_given_as_csv_is_refused_at_once(tmp_path):
    with pytest.raises(TerritoryImportError):
        read(tmp_path, b"PK\x03\x04" + b"\x00" * 50)


def test_every_row_bad_raises_with_every_line(tmp_path):
    report = ImportReport()
    path = tmp_path / "g.csv"
    path.write_text("grid,code,nom,commune\nepci,E1,Un\nepci,E2,Deux,77001,x\n", encoding="utf-8")
    with pytest.raises(TerritoryImportError):
        read_grid_csv(path, report=report)
    assert [e.where for e in report.errors] == [2, 3]


def test_blank_lines_are_skipped_and_lines_stay_physical(tmp_path):
    table, report = read(tmp_path, HEADER + "\n77001;Alpha;1\n;;\n77002;Beta;2\n")
    assert report.ok and table.lines == [3, 5]

"""The encoding rule and bounded JSON: a file is decoded one way, whole, or refused with its line."""

from __future__ import annotations

import json

import pytest

from mapapp.territory.textfile import MAX_JSON_DEPTH, decode_text, json_depth, load_json
from mapapp.territory.validation import ImportReport, TerritoryImportError

ACCENTS = "Lieu n°1 – Élancourt, café\n"


def decode(raw: bytes, legacy: bool = True):
    report = ImportReport()
    text, encoding = decode_text(raw, "f.csv", report, legacy=legacy)
    return text, encoding, report


@pytest.mark.parametrize("raw", [ACCENTS.encode("utf-8"), b"\xef\xbb\xbf" + ACCENTS.encode("utf-8")])
def test_utf8_with_or_without_bom_is_utf8_and_said(raw):
    text, encoding, report = decode(raw)
    assert (text, encoding) == (ACCENTS, "utf-8")
    assert not report.errors and not report.warnings
    bom = " (avec BOM)" if raw.startswith(b"\xef") else ""
    assert [i.message for i in report.infos] == ["encodage détecté : UTF-8" + bom]


def test_ascii_needs_no_encoding_note():
    assert decode(b"code;nom\n96001;Arlenc\n")[2].infos == []


def test_whole_file_in_windows_1252_is_read_as_such_and_said():
    raw = ("nom\n" + "Élancourt, café\n" * 3).encode("cp1252")
    text, encoding, report = decode(raw)
    assert encoding == "cp1252" and "Élancourt, café" in text
    assert len(report.warnings) == 1 and "Windows-1252" in report.warnings[0].message
    assert "ligne 2" in report.warnings[0].message


def test_one_stray_windows_1252_byte_in_utf8_is_refused_with_line_and_position():
    # The red-team file: UTF-8 rows, then one row pasted from a Windows-1252 file.
    raw = ("id;nom\n" + "".join(f"{i};Lieu fuzz n°{i} – É\n" for i in range(5))).encode("utf-8") \
        + "9;caf\xe9\n".encode("cp1252") + "10;Élan\n".encode("utf-8") + "11;“Où”\n".encode("cp1252")
    text, encoding, report = decode(raw)
    assert [(i.where, i.message.split(" :")[0]) for i in report.errors] == [(7, "encodages mélangés"),
                                                                          (9, "encodages mélangés")]
    assert "0xE9" in report.errors[0].message and "position 6" in report.errors[0].message
    assert "0x93" in report.errors[1].message and "position 4" in report.errors[1].message
    # the rest is still UTF-8, so the file's other lines are read (and checked) right
    assert encoding == "utf-8" and "Lieu fuzz n°4 – É" in text and "10;Élan" in text


def test_bytes_undefined_in_windows_1252_are_refused():
    report = ImportReport()
    with pytest.raises(TerritoryImportError):
        decode_text(b"nom\nab\x81c\n", "f.csv", report)
    assert report.errors[0].where == 2 and "0x81" in report.errors[0].message


def test_json_is_strict_utf8():
    report = ImportReport()
    with pytest.raises(TerritoryImportError):
        decode_text('{"nom": "café"}'.encode("cp1252"), "f.json", report, legacy=False)
    assert "UTF-8" in report.errors[0].message


def test_depth_ignores_brackets_in_strings():
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == (3, 1)
    assert json_depth(b'"only [ a string"') == (0, 1)


def test_json_nested_100000_deep_is_a_french_error_not_a_recursion_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("\n" + "[" * 100_000 + "]" * 100_000)
    report = ImportReport()
    with pytest.raises(TerritoryImportError):
        load_json(path, report)
    (issue,) = report.errors
    assert issue.where == 2 and "100000 niveaux" in issue.message and str(MAX_JSON_DEPTH) in issue.message


def test_json_syntax_error_has_its_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "a": 1,\n  "b": \n}\n')
    report = ImportReport()
    with pytest.raises(TerritoryImportError):
        load_json(path, report)
    assert report.errors[0].where == 4 and "JSON invalide" in report.errors[0].message


def test_json_at_the_depth_limit_is_read(tmp_path):
    path = tmp_path / "ok.json"
    value: list = []
    for _ in range(MAX_JSON_DEPTH - 1):
        value = [value]
    path.write_text(json.dumps(value))
    assert json_depth(path.read_bytes())[0] == MAX_JSON_DEPTH
    assert load_json(path, ImportReport()) == value

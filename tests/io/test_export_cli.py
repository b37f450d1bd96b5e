"""`mapapp report` and `mapapp export` on the demo: files written, progress on stderr, French errors."""

import zipfile

import openpyxl
from click.testing import CliRunner

from mapapp.cli import main


def test_report_html_and_maps_for_a_commune(demo_computed, tmp_path):
    env, _ = demo_computed
    out = tmp_path / "rapport.html"
    result = CliRunner().invoke(main, ["report", "--unit", "commune:96002", "--theme", "france_services", "--mode",
                                       "car", "--format", "html", "--out", str(out), "--maps-dir",
                                       str(tmp_path / "cartes")], env=env)
    assert result.exit_code == 0, result.output
    assert "Carte 1/3" in result.stderr and "Rapport écrit" in result.stdout
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "France Services" in html
    assert sorted(p.name for p in (tmp_path / "cartes").iterdir()) == [
        "offre.png", "temps-france_services-car.png", "zones-blanches-car.png"]


def test_report_errors_are_french(demo_computed, tmp_path):
    env, _ = demo_computed
    result = CliRunner().invoke(main, ["report", "--unit", "epci:000", "--out", str(tmp_path / "x.pdf")], env=env)
    assert result.exit_code != 0 and "Aucun territoire de code « 000 »" in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_list_units(demo_computed):
    env, _ = demo_computed
    result = CliRunner().invoke(main, ["report", "--list-units"], env=env)
    assert result.exit_code == 0 and "epci:200096001\tEPCI\t" in result.stdout and "commune:96001" in result.stdout


def test_export_xlsx_csv_zip_and_datainclusion_folder(demo_computed, tmp_path):
    env, _ = demo_computed
    common = ["--unit", "epci:200096001", "--theme", "france_services", "--mode", "car"]
    r = CliRunner().invoke(main, ["export", "--format", "xlsx", "--out", str(tmp_path / "t.xlsx"), *common], env=env)
    assert r.exit_code == 0, r.output
    assert "Chiffres clés" in openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames
    r = CliRunner().invoke(main, ["export", "--format", "csv", "--out", str(tmp_path / "t.zip"), *common], env=env)
    assert r.exit_code == 0, r.output
    assert "zones_blanches.csv" in zipfile.ZipFile(tmp_path / "t.zip").namelist()
    r = CliRunner().invoke(main, ["export", "--format", "datainclusion-json", "--out", str(tmp_path / "di")], env=env)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "di").iterdir()) == ["services.json", "structures.json"]
    assert "data·inclusion v1" in r.stderr


def test_help_lists_the_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert "report" in result.output and "export" in result.output
    result = CliRunner().invoke(main, ["export", "--help"])
    assert "datainclusion-csv" in result.output and "Lambert-93" in result.output

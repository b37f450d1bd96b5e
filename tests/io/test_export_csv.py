"""CSV export for a French Excel: ';', UTF-8 with BOM, decimal comma, ISO dates; round trip with pandas."""

import csv
import io

import pandas as pd
import pytest

from mapapp.io.export_csv import csv_text, write_csv_dir
from mapapp.io.tables import Column, Table, report_tables
from tests.reports.fixtures import (  # noqa: F401  (fixtures)
    EPCI,
    FORMULA,
    demo_sessions,
    demo_settings,
    demo_store,
    epci_report,
)


@pytest.fixture(scope="module")
def folder(epci_report, tmp_path_factory):
    out = tmp_path_factory.mktemp("csv")
    write_csv_dir(report_tables(epci_report), out)
    return out


def read(path, **kwargs):
    return pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", dtype={"Code commune": str, "Code": str},
                       **kwargs)


def test_one_file_per_table_with_bom_and_semicolons(folder):
    names = sorted(p.name for p in folder.iterdir())
    assert "chiffres_cles.csv" in names and "zones_blanches.csv" in names and len(names) == 11
    raw = (folder / "chiffres_cles.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert raw.decode("utf-8-sig").splitlines()[0].startswith("Thème;Code du thème;Mode;Habitants")


def test_round_trip_gives_the_engine_figures(folder, demo_store):
    grid, code = EPCI.split(":")
    terr = demo_store.table("car", "territories")
    row = terr[(terr["theme"] == "france_services") & (terr["grid"] == grid) & (terr["code"] == code)].iloc[0]
    kf = read(folder / "chiffres_cles.csv", na_values=["injoignable"])  # times: numbers, unreachable → NaN
    got = kf[(kf["Code du thème"] == "france_services") & (kf["Mode"] == "Voiture")].iloc[0]
    assert got["Habitants"] == round(row["population_points"])
    assert got["Part au-delà du seuil (%)"] == pytest.approx(row["share_beyond_main"] * 100, abs=0.005)
    assert got["Temps moyen (min)"] == pytest.approx(row["mean_time_min"], abs=0.005)
    communes = read(folder / "communes.csv")
    car = communes[(communes["Code du thème"] == "france_services") & (communes["Mode"] == "Voiture")]
    engine = demo_store.table("car", "communes")
    engine = engine[(engine["theme"] == "france_services")].set_index("commune")
    for _, r in car.iterrows():
        e = engine.loc[r["Code commune"]]
        assert r["Habitants"] == round(e["population_points"])
        assert r["Part au-delà du seuil (%)"] == pytest.approx(e["share_beyond_main"] * 100, abs=0.005)
        assert r["Zone blanche"] in ("oui", "non")


def test_unreachable_and_dates(folder, epci_report):
    communes = read(folder / "communes.csv")
    times = communes["Temps moyen (min)"].astype(str)
    assert "injoignable" in set(times)  # a theme without any site
    numbers = pd.to_numeric(times[times != "injoignable"].str.replace(",", "."), errors="raise")
    assert (numbers >= 0).all()
    stale = read(folder / "fiches_a_verifier.csv")
    dates = stale["Dernière mise à jour"].dropna()
    assert len(dates) and dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def test_formula_injection_and_separators_in_text():
    table = Table("t", "T", "T", [Column("a", "Nom"), Column("b", "Part", "share")],
                  pd.DataFrame({"a": [FORMULA, "-3 rue", "a;b \"c\"\nd", "@x", "normal"],
                                "b": [0.5, 0.25, 0.0, 1.0, float("nan")]}))
    text = csv_text(table)
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Nom", "Part (%)"]
    assert [r[0] for r in rows[1:]] == ["'" + FORMULA, "'-3 rue", "a;b \"c\"\nd", "'@x", "normal"]
    assert [r[1] for r in rows[1:]] == ["50,00", "25,00", "0,00", "100,00", ""]

from __future__ import annotations

import pandas as pd
import pytest

from mapapp.territory.bundle import GRID_COLUMNS
from mapapp.territory.communes import read_commune_populations
from mapapp.territory.grids import grid_key, grids_from_commune_table, read_grid_csv
from mapapp.territory.validation import ImportReport, TerritoryImportError
from tests.territory.territory_fixtures import write

LONG = """grid,code,nom,commune
territoire_action_sociale,TAS-N,Territoire Nord,77003
territoire_action_sociale,TAS-N,Territoire Nord,77004
territoire_action_sociale,TAS-S,Territoire Sud,77001
territoire_action_sociale,TAS-S,Territoire Sud,77002
canton,7701,Canton A,77001
canton,7701,Canton A,77003
canton,7702,Canton B,77002
canton,7702,Canton B,77004
"""


def test_long_layout_several_grids(tmp_path, communes):
    report = ImportReport()
    grids = read_grid_csv(write(tmp_path / "grids.csv", LONG), communes=communes, report=report)
    assert list(grids.columns) == GRID_COLUMNS
    assert len(grids) == 8
    assert set(grids["grid"]) == {"territoire_action_sociale", "canton"}
    nord = grids[(grids["grid"] == "territoire_action_sociale") & (grids["code"] == "TAS-N")]
    assert sorted(nord["commune"]) == ["77003", "77004"] and set(nord["nom"]) == {"Territoire Nord"}
    assert report.ok and not report.warnings  # the buffer commune 91001 is not expected in the grids

    only = read_grid_csv(tmp_path / "grids.csv", grid="canton", communes=communes)
    assert set(only["grid"]) == {"canton"} and len(only) == 4


def test_long_layout_problems_reported_with_lines(tmp_path, communes):
    text = """code;nom;commune
TAS-N;Territoire Nord;77003
TAS-N;Territoire Nord;77003
TAS-N;Nord (autre nom);77004
TAS-S;Territoire Sud;77999
TAS-S;Territoire Sud;7A001
;Sans code;77001
TAS-S;Territoire Sud;77004
"""
    report = ImportReport()
    grids = read_grid_csv(write(tmp_path / "tas.csv", text), grid="Territoire d'action sociale", communes=communes, report=report)
    assert set(grids["grid"]) == {"territoire_d_action_sociale"}
    errors = [(i.where, i.message) for i in report.errors]
    assert errors == [
        (7, "code d'unité vide (commune 77001)"),
        (5, "commune 77999 inconnue du territoire (grille territoire_d_action_sociale, unité TAS-S)"),
        (6, "code commune invalide « 7A001 »"),
    ]
    warnings = [(i.where, i.message.split(" : ")[0] if ":" in i.message else i.message) for i in report.warnings]
    assert (3, "ligne en double (grille territoire_d_action_sociale, unité TAS-N, commune 77003) ignorée") in warnings
    assert any(w.where == 4 and "premier nom gardé" in w.message for w in report.warnings)
    assert any(w.where == "77004" and "2 unités" in w.message for w in report.warnings)
    assert any("77001, 77002" in w.message and "absente" in w.message for w in report.warnings)
    with pytest.raises(TerritoryImportError):
        read_grid_csv(tmp_path / "tas.csv", grid="tas", communes=communes)


def test_long_layout_without_grid_column_needs_a_name(tmp_path):
    path = write(tmp_path / "g.csv", "code,commune\nA,77001\n")
    with pytest.raises(TerritoryImportError, match="précisez la grille"):
        read_grid_csv(path)
    grids = read_grid_csv(path, grid="bassin_de_vie")
    assert grids.iloc[0].to_dict() == {"grid": "bassin_de_vie", "code": "A", "nom": "A", "commune": "77001"}


def test_wide_layout(tmp_path, communes):
    text = """commune,nom_commune,canton,nom_canton,territoire_action_sociale
77001,Alpha,7701,Canton A,TAS-S
77002,Beta,7702,Canton B,TAS-S
77003,Gamma,7701,Canton A,TAS-N
77004,Delta,7702,Canton B,
"""
    report = ImportReport()
    grids = read_grid_csv(write(tmp_path / "wide.csv", text), communes=communes, report=report)
    assert len(grids) == 7
    assert grids[grids["grid"] == "canton"].set_index("commune")["nom"].to_dict() == {
        "77001": "Canton A", "77002": "Canton B", "77003": "Canton A", "77004": "Canton B"}
    assert grids[grids["grid"] == "territoire_action_sociale"]["nom"].tolist() == ["TAS-S", "TAS-S", "TAS-N"]
    assert report.ok
    assert any("1 commune(s) sans unité (lignes 5)" in w.message for w in report.warnings)


def test_unrecognised_layout(tmp_path):
    with pytest.raises(TerritoryImportError, match="colonne « commune »"):
        read_grid_csv(write(tmp_path / "x.csv", "a,b\n1,2\n"))


def test_epci_grid_from_commune_table(tmp_path, communes):
    path = write(tmp_path / "communes.csv",
                 "code,nom,departement,population,code_epci,nom_epci,codes_postaux\n"
                 "77001,Alpha,77,1000,200000001,CC Une,77000\n"
                 "77002,Beta,77,2000,200000001,CC Une,77000\n"
                 "77003,Gamma,77,500,,,77000\n"
                 "77004,Delta,77,3000,200000002,CC Deux,77000\n")
    report = ImportReport()
    grids = grids_from_commune_table(path, communes=communes, report=report)
    assert grids.groupby("code")["commune"].apply(list).to_dict() == {"200000001": ["77001", "77002"], "200000002": ["77004"]}
    assert set(grids["nom"]) == {"CC Une", "CC Deux"}
    assert any("lignes 4" in w.message for w in report.warnings)  # Gamma has no EPCI

    # the same from the frame read_commune_populations returns (its lines are kept)
    table = read_commune_populations(path)
    report = ImportReport()
    again = grids_from_commune_table(table, communes=communes, report=report)
    pd.testing.assert_frame_equal(again, grids)
    assert any("lignes 4" in w.message for w in report.warnings)


@pytest.mark.parametrize(("label", "key"), [
    ("Bassin de vie", "bassin_de_vie"), ("EPCI", "epci"), ("Territoire d'action sociale", "territoire_d_action_sociale"),
    ("  zone-emploi ", "zone_emploi"), ("Canton (2015)", "canton_2015"),
])
def test_grid_key(label, key):
    assert grid_key(label) == key

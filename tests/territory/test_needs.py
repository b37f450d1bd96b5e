"""Needs CSV: aggregated counts only, statistical secrecy on import, every problem with its line."""

import math

import pandas as pd
import pytest

from mapapp.territory.needs import apply_secrecy, read_needs
from mapapp.territory.validation import ImportReport, TerritoryImportError

COMMUNES = [f"960{i:02d}" for i in range(1, 9)]


def _write(tmp_path, text, name="besoins.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _frame(counts: dict) -> pd.DataFrame:
    return pd.DataFrame({"zone_kind": "commune", "zone": list(counts), "count": [float(v) for v in counts.values()],
                         "secret": None, "line": range(2, 2 + len(counts))})


def test_primary_secrecy_hides_counts_below_threshold_and_keeps_zero(tmp_path):
    path = _write(tmp_path, "commune;effectif\n96001;154\n96002;10\n96003;11\n96004;0\n96005;1\n")
    frame = read_needs(path, known_zones=COMMUNES).set_index("zone")
    assert frame.loc["96002", "secret"] == "primaire" and math.isnan(frame.loc["96002", "count"])
    assert frame.loc["96005", "secret"] == "primaire"
    assert frame.loc["96003", "count"] == 11 and pd.isna(frame.loc["96003", "secret"])
    assert frame.loc["96004", "count"] == 0 and pd.isna(frame.loc["96004", "secret"])
    # two primary secrets in the file: no secondary needed at the file level
    assert (frame["secret"] == "secondaire").sum() == 0


def test_threshold_is_a_setting(tmp_path):
    path = _write(tmp_path, "commune;effectif\n96001;154\n96002;15\n96003;12\n")
    frame = read_needs(path, threshold=20).set_index("zone")
    assert frame.loc["96002", "secret"] == "primaire" and frame.loc["96003", "secret"] == "primaire"
    assert frame.loc["96001", "count"] == 154


def test_secondary_secrecy_within_an_epci():
    # EPCI A = 96001..96003 with one secret (96002: 4); EPCI B = 96004, 96005 with no secret.
    frame = apply_secrecy(_frame({"96001": 40, "96002": 4, "96003": 25, "96004": 300, "96005": 12}),
                          groups=[["96001", "96002", "96003"], ["96004", "96005"]])
    secret = dict(zip(frame["zone"], frame["secret"]))
    assert secret["96002"] == "primaire"
    # the smallest published count of the same EPCI is hidden too, so 96002 = total - others is impossible
    assert secret["96003"] == "secondaire" and math.isnan(frame.set_index("zone").loc["96003", "count"])
    assert pd.isna(secret["96001"]) and pd.isna(secret["96004"]) and pd.isna(secret["96005"])
    # every group now has 0 or at least 2 secrets
    for group in (["96001", "96002", "96003"], ["96004", "96005"], list(secret)):
        assert sum(isinstance(secret[z], str) for z in group) != 1


def test_secondary_secrecy_cascades_across_groups():
    # 96003 hidden for EPCI A leaves canton C (96003, 96004) with a single secret: 96004 must follow.
    frame = apply_secrecy(_frame({"96001": 40, "96002": 4, "96003": 25, "96004": 300, "96005": 500}),
                          groups=[["96001", "96002", "96003"], ["96003", "96004"]])
    secret = dict(zip(frame["zone"], frame["secret"]))
    assert secret["96003"] == "secondaire" and secret["96004"] == "secondaire"
    assert pd.isna(secret["96005"]) and pd.isna(secret["96001"])


def test_single_secret_in_the_whole_file_gets_a_partner(tmp_path):
    path = _write(tmp_path, "commune;effectif\n96001;154\n96002;3\n96003;60\n")
    frame = read_needs(path).set_index("zone")
    assert frame.loc["96002", "secret"] == "primaire" and frame.loc["96003", "secret"] == "secondaire"
    assert frame.loc["96001", "count"] == 154


@pytest.mark.parametrize("header", ["nir;commune;effectif", "commune;prenom;effectif", "Date de naissance;commune;effectif",
                                    "numero_allocataire;commune;effectif"])
def test_individual_columns_are_refused(tmp_path, header):
    path = _write(tmp_path, header + "\n" + "x;96001;1\n")
    with pytest.raises(TerritoryImportError, match="données individuelles"):
        read_needs(path)


def test_counts_all_one_look_like_individual_rows(tmp_path):
    path = _write(tmp_path, "commune;effectif\n" + "".join(f"9600{i};1\n" for i in range(1, 7)))
    with pytest.raises(TerritoryImportError, match="tous les effectifs valent 1"):
        read_needs(path)


def test_every_problem_has_its_line(tmp_path):
    path = _write(tmp_path, "commune;effectif\n96001;12\n96001;40\n9600X;3\n96099;20\n96003;-2\n96004;2,5\n96005;abc\n")
    report = ImportReport()
    frame = read_needs(path, known_zones=COMMUNES, report=report)
    assert frame.empty
    lines = sorted(issue.where for issue in report.errors)
    assert lines == [3, 4, 5, 6, 7, 8]
    messages = " ".join(str(i) for i in report.errors)
    assert "figure déjà ligne 2" in messages and "absente du territoire" in messages and "invalide" in messages


def test_squares_and_missing_columns(tmp_path):
    squares = _write(tmp_path, "idcar_200m,nombre\nCRS3035RES200mN1E1,30\nCRS3035RES200mN1E2,45\n")
    frame = read_needs(squares, known_zones={"CRS3035RES200mN1E1", "CRS3035RES200mN1E2"})
    assert set(frame["zone_kind"]) == {"carreau"} and frame["count"].sum() == 75
    bad = _write(tmp_path, "commune;total_rsa\n96001;12\n", "bad.csv")
    with pytest.raises(TerritoryImportError, match="effectif absente"):
        read_needs(bad)


def test_a_column_of_commune_names_is_fine(tmp_path):
    path = _write(tmp_path, "commune;nom;effectif\n96001;Arlenc;154\n96002;Saint-Jo;70\n")
    assert read_needs(path)["count"].tolist() == [154, 70]

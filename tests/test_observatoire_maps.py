"""Bivariate need × supply classes and vulnerability factors on hand-made tables (issue 16 §3)."""

import pandas as pd

from mapapp.observatoire_maps import BIVARIATE_COLOURS, bivariate, tercile, tercile_breaks, vulnerability


def _communes():
    return pd.DataFrame({"commune": ["a", "b", "c", "d", "e", "f"],
                         "population_points": [100, 100, 100, 100, 100, 0],
                         "mean_sites_within": [0.0, 1.0, 2.0, 3.0, 4.0, 0.0]})


def _counts():
    return pd.DataFrame({"zone": ["a", "b", "c", "d", "e"], "count": [30, 20, 10, 5, None],
                         "secret": [None, None, None, None, "primaire"]})


def test_terciles():
    assert tercile_breaks([1, 2]) is None
    low, high = tercile_breaks([0, 1, 2, 3, 4, 5])
    assert (tercile(0, (low, high)), tercile(2.5, (low, high)), tercile(5, (low, high))) == (1, 2, 3)
    assert tercile(float("nan"), (low, high)) is None


def test_bivariate_classes_and_colours():
    table = bivariate(_communes(), _counts()).set_index("commune")
    assert table.loc["a", "need_rate"] == 30.0 and table.loc["a", "need_class"] == 3
    assert table.loc["a", "supply_class"] == 1 and table.loc["a", "colour"] == BIVARIATE_COLOURS[(3, 1)]
    assert table.loc["d", "need_class"] == 1 and table.loc["d", "colour"] == BIVARIATE_COLOURS[(1, 3)]
    assert pd.isna(table.loc["e", "colour"])  # secret count: no class, never « no need »
    assert pd.isna(table.loc["f", "colour"])  # no inhabitant


def test_vulnerability_counts_the_factors():
    members = pd.DataFrame({"grid": "canton", "code": ["C1", "C1", "C2", "C2", "C3"],
                            "commune": ["a", "b", "c", "d", "e"]})
    territories = pd.DataFrame({"grid": "canton", "code": ["C1", "C2", "C3"], "share_beyond_main": [0.5, 0.1, 0.2]})
    counts = _counts().assign(count=[30, 20, 10, 5, 1], secret=None)
    units = vulnerability(territories, _communes(), counts, members, "canton").set_index("code")
    assert units.loc["C1", "need_rate"] == 25.0  # (30 + 20) / 200
    assert bool(units.loc["C1", "f_distance"]) and bool(units.loc["C1", "f_need"]) and bool(units.loc["C1", "f_supply"])
    assert units.loc["C1", "n_factors"] == 3
    assert units.loc["C3", "need_rate"] == 1.0 and units.loc["C2", "n_factors"] == 0
    assert list(units.index)[0] == "C1"
    secret = vulnerability(territories, _communes(), _counts(), members, "canton").set_index("code")
    assert secret.loc["C3", "n_secret"] == 1 and pd.isna(secret.loc["C3", "need_rate"])
    assert not secret["f_need"].any()  # two known units: no terciles, no factor claimed

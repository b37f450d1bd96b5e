"""The results store's per-theme reads: one Parquet row group per theme, the same rows as a filter."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from mapapp.results import UNCACHED_TABLES, ResultStore, write_table


def test_a_table_is_written_with_one_row_group_per_theme(tmp_path):
    df = pd.DataFrame({"theme": ["a", "a", "b", "c", "c", "c"], "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    write_table(df, tmp_path / "t.parquet")
    meta = pq.ParquetFile(tmp_path / "t.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [2, 1, 3]
    assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), df)


def test_a_table_without_theme_or_rows_is_written_plainly(tmp_path):
    for df in (pd.DataFrame({"x": [1, 2]}), pd.DataFrame({"theme": pd.Series([], dtype=str)})):
        write_table(df, tmp_path / "t.parquet")
        assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), df, check_dtype=False)


def test_theme_table_equals_the_filtered_table_for_every_theme_and_table(demo_computed):
    from mapapp.access.run import TABLES
    from mapapp.config import load_settings

    env, _ = demo_computed
    store = ResultStore(load_settings(env).data_dir / "results")
    assert "points" in UNCACHED_TABLES
    for table in TABLES:
        whole = store.table("car", table)
        if "theme" not in whole.columns:
            continue
        themes = list(dict.fromkeys(whole["theme"]))
        assert themes, table
        for theme in themes[:3] + ["inconnu"]:
            expected = whole[whole["theme"] == theme].reset_index(drop=True)
            assert_frame_equal(store.theme_table("car", table, theme), expected)


def test_theme_table_of_a_mode_without_results_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        ResultStore(tmp_path / "results").theme_table("car", "points", "emploi")
    with pytest.raises(KeyError):
        ResultStore(tmp_path / "results").theme_table("car", "inconnue", "emploi")

"""Vectorised helpers over gtfs-kit's tables: times, id lookups, and naming offending rows.

gtfs-kit keeps each file's rows in order, so the row at index ``i`` of a table is
line ``i + 2`` of its file (line 1 is the header): :func:`flag_rows` reports them so.

Times and id lookups go through pyarrow's compute kernels: gtfs-kit's string columns
are pyarrow-backed, on which pandas' ``str.extract`` and ``isin`` loop in Python
(seconds per million stop_times; measured with ``scripts/bench_gtfs.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mapapp.territory.validation import ImportReport

#: At most this many lines are named for one kind of problem in one file; one more line counts the rest.
LINES_PER_PROBLEM = 20
_TIME_RE = r"^\s*\d{1,3}:[0-5]\d:[0-5]\d\s*$"
_TIME_RE_NAMED = r"^\s*(?P<h>\d{1,3}):(?P<m>[0-5]\d):(?P<s>[0-5]\d)\s*$"


def _line(index) -> int:
    return int(index) + 2


def flag_rows(report: ImportReport, source: str, rows: pd.DataFrame, message, column: str | None = None,
              warning: bool = False) -> None:
    """One issue per offending row (at most :data:`LINES_PER_PROBLEM`, then one line counting the rest)."""
    add = report.warning if warning else report.error
    for index, row in rows.head(LINES_PER_PROBLEM).iterrows():
        text = message(row) if callable(message) else message
        add(source, _line(index), text, column=column, value=None if column is None else row.get(column))
    if len(rows) > LINES_PER_PROBLEM:
        first = message(rows.iloc[0]) if callable(message) else message
        add(source, None, f"… et {len(rows) - LINES_PER_PROBLEM} autres lignes avec le même problème ({first})")


def _arrow(values: pd.Series) -> pa.Array:
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def time_seconds(values: pd.Series) -> pd.Series:
    """GTFS ``H:MM:SS`` times (hours may pass 24) as float seconds; NaN where empty or unreadable.

    With pyarrow's compute kernels: pandas' ``str.extract`` runs a Python regex per row
    (seconds per million stop_times).
    """
    text = _arrow(values)
    ok = pc.fill_null(pc.match_substring_regex(text, _TIME_RE), False)
    parts = pc.extract_regex(pc.if_else(ok, text, "0:00:00"), _TIME_RE_NAMED)
    seconds = pc.add(pc.add(pc.multiply(pc.cast(parts.field("h"), pa.float64()), 3600.0),
                            pc.multiply(pc.cast(parts.field("m"), pa.float64()), 60.0)),
                     pc.cast(parts.field("s"), pa.float64()))
    out = np.array(seconds.to_numpy(zero_copy_only=False), dtype=float)
    out[~np.asarray(ok)] = np.nan
    return pd.Series(out, index=values.index)


def isin(values: pd.Series, allowed: pd.Series) -> pd.Series:
    """``values.isin(allowed)`` for string columns, as one pyarrow call: pandas' own ``isin`` on
    pyarrow strings converts every allowed value in Python (seconds for a million stop_times)."""
    found = pc.is_in(_arrow(values), value_set=pc.unique(_arrow(allowed)))
    return pd.Series(np.asarray(pc.fill_null(found, False), dtype=bool), index=values.index)


def unreadable_times(frame: pd.DataFrame, column: str, seconds: pd.Series | None = None) -> pd.DataFrame:
    """Rows whose ``column`` holds a time that is not empty and not ``H:MM:SS`` (``seconds``: already parsed)."""
    seconds = time_seconds(frame[column]) if seconds is None else seconds
    text = frame[column].astype("string").str.strip()
    return frame[(text.notna() & (text != "")).to_numpy(dtype=bool) & seconds.isna().to_numpy()]

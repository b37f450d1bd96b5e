"""Stored accessibility results: one folder per travel mode, one Parquet file per table.

The engine's :class:`~mapapp.access.run.AccessResults` are written to
``$MAPAPP_DATA_DIR/results/<mode>@<version>/<table>.parquet`` with a
``manifest.json`` per mode (when, from which road graph, with which method
settings — :class:`mapapp.method.MethodSettings` plus how the squares'
population was placed —, the digest of every theme, timings). Web pages and reports read them here; they never route.

**Variants** (:mod:`mapapp.access.variants`: one public, with or without the
schedule rule) live in their own store under ``results/variants/<key>/``, laid
out the same way; the headline variant (everyone, every site) is the root
store itself, so every reader that is given a store reads one variant and
never mixes two. :meth:`ResultStore.variant` gives a variant's store.

Writing is atomic per mode: each run writes a new version folder, then
replaces the small pointer file ``<mode>.current`` (``os.replace`` is atomic),
then removes older versions. A reader follows the pointer, so it sees the old
run or the new one, never half of one and never none.

Tables with a ``theme`` column are written with one Parquet row group per theme,
so :meth:`ResultStore.theme_table` decodes only that theme's rows (the per-point
table of a mode holds every point × every theme: tens of MB per variant once
decoded; a page needs one theme of it). The per-point tables are never kept
whole in memory by the readers (:data:`UNCACHED_TABLES`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from mapapp.access.run import TABLES, AccessResults


@dataclass(frozen=True)
class ModeManifest:
    mode: str
    computed_at: str
    graph: dict
    themes: list[dict]
    digests: dict[str, str]
    timings_s: dict[str, float]
    reused_themes: list[str]
    #: The method settings (:meth:`mapapp.method.MethodSettings.to_json`) and ``placement_summary``;
    #: empty for results computed before they were recorded.
    method: dict = field(default_factory=dict)
    #: :func:`mapapp.catalog.inputs_state.inputs_fingerprint` of the catalog and method computed from;
    #: empty for results computed before it was recorded.
    inputs_digest: str = ""
    #: :meth:`mapapp.access.variants.Variant.spec` of these results (empty: the headline, before variants).
    variant: dict = field(default_factory=dict)
    #: :meth:`mapapp.access.settings.AccessSettings.digest` of the settings computed with.
    settings_digest: str = ""


#: Folder of the variants' stores under the results root.
VARIANTS_DIR = "variants"
_VARIANT_KEY = re.compile(r"^[a-z0-9_]+(\+horaires)?$")


class ResultStore:
    """Read and write the results under ``root`` (``$MAPAPP_DATA_DIR/results``)."""

    def __init__(self, root: Path, variant: str = ""):
        self.root = Path(root)
        #: The variant key of this store (``""`` for the headline store).
        self.variant_key = variant

    def variant(self, key: str) -> ResultStore:
        """The store of variant ``key`` (``jeunes``, ``tous+horaires``); the headline key ``tous`` is this store."""
        if self.variant_key:
            raise ValueError("variant() is asked of the headline store")
        if key in ("", "tous"):
            return self
        if not _VARIANT_KEY.match(key):
            raise ValueError(f"invalid variant key {key!r}")
        return ResultStore(self.root / VARIANTS_DIR / key, variant=key)

    def remove_mode(self, mode: str) -> bool:
        """Remove a mode's results (a mode that no longer applies: no GTFS feed left); whether there were some."""
        pointer = self.root / f"{mode}.current"
        if not pointer.exists():
            return False
        pointer.unlink(missing_ok=True)
        for old in self.root.glob(f"{mode}@*"):
            shutil.rmtree(old, ignore_errors=True)
        _read_table.cache_clear()
        _read_theme.cache_clear()
        return True

    def remove_variants_except(self, keep: set[str]) -> list[str]:
        """Remove the stored variants whose key is not in ``keep`` (a public dropped from the settings); their keys."""
        gone = [k for k in self.variant_keys() if k not in keep]
        for key in gone:
            shutil.rmtree(self.root / VARIANTS_DIR / key, ignore_errors=True)
        return gone

    def variant_keys(self) -> list[str]:
        """Keys of the variants that have results, besides the headline."""
        folder = self.root / VARIANTS_DIR
        if self.variant_key or not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and _VARIANT_KEY.match(p.name)
                      and ResultStore(p, p.name).modes())

    def modes(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(p.name.removesuffix(".current") for p in self.root.glob("*.current")
                      if self._folder(p.name.removesuffix(".current")) is not None)

    def version(self, mode: str) -> str | None:
        """The current version of a mode's results (changes at every write), or None."""
        pointer = self.root / f"{mode}.current"
        try:
            return pointer.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def _folder(self, mode: str) -> Path | None:
        version = self.version(mode)
        folder = self.root / version if version else None
        return folder if folder is not None and (folder / "manifest.json").exists() else None

    def write(self, results: AccessResults, *, computed_at: str, graph_meta: dict, themes: list[dict],
              method: dict | None = None, inputs_digest: str = "", variant: dict | None = None,
              settings_digest: str = "") -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        self.remove_stale()
        tmp = self._new_temp(results.mode)
        with ThreadPoolExecutor(4) as pool:  # pyarrow writes without the GIL
            list(pool.map(lambda table: write_table(getattr(results, table), tmp / f"{table}.parquet"), TABLES))
        manifest = {
            "mode": results.mode, "computed_at": computed_at, "graph": graph_meta, "themes": themes,
            "digests": results.digests, "timings_s": results.timings_s,
            "reused_themes": list(results.reused_themes), "method": dict(method or {}),
            "inputs_digest": inputs_digest, "variant": dict(variant or {}), "settings_digest": settings_digest,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1, default=str),
                                           encoding="utf-8")
        final = self.root / f"{results.mode}@{time.time_ns()}"
        os.replace(tmp, final)
        pointer_tmp = self.root / f".{results.mode}.current.tmp"
        pointer_tmp.write_text(final.name, encoding="utf-8")
        os.replace(pointer_tmp, self.root / f"{results.mode}.current")
        for old in self.root.glob(f"{results.mode}@*"):
            if old != final:
                shutil.rmtree(old, ignore_errors=True)
        _read_table.cache_clear()
        _read_theme.cache_clear()
        return final

    def _new_temp(self, mode: str) -> Path:
        """A new temporary folder for a write, named after this process (``.<mode>-pid<pid>-<random>``)."""
        self.root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{mode}-pid{os.getpid()}-", dir=self.root))

    def remove_stale(self) -> list[Path]:
        """Remove the temporary folders left by writes that died (``kill -9``, crash); return them.

        A folder is stale when the process named in it is no longer alive (or it
        has no process in its name: written before names carried one). Folders of
        live processes (a compute running now) are kept.
        """
        removed = []
        if not self.root.exists():
            return removed
        for tmp in self.root.glob(".*-*"):
            if not tmp.is_dir():
                continue
            match = _TEMP_PID.match(tmp.name)
            if match is not None and _alive(int(match.group(1))):
                continue
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
        return removed

    def manifest(self, mode: str) -> ModeManifest | None:
        folder = self._folder(mode)
        if folder is None:
            return None
        return ModeManifest(**json.loads((folder / "manifest.json").read_text(encoding="utf-8")))

    def table(self, mode: str, table: str) -> pd.DataFrame:
        """One table of one mode (cached in memory until the files change, but the per-point tables)."""
        path = self._table_path(mode, table)
        if table in UNCACHED_TABLES:
            return pd.read_parquet(path)
        return _read_table(str(path), path.stat().st_mtime_ns)

    def theme_table(self, mode: str, table: str, theme: str) -> pd.DataFrame:
        """The rows of ``theme`` in one table of one mode, decoding only that theme's row group.

        Same rows, columns and order as filtering :meth:`table` on ``theme``.
        Small tables are cached whole, as :meth:`table` does, and filtered.
        """
        if table not in UNCACHED_TABLES:
            df = self.table(mode, table)
            return df[df["theme"] == theme].reset_index(drop=True)
        path = self._table_path(mode, table)
        return _read_theme(str(path), path.stat().st_mtime_ns, theme)

    def _table_path(self, mode: str, table: str) -> Path:
        if table not in TABLES:
            raise KeyError(f"unknown results table {table!r}")
        folder = self._folder(mode)
        path = folder / f"{table}.parquet" if folder is not None else None
        if path is None or not path.exists():
            raise FileNotFoundError(f"no results for mode {mode!r}: run `mapapp compute`")
        return path

    def read(self, mode: str) -> AccessResults | None:
        """The full results of a mode (for ``previous=`` reuse), or None."""
        manifest = self.manifest(mode)
        if manifest is None:
            return None
        try:
            tables = {t: self.table(mode, t) for t in TABLES}
        except FileNotFoundError:
            return None
        return AccessResults(mode=mode, digests=dict(manifest.digests), **tables)


_TEMP_PID = re.compile(r"^\.[a-z]+-pid(\d+)-")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a zombie counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


#: Tables too large to keep whole per process: every population point × every theme.
UNCACHED_TABLES = frozenset({"points"})


def write_table(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` to Parquet, one row group per run of equal ``theme`` values when it has that column."""
    if "theme" not in df.columns or len(df) == 0:
        df.to_parquet(path, index=False)
        return
    table = pa.Table.from_pandas(df, preserve_index=False)
    themes = df["theme"].to_numpy()
    starts = np.concatenate([[0], np.flatnonzero(themes[1:] != themes[:-1]) + 1, [len(df)]])
    with pq.ParquetWriter(path, table.schema) as writer:
        for start, stop in zip(starts[:-1], starts[1:]):
            writer.write_table(table.slice(int(start), int(stop - start)))


@lru_cache(maxsize=64)
def _read_table(path: str, _mtime_ns: int) -> pd.DataFrame:
    return pd.read_parquet(path)


@lru_cache(maxsize=8)
def _read_theme(path: str, _mtime_ns: int, theme: str) -> pd.DataFrame:
    return pd.read_parquet(path, filters=[("theme", "==", theme)]).reset_index(drop=True)

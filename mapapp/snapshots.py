"""Dated snapshots of the observatoire: catalog state, settings digest and results kept for a date (issue 16 §1).

``mapapp compute`` keeps one result set (:class:`mapapp.results.ResultStore`
deletes older versions). A **snapshot** keeps the situation of one date under
``$MAPAPP_DATA_DIR/results/snapshots/<AAAA-MM-JJ>/``:

- ``snapshot.json``: the date, when it was taken, how (``marque``: a planner
  asked for it, ``mensuel``: the first compute of a month, ``retroactif``:
  rebuilt from the change history), by whom, the settings and inputs digests
  of the results and the number of records per catalog section;
- ``catalog.json``: the catalog as it was (:func:`mapapp.catalog.history_at.catalog_state`);
- ``results/``: a results store laid out like the live one, so that every
  page, API answer and report reads a snapshot as it reads the live results
  (``?date=AAAA-MM-JJ``). Files are hard links of the live run's files (a
  snapshot costs no space until the next compute replaces them). The
  headline keeps every table; the variants (publics, schedule rule) keep the
  commune, territory and site tables and an empty per-point table: the
  per-point arrays are most of the size (about 90 % on the demo).

The first snapshot can be made afterwards: :func:`rebuild_snapshot` rebuilds
the catalog at a past date from the change history
(:func:`mapapp.catalog.history_at.catalog_at`) in a throwaway SQLite database
beside the live one (territory, needs and settings copied, catalog loaded
through :func:`mapapp.catalog.load.load_catalog`), runs ``mapapp compute`` on
it with the sites' temporary closures judged on that date, keeps the result as
the snapshot and removes the throwaway database. The live catalog and results
are never touched. The territory (communes, population) and the accessibility
settings are today's: the history records the catalog only.

How often snapshots are kept without asking: ``MAPAPP_INSTANTANES`` =
``mensuel`` (default: the first compute of each month keeps one) or
``manuel`` (only when asked: ``mapapp compute --instantane``,
``mapapp observatoire instantane creer`` or the button of the observatoire page).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from mapapp.config import Settings
from mapapp.results import VARIANTS_DIR, ResultStore

SNAPSHOTS_DIR = "snapshots"
KINDS = {"marque": "demandé", "mensuel": "mensuel", "retroactif": "reconstitué depuis l'historique"}
POLICIES = ("mensuel", "manuel")
#: Territory tables a rebuilt catalog is computed with (copied from the live database).
TERRITORY_TABLES = ("territory", "commune", "grid_unit", "grid_member", "population_point", "need_series",
                    "need_count", "reference_value", "access_settings_version")


class SnapshotError(ValueError):
    """A snapshot that cannot be read or made; the message is in French."""


@dataclass(frozen=True)
class Snapshot:
    """One stored snapshot (``path`` is its folder)."""

    day: dt.date
    taken_at: str
    kind: str
    by: str
    settings_digest: str
    inputs_digest: str
    counts: dict
    path: Path

    @property
    def store(self) -> ResultStore:
        """Its results, read like the live ones (variants included)."""
        return ResultStore(self.path / "results")

    @property
    def key(self) -> str:
        return self.day.isoformat()

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def catalog(self) -> dict[str, list[dict]]:
        return json.loads((self.path / "catalog.json").read_text(encoding="utf-8"))


def snapshots_root(settings: Settings) -> Path:
    return settings.data_dir / "results" / SNAPSHOTS_DIR


def parse_day(text: str | None, what: str = "date") -> dt.date:
    """An ``AAAA-MM-JJ`` date, or a French error naming the value."""
    try:
        return dt.date.fromisoformat(str(text or "").strip())
    except ValueError:
        raise SnapshotError(f"{what} « {text} » : une date AAAA-MM-JJ est attendue (2026-01-01)") from None


def policy(environ=None) -> str:
    """``MAPAPP_INSTANTANES``: ``mensuel`` (default) or ``manuel``; anything else is a French error."""
    value = ((os.environ if environ is None else environ).get("MAPAPP_INSTANTANES") or "mensuel").strip().lower()
    if value not in POLICIES:
        raise SnapshotError(f"MAPAPP_INSTANTANES « {value} » : « mensuel » ou « manuel » est attendu")
    return value


def list_snapshots(root: Path) -> list[Snapshot]:
    """Every stored snapshot, oldest first."""
    if not root.is_dir():
        return []
    out = []
    for folder in sorted(root.iterdir()):
        meta = folder / "snapshot.json"
        if folder.name.startswith(".") or not meta.exists():
            continue
        data = json.loads(meta.read_text(encoding="utf-8"))
        out.append(Snapshot(dt.date.fromisoformat(data["date"]), data["taken_at"], data["kind"], data.get("by", ""),
                            data.get("settings_digest", ""), data.get("inputs_digest", ""), data.get("counts", {}),
                            folder))
    return out


def get_snapshot(root: Path, day: dt.date | str) -> Snapshot:
    """The snapshot of ``day`` or a French error listing the dates there are."""
    day = parse_day(day) if isinstance(day, str) else day
    snaps = list_snapshots(root)
    for snap in snaps:
        if snap.day == day:
            return snap
    from mapapp.formats import date as date_fr

    there = ", ".join(s.key for s in snaps) or "aucun ; « mapapp observatoire instantane creer » en crée un"
    raise SnapshotError(f"Aucun instantané au {date_fr(day)} (instantanés : {there})")


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def copy_results(src: ResultStore, dst_root: Path, *, with_points: bool = True) -> list[str]:
    """Copy the current run of every mode of ``src`` to a new store at ``dst_root``; the modes copied.

    Without ``with_points`` the per-point table is stored empty (same columns).
    """
    modes = src.modes()
    dst_root.mkdir(parents=True, exist_ok=True)
    for mode in modes:
        version = src.version(mode)
        folder = src.root / version
        target = dst_root / version
        target.mkdir()
        for path in folder.iterdir():
            if path.name == "points.parquet" and not with_points:
                pd.read_parquet(path).iloc[0:0].to_parquet(target / path.name, index=False)
            else:
                _link_or_copy(path, target / path.name)
        (dst_root / f"{mode}.current").write_text(version, encoding="utf-8")
    return modes


def write_snapshot(root: Path, day: dt.date, store: ResultStore, catalog: dict, *, kind: str, by: str,
                   taken_at: str | None = None) -> Snapshot:
    """Store ``store``'s current results and ``catalog`` as the snapshot of ``day`` (replacing one of that day)."""
    modes = store.modes()
    if not modes:
        raise SnapshotError("Aucun résultat à garder : lancez d'abord « mapapp compute ».")
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{day.isoformat()}-", dir=root))
    try:
        copy_results(store, tmp / "results")
        for key in store.variant_keys():
            copy_results(store.variant(key), tmp / "results" / VARIANTS_DIR / key, with_points=False)
        manifest = store.manifest(modes[0])
        from mapapp.catalog.history_at import catalog_counts

        meta = {"date": day.isoformat(), "taken_at": taken_at or _now_iso(), "kind": kind, "by": by,
                "settings_digest": manifest.settings_digest, "inputs_digest": manifest.inputs_digest,
                "computed_at": manifest.computed_at, "modes": modes, "counts": catalog_counts(catalog)}
        (tmp / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False, sort_keys=True),
                                          encoding="utf-8")
        (tmp / "snapshot.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        final = root / day.isoformat()
        old = None
        if final.exists():
            old = root / f".old-{day.isoformat()}-{os.getpid()}"
            os.replace(final, old)
        os.replace(tmp, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return get_snapshot(root, day)


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _live_catalog(settings: Settings) -> dict:
    from mapapp.catalog.db import make_engine, make_sessionmaker
    from mapapp.catalog.history_at import catalog_state

    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            return catalog_state(session)
    finally:
        engine.dispose()


def take_snapshot(settings: Settings, day: dt.date | None = None, *, kind: str = "marque",
                  by: str = "ligne de commande") -> Snapshot:
    """Keep the live results and catalog as the snapshot of ``day`` (default: today)."""
    return write_snapshot(snapshots_root(settings), day or dt.date.today(),
                          ResultStore(settings.data_dir / "results"), _live_catalog(settings), kind=kind, by=by)


def monthly_snapshot(settings: Settings, today: dt.date | None = None, environ=None) -> Snapshot | None:
    """After a compute: keep a snapshot when the policy is ``mensuel`` and this month has none yet."""
    today = today or dt.date.today()
    if policy(environ) != "mensuel":
        return None
    if any((s.day.year, s.day.month) == (today.year, today.month) for s in list_snapshots(snapshots_root(settings))):
        return None
    return take_snapshot(settings, today, kind="mensuel", by="calcul mensuel")


def _copy_tables(src_url: str, dst_url: str) -> None:
    from sqlalchemy import select

    from mapapp.catalog.db import make_engine
    from mapapp.catalog.models import Base

    tables = {t.name: t for t in Base.metadata.sorted_tables}
    src, dst = make_engine(src_url), make_engine(dst_url)
    try:
        with src.connect() as read, dst.begin() as write:
            for name in TERRITORY_TABLES:
                rows = [dict(r) for r in read.execute(select(tables[name])).mappings()]
                for start in range(0, len(rows), 5000):
                    write.execute(tables[name].insert(), rows[start:start + 5000])
    finally:
        src.dispose()
        dst.dispose()


def rebuild_snapshot(settings: Settings, day: dt.date, *, modes: Sequence[str] | None = None, workers: int = 1,
                     by: str = "ligne de commande", progress: Callable[[str], None] | None = None) -> Snapshot:
    """The snapshot of a past ``day``: the catalog rebuilt from the history at the end of that day, computed on.

    Raises:
        SnapshotError: the date is in the future, or the rebuilt catalog does not load or compute.
    """
    from mapapp.catalog.db import make_engine, make_sessionmaker, transaction, upgrade
    from mapapp.catalog.history_at import catalog_at, day_end
    from mapapp.catalog.load import CatalogLoadError, load_catalog
    from mapapp.catalog.models import Commune
    from mapapp.compute import ComputeError, run_compute
    from mapapp.network import MODES

    say = progress or (lambda _m: None)
    if day > dt.date.today():
        raise SnapshotError(f"date {day.isoformat()} : un instantané ne peut pas être pris dans le futur")
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            say(f"Reconstitution du catalogue au {day.isoformat()} depuis l'historique des modifications")
            catalog = catalog_at(session, day_end(day))
    finally:
        engine.dispose()
    live_modes = ResultStore(settings.data_dir / "results").modes()
    modes = list(modes or live_modes or MODES)
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".rebuild-", dir=settings.data_dir))
    try:
        (tmp / "cache").symlink_to(settings.cache_dir.resolve(), target_is_directory=True)
        scratch = replace(settings, data_dir=tmp, database_url=f"sqlite:///{tmp / 'catalogue.sqlite'}")
        upgrade(scratch.database_url)
        _copy_tables(settings.database_url, scratch.database_url)
        engine = make_engine(scratch.database_url)
        try:
            with transaction(make_sessionmaker(engine)) as session:
                from sqlalchemy import select

                known = set(session.scalars(select(Commune.code)))
                load_catalog(session, catalog, known_communes=known)
        except CatalogLoadError as exc:
            raise SnapshotError(f"le catalogue reconstitué au {day.isoformat()} ne se charge pas : {exc}") from None
        finally:
            engine.dispose()
        say("Calcul des temps d'accès sur le catalogue reconstitué")
        try:
            run_compute(scratch, modes=modes, workers=workers, today=day, progress=progress)
        except ComputeError as exc:
            raise SnapshotError(str(exc)) from None
        return write_snapshot(snapshots_root(settings), day, ResultStore(tmp / "results"), catalog,
                              kind="retroactif", by=by)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def remove_snapshot(settings: Settings, day: dt.date) -> None:
    snap = get_snapshot(snapshots_root(settings), day)
    shutil.rmtree(snap.path)


def after_compute(settings: Settings, *, marked: bool = False, by: str = "ligne de commande") -> Snapshot | None:
    """What a compute keeps: a marked snapshot of today, else the month's first (:func:`monthly_snapshot`)."""
    if marked:
        return take_snapshot(settings, kind="marque", by=by)
    return monthly_snapshot(settings)

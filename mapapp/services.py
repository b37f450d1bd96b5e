"""Use cases that span packages (files -> database), shared by the CLI and the web app."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from mapapp.catalog.db import make_engine, make_sessionmaker, transaction, upgrade
from mapapp.catalog.load import load_catalog
from mapapp.catalog.models import Commune
from mapapp.catalog.territory_store import store_territory
from mapapp.config import Settings
from mapapp.formats import count
from mapapp.territory.bundle import TerritoryBundle

if TYPE_CHECKING:
    from mapapp.territory.gtfs import GtfsFeed


def load_territory_and_catalog(settings: Settings, directory: Path,
                               progress: Callable[[str], None] | None = None) -> str:
    """Load a territory folder (demo layout) and its ``catalog.json`` in one transaction.

    The folder's GTFS timetables (``*.gtfs.zip``) are checked against the territory and
    stored with it (:mod:`mapapp.territory.gtfs_store`), listed once the transaction commits.

    Returns a human-readable report. Running it twice changes nothing the second time.
    """
    from mapapp.territory.io import read_bundle

    say = progress or (lambda _m: None)
    upgrade(settings.database_url)
    say(f"Lecture du territoire {directory}")
    bundle = read_bundle(directory)
    catalog = json.loads((directory / "catalog.json").read_text(encoding="utf-8"))
    pending = _prepare_folder_feeds(settings, directory, bundle, say)
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            say("Enregistrement des communes, découpages et points de population")
            territory_report = store_territory(session, bundle)
            known = set(session.scalars(select(Commune.code)))
            say("Chargement du catalogue")
            catalog_report = load_catalog(session, catalog, known_communes=known)
            needs_lines = _load_needs_files(session, directory)
            history_lines = _load_history(session, directory)
            addresses = _folder_addresses(session, directory, bundle.departement)
    except BaseException:
        if pending is not None:
            pending.discard()
        raise
    finally:
        engine.dispose()
    lines = [
        f"Territoire « {bundle.name} » : {count(len(bundle.communes), 'commune')}, "
        f"{'modifié' if territory_report.changed else 'inchangé'}",
        catalog_report.summary(),
        *needs_lines,
        *history_lines,
    ]
    if pending is not None:
        lines.append(pending.commit().summary())
    if addresses is not None:
        lines.append(f"Adresses : {count(addresses, 'adresse')}")
    return "\n".join(lines)


def _folder_addresses(session, directory: Path, departement: str) -> int | None:
    """Import the folder's BAN file (``adresses-XX.csv``, the demo writes one), unless the same one is stored.

    Returns the number of addresses stored, or None when the folder has none.
    """
    from mapapp.catalog.addresses_store import store_addresses
    from mapapp.catalog.models_addresses import AddressImport
    from mapapp.territory.addresses import read_ban

    path = directory / f"adresses-{departement}.csv"
    if not path.exists():
        return None
    done = session.get(AddressImport, 1)
    if done is not None and done.source == str(path) and done.imported_at.replace(tzinfo=dt.timezone.utc).timestamp() >= path.stat().st_mtime:
        return done.count  # idempotent: the same file, already imported after it was written
    return store_addresses(session, read_ban(path, departement), str(path))


def _load_needs_files(session, directory: Path) -> list[str]:
    """Store the demo's aggregated need counts (:data:`mapapp.demo.needs.DEMO_NEEDS`) found in ``directory``.

    They go through the same reader and secrecy as ``mapapp territory besoins``.
    """
    from mapapp.catalog.needs_store import store_needs
    from mapapp.catalog.territory_store import read_communes, read_grids
    from mapapp.demo.needs import DEMO_NEEDS
    from mapapp.territory.needs import DEFAULT_SECRECY_THRESHOLD, groups_from_grids, read_needs

    codes = set(read_communes(session, include_buffer=False)["code"])
    grids = read_grids(session)
    groups = groups_from_grids(grids[grids["commune"].isin(codes)])
    lines = []
    for key, label, filename, year, _rates, _rng in DEMO_NEEDS:
        path = Path(directory) / filename
        if not path.exists():
            continue
        frame = read_needs(path, known_zones=codes, groups=groups, threshold=DEFAULT_SECRECY_THRESHOLD)
        store_needs(session, frame, indicator=key, label=label, year=year, threshold=DEFAULT_SECRECY_THRESHOLD,
                    source="démonstration (effectifs fictifs)")
        hidden = int(frame["secret"].map(lambda s: isinstance(s, str)).sum())
        lines.append(f"Besoins « {label} » {year} : {count(len(frame), 'commune')}, "
                     f"{count(hidden, 'effectif masqué', 'effectifs masqués')} (secret statistique)")
    return lines


#: Who the demo's history says made its changes.
DEMO_HISTORY_LABEL = "démonstration"


def _load_history(session, directory: Path) -> list[str]:
    """Record the folder's ``historique.json`` (:mod:`mapapp.demo.history`) in the change history, once.

    Each change's snapshot is the record after it: the live record for its last change, and
    going back, each earlier one the later change undone. A change already recorded (same
    record and instant) is skipped, so a second load adds nothing.
    """
    from mapapp.catalog.history import live_object, normalized, record_to_data
    from mapapp.catalog.models_users import ChangeLog

    path = Path(directory) / "historique.json"
    if not path.exists():
        return []
    events = json.loads(path.read_text(encoding="utf-8"))
    done = {(e.section, e.record_id, e.at) for e in session.scalars(
        select(ChangeLog).where(ChangeLog.user_label == DEMO_HISTORY_LABEL))}
    by_record: dict[tuple[str, str], list[dict]] = {}
    for event in events:
        by_record.setdefault((event["section"], event["id"]), []).append(event)
    added = 0
    for (section, record_id), changes in by_record.items():
        obj = live_object(session, section, record_id)
        if obj is None:
            continue
        state = normalized(record_to_data(obj, section))
        for event in sorted(changes, key=lambda e: e["date"], reverse=True):
            at = dt.datetime.combine(dt.date.fromisoformat(event["date"]), dt.time(12))
            if (section, record_id, at) not in done:
                session.add(ChangeLog(section=section, record_id=record_id, version=obj.version, at=at,
                                      user_label=DEMO_HISTORY_LABEL, action=event["action"],
                                      changes=event["changes"], snapshot=state))
                added += 1
            state = {**state, **{name: old for name, (old, _new) in event["changes"].items()}}
    session.flush()
    if not added:
        return []
    return [f"Historique : {count(added, 'modification datée', 'modifications datées')} de l'année écoulée"]


def _prepare_folder_feeds(settings: Settings, directory: Path, bundle: TerritoryBundle, say):
    """The folder's GTFS feeds (``*.gtfs.zip``), checked and copied into the store but not listed yet."""
    paths = sorted(directory.glob("*.gtfs.zip"))
    if not paths:
        return None
    from mapapp.territory.gtfs import read_gtfs_files, territory_area
    from mapapp.territory.gtfs_store import prepare_feeds
    from mapapp.territory.validation import ImportReport

    say(f"Lecture des horaires GTFS : {', '.join(p.name for p in paths)}")
    report = ImportReport()
    feeds = read_gtfs_files(paths, report, territory_area(bundle.communes))
    report.raise_if_errors()
    for issue in report.warnings:
        say(f"avertissement : {issue}")
    return prepare_feeds(settings.data_dir, feeds, bundle.departement)


def store_bundle(settings: Settings, bundle: TerritoryBundle, feeds: Sequence[GtfsFeed] = ()) -> str:
    """Store a territory in one transaction (migrating the database first); return a report.

    ``feeds`` (checked GTFS feeds) are copied into the data folder first and listed
    only once the transaction has committed (:mod:`mapapp.territory.gtfs_store`): when
    the database fails, the stored feeds stay as they were.
    """
    from mapapp.territory.gtfs_store import prepare_feeds

    upgrade(settings.database_url)
    pending = prepare_feeds(settings.data_dir, list(feeds), bundle.departement) if feeds else None
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            report = store_territory(session, bundle)
    except BaseException:
        if pending is not None:
            pending.discard()
        raise
    finally:
        engine.dispose()
    stored = "" if pending is None else "\n" + pending.commit().summary()
    inside = int((~bundle.communes["is_buffer"].astype(bool)).sum())
    inhabitants = int(bundle.communes.loc[~bundle.communes["is_buffer"].astype(bool), "population"].sum())
    units = bundle.grids[["grid", "code"]].drop_duplicates().shape[0]
    return (f"Territoire « {bundle.name} » ({bundle.departement}) : {count(inside, 'commune')}, "
            f"{count(inhabitants, 'habitant')}, "
            f"{count(len(bundle.population_points), 'point de population', 'points de population')}, "
            f"{count(units, 'unité de découpage', 'unités de découpage')} — "
            f"{'enregistré' if report.changed else 'inchangé'}" + stored)



def import_addresses(settings: Settings, path: Path, report, departement: str | None = None,
                     dry_run: bool = False) -> str | None:
    """Read the BAN file at ``path`` and, when it has no error (and not ``dry_run``), replace the stored addresses.

    ``departement``: which rows to keep (default: the loaded territory's). Problems go to ``report``;
    returns the French summary line, or None when there were errors (nothing written).

    Raises:
        TerritoryImportError: the file cannot be read at all, or no territory is loaded and no
            ``departement`` was given.
    """
    from mapapp.catalog.addresses_store import store_addresses
    from mapapp.catalog.models import Territory
    from mapapp.territory.addresses import read_ban
    from mapapp.territory.validation import fatal

    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        factory = make_sessionmaker(engine)
        if departement is None:
            with factory() as session:
                departement = session.scalar(select(Territory.departement))
            if departement is None:
                raise fatal(report, path.name, None, "aucun territoire chargé : importez d'abord le territoire "
                                                     "(ou précisez --departement)")
        found = read_ban(path, departement.upper(), report)
        if not report.ok:
            return None
        skipped = f", {count(found.skipped_total, 'ligne')} d'autres départements ignorée(s)" \
            if found.skipped_total else ""
        if dry_run:
            return (f"Contrôle terminé (--dry-run) : {count(len(found.addresses), 'adresse')} du département "
                    f"{departement}{skipped} ; rien n'a été enregistré.")
        with transaction(factory) as session:
            stored = store_addresses(session, found, str(path))
    finally:
        engine.dispose()
    return f"Adresses du département {departement} : {count(stored, 'adresse')} enregistrée(s){skipped}."

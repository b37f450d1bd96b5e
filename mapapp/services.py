"""Use cases that span packages (files -> database), shared by the CLI and the web app."""

from __future__ import annotations

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
    ]
    if pending is not None:
        lines.append(pending.commit().summary())
    return "\n".join(lines)


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

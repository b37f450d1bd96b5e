"""Use cases that span packages (files -> database), shared by the CLI and the web app."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from mapapp.catalog.db import make_engine, make_sessionmaker, transaction, upgrade
from mapapp.catalog.load import load_catalog
from mapapp.catalog.models import Commune
from mapapp.catalog.territory_store import store_territory
from mapapp.config import Settings
from mapapp.formats import count
from mapapp.territory.bundle import TerritoryBundle


def load_territory_and_catalog(settings: Settings, directory: Path,
                               progress: Callable[[str], None] | None = None) -> str:
    """Load a territory folder (demo layout) and its ``catalog.json`` in one transaction.

    Returns a human-readable report. Running it twice changes nothing the second time.
    """
    from mapapp.territory.io import read_bundle

    say = progress or (lambda _m: None)
    upgrade(settings.database_url)
    say(f"Lecture du territoire {directory}")
    bundle = read_bundle(directory)
    catalog = json.loads((directory / "catalog.json").read_text(encoding="utf-8"))
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            say("Enregistrement des communes, découpages et points de population")
            territory_report = store_territory(session, bundle)
            known = set(session.scalars(select(Commune.code)))
            say("Chargement du catalogue")
            catalog_report = load_catalog(session, catalog, known_communes=known)
            addresses = _folder_addresses(session, directory, bundle.departement)
    finally:
        engine.dispose()
    lines = [
        f"Territoire « {bundle.name} » : {count(len(bundle.communes), 'commune')}, "
        f"{'modifié' if territory_report.changed else 'inchangé'}",
        catalog_report.summary(),
    ]
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


def store_bundle(settings: Settings, bundle: TerritoryBundle) -> str:
    """Store a territory in one transaction (migrating the database first); return a report line."""
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            report = store_territory(session, bundle)
    finally:
        engine.dispose()
    inside = int((~bundle.communes["is_buffer"].astype(bool)).sum())
    inhabitants = int(bundle.communes.loc[~bundle.communes["is_buffer"].astype(bool), "population"].sum())
    units = bundle.grids[["grid", "code"]].drop_duplicates().shape[0]
    return (f"Territoire « {bundle.name} » ({bundle.departement}) : {count(inside, 'commune')}, "
            f"{count(inhabitants, 'habitant')}, "
            f"{count(len(bundle.population_points), 'point de population', 'points de population')}, "
            f"{count(units, 'unité de découpage', 'unités de découpage')} — "
            f"{'enregistré' if report.changed else 'inchangé'}")


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

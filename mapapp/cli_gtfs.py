"""Public-transport timetables on the command line: ``mapapp territory import --gtfs`` and ``mapapp territory gtfs``.

The checking is :mod:`mapapp.territory.gtfs`'s, the storage
:mod:`mapapp.territory.gtfs_store`'s; this module joins them to the territory
(the area stops are checked against: the imported bundle's communes, or the
stored territory's when only feeds are imported) and to the database
transaction of a territory import (the feeds are listed only once it commits).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mapapp.config import Settings, load_settings
from mapapp.formats import count
from mapapp.territory.validation import ImportReport

if TYPE_CHECKING:  # gtfs-kit takes half a second to import: only the commands that read feeds pay for it
    from mapapp.territory.gtfs import GtfsFeed

GTFS_OPTION_HELP = ("Horaires de transport en commun au format GTFS (.zip : cars régionaux, réseau urbain, TER…) ; "
                    "répétable. Seul, sans --communes ni --osm : importe seulement les horaires et garde le "
                    "territoire déjà enregistré. Un fichier déjà importé sous le même nom est remplacé.")


def describe_feeds(feeds: list[GtfsFeed]) -> str:
    return "; ".join(f"{f.name} du {f.first_date:%d/%m/%Y} au {f.last_date:%d/%m/%Y}" for f in feeds)


def _stored_territory(settings: Settings):
    """(département, communes) of the stored territory, or None when there is none."""
    from sqlalchemy import select

    from mapapp.catalog.db import make_engine, make_sessionmaker, upgrade
    from mapapp.catalog.models import Territory
    from mapapp.catalog.territory_store import read_communes

    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            territory = session.scalar(select(Territory))
            if territory is None:
                return None
            return territory.departement, read_communes(session)
    finally:
        engine.dispose()


def import_feeds_only(paths: list[Path], dry_run: bool, errors_path: Path | None,
                      report_issues: Callable[[ImportReport], None], write_errors) -> str:
    """``mapapp territory import --gtfs …`` alone: check the feeds against the stored territory and store them."""
    from mapapp.territory.gtfs import read_gtfs_files, territory_area
    from mapapp.territory.gtfs_store import prepare_feeds

    settings = load_settings()
    stored = _stored_territory(settings)
    if stored is None:
        raise click.ClickException("Aucun territoire enregistré : importez d'abord le territoire (--name, "
                                   "--departement, --communes, --osm), avec ou sans --gtfs.")
    departement, communes = stored
    report = ImportReport()
    click.echo("Lecture et contrôle des horaires GTFS", err=True)
    feeds = read_gtfs_files(list(paths), report, territory_area(communes))
    report_issues(report)
    if errors_path is not None:
        write_errors(errors_path, report)
    if not report.ok:
        raise click.ClickException(f"{count(len(report.errors), 'erreur')} : rien n'a été enregistré.")
    if dry_run:
        return f"Contrôle terminé (--dry-run) : {describe_feeds(feeds)} ; rien n'a été enregistré."
    return prepare_feeds(settings.data_dir, feeds, departement).commit().summary()


_COUNT_WORDS = {"routes": ("ligne", "lignes"), "trips": ("course", "courses"), "stops": ("arrêt", "arrêts")}


@click.command("gtfs", help="Lister les horaires GTFS importés, avec leurs dates de validité ; --supprimer pour en "
                            "retirer.")
@click.option("--supprimer", "remove", multiple=True, metavar="NOM", help="Retirer ce réseau (son nom dans la liste) ; "
                                                                        "répétable.")
def gtfs(remove: tuple[str, ...]) -> None:
    """List the stored GTFS feeds with their validity dates; ``--supprimer NAME`` removes one."""
    from mapapp.territory.gtfs_store import remove_feeds, stored_feeds

    settings = load_settings()
    if remove:
        try:
            click.echo(remove_feeds(settings.data_dir, list(remove)).summary())
        except KeyError as exc:
            raise click.ClickException(f"Réseau inconnu : {exc.args[0]} (voir mapapp territory gtfs)") from None
        return
    feeds = stored_feeds(settings.data_dir)
    if not feeds:
        click.echo("Aucun horaire GTFS importé (mapapp territory import --gtfs FICHIER.zip).")
        return
    today = dt.date.today()
    for f in feeds:
        first, last = dt.date.fromisoformat(f.first_date), dt.date.fromisoformat(f.last_date)
        state = " — PÉRIMÉ" if last < today else (" — pas encore en service" if first > today else "")
        counts = ", ".join(count(f.counts.get(key, 0), *words) for key, words in _COUNT_WORDS.items())
        click.echo(f"{f.name} : du {first:%d/%m/%Y} au {last:%d/%m/%Y}{state} — {counts} — importé le "
                   f"{f.imported_at[:10]} depuis {f.source}")


def register(territory: click.Group) -> None:
    territory.add_command(gtfs)

"""``mapapp parametres``: export, check, import and list the territory's accessibility settings files.

Registered on the root group by :func:`register`. The file format is
:mod:`mapapp.settings_file`; versions are stored by
:mod:`mapapp.catalog.settings_store`.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from mapapp.config import load_settings

DEFAULT_FILE = "parametres-accessibilite.toml"


def _factory(*, migrate: bool):
    from mapapp.catalog.db import make_engine, make_sessionmaker, schema_problem, upgrade

    settings = load_settings()
    if migrate:
        upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    if not migrate and (problem := schema_problem(engine)):
        engine.dispose()
        raise click.ClickException(problem)
    return engine, make_sessionmaker(engine)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"impossible de lire {path} : {exc.strerror}") from None


def _fail_with_problems(path: Path, exc) -> None:
    from mapapp.formats import count

    click.echo(f"{path} : {count(len(exc.problems), 'problème')}, rien n'est enregistré :", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)
    raise SystemExit(1)


def _summary(settings) -> str:
    from mapapp.formats import count

    return (f"{count(len(settings.themes), 'thème')}, {count(len(settings.publics), 'public')}, "
            f"empreinte {settings.digest()}")


@click.group("parametres", help="Paramètres d'accessibilité du territoire : thèmes et seuils, publics, horaires.\n\n"
                                 "Ils se règlent dans un fichier texte (TOML) : « exporter » l'écrit, on le modifie, "
                                 "« verifier » le contrôle, « importer » l'enregistre comme nouvelle version. Un "
                                 "nouveau calcul (« mapapp compute ») est ensuite nécessaire pour que les résultats "
                                 "suivent.")
def parametres() -> None:
    """Accessibility settings of the territory (themes, publics, schedule rule)."""


@parametres.command("exporter", help="Écrire les paramètres actuels dans un fichier modifiable (commenté), par défaut "
                                     f"« {DEFAULT_FILE} » ; « - » pour la sortie standard.")
@click.argument("fichier", required=False, default=DEFAULT_FILE, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--remplacer", is_flag=True, help="Remplacer le fichier s'il existe déjà.")
def exporter(fichier: Path, remplacer: bool) -> None:
    """Write the current settings file."""
    from mapapp.catalog.settings_store import current_text, current_version

    engine, factory = _factory(migrate=False)
    try:
        with factory() as session:
            text, version = current_text(session), current_version(session)
    finally:
        engine.dispose()
    if str(fichier) == "-":
        click.echo(text, nl=False)
        return
    if fichier.exists() and not remplacer:
        raise click.ClickException(f"{fichier} existe déjà : --remplacer pour l'écraser")
    fichier.write_text(text, encoding="utf-8")
    origin = f"version {version.id} du {version.created_at:%d/%m/%Y}" if version else "paramètres par défaut"
    click.echo(f"Paramètres écrits dans {fichier} ({origin}).")


@parametres.command("verifier", help="Contrôler un fichier de paramètres sans rien enregistrer : chaque problème est "
                                     "signalé avec sa ligne.")
@click.argument("fichier", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verifier(fichier: Path) -> None:
    """Check a settings file, store nothing."""
    from mapapp.settings_file import SettingsFileError, parse_settings

    try:
        settings = parse_settings(_read(fichier))
    except SettingsFileError as exc:
        _fail_with_problems(fichier, exc)
    click.echo(f"{fichier} est valide : {_summary(settings)}.")


@parametres.command("importer", help="Contrôler un fichier de paramètres et l'enregistrer comme version courante. "
                                     "Au moindre problème (signalé avec sa ligne), rien n'est enregistré.")
@click.argument("fichier", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--commentaire", default="", help="Pourquoi cette version (affiché dans l'historique).")
def importer(fichier: Path, commentaire: str) -> None:
    """Validate and store a settings file as the new current version."""
    from mapapp.catalog.db import transaction
    from mapapp.catalog.settings_store import import_settings
    from mapapp.settings_file import SettingsFileError, parse_settings

    data = _read(fichier)
    try:
        settings = parse_settings(data)
    except SettingsFileError as exc:
        _fail_with_problems(fichier, exc)
    engine, factory = _factory(migrate=True)
    try:
        with transaction(factory) as session:
            version = import_settings(session, data, author=f"ligne de commande ({getpass.getuser()})",
                                      comment=commentaire)
            number = version.id if version else None
    finally:
        engine.dispose()
    if number is None:
        click.echo("Ce fichier est déjà la version courante : rien de nouveau n'est enregistré.")
        return
    click.echo(f"Version {number} enregistrée : {_summary(settings)}.")
    click.echo("Lancez « mapapp compute » pour que les résultats suivent ces paramètres.")


@parametres.command("historique", help="Lister les versions importées, la courante en premier.")
def historique() -> None:
    """List the stored versions, the current one first."""
    from mapapp.catalog.settings_store import settings_history

    engine, factory = _factory(migrate=False)
    try:
        with factory() as session:
            history = settings_history(session)
    finally:
        engine.dispose()
    if not history:
        click.echo("Aucune version importée : les paramètres par défaut s'appliquent.")
        return
    for rank, v in enumerate(history):
        current = " (courante)" if rank == 0 else ""
        comment = f" — {v.comment}" if v.comment else ""
        click.echo(f"Version {v.id}{current} : {v.created_at:%d/%m/%Y %H:%M} UTC, {v.author or 'auteur inconnu'}, "
                   f"empreinte {v.digest}{comment}")


def register(main: click.Group) -> None:
    main.add_command(parametres)

"""Command-line groups of the contribution workflow: ``mapapp user``, ``mapapp import``, ``mapapp freshness``.

Registered on :func:`mapapp.cli.main` by :func:`register`. Messages (invitations,
password resets, reminders) go to ``$MAPAPP_DATA_DIR/outbox/*.eml``, or by
SMTP when ``MAPAPP_SMTP_URL`` is set (see :mod:`mapapp.io.outbox`); links use
``MAPAPP_BASE_URL``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mapapp.config import load_settings
from mapapp.formats import count


def _factory(settings):
    from mapapp.catalog.db import make_engine, make_sessionmaker, upgrade

    upgrade(settings.database_url)
    return make_sessionmaker(make_engine(settings.database_url))


def _public_link(settings, path: str) -> str:
    """The link written in a message (``MAPAPP_BASE_URL``; a warning when unset: then it is the development one)."""
    from mapapp.io.outbox import public_link

    if settings.base_url is None:
        click.echo(f"Attention : MAPAPP_BASE_URL n'est pas défini, les liens des messages pointent vers "
                   f"{settings.public_url} (développement).", err=True)
    return public_link(settings, path)


def _send_link(settings, session, user, purpose: str) -> str:
    from mapapp.catalog.users import RESET_PATH, issue_token
    from mapapp.io.outbox import send_mail
    from mapapp.web.auth import link_message

    token = issue_token(session, user, purpose)
    link = _public_link(settings, f"{RESET_PATH}{token}")
    path = send_mail(settings, user.email, *link_message(purpose, link))
    return f"message écrit dans {path}" if path else "message envoyé par SMTP"


# --------------------------------------------------------------------------- user


@click.group(help="Comptes : administrateurs, modérateurs (territoires), partenaires (structures), professionnels "
                  "(référents, travailleurs sociaux : voient les contacts directs et les notes d'orientation).")
def user() -> None:
    """Accounts: administrators, moderators (territories), partners (structures), professionals."""


@user.command("create", help="Créer un compte ; sans --password-stdin, écrire un lien d'invitation (valable 7 jours).")
@click.argument("email", metavar="COURRIEL")
@click.option("--role", type=click.Choice(["admin", "moderator", "partner", "professional"]), required=True,
              help="Rôle : admin (administrateur), moderator (modérateur), partner (partenaire), professional "
                   "(professionnel : référent, travailleur social ; lit les contacts directs et les notes "
                   "d'orientation, ne modifie rien).")
@click.option("--name", default="", help="Nom affiché.")
@click.option("--structure", "structures", multiple=True, metavar="ID",
              help="Identifiant de structure (partenaires ; répétable).")
@click.option("--territory", "territories", multiple=True, metavar="MAILLE:CODE",
              help="Territoire maille:code, par exemple territoire_action_sociale:TAS1 (modérateurs ; répétable).")
@click.option("--all-territories", is_flag=True, help="Modérateur de tout le département.")
@click.option("--password-stdin", is_flag=True,
              help="Lire le mot de passe sur l'entrée standard ; sinon, un lien d'invitation est écrit.")
def user_create(email, role, name, structures, territories, all_territories, password_stdin) -> None:
    """Create an account; without --password-stdin, write an invitation link (valid 7 days)."""
    from mapapp.catalog.db import transaction
    from mapapp.catalog.users import AccountError, create_user, parse_territory

    settings = load_settings()
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    try:
        with transaction(_factory(settings)) as session:
            account = create_user(session, email, role, name=name, password=password, structures=structures,
                                  territories=[parse_territory(t) for t in territories],
                                  moderates_all=all_territories)
            note = "mot de passe défini" if password else _send_link(settings, session, account, "invite")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Compte {account.email} ({role}) créé : {note}.")


@user.command("invite", help="Inviter un partenaire : créer le compte (ou lui rattacher les structures) et écrire le "
                              "lien d'invitation.")
@click.argument("email", metavar="COURRIEL")
@click.option("--structure", "structures", multiple=True, required=True, metavar="ID",
              help="Identifiant de structure (répétable).")
@click.option("--name", default="", help="Nom affiché (nouveau compte).")
def user_invite(email, structures, name) -> None:
    """Invite a partner: create the account (or attach the structures to it) and write the invitation link."""
    from mapapp.catalog.db import transaction
    from mapapp.catalog.models import Structure
    from mapapp.catalog.users import AccountError, create_user, get_user_by_email

    settings = load_settings()
    try:
        with transaction(_factory(settings)) as session:
            account = get_user_by_email(session, email)
            if account is None:
                account = create_user(session, email, "partner", name=name, structures=structures)
            else:
                if not account.is_partner:
                    raise AccountError(f"{account.email} n'est pas un compte partenaire.")
                for sid in structures:
                    structure = session.get(Structure, sid)
                    if structure is None:
                        raise AccountError(f"Structure inconnue « {sid} ».")
                    if structure not in account.structures:
                        account.structures.append(structure)
            note = _send_link(settings, session, account, "invite")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Invitation de {account.email} ({', '.join(structures)}) : {note}.")


@user.command("reset", help="Écrire un lien de réinitialisation du mot de passe (valable 2 heures, usage unique).")
@click.argument("email", metavar="COURRIEL")
def user_reset(email) -> None:
    """Write a password-reset link (valid 2 hours, single use)."""
    from mapapp.catalog.db import transaction
    from mapapp.catalog.users import get_user_by_email

    settings = load_settings()
    with transaction(_factory(settings)) as session:
        account = get_user_by_email(session, email)
        if account is None:
            raise click.ClickException(f"Aucun compte pour {email}.")
        note = _send_link(settings, session, account, "reset")
    click.echo(f"Réinitialisation pour {account.email} : {note}.")


@user.command("list", help="Lister les comptes avec leur rôle et leur périmètre.")
def user_list() -> None:
    """List the accounts with their role and scope."""
    from sqlalchemy import select

    from mapapp.catalog.models_users import User

    settings = load_settings()
    with _factory(settings)() as session:
        for account in session.scalars(select(User).order_by(User.role, User.email)):
            scope = ", ".join(s.id for s in account.structures) if account.is_partner else (
                "tout le département" if account.moderates_all or account.is_admin
                else ", ".join(f"{t.grid}:{t.code}" for t in account.territories))
            state = "" if account.is_active else " (désactivé)"
            click.echo(f"{account.email}\t{account.role}\t{scope}{state}")


# --------------------------------------------------------------------------- import


@click.command("import", help="Importer un fichier de catalogue (une transaction : tout ou rien ; réimporter ne change "
                              "rien).\n\nFormats et colonnes : docs/import.md. Code de sortie 1 si le fichier a des "
                              "erreurs.")
@click.argument("path", metavar="FICHIER", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "geojson", "datainclusion", "france-services", "json"]),
              default=None, help="Format du fichier (par défaut : reconnu d'après le nom et le contenu).")
@click.option("--dry-run", is_flag=True, help="Contrôler et signaler, ne rien écrire.")
@click.option("--as", "as_user", default=None, metavar="COURRIEL",
              help="Importer au nom de ce compte (l'import d'un partenaire passe en modération) ; par défaut : "
                   "administrateur.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Écrire chaque erreur et avertissement dans ce fichier CSV (ligne, colonne, valeur, message ; "
                   "« ; », UTF-8 avec BOM, pour Excel) : l'écran montre les 30 premiers de chaque sorte.")
@click.option("--date", "data_date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="AAAA-MM-JJ",
              help="Date des données, pour un fichier qui n'en porte pas (la liste France Services de l'ANCT : sa "
                   "date de publication sur data.gouv.fr). Obligatoire pour ce format.")
def import_command(path: Path, fmt: str | None, dry_run: bool, as_user: str | None, errors_path: Path | None,
                   data_date) -> None:
    """Import a catalog file (one transaction: all or nothing; re-importing changes nothing).

    Formats and columns: docs/import.md. Exit status 1 when the file has errors.
    """
    from mapapp.catalog.users import get_user_by_email
    from mapapp.io.catalog_import import run_import
    from mapapp.territory.validation import ImportReport, TerritoryImportError

    settings = load_settings()
    factory = _factory(settings)
    with factory() as session:
        account = None
        if as_user:
            account = get_user_by_email(session, as_user)
            if account is None or not account.is_active:
                raise click.ClickException(f"Aucun compte actif pour {as_user}.")
        try:
            result = run_import(session, path, fmt, user=account, dry_run=dry_run,
                                data_date=data_date.date() if data_date else None)
        except TerritoryImportError as exc:
            session.rollback()
            report = ImportReport(errors=exc.issues, warnings=exc.warnings)
            click.echo(f"Import impossible : {count(len(exc.issues), 'erreur')}, rien n'a été écrit.\n"
                       + report.summary(more=write_errors(errors_path, report)), err=True)
            sys.exit(1)
        if result.ok and not dry_run:
            session.commit()
            if result.batch:  # submitted to moderation: the territory's moderators get one mail each
                from sqlalchemy import select

                from mapapp.catalog.models_users import Revision
                from mapapp.catalog.notifications import notify_submitted

                ids = session.scalars(select(Revision.id).where(Revision.batch == result.batch,
                                                                Revision.status == "submitted")).all()
                notify_submitted(session, settings, ids)
    click.echo(result.summary(more=write_errors(errors_path, result.report)))
    if not result.ok:
        sys.exit(1)


def write_errors(path: Path | None, report) -> str:
    """Write ``report`` to ``path`` (``--errors``) if given; return where the full list is, for the summary."""
    from mapapp.territory.validation import MORE_HINT

    if path is None:
        return MORE_HINT
    from mapapp.io.issues_csv import write_issues_csv

    write_issues_csv(report, path)
    click.echo(f"Liste complète des problèmes : {path}", err=True)
    return f"liste complète dans {path}"


# --------------------------------------------------------------------------- freshness


@click.group(help="Les fiches que personne n'a confirmées depuis longtemps, et les rappels à leurs partenaires.")
def freshness() -> None:
    """Records nobody has confirmed for a while, and reminders to their partners."""


@freshness.command("list", help="Lister les fiches à vérifier (séparées par des tabulations).")
@click.option("--months", type=int, default=None,
              help="Non vérifiées depuis ce nombre de mois (MAPAPP_STALE_MONTHS, 12).")
@click.option("--territory", default=None, metavar="MAILLE:CODE", help="Seulement ce territoire, maille:code.")
def freshness_list(months: int | None, territory: str | None) -> None:
    """List stale records (tab-separated)."""
    from mapapp.catalog.freshness import stale_months, stale_records
    from mapapp.catalog.query import PlaceNotFound, resolve_territory
    from mapapp.catalog.users import parse_territory

    settings = load_settings()
    with _factory(settings)() as session:
        communes = None
        if territory:
            try:
                unit = resolve_territory(session, *parse_territory(territory))
            except PlaceNotFound as exc:
                raise click.ClickException(str(exc)) from None
            communes = {c.code for c in unit.communes}
        for r in stale_records(session, months=months or stale_months(), communes=communes):
            click.echo(f"{r.section}\t{r.record_id}\t{r.structure_id}\t{r.date_verification or 'jamais'}\t{r.nom}")


@freshness.command("remind", help="Écrire les rappels des fiches à vérifier : aux comptes partenaires, sinon au courriel "
                                   "de la structure ; une structure relancée depuis moins de --interval jours ne l'est "
                                   "pas de nouveau (boîte d'envoi, ou SMTP).")
@click.option("--months", type=int, default=None,
              help="Non vérifiées depuis ce nombre de mois (MAPAPP_STALE_MONTHS, 12).")
@click.option("--interval", "interval_days", type=click.IntRange(min=1), default=None, metavar="JOURS",
              help="Jours avant de relancer la même structure (MAPAPP_REMINDER_DAYS, 30).")
def freshness_remind(months: int | None, interval_days: int | None) -> None:
    """Mail the reminders not sent within the interval (partner accounts, else the structure's e-mail)."""
    from mapapp.catalog.freshness import stale_months
    from mapapp.catalog.reminders import plan_reminders, reminder_days, send_reminders
    from mapapp.identity import current_identity

    settings = load_settings()
    months = months or stale_months()
    interval_days = interval_days or reminder_days()
    _public_link(settings, "/")  # warns when MAPAPP_BASE_URL is unset
    with _factory(settings)() as session:
        plan = plan_reminders(session, months=months, interval_days=interval_days)
        written = send_reminders(session, settings, plan, current_identity(session, settings.org_name), months=months)
    by_account = sum(1 for r in plan.reminders if r.has_account)
    click.echo(f"{count(written, 'rappel écrit', 'rappels écrits')} ({count(by_account, 'compte partenaire', 'comptes partenaires')}, "
               f"{count(written - by_account, 'courriel de structure', 'courriels de structures')} ; "
               f"{count(plan.stale, 'fiche à vérifier', 'fiches à vérifier')}).")
    if plan.recent:
        click.echo(f"{count(len(plan.recent), 'structure déjà relancée', 'structures déjà relancées')} depuis moins de "
                   f"{count(interval_days, 'jour')} : pas de nouveau rappel.")
    if plan.unreachable:
        click.echo(f"{count(len(plan.unreachable), 'structure')} sans compte partenaire ni courriel : "
                   + ", ".join(plan.unreachable[:20]) + (" …" if len(plan.unreachable) > 20 else ""))


@click.command("modele-import", help="Écrire le modèle d'import du catalogue (classeur XLSX) : une feuille « Lisez-moi », "
                                     "une feuille par type de fiche avec les vrais noms de colonnes, et les "
                                     "vocabulaires avec leurs libellés français. Rempli, il s'importe tel quel avec "
                                     "« mapapp import ».")
@click.argument("path", metavar="FICHIER", type=click.Path(dir_okay=False, path_type=Path),
                default=Path("modele-import-catalogue.xlsx"))
def template_command(path: Path) -> None:
    """Write the catalog import template (XLSX)."""
    from mapapp.io.import_template import write_template

    if path.suffix.lower() != ".xlsx":
        raise click.UsageError(f"le modèle est un classeur XLSX : donnez un nom de fichier en .xlsx (pas « {path.name} »)")
    click.echo(f"Modèle d'import écrit : {write_template(path)}")


def register(main: click.Group) -> None:
    main.add_command(user)
    main.add_command(import_command)
    main.add_command(template_command)
    main.add_command(freshness)

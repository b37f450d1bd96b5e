"""``mapapp identity``: show or set the Département's name, logo and colours (issue 18 §2).

The same checks as the administrator's page ``/admin/identite``
(:mod:`mapapp.identity`): contrast under white text, PNG or SVG logo, its
alternative text. ``--logo`` takes a file path: the file is checked and stored
in the database (every web worker serves the same one).
"""

from __future__ import annotations

import click

from mapapp.config import load_settings


@click.group(help="L'identité du site : nom, logo et couleurs du Département.")
def identity() -> None:
    """The site's identity."""


def _factory(settings):
    from mapapp.catalog.db import make_engine, make_sessionmaker, upgrade

    upgrade(settings.database_url)
    return make_sessionmaker(make_engine(settings.database_url))


@identity.command("show", help="Afficher l'identité en vigueur.")
def show() -> None:
    from mapapp.formats import number
    from mapapp.identity import contrast_with_white, current_identity

    settings = load_settings()
    with _factory(settings)() as session:
        current = current_identity(session, settings.org_name)
    click.echo(f"Nom : {current.name}{'' if current.stored else ' (par défaut, MAPAPP_ORG_NAME)'}")
    for label, colour in (("Couleur principale", current.primary), ("Couleur secondaire", current.secondary)):
        click.echo(f"{label} : {colour} (texte blanc : {number(contrast_with_white(colour), 2)}:1)")
    click.echo(f"Logo : {current.logo_mime} — « {current.logo_alt} »" if current.has_logo else "Logo : aucun")


@identity.command("set", help="Changer l'identité ; les options absentes gardent leur valeur actuelle.")
@click.option("--name", "name", default=None, help="Nom du Département, par exemple « Département de la Drôme ».")
@click.option("--primary", default=None, metavar="#RRVVBB", help="Couleur principale (contraste ≥ 4,5:1 sous du texte blanc).")
@click.option("--secondary", default=None, metavar="#RRVVBB", help="Couleur secondaire (même contrôle).")
@click.option("--logo", "logo_path", default=None, metavar="FICHIER", help="Chemin d'un logo PNG ou SVG.")
@click.option("--logo-alt", default=None, help="Texte alternatif du logo (obligatoire avec un logo).")
@click.option("--remove-logo", is_flag=True, help="Retirer le logo.")
def set_identity(name, primary, secondary, logo_path, logo_alt, remove_logo) -> None:
    from mapapp.catalog.db import transaction
    from mapapp.identity import IdentityError, current_identity, read_logo_file, save_identity

    settings = load_settings()
    try:
        logo = read_logo_file(logo_path) if logo_path else None
        with transaction(_factory(settings)) as session:
            current = current_identity(session, settings.org_name)
            saved = save_identity(session, name=current.name if name is None else name,
                                  primary=current.primary if primary is None else primary,
                                  secondary=current.secondary if secondary is None else secondary,
                                  logo_alt=current.logo_alt if logo_alt is None else logo_alt,
                                  logo=logo, remove_logo=remove_logo, author="ligne de commande",
                                  default_name=settings.org_name)
    except IdentityError as exc:
        raise click.ClickException("identité non enregistrée, rien n'a été modifié : " + str(exc)) from None
    click.echo(f"Identité enregistrée : {saved.name}, {saved.primary} / {saved.secondary}, "
               + ("logo " + saved.logo_mime if saved.has_logo else "sans logo") + ".")


def register(main: click.Group) -> None:
    main.add_command(identity)

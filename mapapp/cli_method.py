"""``mapapp territory method``: show and set the territory's method settings.

Registered on the ``territory`` group of :func:`mapapp.cli.main` by
:func:`register`. The settings (:class:`mapapp.method.MethodSettings`) are read
by ``mapapp compute``; a change recomputes every theme (it is part of every
result's digest).
"""

from __future__ import annotations

import click

from mapapp.config import load_settings


@click.command("method", help="Afficher, ou changer, la façon de mesurer les temps de trajet du territoire courant.\n\n"
                              "Sans option, affiche les réglages actuels. « mapapp compute » recalcule ensuite "
                              "chaque thème dont les résultats dépendent d'un réglage changé.")
@click.option("--access-leg", "access_legs", multiple=True, metavar="MODE=POLITIQUE",
              help="Trajet d'approche d'un mode : none (non compté : la convention INSEE / OSRM, défaut en "
                   "voiture), walk (à pied à 4,5 km/h : défaut à pied et à vélo), capped:<N>m ou capped:<N>min "
                   "(à pied, au plus N mètres / minutes). Répétable, par exemple --access-leg car=none "
                   "--access-leg bike=capped:500m.")
@click.option("--maxspeed-factor", default=None, metavar="F",
              help="Part de la vitesse maximale (maxspeed) roulée en voiture (par défaut 0,85 ; 1,0 quand le "
                   "maxspeed du fichier est déjà une vitesse pratiquée, comme dans les extraits issus de MATSim).")
@click.option("--placement", type=click.Choice(["dasymetric", "centre"]), default=None,
              help="Point de départ des habitants d'un carreau : dasymetric (sur les routes habitées du "
                   "carreau, par défaut) ou centre (le centre du carreau).")
@click.option("--reset", is_flag=True, help="Revenir aux valeurs par défaut (avant d'appliquer les autres options).")
def method(access_legs, maxspeed_factor, placement, reset) -> None:
    """Show, or change, how travel times are measured for the current territory.

    Without option, prints the current settings. `mapapp compute` then
    recomputes every theme whose results depend on a changed setting.
    """
    from sqlalchemy import select

    from mapapp.catalog.db import make_engine, make_sessionmaker, schema_problem, transaction
    from mapapp.catalog.models import Territory
    from mapapp.method import MethodError, MethodSettings

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        if problem := schema_problem(engine):
            raise click.ClickException(problem)
        with transaction(make_sessionmaker(engine)) as session:
            territory = session.scalar(select(Territory))
            if territory is None:
                raise click.ClickException("Aucun territoire chargé : importez d'abord le territoire "
                                           "(« mapapp territory import » ou « mapapp demo load »).")
            try:
                stored = MethodSettings.from_json(territory.method)
            except MethodError as exc:
                if not reset:
                    raise click.ClickException(f"réglages enregistrés invalides : {exc} (--reset pour repartir "
                                               "des valeurs par défaut)") from None
                stored = MethodSettings()
            asked = reset or bool(access_legs) or maxspeed_factor is not None or placement is not None
            try:
                new = (MethodSettings() if reset else stored).with_changes(
                    access_legs=access_legs, maxspeed_factor=maxspeed_factor, placement=placement)
            except MethodError as exc:
                raise click.ClickException(str(exc)) from None
            changed = asked and (new.to_json() != stored.to_json() or territory.method is None)
            if asked:
                territory.method = new.to_json()
            name = territory.name
    finally:
        engine.dispose()
    click.echo(f"Méthode du territoire « {name} » :")
    for line in new.describe_fr():
        click.echo(f"  {line}")
    if changed:
        click.echo("Réglages enregistrés : lancez « mapapp compute » pour recalculer les résultats.")


def register(territory: click.Group) -> None:
    territory.add_command(method)

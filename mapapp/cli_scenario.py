"""``mapapp scenario …``: planners' scenarios from the command line (issue 14).

Registered on :func:`mapapp.cli.main` by :func:`register`. A scenario is a
list of changes to the live catalog (which it never modifies); ``compare``
runs the engine on both catalogs (:func:`mapapp.scenario_run.compare_scenario`)
and prints the whole territory's gains and losses per mode and theme;
``comparer A B`` compares two scenarios; ``export`` writes XLSX, GeoPackage or
the PDF « avant / après ». The proposals (``best-place``, ``fermetures``,
``tournee``) are in :mod:`mapapp.cli_planner`.
"""

from __future__ import annotations

from pathlib import Path

import click

from mapapp.config import load_settings


def _session_scope():
    from mapapp.catalog.db import make_engine, make_sessionmaker, schema_problem, transaction

    settings = load_settings()
    engine = make_engine(settings.database_url)
    if problem := schema_problem(engine):
        engine.dispose()
        raise click.ClickException(problem)
    return settings, engine, transaction(make_sessionmaker(engine))


def _author(session, email: str | None):
    from mapapp.catalog.users import get_user_by_email

    if not email:
        return None
    user = get_user_by_email(session, email)
    if user is None or not user.is_active:
        raise click.ClickException(f"Aucun compte actif pour {email}.")
    return user


def _scenario(session, scenario_id: int):
    from mapapp.catalog.models_scenarios import Scenario

    scenario = session.get(Scenario, scenario_id)
    if scenario is None:
        raise click.ClickException(f"Aucun scénario n° {scenario_id} (voir « mapapp scenario list »).")
    return scenario


@click.group(help="Scénarios des planificateurs : ouvrir, déplacer ou fermer des lieux sans toucher au catalogue, "
                  "puis comparer avec la situation actuelle ou un autre scénario ; propositions : meilleurs "
                  "emplacements, fermetures à moindre perte, arrêts d'une tournée itinérante.")
def scenario() -> None:
    """Planners' scenarios."""


@scenario.command("create", help="Créer un scénario (vide) ; affiche son numéro.")
@click.argument("title")
@click.option("--description", default="", help="Description libre.")
@click.option("--shared", is_flag=True, help="Partager avec les autres planificateurs (modérateurs, administrateurs).")
@click.option("--author", "author_email", default=None, metavar="COURRIEL",
              help="Compte auteur (un modérateur ou un administrateur).")
def create(title, description, shared, author_email) -> None:
    from mapapp.catalog.scenarios import ScenarioError, create_scenario

    _settings, engine, scope = _session_scope()
    try:
        with scope as session:
            try:
                s = create_scenario(session, _author(session, author_email), title, description, shared)
            except ScenarioError as exc:
                raise click.ClickException(str(exc)) from None
            number = s.id
    finally:
        engine.dispose()
    click.echo(f"Scénario n° {number} créé : « {title.strip()} ».")


@scenario.command("list", help="Lister les scénarios.")
def list_command() -> None:
    from sqlalchemy import select

    from mapapp.catalog.models_scenarios import Scenario

    _settings, engine, scope = _session_scope()
    try:
        with scope as session:
            rows = session.scalars(select(Scenario).order_by(Scenario.id)).all()
            if not rows:
                click.echo("Aucun scénario (« mapapp scenario create TITRE » pour en créer un).")
            for s in rows:
                who = s.author.label if s.author else "sans auteur"
                click.echo(f"n° {s.id}  {s.title}  ({len(s.changes)} modification(s), "
                           f"{'partagé' if s.shared else 'privé'}, {who}, modifié le {s.updated_at:%d/%m/%Y %H:%M})")
    finally:
        engine.dispose()


@scenario.command("show", help="Afficher un scénario et ses modifications.")
@click.argument("scenario_id", type=int)
def show(scenario_id) -> None:
    from mapapp.catalog.scenarios import describe_change

    _settings, engine, scope = _session_scope()
    try:
        with scope as session:
            s = _scenario(session, scenario_id)
            click.echo(f"Scénario n° {s.id} : {s.title} ({'partagé' if s.shared else 'privé'})")
            if s.description:
                click.echo(s.description)
            if not s.changes:
                click.echo("Aucune modification.")
            for c in s.changes:
                click.echo(f"  [{c.id}] {describe_change(c)}")
    finally:
        engine.dispose()


def _add(scenario_id: int, kind: str, data: dict) -> None:
    from mapapp.catalog.scenarios import ScenarioError, add_change, describe_change

    _settings, engine, scope = _session_scope()
    try:
        with scope as session:
            s = _scenario(session, scenario_id)
            try:
                change = add_change(session, s, kind, data)
            except ScenarioError as exc:
                raise click.ClickException(str(exc)) from None
            text = describe_change(change)
    finally:
        engine.dispose()
    click.echo(f"Ajouté au scénario n° {scenario_id} : {text}")


@scenario.command("add-site", help="Ouvrir un lieu dans le scénario, à une position (--lon/--lat) ; la commune "
                                   "est déduite du point.")
@click.argument("scenario_id", type=int)
@click.option("--lon", required=True, help="Longitude (WGS84).")
@click.option("--lat", required=True, help="Latitude (WGS84).")
@click.option("--nom", default="", help="Nom du lieu.")
@click.option("--type", "kind_site", default="departement_permanence", show_default=True,
              help="Type de lieu (vocabulaire des lieux, par exemple france_services).")
@click.option("--thematique", "thematiques", multiple=True,
              help="Thématique data·inclusion proposée (répétable), par exemple famille--garde-denfants.")
@click.option("--reseau", "reseaux", multiple=True, help="Réseau porteur (répétable), par exemple france-service.")
def add_site(scenario_id, lon, lat, nom, kind_site, thematiques, reseaux) -> None:
    _add(scenario_id, "add_site", {"lon": lon, "lat": lat, "nom": nom, "kind_site": kind_site,
                                   "thematiques": list(thematiques), "reseaux": list(reseaux)})


@scenario.command("close-site", help="Fermer un lieu (ou, avec --structure, tous les lieux d'une structure).")
@click.argument("scenario_id", type=int)
@click.argument("site_id", required=False)
@click.option("--structure", "structure_id", default=None, help="Fermer tous les lieux de cette structure.")
def close_site(scenario_id, site_id, structure_id) -> None:
    if bool(site_id) == bool(structure_id):
        raise click.UsageError("Donnez soit un identifiant de lieu, soit --structure.")
    if structure_id:
        _add(scenario_id, "close_structure", {"structure_id": structure_id})
    else:
        _add(scenario_id, "close_site", {"site_id": site_id})


@scenario.command("include-planned", help="Compter les lieux « en projet » comme ouverts (tous, ou un seul).")
@click.argument("scenario_id", type=int)
@click.argument("site_id", required=False)
def include_planned(scenario_id, site_id) -> None:
    _add(scenario_id, "include_planned", {"site_id": site_id or ""})


@scenario.command("move-site", help="Déplacer un lieu (du catalogue ou ajouté par le scénario).")
@click.argument("scenario_id", type=int)
@click.argument("site_id")
@click.option("--lon", required=True, help="Nouvelle longitude (WGS84).")
@click.option("--lat", required=True, help="Nouvelle latitude (WGS84).")
def move_site(scenario_id, site_id, lon, lat) -> None:
    _add(scenario_id, "move_site", {"site_id": site_id, "lon": lon, "lat": lat})


@scenario.command("set-hours", help="Changer les horaires d'accueil d'un lieu (syntaxe OpenStreetMap opening_hours, "
                                    "par exemple « Mo,Th 09:00-12:00 » ; vide : aucun horaire). Les indicateurs "
                                    "ne tiennent compte des horaires que si la règle horaire du territoire le prévoit.")
@click.argument("scenario_id", type=int)
@click.argument("site_id")
@click.argument("hours")
def set_hours(scenario_id, site_id, hours) -> None:
    _add(scenario_id, "set_hours", {"site_id": site_id, "horaires_accueil": hours})


@scenario.command("add-offer", help="Ajouter une offre à un lieu (thématiques ou réseaux qu'elle porte).")
@click.argument("scenario_id", type=int)
@click.argument("site_id")
@click.option("--nom", default="", help="Nom de l'offre.")
@click.option("--thematique", "thematiques", multiple=True, help="Thématique data·inclusion (répétable).")
@click.option("--reseau", "reseaux", multiple=True, help="Réseau porteur (répétable).")
def add_offer(scenario_id, site_id, nom, thematiques, reseaux) -> None:
    _add(scenario_id, "add_offer", {"site_id": site_id, "nom": nom, "thematiques": list(thematiques),
                                    "reseaux": list(reseaux)})


@scenario.command("remove-offer", help="Retirer une offre d'un lieu (l'offre reste proposée à ses autres lieux).")
@click.argument("scenario_id", type=int)
@click.argument("site_id")
@click.argument("offer_id")
def remove_offer(scenario_id, site_id, offer_id) -> None:
    _add(scenario_id, "remove_offer", {"site_id": site_id, "offer_id": offer_id})


@scenario.command("remove-change", help="Supprimer une modification du scénario (son numéro entre crochets dans "
                                        "« mapapp scenario show »).")
@click.argument("scenario_id", type=int)
@click.argument("change_id", type=int)
def remove_change_command(scenario_id, change_id) -> None:
    from mapapp.catalog.scenarios import ScenarioError, remove_change

    _settings, engine, scope = _session_scope()
    try:
        with scope as session:
            try:
                remove_change(session, _scenario(session, scenario_id), change_id)
            except ScenarioError as exc:
                raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"Modification [{change_id}] supprimée du scénario n° {scenario_id}.")


def _comparison(scenario_id: int, force: bool, other_id: int | None = None, all_publics: bool = False,
                public: str | None = None):
    """The comparison for every public, or the rows of one ``public`` (everyone by default)."""
    from mapapp.catalog.scenarios import ScenarioError
    from mapapp.compute import ComputeError
    from mapapp.scenario_run import compare_scenario, for_public

    try:
        result = compare_scenario(load_settings(), scenario_id, reuse=not force, other_id=other_id,
                                  all_publics=all_publics, public=None if all_publics else public,
                                  progress=lambda m: click.echo(m, err=True))
        return result if all_publics else for_public(result, public)
    except (ComputeError, ScenarioError) as exc:
        raise click.ClickException(str(exc)) from None


@scenario.command("compare", help="Comparer le scénario avec la situation actuelle : habitants gagnés et perdus "
                                  "sous le seuil, temps moyen, zones blanches, superposition, pour tout le "
                                  "territoire (lancez « mapapp compute » d'abord).")
@click.argument("scenario_id", type=int)
@click.option("--avec", "other_id", type=int, default=None, metavar="N",
              help="Comparer avec le scénario n° N (« avant ») au lieu de la situation actuelle.")
@click.option("--all-themes", is_flag=True, help="Afficher aussi les thèmes que le scénario ne change pas.")
@click.option("--force", is_flag=True, help="Recalculer même si la comparaison est déjà enregistrée.")
@click.option("--public", default=None, metavar="CLE",
              help="Public des réglages (ex. jeunes) : seules les offres qui lui sont ouvertes comptent ; "
                   "par défaut tout le monde.")
def compare(scenario_id, other_id, all_themes, force, public) -> None:
    _print_comparison(scenario_id, other_id, all_themes, force, public)


@scenario.command("comparer", help="Comparer deux scénarios : A est « avant », B « après » (habitants gagnés et "
                                   "perdus sous le seuil en passant de A à B, temps moyen, zones blanches, "
                                   "superposition ; lancez « mapapp compute » d'abord).")
@click.argument("scenario_a", type=int)
@click.argument("scenario_b", type=int)
@click.option("--all-themes", is_flag=True, help="Afficher aussi les thèmes que les deux scénarios ne distinguent pas.")
@click.option("--force", is_flag=True, help="Recalculer même si la comparaison est déjà enregistrée.")
@click.option("--public", default=None, metavar="CLE",
              help="Public des réglages (ex. jeunes) : seules les offres qui lui sont ouvertes comptent ; "
                   "par défaut tout le monde.")
def comparer(scenario_a, scenario_b, all_themes, force, public) -> None:
    _print_comparison(scenario_b, scenario_a, all_themes, force, public)


def _print_comparison(scenario_id, other_id, all_themes, force, public=None) -> None:
    from mapapp.formats import duration
    from mapapp.io.export_scenario import headline_text

    result = _comparison(scenario_id, force, other_id, public=public)
    if public and public != "tous":
        click.echo(f"Public « {public} » : seules comptent les offres ouvertes à ce public.")
    click.echo(f"Scénario n° {other_id} (avant) → scénario n° {scenario_id} (après)" if other_id is not None
               else f"Situation actuelle (avant) → scénario n° {scenario_id} (après)")
    click.echo(headline_text(result.territories, only_changed=not all_themes))
    recomputed = sum(len(v) for v in result.meta.get("recomputed_themes", {}).values())
    click.echo(f"Calcul du {result.meta.get('computed_at')} en {duration(result.meta.get('seconds', 0))} "
               f"({recomputed} thème(s) × mode recalculé(s)).")


@scenario.command("export", help="Exporter la comparaison : XLSX (modifications, territoires, communes), "
                                 "GeoPackage .gpkg (communes où quelque chose change, en Lambert-93, et territoires) "
                                 "ou PDF « avant / après » pour le comité de pilotage (cartes des différences, "
                                 "tableau par thème et par public).")
@click.argument("scenario_id", type=int)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--avec", "other_id", type=int, default=None, metavar="N",
              help="Comparaison avec le scénario n° N (« avant ») au lieu de la situation actuelle.")
@click.option("--public", default=None, metavar="CLE",
              help="XLSX et GeoPackage : la comparaison pour ce public des réglages (ex. jeunes) ; "
                   "par défaut tout le monde (le PDF a tous les publics).")
def export(scenario_id, path: Path, other_id, public) -> None:
    from sqlalchemy import select

    from mapapp.catalog.models import Commune, Territory
    from mapapp.catalog.scenarios import describe_change

    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".gpkg", ".pdf"):
        raise click.UsageError(f"Format non pris en charge : {path.name} (.xlsx, .gpkg ou .pdf).")
    result = _comparison(scenario_id, False, other_id, all_publics=suffix == ".pdf", public=public)
    if suffix == ".pdf":
        from mapapp.reports.scenario_pdf import scenario_pdf_from_settings

        path.write_bytes(scenario_pdf_from_settings(load_settings(), scenario_id, result, other_id,
                                                    progress=lambda m: click.echo(m, err=True)))
        click.echo(f"PDF « avant / après » écrit : {path}")
        return
    _settings, engine, scope = _session_scope()
    try:
        with scope as session:
            changes = [describe_change(c) for c in _scenario(session, scenario_id).changes]
            if public and public != "tous":
                changes.append(f"Public : {public} (seules comptent les offres ouvertes à ce public)")
            rows = session.execute(select(Commune.code, Commune.nom, Commune.geometry_wkb)).all()
            territory = session.scalar(select(Territory))
            departement = territory.departement if territory is not None else ""
    finally:
        engine.dispose()
    names = {code: nom for code, nom, _wkb in rows}
    if suffix == ".xlsx":
        from mapapp.io.export_scenario import export_tables
        from mapapp.io.export_xlsx import write_xlsx

        write_xlsx(export_tables(result.communes, result.territories, changes, names), path)
    else:
        import shapely

        from mapapp.io.export_gpkg import default_crs
        from mapapp.io.export_scenario_gpkg import scenario_layers, write_scenario_gpkg

        shapes = dict(zip([r[0] for r in rows], shapely.from_wkb([r[2] for r in rows]))) if rows else {}
        write_scenario_gpkg(scenario_layers(result.communes, result.territories, shapes, names), path,
                            default_crs(departement or ""))
    click.echo(f"Comparaison exportée : {path}")


def register(main: click.Group) -> None:
    from mapapp import cli_planner

    cli_planner.register(scenario)
    main.add_command(scenario)

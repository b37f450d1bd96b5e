"""``mapapp territory besoins`` and ``mapapp territory references``: the observatoire's inputs (issue 16).

Registered on the ``territory`` group of :func:`mapapp.cli.main` by :func:`register`.

- ``besoins``: aggregated need counts per commune or square for one indicator and
  year, with statistical secrecy applied on import (:mod:`mapapp.territory.needs`);
  the threshold defaults to ``MAPAPP_SECRET_THRESHOLD`` (11 when unset);
- ``references``: reference values (France, région, départements) shown beside
  the territory's own figures (:mod:`mapapp.territory.references`);
- ``bpe``: the INSEE Base permanente des équipements as sites of the everyday
  basket (:mod:`mapapp.io.bpe`).

Nothing is written when a file has any error, nor with ``--dry-run``.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from mapapp.config import load_settings
from mapapp.formats import count

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def default_threshold(environ=None) -> int:
    """The secrecy threshold setting: ``MAPAPP_SECRET_THRESHOLD`` (an integer ≥ 2), 11 when unset."""
    from mapapp.territory.needs import DEFAULT_SECRECY_THRESHOLD

    text = (os.environ if environ is None else environ).get("MAPAPP_SECRET_THRESHOLD", "").strip()
    if not text:
        return DEFAULT_SECRECY_THRESHOLD
    if not text.isdigit() or int(text) < 2:
        raise click.ClickException(f"MAPAPP_SECRET_THRESHOLD « {text} » : un nombre entier d'au moins 2 est attendu")
    return int(text)


def _finish(report, errors_path: Path | None) -> None:
    from mapapp.cli import _report_issues
    from mapapp.cli_contrib import write_errors

    _report_issues(report)
    if errors_path is not None:
        write_errors(errors_path, report)
    if not report.ok:
        raise click.ClickException(f"{count(len(report.errors), 'erreur')} : rien n'a été enregistré.")


@click.command("besoins", help="Importer des effectifs agrégés de besoins (bénéficiaires du RSA, demandeurs "
               "d'emploi, jeunes NEET…) par commune ou par carreau, pour un indicateur et une année.\n\n"
               "Le fichier CSV a une colonne de zone (commune : code INSEE, ou carreau : identifiant INSEE) et une "
               "colonne effectif. Jamais de données individuelles : un fichier qui en a l'air est refusé. Secret "
               "statistique appliqué à l'import : un effectif de 1 à SEUIL-1 est masqué (secret primaire), et, dans "
               "chaque maille (EPCI, canton…) et dans le fichier entier, un seul effectif masqué entraîne le masquage "
               "du plus petit autre (secret secondaire). Les effectifs masqués ne sont pas enregistrés.\n\n"
               "Un import remplace la série du même indicateur et de la même année ; rien n'est écrit en cas "
               "d'erreur.")
@click.argument("path", metavar="FICHIER", type=_FILE)
@click.option("--indicateur", "indicator", required=True,
              help="Clé de l'indicateur : minuscules, chiffres, « _ » ou « - » (rsa, demandeurs_emploi, neet).")
@click.option("--libelle", "label", default=None,
              help="Libellé affiché (« Bénéficiaires du RSA ») ; par défaut la clé, ou celui de la série déjà "
                   "importée.")
@click.option("--annee", "year", required=True, type=click.IntRange(1900, 2100), help="Année des effectifs.")
@click.option("--seuil-secret", "threshold", type=click.IntRange(min=2), default=None,
              help="Effectifs masqués en dessous de ce seuil (par défaut MAPAPP_SECRET_THRESHOLD, ou 11 : la règle "
                   "de l'Insee).")
@click.option("--source", default="", help="D'où viennent les effectifs (« CAF, fichier au 31/12 »).")
@click.option("--dry-run", is_flag=True, help="Contrôler et signaler ; ne rien écrire.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Écrire aussi chaque problème dans ce fichier CSV (pour Excel).")
def besoins(path, indicator, label, year, threshold, source, dry_run, errors_path) -> None:
    """Import aggregated need counts for one indicator and year, under statistical secrecy."""
    from sqlalchemy import select

    from mapapp.catalog.db import make_engine, make_sessionmaker, schema_problem, transaction
    from mapapp.catalog.models import NeedSeries, Territory
    from mapapp.catalog.needs_store import store_needs
    from mapapp.catalog.territory_store import read_communes, read_grids, read_population_points
    from mapapp.territory.needs import COMMUNE_COLUMNS, check_key, groups_from_grids, read_needs, square_groups
    from mapapp.territory.tabular import read_csv_table
    from mapapp.territory.validation import ImportReport, TerritoryImportError

    if problem := check_key(indicator):
        raise click.BadParameter(problem, param_hint="--indicateur")
    threshold = threshold or default_threshold()
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        if problem := schema_problem(engine):
            raise click.ClickException(problem)
        with transaction(make_sessionmaker(engine)) as session:
            if session.scalar(select(Territory)) is None:
                raise click.ClickException("Aucun territoire chargé : importez d'abord le territoire "
                                           "(« mapapp territory import » ou « mapapp demo load »).")
            communes = read_communes(session, include_buffer=False)
            codes = set(communes["code"])
            report = ImportReport()
            try:
                header = read_csv_table(path, ImportReport()).columns
            except TerritoryImportError:
                header = []
            by_commune = any(c.lower() in COMMUNE_COLUMNS for c in header)
            if by_commune or not header:
                grids = read_grids(session)
                known, groups = codes, groups_from_grids(grids[grids["commune"].isin(codes)])
            else:
                points = read_population_points(session)
                points = points[points["square_id"].notna() & points["commune"].isin(codes)]
                known = set(points["square_id"])
                groups = square_groups(dict(zip(points["square_id"], points["commune"])))
            try:
                frame = read_needs(path, known_zones=known, groups=groups, threshold=threshold, report=report)
            except TerritoryImportError:
                frame = None
            _finish(report, errors_path)
            for issue in report.infos:
                click.echo(issue.message)
            old = session.scalar(select(NeedSeries).where(NeedSeries.indicator == indicator))
            label = label or (old.label if old is not None else indicator)
            if dry_run:
                session.rollback()
                click.echo(f"Contrôle terminé (--dry-run) : {count(len(frame), 'zone')} ; rien n'a été enregistré.")
                return
            store_needs(session, frame, indicator=indicator, label=label, year=year, threshold=threshold,
                        source=source)
        n_secret = int(frame["secret"].map(lambda s: isinstance(s, str)).sum())
        click.echo(f"« {label} » {year} enregistré : {count(len(frame), 'zone')}, dont "
                   f"{count(n_secret, 'effectif masqué', 'effectifs masqués')} (secret statistique, seuil {threshold}).")
    finally:
        engine.dispose()


@click.command("references", help="Importer des valeurs de référence (France, France métropolitaine, régions, "
               "départements) à montrer à côté des chiffres du territoire.\n\n"
               "CSV : indicateur, zone, valeur, annee, source (et facultativement unite : %, min ; libelle_zone). "
               "La part des habitants au-delà d'un seuil a pour clé part_au_dela:<thème>:<mode>:<minutes>, par "
               "exemple part_au_dela:france_services:car:20. Une valeur déjà connue (même indicateur, zone et "
               "année) est remplacée ; rien n'est écrit en cas d'erreur.")
@click.argument("path", metavar="FICHIER", type=_FILE)
@click.option("--dry-run", is_flag=True, help="Contrôler et signaler ; ne rien écrire.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Écrire aussi chaque problème dans ce fichier CSV (pour Excel).")
def references(path, dry_run, errors_path) -> None:
    """Import reference values to show beside the territory's own figures."""
    from mapapp.catalog.db import make_engine, make_sessionmaker, schema_problem, transaction
    from mapapp.catalog.needs_store import store_references
    from mapapp.territory.references import read_references
    from mapapp.territory.validation import ImportReport, TerritoryImportError

    report = ImportReport()
    try:
        frame = read_references(path, report=report)
    except TerritoryImportError:
        frame = None
    _finish(report, errors_path)
    if dry_run:
        click.echo(f"Contrôle terminé (--dry-run) : {count(len(frame), 'valeur')} ; rien n'a été enregistré.")
        return
    engine = make_engine(load_settings().database_url)
    try:
        if problem := schema_problem(engine):
            raise click.ClickException(problem)
        with transaction(make_sessionmaker(engine)) as session:
            store_references(session, frame)
    finally:
        engine.dispose()
    click.echo(f"{count(len(frame), 'valeur de référence', 'valeurs de référence')} enregistrée(s).")


@click.command("bpe", help="Importer les équipements du quotidien de la Base permanente des équipements (BPE) de "
               "l'Insee comme lieux du catalogue.\n\n"
               "Fichier « ensemble des équipements » (CSV « ; », colonnes DEPCOM, TYPEQU et LONGITUDE/LATITUDE ou "
               "LAMBERT_X/LAMBERT_Y) ; le fichier national convient : seules les communes du territoire et de sa "
               "zone tampon sont gardées. Le panier par défaut (poste, banque, commerce alimentaire, coiffure, "
               "école, médecin généraliste, infirmier, pharmacie) est décrit dans docs/observatoire.md. « mapapp "
               "compute » calcule ensuite le thème « Équipements utiles au quotidien ». Un nouvel import remplace "
               "le précédent ; rien n'est écrit en cas d'erreur.")
@click.argument("path", metavar="FICHIER", type=_FILE)
@click.option("--typequ", "codes", multiple=True, metavar="CODE",
              help="Types d'équipement (TYPEQU) du panier, à la place du panier par défaut ; répétable.")
@click.option("--dry-run", is_flag=True, help="Contrôler et signaler ; ne rien écrire.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Écrire aussi chaque problème dans ce fichier CSV (pour Excel).")
def bpe(path, codes, dry_run, errors_path) -> None:
    """Import the INSEE BPE everyday equipments as catalog sites."""
    from mapapp.catalog.db import make_engine, make_sessionmaker, schema_problem, transaction
    from mapapp.catalog.load import CatalogLoadError
    from mapapp.catalog.territory_store import read_communes
    from mapapp.io.bpe import EVERYDAY_BASKET, read_bpe, store_bpe
    from mapapp.territory.validation import ImportReport, TerritoryImportError

    basket = EVERYDAY_BASKET if not codes else {c.upper(): EVERYDAY_BASKET.get(c.upper(), f"Équipement {c.upper()}")
                                                 for c in codes}
    engine = make_engine(load_settings().database_url)
    try:
        if problem := schema_problem(engine):
            raise click.ClickException(problem)
        with transaction(make_sessionmaker(engine)) as session:
            known = set(read_communes(session)["code"])
            if not known:
                raise click.ClickException("Aucun territoire chargé : importez d'abord le territoire "
                                           "(« mapapp territory import » ou « mapapp demo load »).")
            report = ImportReport()
            try:
                data = read_bpe(path, known, basket=basket, report=report)
            except TerritoryImportError:
                data = None
            _finish(report, errors_path)
            for issue in report.infos:
                click.echo(issue.message)
            if dry_run:
                session.rollback()
                click.echo("Contrôle terminé (--dry-run) : rien n'a été enregistré.")
                return
            try:
                kept, removed = store_bpe(session, data, known)
            except CatalogLoadError as exc:
                raise click.ClickException(f"{exc}\nRien n'a été enregistré.") from None
    finally:
        engine.dispose()
    click.echo(f"{count(kept, 'équipement du quotidien', 'équipements du quotidien')} enregistré(s), "
               f"{count(removed, 'retiré')} ; lancez « mapapp compute » pour le thème « Équipements utiles au "
               "quotidien ».")


@click.command("2sfca", help="Calculer le score d'accessibilité 2SFCA (aire de chalandise flottante à deux étapes, "
               "Luo et Wang 2003) par commune : les places des lieux d'un thème (champ capacite) rapportées aux "
               "besoins à leur portée.\n\n"
               "Étape 1 : pour chaque lieu, sa capacité divisée par les bénéficiaires à moins du seuil ; étape 2 : "
               "pour chaque point de population, la somme de ces rapports des lieux à sa portée ; le score d'une "
               "commune est la moyenne de ses points pondérée par les bénéficiaires, pour 100 bénéficiaires. "
               "Relit le graphe routier en cache de « mapapp compute » ; le score est gardé pour la page « Besoins "
               "et offre » (/observatoire/besoins).")
@click.option("--indicateur", "indicator", required=True, help="Clé de l'indicateur de besoin importé (rsa…).")
@click.option("--theme", "theme", required=True, help="Clé du thème (france_services, mobilite…).")
@click.option("--mode", "mode", type=click.Choice(["car", "walk", "bike"]), default="car", show_default=True,
              help="Mode de déplacement : car (voiture), walk (marche), bike (vélo).")
@click.option("--seuil", "threshold", type=click.FloatRange(min=0.5, max=600), default=None,
              help="Seuil de l'aire de chalandise, en minutes (par défaut le seuil principal du thème).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Écrire aussi le score de chaque commune dans ce fichier CSV (« ; », UTF-8 avec BOM).")
def fca(indicator, theme, mode, threshold, csv_path) -> None:
    """Compute the 2SFCA accessibility score per commune."""
    from mapapp.catalog.db import make_engine, make_sessionmaker, schema_problem
    from mapapp.catalog.territory_store import read_communes
    from mapapp.fca import FcaError, run_fca
    from mapapp.results import ResultStore

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        if problem := schema_problem(engine):
            raise click.ClickException(problem)
        with make_sessionmaker(engine)() as session:
            try:
                result = run_fca(session, ResultStore(settings.data_dir / "results"), settings.cache_dir,
                                 indicator=indicator, theme=theme, mode=mode, threshold_min=threshold)
            except FcaError as exc:
                raise click.ClickException(str(exc)) from None
            names = dict(zip(*read_communes(session)[["code", "nom"]].T.values))
        from mapapp.fca import store_fca

        store_fca(settings.data_dir / "results", result, indicator, theme)  # for /observatoire/besoins
    finally:
        engine.dispose()
    from mapapp.formats import number

    table = result.communes.assign(nom=result.communes["commune"].map(names))
    click.echo(f"Score 2SFCA, {result.theme_label}, {result.label} ({result.year}), seuil {number(result.threshold_min)} "
               f"min : places pour 100 bénéficiaires.")
    if result.n_sites_without_capacity:
        click.echo(f"{count(result.n_sites_without_capacity, 'lieu sans capacité connue', 'lieux sans capacité connue')}"
                   " : non comptés.")
    for row in table.sort_values("score_per_100").itertuples(index=False):
        click.echo(f"  {row.commune} {row.nom} : {number(row.score_per_100, 1)}")
    if csv_path is not None:
        table[["commune", "nom", "need", "score_per_100"]].rename(columns={
            "need": "beneficiaires", "score_per_100": "places_pour_100"}).to_csv(
            csv_path, sep=";", index=False, encoding="utf-8-sig", decimal=",")
        click.echo(f"Écrit : {csv_path}")


def register(territory: click.Group) -> None:
    territory.add_command(besoins)
    territory.add_command(references)
    territory.add_command(bpe)
    territory.add_command(fca)

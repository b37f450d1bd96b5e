"""The ``mapapp`` command line.

Every command reads its settings from the environment (see :mod:`mapapp.config`):
``MAPAPP_DATA_DIR``, ``MAPAPP_DATABASE_URL``, ``MAPAPP_DEMO_DIR``, ``MAPAPP_SECRET_KEY``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from mapapp.cli_gtfs import GTFS_OPTION_HELP
from mapapp.cli_i18n import FrenchGroup, localize_command_tree
from mapapp.config import load_settings
from mapapp.formats import count, duration, number


def _progress(message: str) -> None:
    click.echo(message, err=True)


class _ByteProgress:
    """Download progress on stderr: ``progress(done_bytes, total_bytes | None)`` (one bar per file)."""

    def __init__(self):
        self._bar = None

    def __call__(self, done: int, total: int | None) -> None:
        from tqdm import tqdm

        if self._bar is None or done < self._bar.n:
            if self._bar is not None:
                self._bar.close()
            self._bar = tqdm(total=total, unit="B", unit_scale=True, desc="téléchargement", file=sys.stderr)
        self._bar.update(done - self._bar.n)


@click.group(cls=FrenchGroup, context_settings={"help_option_names": ["-h", "--help"]},
             help="mapapp : cartographie de l'offre d'insertion d'un département et de son accessibilité.\n\n"
                  "Les réglages viennent de l'environnement : MAPAPP_DATA_DIR (./var), MAPAPP_DATABASE_URL "
                  "(fichier SQLite dans le dossier de données), MAPAPP_DEMO_DIR (./geodata/demo), MAPAPP_SECRET_KEY.")
@click.version_option(package_name="mapapp")
def main() -> None:
    """The ``mapapp`` command group.

    Settings come from the environment: MAPAPP_DATA_DIR (./var), MAPAPP_DATABASE_URL
    (SQLite file in the data folder), MAPAPP_DEMO_DIR (./geodata/demo), MAPAPP_SECRET_KEY.
    """


# --------------------------------------------------------------------------- db


@main.group(help="Schéma de la base de données (migrations Alembic).")
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade", help="Appliquer les migrations à la base configurée (la crée au besoin).")
@click.option("--revision", default="head", show_default=True, help="Révision visée.")
def db_upgrade(revision: str) -> None:
    """Apply the migrations to the configured database (creates it if needed)."""
    from mapapp.catalog.db import upgrade

    settings = load_settings()
    upgrade(settings.database_url, revision)
    click.echo(f"Base de données à jour ({settings.database_url}).")


# --------------------------------------------------------------------------- demo


@main.group(help="Le département fictif de démonstration (généré de façon reproductible).")
def demo() -> None:
    """The fictional demo département (generated deterministically)."""


@demo.command("generate", help="Générer les fichiers du territoire de démonstration : communes, mailles, "
              "population, routes (OSM XML), catalogue.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dossier de sortie (par défaut : MAPAPP_DEMO_DIR, ./geodata/demo).")
@click.option("--seed", type=int, default=96, show_default=True, help="Graine aléatoire ; même graine, mêmes fichiers à l'octet près.")
def demo_generate(out_dir: Path | None, seed: int) -> None:
    """Generate the demo territory files: communes, grids, population, roads (OSM XML), catalog."""
    from mapapp.demo import generate_demo

    out_dir = out_dir or load_settings().demo_dir
    start = time.perf_counter()
    summary = generate_demo(out_dir, seed=seed, progress=_progress)
    click.echo(f"Territoire de démonstration écrit dans {out_dir} en {duration(time.perf_counter() - start)}")
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))


@demo.command("load", help="Charger le territoire et le catalogue de démonstration dans la base (rejouable sans effet).")
@click.option("--generate/--no-generate", default=True, show_default=True,
              help="Générer d'abord les fichiers de démonstration s'ils manquent.")
def demo_load(generate: bool) -> None:
    """Load the demo territory and catalog into the database (idempotent)."""
    from mapapp.services import load_territory_and_catalog

    settings = load_settings()
    if not (settings.demo_dir / "territory.json").exists():
        if not generate:
            raise click.ClickException(f"Pas de territoire de démonstration dans {settings.demo_dir}")
        from mapapp.demo import generate_demo

        generate_demo(settings.demo_dir, progress=_progress)
    report = load_territory_and_catalog(settings, settings.demo_dir, progress=_progress)
    click.echo(report)


# --------------------------------------------------------------------------- territory


@main.group(help="Apporter un territoire réel : communes, populations, mailles et fichier des routes OSM.")
def territory() -> None:
    """Bring a real territory: communes, populations, grids and the OSM road file."""


def _report_issues(report) -> None:
    for issue in report.infos:
        click.echo(f"info : {issue}", err=True)
    for issue in report.warnings:
        click.echo(f"avertissement : {issue}", err=True)
    for issue in report.errors:
        click.echo(f"ERREUR : {issue}", err=True)


def _keep_issues(report, exc) -> None:
    """The errors of a fatal ``TerritoryImportError`` in ``report`` (readers usually put them there already)."""
    report.errors.extend(i for i in exc.issues if i not in report.errors)


@territory.command("import", help="Importer un territoire réel depuis des fichiers ; chaque problème est signalé avec sa "
                   "ligne ou son code INSEE.\n\nRien n'est écrit en cas d'erreur (ni avec --dry-run).\n\n"
                   "--name, --departement, --communes et --osm sont requis, sauf pour n'importer que des horaires "
                   "de transport en commun (--gtfs seul, le territoire enregistré est gardé).")
@click.option("--name", help="Nom du territoire affiché aux utilisateurs (par exemple « Corse-du-Sud »).")
@click.option("--departement", help="Code du département (2A, 40, 974…) ; les autres communes forment la zone tampon.")
@click.option("--communes", "communes_paths", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Contours des communes : GeoJSON, shapefile ou GeoPackage, toute projection (IGN ADMIN EXPRESS, "
                   "france-geojson…). Répétable (un fichier par département : le territoire et ses voisins pour la "
                   "zone tampon) ; une commune présente dans plusieurs fichiers est gardée une fois si ses contours "
                   "concordent, refusée sinon.")
@click.option("--commune-table", "commune_tables", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV avec code, population (et code_epci, nom_epci pour la maille EPCI) ; répétable. Les lignes "
                   "des communes absentes des contours (table INSEE nationale) sont ignorées.")
@click.option("--population-grid", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Carreaux INSEE (GeoPackage) ; sans eux, un point de population par commune.")
@click.option("--population-column", default="Ind", show_default=True, help="Colonne des habitants dans les carreaux.")
@click.option("--grid", "grid_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV de mailles (grid,code,nom,commune, ou commune + une colonne par maille) ; répétable.")
@click.option("--osm", "osm_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extrait routier OpenStreetMap (PBF, XML ou .osm.bz2) couvrant les communes et une marge.")
@click.option("--osm-min-coverage", type=click.FloatRange(0, 1), default=0.5,
              help="Part de la surface de chaque commune que le fichier routier doit couvrir ; en dessous, c'est "
                   "une erreur. À baisser en connaissance de cause pour une zone d'étude découpée dans un "
                   "département plus grand. Par défaut : 0,5.")
@click.option("--gtfs", "gtfs_paths", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=GTFS_OPTION_HELP)
@click.option("--dry-run", is_flag=True, help="Contrôler et signaler ; ne rien écrire.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Écrire aussi chaque erreur, avertissement et information dans ce fichier CSV (ligne, colonne, "
                   "valeur, message ; « ; », UTF-8 avec BOM, pour Excel).")
def territory_import(name, departement, communes_paths, commune_tables, population_grid, population_column,
                     grid_files, osm_path, osm_min_coverage, gtfs_paths, dry_run, errors_path) -> None:
    """Import a real territory from files; every problem is reported with its line or INSEE code.

    Nothing is written when there is any error (or with --dry-run). With only
    ``--gtfs``, only the timetables are imported and the stored territory is kept.
    """
    from mapapp.cli_contrib import write_errors
    from mapapp.cli_gtfs import describe_feeds, import_feeds_only
    from mapapp.services import store_bundle
    from mapapp.territory.gtfs import read_gtfs_files, territory_area
    from mapapp.territory.io import bundle_from_files
    from mapapp.territory.validation import ImportReport, TerritoryImportError

    territory_given = any([name, departement, communes_paths, commune_tables, population_grid, grid_files, osm_path])
    if gtfs_paths and not territory_given:
        click.echo(import_feeds_only(gtfs_paths, dry_run, errors_path, _report_issues, write_errors))
        return
    missing = [option for option, value in (("--name", name), ("--departement", departement),
                                            ("--communes", communes_paths), ("--osm", osm_path)) if not value]
    if missing:
        raise click.UsageError(f"Option(s) manquante(s) pour importer un territoire : {', '.join(missing)} "
                               "(ou seulement --gtfs pour n'importer que des horaires).")
    report = ImportReport()
    _progress("Lecture et contrôle des fichiers du territoire")
    try:
        bundle = bundle_from_files(
            name, departement, list(communes_paths), commune_table=list(commune_tables) or None,
            population_grid=population_grid,
            population_weight_col=population_column, grid_files=grid_files, osm_path=osm_path.resolve(),
            osm_min_share=osm_min_coverage,
            sources={"communes": ", ".join(map(str, communes_paths)), "osm": str(osm_path),
                     "population": str(population_grid or ", ".join(map(str, commune_tables or communes_paths)))},
            report=report,
        )
    except TerritoryImportError as exc:  # a file that cannot be read at all
        _keep_issues(report, exc)
        bundle = None
    feeds = read_gtfs_files(list(gtfs_paths), report, territory_area(bundle.communes)) \
        if gtfs_paths and bundle is not None else []
    _report_issues(report)
    if errors_path is not None:
        write_errors(errors_path, report)
    if not report.ok or bundle is None:
        raise click.ClickException(f"{count(len(report.errors), 'erreur')} : rien n'a été enregistré.")
    if dry_run:
        click.echo(f"Contrôle terminé (--dry-run) : {count(len(bundle.communes), 'commune')}, "
                   f"{count(len(bundle.population_points), 'point de population', 'points de population')}"
                   + (f", horaires {describe_feeds(feeds)}" if feeds else "") + " ; rien n'a été enregistré.")
        return
    click.echo(store_bundle(load_settings(), bundle, feeds))


@territory.command("adresses", help="Importer les adresses de la Base Adresse Nationale du département (fichier "
                   "« adresses-XX.csv » ou « .csv.gz » d'adresse.data.gouv.fr), pour chercher une adresse dans « Trouver "
                   "une offre » sans service en ligne.\n\nLes lignes d'autres départements sont ignorées et comptées ; "
                   "chaque problème est signalé avec sa ligne ; rien n'est écrit en cas d'erreur (ni avec --dry-run). "
                   "Un nouvel import remplace les adresses précédentes.")
@click.argument("fichier", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--departement", default=None, help="Département dont garder les adresses (par défaut : celui du "
                                                  "territoire chargé).")
@click.option("--dry-run", is_flag=True, help="Contrôler et signaler ; ne rien écrire.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Écrire aussi chaque problème dans ce fichier CSV (ligne, colonne, valeur, message).")
def territory_adresses(fichier, departement, dry_run, errors_path) -> None:
    """Import the département's addresses from the BAN file (offline geocoding of « Trouver une offre »)."""
    from mapapp.cli_contrib import write_errors
    from mapapp.services import import_addresses
    from mapapp.territory.validation import ImportReport, TerritoryImportError

    report = ImportReport()
    _progress(f"Lecture et contrôle de {fichier.name}")
    try:
        message = import_addresses(load_settings(), fichier, report, departement, dry_run)
    except TerritoryImportError as exc:
        _keep_issues(report, exc)
        message = None
    _report_issues(report)
    if errors_path is not None:
        write_errors(errors_path, report)
    if message is None:
        raise click.ClickException(f"{count(len(report.errors), 'erreur')} : rien n'a été enregistré.")
    click.echo(message)


@territory.command("fetch", help="Télécharger les communes, les populations, l'extrait OSM et la liste France Services "
                   "d'un département.\n\nDemande un accès réseau aux sources publiques (voir "
                   "mapapp/territory/fetch.py) ; les fichiers sont gardés en cache, les téléchargements "
                   "interrompus repris, les sommes de contrôle vérifiées.")
@click.option("--departement", help="Code du département (2A, 40, 974…).")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Cache des téléchargements (par défaut : $MAPAPP_DATA_DIR/downloads).")
@click.option("--refresh", is_flag=True, help="Télécharger à nouveau même si le fichier est en cache.")
@click.option("--import/--no-import", "do_import", default=True, show_default=True,
              help="Importer le territoire téléchargé dans la base.")
def territory_fetch(departement, cache_dir, refresh, do_import) -> None:
    """Download a département's communes, populations, OSM extract and the France Services list.

    Needs network access to the public sources (see mapapp/territory/fetch.py);
    files are cached, partial downloads resumed, checksums verified.
    """
    from mapapp.services import store_bundle
    from mapapp.territory.fetch import FetchError, OfflineError, bundle_from_fetched, fetch_departement
    from mapapp.territory.validation import ImportReport

    settings = load_settings()
    cache_dir = cache_dir or settings.data_dir / "downloads"
    try:
        paths = fetch_departement(departement, cache_dir, refresh=refresh, progress=_ByteProgress())
    except OfflineError as exc:
        raise click.ClickException(f"Pas de connexion aux sources publiques : {exc}") from None
    except FetchError as exc:
        raise click.ClickException(f"Téléchargement incomplet : {exc}") from None
    for key, path in sorted(paths.items()):
        click.echo(f"{key} : {path}")
    if not do_import:
        return
    from mapapp.territory.validation import TerritoryImportError

    report = ImportReport()
    try:
        bundle = bundle_from_fetched(departement, paths, report=report)
    except TerritoryImportError as exc:
        _keep_issues(report, exc)
    _report_issues(report)
    if not report.ok:
        raise click.ClickException(f"{count(len(report.errors), 'erreur')} : rien n'a été enregistré.")
    click.echo(store_bundle(settings, bundle))


# --------------------------------------------------------------------------- compute


@main.command(help="Calculer les temps d'accès du territoire courant et enregistrer les résultats.\n\n"
                   "Construit (ou relit en cache) le graphe routier de chaque mode à partir du fichier "
                   "OpenStreetMap du territoire, puis mesure l'accès à chaque thème des réglages d'accessibilité "
                   "(« mapapp parametres »), pour chaque public et, avec la règle des horaires, en ne comptant "
                   "que les lieux ouverts assez longtemps ; seuls les thèmes dont les données ont changé depuis "
                   "le dernier calcul sont recalculés.")
@click.option("--mode", "modes", multiple=True, type=click.Choice(["car", "walk", "bike"]),
              help="Mode(s) de déplacement à calculer : car (voiture), walk (marche), bike (vélo) ; par défaut "
                   "les trois.")
@click.option("--workers", type=int, default=None, help="Fils de calcul des recherches (par défaut : nombre de cœurs ; un seul sous 50 000 nœuds de graphe).")
@click.option("--force", is_flag=True, help="Tout recalculer même si les données d'un thème n'ont pas changé.")
@click.option("--instantane", "snapshot", is_flag=True,
              help="Garder ces résultats et le catalogue comme instantané daté d'aujourd'hui (observatoire). Sans "
                   "cette option, le premier calcul de chaque mois en garde un, sauf MAPAPP_INSTANTANES=manuel.")
def compute(modes: tuple[str, ...], workers: int | None, force: bool, snapshot: bool) -> None:
    """Compute travel-time accessibility for the current territory and store the results.

    Builds (or reloads from cache) the road graph of each mode from the
    territory's OpenStreetMap file, then measures access to every theme of the
    accessibility settings, for each public and under the schedule rule
    (result variants); only themes whose inputs changed since the last run are
    recomputed.
    """
    import os

    from mapapp.compute import ComputeError, run_compute
    from mapapp.network import MODES

    settings = load_settings()
    try:
        report = run_compute(settings, modes=modes or MODES, workers=workers or os.cpu_count() or 1,
                             force=force, progress=_progress)
    except ComputeError as exc:
        raise click.ClickException(str(exc)) from None
    from mapapp.snapshots import SnapshotError, after_compute

    try:
        kept = after_compute(settings, marked=snapshot)
    except SnapshotError as exc:
        raise click.ClickException(str(exc)) from None
    if kept is not None:
        from mapapp.formats import date as date_fr

        click.echo(f"Instantané du {date_fr(kept.day)} gardé ({kept.kind_label}).")
    click.echo(report.summary())  # « Total : … » stays the last line


# --------------------------------------------------------------------------- reports and exports


def _report_options(func):
    """Options shared by `report` and `export`: what the figures cover."""
    options = [
        click.option("--unit", default=None, metavar="GRID:CODE",
                     help="Territoire couvert : epci:200096001, canton:9601, bassin_de_vie:96001, "
                          "territoire_action_sociale:TAS1, commune:96001 (par défaut : tout le département). "
                          "« mapapp report --list-units » les liste."),
        click.option("--theme", "themes", multiple=True, metavar="KEY",
                     help="Thème détaillé avec cartes et listes (répétable ; « all » pour tous). Par défaut : "
                          "france_services, accueil_departement, trouver_un_emploi, mobilite, numerique, sante."),
        click.option("--mode", "modes", multiple=True,
                     type=click.Choice(["car", "walk", "bike", "sans_voiture", "transit", "tad"]),
                     help="Mode de déplacement (répétable) : car, walk, bike, sans_voiture, transit (transport en "
                          "commun), tad (transport à la demande). Par défaut : chaque mode calculé, sauf transit et "
                          "tad (comptés dans sans_voiture)."),
        click.option("--by", "sub_grid", default=None, metavar="GRID",
                     help="Sous-territoires d'un rapport départemental (bassin_de_vie, epci, canton, "
                          "territoire_action_sociale, commune). Par défaut : bassin_de_vie. Un territoire liste ses "
                          "communes."),
        click.option("--public", "public", default=None, metavar="CLE",
                     help="Public des chiffres : clé d'un public des réglages (minima_sociaux, jeunes, handicap…) ou "
                          "public data·inclusion ; seules comptent les offres ouvertes à ce public. Par défaut : "
                          "tous publics."),
        click.option("--horaires", type=click.Choice(["tous", "ouverts"]), default="tous", show_default=True,
                     help="« ouverts » : seuls comptent les lieux ouverts au moins les heures par semaine des "
                          "réglages (règle des horaires)."),
        click.option("--stale-months", type=click.IntRange(1, 240), default=12, show_default=True,
                     envvar="MAPAPP_STALE_MONTHS",
                     help="Une fiche qu'aucune personne n'a vérifiée depuis ce nombre de mois est listée « à vérifier » "
                          "(environnement : MAPAPP_STALE_MONTHS)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _variant_store(settings, public: str | None, horaires: str, day: str | None = None):
    """The results store of the public and schedule rule asked (a French usage error when not computed);
    ``day``: read the snapshot of that date (:mod:`mapapp.snapshots`) instead of the live results."""
    from mapapp.results import ResultStore
    from mapapp.results_variants import VariantError, choose

    root = ResultStore(settings.data_dir / "results")
    if day:
        from mapapp.snapshots import SnapshotError, get_snapshot, snapshots_root

        try:
            root = get_snapshot(snapshots_root(settings), day).store
        except SnapshotError as exc:
            raise click.ClickException(str(exc)) from None
    try:
        return choose(root, public, horaires)[0]
    except VariantError as exc:
        raise click.ClickException(exc.message) from None


def _report_args(unit, themes, modes, sub_grid, stale_months) -> dict:
    return {"unit": unit, "themes": list(themes) or None, "modes": list(modes) or None, "sub_grid": sub_grid,
            "stale_months": stale_months}


def _open_session(settings):
    from mapapp.catalog.db import make_engine, make_sessionmaker, schema_problem

    engine = make_engine(settings.database_url)
    if problem := schema_problem(engine):
        engine.dispose()
        raise click.ClickException(problem)
    return engine, make_sessionmaker(engine)()


@main.command(help="Écrire un rapport d'accessibilité (PDF ou HTML, en français) pour le département ou un "
                   "territoire.\n\nChiffres clés, cartes, temps d'accès moyen par sous-territoire, zones blanches, "
                   "recouvrements, offre par thème et territoire, fraîcheur des données, résumé en langage clair "
                   "et note de méthode. Lit les résultats de « mapapp compute » ; ne calcule aucun trajet. "
                   "La progression s'affiche sur la sortie d'erreur.")
@_report_options
@click.option("--format", "fmt", type=click.Choice(["pdf", "html"]), default="pdf", show_default=True,
              help="PDF (A4, imprimable) ou un fichier HTML unique et autonome.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Fichier de sortie (par défaut : rapport-<territoire>.<format> dans le dossier courant).")
@click.option("--maps-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Écrire aussi chaque carte du rapport comme image séparée dans ce dossier.")
@click.option("--map-format", type=click.Choice(["png", "svg"]), default="png", show_default=True,
              help="Format des images écrites dans --maps-dir.")
@click.option("--list-units", is_flag=True, help="Lister les territoires qu'un rapport peut couvrir, puis s'arrêter.")
@click.option("--date", "day", default=None, metavar="AAAA-MM-JJ",
              help="Situation à cette date : lire l'instantané de ce jour (« mapapp observatoire instantane liste ») "
                   "au lieu des derniers résultats.")
def report(unit, themes, modes, sub_grid, public, horaires, stale_months, fmt, out, maps_dir, map_format,
           list_units, day) -> None:
    """Write an accessibility report (PDF or HTML, in French) for the département or one territory.

    Key figures, maps, mean access time per sub-territory, zones blanches,
    overlaps, offers by theme and territory, data freshness, plain-language
    summary and method note. Reads the results of `mapapp compute`; never routes.
    Progress goes to stderr.
    """
    from mapapp.reports import ReportError, build_report
    from mapapp.reports.maps import report_maps

    settings = load_settings()
    engine, session = _open_session(settings)
    try:
        if list_units:
            from mapapp.catalog.territory_store import read_communes, read_grids
            from mapapp.reports.units import unit_choices

            for key, grid, name in unit_choices(read_communes(session, include_buffer=False), read_grids(session)):
                click.echo(f"{key}\t{grid}\t{name}")
            return
        start = time.perf_counter()
        _progress("Lecture des résultats et du catalogue")
        try:
            data = build_report(session, _variant_store(settings, public, horaires, day),
                                **_report_args(unit, themes, modes, sub_grid, stale_months))
        except ReportError as exc:
            raise click.ClickException(str(exc)) from None
        maps = report_maps(data, progress=_progress)
        if maps_dir:
            maps_dir.mkdir(parents=True, exist_ok=True)
            images = maps if map_format == "png" else report_maps(data, fmt="svg")
            for image in images:
                (maps_dir / f"{image.key}.{image.fmt}").write_bytes(image.data)
            _progress(f"{count(len(images), 'carte écrite', 'cartes écrites')} dans {maps_dir}")
        from mapapp.reports.render import render_html, render_pdf

        _progress("Mise en page" + (" du PDF" if fmt == "pdf" else " HTML"))
        content = render_pdf(data, maps) if fmt == "pdf" else render_html(data, maps).encode("utf-8")
        out = out or Path(f"rapport-{data.unit.key.replace(':', '-')}.{fmt}")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content)
        click.echo(f"Rapport écrit dans {out} ({number(len(content) // 1024)}\u00a0Ko, "
                   f"{duration(time.perf_counter() - start)})")
    finally:
        session.close()
        engine.dispose()


def _check_crs(_ctx, _param, value: str | None) -> str | None:
    """A projection pyproj knows, or a French usage error (not a pyproj traceback)."""
    if value is None:
        return None
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(value)
    except CRSError:
        raise click.BadParameter(f"projection inconnue : « {value} » (exemple : EPSG:2154 pour le Lambert-93)") \
            from None
    if crs.is_geographic and crs.to_epsg() != 4326:
        raise click.BadParameter(f"« {value} » n'est pas une projection en mètres ni le WGS84 (EPSG:4326)")
    return value


@main.command("export", help="Exporter les tableaux et couches du rapport, ou le catalogue, pour Excel, QGIS ou "
                   "data·inclusion.\n\nLes tableaux et couches couvrent --unit, --theme et --mode comme « mapapp "
                   "report » ; les formats data·inclusion exportent tout le catalogue, validé par le schéma.")
@click.option("--format", "fmt", required=True,
              type=click.Choice(["xlsx", "csv", "gpkg", "geojson", "datainclusion-json", "datainclusion-csv"]),
              help="xlsx : une feuille par tableau ; csv : un fichier par tableau (« ; », UTF-8 avec BOM, virgule "
                   "décimale) ; gpkg : couches SIG en Lambert-93, avec leurs styles QGIS et les libellés des champs "
                   "(GeoPackage 1.3) ; geojson : les mêmes en WGS84 ; "
                   "datainclusion-json/-csv : le catalogue au format data·inclusion v1 (structures + services).")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Fichier de sortie (xlsx, gpkg), ou dossier pour les formats en plusieurs fichiers "
                   "(csv, geojson, datainclusion-*) ; un chemin finissant par .zip écrit une archive.")
@click.option("--crs", default=None, metavar="EPSG:XXXX", callback=_check_crs,
              help="Projection du GeoPackage (par défaut : EPSG:2154 Lambert-93 ; UTM officielle outre-mer).")
@_report_options
def export(fmt, out, crs, unit, themes, modes, sub_grid, public, horaires, stale_months) -> None:
    """Export the report's tables and layers, or the catalog, for Excel, QGIS or data·inclusion.

    Tables and layers cover --unit, --theme and --mode like `mapapp report`;
    the data·inclusion formats export the whole catalog, validated by the schema.
    """
    from mapapp.io.exports import export_to_path
    from mapapp.reports import ReportError

    settings = load_settings()
    engine, session = _open_session(settings)
    start = time.perf_counter()
    try:
        args = _report_args(unit, themes, modes, sub_grid, stale_months)
        if crs:
            args["crs"] = crs
        paths = export_to_path(fmt, session, _variant_store(settings, public, horaires), out, progress=_progress,
                               **args)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        session.close()
        engine.dispose()
    for path in paths:
        click.echo(str(path))
    click.echo(f"Export {fmt} : {count(len(paths), 'fichier')} en {duration(time.perf_counter() - start)}", err=True)


# --------------------------------------------------------------------------- web


@main.command(help="Servir l'application web : le serveur de développement, ou gunicorn avec --workers N.\n\n"
                   "Demande MAPAPP_SECRET_KEY (au moins 32 caractères aléatoires, la même pour tous les "
                   "processus) et MAPAPP_BASE_URL (l'adresse publique : liens des courriels, et nom d'hôte "
                   "servi ; MAPAPP_TRUSTED_HOSTS pour d'autres noms). --debug tire une clé aléatoire pour un "
                   "processus de développement et répond sur localhost. Derrière des mandataires inverses, "
                   "indiquer leur nombre dans MAPAPP_PROXY_HOPS.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port d'écoute.")
@click.option("--debug/--no-debug", default=False, show_default=True,
              help="Mode développement : rechargement, débogueur, clé secrète aléatoire.")
@click.option("--workers", type=click.IntRange(0, 64), default=0, show_default=True,
              help="Servir avec gunicorn et ce nombre de processus (production) ; 0 : le serveur de développement.")
def serve(host: str, port: int, debug: bool, workers: int) -> None:
    """Serve the web application: the development server, or gunicorn with --workers N.

    Needs MAPAPP_SECRET_KEY (at least 32 random characters, the same for all
    workers) and MAPAPP_BASE_URL (the public address: links in e-mails, and the
    host answered to; MAPAPP_TRUSTED_HOSTS for other names). --debug draws a
    random key for a development process and answers on localhost. Behind
    reverse proxies, set MAPAPP_PROXY_HOPS to their number.
    """
    import os
    import shutil

    from mapapp.config import SettingsError, require_web_settings
    from mapapp.web import create_app

    if workers:
        try:  # here, before the workers start and each print a traceback
            require_web_settings(load_settings())
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None
        gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).with_name("gunicorn"))
        os.execv(gunicorn, [gunicorn, "-w", str(workers), "-b", f"{host}:{port}", "mapapp.web:create_app()"])

    try:
        app = create_app(dev_key=debug)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    app.run(host=host, port=port, debug=debug)


# --------------------------------------------------------------------------- contribution

from mapapp.cli_contrib import register as _register_contribution  # noqa: E402
from mapapp.cli_gtfs import register as _register_gtfs  # noqa: E402
from mapapp.cli_identity import register as _register_identity  # noqa: E402
from mapapp.cli_guide import register as _register_guide  # noqa: E402
from mapapp.cli_method import register as _register_method  # noqa: E402
from mapapp.cli_observatoire import register as _register_observatoire  # noqa: E402
from mapapp.cli_scenario import register as _register_scenario  # noqa: E402
from mapapp.cli_snapshots import register as _register_snapshots  # noqa: E402
from mapapp.cli_settings import register as _register_settings  # noqa: E402

_register_contribution(main)  # mapapp user ..., mapapp import, mapapp freshness ...
_register_method(territory)  # mapapp territory method
_register_settings(main)  # mapapp parametres ...
_register_snapshots(main)  # mapapp observatoire ...
_register_identity(main)  # mapapp identity show / set
_register_gtfs(territory)  # mapapp territory gtfs
_register_observatoire(territory)  # mapapp territory besoins, references
_register_scenario(main)  # mapapp scenario ...
_register_guide(main)  # mapapp guide
localize_command_tree(main)  # French metavars and path names, once every command is registered


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

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

from mapapp.config import load_settings


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mapapp")
def main() -> None:
    """mapapp : cartographie de l'offre d'insertion d'un département et de son accessibilité.

    Settings come from the environment: MAPAPP_DATA_DIR (./var), MAPAPP_DATABASE_URL
    (SQLite file in the data folder), MAPAPP_DEMO_DIR (./geodata/demo), MAPAPP_SECRET_KEY.
    """


# --------------------------------------------------------------------------- db


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Apply the migrations to the configured database (creates it if needed)."""
    from mapapp.catalog.db import upgrade

    settings = load_settings()
    upgrade(settings.database_url, revision)
    click.echo(f"Base de données à jour ({settings.database_url}).")


# --------------------------------------------------------------------------- demo


@main.group()
def demo() -> None:
    """The fictional demo département (generated deterministically)."""


@demo.command("generate")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: MAPAPP_DEMO_DIR, ./geodata/demo).")
@click.option("--seed", type=int, default=96, show_default=True, help="Random seed; same seed, same bytes.")
def demo_generate(out_dir: Path | None, seed: int) -> None:
    """Generate the demo territory files: communes, grids, population, roads (OSM XML), catalog."""
    from mapapp.demo import generate_demo

    out_dir = out_dir or load_settings().demo_dir
    start = time.perf_counter()
    summary = generate_demo(out_dir, seed=seed, progress=_progress)
    click.echo(f"Territoire de démonstration écrit dans {out_dir} en {time.perf_counter() - start:.1f} s")
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))


@demo.command("load")
@click.option("--generate/--no-generate", default=True, show_default=True,
              help="Generate the demo files first if they are missing.")
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


@main.group()
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


@territory.command("import")
@click.option("--name", required=True, help="Territory name shown to users (e.g. « Corse-du-Sud »).")
@click.option("--departement", required=True, help="Département code (2A, 40, 974...); other communes are buffer.")
@click.option("--communes", "communes_paths", required=True, multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Commune polygons: GeoJSON, shapefile or GeoPackage, any CRS (IGN ADMIN EXPRESS, france-geojson...). "
                   "Repeatable (one file per département: the territory and its neighbours for the buffer); "
                   "a commune in several files is kept once when its contours agree, refused otherwise.")
@click.option("--commune-table", "commune_tables", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with code, population (and code_epci, nom_epci for the EPCI grid); repeatable. "
                   "Rows of communes absent from the polygons (national INSEE table) are ignored.")
@click.option("--population-grid", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="INSEE squares (GeoPackage); without it, one population point per commune.")
@click.option("--population-column", default="Ind", show_default=True, help="Inhabitants column of the squares.")
@click.option("--grid", "grid_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Grid CSV (grid,code,nom,commune or commune + one column per grid); repeatable.")
@click.option("--osm", "osm_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="OpenStreetMap road extract (PBF, XML or .osm.bz2) covering the communes and a buffer.")
@click.option("--osm-min-coverage", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Share of each commune's area the road file must cover; below it is an error. Lower it "
                   "knowingly for a study area cut out of a larger département.")
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every error, warning and information to this CSV file (line, column, value, "
                   "message; ';', UTF-8 with BOM, for Excel).")
def territory_import(name, departement, communes_paths, commune_tables, population_grid, population_column,
                     grid_files, osm_path, osm_min_coverage, dry_run, errors_path) -> None:
    """Import a real territory from files; every problem is reported with its line or INSEE code.

    Nothing is written when there is any error (or with --dry-run).
    """
    from mapapp.cli_contrib import write_errors
    from mapapp.services import store_bundle
    from mapapp.territory.io import bundle_from_files
    from mapapp.territory.validation import ImportReport, TerritoryImportError

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
    _report_issues(report)
    if errors_path is not None:
        write_errors(errors_path, report)
    if not report.ok or bundle is None:
        raise click.ClickException(f"{len(report.errors)} erreur(s) : rien n'a été enregistré.")
    if dry_run:
        click.echo(f"Contrôle terminé (--dry-run) : {len(bundle.communes)} communes, "
                   f"{len(bundle.population_points)} points de population ; rien n'a été enregistré.")
        return
    click.echo(store_bundle(load_settings(), bundle))


@territory.command("fetch")
@click.option("--departement", required=True, help="Département code (2A, 40, 974...).")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Download cache (default: $MAPAPP_DATA_DIR/downloads).")
@click.option("--refresh", is_flag=True, help="Download again even when cached.")
@click.option("--import/--no-import", "do_import", default=True, show_default=True,
              help="Import the downloaded territory into the database.")
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
        raise click.ClickException(f"{len(report.errors)} erreur(s) : rien n'a été enregistré.")
    click.echo(store_bundle(settings, bundle))


# --------------------------------------------------------------------------- compute


@main.command()
@click.option("--mode", "modes", multiple=True, type=click.Choice(["car", "walk", "bike"]),
              help="Travel mode(s) to compute (default: all three).")
@click.option("--workers", type=int, default=None, help="Worker processes (default: number of cores).")
@click.option("--force", is_flag=True, help="Recompute every theme even if its inputs did not change.")
def compute(modes: tuple[str, ...], workers: int | None, force: bool) -> None:
    """Compute travel-time accessibility for the current territory and store the results.

    Builds (or reloads from cache) the road graph of each mode from the
    territory's OpenStreetMap file, then measures access to every theme;
    only themes whose inputs changed since the last run are recomputed.
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
    click.echo(report.summary())


# --------------------------------------------------------------------------- reports and exports


def _report_options(func):
    """Options shared by `report` and `export`: what the figures cover."""
    options = [
        click.option("--unit", default=None, metavar="GRID:CODE",
                     help="Territory covered: epci:200096001, canton:9601, bassin_de_vie:96001, "
                          "territoire_action_sociale:TAS1, commune:96001 (default: the whole département). "
                          "`mapapp report --list-units` lists them."),
        click.option("--theme", "themes", multiple=True, metavar="KEY",
                     help="Theme detailed with maps and lists (repeatable; 'all' for every theme). Default: "
                          "france_services, accueil_departement, trouver_un_emploi, mobilite, numerique, sante."),
        click.option("--mode", "modes", multiple=True, type=click.Choice(["car", "walk", "bike"]),
                     help="Travel mode (repeatable). Default: every computed mode."),
        click.option("--by", "sub_grid", default=None, metavar="GRID",
                     help="Sub-territories of a département report (bassin_de_vie, epci, canton, "
                          "territoire_action_sociale, commune). Default: bassin_de_vie. A unit lists its communes."),
        click.option("--stale-months", type=click.IntRange(1, 240), default=12, show_default=True,
                     envvar="MAPAPP_STALE_MONTHS",
                     help="A record not verified by a person for this many months is listed as to verify "
                          "(environment: MAPAPP_STALE_MONTHS)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


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


@main.command()
@_report_options
@click.option("--format", "fmt", type=click.Choice(["pdf", "html"]), default="pdf", show_default=True,
              help="PDF (A4, printable) or a single self-contained HTML file.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default: rapport-<unit>.<format> in the current folder).")
@click.option("--maps-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write every map of the report as a separate image in this folder.")
@click.option("--map-format", type=click.Choice(["png", "svg"]), default="png", show_default=True,
              help="Format of the images written to --maps-dir.")
@click.option("--list-units", is_flag=True, help="List the territories a report can cover, then stop.")
def report(unit, themes, modes, sub_grid, stale_months, fmt, out, maps_dir, map_format, list_units) -> None:
    """Write an accessibility report (PDF or HTML, in French) for the département or one territory.

    Key figures, maps, mean access time per sub-territory, zones blanches,
    overlaps, offers by theme and territory, data freshness, plain-language
    summary and method note. Reads the results of `mapapp compute`; never routes.
    Progress goes to stderr.
    """
    from mapapp.reports import ReportError, build_report
    from mapapp.reports.maps import report_maps
    from mapapp.results import ResultStore

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
            data = build_report(session, ResultStore(settings.data_dir / "results"),
                                **_report_args(unit, themes, modes, sub_grid, stale_months))
        except ReportError as exc:
            raise click.ClickException(str(exc)) from None
        maps = report_maps(data, progress=_progress)
        if maps_dir:
            maps_dir.mkdir(parents=True, exist_ok=True)
            images = maps if map_format == "png" else report_maps(data, fmt="svg")
            for image in images:
                (maps_dir / f"{image.key}.{image.fmt}").write_bytes(image.data)
            _progress(f"{len(images)} cartes écrites dans {maps_dir}")
        from mapapp.reports.render import render_html, render_pdf

        _progress("Mise en page" + (" du PDF" if fmt == "pdf" else " HTML"))
        content = render_pdf(data, maps) if fmt == "pdf" else render_html(data, maps).encode("utf-8")
        out = out or Path(f"rapport-{data.unit.key.replace(':', '-')}.{fmt}")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content)
        click.echo(f"Rapport écrit dans {out} ({len(content) // 1024} Ko, {time.perf_counter() - start:.1f} s)")
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


@main.command("export")
@click.option("--format", "fmt", required=True,
              type=click.Choice(["xlsx", "csv", "gpkg", "geojson", "datainclusion-json", "datainclusion-csv"]),
              help="xlsx: one sheet per table; csv: one file per table (';', UTF-8 with BOM, decimal comma); "
                   "gpkg: GIS layers in Lambert-93; geojson: the same in WGS84; datainclusion-json/-csv: "
                   "the catalog as data·inclusion v1 (structures + services).")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Output file (xlsx, gpkg), or folder for formats made of several files "
                   "(csv, geojson, datainclusion-*); a path ending in .zip writes an archive instead.")
@click.option("--crs", default=None, metavar="EPSG:XXXX", callback=_check_crs,
              help="Projection of the GeoPackage (default: EPSG:2154 Lambert-93; official UTM overseas).")
@_report_options
def export(fmt, out, crs, unit, themes, modes, sub_grid, stale_months) -> None:
    """Export the report's tables and layers, or the catalog, for Excel, QGIS or data·inclusion.

    Tables and layers cover --unit, --theme and --mode like `mapapp report`;
    the data·inclusion formats export the whole catalog, validated by the schema.
    """
    from mapapp.io.exports import export_to_path
    from mapapp.reports import ReportError
    from mapapp.results import ResultStore

    settings = load_settings()
    engine, session = _open_session(settings)
    start = time.perf_counter()
    try:
        args = _report_args(unit, themes, modes, sub_grid, stale_months)
        if crs:
            args["crs"] = crs
        paths = export_to_path(fmt, session, ResultStore(settings.data_dir / "results"), out, progress=_progress,
                               **args)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        session.close()
        engine.dispose()
    for path in paths:
        click.echo(str(path))
    click.echo(f"Export {fmt} : {len(paths)} fichier(s) en {time.perf_counter() - start:.1f} s", err=True)


# --------------------------------------------------------------------------- web


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False, show_default=True)
@click.option("--workers", type=click.IntRange(0, 64), default=0, show_default=True,
              help="Serve with gunicorn and this many worker processes (production); 0: the development server.")
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
from mapapp.cli_method import register as _register_method  # noqa: E402

_register_contribution(main)  # mapapp user ..., mapapp import, mapapp freshness ...
_register_method(territory)  # mapapp territory method


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
